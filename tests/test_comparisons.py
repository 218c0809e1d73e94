"""Comparison validity (docs/surfaces.md): each way a ranking misled before, as a small
hand-written ledger with the numbers computed by hand, through the real rebuild."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handledger import rec, write_ledger
from jarri.ledger.record import RunRecord
from jarri.paths import Workspace
from jarri.rebuild.build import RebuildResult, rebuild

LEDGER = "benchmarks/e1/llm_benchmark_runs.jsonl"
_counter = iter(range(1, 10**9))


def run(model: str, task: str, score: float, *, gpu: str = "G1", power: str | None = "80",
        energy: float | None = 10.0, out: int | None = 20, n: int | None = None,
        **over: Any) -> RunRecord:
    """One run; each call is a new repeat (its own run id) unless ``n`` is given."""
    return rec(n if n is not None else next(_counter), model, task, gpu, power, score=score,
               energy_j=energy, confidence="high", out=out, prompt=5, eval_s=1.0, wall_s=2.0,
               **over)


def build(tmp: Path, records: list[RunRecord], **kw: Any) -> tuple[Path, RebuildResult]:
    write_ledger(tmp / LEDGER, records)
    result = rebuild(Workspace(tmp), **kw)
    return tmp / "benchmark_ui/data", result


def rows(data: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((data / name).read_text())["rows"]


def one(items: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in items if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def global_points(data: Path) -> list[dict[str, Any]]:
    return one(rows(data, "duckdb_pareto_frontiers.json"), scope="global")["points"]


# 1. Repeats do not reweight tasks.
def test_repeats_do_not_reweight_tasks(tmp_path: Path) -> None:
    recs = [*(run("A", "easy", 100) for _ in range(9)), run("A", "hard", 0),
            run("B", "easy", 100), run("B", "hard", 0)]
    data, _ = build(tmp_path, recs)
    models = rows(data, "duckdb_model_rankings.json")
    a, b = one(models, model="A"), one(models, model="B")
    assert a["runs"] == 10 and b["runs"] == 2
    for k in ("avg_score_percent", "success_rate", "score_per_wh", "avg_energy_j"):
        assert a[k] == b[k], k
    assert a["avg_score_percent"] == 50.0 and a["success_rate"] == 0.5
    assert a["score_per_wh"] == 50 / (10 / 3600)  # balanced score / balanced Wh = 18000
    assert a["score_per_wh_vs_best"] == b["score_per_wh_vs_best"] == 1.0
    pair = one(rows(data, "comparisons/model_pairs.json"), model_a="A", model_b="B")
    score = one(pair["differences"], metric="avg_score_percent")
    assert score["difference"] == 0.0 and score["verdict"] == "tie"


# 2. A configuration that lacks tasks is shown with its coverage, off frontiers and "best".
def test_partial_coverage_is_kept_off_frontiers_and_best(tmp_path: Path) -> None:
    recs = [run("A", "easy", 100, power="80"), run("A", "hard", 0, power="80"),
            run("A", "easy", 100, power="60", energy=1.0),  # 60 %: the easy task only
            run("B", "easy", 100), run("B", "hard", 100, energy=30.0)]
    data, _ = build(tmp_path, recs)
    points = global_points(data)
    low = one(points, model="A", power_applied_w=150.0)
    assert low["coverage"] == 0.5 and low["tasks_in_slice"] == 1 and not low["comparable"]
    assert low["not_comparable_because"] == ["covers 1 of 2 compared tasks"]
    assert not low["on_energy_frontier"] and not low["on_token_frontier"]
    assert one(points, model="A", power_applied_w=200.0)["on_energy_frontier"]
    tdp = rows(data, "duckdb_model_tdp.json")
    assert one(tdp, model="A", power_applied_w=150.0)["score_per_wh_vs_best"] is None
    assert one(tdp, model="A", power_applied_w=200.0)["score_per_wh_vs_best"] == 1.0


def test_best_power_level_is_per_gpu(tmp_path: Path) -> None:
    recs = [run("A", t, 100, gpu=g, energy=e) for t in ("x", "y")
            for g, e in (("G1", 10.0), ("G2", 40.0))]
    data, _ = build(tmp_path, recs)
    tdp = rows(data, "duckdb_model_tdp.json")
    # each GPU's own level is its best; the slower card is not 0.25x of the other
    assert [r["score_per_wh_vs_best"] for r in tdp] == [1.0, 1.0]
    assert {r["gpu_key"] for r in tdp} == {"GPU-1111", "GPU-2222"}


# 3. The per-experiment file compares on the experiment's common tasks.
def test_experiment_analysis_uses_its_common_tasks(tmp_path: Path) -> None:
    recs = [run("A", "easy", 100), run("A", "hard", 0), run("B", "easy", 100),
            run("B", "hard", 0), run("B", "extra", 0), run("B", "extra", 0)]
    data, _ = build(tmp_path, recs)
    exp = rows(data, "analysis/e1.json")
    a, b = one(exp, model="A"), one(exp, model="B")
    assert a["avg_score_percent"] == b["avg_score_percent"] == 50.0
    assert b["tasks_run"] == 3 and b["tasks_in_slice"] == 2 and b["tasks_compared"] == 2


# 4. A configuration that never passes is on no frontier and never "best".
def test_never_passing_configuration_is_degenerate(tmp_path: Path) -> None:
    recs = [run("A", t, 100, energy=50.0, out=100) for t in ("x", "y")]
    recs += [run("P", t, 50, energy=1.0, out=5) for t in ("x", "y")]  # partial credit only
    data, _ = build(tmp_path, recs)
    p = one(global_points(data), model="P")
    assert p["success_rate"] == 0.0 and p["avg_score_percent"] == 50.0
    assert p["degenerate"] and not p["comparable"]
    assert not p["on_energy_frontier"] and not p["on_token_frontier"]
    a = one(global_points(data), model="A")
    assert a["on_energy_frontier"] and a["on_token_frontier"]
    models = rows(data, "duckdb_model_rankings.json")
    assert one(models, model="P")["score_per_wh_vs_best"] is None
    assert one(models, model="P")["output_token_waste"] is None
    assert one(models, model="A")["score_per_wh_vs_best"] == 1.0


# 5. Failed runs without output do not lower the token mean.
def test_empty_failures_do_not_make_a_model_token_efficient(tmp_path: Path) -> None:
    recs = [run("A", t, 100, out=40) for t in ("x", "y")]
    recs += [run("E", t, 100, out=60) for t in ("x", "y")]
    recs += [run("E", t, 0, out=0, failure_stage="generation", failure_type="empty_output")
             for t in ("x", "y") for _ in range(3)]
    data, _ = build(tmp_path, recs)
    models = rows(data, "duckdb_model_rankings.json")
    e = one(models, model="E")
    assert e["avg_output_tokens"] == 60.0 and e["skipped_output_tokens"] == 6
    assert one(models, model="A")["output_token_waste"] == 1.0
    assert e["output_token_waste"] == 1.5
    # per passed answer: (60 + 0 + 0 + 0) / 4 tokens per run over a 0.25 pass rate
    assert e["output_tokens_per_success"] == 60.0
    assert one(models, model="A")["output_tokens_per_success"] == 40.0


# 6. Ungraded runs are not charged to the model.
def test_ungraded_runs_are_counted_apart(tmp_path: Path) -> None:
    recs = [run("A", "x", 100), run("A", "x", None, status="not_evaluated"),
            run("A", "x", None, status="evaluator_error"),
            run("B", "x", 100), run("B", "u", None, status="not_evaluated")]
    data, _ = build(tmp_path, recs)
    models = rows(data, "duckdb_model_rankings.json")
    a = one(models, model="A")
    assert a["avg_score_percent"] == 100.0 and a["success_rate"] == 1.0
    assert a["runs"] == 3 and a["ungraded"] == 2 and a["graded_runs"] == 1
    # a task nobody has graded runs of is not in the compared set
    assert json.loads((data / "duckdb_model_rankings.json").read_text())[
        "compared_tasks"] == ["e1/x"]
    cov = one(rows(data, "verification/coverage.json"), model="B", task_key="e1/u")
    assert cov["ungraded"] == 1 and not cov["in_common_set"]


# 7. Versions never mix without asking.
def test_versions_are_kept_apart_unless_pooled(tmp_path: Path) -> None:
    recs = [run("A", "x", 100), run("A", "x", 0, evaluator="exact@2"),
            run("A", "y", 100)]
    data, result = build(tmp_path / "apart", recs)
    keys = sorted(r["task_key"] for r in rows(data, "duckdb_model_task_tdp.json"))
    assert keys == ["e1/x@r1.exact@1.pppppppp", "e1/x@r1.exact@2.pppppppp", "e1/y"]
    versions = rows(data, "verification/versions.json")
    assert [(v["task_version"], v["runs"]) for v in versions] == [
        ("r1.exact@1.pppppppp", 1), ("r1.exact@2.pppppppp", 1)]
    assert result.tasks == 3
    reg = one(rows(data, "duckdb_task_registry.json"), task_key="e1/x")
    assert [v["task_key"] for v in reg["versions"]] == keys[:2] and reg["runs"] == 2
    data, result = build(tmp_path / "pooled", recs, pool_versions=True)
    keys = sorted(r["task_key"] for r in rows(data, "duckdb_model_task_tdp.json"))
    assert keys == ["e1/x", "e1/y"] and result.tasks == 2
    assert json.loads((data / "verification/versions.json").read_text())["versions_pooled"]


def test_a_new_prompt_is_a_new_version(tmp_path: Path) -> None:
    recs = [run("A", "x", 100), run("B", "x", 0, prompt_sha256="q" * 64)]
    data, _ = build(tmp_path, recs)
    models = rows(data, "duckdb_model_rankings.json")
    # A and B ran different prompts: nothing is common, and nothing is comparable
    assert json.loads((data / "duckdb_model_rankings.json").read_text())["common_tasks"] == 0
    assert not any(m["comparable"] for m in models)


# 8. Run identity includes host and GPU.
def test_same_sweep_on_two_gpus_keeps_both(tmp_path: Path) -> None:
    g1 = run("A", "x", 100, gpu="G1", n=1)
    g2 = run("A", "x", 0, gpu="G2", n=1)
    assert g1.run_id == g2.run_id
    other_host = run("A", "x", 100, gpu="G1", n=1, host="h2")
    data, result = build(tmp_path, [g1, g2, other_host])
    assert result.rows_used == 3 and result.rows_conflicting == 0
    assert one(rows(data, "duckdb_model_rankings.json"), model="A")["runs"] == 3


def test_a_real_conflict_is_reported_not_resolved(tmp_path: Path) -> None:
    a = run("A", "x", 100, n=7)
    b = run("A", "x", 0, n=7)  # same identity, other content
    data, result = build(tmp_path, [a, b, run("A", "y", 100)])
    assert result.rows_conflicting == 2 and result.rows_used == 1
    conflicts = rows(data, "verification/conflicts.json")
    assert [c["run_id"] for c in conflicts] == [a.run_id, a.run_id]
    assert {c["source_line"] for c in conflicts} == {1, 2}


# 9. Exact duplicate lines are in the accounting.
def test_duplicate_lines_are_counted(tmp_path: Path) -> None:
    r1, r2 = run("A", "x", 100), run("A", "y", 0)
    data, result = build(tmp_path, [r1, r1, r1, r2])
    assert (result.rows_total, result.rows_used, result.rows_duplicate) == (4, 2, 2)
    det = rows(data, "verification/determinism.json")[0]
    assert det["rows_total"] == 4 and det["all_rows_accounted"]


# 10. Energy validity, gross energy, one method class per average.
def test_energy_validity_gross_and_classes(tmp_path: Path) -> None:
    recs = [run("A", "x", 100, energy=-5.0), run("A", "x", 100, energy=0.0),
            run("A", "x", 100, energy=20.0, energy_gross_j=50.0, energy_gross_mj=50_000),
            run("A", "y", 100, energy=40.0, energy_gross_j=70.0, energy_gross_mj=70_000),
            # sampled energy (under-reads): never averaged with the counter's
            run("A", "y", 100, energy=1.0, energy_method="nvml_power_sampled")]
    data, _ = build(tmp_path, recs)
    a = one(rows(data, "duckdb_model_rankings.json"), model="A")
    assert a["energy_class"] == "gpu_counter" and a["energy_runs"] == 2
    assert a["avg_energy_j"] == 30.0 and a["avg_energy_gross_j"] == 60.0
    assert a["skipped_energy"] == 3


def test_sampled_energy_is_used_alone_when_it_alone_covers_the_tasks(tmp_path: Path) -> None:
    recs = [run("A", "x", 100, energy=20.0),
            run("A", "x", 100, energy=8.0, energy_method="nvml_power_sampled"),
            run("A", "y", 100, energy=4.0, energy_method="upstream_nvidia_smi_sampled_v1")]
    data, _ = build(tmp_path, recs)
    a = one(rows(data, "duckdb_model_rankings.json"), model="A")
    assert a["energy_class"] == "gpu_sampled" and a["avg_energy_j"] == 6.0
    cells = rows(data, "duckdb_model_task_tdp.json")
    assert one(cells, task_key="e1/x")["energy_class"] == "gpu_counter"


# Intervals and paired differences.
def _spread(models: dict[str, list[float]]) -> list[RunRecord]:
    recs = []
    for model, scores in models.items():
        for i, s in enumerate(scores):
            recs += [run(model, f"t{i}", s, energy=10.0 + i), run(model, f"t{i}", s,
                                                                   energy=12.0 + i)]
    return recs


def test_intervals_bracket_the_estimate_and_pairs_give_verdicts(tmp_path: Path) -> None:
    strong = [100.0] * 8
    weak = [0.0] * 7 + [100.0]
    data, _ = build(tmp_path, _spread({"S": strong, "W": weak, "W2": list(weak)}))
    models = rows(data, "duckdb_model_rankings.json")
    w = one(models, model="W")
    lo, hi = w["ci95"]["avg_score_percent"]
    assert lo <= w["avg_score_percent"] <= hi and lo < hi
    assert one(models, model="S")["ci95"]["avg_score_percent"] == [100.0, 100.0]
    assert set(w["ci95"]) >= {"avg_score_percent", "success_rate", "avg_energy_j",
                              "energy_per_success_j", "score_per_wh"}
    pairs = rows(data, "comparisons/model_pairs.json")
    sw = one(pairs, model_a="S", model_b="W")
    assert one(sw["differences"], metric="avg_score_percent")["verdict"] == "a better"
    assert one(sw["differences"], metric="avg_score_percent")["difference"] == 87.5
    ww = one(pairs, model_a="W", model_b="W2")
    assert all(d["verdict"] == "tie" for d in ww["differences"])
    tdp = rows(data, "duckdb_model_tdp.json")
    assert all(r["ci95"] is not None for r in tdp)
    wp = one(global_points(data), model="W")
    lo, hi = wp["ci95"]["avg_energy_j"]
    assert lo <= wp["avg_energy_j"] <= hi


def test_intervals_are_deterministic(tmp_path: Path) -> None:
    recs = _spread({"S": [100, 0, 100, 50, 100], "W": [0, 0, 100, 100, 50]})
    lines = [r.to_line() for r in recs]

    def snap(folder: Path, body: list[bytes], threads: int) -> dict[str, bytes]:
        (folder / LEDGER).parent.mkdir(parents=True, exist_ok=True)
        (folder / LEDGER).write_bytes(b"".join(body))
        rebuild(Workspace(folder), threads=threads)
        d = folder / "benchmark_ui/data"
        return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*.json"))
                if p.name != "sources.json"}

    first = snap(tmp_path / "a", lines, 1)
    shuffled = list(lines)
    random.Random(3).shuffle(shuffled)
    assert snap(tmp_path / "b" / "c", shuffled, 2) == first
    assert snap(tmp_path / "a", lines, 2) == first


# Properties: duplicating runs never moves a balanced score; a partial configuration never
# reaches a frontier.
_results = st.lists(st.lists(st.sampled_from([0.0, 50.0, 100.0]), min_size=1, max_size=3),
                    min_size=2, max_size=4)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_task=_results, dup=st.integers(0, 3), copies=st.integers(1, 3),
       other_power=st.booleans())
def test_duplicating_a_tasks_runs_never_changes_the_balanced_score(
        tmp_path_factory: pytest.TempPathFactory, per_task: list[list[float]], dup: int,
        copies: int, other_power: bool) -> None:
    base = [run("A", f"t{i}", s) for i, scores in enumerate(per_task) for s in scores]
    base += [run("B", f"t{i}", 100) for i in range(len(per_task))]
    task = dup % len(per_task)
    extra = [run("A", f"t{task}", s, power="60" if other_power else "80")
             for _ in range(copies) for s in per_task[task]]
    d1, _ = build(tmp_path_factory.mktemp("p"), base)
    d2, _ = build(tmp_path_factory.mktemp("p"), base + extra)
    keys = ("avg_score_percent", "success_rate", "fully_correct_rate", "avg_energy_j")
    a1 = one(rows(d1, "duckdb_model_rankings.json"), model="A")
    a2 = one(rows(d2, "duckdb_model_rankings.json"), model="A")
    assert {k: a1[k] for k in keys} == {k: a2[k] for k in keys}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_task=_results, keep=st.integers(1, 3))
def test_a_configuration_covering_fewer_tasks_is_never_on_a_frontier(
        tmp_path_factory: pytest.TempPathFactory, per_task: list[list[float]],
        keep: int) -> None:
    recs = [run("A", f"t{i}", s, energy=50.0, out=80) for i, scores in enumerate(per_task)
            for s in scores]
    n = min(keep, len(per_task) - 1)
    # a cheap, perfect configuration that ran only some of the tasks
    recs += [run("A", f"t{i}", 100, power="60", energy=0.5, out=1) for i in range(n)]
    data, _ = build(tmp_path_factory.mktemp("f"), recs)
    cheap = one(global_points(data), model="A", power_applied_w=150.0)
    assert cheap["coverage"] < 1 and not cheap["comparable"]
    assert not cheap["on_energy_frontier"] and not cheap["on_token_frontier"]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_all_cells_path_equals_the_general_one(data: st.DataObject) -> None:
    """balanced.per_cell (vectorised) gives each cell exactly aggregate()'s row."""
    from jarri.analysis.balanced import STEMS, Cells, aggregate, per_cell

    rows_in = []
    for i in range(data.draw(st.integers(1, 6))):
        row: dict[str, Any] = {"model": "m", "task_key": f"t{i}", "gpu_key": "g",
                               "power_applied_w": None,
                               "runs": data.draw(st.integers(1, 9)),
                               "ungraded": data.draw(st.integers(0, 2))}
        for stem in STEMS:
            n = data.draw(st.integers(0, 3))
            row[f"n_{stem}"] = n
            row[f"s_{stem}"] = data.draw(st.integers(-5, 10**8)) if n else 0
        rows_in.append(row)
    cells = Cells.from_rows(rows_in)
    for i, row in enumerate(per_cell(cells)):
        assert row == aggregate(cells, [i]).row
