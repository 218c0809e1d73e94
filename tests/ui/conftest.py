"""Browser tests: the real UI served on 127.0.0.1 by jarri's own server, driven by Playwright
in Debian's headless Chromium, over surfaces produced by the real rebuild."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from jarri.commands.rebuild import install_ui
from jarri.paths import Workspace
from jarri.rebuild.build import rebuild
from jarri.serve import make_server

CHROMIUM = os.environ.get("JARRI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/test.sh (it installs "
                    "Debian's chromium) or set JARRI_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def build_workspace(root: Path, *, ledgers: dict[str, bytes] | None = None,
                    imports: list[Path] | None = None) -> Workspace:
    ws = Workspace(root)
    for rel, data in (ledgers or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    rebuild(ws, import_paths=imports or [])
    install_ui(ws)
    return ws


class Served:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.server = make_server(ws.ui, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/index.html"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(url)
    wait_ready(page)
    return page, problems


def wait_ready(page: Page) -> None:
    """Until the view the URL names is drawn with all its surfaces (data-complete)."""
    page.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)


# Which view (the URL's "view", a link in the nav) shows which panel: a master table and its
# detail share one.
VIEW_OF = {"recommend": "recommend", "overview": "overview", "models": "models",
           "model-detail": "models", "compare": "compare", "model-pairs": "model-pairs",
           "task-registry": "tasks", "task-ranking": "tasks", "model-task": "model-task",
           "model-power": "model-power", "drilldown": "drilldown", "failures": "failures",
           "pareto": "pareto", "raw": "raw"}
PANELS = list(VIEW_OF)


def current_view(page: Page) -> str:
    return str(page.evaluate("document.body.dataset.view || ''"))


def goto_view(page: Page, view: str) -> None:
    """Open a view as a user does, by its link in the nav, and wait until it is drawn."""
    if current_view(page) == view:
        return
    before = renders(page)
    page.click(f"nav a[data-view='{view}']")
    page.wait_for_function(
        f"document.body.dataset.view === {view!r} && document.body.dataset.complete === '1'"
        f" && Number(document.body.dataset.renders || 0) > {before}", timeout=15000)


def goto_panel(page: Page, panel: str) -> None:
    goto_view(page, VIEW_OF[panel])


def nav_views(page: Page) -> list[str]:
    return list(page.eval_on_selector_all("nav a[data-view]", "as => as.map(a => a.dataset.view)"))


def each_view(page: Page) -> Iterator[tuple[str, list[str]]]:
    """Every view in the nav's order, opened by its link: (view, the panels it shows)."""
    for view in nav_views(page):
        goto_view(page, view)
        yield view, list(page.eval_on_selector_all("main section.panel",
                                                   "els => els.map(e => e.id)"))


def renders(page: Page) -> int:
    return int(page.evaluate("Number(document.body.dataset.renders || 0)"))


def after_render(page: Page, action) -> None:  # noqa: ANN001
    """Do something that changes the view, and wait until the page has re-rendered."""
    before = renders(page)
    action()
    page.wait_for_function(f"Number(document.body.dataset.renders || 0) > {before}",
                           timeout=15000)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS
