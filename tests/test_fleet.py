"""Fleet sweeps on a real local Ray cluster (2 fake GPUs, the scripted NVML stand-in giving
each worker its own GPU, the packaged mock backend): exactly the planned records, energy
windows that never overlap on a GPU, every limit restored — also after kill -9 of a worker
at several instants, kill -9 of the driver, and Ctrl-C; a node with another GPU is refused
before anything runs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import jarri_cmd
from jarri.ledger.reader import read_ledger
from ray_cluster import ray_cluster, worker_pids

pytestmark = pytest.mark.ray

FAKE_DIR = Path(__file__).parent / "fake_nvml"
LEDGER = "benchmarks/smoke_v1/llm_benchmark_runs.jsonl"
UUIDS = ["GPU-00000000-0000-0000-0000-000000000000", "GPU-00000000-0000-0000-0000-000000000001"]
WATTS = {"60": 420.0, "80": 560.0}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str],
                                                                        Path]]:
    base = tmp_path_factory.mktemp("fleet")
    env = {**os.environ, "PYTHONPATH": str(FAKE_DIR), "COLUMNS": "200",
           "JARRI_FAKE_NVML_STATE": str(base / "gpu.json"),
           "XDG_STATE_HOME": str(base / "state")}
    with ray_cluster(env) as (address, joined):
        yield address, joined, base


def mock_file(tmp_path: Path, delay_s: float) -> Path:
    path = tmp_path / "mock.json"
    path.write_text(json.dumps({"answers": [
        {"match": "capital of France", "answer": "Answer: Paris", "delay_s": delay_s},
        {"match": "", "answer": "Answer: 42", "delay_s": delay_s}]}))
    return path


def sweep_args(ws: Path, mock: Path, *more: str) -> list[str]:
    return ["run", "-m", "small,large", "-b", "mock", "--mock-file", str(mock), "-w", str(ws),
            "--tdp-levels", "60,80", "--idle-s", "0.1", "--settle-s", "0", "--sweep", "fleet",
            *more]


def run(env: dict[str, str], *args: str, timeout: float = 300,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(jarri_cmd(*args), env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def limits(base: Path) -> list[int]:
    path = base / "gpu.json"
    state = json.loads(path.read_text()) if path.exists() else {}
    return [int(state.get(str(i), {}).get("limit_mw", 700_000)) for i in (0, 1)]


def journal(base: Path) -> Path:
    return base / "state" / "jarri" / "power_restore.json"


def one_machine_keys(env: dict[str, str], tmp_path: Path, mock: Path, *more: str) -> set[str]:
    """The run keys the same sweep has on one machine (the plan does not depend on Ray)."""
    r = run(env, *sweep_args(tmp_path / "single", mock, *more))
    assert r.returncode == 0, r.stderr
    return {rec.run_key for rec in read_ledger(tmp_path / "single" / LEDGER).records}


def wait_for_lines(proc: subprocess.Popen, ws: Path, lines: int) -> None:  # type: ignore[type-arg]
    """Until the sweep has written this many records (it must still be running)."""
    deadline = time.monotonic() + 120
    while len((ws / LEDGER).read_bytes().splitlines() if (ws / LEDGER).exists() else []) < lines:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)


def check_fleet_ledger(ws: Path, expected: set[str]) -> list:  # noqa: ANN401
    result = read_ledger(ws / LEDGER)
    assert not result.quarantined and not result.torn_tail
    keys = [r.run_key for r in result.records]
    assert len(keys) == len(set(keys)), "a run was recorded twice"
    assert set(keys) == expected, "lost or extra runs"
    spans: dict[str | None, list[tuple]] = defaultdict(list)
    for rec in result.records:
        # each record names the host and the one GPU it ran on, and that GPU's limit
        assert rec.host and rec.gpu_uuid in UUIDS and rec.gpu_count == 1
        assert rec.gpu_indices == [UUIDS.index(rec.gpu_uuid)]
        assert rec.power_limit_applied_w == rec.power_limit_target_w == \
            WATTS[rec.power_limit_request]
        assert [g.gpu_uuid for g in rec.power_limits] == [rec.gpu_uuid]
        assert rec.energy_method == "nvml_energy_counter" and rec.energy_window_s > 0
        spans[rec.gpu_uuid].append((rec.started_at, rec.finished_at, rec.run_id))
    for gpu, windows in spans.items():
        windows.sort()
        for (_, end, a), (start, _, b) in zip(windows, windows[1:], strict=False):
            assert end <= start, f"{gpu}: the windows of {a} and {b} overlap"
    return result.records


def test_a_fleet_sweep_writes_exactly_the_plan_on_both_gpus_and_restores_them(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    address, env, base = cluster
    mock = mock_file(tmp_path, 0.05)
    expected = one_machine_keys(env, tmp_path, mock)
    assert len(expected) == 2 * 6 * 2
    r = run(env, *sweep_args(tmp_path / "ws", mock, "--ray", address))
    assert r.returncode == 0, r.stdout + r.stderr
    # the plan names each worker, its share and its power-limit changes
    assert "worker  w0 " in r.stdout and "worker  w1 " in r.stdout
    assert "12 run(s), 1 model load(s), 2 power-limit change(s)" in r.stdout
    assert "level   60 -> 420 W of default 700 W on every worker" in r.stdout
    records = check_fleet_ledger(tmp_path / "ws", expected)
    # model-major placement: each model stays on one GPU, so it loads once per worker
    gpus_of = defaultdict(set)
    for rec in records:
        gpus_of[rec.model].add(rec.gpu_uuid)
    assert all(len(g) == 1 for g in gpus_of.values()) and len(set().union(*gpus_of.values())) == 2
    assert limits(base) == [700_000, 700_000] and not journal(base).exists()
    # the answers are in the driver's content store
    rec = next(r for r in records if r.task_id == "capital_france")
    store = tmp_path / "ws" / "benchmarks" / "smoke_v1" / "outputs"
    assert (store / rec.answer_sha256[:2] / f"{rec.answer_sha256}.txt").read_text() == \
        "Answer: Paris"
    # rerunning resumes: nothing left to do
    again = run(env, *sweep_args(tmp_path / "ws", mock, "--ray", address))
    assert again.returncode == 0 and "nothing to run" in again.stdout


def test_the_dry_run_places_cells_deterministically_and_touches_nothing(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    address, env, base = cluster
    mock = mock_file(tmp_path, 0.0)
    outs = [run(env, *sweep_args(tmp_path / "ws", mock, "--ray", address, "--dry-run"))
            for _ in range(2)]
    for o in outs:
        assert o.returncode == 0, o.stderr
    placed = [[ln for ln in o.stdout.splitlines() if re.match(r"\s*\d+ w[01] ", ln)]
              for o in outs]
    assert len(placed[0]) == 24 and placed[0] == placed[1]
    assert not (tmp_path / "ws" / "benchmarks").exists()
    assert limits(base) == [700_000, 700_000]


def test_killing_workers_at_five_instants_loses_and_duplicates_nothing(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    address, env, base = cluster
    mock = mock_file(tmp_path, 0.2)
    expected = one_machine_keys(env, tmp_path, mock, "-r", "2")
    ws = tmp_path / "ws"
    proc = subprocess.Popen(jarri_cmd(*sweep_args(ws, mock, "--ray", address, "-r", "2")),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)
    kills = 0
    try:
        wait_for_lines(proc, ws, 1)
        # five instants: early, mid-cell, right after a restart, late; alternating workers
        for i, pause in enumerate((0.3, 0.9, 0.5, 1.4, 0.7)):
            time.sleep(pause)
            pids = worker_pids()
            if proc.poll() is not None or not pids:
                break
            os.kill(pids[i % len(pids)], signal.SIGKILL)
            kills += 1
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert kills == 5, "the sweep ended before five kills: make it longer"
    assert proc.returncode == 0, out + err
    assert err.count("was lost") >= 3
    check_fleet_ledger(ws, expected)
    assert limits(base) == [700_000, 700_000] and not journal(base).exists()


def test_killing_the_driver_then_rerunning_completes_without_duplicates(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    address, env, base = cluster
    mock = mock_file(tmp_path, 0.25)
    expected = one_machine_keys(env, tmp_path, mock)
    ws = tmp_path / "ws"
    args = sweep_args(ws, mock, "--ray", address)
    proc = subprocess.Popen(jarri_cmd(*args), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    wait_for_lines(proc, ws, 4)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    written = len(read_ledger(ws / LEDGER).records)
    assert 4 <= written < len(expected)
    # Ray ends the dead driver's workers; a limit they left changed is in the journal
    deadline = time.monotonic() + 60
    while worker_pids() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert limits(base) == [700_000, 700_000] or journal(base).exists()
    r = run(env, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"resume  {written} already in the ledger" in r.stdout
    check_fleet_ledger(ws, expected)
    assert limits(base) == [700_000, 700_000] and not journal(base).exists()


def test_ctrl_c_stops_the_fleet_restores_every_limit_and_keeps_whole_records(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    address, env, base = cluster
    mock = mock_file(tmp_path, 0.25)
    ws = tmp_path / "ws"
    proc = subprocess.Popen(jarri_cmd(*sweep_args(ws, mock, "--ray", address)), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    wait_for_lines(proc, ws, 3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "rerun the same command to resume" in err
    result = read_ledger(ws / LEDGER)
    assert not result.quarantined and not result.torn_tail
    assert len({r.run_key for r in result.records}) == len(result.records) < 24
    assert limits(base) == [700_000, 700_000] and not journal(base).exists()
    assert not worker_pids()


def test_a_worker_whose_gpu_resolves_other_watts_is_refused_before_anything_runs(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    address, env, base = cluster
    state = base / "gpu.json"
    saved = state.read_text() if state.exists() else None
    # GPU 1 is another card model: its default limit is 450 W, so 60 % is 270 W, not 420 W
    state.write_text(json.dumps({"1": {"default_mw": 450_000}}))
    try:
        mock = mock_file(tmp_path, 0.0)
        r = run(env, *sweep_args(tmp_path / "ws", mock, "--ray", address))
        assert r.returncode == 2, r.stdout + r.stderr
        assert "cannot join this sweep" in r.stderr and "GPU 1" in r.stderr
        assert "60 = 270 W" in r.stderr and "60 = 420 W" in r.stderr
        assert not (tmp_path / "ws" / "benchmarks").exists()
        assert "sets" not in json.loads(state.read_text()).get("history", {})
        # without power levels the same GPUs may share a sweep
        ok = run(env, "run", "-m", "small", "-b", "mock", "--mock-file", str(mock), "-w",
                 str(tmp_path / "ws2"), "--idle-s", "0", "--ray", address)
        assert ok.returncode == 0, ok.stderr
    finally:
        if saved is None:
            state.unlink()
        else:
            state.write_text(saved)


@pytest.mark.parametrize("after", [0, 3, 7, 12, 18])
def test_one_worker_killed_at_an_instant_of_its_own_loses_and_duplicates_nothing(
        cluster: tuple[str, dict[str, str], Path], tmp_path: Path, after: int) -> None:
    """One kill -9 per sweep, at a different point each time: while the workers start (0
    records), early, in the middle, late; the worker killed alternates."""
    address, env, base = cluster
    mock = mock_file(tmp_path, 0.1)
    ws = tmp_path / "ws"
    proc = subprocess.Popen(jarri_cmd(*sweep_args(ws, mock, "--ray", address)), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(worker_pids()) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        if after:
            wait_for_lines(proc, ws, after)
        pids = worker_pids()
        os.kill(pids[after % len(pids)], signal.SIGKILL)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    expected = one_machine_keys(env, tmp_path, mock)
    check_fleet_ledger(ws, expected)
    assert limits(base) == [700_000, 700_000] and not journal(base).exists()
