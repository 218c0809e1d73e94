"""Charts: frontier points named, details on hover and on tap (touch has no tooltip), axes that
never run below zero and a 0-100 score axis, error bars from the rebuild's intervals, and
text large enough on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.ui.conftest import Served, build_workspace, goto_view, open_page
from tests.ui.test_ui_recommend import ledger


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    ws = build_workspace(tmp_path_factory.mktemp("ui-charts"),
                         ledgers={"benchmarks/e1/llm_benchmark_runs.jsonl": ledger()})
    s = Served(ws)
    yield s
    s.close()


def ticks(page, chart: str, axis: str) -> list[str]:  # noqa: ANN001
    return page.eval_on_selector_all(f"#{chart} text.tick.{axis}",
                                     "ts => ts.map(t => t.textContent)")


def test_frontier_points_are_named_and_give_details_on_hover_and_tap(
        browser: Browser, served: Served, artifacts: Path) -> None:
    page, problems = open_page(browser, served.url + "#view=pareto&model=X")
    on = page.query_selector_all("#pareto-energy circle.point.on")
    names = page.eval_on_selector_all("#pareto-energy text.point-label",
                                      "ts => ts.map(t => t.textContent)")
    assert 1 <= len(names) <= len(on)  # points on one spot share a label
    assert all(" @ " in n or "(no limit set)" in n for n in names)
    shown = ", ".join(names)
    assert shown.count("X") + shown.count("Y") == len(on)  # every frontier point is named
    details = page.query_selector("#pareto-energy + p.chart-details")
    assert details.inner_text().startswith("Hover or tap")
    on[0].hover()
    title = on[0].query_selector("title").text_content()
    assert details.inner_text() == title
    other = page.query_selector_all("#pareto-energy circle.point")[-1]
    other.dispatch_event("click")  # a tap
    assert details.inner_text() == other.query_selector("title").text_content()
    page.query_selector("section#pareto").screenshot(path=str(artifacts / "charts_pareto.png"))
    assert problems == []


def test_axes_start_at_zero_and_scores_run_to_100(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#model=X")
    for view, chart in (("pareto", "pareto-energy"), ("pareto", "pareto-tokens"),
                        ("tasks", "ranking-scatter"), ("model-power", "power-chart-wh")):
        goto_view(page, view)
        xs = ticks(page, chart, "x") if chart != "power-chart-wh" else ticks(page, chart, "y")
        assert xs and xs[0] == "0" and not any(t.startswith("-") for t in xs), (chart, xs)
    # watts run over the levels' own range (not from 0), never below 0
    watts = [float(t.replace("k", "e3")) for t in ticks(page, "power-chart-wh", "x")]
    assert 0 < watts[0] <= 150 and watts[-1] >= 200, watts
    for view, chart in (("model-power", "power-chart-score"), ("pareto", "pareto-energy"),
                        ("tasks", "ranking-scatter")):
        goto_view(page, view)
        ys = ticks(page, chart, "y")
        assert ys[0] == "0" and ys[-1] == "100", (chart, ys)


def test_error_bars_show_the_rebuilds_intervals(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=model-power&model=X")
    bars = page.query_selector_all("#power-chart-wh g.errorbar")
    assert len(bars) >= 2  # the levels of X that have an interval of score per Wh
    labels = page.eval_on_selector_all("#power-chart-wh circle.point title",
                                       "ts => ts.map(t => t.textContent)")
    assert any("[" in t for t in labels)
    # a filter makes another task set: no interval, no bar
    filtered, _ = open_page(browser, served.url + "#view=model-power&model=X&tq=t1")
    assert filtered.query_selector_all("#power-chart-wh g.errorbar") == []


def test_chart_text_is_legible_on_a_phone(browser: Browser, served: Served,
                                          artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(served.url + "#view=model-power&model=X")
        page.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)
        heights = page.eval_on_selector_all(
            "#power-chart-score text.tick", "ts => ts.map(t => t.getBoundingClientRect().height)")
        assert heights and min(heights) >= 9, heights  # was about 6 px
        page.query_selector("section#model-power").screenshot(
            path=str(artifacts / "charts_power_phone.png"))
    finally:
        page.close()


def test_a_view_opens_at_its_top_and_a_phone_header_scrolls_away(
        browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#model=X")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    goto_view(page, "failures")
    header = page.evaluate("document.querySelector('header').getBoundingClientRect().bottom")
    top = page.evaluate("document.querySelector('section#failures').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") == 0 and top >= header - 1, (top, header)
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        phone.goto(served.url + "#model=X")
        phone.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)
        assert phone.evaluate("getComputedStyle(document.querySelector('header')).position") \
            == "static"
    finally:
        phone.close()


def test_a_long_table_keeps_its_header_row_in_view(browser: Browser, served: Served) -> None:
    # a short window: the task table is taller than its box, which scrolls under its header
    page = browser.new_page(viewport={"width": 1000, "height": 260})
    try:
        page.goto(served.url + "#view=tasks&model=X")
        page.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)
        box = page.query_selector("#task-table").evaluate_handle("t => t.parentElement")
        assert box.evaluate("b => b.scrollHeight > b.clientHeight"), "the table fits its box"
        box.evaluate("b => b.scrollTo(0, b.scrollHeight)")
        page.wait_for_timeout(100)
        head = page.eval_on_selector("#task-table thead th", "th => th.getBoundingClientRect().top")
        top = box.evaluate("b => b.getBoundingClientRect().top")
        first = page.eval_on_selector("#task-table tbody tr", "r => r.getBoundingClientRect().top")
        assert abs(head - top) <= 1 and first < top, (head, top, first)
    finally:
        page.close()
