"""Accessibility: axe-core (from npm, installed by scripts/test.sh, injected into the page)
finds no critical and no serious violation on any panel, at desktop and phone widths, on the
hand-written ledger (a selected model, task, run and raw file) and on hostile strings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, build_workspace, open_page

from conftest import REPO
from handledger import hand_records, rec

AXE = Path(os.environ.get("JARRI_AXE", REPO / ".venv" / "ui-node" / "node_modules" / "axe-core"
                          / "axe.min.js"))
PANELS = ["recommend", "overview", "models", "model-detail", "compare", "model-pairs",
          "task-registry",
          "task-ranking", "model-task", "model-power", "drilldown", "failures", "pareto", "raw"]
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


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("view", ["#model=A&task=e1%2Ft1&raw=duckdb_model_rankings.json&cmp=A,B",
                                  f"#model={EVIL.replace('<', '%3C').replace('>', '%3E')}"])
def test_no_critical_or_serious_violation_on_any_panel(browser: Browser, hand: Served,
                                                       axe_source: str, size: str,
                                                       view: str, artifacts: Path) -> None:
    page = browser.new_page(viewport=SIZES[size])
    try:
        page.goto(hand.url + view)
        page.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)
        if "task=" in view:
            page.wait_for_selector("#runs article.run", timeout=15000)  # answers loaded
            page.wait_for_selector("#raw-tree details, #raw-tree .leaf", timeout=15000)
        problems = {pid: violations(page, axe_source, f"section#{pid}") for pid in PANELS}
        if "task=" in view:  # a screenshot of every panel at this size
            page.add_style_tag(content="header { position: static !important; }")
            for pid in PANELS:
                page.query_selector(f"section#{pid}").screenshot(
                    path=str(artifacts / f"{size}_{pid}.png"))
        problems["filters"] = violations(page, axe_source, "#filters")
        assert {k: v for k, v in problems.items() if v} == {}
        assert page.evaluate("window.__pwned") is None
    finally:
        page.close()


def test_charts_and_scrolling_panels_have_text_alternatives_and_keyboard_access(
        browser: Browser, hand: Served) -> None:
    page, _ = open_page(browser, hand.url + "#model=A&task=e1%2Ft1")
    for svg in page.query_selector_all("svg.chart"):
        label = svg.get_attribute("aria-label") or ""
        assert svg.get_attribute("role") == "img" and " against " in label, label
    assert page.query_selector_all("svg.chart"), "no chart rendered"
    for pid in PANELS:
        section = page.query_selector(f"section#{pid}")
        assert section.get_attribute("tabindex") == "0"
        assert page.inner_text(f"#{section.get_attribute('aria-labelledby')}").strip()
    controls = page.query_selector_all("select, input")
    assert len(controls) >= 7
    for control in controls:  # a name: aria-label, or a <label> around it or for it
        assert control.get_attribute("aria-label") or control.evaluate("e => e.labels.length"), \
            control.get_attribute("id")
