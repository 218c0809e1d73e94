"""Every table sorts (its sort in the URL), by mouse or keyboard; "higher is better" columns
sort descending on the first click; rows are chosen with Enter; the defaults the page picks
are in the URL, so a later change keeps them; power levels read as what was asked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import (
    Served,
    after_render,
    build_workspace,
    each_view,
    goto_view,
    open_page,
    wait_ready,
)

from conftest import REPO
from handledger import hand_records


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ui-tables")
    ws = build_workspace(root, ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(x.to_line() for x in hand_records())})
    served = Served(ws)
    yield served
    served.close()


def view(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


def test_the_default_selection_is_in_the_url_and_survives_the_next_change(
        browser: Browser, hand: Served) -> None:
    page, problems = open_page(browser, hand.url)
    assert view(page).get("model") and view(page)["view"] == "recommend", page.url
    # the task, once a view that shows one is open
    goto_view(page, "models")
    first = view(page)
    assert first.get("model") and first.get("task"), page.url
    assert "Selected model: " in page.inner_text("section#model-detail")
    after_render(page, lambda: page.select_option("#f-family", "fact"))
    later = view(page)
    assert later["model"] == first["model"] and later["task"] == first["task"]
    assert later["family"] == "fact"
    assert "Select a model" not in page.inner_text("section#model-detail")
    # the URL copied now reproduces the view in a fresh page
    again, _ = open_page(browser, page.url)
    assert view(again) == later
    assert again.inner_text("section#model-detail") == page.inner_text("section#model-detail")
    assert problems == []


def test_every_table_sorts_and_keeps_its_sort_in_the_url(browser: Browser,
                                                         hand: Served) -> None:
    page, problems = open_page(browser, hand.url + "#cmp=A,B")
    ids = []
    for _, _shown in each_view(page):
        here = page.eval_on_selector_all("table.data[id]", "ts => ts.map(t => t.id)")
        ids += here
        sort_each(page, here)
    assert len(ids) >= 8, ids
    # every sort at once survives a reload
    again, _ = open_page(browser, page.url)
    sorts = {p.split(":")[0]: p for p in view(page)["ts"].split(";")}
    assert set(sorts) == set(ids) - {"model-table"}
    for _, _shown in each_view(again):
        for tid in again.eval_on_selector_all("table.data[id]", "ts => ts.map(t => t.id)"):
            if tid == "model-table":
                continue
            _, key, direction = sorts[tid].split(":")
            th = again.query_selector(f"#{tid} thead th[data-key='{key}']")
            assert th.get_attribute("aria-sort") == \
                ("descending" if direction == "desc" else "ascending"), sorts[tid]
    assert problems == []


def sort_each(page: Page, ids: list[str]) -> None:
    for tid in ids:
        header = page.query_selector(f"#{tid} thead th:not([aria-sort='ascending']):not("
                                     f"[aria-sort='descending'])")
        assert header is not None, tid
        key = header.get_attribute("data-key")
        after_render(page, lambda h=header: h.query_selector("button").click())
        th = page.query_selector(f"#{tid} thead th[data-key='{key}']")
        assert th.get_attribute("aria-sort") in ("ascending", "descending"), tid
        st = view(page)
        if tid == "model-table":
            assert st["sort"].startswith(f"{key}:")
        else:
            assert f"{tid}:{key}:" in st["ts"], (tid, st)


def test_higher_is_better_sorts_descending_first_and_lower_ascending(
        browser: Browser, hand: Served) -> None:
    page, _ = open_page(browser, hand.url + "#view=models")
    after_render(page, lambda: page.click("#model-table th[data-key='success_rate'] button"))
    assert view(page)["sort"] == "success_rate:desc"
    after_render(page, lambda: page.click("#model-table th[data-key='avg_energy_j'] button"))
    assert view(page)["sort"] == "avg_energy_j:asc"
    after_render(page, lambda: page.click("#model-table th[data-key='avg_energy_j'] button"))
    assert view(page)["sort"] == "avg_energy_j:desc"
    after_render(page, lambda: page.click("#model-table th[data-key='model'] button"))
    assert view(page)["sort"] == "model:asc"


def test_sorting_and_choosing_a_row_by_keyboard(browser: Browser, hand: Served,
                                                artifacts: Path) -> None:
    page, _ = open_page(browser, hand.url + "#view=models&model=A")
    page.focus("#model-table th[data-key='runs'] button")
    after_render(page, lambda: page.keyboard.press("Enter"))
    assert view(page)["sort"] == "runs:asc"
    assert page.evaluate("document.activeElement.tagName") in ("BODY", "BUTTON")
    row = page.query_selector("#model-table tbody tr[data-row='B']")
    assert row.get_attribute("tabindex") == "0" and row.get_attribute("aria-selected") == "false"
    row.focus()
    after_render(page, lambda: page.keyboard.press("Enter"))
    assert view(page)["model"] == "B"
    chosen = page.query_selector("#model-table tbody tr[data-row='B']")
    assert chosen.get_attribute("aria-selected") == "true"
    page.focus("#model-table tbody tr[data-row='A']")
    after_render(page, lambda: page.keyboard.press(" "))
    assert view(page)["model"] == "A"
    page.query_selector("section#models").screenshot(path=str(artifacts / "tables_keyboard.png"))


def test_power_levels_read_as_what_was_asked(browser: Browser, hand: Served) -> None:
    page, _ = open_page(browser, hand.url + "#view=model-power&model=A")
    text = page.inner_text("section#model-power")
    goto_view(page, "tasks")
    text += page.inner_text("section#task-ranking")
    assert "80 % of default" in text and "144 W asked" in text
    assert "(80)" not in text and "(144w)" not in text


HEAVY = ["duckdb_model_task_tdp.json", "duckdb_task_rankings.json", "duckdb_pareto_frontiers.json",
         "duckdb_failure_surfaces.json", "failures/by_model_task_tdp.json",
         "comparisons/model_pairs.json", "runs/index.json"]


def test_each_view_loads_only_the_surfaces_it_reads(browser: Browser, hand: Served) -> None:
    """The first screen is drawn from the small surfaces alone; another view fetches what it
    reads when it is first opened (saying "Loading" until then), and only once."""
    page = browser.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url.rsplit("/data/", 1)[-1])
            if "/data/" in r.url else None)
    held: list = []
    gate = {"open": False}

    def hold(route):  # noqa: ANN001, ANN202 - the failure surface waits until released
        if gate["open"]:
            route.continue_()
        else:
            held.append(route)

    page.route("**/data/failures/by_model_task_tdp.json", hold)
    try:
        page.goto(hand.url + "#model=A&task=e1%2Ft1")
        wait_ready(page)
        assert page.query_selector("#recommend-table tbody tr") is not None
        assert not [f for f in seen if f in HEAVY], seen
        goto_view(page, "overview")
        assert page.inner_text("section#overview dd[data-fact='models']") == "2"
        assert page.inner_text("section#overview dd[data-fact='tasks']") == "2"
        assert not [f for f in seen if f in HEAVY], seen
        page.click("nav a[data-view='failures']")
        page.wait_for_function("document.body.dataset.view === 'failures' || "
                               "document.body.dataset.complete === '0'")
        assert page.get_attribute("body", "data-complete") == "0"
        assert page.inner_text("section#failures").endswith("Loading …")
        gate["open"] = True
        for route in held:
            route.continue_()
        wait_ready(page)
        assert page.query_selector("#failure-table") is not None
        assert sorted(f for f in seen if f in HEAVY) == \
            ["duckdb_failure_surfaces.json", "failures/by_model_task_tdp.json"]
        goto_view(page, "pareto")
        assert "duckdb_pareto_frontiers.json" in seen and "duckdb_task_rankings.json" not in seen
        goto_view(page, "failures")  # already loaded: fetched once
        assert seen.count("failures/by_model_task_tdp.json") == 1
    finally:
        page.close()


SMALL = {"data_index.json", "duckdb_model_rankings.json", "duckdb_model_tdp.json",
         "duckdb_task_registry.json", "registries/gpus.json", "registries/models.json",
         "verification/quarantine.json"}


def documented_views() -> dict[str, dict[str, set[str]]]:
    """docs/ui.md's table of panels: {view: {"panels": ids, "reads": surface files}}."""
    out: dict[str, dict[str, set[str]]] = {}
    text = (REPO / "docs" / "ui.md").read_text(encoding="utf-8")
    for m in re.finditer(r"^\| `([a-z-]+)`: [^|]*\(`([a-z-]+)`\) \|[^|]*\|([^|]*)\|$", text,
                         re.MULTILINE):
        view, panel, reads = m.groups()
        files = set(re.findall(r"`([a-z_/]+\.json)`", reads))
        if re.search(r"\bcells\b", reads):
            files.add("duckdb_model_task_tdp.json")
        if "run pages" in reads or "runs/" in reads:
            files.add("runs/*")
        entry = out.setdefault(view, {"panels": set(), "reads": set()})
        entry["panels"].add(panel)
        entry["reads"] |= files
    return out


