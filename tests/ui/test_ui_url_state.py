"""A URL copied after any sequence of actions reproduces the same view in a fresh browser:
random sequences of sorts, filters, selections, bars, comparisons and failure choices (seeded,
so a failure reproduces), each followed by a fresh page on the copied URL."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, after_render, build_workspace, open_page

from handledger import hand_records


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    ws = build_workspace(tmp_path_factory.mktemp("ui-url"), ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in hand_records())})
    s = Served(ws)
    yield s
    s.close()


def actions(page: Page, rng: random.Random, steps: int) -> list[tuple[str, Callable[[], None]]]:
    """The actions possible now (each changes the view); Back while there is a step to undo."""
    out: list[tuple[str, Callable[[], None]]] = []
    views = page.eval_on_selector_all("nav a[data-view]:not([aria-current])",
                                      "as => as.map(a => a.dataset.view)")
    for _ in range(3):  # as likely as the rest together: the other actions need their view
        v = rng.choice(views)
        out.append((f"view={v}", lambda v=v: page.click(f"nav a[data-view='{v}']")))
    if steps > 0:
        out.append(("back", page.go_back))
    headers = page.query_selector_all("table.data[id] thead th")
    if headers:
        th = rng.choice(headers)
        out.append(("sort", th.click))
    rows = page.query_selector_all("table.data.selectable tbody tr")
    if rows:
        out.append(("select", rng.choice(rows).click))
    for sel in ("#f-family", "#f-gpu", "#f-power", "#need-kind", "#rank-by", "#failure-model"):
        if page.query_selector(sel) is None:  # on another view
            continue
        values = page.eval_on_selector_all(f"{sel} option", "os => os.map(o => o.value)")
        current = page.eval_on_selector(sel, "s => s.value")
        others = [v for v in values if v != current]
        if others:
            choice = rng.choice(others)
            out.append((f"{sel}={choice}", lambda s=sel, c=choice: page.select_option(s, c)))
    boxes = page.query_selector_all("#compare-models input[type=checkbox]:not([disabled])")
    if boxes:
        out.append(("compare", rng.choice(boxes).click))
    chips = page.query_selector_all("#failure-types button, #failure-subtypes button")
    if chips:
        out.append(("failure", rng.choice(chips).click))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_a_copied_url_reproduces_the_view(browser: Browser, served: Served, seed: int) -> None:
    rng = random.Random(seed)
    page, problems = open_page(browser, served.url)
    done: list[str] = []
    steps = 0
    for _ in range(10):
        name, act = rng.choice(actions(page, rng, steps))
        after_render(page, act)
        done.append(name)
        steps += -1 if name == "back" else 1
    fresh, fresh_problems = open_page(browser, page.url)
    for p in (page, fresh):  # the runs and answers that load on demand, loaded
        p.wait_for_function("!document.querySelector('#runs p.loading, #compare-answers "
                            "p.loading, #raw-tree > p:not(.empty)')", timeout=15000)
    assert fresh.url == page.url, done
    assert fresh.inner_text("main") == page.inner_text("main"), done
    assert problems == [] and fresh_problems == []
