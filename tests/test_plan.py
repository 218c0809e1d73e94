"""The planner: deterministic order, model-major, serpentine power levels, stable shards."""

from __future__ import annotations

from jarri.backends.base import GenerationOptions, ModelInfo
from jarri.measure.power_tokens import parse_tokens
from jarri.runner.plan import Shard, build_plan, count_changes
from jarri.suite import SuiteRegistry

EXP = SuiteRegistry().load("smoke_v1")


def plan(models=("a", "b"), levels=None, repeats=2, shard=None, sweep="s"):  # noqa: ANN001, ANN201
    return build_plan(sweep_id=sweep, backend="ollama", models=list(models),
                      infos={m: ModelInfo(m, digest=f"d-{m}") for m in models},
                      experiments=[EXP], power_levels=levels or [None], repeats=repeats,
                      options=GenerationOptions(), shard=shard)


def test_size_order_and_determinism() -> None:
    p = plan()
    assert len(p) == 2 * 6 * 2
    assert [r.model for r in p] == ["a"] * 12 + ["b"] * 12
    assert [r.repeat_index for r in p[:12]] == [1] * 6 + [2] * 6
    assert [r.run_key for r in p] == [r.run_key for r in plan()]
    assert len({r.run_key for r in p}) == len(p)
    assert p[0].options.max_output_tokens == 32  # the task's own cap wins


def test_keys_depend_on_what_defines_the_cell() -> None:
    base = {r.run_key for r in plan()}
    assert base.isdisjoint({r.run_key for r in plan(sweep="other")})
    assert plan(models=("a",))[0].run_key == plan()[0].run_key  # independent of the plan size


def test_serpentine_power_levels_minimise_changes() -> None:
    levels = list(parse_tokens("60,80,250w"))
    p = plan(levels=levels, repeats=1)
    seq = [r.power.request for r in p if r.power]
    assert seq[:18:6] == ["60", "80", "250w"] and seq[18::6] == ["250w", "80", "60"]
    loads, changes = count_changes(p)
    assert loads == 2 and changes == 5  # 3 for model a, then 2 more for model b


def test_shards_partition_the_plan() -> None:
    full = {r.run_key for r in plan(repeats=3)}
    parts = [{r.run_key for r in plan(repeats=3, shard=Shard(i, 3))} for i in (1, 2, 3)]
    assert set().union(*parts) == full
    assert sum(len(x) for x in parts) == len(full)
    assert all(parts)
