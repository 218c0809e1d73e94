"""Fleet pieces without a cluster: Ray's GPU ids to NVML indices, the per-worker progress,
and a worker's own start (in-process, as Ray would construct it) with the NVML stand-in."""

from __future__ import annotations

import io
import os
import socket
import time
from pathlib import Path

import pytest
from rich.console import Console

from factories import make_record
from jarri.config import SweepConfig
from jarri.errors import ConfigError, PowerLimitUnavailable
from jarri.measure.nvml import Nvml
from jarri.measure.power_tokens import parse_tokens
from jarri.runner.fleet_worker import FleetWorker, WorkerSpec, nvml_indices
from jarri.runner.progress import FleetProgress

FAKE = Path(__file__).parent / "fake_nvml" / "pynvml.py"


@pytest.fixture
def fake_nvml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Nvml:
    import importlib.util

    monkeypatch.setenv("JARRI_FAKE_NVML_STATE", str(tmp_path / "gpu.json"))
    spec = importlib.util.spec_from_file_location("fake_pynvml", FAKE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr("jarri.measure.nvml.load_pynvml", lambda: module)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return Nvml(module).init()


def test_ray_gpu_ids_become_nvml_indices(fake_nvml: Nvml) -> None:
    assert nvml_indices(["1", "0"], fake_nvml) == [1, 0]
    assert nvml_indices(["GPU-00000000-0000-0000-0000-000000000001"], fake_nvml) == [1]
    with pytest.raises(ConfigError, match="which NVML does not list"):
        nvml_indices(["GPU-ffffffff"], fake_nvml)
    with pytest.raises(ConfigError, match="cannot read"):
        nvml_indices(["first"], fake_nvml)
    with pytest.raises(ConfigError, match="NVML is not available"):
        nvml_indices(["GPU-00000000-0000-0000-0000-000000000001"], None)


def spec(**over: object) -> WorkerSpec:
    cfg = SweepConfig(models=["m"], backend="mock", gpu_indices=[1], idle_s=0, settle_s=0)
    values = {"config": cfg, "sweep_id": "s", "tokens": tuple(parse_tokens("60,100,700w")),
              "resource": "jarri"}
    values.update(over)
    return WorkerSpec(**values)  # type: ignore[arg-type]


def test_a_worker_owns_its_gpu_resolves_levels_and_gives_it_back(
        fake_nvml: Nvml, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jarri.runner.fleet_worker.LOCK_WAIT_S", 0.5)
    w = FleetWorker(spec())
    info = w.setup()
    assert [g.index for g in info.gpus] == [1] and info.meter == "NvmlEnergyMeter"
    # 100 and 700w resolve to the same watts: measured once, as on one machine
    assert [(lv.token.request, lv.gpus[0].target_w) for lv in info.levels] == \
        [("60", 420.0), ("100", 700.0)]
    assert any("measured once" in n for n in info.notes)
    assert info.infos["m"].digest is None and info.label.endswith("GPU 1 NVIDIA H100 80GB HBM3")
    # its GPU is locked while it lives: a second worker for the same GPU is refused (after
    # waiting LOCK_WAIT_S for it, as for a worker Ray is still ending)
    t0 = time.monotonic()
    second = FleetWorker(spec())
    with pytest.raises(ConfigError, match="held by another running sweep"):
        second.setup()
    assert time.monotonic() - t0 >= 0.5
    assert w.close() == [f"{socket.gethostname()}: power limits restored"]
    third = FleetWorker(spec())
    assert third.setup().levels
    third.close()


def test_a_worker_without_nvml_refuses_power_levels_and_says_where(
        monkeypatch: pytest.MonkeyPatch) -> None:
    w = FleetWorker(spec())  # the test process has the driverless NVML: no GPU
    with pytest.raises(PowerLimitUnavailable, match=f"the worker on {os.uname().nodename}"):
        w.setup()
    with pytest.raises(RuntimeError, match="did not start"):
        w.run_cell(None, 1, None)  # type: ignore[arg-type]
    ok = FleetWorker(spec(tokens=()))
    assert ok.setup().levels == () and ok.setup().gpus == ()
    ok.close()


def test_the_fleet_progress_shows_each_worker_on_a_terminal() -> None:
    buf = io.StringIO()
    p = FleetProgress(Console(file=buf, force_terminal=True, width=160))
    p.workers(["hostA GPU 0 RTX 4090", "hostB GPU 0 RTX 3090"], [3, 2])
    p.start(5)
    p.worker(0, "m1 smoke_v1/add_small r1")
    p.done(make_record(0))
    p.worker_done(0)
    p.worker(1, "restarting")
    p.moved(1, 0, 2)
    assert p._progress is not None
    rows = {t.description: (t.completed, t.total) for t in p._progress.tasks}
    p.stop()
    # the lost worker's two cells now count on w0's row
    assert rows == {"sweep": (1, 5), "w0 hostA GPU 0 RTX 4090: m1 smoke_v1/add_small r1": (1, 5),
                    "w1 hostB GPU 0 RTX 3090: restarting": (0, 0)}
    assert "w1 hostB GPU 0 RTX 3090: restarting" in buf.getvalue()


def test_the_fleet_progress_names_the_host_and_gpu_in_plain_lines() -> None:
    buf = io.StringIO()
    p = FleetProgress(Console(file=buf, force_terminal=False, width=200))
    p.workers(["hostA GPU 0 RTX 4090"], [1])
    p.start(1)
    p.done(make_record(0, host="hostA", gpu_indices=[0]))
    p.worker(0, "finished")
    p.stop()
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("[1/1] ") and lines[0].endswith("[hostA GPU 0]")
    assert lines[1] == "worker w0 (hostA GPU 0 RTX 4090): finished"
