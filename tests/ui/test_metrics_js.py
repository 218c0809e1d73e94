"""ui/metrics.js against the rebuild: on random ledgers (repeats, partial coverage, several
GPUs and power levels, ungraded and failed runs, energy of several method classes, odd
wall times), the page's own aggregate() over the task-level rows gives exactly the numbers
of duckdb_model_rankings.json, duckdb_model_tdp.json and the global Pareto points, field for
field, and a filtered view equals a rebuild of only the visible runs."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, build_workspace, open_page

from handledger import rec
from jarri.ledger.record import RunRecord

LEDGER = "benchmarks/e1/llm_benchmark_runs.jsonl"
METHODS = ["nvml_energy_counter", "nvml_energy_counter", "nvml_power_sampled",
           "rapl_powercap", "upstream_nvidia_smi_sampled_v1", "some_meter"]
# the fields aggregate() computes; everything else on a row is descriptive
COMPUTED_EXTRA = ["runs", "ungraded", "graded_runs", "passed_runs", "tasks_in_slice",
                  "tasks_compared", "coverage", "energy_class", "energy_runs",
                  "energy_coverage", "skipped_energy", "skipped_output_tokens", "comparable",
                  "not_comparable_because"]


def random_ledger(seed: int) -> list[RunRecord]:
    rnd = random.Random(seed)
    models = [f"m{i}" for i in range(rnd.randint(2, 4))]
    tasks = [f"t{i}" for i in range(rnd.randint(2, 5))]
    out, n = [], 0
    for model in models:
        for task in tasks:
            if rnd.random() < 0.2:
                continue  # partial coverage
            for _ in range(rnd.randint(1, 4)):
                n += 1
                gpu = rnd.choice(["G1", "G2"])
                power = rnd.choice(["80", "60", "144w", None])
                kind = rnd.random()
                over: dict[str, Any] = {}
                score: float | None = rnd.choice([0, 25.5, 50, 66.666667, 100, 100])
                out_tok: int | None = rnd.randint(1, 400)
                if kind < 0.08:
                    over["status"] = rnd.choice(["not_evaluated", "evaluator_error"])
                    score = None
                elif kind < 0.16:
                    over.update(status="backend_error", completed=False, hard_failure=True)
                    score, out_tok = None, None
                elif kind < 0.22:
                    out_tok = 0
                    over["hard_failure"] = True
                energy = None if rnd.random() < 0.15 else round(rnd.uniform(-2, 300), 3)
                if energy is not None and rnd.random() < 0.5:
                    over["energy_gross_j"] = energy + 10
                    over["energy_gross_mj"] = round((energy + 10) * 1e3)
                over["energy_method"] = rnd.choice(METHODS)
                if rnd.random() < 0.3:
                    over["format_ok"] = rnd.random() < 0.6
                wall = round(rnd.uniform(0.1, 30), 9)
                eval_s = None if rnd.random() < 0.1 else round(rnd.uniform(0.05, wall), 6)
                out.append(rec(n, model, task, gpu, power, score=score, energy_j=energy,
                               confidence="high", out=out_tok, prompt=rnd.randint(1, 50),
                               eval_s=eval_s, wall_s=wall, **over))
    return out


def surface(served: Served, name: str) -> dict[str, Any]:
    return json.loads((served.ws.ui_data / name).read_text())


def js_rows(page: Page, group: str) -> list[dict[str, Any]]:
    """aggregate() in the page over all task-level rows, grouped by `group`'s fields."""
    return page.evaluate("""async (fields) => {
      const m = await import('./metrics.js');
      const env = await (await fetch('data/duckdb_model_task_tdp.json')).json();
      const F = env.formulas, rows = env.rows;
      const compared = m.comparedTasks(rows, F).tasks;
      const groups = new Map();
      for (const r of rows) {
        const k = JSON.stringify(fields.map((f) => r[f]));
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k).push(r);
      }
      return [...groups.entries()].map(([k, rs]) => (
        { key: JSON.parse(k), ...m.aggregate(rs, F, compared) }));
    }""", group.split(","))


