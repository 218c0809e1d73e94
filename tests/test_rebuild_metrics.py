"""Every metric of surfaces.md against values computed by hand (tests/handledger.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handledger import hand_records, write_ledger
from jarri.paths import Workspace
from jarri.rebuild.build import rebuild
from jarri.surfaces.runs_pages import page_records


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    write_ledger(root / "benchmarks/e1/llm_benchmark_runs.jsonl", hand_records())
    result = rebuild(Workspace(root))
    assert result.rows_used == 5 and result.rows_quarantined == 0
    return root / "benchmark_ui/data"


def load(data: Path, name: str) -> dict[str, Any]:
    return json.loads((data / name).read_text())


def by(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_model_rankings_on_the_common_task_set(data: Path) -> None:
    s = load(data, "duckdb_model_rankings.json")
    assert s["common_tasks"] == 1 and s["surface"] == "model_rankings"
    a = by(s["rows"], model="A")
    assert a["runs"] == 2 and a["tasks_in_slice"] == 1 and a["tasks_run"] == 2
    assert a["tasks_total"] == 2 and a["coverage"] == 1.0 and a["slice"] == "common_task_set"
    assert a["task_coverage"] == 1.0 and a["energy_class"] == "gpu_counter"
    expected_a = {
        "avg_score_percent": 75.0, "success_rate": 0.5, "fully_correct_rate": 0.5,
        "completion_rate": 1.0, "hard_failure_rate": 0.0, "avg_energy_j": 90.0,
        "energy_coverage": 1.0, "tokens_per_second": 66.666667, "e2e_tokens_per_second": 40.0,
        "avg_output_tokens": 100.0, "avg_total_tokens": 110.0, "joules_per_output_token": 0.9,
        "output_tokens_per_joule": 1.111111, "score_per_100_output_tokens": 75.0,
        "score_per_output_token": 0.75, "score_per_wh": 3000.0, "energy_per_success_j": 180.0,
        "output_token_waste": 1.0, "score_per_wh_vs_best": 1.0,
    }
    assert {k: a[k] for k in expected_a} == expected_a
    b = by(s["rows"], model="B")
    expected_b = {
        "runs": 2, "avg_score_percent": 50.0, "success_rate": 0.5, "fully_correct_rate": 0.5,
        "completion_rate": 1.0, "hard_failure_rate": 0.5, "avg_energy_j": None,
        "energy_coverage": 0.0, "tokens_per_second": 100.0,
        "e2e_tokens_per_second": 66.666667, "avg_output_tokens": 100.0,
        "avg_total_tokens": 120.0, "joules_per_output_token": None,
        "output_tokens_per_joule": None, "score_per_100_output_tokens": 50.0,
        "score_per_output_token": 0.5, "score_per_wh": None, "energy_per_success_j": None,
        # run 5 produced no output: left out of the token means (case 5), not a saving
        "output_token_waste": 1.0, "score_per_wh_vs_best": None, "skipped_energy": 2,
        "skipped_output_tokens": 1, "output_tokens_per_success": 100.0,
        "tasks_run": 1, "task_coverage": 0.5, "coverage": 1.0, "comparable": True,
    }
    assert {k: b[k] for k in expected_b} == expected_b


def test_backend_failure_counts_as_zero_score(data: Path) -> None:
    rows = load(data, "duckdb_model_task_tdp.json")["rows"]
    t2 = by(rows, model="A", task_key="e1/t2")
    assert t2["runs"] == 1 and t2["avg_score_percent"] == 0.0
    assert t2["completion_rate"] == 0.0 and t2["hard_failure_rate"] == 1.0
    assert t2["avg_output_tokens"] is None and t2["skipped_output_tokens"] == 1
    assert t2["power_applied_w"] == 200.0 and t2["power_requests"] == ["80"]
    watt = by(rows, model="A", task_key="e1/t1", power_applied_w=144.0)
    assert watt["power_requests"] == ["144w"] and watt["power_percent_of_default"] == 57.6
    assert watt["gpu_key"] == "GPU-1111" and watt["gpu_name"] == "Card One"
    unset = by(rows, model="B", task_key="e1/t1")
    assert unset["power_applied_w"] is None and unset["power_requests"] is None
    assert unset["gpu_key"] == "GPU-2222"


def test_task_ranking_configurations(data: Path) -> None:
    t1 = by(load(data, "duckdb_task_rankings.json")["rows"], task_key="e1/t1")
    assert t1["runs"] == 4 and t1["models"] == 2 and t1["avg_score_percent"] == 62.5
    ranked = [(c["rank"], c["model"], c["power_applied_w"]) for c in t1["configurations"]]
    # A at 144 W passes nothing (partial credit only): ranked after every comparable one
    assert ranked == [(1, "A", 200.0), (2, "B", None), (3, "A", 144.0)]
    assert [c["comparable"] for c in t1["configurations"]] == [True, True, False]
    assert t1["configurations"][0]["avg_energy_j"] == 100.0


def test_model_by_power_level(data: Path) -> None:
    rows = load(data, "duckdb_model_tdp.json")["rows"]
    a200 = by(rows, model="A", power_applied_w=200.0)
    a144 = by(rows, model="A", power_applied_w=144.0)
    assert a200["score_per_wh"] == 3600.0 and a144["score_per_wh"] == 2250.0
    # 144 W never passes: no 'vs best' for it (case 4), whatever its score per Wh
    assert a200["score_per_wh_vs_best"] == 1.0 and a200["output_token_waste"] == 1.0
    assert a144["score_per_wh_vs_best"] is None and a144["output_token_waste"] is None
    assert a144["not_comparable_because"] == ["passes nothing (success rate 0)"]


def test_pareto(data: Path) -> None:
    fronts = load(data, "duckdb_pareto_frontiers.json")["rows"]
    glob = by(fronts, scope="global")["points"]
    a200 = by(glob, model="A", power_applied_w=200.0)
    a144 = by(glob, model="A", power_applied_w=144.0)
    b = by(glob, model="B")
    assert a200["on_energy_frontier"] and not a144["on_energy_frontier"]  # passes nothing
    assert a144["degenerate"] and not a200["degenerate"]
    assert not b["on_energy_frontier"]  # no valid energy
    assert a200["on_token_frontier"] and not a144["on_token_frontier"]
    assert not b["on_token_frontier"]  # dominated by A at 200 W (100 > 50, 50 <= 50 tokens)
    t2 = by(fronts, task_key="e1/t2")["points"][0]
    assert t2["degenerate"] and not t2["on_energy_frontier"] and not t2["on_token_frontier"]


def test_failure_surfaces(data: Path) -> None:
    rows = load(data, "duckdb_failure_surfaces.json")["rows"]
    at1 = by(rows, model="A", task_key="e1/t1")
    assert at1["runs"] == 2 and at1["failed_runs"] == 1 and at1["failure_rate"] == 0.5
    assert at1["stage_rates"] == {"semantic": 0.5}
    assert at1["type_rates"] == {"semantic/wrong_answer": 0.5}
    assert at1["subtype_rates"] == {"answer_matches": 0.5}
    at2 = by(rows, model="A", task_key="e1/t2")
    assert at2["stage_rates"] == {"transport": 1.0} and at2["hard_failure_rate"] == 1.0
    assert at2["dominant_type"] == "transport/server_error"
    bt1 = by(rows, model="B", task_key="e1/t1")
    assert bt1["type_rates"] == {"generation/empty_output": 0.5}
    assert bt1["dominant_subtypes"] == ["answer_matches", "answer_present"]
    assert [e["run_id"] for e in bt1["examples"]] == [
        r["run_id"] for r in page_records(load(data, "runs/page_000003.json"))
        if not r["passed"]]
    fam = load(data, "failures/by_family.json")["rows"][0]
    assert fam["group"] == "fact" and fam["runs"] == 5 and fam["failed_runs"] == 3
    assert fam["stage_rates"] == {"generation": 0.2, "semantic": 0.2, "transport": 0.2}


def test_failures_joined_with_energy(data: Path) -> None:
    rows = load(data, "joined/failures_energy.json")["rows"]
    sem = by(rows, failure_stage="semantic")
    assert sem["total_energy_j"] == 80.0 and sem["total_output_tokens"] == 150
    ok = by(rows, failure_type="fully_correct")
    assert ok["runs"] == 2 and ok["total_energy_j"] == 100.0  # run 4 is hybrid: excluded


def test_envelope_registries_and_runs(data: Path) -> None:
    s = load(data, "duckdb_model_rankings.json")
    assert set(s) >= {"schema_version", "surface", "source_digest", "source", "policy",
                      "definitions", "rows"}
    assert s["source"]["rows_total"] == 5 and s["source"]["rows_used"] == 5
    assert s["source"]["latest_record_at"] == "2026-11-01T12:00:05+00:00"
    assert "residency" in s["policy"]["energy_counted_when"]
    assert "B(score) / (B(energy_net) / 3600)" in s["definitions"]["score_per_wh"]
    assert s["formulas"]["metrics"]["score_per_wh"] == {
        "num": "score", "den": "energy_net", "factor": 3600, "better": "higher",
        "unit": "points/Wh"}
    gpus = load(data, "registries/gpus.json")["rows"]
    assert [g["gpu_key"] for g in gpus] == ["GPU-1111", "GPU-2222"]
    assert by(gpus, gpu_key="GPU-1111")["power_levels_w"] == [144.0, 200.0]
    index = load(data, "data_index.json")
    files = {f["file"] for f in index["rows"]}
    for name in ("duckdb_model_rankings.json", "duckdb_task_rankings.json",
                 "duckdb_model_task_tdp.json", "duckdb_pareto_frontiers.json",
                 "duckdb_task_registry.json", "duckdb_failure_surfaces.json",
                 "runs/index.json", "verification/quarantine.json", "joined/failures_energy.json",
                 "registries/models.json", "analysis/e1.json", "failures/by_model.json"):
        assert name in files
    for f in index["rows"]:
        assert (data / f["file"]).stat().st_size == f["bytes"]
    pages = load(data, "runs/index.json")["rows"]
    assert [(p["model"], p["task_key"], p["runs"]) for p in pages] == [
        ("A", "e1/t1", 2), ("A", "e1/t2", 1), ("B", "e1/t1", 2)]
    page = load(data, "runs/page_000002.json")
    assert page["columns"] == sorted(page["columns"]) and len(page["rows"][0]) == len(
        page["columns"])
    run = page_records(page)[0]
    assert run["status"] == "backend_error" and run["error"] == "HTTP 500"
    assert run["answer_text"] is None and run["energy_net_j"] is None
    det = load(data, "verification/determinism.json")["rows"][0]
    assert det["all_rows_accounted"]


def test_a_cold_start_counts_for_correctness_and_not_for_energy(tmp_path: Path) -> None:
    # Run 1 again, but it loaded its model inside the window: the load's energy is not the
    # answer's (issue: real servers, loading). Its score counts; its 500 J does not.
    from handledger import rec

    cold = rec(6, "A", "t1", "G1", "80", score=100, energy_j=500, confidence="high", out=50,
               prompt=10, eval_s=1.0, wall_s=9.0, cold_start=True)
    write_ledger(tmp_path / "benchmarks/e1/llm_benchmark_runs.jsonl", [*hand_records(), cold])
    rebuild(Workspace(tmp_path))
    data = tmp_path / "benchmark_ui/data"
    ok = by(load(data, "joined/failures_energy.json")["rows"], failure_type="fully_correct")
    assert ok["runs"] == 3 and ok["total_energy_j"] == 100.0  # run 1 only: 4 hybrid, 6 cold
    s = load(data, "duckdb_model_rankings.json")
    assert "cold start" in s["policy"]["energy_counted_when"]
    a = by(s["rows"], model="A")
    assert a["runs"] == 3
