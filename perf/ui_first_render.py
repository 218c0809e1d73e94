"""Benchmark: first render of the UI in headless Chromium over a large rebuild.

    python perf/ui_first_render.py [--records 100000] [--loads 5] [--dir DIR] [--baseline REV]

Generates (once) a synthetic ledger of N records (perf/gen_ledger.py), rebuilds it, serves
the workspace's benchmark_ui/ on 127.0.0.1, and times, in a fresh browser context each time
(no cache), navigation -> the first screen drawn (body[data-ready]) and -> every panel drawn
(body[data-complete]). With --baseline, the UI of that git revision (src/jarri/ui) is served
over the same data and timed in the same run, alternating with this one; a UI without
data-complete draws everything at once, so its two times are the same. Prints medians.
Target: first screen under 1.5 s at 100,000 runs, and at least 2x faster than the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from jarri.serve import make_server

HERE = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


MARKS = """
new MutationObserver(() => {
  const b = document.body;
  if (b && b.dataset.ready && window.__readyAt === undefined) window.__readyAt = performance.now();
  if (b && b.dataset.complete && window.__completeAt === undefined)
    window.__completeAt = performance.now();
}).observe(document, { attributes: true, subtree: true, childList: true });
"""


def baseline_ui(rev: str, ws: Path) -> Path:
    """That revision's UI files beside this workspace's data (hard links: no copy)."""
    root = Path(tempfile.mkdtemp(prefix="jarri-ui-baseline-"))
    archive = subprocess.run(["git", "archive", rev, "src/jarri/ui"], cwd=HERE.parent,
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    ui = root / "src" / "jarri" / "ui"
    subprocess.run(["cp", "-al", str(ws / "benchmark_ui" / "data"), str(ui / "data")],
                   check=True)
    return ui


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--baseline", help="a git revision whose UI is timed in the same run")
    args = ap.parse_args()
    ws = Path(args.dir) / f"jarri-perf-{args.records}"
    if not (ws / "benchmarks").is_dir():
        subprocess.run([sys.executable, str(HERE / "gen_ledger.py"), str(ws), str(args.records)],
                       check=True)
    subprocess.run([sys.executable, "-m", "jarri", "rebuild", "-q", "-w", str(ws)], check=True,
                   stdout=subprocess.DEVNULL)
    data = ws / "benchmark_ui" / "data"
    core = sum(f.stat().st_size for f in data.glob("*.json"))
    uis = {"this UI": ws / "benchmark_ui"}
    if args.baseline:
        uis = {f"UI at {args.baseline}": baseline_ui(args.baseline, ws), **uis}
    servers = {}
    for name, root in uis.items():
        server = make_server(root, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in uis}
    sections = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("JARRI_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for _ in range(args.loads):
            for name, server in servers.items():  # alternated: load hits both alike
                url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                # The page notes when data-ready and data-complete appear, on its own clock
                # from the navigation's start (a poll from outside waits for a busy thread).
                page.add_init_script(MARKS)
                page.goto(url)
                page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60000)
                if page.evaluate("'phased' in document.body.dataset"):  # draws in two steps
                    page.wait_for_selector("body[data-complete='1']", state="attached",
                                           timeout=60000)
                first, done = page.evaluate("[window.__readyAt, window.__completeAt ?? "
                                            "window.__readyAt]")
                times[name].append((first / 1000, done / 1000))
                sections = page.eval_on_selector_all("section.panel", "els => els.length")
                ctx.close()
        browser.close()
    for server in servers.values():
        server.shutdown()
    print(f"{args.records} runs; top-level surfaces {core / 2**20:.1f} MiB; panels {sections}")
    for name, ts in times.items():
        firsts, dones = [t[0] for t in ts], [t[1] for t in ts]
        print(f"{name:24s} first screen: median {statistics.median(firsts):.3f} s "
              f"[{min(firsts):.3f}-{max(firsts):.3f}]; every panel: median "
              f"{statistics.median(dones):.3f} s [{min(dones):.3f}-{max(dones):.3f}] "
              f"over {len(ts)} loads")
    if args.baseline:
        (old, new) = (statistics.median([t[0] for t in ts]) for ts in times.values())
        print(f"first screen: {old / new:.2f}x faster than {args.baseline} (target >= 2x; "
              f"< 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
