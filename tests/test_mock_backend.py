"""The packaged mock backend: scripted answers from a file, end to end through the real
planner, runner, evaluators, ledger and rebuild."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import run_jarri
from jarri.backends.base import GenerationOptions
from jarri.backends.mock import DEFAULT_ANSWER, MockBackend
from jarri.errors import ConfigError
from jarri.ledger.reader import read_ledger
from jarri.suite.registry import SuiteRegistry


def _script(tmp_path: Path, data: object, name: str = "mock.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _records(ws: Path) -> list:  # type: ignore[type-arg]
    return read_ledger(ws / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records


def test_a_scripted_sweep_runs_end_to_end(tmp_path: Path) -> None:
    tasks = SuiteRegistry().load("smoke_v1").tasks
    by_sha = {"prompt_sha256": tasks[1].prompt_sha256, "answer": "Answer: 42"}
    script = _script(tmp_path, {"default": "Answer: no idea", "answers": [
        {"match": "capital of France", "answer": "Answer: Paris", "thinking": "France...",
         "output_tokens": 7}, by_sha]})
    r = run_jarri("run", "-b", "mock", "--mock-file", str(script), "-m", "scripted",
                  "-w", str(tmp_path / "ws"), "--idle-s", "0")
    assert r.returncode == 0, r.stderr
    recs = _records(tmp_path / "ws")
    assert len(recs) == len(tasks) and all(x.backend == "mock" for x in recs)
    paris = next(x for x in recs if x.task_id == "capital_france")
    assert paris.passed and paris.output_tokens == 7 and paris.thinking_chars == 9
    assert paris.model_digest == "mock-sha256:" + hashlib.sha256(script.read_bytes()).hexdigest()
    assert paris.energy_method == "none"
    rb = run_jarri("rebuild", "-w", str(tmp_path / "ws"))
    assert rb.returncode == 0, rb.stderr


def test_another_script_gives_other_run_keys(tmp_path: Path) -> None:
    a = _script(tmp_path, {"answers": []}, "a.json")
    b = _script(tmp_path, {"default": "x", "answers": []}, "b.json")
    args = ("run", "-b", "mock", "-m", "m", "-w", str(tmp_path / "ws"), "--sweep", "s",
            "--idle-s", "0")
    assert run_jarri(*args, "--mock-file", str(a)).returncode == 0
    assert "nothing to run" in run_jarri(*args, "--mock-file", str(a)).stdout
    again = run_jarri(*args, "--mock-file", str(b))
    assert "0 already in the ledger" in again.stdout


def test_entries_fit_by_model_then_prompt(tmp_path: Path) -> None:
    script = _script(tmp_path, {"answers": [
        {"model": "big", "match": "France", "answer": "big says Paris"},
        {"match": "France", "answer": "anyone says Paris", "done_reason": "length"}]})
    b = MockBackend(script)
    opts = GenerationOptions()
    assert b.generate("big", "capital of France?", opts, 5).answer_text == "big says Paris"
    other = b.generate("small", "capital of France?", opts, 5)
    assert other.answer_text == "anyone says Paris" and other.done_reason == "length"
    assert b.generate("small", "2+2?", opts, 5).answer_text == DEFAULT_ANSWER
    assert MockBackend().generate("m", "q", opts, 5).answer_text == DEFAULT_ANSWER


def test_a_delay_past_the_timeout_is_a_timeout(tmp_path: Path) -> None:
    b = MockBackend(_script(tmp_path, {"answers": [{"match": "", "answer": "a",
                                                     "delay_s": 2}]}))
    c = b.generate("m", "q", GenerationOptions(), 0.2)
    assert c.failure is not None and c.failure.type == "timeout"


@pytest.mark.parametrize(("data", "says"), [
    ("not json", "not JSON"), ([], "must be an object"), ({"answers": {}}, "must be a list"),
    ({"answers": [{"match": "x"}]}, "'answer' must be a string"),
    ({"answers": [{"answer": "x"}]}, "give 'match'"),
    ({"answers": [{"match": "x", "answer": "y", "colour": 1}]}, "unknown key"),
    ({"answers": [{"match": "x", "answer": "y", "output_tokens": -1}]}, "output_tokens"),
    ({"answers": [{"match": "x", "answer": "y", "delay_s": True}]}, "delay_s"),
    ({"default": 5}, "'default' must be a string")])
def test_a_bad_script_is_refused_naming_file_and_field(tmp_path: Path, data: object,
                                                       says: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(ConfigError, match="bad.json") as err:
        MockBackend(path)
    assert says in str(err.value)


def test_a_missing_script_is_a_clear_error(tmp_path: Path) -> None:
    r = run_jarri("run", "-b", "mock", "--mock-file", str(tmp_path / "nope.json"), "-m", "m",
                  "-w", str(tmp_path / "ws"))
    assert r.returncode != 0 and "cannot read the mock script" in r.stderr
    assert not (tmp_path / "ws" / "benchmarks").exists()
