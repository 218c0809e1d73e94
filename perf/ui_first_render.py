"""Benchmark: first render of the UI in headless Chromium over a large rebuild.

    python perf/ui_first_render.py [--records 100000] [--loads 5] [--dir DIR]

Generates (once) a synthetic ledger of N records (perf/gen_ledger.py), rebuilds it, serves
the workspace's benchmark_ui/ on 127.0.0.1, and times navigation -> every panel rendered
(body[data-ready]) in a fresh browser context each time (no cache). Prints the median.
Target: under 1.5 s at 100,000 runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from jarri.serve import make_server

HERE = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    ws = Path(args.dir) / f"jarri-perf-{args.records}"
    if not (ws / "benchmarks").is_dir():
        subprocess.run([sys.executable, str(HERE / "gen_ledger.py"), str(ws), str(args.records)],
                       check=True)
    subprocess.run([sys.executable, "-m", "jarri", "rebuild", "-q", "-w", str(ws)], check=True,
                   stdout=subprocess.DEVNULL)
    data = ws / "benchmark_ui" / "data"
    core = sum(f.stat().st_size for f in data.glob("*.json"))
    server = make_server(ws / "benchmark_ui", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("JARRI_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for _ in range(args.loads):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60000)
            times.append(time.perf_counter() - t0)
            sections = page.eval_on_selector_all("section.panel", "els => els.length")
            ctx.close()
        browser.close()
    server.shutdown()
    print(f"{args.records} runs; top-level surfaces {core / 2**20:.1f} MiB; panels {sections}")
    print(f"first render: median {statistics.median(times):.3f} s, min {min(times):.3f}, "
          f"max {max(times):.3f} over {len(times)} loads (target < 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
