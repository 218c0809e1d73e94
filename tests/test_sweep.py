"""Whole sweeps on the real gemma3:270m model through the embedded llama.cpp engine,
driven through the real CLI in subprocesses (signals, kill -9, resume)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, jarri_cmd, run_jarri
from jarri.evaluate.registry import EVALUATORS
from jarri.ledger.reader import read_ledger

LEDGER = "benchmarks/smoke_v1/llm_benchmark_runs.jsonl"


def records(ws: Path):  # noqa: ANN201
    return read_ledger(ws / LEDGER)


def lines(ws: Path) -> int:
    p = ws / LEDGER
    return p.read_bytes().count(b"\n") if p.exists() else 0


def planned_keys(ws: Path, *args: str) -> list[str]:
    r = run_jarri("run", "-m", "gemma3:270m", "--dry-run", "-w", str(ws), *args)
    assert r.returncode == 0, r.stderr
    return [ln.split("key ")[1] for ln in r.stdout.splitlines() if " key " in ln]


def test_smoke_sweep_writes_valid_records(tmp_path: Path) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "6 runs" in r.stdout and "1 model load(s)" in r.stdout
    res = records(tmp_path)
    assert len(res.records) == 6 and not res.quarantined
    for rec in res.records:
        assert rec.status == "ok" and rec.completed and rec.backend == "llamacpp"
        assert rec.model_digest and rec.model_quantization == "Q4_K_M"
        assert 0 < rec.output_tokens <= 32 and rec.prompt_tokens > 5
        assert rec.eval_s > 0 and rec.wall_s >= rec.eval_s and rec.ttft_s is not None
        assert rec.energy_confidence == "unmeasured" and rec.energy_net_j is None
        assert "no GPU energy meter" in rec.energy_confidence_reason
        assert rec.options.seed == 42 and rec.options.temperature == 0.0
        text = (tmp_path / "benchmarks/smoke_v1/outputs" / rec.answer_sha256[:2]
                / f"{rec.answer_sha256}.txt").read_bytes()
        assert hashlib.sha256(text).hexdigest() == rec.answer_sha256
        assert len(text.decode()) == rec.answer_chars
        assert rec.score_percent in (0.0, 100.0) and rec.passed == (rec.score_percent == 100)
        if not rec.passed:
            assert rec.failure_stage and rec.failure_type and rec.failure_subtypes
    capital = next(x for x in res.records if x.task_id == "capital_france")
    assert capital.passed and "Paris" in (capital.extracted_answer or "")
    # gemma3:270m rambles: every answer runs into the 32-token cap
    assert sum(x.truncated for x in res.records) >= 3

    again = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path))
    assert again.returncode == 0 and "nothing to run" in again.stdout
    assert lines(tmp_path) == 6
    more = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path), "--repeats", "2")
    assert more.returncode == 0 and "6 already in the ledger, 6 to run" in more.stdout
    res = records(tmp_path)
    assert len(res.records) == 12 and len({x.run_key for x in res.records}) == 12
    # greedy decoding on one engine: repeats give the same answer
    by_task: dict[str, set[str]] = {}
    for x in res.records:
        by_task.setdefault(x.task_id, set()).add(x.answer_sha256 or "")
    assert all(len(v) == 1 for v in by_task.values())


def _start(ws: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(jarri_cmd("run", "-m", "gemma3:270m", "-w", str(ws), *args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def _wait_for_lines(ws: Path, n: int, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while lines(ws) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "sweep made no progress"
        time.sleep(0.02)


def test_kill_9_then_rerun_gives_exactly_the_plan(tmp_path: Path) -> None:
    keys = planned_keys(tmp_path, "-r", "3")
    assert len(keys) == 18
    # Kill at different instants: right after a record, and mid-run after a short delay.
    for after_lines, delay in ((2, 0.0), (7, 0.3), (11, 0.45)):
        proc = _start(tmp_path, "-r", "3")
        _wait_for_lines(tmp_path, after_lines, proc)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    done = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path), "-r", "3")
    assert done.returncode == 0, done.stderr
    res = records(tmp_path)
    got = [r.run_key[:12] for r in res.records]
    assert len(got) == 18 and sorted(got) == sorted(keys)
    assert not res.quarantined


def test_torn_final_line_is_survived(tmp_path: Path) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path), "-e", "smoke_v1")
    assert r.returncode == 0
    ledger = tmp_path / LEDGER
    first = ledger.read_bytes().splitlines(keepends=True)[0]
    with open(ledger, "ab") as fh:  # what a crash mid-write leaves
        fh.write(first[:100])
    again = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path), "-r", "2")
    assert again.returncode == 0, again.stderr
    assert "torn line" in again.stderr
    res = records(tmp_path)
    assert len(res.records) == 12 and len(res.quarantined) == 1


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_cleanly(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    proc = _start(tmp_path, "-r", "3")
    _wait_for_lines(tmp_path, 3, proc)
    time.sleep(0.2)  # land mid-request
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "interrupted by" in err and "rerun the same command to resume" in err
    assert "wrote" in out  # the summary is printed
    data = (tmp_path / LEDGER).read_bytes()
    assert data.endswith(b"\n")
    res = records(tmp_path)
    assert not res.quarantined and 3 <= len(res.records) < 18


def test_evaluator_crash_is_recorded_and_sweep_continues(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from jarri.config import make_config
    from jarri.evaluate import registry
    from jarri.runner.progress import ConsoleProgress
    from jarri.runner.sweep import execute, prepare

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("evaluator bug")

    monkeypatch.setitem(registry.EVALUATORS, "exact", replace(registry.EVALUATORS["exact"],
                                                              evaluate=boom))
    cfg = make_config({"models": ["gemma3:270m"], "workspace": str(tmp_path)}, "test")
    result = execute(prepare(cfg), ConsoleProgress())
    assert result.written == 6 and result.by_status["evaluator_error"] == 3
    res = records(tmp_path)
    crashed = [r for r in res.records if r.status == "evaluator_error"]
    assert len(crashed) == 3 and all("RuntimeError: evaluator bug" in r.error for r in crashed)
    assert all(r.score_percent is None and r.evaluator == EVALUATORS["exact"].ref for r in crashed)
    assert {r.status for r in res.records if r.task_family == "math"} == {"ok"}


def test_per_run_timeout_is_recorded(tmp_path: Path) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path), "--timeout-s", "0.05",
                  "--no-warmup")
    assert r.returncode == 0, r.stderr
    res = records(tmp_path)
    assert len(res.records) == 6
    assert all(x.status == "timeout" and x.failure_type == "timeout" and x.hard_failure
               for x in res.records)


def test_config_file_and_its_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "sweep.toml"
    cfg.write_text('models = ["gemma3:270m"]\nexperiments = ["smoke_v1"]\nrepeats = 2\n'
                   f'workspace = "{tmp_path / "ws"}"\nsweep = "nightly"\n')
    r = run_jarri("run", "--config", str(cfg), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "sweep   nightly" in r.stdout and "12 runs" in r.stdout
    r = run_jarri("run", "--config", str(cfg), "--dry-run", "--repeats", "1")
    assert "6 runs" in r.stdout  # the command line wins
    cfg.write_text('models = ["gemma3:270m"]\nrepeat = 2\n')
    bad = run_jarri("run", "--config", str(cfg))
    assert bad.returncode == 2 and f"{cfg}: field 'repeat'" in bad.stderr
    cfg.write_text('models = "gemma3:270m"\nrepeats = 0\n')
    bad = run_jarri("run", "--config", str(cfg))
    assert "field 'models'" in bad.stderr and "field 'repeats'" in bad.stderr
    cfg.write_text("models = [")
    bad = run_jarri("run", "--config", str(cfg))
    assert bad.returncode == 2 and "not valid TOML" in bad.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--tdp-levels", "80"], "--tdp-levels needs an NVIDIA GPU"),
    (["--tdp-levels", "80,abc"], "invalid power-limit token 'abc'"),
    (["-e", "nope_v1"], "unknown experiment 'nope_v1'"),
    (["--shard", "3/2"], "invalid --shard"),
])
def test_bad_input_stops_before_anything_is_written(tmp_path: Path, args: list[str],
                                                    message: str) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "-w", str(tmp_path), *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "benchmarks").exists()


def test_unknown_model_and_unreachable_server(tmp_path: Path) -> None:
    r = run_jarri("run", "-m", "qwen3:8b", "-w", str(tmp_path))
    assert r.returncode == 2 and "does not know model 'qwen3:8b'" in r.stderr
    # the ledgers were opened (locked) before the model was looked up: nothing is left
    assert not (tmp_path / "benchmarks").exists()
    r = run_jarri("run", "-m", "qwen3:8b", "-b", "ollama", "--base-url", "http://127.0.0.1:9",
                  "-w", str(tmp_path))
    assert r.returncode == 2 and "does not answer" in r.stderr and "ollama serve" in r.stderr
    assert not (tmp_path / "benchmarks").exists()


def test_run_me_sh(tmp_path: Path) -> None:
    # run_me.sh uses its own folder as the workspace: run a copy in a temporary folder.
    script = tmp_path / "run_me.sh"
    script.write_text((REPO / "run_me.sh").read_text())
    env = {**os.environ, "PATH": f"{Path(os.sys.executable).parent}:{os.environ['PATH']}"}

    def sh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(script), *args], capture_output=True, text=True,
                              env=env, timeout=300, stdin=subprocess.DEVNULL)

    assert "Usage: bash ./run_me.sh" in sh("-h").stdout
    for flag in ("--models", "--repeats", "--experiments", "--tdp-levels"):
        r = sh(flag)
        assert r.returncode == 2 and f"{flag} needs a value" in r.stderr
    r = sh("--models", "gemma3:270m", "--tdp-levels", "60,80")
    assert r.returncode == 2 and "NVIDIA GPU" in r.stderr
    r = sh("--models", "gemma3:270m", "--repeats", "1", "--experiments", "smoke_v1")
    assert r.returncode == 0, r.stderr
    assert "rebuild 1 ledger(s): 6 rows read, 6 used" in r.stdout
    assert "python3 -m http.server 8000" in r.stdout
    assert len(records(tmp_path).records) == 6
    ranking = json.loads((tmp_path / "benchmark_ui/data/duckdb_model_rankings.json").read_text())
    assert ranking["source"]["rows_used"] == 6 and (tmp_path / "benchmark_ui/index.html").is_file()
    assert ranking["rows"][0]["model"] == "gemma3:270m" and ranking["rows"][0]["runs"] == 6
    r = sh()  # no arguments: rebuild only
    assert r.returncode == 0 and "6 rows read" in r.stdout


def test_real_family_sweep_labels_real_failures(tmp_path: Path) -> None:
    """gemma3:270m on the math family: it echoes and repeats, and the labels must say so."""
    r = run_jarri("run", "-m", "gemma3:270m", "-e", "math_measurement_v1", "-w", str(tmp_path))
    assert r.returncode == 0, r.stderr
    recs = read_ledger(tmp_path / "benchmarks/math_measurement_v1/llm_benchmark_runs.jsonl").records
    assert len(recs) == 10 and all(x.evaluator == EVALUATORS["numeric"].ref for x in recs)
    failed = [x for x in recs if not x.fully_correct]
    assert failed and all(x.failure_stage and x.failure_type for x in failed)
    labels = {x.failure_type for x in failed} | {s for x in failed for s in x.failure_subtypes}
    assert labels & {"repetition_loop", "token_cap_reached"}, labels
    assert any(x.truncated for x in recs)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e300", "86401", "0", "-5"])
def test_timeout_must_be_a_finite_positive_deadline(tmp_path: Path, value: str) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "-e", "smoke_v1", "--timeout-s", value,
                  "-w", str(tmp_path))
    assert r.returncode == 2, (value, r.stdout, r.stderr)
    assert "timeout_s" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "benchmarks").exists()  # nothing ran


def test_an_empty_shard_says_so(tmp_path: Path) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "-e", "smoke_v1", "--shard", "1/100000000",
                  "-w", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "shard 1/100000000 holds none of this sweep's runs" in r.stdout
    assert "already in the ledger (use --fresh" not in r.stdout


def test_a_second_sweep_cannot_plan_while_the_first_holds_the_ledger(tmp_path: Path) -> None:
    """The ledgers are locked before their state is read: a second sweep in the same
    workspace is refused at once (it cannot plan from a state the first is changing)."""
    from jarri.config import make_config
    from jarri.runner.sweep import prepare

    cfg = make_config({"models": ["gemma3:270m"], "experiments": ["smoke_v1"],
                       "workspace": str(tmp_path)}, "test")
    first = prepare(cfg)
    try:
        assert len(first.todo) == 6
        second = run_jarri("run", "-m", "gemma3:270m", "-e", "smoke_v1", "-w", str(tmp_path))
        assert second.returncode != 0, second.stdout
        assert "locked by another running jarri process" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
        ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
        assert ledger.read_bytes() == b""  # nothing written by either
    finally:
        first.release()
        first.backend.close()
    # once released, a sweep plans and a dry run still needs no lock
    dry = run_jarri("run", "-m", "gemma3:270m", "-e", "smoke_v1", "--dry-run", "-w",
                    str(tmp_path))
    assert dry.returncode == 0 and "0 already in the ledger, 6 to run" in dry.stdout


def test_a_signal_while_the_model_loads_always_stops_the_sweep(tmp_path: Path) -> None:
    """Signals spread over the start of a sweep, where llama.cpp reads the model's metadata
    and loads it (its log callback runs Python code inside the native call): every one stops
    the sweep with its exit code; before, some were dropped and the sweep ran to the end."""
    outcomes = []
    for i in range(10):
        ws = tmp_path / f"w{i}"
        sig, code = [(signal.SIGINT, 130), (signal.SIGTERM, 143)][i % 2]
        proc = _start(ws)
        time.sleep(0.6 + 0.15 * i)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        outcomes.append((proc.returncode, code))
        assert "Traceback" not in err and "Exception ignored" not in err, err
        if (ws / LEDGER).exists():
            res = records(ws)
            assert not res.quarantined and len(res.records) < 6
    assert all(got == want for got, want in outcomes), outcomes
