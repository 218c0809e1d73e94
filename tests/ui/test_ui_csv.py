"""Every table downloads as CSV: its columns, its rows in the order shown, raw values (not
rounded), quoting where needed, and a hostile name neither breaks the file nor runs as a
spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, build_workspace, each_view, open_page

from handledger import hand_records, rec

HOSTILE = '=HYPERLINK("http://x","y"),\n"quoted"'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    records = [*hand_records(),
               rec(7, HOSTILE, "t1", "G1", "80", score=100, energy_j=10, confidence="high",
                   out=5, prompt=5, eval_s=1.0, wall_s=1.0)]
    ws = build_workspace(tmp_path_factory.mktemp("ui-csv"), ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in records)})
    s = Served(ws)
    yield s
    s.close()


def test_every_table_downloads_as_csv(browser: Browser, served: Served) -> None:
    page, problems = open_page(browser, served.url + "#model=A&task=e1%2Ft1&cmp=A,B")
    page.context.set_default_timeout(15000)
    seen = []
    for _, _shown in each_view(page):
        ids = page.eval_on_selector_all("table.data[id]", "ts => ts.map(t => t.id)")
        seen += ids
        check_csv(page, ids)
    assert len(seen) >= 8, seen
    assert problems == []


def check_csv(page: Page, ids: list[str]) -> None:
    for tid in ids:
        with page.expect_download() as info:
            page.click(f"#{tid} caption button.csv")
        download = info.value
        assert download.suggested_filename == f"{tid}.csv"
        text = Path(download.path()).read_text(encoding="utf-8")
        table = list(csv.reader(io.StringIO(text)))
        labels = page.eval_on_selector_all(f"#{tid} thead th", "ths => ths.map(t => t.innerText)")
        assert table[0] == [label.replace(" ▲", "").replace(" ▼", "") for label in labels], tid
        assert len(table) - 1 == len(page.query_selector_all(f"#{tid} tbody tr")), tid


def test_the_csv_holds_raw_values_and_a_hostile_name_stays_text(browser: Browser,
                                                                 served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=models")
    with page.expect_download() as info:
        page.click("#model-table caption button.csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    surface = json.loads((served.ws.ui_data / "duckdb_model_rankings.json").read_text())
    by_model = {r["model"]: r for r in surface["rows"]}
    names = [r["model"] for r in rows]
    assert "'" + HOSTILE in names  # a formula would start with =: kept as text, whole
    for r in rows:
        model = r["model"][1:] if r["model"].startswith("'=") else r["model"]
        assert int(r["runs"]) == by_model[model]["runs"]
        score = by_model[model]["avg_score_percent"]  # the number itself, not "50.00 pts"
        assert (r["avg score"] == "") if score is None else (float(r["avg score"]) == score)
        assert "pts" not in r["avg score"]
