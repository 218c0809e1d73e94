"""Whole sweeps with power limits on the scripted NVML stand-in: the limit in force during
each run, the energy fields of every record, and the original limit restored on every exit
path (normal end, backend exception, evaluator crash, SIGINT, SIGTERM, SIGKILL + journal)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import jarri_cmd
from jarri.ledger.reader import read_ledger

FAKE_DIR = Path(__file__).parent / "fake_nvml"
LEDGER = "benchmarks/smoke_v1/llm_benchmark_runs.jsonl"
UUIDS = ["GPU-00000000-0000-0000-0000-000000000000", "GPU-00000000-0000-0000-0000-000000000001"]


@pytest.fixture
def gpu_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(FAKE_DIR), "COLUMNS": "200",
            "JARRI_FAKE_NVML_STATE": str(tmp_path / "gpu.json"),
            "XDG_STATE_HOME": str(tmp_path / "state")}


def limits(tmp_path: Path) -> list[int]:
    path = tmp_path / "gpu.json"
    state = json.loads(path.read_text()) if path.exists() else {}
    return [int(state.get(str(i), {}).get("limit_mw", 700_000)) for i in (0, 1)]


def journal_exists(tmp_path: Path) -> bool:
    return (tmp_path / "state" / "jarri" / "power_restore.json").exists()


def run(env: dict[str, str], ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(jarri_cmd("run", "-m", "gemma3:270m", "-w", str(ws), "--settle-s", "0",
                                    "--idle-s", "0.3", *args),
                          env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def test_sweep_applies_levels_records_energy_and_restores(gpu_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    r = run(gpu_env, tmp_path / "ws", "--tdp-levels", "60,250w")
    assert r.returncode == 0, r.stderr
    assert "level   60 -> GPU 0: 420 W" in r.stdout
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)
    recs = read_ledger(tmp_path / "ws" / LEDGER).records
    assert len(recs) == 12
    for rec in recs:
        watts = {"60": 420.0, "250w": 250.0}[rec.power_limit_request]
        assert rec.power_limit_mode == ("watts" if rec.power_limit_request == "250w" else "percent")
        assert rec.power_limit_target_w == rec.power_limit_applied_w == watts
        assert (rec.power_limit_default_w, rec.power_limit_min_w, rec.power_limit_max_w) == \
            (700.0, 200.0, 700.0)
        assert rec.power_limit_clamped is False
        # every counted GPU's limit, not only the first's
        assert [(g.gpu_index, g.gpu_uuid, g.target_w, g.applied_w) for g in rec.power_limits] \
            == [(0, UUIDS[0], watts, watts), (1, UUIDS[1], watts, watts)]
        assert (rec.gpu_name, rec.gpu_uuid, rec.gpu_count, rec.gpu_indices) == \
            ("NVIDIA H100 80GB HBM3", UUIDS[0], 2, [0, 1])
        assert rec.gpu_driver_version == "580.159.04" and rec.gpu_memory_total_mib == 81559
        assert rec.energy_method == "nvml_energy_counter"
        assert rec.energy_gross_j > 0 and rec.energy_window_s > 0 and rec.idle_power_w > 0
        assert rec.energy_net_j == pytest.approx(
            max(0.0, rec.energy_gross_j - rec.idle_power_w * rec.energy_window_s), abs=1e-6)
        assert rec.energy_net_mj == round(rec.energy_net_j * 1000)
        assert rec.avg_power_w == pytest.approx(rec.energy_gross_j / rec.energy_window_s)
        # duration-aware: the class follows the window (and drops when net is a small share)
        assert rec.energy_confidence_reason
        if rec.energy_window_s < 1.0:
            assert rec.energy_confidence == "low"
        elif rec.energy_window_s < 2.0:
            assert rec.energy_confidence in ("low", "medium")
        else:
            assert rec.energy_confidence in ("medium", "high")


def _start(env: dict[str, str], ws: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        jarri_cmd("run", "-m", "gemma3:270m", "-w", str(ws), "--settle-s", "0", "--idle-s",
                  "0.3", "-r", "3", "--tdp-levels", "60"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL)


def _wait_for_records(ws: Path, n: int, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 120
    ledger = ws / LEDGER
    while not ledger.exists() or ledger.read_bytes().count(b"\n") < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end
        time.sleep(0.02)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_restore_the_limit(gpu_env: dict[str, str], tmp_path: Path,
                                   sig: signal.Signals, code: int) -> None:
    proc = _start(gpu_env, tmp_path / "ws")
    _wait_for_records(tmp_path / "ws", 2, proc)
    assert limits(tmp_path) == [420_000, 420_000]  # the level is in force mid-sweep
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)


def test_sigkill_then_the_journal_restores(gpu_env: dict[str, str], tmp_path: Path) -> None:
    proc = _start(gpu_env, tmp_path / "ws")
    _wait_for_records(tmp_path / "ws", 2, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert limits(tmp_path) == [420_000, 420_000] and journal_exists(tmp_path)
    dry = run(gpu_env, tmp_path / "ws", "--dry-run", "--tdp-levels", "60")
    assert "a restore journal exists" in dry.stdout
    assert limits(tmp_path) == [420_000, 420_000]  # a dry run touches nothing
    show = subprocess.run(jarri_cmd("power", "restore"), env=gpu_env, capture_output=True,
                          text=True, timeout=60)
    assert show.returncode == 0 and "restored to 700 W" in show.stdout
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)


def test_next_run_restores_a_leftover_journal(gpu_env: dict[str, str], tmp_path: Path) -> None:
    proc = _start(gpu_env, tmp_path / "ws")
    _wait_for_records(tmp_path / "ws", 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    r = run(gpu_env, tmp_path / "ws2", "-e", "smoke_v1")  # no power levels this time
    assert r.returncode == 0, r.stderr
    assert "power limit restored to 700 W" in r.stdout
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)


def test_no_root_is_a_clear_error_and_nothing_changes(gpu_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    env = {**gpu_env, "JARRI_FAKE_NVML_NO_ROOT": "1"}
    r = run(env, tmp_path / "ws", "--tdp-levels", "60")
    assert r.returncode == 2 and "root" in r.stderr and "Traceback" not in r.stderr
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)


def _in_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JARRI_FAKE_NVML_STATE", str(tmp_path / "gpu.json"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    spec = importlib.util.spec_from_file_location("pynvml", FAKE_DIR / "pynvml.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setitem(sys.modules, "pynvml", mod)


def test_backend_exception_and_evaluator_crash_restore(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    from dataclasses import replace

    from jarri.config import make_config
    from jarri.evaluate import registry
    from jarri.runner.progress import ConsoleProgress
    from jarri.runner.sweep import execute, prepare

    _in_process(monkeypatch, tmp_path)

    def boom(*_: object) -> None:
        raise RuntimeError("evaluator bug")

    monkeypatch.setitem(registry.EVALUATORS, "exact",
                        replace(registry.EVALUATORS["exact"], evaluate=boom))
    cfg = make_config({"models": ["gemma3:270m"], "workspace": str(tmp_path / "a"),
                       "tdp_levels": ["60"], "settle_s": 0, "idle_s": 0.2}, "test")
    result = execute(prepare(cfg), ConsoleProgress())
    assert result.by_status["evaluator_error"] == 3 and result.written == 6
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)

    prepared = prepare(make_config({"models": ["gemma3:270m"], "workspace": str(tmp_path / "b"),
                                    "tdp_levels": ["250w"], "settle_s": 0, "idle_s": 0.2},
                                   "test"))
    calls = {"n": 0}
    original = prepared.backend.generate

    def flaky(*args: object, **kw: object):  # noqa: ANN202
        calls["n"] += 1
        if calls["n"] == 3:
            assert limits(tmp_path) == [250_000, 250_000]
            raise RuntimeError("backend blew up")
        return original(*args, **kw)

    monkeypatch.setattr(prepared.backend, "generate", flaky)
    with pytest.raises(RuntimeError, match="backend blew up"):
        execute(prepared, ConsoleProgress())
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)


def test_a_damaged_journal_stops_a_sweep_and_the_restore_and_doctor_says_so(
        gpu_env: dict[str, str], tmp_path: Path) -> None:
    proc = _start(gpu_env, tmp_path / "ws")
    _wait_for_records(tmp_path / "ws", 1, proc)
    proc.send_signal(signal.SIGKILL)  # limits left changed, the journal keeps the originals
    proc.communicate()
    changed = limits(tmp_path)
    assert changed != [700_000, 700_000]
    jfile = tmp_path / "state" / "jarri" / "power_restore.json"
    jfile.write_bytes(jfile.read_bytes()[:20])  # a partial journal
    damaged = jfile.read_bytes()
    for args in (["-e", "smoke_v1"], ["-e", "smoke_v1", "--tdp-levels", "80"]):
        r = run(gpu_env, tmp_path / "ws2", *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert str(jfile) in r.stderr and "unreadable" in r.stderr and "fix:" in r.stderr
        assert limits(tmp_path) == changed and jfile.read_bytes() == damaged
        assert not (tmp_path / "ws2" / "benchmarks").exists()
    restore = subprocess.run(jarri_cmd("power", "restore"), env=gpu_env, capture_output=True,
                             text=True, timeout=60)
    assert restore.returncode == 2 and "unreadable" in restore.stderr
    doctor = subprocess.run(jarri_cmd("doctor"), env=gpu_env, capture_output=True, text=True,
                            timeout=60)
    assert doctor.returncode == 0 and "DAMAGED" in doctor.stdout, doctor.stdout
    assert limits(tmp_path) == changed and jfile.read_bytes() == damaged


def test_power_restore_discard_drops_one_gpu(gpu_env: dict[str, str], tmp_path: Path) -> None:
    jfile = tmp_path / "state" / "jarri" / "power_restore.json"
    jfile.parent.mkdir(parents=True)
    jfile.write_text('{"original_limits_w": {"GPU-gone": 450.0, "GPU-also-gone": 300}}')
    r = subprocess.run(jarri_cmd("power", "restore", "--discard", "GPU-gone"), env=gpu_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "discarded GPU GPU-gone" in r.stdout, r.stderr
    assert json.loads(jfile.read_text())["original_limits_w"] == {"GPU-also-gone": 300}
    r = subprocess.run(jarri_cmd("power", "restore"), env=gpu_env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "GPU-also-gone" in r.stdout and "stays in" in r.stdout
    assert jfile.exists()
    r = subprocess.run(jarri_cmd("power", "restore", "--discard", "GPU-nope"), env=gpu_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no GPU 'GPU-nope'" in r.stderr


def test_a_second_sweep_never_takes_or_resets_a_running_sweeps_limit(
        gpu_env: dict[str, str], tmp_path: Path) -> None:
    first = _start(gpu_env, tmp_path / "ws")  # 18 runs at 60 % (420 W)
    _wait_for_records(tmp_path / "ws", 1, first)
    assert limits(tmp_path) == [420_000, 420_000] and journal_exists(tmp_path)
    # wants limits too: refused, nothing touched
    wants = run(gpu_env, tmp_path / "ws2", "-e", "smoke_v1", "--tdp-levels", "80")
    assert wants.returncode == 2 and "held by another running sweep" in wants.stderr, \
        wants.stderr
    assert "pid" in wants.stderr and str(tmp_path / "ws") in wants.stderr
    assert limits(tmp_path) == [420_000, 420_000]
    assert not (tmp_path / "ws2" / "benchmarks").exists()
    # wants none: runs, but never "restores" the running sweep's cards
    plain = run(gpu_env, tmp_path / "ws3", "-e", "smoke_v1")
    assert plain.returncode == 0, plain.stderr
    assert "held by another running sweep" in plain.stdout and "not restored" in plain.stdout
    assert limits(tmp_path) == [420_000, 420_000] and journal_exists(tmp_path)
    measured = read_ledger(tmp_path / "ws3" / LEDGER).records
    assert measured and {r.power_limit_set_by for r in measured} == {"another_sweep"}
    restore = subprocess.run(jarri_cmd("power", "restore"), env=gpu_env, capture_output=True,
                             text=True, timeout=60)
    assert restore.returncode == 0 and "not restored" in restore.stdout, restore.stderr
    assert limits(tmp_path) == [420_000, 420_000]
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    recs = read_ledger(tmp_path / "ws" / LEDGER).records
    assert len(recs) == 18 and {r.power_limit_applied_w for r in recs} == {420.0}
    assert {r.power_limit_set_by for r in recs} == {"this_sweep"}
    assert limits(tmp_path) == [700_000, 700_000] and not journal_exists(tmp_path)
    # the limits are free again
    again = run(gpu_env, tmp_path / "ws2", "-e", "smoke_v1", "--tdp-levels", "80")
    assert again.returncode == 0, again.stderr
    assert limits(tmp_path) == [700_000, 700_000]
    alone = run(gpu_env, tmp_path / "ws4", "-e", "smoke_v1")  # nobody else holds a limit
    assert alone.returncode == 0, alone.stderr
    assert {r.power_limit_set_by for r in read_ledger(tmp_path / "ws4" / LEDGER).records} \
        == {None}