def _key(values: list[Any]) -> str:
    # JSON from the browser writes 144.0 as 144
    return json.dumps([float(v) if isinstance(v, int | float) and not isinstance(v, bool)
                       else v for v in values])


def check(expected: list[dict[str, Any]], got: list[dict[str, Any]], fields: list[str],
          names: list[str]) -> int:
    by = {_key(r["key"]): r for r in got}
    assert len(by) == len(expected)
    compared = 0
    for row in expected:
        mine = by[_key([row[f] for f in fields])]
        for name in names:
            assert mine[name] == row[name], (fields, [row[f] for f in fields], name,
                                             mine[name], row[name])
            compared += 1
    return compared


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_js_aggregate_equals_the_rebuild(browser: Browser, tmp_path: Path, seed: int) -> None:
    records = random_ledger(seed)
    ws = build_workspace(tmp_path, ledgers={LEDGER: b"".join(r.to_line() for r in records)})
    served = Served(ws)
    try:
        page, problems = open_page(browser, served.url)
        formulas = surface(served, "duckdb_model_task_tdp.json")["formulas"]
        names = [*formulas["metrics"], *COMPUTED_EXTRA,
                 *(f"{p}_{q}" for q in formulas["quantities"] for p in ("sum", "n"))]
        n = check(surface(served, "duckdb_model_rankings.json")["rows"],
                  js_rows(page, "model"), ["model"], names)
        fields = ["model", "gpu_key", "power_applied_w"]
        n += check(surface(served, "duckdb_model_tdp.json")["rows"],
                   js_rows(page, ",".join(fields)), fields, names)
        glob = next(f for f in surface(served, "duckdb_pareto_frontiers.json")["rows"]
                    if f["scope"] == "global")["points"]
        n += check(glob, js_rows(page, ",".join(fields)), fields, names)
        # each task-level row alone: the rebuild's own per-cell numbers
        cell_fields = ["model", "task_key", "gpu_key", "power_applied_w"]
        cells = surface(served, "duckdb_model_task_tdp.json")["rows"]
        got = page.evaluate("""async () => {
          const m = await import('./metrics.js');
          const env = await (await fetch('data/duckdb_model_task_tdp.json')).json();
          return env.rows.map((r) => ({ key: [r.model, r.task_key, r.gpu_key, r.power_applied_w],
            ...m.aggregate([r], env.formulas, [r.task_key]) }));
        }""")
        n += check(cells, got, cell_fields, names)
        assert n > 500
        assert problems == []
    finally:
        served.close()


def test_a_filtered_view_equals_a_rebuild_of_the_visible_runs(browser: Browser,
                                                              tmp_path: Path) -> None:
    """The model table under a GPU filter shows what a rebuild of only that GPU's runs gives."""
    records = random_ledger(11)
    full = build_workspace(tmp_path / "full",
                           ledgers={LEDGER: b"".join(r.to_line() for r in records)})
    g1 = build_workspace(tmp_path / "g1", ledgers={LEDGER: b"".join(
        r.to_line() for r in records if r.gpu_uuid == "GPU-1111")})
    served = Served(full)
    try:
        page, _ = open_page(browser, served.url + "#view=models&gpu=GPU-1111")
        expected = json.loads((g1.ui_data / "duckdb_model_rankings.json").read_text())["rows"]
        shown = {}
        for row in page.query_selector_all("#model-table tbody tr"):
            cell = row.query_selector("td[data-key='avg_score_percent'] span.v")
            shown[row.get_attribute("data-row")] = cell.inner_text() if cell else "?"
        assert set(shown) == {r["model"] for r in expected}
        for r in expected:
            want = "–" if r["avg_score_percent"] is None else f"{r['avg_score_percent']:,.2f} pts"
            assert shown[r["model"]].startswith(want.split(" ")[0]), (r["model"], shown, want)
    finally:
        served.close()
