"""Benchmark: full `jarri rebuild` time and peak memory at 10k, 100k and 1M records.

    python perf/rebuild_scaling.py [--sizes 10000,100000,1000000] [--runs 3] [--dir DIR]
                                   [--other-layout]

Synthetic ledgers (perf/gen_ledger.py) are generated once per size under DIR (default: the
system temp folder) and reused. Each rebuild runs as a separate process (`python -m jarri
rebuild -q`), timed from start to exit; peak memory is the largest sum of the resident set
sizes of that process and its worker processes, sampled every 20 ms from /proc. Prints the
median of the runs: "median/min/max s" rebuild cold (the workspace's cache removed
first), "append s" after one run appended to the largest ledger (with the cache). Targets on
a 2-core machine: 10,000 under 2 s; 1,000,000 under 30 s and under 2 GiB. The ledgers are
laid out as the ledger writer writes them; ``--other-layout`` measures lines without their
default fields and with shuffled keys instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAYOUT_VERSION = 2  # of gen_ledger.py's output: a change there must not reuse old ledgers


def _tree_rss_kib(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def timed_rebuild(ws: Path) -> tuple[float, float]:
    """(seconds, peak MiB of the process tree)."""
    # Python may keep its compiled bytecode, as an installed package has it: otherwise every
    # rebuild would also compile the whole package (0.3-0.5 s on the build machine).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "jarri", "rebuild", "-q", "-w", str(ws)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"rebuild failed: {err.decode()[-2000:]}")
    return elapsed, peak / 1024


def append_one(ws: Path) -> None:
    """One more run at the end of the largest ledger (its last record under a new run id),
    as a sweep appends it."""
    ledger = max((ws / "benchmarks").rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    with open(ledger, "rb") as fh:
        fh.seek(max(0, ledger.stat().st_size - 65536))
        last = json.loads(fh.read().splitlines()[-1])
    last["run_id"] = f"appended-{time.time_ns()}"
    with open(ledger, "a") as fh:
        fh.write(json.dumps(last, separators=(",", ":")) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--other-layout", action="store_true",
                    help="ledgers whose lines omit default fields in shuffled key order "
                         "(the rebuild's slower generic check path)")
    args = ap.parse_args()
    layout = ["--other-layout"] if args.other_layout else []
    print(f"{'records':>10} {'ledger MiB':>11} {'median s':>9} {'min s':>7} {'max s':>7} "
          f"{'append s':>9} {'peak MiB':>9} {'us/record':>10}")
    for n in (int(s) for s in args.sizes.split(",")):
        ws = Path(args.dir) / f"jarri-perf-{LAYOUT_VERSION}-{'other' if layout else 'writer'}-{n}"
        if not (ws / "benchmarks").is_dir():
            subprocess.run([sys.executable, str(HERE / "gen_ledger.py"), str(ws), str(n),
                            *layout], check=True)
        size = sum(p.stat().st_size for p in (ws / "benchmarks").rglob("*.jsonl")) / 2**20
        results = []
        for _ in range(args.runs):
            shutil.rmtree(ws / ".jarri-cache", ignore_errors=True)  # cold: no cache
            results.append(timed_rebuild(ws))
        secs = [r[0] for r in results]
        med = statistics.median(secs)
        appended = []
        for _ in range(args.runs):
            append_one(ws)
            appended.append(timed_rebuild(ws))
        print(f"{n:>10} {size:>11.0f} {med:>9.2f} {min(secs):>7.2f} {max(secs):>7.2f} "
              f"{statistics.median(r[0] for r in appended):>9.2f} "
              f"{max(r[1] for r in results + appended):>9.0f} {1e6 * med / n:>10.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
