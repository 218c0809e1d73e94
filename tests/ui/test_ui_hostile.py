"""Hostile strings in every free-text field a record accepts, in answers and in lines the
rebuild quarantines: every view, every row a user can click, the failure and compare choices
— nothing runs, nothing is parsed as HTML, names that are also JavaScript property names
(__proto__, constructor) are models like any other, and the strings are shown as written."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page
from tests.ui.conftest import Served, after_render, build_workspace, each_view, goto_view, open_page

from handledger import rec
from jarri.ledger.record import RunRecord

# Each is a class of attack, not one string: markup in text and in attributes, a URL scheme,
# template syntax, CSS, a spreadsheet formula, object-prototype names, a right-to-left
# override and control characters, percent-encoding that a careless decode would turn into
# markup, and a very long string.
PAYLOADS = [
    '<script>window.__pwned="script"</script>',
    '<img src=x onerror="window.__pwned=\'img\'">',
    '"><svg onload="window.__pwned=\'svg\'">',
    "javascript:window.__pwned='href'",
    "{{constructor.constructor('window.__pwned=1')()}}",
    "</style><style>body{display:none}</style>",
    '=HYPERLINK("http://x","y")',
    "__proto__",
    "constructor",
    "a\u202etxt.exe\nline\ttab\r",
    "%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D2%3E",
    "L" * 3000,
]
# Fields that must keep their meaning for the rebuild to use the run at all.
KEEP = {"run_id", "run_key", "supersedes", "imported_from", "answer_file", "power_limit_request",
        "answer_sha256", "thinking_sha256", "energy_method", "failure_stage", "failure_type",
        "prompt_sha256", "experiment_id", "task_id", "sweep_id"}
TEXT_FIELDS = [n for n, f in RunRecord.model_fields.items()
               if "str" in str(f.annotation) and "Literal" not in str(f.annotation)
               and "list" not in str(f.annotation) and "dict" not in str(f.annotation)
               and n not in KEEP]


def hostile_records(root: Path) -> list[RunRecord]:
    out = []
    store = root / "benchmarks" / "e1" / "outputs"
    for i, evil in enumerate(PAYLOADS, start=1):
        answer = f"Answer: {evil}\n<b>bold</b> {evil}"
        sha = hashlib.sha256(answer.encode()).hexdigest()
        (store / sha[:2]).mkdir(parents=True, exist_ok=True)
        (store / sha[:2] / f"{sha}.txt").write_text(answer, encoding="utf-8")
        over = {name: evil for name in TEXT_FIELDS if name not in ("model", "task_name")}
        if i % 3 == 1:  # the runs of t1 share one task version (the evaluator is part of it)
            over.pop("evaluator")
        failed = i % 2 == 0
        base = rec(i, evil, f"t{i % 3}", "G1" if i % 2 else "G2", "80" if i % 2 else None,
                   score=0 if failed else 100, energy_j=10.0 * i, confidence="high", out=5,
                   prompt=5, eval_s=1.0, wall_s=1.0, task_name=evil, answer_sha256=sha,
                   **({"failure_stage": "semantic", "failure_type": "wrong_answer",
                       "failure_subtypes": ["answer_matches"]} if failed else {}))
        data = base.model_dump()
        data.update(over)
        out.append(RunRecord(**data))
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("ui-hostile")
    records = hostile_records(root)
    # lines the rebuild refuses: their file, line and reason reach the overview
    junk = [b'<script>window.__pwned="quarantine"</script>\n',
            b'{"schema_version": 1, "model": "<img src=x onerror=window.__pwned=5>"}\n']
    ws = build_workspace(root, ledgers={
        "benchmarks/e1/llm_benchmark_runs.jsonl": b"".join(r.to_line() for r in records)
        + b"".join(junk)})
    s = Served(ws)
    yield s
    s.close()


INERT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'IMG', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE', 'LINK', 'META', 'BASE', 'FORM']
        .includes(el.tagName) && el.closest('main, header')) bad.push(el.tagName);
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(`${el.tagName}[${a.name}]`);
      const link = a.name === 'href' || a.name === 'src';
      if (link && !/^(#|blob:|data:,$)/.test(a.value) && el.closest('main, header'))
        bad.push(`${el.tagName}[${a.name}]=${a.value.slice(0, 40)}`);
    }
  }
  return { bad, pwned: window.__pwned ?? null, title: document.title,
           shown: getComputedStyle(document.body).display };
}"""


def check(page: Page, where: str) -> None:
    if page.query_selector("#runs"):
        page.wait_for_selector("#runs article.run, #runs p.empty", timeout=15000)
    got = page.evaluate(INERT)
    assert got == {"bad": [], "pwned": None, "title": "Jarri Benchmark", "shown": "block"}, where


def test_every_view_and_every_click_stays_inert(browser: Browser, served: Served) -> None:
    page, problems = open_page(browser, served.url)
    text = ""
    views = 0
    for view, _shown in each_view(page):
        views += 1
        check(page, view)
        text += page.inner_text("main")
        # every row a user can click here, a few of each table (a click may open another view)
        for tid in page.eval_on_selector_all("table.selectable[id]", "ts => ts.map(t => t.id)"):
            for n in range(3):
                goto_view(page, view)
                rows = page.query_selector_all(f"#{tid} tbody tr")
                if n >= len(rows) or rows[n].get_attribute("aria-selected") == "true":
                    continue
                after_render(page, rows[n].click)
                check(page, f"{view} {tid} row {n}")
                text += page.inner_text("main")
    assert views >= 12
    for evil in PAYLOADS:  # shown as written (the long one in full somewhere)
        assert evil.strip().split("\n")[0] in text, evil[:40]
    assert not [p for p in problems if p.startswith(("page error", "dialog"))], problems


def test_hostile_choices_in_failures_compare_and_raw(browser: Browser, served: Served) -> None:
    page, problems = open_page(browser, served.url + "#view=failures")
    for evil in PAYLOADS[:4] + ["__proto__", "constructor"]:
        after_render(page, lambda e=evil: page.select_option("#failure-model", e))
        check(page, f"failures of {evil[:20]}")
        for link in page.query_selector_all("#failure-examples li a")[:1]:
            after_render(page, link.click)
            check(page, f"failure example of {evil[:20]}")
            goto_view(page, "failures")
    # two hostile models that share a task (runs 1 and 4 ran t1), their answers side by side
    pair = urlencode({"view": "compare", "cmp": f"{PAYLOADS[0]},{PAYLOADS[3]}"})
    after_render(page, lambda: page.evaluate("h => { location.hash = h; }", pair))
    rows = page.query_selector_all("#compare-table tbody tr")
    assert rows, page.inner_text("section#compare")
    for row in rows[:3]:
        after_render(page, row.click)
        page.wait_for_function("!document.querySelector('#compare-answers p.loading')")
        check(page, "compare answers")
    assert "<b>bold</b>" in page.inner_text("#compare-answers")
    goto_view(page, "raw")
    after_render(page, lambda: page.select_option("#raw-file", "verification/quarantine.json"))
    page.wait_for_selector("#raw-tree details[open]")
    page.fill("#raw-search", "pwned")
    page.dispatch_event("#raw-search", "input")
    assert "match(es)" in page.inner_text("#raw-results")
    check(page, "raw search")
    # the prototype names are models like any other
    goto_view(page, "models")
    for name in ("__proto__", "constructor"):
        assert page.query_selector(f"#model-table tbody tr[data-row='{name}']") is not None
    assert not [p for p in problems if p.startswith(("page error", "dialog"))], problems
