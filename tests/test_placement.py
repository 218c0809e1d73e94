"""Fleet placement (runner/placement.py): deterministic, model-major, balanced, complete; and
the agreement check that refuses a worker whose GPU or models differ (runner/fleet.py)."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import jarri_cmd
from jarri.backends.base import GenerationOptions, ModelInfo
from jarri.measure.nvml import GpuIdentity
from jarri.measure.power import GpuTarget, ResolvedLevel
from jarri.measure.power_tokens import parse_tokens
from jarri.runner.fleet import disagreement, sharing
from jarri.runner.fleet_worker import WorkerInfo
from jarri.runner.placement import place
from jarri.runner.plan import build_plan, count_changes
from jarri.suite import SuiteRegistry

EXP = SuiteRegistry().load("smoke_v1")


def plan(models: int, levels: str | None = None, repeats: int = 1):  # noqa: ANN201
    names = [f"m{i}" for i in range(models)]
    return build_plan(sweep_id="s", backend="mock", models=names,
                      infos={m: ModelInfo(m, digest=f"d-{m}") for m in names},
                      experiments=[EXP],
                      power_levels=list(parse_tokens(levels)) if levels else [None],
                      repeats=repeats, options=GenerationOptions())


@pytest.mark.parametrize(("models", "workers", "repeats", "levels"),
                         list(itertools.product((1, 2, 3, 5), (1, 2, 3, 4, 8), (1, 2),
                                                (None, "60,80,100"))))
def test_every_cell_is_placed_once_in_plan_order_and_balanced(
        models: int, workers: int, repeats: int, levels: str | None) -> None:
    todo = plan(models, levels, repeats)
    queues = place(todo, workers)
    assert len(queues) == workers
    placed = [r.run_key for q in queues for r in q]
    assert sorted(placed) == sorted(r.run_key for r in todo) and len(set(placed)) == len(todo)
    for q in queues:
        assert [r.index for r in q] == sorted(r.index for r in q)
    assert place(todo, workers) == queues  # deterministic
    sizes = [len(q) for q in queues]
    if models >= workers:
        # model-major: a model never spans two workers when each worker can have its own
        owners = {r.model: i for i, q in enumerate(queues) for r in q}
        for i, q in enumerate(queues):
            assert all(owners[r.model] == i for r in q)
        per_model = len(todo) // models
        assert max(sizes) - min(sizes) <= per_model
    else:
        # fewer models than workers: each model is cut into equal contiguous blocks, every
        # worker gets as many blocks, so shares differ only by the blocks' rounding
        cuts = workers // math.gcd(models, workers)
        per_worker = models * cuts // workers
        per_model = len(todo) // models
        if per_model >= cuts:
            assert min(sizes) > 0 and max(sizes) - min(sizes) <= per_worker
        for q in queues:
            for model in {r.model for r in q}:
                idx = [r.index for r in q if r.model == model]
                assert len(idx) >= per_model // cuts
        assert max(len({r.model for r in q}) for q in queues) <= per_worker


def test_power_changes_per_gpu_are_those_of_its_queue() -> None:
    todo = plan(2, "60,80,100")
    queues = place(todo, 2)
    # one model per GPU: each GPU changes its limit once per level, as one machine would
    assert [count_changes(q)[1] for q in queues] == [3, 3]
    assert Counter(len(q) for q in queues) == Counter({18: 2})


def test_a_placement_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        place(plan(1), 0)


def _info(host: str, watts: float, digest: str = "d1", think: bool | None = None,
          node: str = "", gpu_uuid: str | None = None, meter: str = "NvmlEnergyMeter",
          ) -> WorkerInfo:
    token = parse_tokens("60")[0]
    gpu = GpuIdentity(0, "NVIDIA GeForce RTX 4090", gpu_uuid or f"GPU-{host}", "580", 24564)
    level = ResolvedLevel(token, (GpuTarget(0, gpu.uuid, watts, watts / 0.6, 150, 600,
                                            False),))
    return WorkerInfo(host=host, pid=1, node_id=node, ray_gpu_ids=("0",), gpus=(gpu,),
                      gpu_reason="", meter=meter, levels=(level,),
                      backend_version="0.12.6", infos={"m": ModelInfo("m", digest=digest)},
                      options={"m": GenerationOptions(think=think)})


def test_workers_that_would_measure_another_cell_are_refused() -> None:
    ref = _info("a", 270.0)
    assert disagreement(ref, _info("b", 270.0)) is None
    watts = disagreement(ref, _info("b", 210.0))
    assert watts is not None and "60 = 210 W" in watts and "60 = 270 W" in watts
    model = disagreement(ref, _info("b", 270.0, digest="d2"))
    assert model is not None and "d2" in model
    options = disagreement(ref, _info("b", 270.0, think=True))
    assert options is not None and "options" in options
    no_levels = replace(_info("b", 270.0), levels=())
    assert disagreement(ref, no_levels) is not None


def test_without_ray_installed_ray_says_how_to_install_it(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "ray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path / "shadow"), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run(jarri_cmd("run", "-m", "x", "-b", "mock", "-w", str(tmp_path / "ws"),
                                 "--ray", "auto"),
                       env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert "--ray needs Ray, which is not installed" in r.stderr
    assert "pip install 'jarri[ray]'" in r.stderr
    assert not (tmp_path / "ws" / "benchmarks").exists()
    # the Ray options are refused without --ray, not ignored
    r = subprocess.run(jarri_cmd("run", "-m", "x", "-b", "mock", "--ray-workers", "2"),
                       env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "need --ray" in r.stderr


def test_workers_that_would_overlap_on_one_node_are_refused() -> None:
    a0 = _info("a", 270.0, node="n1", gpu_uuid="GPU-a0")
    a1 = _info("a", 270.0, node="n1", gpu_uuid="GPU-a1")
    b0 = _info("b", 270.0, node="n2", gpu_uuid="GPU-b0")
    # one GPU each, metered each on its own, an in-process backend: fine
    assert sharing("llamacpp", [a0, a1, b0]) is None
    assert sharing("mock", [a0, a1]) is None
    # one server per node, whatever GPU each worker meters
    for backend in ("ollama", "openai"):
        refused = sharing(backend, [a0, a1, b0])
        assert refused is not None and "2 workers on a" in refused.message
        assert "--ray-resource" in (refused.hint or "")
        assert sharing(backend, [a0, b0]) is None  # one worker per node
    # a meter of the whole machine
    rapl = sharing("mock", [replace(a0, meter="RaplMeter"), replace(a1, meter="RaplMeter")])
    assert rapl is not None and "RaplMeter" in rapl.message
    # two workers counting the same GPU (a resource with two units on one node)
    same = sharing("mock", [a0, replace(a1, gpus=a0.gpus)])
    assert same is not None and "the same GPU" in same.message
