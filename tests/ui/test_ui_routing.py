"""One view at a time: what a user does between views and within one keeps its state — a
filter typed just before a nav click, a long table's scroll, the keyboard focus; names and URL
values that are JavaScript property names or hold commas; surfaces that fail to load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import (
    Served,
    after_render,
    build_workspace,
    current_view,
    goto_view,
    open_page,
    wait_ready,
)

from handledger import hand_records, rec


def view(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The hand ledger, plus models whose names hold a comma, spaces and a prototype name,
    and 40 tasks (a table taller than its box in a short window)."""
    records = list(hand_records())
    n = 100
    for model in ("a,b", " spaced ", "constructor", "plain"):
        for t in range(40):
            n += 1
            records.append(rec(n, model, f"k{t:02d}", "G1", "80", score=100 if t % 2 else 0,
                               energy_j=10.0, confidence="high", out=5, prompt=5, eval_s=1.0,
                               wall_s=1.0))
    ws = build_workspace(tmp_path_factory.mktemp("ui-routing"), ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in records)})
    s = Served(ws)
    yield s
    s.close()


def test_a_filter_typed_before_a_nav_click_is_kept(browser: Browser, served: Served) -> None:
    page, problems = open_page(browser, served.url + "#view=overview")
    page.fill("#f-model", "plain")  # no Enter: its change lands as the link is clicked
    page.click("nav a[data-view='models']")
    page.wait_for_function("document.body.dataset.view === 'models'")
    wait_ready(page)
    st = view(page)
    assert st["view"] == "models" and st["q"] == "plain", st
    rows = [r.get_attribute("data-row") for r in page.query_selector_all("#model-table tbody tr")]
    assert rows == ["plain"]
    assert page.get_attribute("nav a[data-view='models']", "aria-current") == "page"
    assert problems == []


def test_a_row_chosen_in_a_long_table_stays_in_view(browser: Browser, served: Served) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 420})
    try:
        page.goto(served.url + "#view=tasks&model=plain")
        wait_ready(page)
        box = page.query_selector("#task-table").evaluate_handle("t => t.parentElement")
        box.evaluate("b => b.scrollTo(0, b.scrollHeight / 2)")
        top = box.evaluate("b => b.scrollTop")
        assert top > 0
        # a row in the middle of what the box shows
        key = page.evaluate("""() => {
          const box = document.getElementById('task-table').parentElement;
          const mid = box.getBoundingClientRect().top + box.clientHeight / 2;
          const row = [...box.querySelectorAll('tbody tr')].find(
            (r) => r.getBoundingClientRect().top > mid);
          return row.dataset.row;
        }""")
        after_render(page, lambda: page.click(f"#task-table tbody tr[data-row='{key}']"))
        assert view(page)["task"] == key
        box = page.query_selector("#task-table").evaluate_handle("t => t.parentElement")
        assert abs(box.evaluate("b => b.scrollTop") - top) <= 1
        visible = page.evaluate("""(key) => {
          const box = document.getElementById('task-table').parentElement.getBoundingClientRect();
          const r = document.querySelector(`#task-table tr[data-row="${key}"]`)
            .getBoundingClientRect();
          return r.top >= box.top && r.bottom <= box.bottom;
        }""", key)
        assert visible
        # the keyboard focus stays on the chosen row
        assert page.evaluate("document.activeElement.dataset.row") == key
    finally:
        page.close()


