"""Benchmark: the UI in headless Chromium over a large rebuild: first render, opening each
view, and a filter change.

    python perf/ui_first_render.py [--records 100000] [--loads 5] [--dir DIR] [--baseline REV]

Generates (once) a synthetic ledger of N records (perf/gen_ledger.py), rebuilds it, serves
the workspace's benchmark_ui/ on 127.0.0.1, and times on the page's own clock, in a fresh
browser context each load (no cache):
- first screen: navigation -> the first view drawn (body[data-ready]);
- every view: after the first screen, each view opened by its nav link -> drawn with its
  surfaces (body[data-complete] and one more render), in the nav's order;
- filter change: on a drawn view, the GPU filter set -> the view drawn again and the next frame
  painted (then cleared, timed alike).
With --baseline, the UI of that git revision (src/jarri/ui) is served over the same data and
timed in the same run, alternating with this one. A UI without views (all panels on one page)
has no per-view times: its "every panel" is body[data-complete] (or data-ready), and its
filter change re-renders every panel. Prints medians and ranges.
Target: first screen under 1.5 s at 100,000 runs, and at least 2x faster than the baseline.
"""

from __future__ import annotations

import argparse
import json
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
# the views whose filter change is timed: the first screen, and the heaviest tables
FILTERED = ("recommend", "models", "failures")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


MARKS = """
new MutationObserver(() => {
  const b = document.body;
  if (b && b.dataset.ready && window.__readyAt === undefined) window.__readyAt = performance.now();
  if (b && b.dataset.complete === '1' && window.__completeAt === undefined)
    window.__completeAt = performance.now();
}).observe(document, { attributes: true, subtree: true, childList: true });
"""

# Sets the hash (or clicks a nav link) and resolves, on the page's clock, when the page has
# rendered once more (data-renders) with its surfaces (data-complete) and painted a frame.
TIMED = """async ([how, arg]) => {
  const b = document.body, before = Number(b.dataset.renders || 0);
  const done = new Promise((resolve) => {
    const o = new MutationObserver(() => {
      if (Number(b.dataset.renders || 0) > before && b.dataset.complete !== '0') {
        o.disconnect(); resolve(performance.now());
      }
    });
    o.observe(b, { attributes: true });
  });
  const t0 = performance.now();
  if (how === 'click') document.querySelector(arg).click(); else location.hash = arg;
  const drawn = await done;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return [drawn - t0, performance.now() - t0];
}"""


def filter_change(page, gpu: str) -> float:  # noqa: ANN001
    """Seconds from setting the GPU filter to the next painted frame (then cleared)."""
    from urllib.parse import parse_qsl, urlencode
    state = dict(parse_qsl(page.evaluate("location.hash.slice(1)")))
    on = urlencode({**state, "gpu": gpu})
    off = urlencode({k: v for k, v in state.items() if k != "gpu"})
    t_on = page.evaluate(TIMED, ["hash", on])[1]
    t_off = page.evaluate(TIMED, ["hash", off])[1]
    return (t_on + t_off) / 2000


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
    uis = {"this UI": ws / "benchmark_ui"}
    if args.baseline:
        uis = {f"UI at {args.baseline}": baseline_ui(args.baseline, ws), **uis}
    servers = {}
    for name, root in uis.items():
        server = make_server(root, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    gpus = json.loads((data / "registries" / "gpus.json").read_text())["rows"]
    gpu = gpus[0]["gpu_key"]
    first: dict[str, list[float]] = {name: [] for name in uis}
    complete: dict[str, list[float]] = {name: [] for name in uis}
    views: dict[str, dict[str, list[float]]] = {name: {} for name in uis}
    filters: dict[str, dict[str, list[float]]] = {name: {} for name in uis}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("JARRI_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for _ in range(args.loads):
            for name, server in servers.items():  # alternated: load hits both alike
                url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                page.add_init_script(MARKS)
                page.goto(url)
                page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60000)
                page.wait_for_function("document.body.dataset.complete !== '0'", timeout=60000)
                if page.evaluate("'phased' in document.body.dataset"):  # draws in two steps
                    page.wait_for_selector("body[data-complete='1']", state="attached",
                                           timeout=60000)
                ready, done = page.evaluate("[window.__readyAt, window.__completeAt ?? "
                                            "window.__readyAt]")
                first[name].append(ready / 1000)
                names = page.eval_on_selector_all("nav a[data-view]",
                                                  "as => as.map(a => a.dataset.view)")
                if not names:  # one page: every panel is drawn at data-complete
                    complete[name].append(done / 1000)
                    filters[name].setdefault("(one page)", []).append(filter_change(page, gpu))
                else:
                    total = ready
                    for view in names:
                        if view == page.evaluate("document.body.dataset.view"):
                            took = 0.0  # the first screen
                        else:
                            took = page.evaluate(TIMED, ["click",
                                                         f"nav a[data-view='{view}']"])[1]
                        views[name].setdefault(view, []).append(took / 1000)
                        total += took
                        if view in FILTERED:
                            filters[name].setdefault(view, []).append(filter_change(page, gpu))
                    complete[name].append(total / 1000)
                ctx.close()
        browser.close()
    for server in servers.values():
        server.shutdown()
    core = sum(f.stat().st_size for f in data.glob("*.json"))
    print(f"{args.records:,} runs; top-level surfaces {core / 2**20:.1f} MiB; "
          f"{args.loads} loads each; medians [min-max], seconds on the page's clock")

    def m(xs: list[float]) -> str:
        return f"{statistics.median(xs):.3f} [{min(xs):.3f}-{max(xs):.3f}]"

    for name in uis:
        print(f"{name}:")
        print(f"  first screen                      {m(first[name])}")
        label = "every view opened in turn" if views[name] else "every panel"
        print(f"  {label:33s} {m(complete[name])}")
        for view, ts in views[name].items():
            print(f"    open {view:28s} {m(ts)}")
        for view, ts in filters[name].items():
            print(f"  GPU filter change on {view:12s} {m(ts)}")
    if args.baseline:
        (old, new) = (statistics.median(first[n]) for n in uis)
        print(f"first screen: {old / new:.2f}x faster than {args.baseline} (target >= 2x; "
              f"< 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
