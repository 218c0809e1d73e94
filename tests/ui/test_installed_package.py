"""The package as a user installs it: the sdist and the wheel are built from the checkout
(`python -m build`: the wheel is built from the sdist, so a file missing from either fails
here), installed into a fresh virtual environment with no source tree on the path, and used
there: `jarri --version`, `jarri suites list`, a rebuild of a hand-written ledger plus the
original project's artifacts, and the UI served by the installed `jarri serve` and opened
in headless Chromium.

An editable install (what the README's commands use) reads every file from the checkout,
so only this test sees package data that the wheel leaves out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.ui.conftest import PANELS, each_view, open_page

from conftest import FIXTURES, REPO, SHARED_UPSTREAM
from handledger import hand_records


def _env() -> dict[str, str]:
    """The environment of a user's shell: nothing pointing into the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, f"{' '.join(args)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _source_copy(dest: Path) -> Path:
    """The files git would commit (tracked, and untracked ones it does not ignore), so the
    build sees what a clean clone has and never writes into the checkout."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True, check=True)
    for rel in filter(None, listed.stdout.decode().split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel, sdist) built from a copy of the checkout."""
    root = tmp_path_factory.mktemp("dist")
    src = _source_copy(root / "src")
    out = root / "out"
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(src)], cwd=root)
    wheels, sdists = list(out.glob("jarri-*.whl")), list(out.glob("jarri-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return wheels[0], sdists[0]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(root / "v")], cwd=root)
    return root / "v"


def _check_installed(browser: Browser, venv: Path, work: Path) -> None:
    jarri = str(venv / "bin" / "jarri")
    # the module comes from the venv, not from the checkout
    where = _run([str(venv / "bin" / "python"), "-c", "import jarri; print(jarri.__file__)"],
                 cwd=work).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    assert re.search(r"\d+\.\d+\.\d+", _run([jarri, "--version"], cwd=work).stdout)
    listed = _run([jarri, "suites", "list"], cwd=work).stdout
    assert "smoke_v1" in listed and "fact_prose_v2" in listed

    ws = work / "ws"
    ledger = ws / "benchmarks" / "e1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"".join(r.to_line() for r in hand_records()))
    upstream = SHARED_UPSTREAM if SHARED_UPSTREAM.is_dir() else FIXTURES / "upstream_import"
    r = _run([jarri, "rebuild", "-q", "-w", str(ws), "--import-jarri", str(upstream)], cwd=work)
    used = re.search(r"(\d+) used", r.stdout)
    assert used and int(used.group(1)) > len(hand_records()), r.stdout  # imported rows too
    data = ws / "benchmark_ui" / "data"
    assert (data / "duckdb_model_rankings.json").is_file()
    assert (ws / "benchmark_ui" / "index.html").is_file()

    serve = subprocess.Popen([jarri, "serve", "-w", str(ws), "--port", "0"], cwd=work,
                             env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m and m.group(1) != "0", line + (serve.stderr.read() if serve.stderr else "")
        page, problems = open_page(browser, f"{m.group(0)}index.html")
        try:
            seen = []
            for view, shown in each_view(page):
                for pid in shown:
                    text = page.inner_text(f"section#{pid}")
                    assert text.strip() and "undefined" not in text and "NaN" not in text, pid
                if view == "models":
                    # the hand ledger's models and an imported original model reach the page
                    models = page.inner_text("section#models")
                    assert "A" in models and "B" in models
                seen += shown
            assert sorted(seen) == sorted(PANELS)
            assert problems == []
        finally:
            page.close()
    finally:
        serve.terminate()
        serve.communicate(timeout=10)  # reaps it and closes both pipes


@pytest.fixture(scope="module")
def installed_wheel(dist: tuple[Path, Path], venv: Path) -> Iterator[Path]:
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(dist[0])],
         cwd=venv.parent)
    yield venv


def test_the_built_wheel_rebuilds_and_serves(browser: Browser, installed_wheel: Path,
                                             tmp_path: Path) -> None:
    _check_installed(browser, installed_wheel, tmp_path)


def test_the_sdist_rebuilds_and_serves(browser: Browser, installed_wheel: Path,
                                       dist: tuple[Path, Path], tmp_path: Path) -> None:
    # the same venv (its dependencies are installed); jarri itself replaced by the sdist's
    _run([str(installed_wheel / "bin" / "python"), "-m", "pip", "install", "--quiet",
          "--force-reinstall", "--no-deps", str(dist[1])], cwd=tmp_path)
    _check_installed(browser, installed_wheel, tmp_path)