def test_sorting_and_choosing_by_keyboard_keep_the_focus(browser: Browser,
                                                         served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=models")
    page.focus("#model-table th[data-key='runs'] button")
    after_render(page, lambda: page.keyboard.press("Enter"))
    assert page.evaluate("document.activeElement.closest('th').dataset.key") == "runs"
    after_render(page, lambda: page.keyboard.press("Enter"))  # again: the other direction
    assert view(page)["sort"] == "runs:desc"
    page.focus("#model-table tbody tr[data-row='plain']")
    after_render(page, lambda: page.keyboard.press(" "))
    assert page.evaluate("document.activeElement.dataset.row") == "plain"


@pytest.mark.parametrize("hash_", [
    "#view=recommend&rank=__proto__", "#view=recommend&rank=constructor",
    "#view=recommend&need=__proto__:5", "#view=recommend&need=constructor:abc",
    "#view=failures&ftype=constructor", "#view=failures&fsub=toString",
    "#view=failures&ftype=__proto__", "#view=failures&model=constructor&fsub=hasOwnProperty",
    "#view=__proto__", "#view=constructor&ts=__proto__:x:y;;:&sort=toString:desc",
])
def test_url_values_that_are_property_names_are_not_options(browser: Browser, served: Served,
                                                            hash_: str) -> None:
    page, problems = open_page(browser, served.url + hash_)
    text = page.inner_text("main")
    for bad in ("undefined", "function", "native code", "[object Object]", "NaN"):
        assert bad not in text, (hash_, bad)
    assert current_view(page) in ("recommend", "failures")
    assert view(page)["view"] == current_view(page)  # an unknown view is not kept in the URL
    assert problems == []


def test_an_unknown_view_set_later_is_corrected_in_the_url(browser: Browser,
                                                           served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=models")
    after_render(page, lambda: page.evaluate("location.hash = 'view=bogus&model=A'"))
    assert current_view(page) == "recommend" and view(page)["view"] == "recommend"


def test_models_whose_names_hold_commas_or_spaces_can_be_compared(browser: Browser,
                                                                  served: Served) -> None:
    page, problems = open_page(browser, served.url + "#model=plain")
    goto_view(page, "compare")
    for name in ("a,b", " spaced "):
        box = page.query_selector(f"#compare-models input[value='{name}']")
        after_render(page, box.click)
        assert page.query_selector(f"#compare-models input[value='{name}']").is_checked(), name
    ticked = page.eval_on_selector_all("#compare-models input:checked",
                                       "es => es.map(e => e.value)")
    assert sorted(ticked) == sorted(["plain", "a,b", " spaced "])
    assert page.query_selector_all("#compare-table tbody tr")
    again, _ = open_page(browser, page.url)  # the copied URL
    assert sorted(again.eval_on_selector_all("#compare-models input:checked",
                                             "es => es.map(e => e.value)")) == sorted(ticked)
    after_render(page, lambda: page.click("#compare-models input[value='a,b']"))
    assert sorted(page.eval_on_selector_all("#compare-models input:checked",
                                            "es => es.map(e => e.value)")) == [" spaced ", "plain"]
    assert problems == []


def test_a_surface_that_fails_to_load_says_so_and_is_asked_again(browser: Browser,
                                                                 served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=overview")
    state = {"fail": True}

    def flaky(route):  # noqa: ANN001, ANN202
        if state["fail"]:
            route.abort()
        else:
            route.continue_()

    page.route("**/data/comparisons/model_pairs.json", flaky)
    page.route("**/data/duckdb_pareto_frontiers.json", flaky)
    goto_view(page, "model-pairs")
    text = page.inner_text("section#model-pairs")
    assert "could not be loaded" in text and "older rebuild" not in text
    page.click("nav a[data-view='pareto']")
    page.wait_for_function("document.body.dataset.view === 'pareto' "
                           "&& document.body.dataset.complete === '1'")
    assert "could not be loaded" in page.inner_text("section#pareto")
    assert page.evaluate("document.activeElement.id") == "pareto"  # the message has the focus
    state["fail"] = False  # the server answers again: opening the views asks again
    goto_view(page, "model-pairs")
    assert page.query_selector("#pairs-table") is not None
    goto_view(page, "pareto")
    assert page.query_selector("#pareto-table") is not None


def test_a_missing_optional_surface_reads_as_an_older_rebuild(browser: Browser,
                                                              tmp_path: Path) -> None:
    ws = build_workspace(tmp_path, ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in hand_records())})
    (ws.ui_data / "comparisons" / "model_pairs.json").unlink()
    s = Served(ws)
    try:
        page, _ = open_page(browser, s.url + "#view=model-pairs")
        assert "older rebuild" in page.inner_text("section#model-pairs")
    finally:
        s.close()


def test_focus_stays_on_a_ticked_model_a_failure_chip_and_a_filter(browser: Browser,
                                                                   served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=compare&model=plain")
    page.focus("#compare-models input[value='constructor']")
    after_render(page, lambda: page.keyboard.press("Space"))
    assert page.evaluate("document.activeElement.value") == "constructor"
    goto_view(page, "failures")
    after_render(page, lambda: page.select_option("#failure-model", "A"))
    chip = "#failure-types button[data-name='transport/server_error']"
    page.focus(chip)
    after_render(page, lambda: page.keyboard.press("Enter"))
    assert page.evaluate("document.activeElement.dataset.name") == "transport/server_error"
    page.focus("#f-gpu")
    after_render(page, lambda: page.keyboard.press("ArrowDown"))
    assert view(page).get("gpu") and page.evaluate("document.activeElement.id") == "f-gpu"


def test_every_metric_column_sorts_its_better_end_first(browser: Browser,
                                                        served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=tasks&model=A&task=e1%2Ft1")
    for key, first in (("avg_score_percent", "desc"), ("success_rate", "desc"),
                       ("score_per_wh", "desc"), ("avg_energy_j", "asc")):
        after_render(page, lambda k=key: page.click(f"#ranking-table th[data-key='{k}'] button"))
        assert f"ranking-table:{key}:{first}" in view(page)["ts"], (key, view(page)["ts"])


def test_a_subtype_narrows_the_examples_and_a_linked_run_takes_the_focus(
        browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=failures&model=B")
    examples = page.inner_text("#failure-examples")
    assert "answer_present" in examples  # an example names its subtypes
    after_render(page, lambda: page.click(
        "#failure-subtypes button[data-name='answer_present']"))
    items = page.query_selector_all("#failure-examples li")
    assert items and all("answer_present" in i.inner_text() for i in items)
    after_render(page, lambda: page.click("#failure-examples li a"))
    run = view(page)["run"]
    page.wait_for_function(f"document.activeElement?.dataset?.run === {run!r}")
    # the next Tab goes to what follows that run (the first control after it, or, at the end of
    # the page, round to the start), not back to the top of the view
    expected = page.evaluate("""(run) => {
      const card = document.querySelector(`article[data-run="${run}"]`);
      const after = [...document.querySelectorAll('a[href], button, input, select, [tabindex]')]
        .filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length
                && (card.compareDocumentPosition(e) & (Node.DOCUMENT_POSITION_FOLLOWING
                                                       | Node.DOCUMENT_POSITION_CONTAINED_BY)));
      return after.length ? after[0].outerHTML.slice(0, 120) : 'skip';
    }""", run)
    page.keyboard.press("Tab")
    got = page.evaluate("document.activeElement.id === 'skip' ? 'skip' "
                        ": document.activeElement.outerHTML.slice(0, 120)")
    assert got == expected


def test_compared_answers_name_their_gpu_and_run(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=compare&cmp=A,B&ctask=e1%2Ft1")
    page.wait_for_selector("#compare-answers .column[data-model='A'] .answer-box")
    for box in page.query_selector_all("#compare-answers .answer-box"):
        meta = box.query_selector("p.meta").inner_text()
        assert "Card One" in meta or "Card Two" in meta
        assert f"run {box.get_attribute('data-run')}" in meta


def test_the_first_tab_skips_to_the_view(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=models")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "models"
    assert view(page)["view"] == "models"  # the hash (the view) is untouched


def test_no_comparable_configuration_is_explained(browser: Browser, tmp_path: Path) -> None:
    # each model ran t1 at one limit and t2 at another: every model covers the compared set
    # {t1, t2}, no model x power limit does
    records = []
    for n, (model, task, power) in enumerate([("M", "t1", "80"), ("M", "t2", "60"),
                                              ("N", "t1", "80"), ("N", "t2", "60")], start=1):
        records.append(rec(n, model, task, "G1", power, score=100, energy_j=10.0,
                           confidence="high", out=5, prompt=5, eval_s=1.0, wall_s=1.0))
    s = Served(build_workspace(tmp_path, ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in records)}))
    try:
        page, _ = open_page(browser, s.url)
        text = page.inner_text("section#recommend")
        assert "None of the 4 visible configuration(s) is comparable" in text
        assert "all 2 compared task(s)" in text
    finally:
        s.close()


def test_a_filter_typed_before_a_row_click_keeps_both(browser: Browser, served: Served) -> None:
    page, problems = open_page(browser, served.url + "#view=models&model=A")
    page.fill("#f-task", "k0")  # no Enter: its change lands as the row is pressed
    page.click("#model-table tbody tr[data-row='plain']")
    page.wait_for_function("location.hash.includes('model=plain')")
    wait_ready(page)
    st = view(page)
    assert st["model"] == "plain" and st["tq"] == "k0", st
    assert page.inner_text("section#model-detail h2") == "Selected model: plain"
    assert problems == []
