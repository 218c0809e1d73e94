"""Benchmark: `jarri rebuild` of the original project's layout (ledger + a report, an answer
and a result file per run), cold and after one appended run, at 1k / 10k / 100k rows.

    python perf/import_scaling.py [--sizes 1000,10000] [--runs 3] [--dir DIR]

The folders come from perf/gen_upstream.py (generated once per size under DIR, default the
system temp folder) and sit under the workspace's ./benchmarks, where the rebuild finds them
as the original project's users have them. Each rebuild is its own process (`python -m jarri
rebuild -q`), timed start to exit, peak memory summed over its process tree (as
perf/rebuild_scaling.py does). "cold" rebuilds without the import cache (it is removed
first), "cached" rebuilds again with nothing changed, "append" adds one more original row to
the ledger (with its report and answer) and rebuilds with the cache. Prints medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rebuild_scaling import timed_rebuild  # noqa: E402

LAYOUT_VERSION = 1  # of gen_upstream.py's output


def append_one(folder: Path) -> None:
    ledger = folder / "llm_benchmark_runs.jsonl"
    last = json.loads(ledger.read_bytes().splitlines()[-1])
    last["run_index"] = int(last["run_index"]) + 1000
    stem = (f"{last['power_limit_request']}_{str(last['model']).replace(':', '_')}_"
            f"{last['task_id']}_run{last['run_index']}")
    report = next(iter(sorted((folder / "reports").glob("*.json"))))
    shutil.copy(report, folder / "reports" / f"{stem}_report.json")
    answer = next(iter(sorted((folder / "answers").glob("*.txt"))))
    shutil.copy(answer, folder / "answers" / f"{stem}.txt")
    last["evaluation_report_path"] = f"reports/{stem}_report.json"
    with open(ledger, "a") as fh:
        fh.write(json.dumps(last) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    print(f"{'rows':>8} {'files':>7} {'MiB':>5} {'cold s':>8} {'cached s':>9} "
          f"{'append s':>9} {'peak MiB':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        ws = Path(args.dir) / f"jarri-import-{LAYOUT_VERSION}-{n}"
        if not (ws / "benchmarks").is_dir():
            subprocess.run([sys.executable, str(HERE / "gen_upstream.py"), str(ws), str(n)],
                           check=True, stdout=subprocess.DEVNULL)
        folder = next(p.parent for p in (ws / "benchmarks").rglob("manifest.json"))
        files = [p for p in folder.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files) / 2**20
        cold = []
        for _ in range(args.runs):
            shutil.rmtree(ws / ".jarri-cache", ignore_errors=True)
            cold.append(timed_rebuild(ws))
        cached = [timed_rebuild(ws) for _ in range(args.runs)]
        appended = []
        for _ in range(args.runs):
            append_one(folder)
            appended.append(timed_rebuild(ws))
        print(f"{n:>8} {len(files):>7} {size:>5.0f} "
              f"{statistics.median(r[0] for r in cold):>8.2f} "
              f"{statistics.median(r[0] for r in cached):>9.2f} "
              f"{statistics.median(r[0] for r in appended):>9.2f} "
              f"{max(r[1] for r in cold + cached + appended):>9.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
