"""The failure surface: a chosen model's failures down to one failed answer in three actions,
its types and subtypes chosen by click (in the URL), representative failures taken from every
task in turn, a failed-only filter in the drilldown, the documented meaning of a hard failure,
and imported runs that say why they did not pass."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, after_render, build_workspace, goto_view, open_page

from handledger import hand_records, rec


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    imported = rec(9, "C", "t1", "G1", None, score=50, energy_j=None, confidence="unmeasured",
                   out=5, prompt=5, eval_s=1.0, wall_s=1.0, imported_from="jarri_original",
                   failure_stage="semantic", failure_type="wrong_answer")
    records = [*hand_records(), imported]
    ws = build_workspace(tmp_path_factory.mktemp("ui-failures"), ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in records)})
    s = Served(ws)
    yield s
    s.close()


def view(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


def test_a_models_failure_down_to_its_answer_in_three_actions(browser: Browser,
                                                               served: Served) -> None:
    page, problems = open_page(browser, served.url)
    assert view(page)["model"] != "B"
    # 1: the failures view; 2: choose the model; 3: one of its failures: the run is shown
    # with its answer
    goto_view(page, "failures")
    after_render(page, lambda: page.select_option("#failure-model", "B"))
    link = page.query_selector("#failure-examples li a")
    assert link is not None and link.inner_text().startswith("B × ")
    after_render(page, lambda: link.click())
    st = view(page)
    assert st["model"] == "B" and st["run"] and st["view"] == "drilldown"
    card = page.wait_for_selector(f"#runs article.run[data-run='{st['run']}']")
    assert "highlighted" in (card.get_attribute("class") or "")
    assert "empty_output" in card.inner_text()
    assert problems == []


def test_types_and_subtypes_are_chosen_by_click_and_kept_in_the_url(browser: Browser,
                                                                    served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=failures&model=A&task=e1%2Ft1")
    types = [b.get_attribute("data-name") for b in page.query_selector_all("#failure-types button")]
    assert set(types) == {"semantic/wrong_answer", "transport/server_error"}
    subtypes = page.inner_text("#failure-subtypes")
    assert "answer_matches" in subtypes and "server_error" in subtypes
    server = "#failure-types button[data-name='transport/server_error']"
    after_render(page, lambda: page.click(server))
    assert view(page)["ftype"] == "transport/server_error"
    rows = [tr.get_attribute("data-row")
            for tr in page.query_selector_all("#failure-table tbody tr")]
    assert rows == ['["A","e1/t2"]']
    assert page.query_selector("#failure-table th[data-key='chosen']") is not None
    assert page.query_selector(server).get_attribute("aria-pressed") == "true"
    examples = page.inner_text("#failure-examples")
    assert "server_error" in examples and "wrong_answer" not in examples
    after_render(page, lambda: page.click("#failure-clear"))
    assert "ftype" not in view(page)
    after_render(page, lambda: page.click("#failure-subtypes button[data-name='answer_matches']"))
    assert view(page)["fsub"] == "answer_matches"
    rows = {tr.get_attribute("data-row")
            for tr in page.query_selector_all("#failure-table tbody tr")}
    assert rows == {'["A","e1/t1"]', '["B","e1/t1"]'}


def test_representative_failures_come_from_every_task_in_turn(browser: Browser,
                                                              served: Served) -> None:
    page, _ = open_page(browser, served.url)
    picked = page.evaluate("""async () => {
      const { roundRobin } = await import('./panels/failures.js');
      const ex = [];
      for (const [task, n] of [["b", 5], ["a", 1], ["c", 3]])
        for (let i = 0; i < n; i++) ex.push({ task_key: task, run_id: `${task}${i}` });
      return roundRobin(ex, 6).map((e) => e.run_id);
    }""")
    assert picked == ["a0", "b0", "c0", "b1", "c1", "b2"]


def test_failed_runs_only_and_the_documented_hard_failure(browser: Browser,
                                                          served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=drilldown&model=A&task=e1%2Ft1")
    page.wait_for_selector("#runs article.run")
    assert len(page.query_selector_all("#runs article.run")) == 2
    after_render(page, lambda: page.check("#failed-only"))
    assert view(page)["failed"] == "1"
    page.wait_for_selector("#runs article.run")
    cards = page.query_selector_all("#runs article.run")
    assert len(cards) == 1 and "wrong_answer" in cards[0].inner_text()
    goto_view(page, "failures")
    title = page.get_attribute("#failure-table th[data-key='hard_failure_rate']", "title")
    assert "zero credit" in title and "transport, generation, format, parse or execute" in title


def test_an_imported_run_says_why_it_did_not_pass(browser: Browser, served: Served) -> None:
    page, _ = open_page(browser, served.url + "#view=drilldown&model=C&task=e1%2Ft1")
    card = page.wait_for_selector("#runs article.run")
    assert "the original project had no pass threshold" in card.inner_text()
    page2, _ = open_page(browser, served.url + "#view=drilldown&model=A&task=e1%2Ft1&failed=1")
    mine = page2.wait_for_selector("#runs article.run")
    assert "not passed" in mine.inner_text() and "pass threshold" not in mine.inner_text()
