"""Suite loading: this project's format, the original manifest.json, and clear problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, SHARED_UPSTREAM, run_jarri
from jarri.errors import SuiteError, UnknownExperiment
from jarri.suite import SuiteRegistry, load_experiment, validate_experiment
from jarri.suite.model import sha256_text


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


HEADER = 'experiment_id = "x_v1"\nrevision = 1\n'


def native(folder: Path, tasks: str, header: str = HEADER) -> Path:
    write(folder, "experiment.toml", header + tasks)
    return folder


GOOD_TASK = """
[[tasks]]
task_id = "t1"
task_family = "fact"
task_name = "capital"
prompt = "Capital of Italy? Reply with the city only."
evaluator = "exact"
ground_truth = { answer = "Rome" }
"""


def test_builtin_smoke_loads() -> None:
    exp = SuiteRegistry().load("smoke_v1")
    assert exp.manifest_format == "jarri" and len(exp.tasks) >= 5
    assert all(t.evaluator in ("exact", "numeric") for t in exp.tasks)


def test_native_inline_and_files(tmp_path: Path) -> None:
    folder = native(tmp_path / "x", GOOD_TASK + """
[[tasks]]
task_id = "t2"
task_family = "math"
task_name = "sum"
prompt_file = "p2.txt"
ground_truth_file = "g2.json"
evaluator = "numeric"
max_output_tokens = 16
""")
    write(folder, "p2.txt", "2+2? Reply with the number only.")
    write(folder, "g2.json", '{"value": 4}')
    exp = load_experiment(folder)
    assert [t.task_id for t in exp.tasks] == ["t1", "t2"]
    assert exp.tasks[1].ground_truth == {"value": 4}
    assert exp.tasks[1].max_output_tokens == 16
    assert exp.tasks[0].prompt_sha256 == sha256_text(exp.tasks[0].prompt)


def test_upstream_manifest_loads_as_is() -> None:
    exp = load_experiment(FIXTURES / "upstream_import" / "benchmarks" / "mini_v1")
    assert exp.manifest_format == "upstream"
    assert [t.task_id for t in exp.tasks] == ["fact_task_1", "math_task_1"]
    assert exp.tasks[0].evaluator is None  # the original names no evaluator
    assert exp.tasks[1].ground_truth == {"answer": 4}


@pytest.mark.skipif(not SHARED_UPSTREAM.is_dir(), reason="shared upstream fixtures absent")
def test_real_upstream_experiment_loads() -> None:
    folder = SHARED_UPSTREAM / "fact_prose_v2"
    exp = load_experiment(folder)
    # its own id: the built-in experiment 'fact_prose_v2' has other tasks
    assert exp.experiment_id == "upstream.fact_prose_v2" and exp.revision == 2
    assert exp.original_experiment_id == "fact_prose_v2"
    assert len(exp.tasks) == 6 and exp.families == ["fact", "prose"]
    # The original hashes prompt text with sha256: our hash must match its ledger's.
    import json

    rows = [json.loads(x) for x in (folder / "llm_benchmark_runs.jsonl").read_text().splitlines()]
    by_task = {r["task_id"]: r["prompt_hash"] for r in rows}
    for t in exp.tasks:
        assert t.prompt_sha256 == by_task[t.task_id]


@pytest.mark.parametrize(("body", "expected"), [
    (GOOD_TASK.replace('evaluator = "exact"', 'evaluator = "nope"'),
     "field 'tasks[0].evaluator': unknown evaluator 'nope'"),
    (GOOD_TASK.replace('task_family = "fact"\n', ""),
     "field 'tasks[0].task_family': Field required"),
    (GOOD_TASK.replace('prompt = "Capital of Italy? Reply with the city only."',
                       'prompt_file = "missing.txt"'),
     "field 'tasks[0].prompt_file': file 'missing.txt' does not exist"),
    (GOOD_TASK.replace('prompt = "Capital of Italy? Reply with the city only."',
                       'prompt_file = "../../etc/passwd"'), "must be a relative path inside"),
    (GOOD_TASK + GOOD_TASK, "duplicate task id 't1'"),
    (GOOD_TASK.replace('{ answer = "Rome" }', '{ wrong = 1 }'), "exact needs ground truth"),
    (GOOD_TASK + 'surprise = 1\n', "field 'tasks[0].surprise': Extra inputs are not permitted"),
])
def test_problems_name_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    folder = native(tmp_path / "x", body)
    problems = validate_experiment(folder)
    assert any(expected in p for p in problems), problems
    assert all(str(folder / "experiment.toml") in p for p in problems)
    with pytest.raises(SuiteError):
        load_experiment(folder)


def test_broken_manifests(tmp_path: Path) -> None:
    write(tmp_path / "a", "experiment.toml", "experiment_id = [unclosed")
    assert "not valid TOML" in validate_experiment(tmp_path / "a")[0]
    write(tmp_path / "b", "manifest.json", '{"experiment_id": "b", "tasks": [}')
    assert "not valid JSON" in validate_experiment(tmp_path / "b")[0]
    write(tmp_path / "c", "manifest.json", '{"experiment_id": "c", "revision": 1, "tasks": []}')
    assert "tasks" in validate_experiment(tmp_path / "c")[0]
    (tmp_path / "d").mkdir()
    assert "no experiment.toml or manifest.json" in validate_experiment(tmp_path / "d")[0]


def test_unknown_experiment_lists_known() -> None:
    with pytest.raises(UnknownExperiment, match="unknown experiment 'nope'") as exc:
        SuiteRegistry().load("nope")
    assert "smoke_v1" in str(exc.value)


def test_user_suite_dir_is_found(tmp_path: Path) -> None:
    native(tmp_path / "suites" / "x", GOOD_TASK)
    reg = SuiteRegistry([tmp_path / "suites"])
    assert "x_v1" in reg.ids() and "smoke_v1" in reg.ids()


def test_cli_validate_and_list(tmp_path: Path) -> None:
    folder = native(tmp_path / "x", GOOD_TASK.replace('evaluator = "exact"', 'evaluator = "no"'))
    bad = run_jarri("suites", "validate", str(folder))
    assert bad.returncode == 1 and "unknown evaluator 'no'" in bad.stderr
    good = run_jarri("suites", "validate", str(FIXTURES / "upstream_import/benchmarks/mini_v1"))
    assert good.returncode == 0 and "valid" in good.stdout
    listed = run_jarri("suites", "list", "--suite-dir",
                       str(FIXTURES / "upstream_import/benchmarks"))
    assert listed.returncode == 0
    assert "smoke_v1" in listed.stdout and "mini_v1" in listed.stdout


@pytest.mark.parametrize("columns", ["40", "60", "200"])
def test_suites_list_never_cuts_an_experiment_id(columns: str) -> None:
    r = run_jarri("suites", "list", env={"COLUMNS": columns})
    assert r.returncode == 0, r.stderr
    ids = SuiteRegistry(()).ids()
    assert ids
    for eid in ids:
        assert eid in r.stdout, (columns, eid, r.stdout)
    assert "…" not in r.stdout
