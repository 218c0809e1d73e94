"""The recommendation view: the configurations that meet the user's bar, ranked by energy
per passed answer (or score per Wh), with the rebuild's intervals, ties within error shown
as ties, one sentence against the default limit; numbers equal duckdb_model_tdp.json and
hand computation; the whole question in at most three actions; the view in the URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, after_render, build_workspace, open_page

from handledger import rec

TASKS = ["t1", "t2", "t3", "t4"]


def ledger() -> bytes:
    """X at the card's own limit (100 J a run), at 80 (150 W: 60-66 J) and 60 (150 W:
    50-80 J), every answer right; Y at its own limit passes half (40 J a run)."""
    plan = [("X", None, [100] * 4, [100, 100, 100, 100]),
            ("X", "80", [100] * 4, [60, 62, 64, 66]),
            ("X", "60", [100] * 4, [50, 60, 70, 80]),
            ("Y", None, [100, 0, 100, 0], [40, 40, 40, 40])]
    lines, n = [], 0
    for model, power, scores, joules in plan:
        for task, score, j in zip(TASKS, scores, joules, strict=True):
            n += 1
            lines.append(rec(n, model, task, "G1", power, score=score, energy_j=j,
                             confidence="high", out=10, prompt=5, eval_s=1.0,
                             wall_s=1.0).to_line())
    return b"".join(lines)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    ws = build_workspace(tmp_path_factory.mktemp("ui-recommend"),
                         ledgers={"benchmarks/e1/llm_benchmark_runs.jsonl": ledger()})
    s = Served(ws)
    yield s
    s.close()


def rows(page: Page) -> list[dict[str, str]]:
    out = []
    for tr in page.query_selector_all("#recommend-table tbody tr"):
        out.append({td.get_attribute("data-key"): td.inner_text()
                    for td in tr.query_selector_all("td")})
    return out


def view(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


def test_configurations_ranked_by_energy_per_passed_answer_equal_the_json(
        browser: Browser, served: Served) -> None:
    page, problems = open_page(browser, served.url)
    shown = rows(page)
    surface = json.loads((served.ws.ui_data / "duckdb_model_tdp.json").read_text())
    by_config = {(r["model"], r["power_applied_w"]): r for r in surface["rows"]}
    # by hand: energy per passed answer = B(energy) / B(passed)
    assert by_config[("X", 200.0)]["energy_per_success_j"] == 63.0
    assert by_config[("X", 150.0)]["energy_per_success_j"] == 65.0
    assert by_config[("X", None)]["energy_per_success_j"] == 100.0
    assert by_config[("Y", None)]["energy_per_success_j"] == 80.0
    assert [(r["model"], r["power_applied_w"].split(" (")[0]) for r in shown] == \
        [("X", "200 W"), ("X", "150 W"), ("Y", "not set"), ("X", "not set")]
    for r in shown:
        watts = None if r["power_applied_w"] == "not set" else \
            float(r["power_applied_w"].split(" W")[0])
        row = by_config[(r["model"], watts)]
        assert r["energy_per_success_j"].startswith(f"{row['energy_per_success_j']:,.2f} J")
        assert r["avg_score_percent"].startswith(f"{row['avg_score_percent']:,.2f} pts")
    # X at 150 W is within the leader's interval: the same rank, shown as a tie
    assert [r["rank"] for r in shown[:2]] == ["1", "1 (tie)"]
    ci = by_config[("X", 200.0)]["ci95"]["energy_per_success_j"]
    ci2 = by_config[("X", 150.0)]["ci95"]["energy_per_success_j"]
    assert ci[0] <= ci2[1] and ci2[0] <= ci[1]
    assert shown[2]["rank"] == "3"
    assert page.inner_text("#recommend-sentence") == (
        "X at 200 W on Card One: 100.0 ± 0.0 pts, 63.00 J per passed answer — 37 % less "
        "energy per passed answer than at its default limit, the same score within error.")
    assert "80 % of default" in shown[0]["power_applied_w"]
    assert problems == []


def test_the_best_configuration_above_a_bar_in_three_actions(browser: Browser,
                                                             served: Served) -> None:
    page, _ = open_page(browser, served.url)
    # 1: the bar; 2: the value (Enter commits it)
    page.fill("#need-value", "70")
    after_render(page, lambda: page.press("#need-value", "Enter"))
    assert view(page)["need"] == "score:70"
    assert {r["model"] for r in rows(page)} == {"X"}  # Y scores 50
    assert page.inner_text("#recommend-sentence").startswith("X at 200 W on Card One")
    # a success-rate bar: Y passes 50 % of its graded runs
    after_render(page, lambda: page.select_option("#need-kind", "success"))
    page.fill("#need-value", "40")
    after_render(page, lambda: page.press("#need-value", "Enter"))
    assert view(page)["need"] == "success:40"
    assert "Y" in {r["model"] for r in rows(page)}
    # ranked by score per Wh instead (higher first)
    after_render(page, lambda: page.select_option("#rank-by", "wh"))
    assert view(page)["rank"] == "wh"
    wh = [r["score_per_wh"] for r in rows(page)]
    values = [float(v.split(" ")[0].replace(",", "")) for v in wh]
    assert values == sorted(values, reverse=True)
    # the URL reproduces the view in a fresh page
    again, _ = open_page(browser, page.url)
    assert rows(again) == rows(page)


def test_a_bar_nobody_meets_says_so(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#need=score:101")
    text = page.inner_text("section#recommend")
    assert "No configuration meets the bar" in text and "4 of 4" in text


def test_gpu_and_model_filters_narrow_the_candidates(browser: Browser, served: Served,
                                                     artifacts: Path) -> None:
    page, _ = open_page(browser, served.url + "#q=Y")
    assert [r["model"] for r in rows(page)] == ["Y"]
    # the best is at the card's default limit: nothing to compare it with, and no "0 % less"
    assert page.inner_text("#recommend-sentence") == (
        "Y at the card's own limit on Card One: 50.0 ± 50.0 pts, 80.00 J per passed answer, "
        "at the card's default limit.")
    # a model never run at its default limit says so (the panel's own function, in the page)
    text = page.evaluate("""async () => (await import('./panels/recommend.js')).sentence(
        {model: 'Z', gpu_key: 'g', gpu_name: 'G', power_applied_w: 150,
         power_percent_of_default: 60, avg_score_percent: 80, energy_per_success_j: 10,
         ci95: null}, [], 'energy_per_success_j')""")
    assert text == ("Z at 150 W on G: 80.00 pts, 10.00 J per passed answer (no runs of it at "
                    "the card's default limit to compare with).")
    page.query_selector("section#recommend").screenshot(path=str(artifacts / "recommend.png"))
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(served.url)
    phone.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)
    phone.query_selector("section#recommend").screenshot(
        path=str(artifacts / "recommend_phone.png"))
    phone.close()
