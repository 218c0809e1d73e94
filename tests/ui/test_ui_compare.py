"""Two chosen models side by side: per common task (cells equal the rebuild's model × task
rows), the rebuild's paired differences with intervals (sign kept right whichever order the
pair was stored in), and for a chosen task their stored answers next to each other — in three
actions, the view in the URL. Over a real mock-backend sweep (answers in the content store)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, after_render, build_workspace, goto_view, open_page

from conftest import run_jarri
from jarri.paths import Workspace


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ui-compare")
    script = root / "mock.json"
    script.write_text(json.dumps({"default": "Answer: 42", "answers": [
        {"model": "alpha", "match": "capital of France", "answer": "Answer: Paris"},
        {"model": "beta", "match": "capital of France", "answer": "Answer: Lyon <b>x</b>"},
        {"match": "gold", "answer": "Answer: Au"}]}))
    for sweep in ("s1", "s2"):  # two repeats' worth of runs
        r = run_jarri("run", "-m", "alpha,beta", "-b", "mock", "--mock-file", str(script),
                      "-w", str(root), "--idle-s", "0", "--sweep", sweep)
        assert r.returncode == 0, r.stderr
    s = Served(build_workspace(root))
    yield s
    s.close()


def view(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


def surface(ws: Workspace, name: str) -> dict:
    return json.loads((ws.ui_data / name).read_text())


def test_two_models_side_by_side_with_their_answers_in_three_actions(
        browser: Browser, served: Served, artifacts: Path) -> None:
    page, problems = open_page(browser, served.url + "#model=alpha")
    # 1: the compare view, the selected model already chosen; 2: a second model
    goto_view(page, "compare")
    assert page.is_checked("#compare-models input[value='alpha']")
    after_render(page, lambda: page.check("#compare-models input[value='beta']"))
    assert view(page)["cmp"] == "alpha,beta"
    rows = page.query_selector_all("#compare-table tbody tr")
    tdp = surface(served.ws, "duckdb_model_task_tdp.json")["rows"]
    tasks = sorted({r["task_key"] for r in tdp})
    assert [r.get_attribute("data-row") for r in rows] == tasks
    france = next(t for t in tasks if t.endswith("capital_france"))
    gold = next(t for t in tasks if "gold" in t)
    cells = {td.get_attribute("data-key"): td.inner_text() for td in
             page.query_selector_all(f"#compare-table tbody tr[data-row='{france}'] td")}
    score = {r["model"]: r["avg_score_percent"] for r in tdp if r["task_key"] == france}
    assert cells["alpha|score"] == f"{score['alpha']:,.2f} pts"
    assert cells["beta|score"] == f"{score['beta']:,.2f} pts"
    assert score["alpha"] == 100 and score["beta"] == 0
    assert cells["diff"].startswith("+100.00")
    assert "no failures" in cells["alpha|failures"] and "wrong_answer" in cells["beta|failures"]
    # 3: the task whose answers to show
    after_render(page, lambda: page.click(f"#compare-table tbody tr[data-row='{gold}']"))
    page.wait_for_selector("#compare-answers .column[data-model='beta'] pre")
    assert "Answer: Au" in page.inner_text("#compare-answers .column[data-model='beta']")
    after_render(page, lambda: page.click(f"#compare-table tbody tr[data-row='{france}']"))
    assert view(page)["ctask"] == france
    page.wait_for_selector("#compare-answers .column[data-model='beta'] pre")
    alpha = page.inner_text("#compare-answers .column[data-model='alpha']")
    beta = page.inner_text("#compare-answers .column[data-model='beta']")
    assert "Answer: Paris" in alpha and "Lyon" not in alpha
    assert "Answer: Lyon <b>x</b>" in beta  # a stored answer, shown as text
    assert page.query_selector("#compare-answers b") is None
    assert len(page.query_selector_all("#compare-answers .column[data-model='alpha'] pre")) == 2
    page.query_selector("section#compare").screenshot(path=str(artifacts / "compare.png"))
    assert problems == []


def test_paired_differences_keep_their_sign_in_either_order(browser: Browser,
                                                             served: Served) -> None:
    pair = surface(served.ws, "comparisons/model_pairs.json")["rows"][0]
    score = next(d for d in pair["differences"] if d["metric"] == "avg_score_percent")
    assert score["difference"] != 0 and score["ci95"][0] != -score["ci95"][1]
    for first, second in ((pair["model_a"], pair["model_b"]), (pair["model_b"], pair["model_a"])):
        page, _ = open_page(browser, served.url + f"#view=compare&cmp={first},{second}")
        row = page.query_selector(
            f"#compare-pairs tbody tr[data-row='{first}|{second}|avg_score_percent']")
        assert row is not None
        shown = row.query_selector("td[data-key='difference']").inner_text()
        sign = 1 if first == pair["model_a"] else -1
        want_diff = f"{sign * score['difference']:+,.2f}".replace("-", "−")  # a real minus
        assert shown.startswith(want_diff), (shown, score)
        lo, hi = score["ci95"]
        want = (lo, hi) if sign == 1 else (-hi, -lo)
        interval = row.query_selector("td[data-key='ci95']").inner_text()
        assert interval == f"[{want[0]:,.2f}–{want[1]:,.2f}]", interval
        # the copied URL reproduces the view
        again, _ = open_page(browser, page.url)
        assert again.inner_text("#compare-pairs") == page.inner_text("#compare-pairs")


def test_fewer_than_two_models_asks_for_more(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=compare&cmp=alpha")
    assert "Choose at least two models" in page.inner_text("section#compare")
    # unticking the last model leaves none ticked (not the selected model again)
    after_render(page, lambda: page.uncheck("#compare-models input[value='alpha']"))
    assert page.query_selector_all("#compare-models input:checked") == []
