"""Accessibility: axe-core (from npm, installed by scripts/test.sh, injected into the page)
finds no critical and no serious violation on any panel, at desktop and phone widths, on the
hand-written ledger (a selected model, task, run and raw file) and on hostile strings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import PANELS, Served, build_workspace, each_view, open_page

from conftest import REPO
from handledger import hand_records, rec

AXE = Path(os.environ.get("JARRI_AXE", REPO / ".venv" / "ui-node" / "node_modules" / "axe-core"
                          / "axe.min.js"))
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
EVIL = '<script>window.__pwned=1</script>"quoted"'


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run scripts/test.sh (it installs it "
                    "from npm) or set JARRI_AXE to axe.min.js")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ui-a11y")
    records = [*hand_records(),
               rec(6, EVIL, '<img src=x onerror="window.__pwned=2">', "G1", "80", score=100,
                   energy_j=10, confidence="high", out=5, prompt=5, eval_s=1.0, wall_s=1.0,
                   error="E" * 3000)]
    ws = build_workspace(root, ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in records)})
    served = Served(ws)
    yield served
    served.close()


def violations(page: Page, axe: str, selector: str) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=axe)
    found = page.evaluate("(sel) => axe.run(document.querySelector(sel), "
                          "{resultTypes: ['violations']})", selector)
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in found["violations"] if v["impact"] in ("critical", "serious")]


def settle(page: Page, view: str) -> None:
    """Wait for what a view loads after it is drawn (run pages, a raw file)."""
    if view == "drilldown":
        page.wait_for_selector("#runs article.run, #runs p.empty", timeout=15000)
    if view == "raw" and "raw=" in page.url:
        page.wait_for_selector("#raw-tree details, #raw-tree .leaf", timeout=15000)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("start", ["#model=A&task=e1%2Ft1&raw=duckdb_model_rankings.json&cmp=A,B",
                                   f"#model={EVIL.replace('<', '%3C').replace('>', '%3E')}"])
def test_no_critical_or_serious_violation_on_any_panel(browser: Browser, hand: Served,
                                                       axe_source: str, size: str,
                                                       start: str, artifacts: Path) -> None:
    page = browser.new_page(viewport=SIZES[size])
    try:
        page.goto(hand.url + start)
        page.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)
        problems: dict[str, list[str]] = {}
        seen = []
        for view, shown in each_view(page):
            settle(page, view)
            for pid in shown:
                problems[pid] = violations(page, axe_source, f"section#{pid}")
                if "task=" in start:  # a screenshot of every panel at this size
                    page.add_style_tag(content="header { position: static !important; }")
                    page.query_selector(f"section#{pid}").screenshot(
                        path=str(artifacts / f"{size}_{pid}.png"))
            seen += shown
            assert page.evaluate("window.__pwned") is None
        assert sorted(seen) == sorted(PANELS)
        problems["header"] = violations(page, axe_source, "header")  # nav and filters
        assert {k: v for k, v in problems.items() if v} == {}
    finally:
        page.close()


def test_charts_and_scrolling_panels_have_text_alternatives_and_keyboard_access(
        browser: Browser, hand: Served) -> None:
    page, _ = open_page(browser, hand.url + "#model=A&task=e1%2Ft1")
    charts = 0
    controls = set()
    for _, shown in each_view(page):
        for svg in page.query_selector_all("svg.chart"):
            label = svg.get_attribute("aria-label") or ""
            assert svg.get_attribute("role") == "img" and " against " in label, label
            charts += 1
        for pid in shown:
            section = page.query_selector(f"section#{pid}")
            assert section.get_attribute("tabindex") == "0"
            assert page.inner_text(f"#{section.get_attribute('aria-labelledby')}").strip()
        for control in page.query_selector_all("select, input"):
            # a name: aria-label, or a <label> around it or for it
            named = control.get_attribute("aria-label") \
                or control.evaluate("e => e.labels.length")
            assert named, control.get_attribute("id")
            controls.add(control.get_attribute("id"))
    assert charts, "no chart rendered"
    assert len(controls) >= 7
