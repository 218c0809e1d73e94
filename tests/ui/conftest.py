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
    """Until every panel is drawn: the first screen comes first (data-ready), the panels
    whose surfaces load behind it when they arrive (data-complete)."""
    page.wait_for_selector("body[data-complete='1']", state="attached", timeout=15000)


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