def test_each_view_reads_what_the_docs_say(browser: Browser, hand: Served) -> None:
    docs = documented_views()
    page, _ = open_page(browser, hand.url)
    views = page.eval_on_selector_all("nav a[data-view]", "as => as.map(a => a.dataset.view)")
    page.close()
    assert set(views) == set(docs) and len(views) >= 12, (views, sorted(docs))
    for view in views:
        page = browser.new_page()
        seen: set[str] = set()
        page.on("request", lambda r, seen=seen: seen.add(r.url.rsplit("/data/", 1)[-1])
                if "/data/" in r.url else None)
        try:
            page.goto(hand.url + f"#view={view}&model=A&task=e1%2Ft1&cmp=A,B&ctask=e1%2Ft1"
                      "&raw=duckdb_model_rankings.json")
            wait_ready(page)
            page.wait_for_function(
                "!document.querySelector('p.loading, #raw-tree > p:not(.empty)')", timeout=15000)
            shown = set(page.eval_on_selector_all("main section.panel", "es => es.map(e => e.id)"))
            assert shown == docs[view]["panels"], view
            allowed = SMALL | docs[view]["reads"]
            extra = {f for f in seen - allowed
                     if not (f.startswith("runs/") and "runs/*" in allowed)
                     and not (view == "raw" and f == "duckdb_model_rankings.json")}
            assert extra == set(), (view, extra)
        finally:
            page.close()
