"""The original project's experiment folders: every manifest shape it has loads as is, and
its experiments (folders and imported runs) keep an id of their own, ``upstream.<id>``, so
they never pool with this project's built-in experiments of the same name.

The shapes are those of the original repository's five ``benchmarks/*/manifest.json``:
``fact_prose_v2`` (revision 2, six tasks, each with a ground-truth file) and four
single-task manifests with a prompt file but no ground-truth file (coding, knowledge,
language, math). They are written here by hand, with prompts of our own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, SHARED_UPSTREAM, run_jarri
from factories import make_record
from handledger import write_ledger
from jarri.errors import SuiteError
from jarri.paths import Workspace
from jarri.rebuild import upstream
from jarri.suite import SuiteRegistry, check_experiment, load_experiment
from jarri.suite.manifest import original_experiment_id, upstream_experiment_id

# (experiment id, revision, [(task id, family, task name, has ground truth)])
FACT_PROSE = ("fact_prose_v2", 2, [
    ("fact_task_1", "fact", "structured_knowledge_retrieval", True),
    ("fact_task_2", "fact", "multi_step_reasoning_fact_check", True),
    ("prose_task_1", "prose", "compression_efficiency", True),
])
PROMPT_ONLY = [
    ("coding_measurement_v3", 1, [("coding_fs_strict_v3", "coding", "coding_fs_strict_v3", False)]),
    ("knowledge_measurement_v2", 1,
     [("logic_consistency_v2", "knowledge", "logic_consistency_v2", False)]),
    ("language_measurement_v2", 1,
     [("constrained_rewrite_v2", "language", "constrained_rewrite_v2", False)]),
    ("math_measurement_v1", 1, [("math_dependency_v1", "math", "math_dependency_v1", False)]),
]
SHAPES = [FACT_PROSE, *PROMPT_ONLY]


def original_folder(root: Path, shape: tuple[str, int, list[tuple[str, str, str, bool]]],
                    ) -> Path:
    """An experiment folder laid out as the original project lays one out."""
    eid, revision, tasks = shape
    folder = root / eid
    folder.mkdir(parents=True)
    entries = []
    for task_id, family, name, has_gt in tasks:
        entry = {"task_id": task_id, "task_family": family, "task_name": name,
                 "prompt_file": f"prompt_{task_id}.txt"}
        (folder / f"prompt_{task_id}.txt").write_text(
            f"Task {task_id}: answer in one line.\n", encoding="utf-8")
        if has_gt:
            entry["ground_truth_file"] = f"ground_truth_{task_id}.json"
            (folder / f"ground_truth_{task_id}.json").write_text(
                json.dumps({"required_facts": ["x"]}), encoding="utf-8")
        entries.append(entry)
    (folder / "manifest.json").write_text(json.dumps(
        {"experiment_id": eid, "revision": revision, "tasks": entries}, indent=2),
        encoding="utf-8")
    return folder


@pytest.mark.parametrize("shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_every_original_shape_validates_and_loads(tmp_path: Path,
                                                  shape: tuple[Any, ...]) -> None:
    folder = original_folder(tmp_path, shape)
    r = run_jarri("suites", "validate", str(folder))
    assert r.returncode == 0, r.stderr
    assert f"{folder}: valid" in r.stdout
    assert f"'upstream.{shape[0]}' (original id '{shape[0]}'" in r.stdout

    exp = load_experiment(folder)
    assert exp.manifest_format == "upstream"
    assert exp.experiment_id == f"upstream.{shape[0]}" and exp.revision == shape[1]
    assert exp.original_experiment_id == shape[0]
    assert [t.task_id for t in exp.tasks] == [t[0] for t in shape[2]]
    assert all(t.experiment_id == exp.experiment_id for t in exp.tasks)
    assert all(t.evaluator is None for t in exp.tasks)  # recorded as not_evaluated


@pytest.mark.parametrize("shape", PROMPT_ONLY, ids=[s[0] for s in PROMPT_ONLY])
def test_task_without_ground_truth_is_a_warning_not_a_refusal(tmp_path: Path,
                                                              shape: tuple[Any, ...]) -> None:
    folder = original_folder(tmp_path, shape)
    exp, problems, warnings = check_experiment(folder)
    assert exp is not None and problems == []
    assert len(warnings) == 1
    w = warnings[0]
    assert str(folder / "manifest.json") in w and "'tasks[0].ground_truth_file'" in w
    assert shape[2][0][0] in w and "not_evaluated" in w
    assert exp.tasks[0].ground_truth is None

    r = run_jarri("suites", "validate", str(folder))
    assert r.returncode == 0 and "(1 warning(s))" in r.stdout
    assert "warning: " in r.stderr and "tasks[0].ground_truth_file" in r.stderr
    strict = run_jarri("suites", "validate", "--strict", str(folder))
    assert strict.returncode == 1 and "1 warning(s)" in strict.stderr


def test_fact_prose_shape_has_no_warning(tmp_path: Path) -> None:
    _, problems, warnings = check_experiment(original_folder(tmp_path, FACT_PROSE))
    assert problems == [] and warnings == []


def test_named_ground_truth_file_must_still_exist(tmp_path: Path) -> None:
    folder = original_folder(tmp_path, FACT_PROSE)
    (folder / "ground_truth_fact_task_2.json").unlink()
    r = run_jarri("suites", "validate", str(folder))
    assert r.returncode == 1
    assert "field 'tasks[1].ground_truth_file'" in r.stderr and "does not exist" in r.stderr


@pytest.mark.skipif(not SHARED_UPSTREAM.is_dir(), reason="shared upstream fixtures absent")
def test_real_original_folder_validates() -> None:
    folder = SHARED_UPSTREAM / "fact_prose_v2"
    r = run_jarri("suites", "validate", str(folder))
    assert r.returncode == 0, r.stderr
    assert f"{folder}: valid" in r.stdout and "warning" not in r.stdout + r.stderr
    assert load_experiment(folder).experiment_id == "upstream.fact_prose_v2"


def test_original_folder_does_not_shadow_the_builtin(tmp_path: Path) -> None:
    for shape in SHAPES:
        original_folder(tmp_path / "orig", shape)
    reg = SuiteRegistry([tmp_path / "orig"])
    for eid, _, _ in SHAPES:
        assert reg.sources[eid] == "built-in"
        assert reg.load(eid).manifest_format == "jarri"
        assert reg.load(f"upstream.{eid}").original_experiment_id == eid
    listed = run_jarri("suites", "list", "--suite-dir", str(tmp_path / "orig"))
    assert listed.returncode == 0 and "upstream.coding_measurement_v3" in listed.stdout


def test_unknown_id_hints_at_the_namespaced_one(tmp_path: Path) -> None:
    original_folder(tmp_path / "orig", ("old_exp_v1", 1, [("t", "fact", "t", False)]))
    with pytest.raises(SuiteError) as exc:
        SuiteRegistry([tmp_path / "orig"]).load("old_exp_v1")
    assert "'upstream.old_exp_v1'" in str(exc.value.hint)


def test_native_manifest_may_not_take_the_namespace(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "experiment.toml").write_text(
        'experiment_id = "upstream.fact_prose_v2"\nrevision = 1\n[[tasks]]\ntask_id = "t"\n'
        'task_family = "fact"\ntask_name = "t"\nprompt = "Capital of Italy?"\n'
        'evaluator = "exact"\nground_truth = { answer = "Rome" }\n', encoding="utf-8")
    _, problems, _ = check_experiment(folder)
    assert len(problems) == 1
    assert "field 'experiment_id'" in problems[0] and "reserved" in problems[0]


def test_namespace_round_trip_and_file_name_safety() -> None:
    eid = upstream_experiment_id("fact_prose_v2")
    assert original_experiment_id(eid) == "fact_prose_v2"
    assert original_experiment_id("fact_prose_v2") is None
    # it is used in file names (analysis/<id>.json) and task keys (<id>/<task>)
    assert not set(eid) & set('/\\:*?"<>|')


# --- imported runs ------------------------------------------------------------------------

def original_row(eid: str, task_id: str, minute: int, score: float) -> dict[str, Any]:
    """One ledger line as the original writes it (the keys the importer reads)."""
    return {
        "experiment_id": eid, "timestamp_utc": f"2026-01-02T03:{minute:02d}:00+00:00",
        "model": "tiny:1b", "task_id": task_id, "task_family": task_id.split("_")[0],
        "prompt_hash": "c" * 64, "power_limit_request": "80", "power_limit_mode": "percent",
        "power_limit_percent": 80.0, "power_limit_applied_watts": 160.0, "run_index": 1,
        "duration_seconds": 1.0, "prompt_tokens": 20, "response_tokens": 10,
        "tokens_per_second": 10.0, "gpu_name": "Example GPU", "gpu_uuid": "GPU-0",
        "llm_energy_joules": 50.0, "energy_valid": True, "energy_confidence_class": "high",
        "evaluation_score_percent": score, "evaluation_type": "fact_v1", "success": True,
        "hard_failure": False,
    }


def write_original_ledger(folder: Path, rows: list[dict[str, Any]]) -> Path:
    ledger = folder / "llm_benchmark_runs.jsonl"
    ledger.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return ledger


def imported(ledger: Path) -> list[upstream.ImportedRow]:
    lines = [x for x in ledger.read_bytes().splitlines() if x.strip()]
    return upstream.import_rows(ledger, [upstream.OriginalRow(i + 1, raw, 0, json.loads(raw))
                                         for i, raw in enumerate(lines)])


def test_imported_run_is_namespaced() -> None:
    builtin_id = SuiteRegistry().load("fact_prose_v2").experiment_id
    rows = imported(FIXTURES / "upstream_import/benchmarks/mini_v1/llm_benchmark_runs.jsonl")
    assert rows and all(r.record is not None for r in rows)
    assert {r.record.experiment_id for r in rows if r.record} == {"upstream.mini_v1"}
    if SHARED_UPSTREAM.is_dir():
        real = imported(SHARED_UPSTREAM / "fact_prose_v2/llm_benchmark_runs.jsonl")
        ids = {r.record.experiment_id for r in real if r.record}
        assert ids == {"upstream.fact_prose_v2"} and builtin_id not in ids
    assert builtin_id == "fact_prose_v2"


def test_imported_run_without_experiment_id_is_refused(tmp_path: Path) -> None:
    row = original_row("fact_prose_v2", "fact_task_1", 0, 100.0)
    row["experiment_id"] = None
    (got,) = imported(write_original_ledger(tmp_path, [row]))
    assert got.record is None and got.reason and "experiment_id" in got.reason


def _rebuilt(ws: Path, source: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Path]:
    from jarri.rebuild.build import rebuild
    from jarri.surfaces.runs_pages import page_records

    rebuild(Workspace(ws), import_paths=[source])
    data = ws / "benchmark_ui/data"
    runs = [row for p in sorted((data / "runs").glob("page_*.json"))
            for row in page_records(json.loads(p.read_text()))]
    registry = json.loads((data / "duckdb_task_registry.json").read_text())["rows"]
    return runs, registry, data


@pytest.mark.parametrize("source", ["hand", "real"])
def test_rebuild_keeps_builtin_and_imported_apart(tmp_path: Path, source: str) -> None:
    if source == "real":
        if not SHARED_UPSTREAM.is_dir():
            pytest.skip("shared upstream fixtures absent")
        folder = SHARED_UPSTREAM / "fact_prose_v2"
    else:
        folder = original_folder(tmp_path / "orig", FACT_PROSE)
        write_original_ledger(folder, [
            original_row("fact_prose_v2", "fact_task_1", 0, 100.0),
            original_row("fact_prose_v2", "prose_task_1", 1, 40.0),
        ])
    ws = tmp_path / "ws"
    # Runs under the built-in id: one of a built-in task, one of a task whose id the
    # original's experiment also has (the case that pooled when both had one id).
    write_ledger(ws / "benchmarks/local/llm_benchmark_runs.jsonl", [
        make_record(1, experiment_id="fact_prose_v2", task_id="capital_australia"),
        make_record(2, experiment_id="fact_prose_v2", task_id="fact_task_1"),
    ])
    runs, registry, data = _rebuilt(ws, folder)

    native = [x for x in runs if x["origin"] != "upstream_jarri"]
    original = [x for x in runs if x["origin"] == "upstream_jarri"]
    assert len(native) == 2 and original
    assert {x["task_key"] for x in native} == {"fact_prose_v2/capital_australia",
                                               "fact_prose_v2/fact_task_1"}
    assert all(x["task_key"].startswith("upstream.fact_prose_v2/") for x in original)
    assert "upstream.fact_prose_v2/fact_task_1" in {x["task_key"] for x in original}

    # The registry entry of the original folder matches its imported runs' task keys.
    by_key = {t["task_key"]: t for t in registry}
    for x in original:
        t = by_key[x["task_key"]]
        assert t["manifest_format"] == "upstream" and t["has_runs"] and t["defined"]
    assert by_key["fact_prose_v2/capital_australia"]["manifest_format"] == "jarri"
    # One analysis per experiment, each with only its own runs' models.
    for eid, models in (("fact_prose_v2", {"m"}),
                        ("upstream.fact_prose_v2", {x["model"] for x in original})):
        rows = json.loads((data / f"analysis/{eid}.json").read_text())["rows"]
        assert {r["experiment_id"] for r in rows} == {eid}
        assert {r["model"] for r in rows} == models
