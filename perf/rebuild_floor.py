"""Benchmark: the least a rebuild can cost with today's output layout, whatever it computes.

    python perf/rebuild_floor.py [--records 10000] [--runs 5] [--dir DIR]

Every surface file carries the envelope (source_digest, source), which changes with every
appended run, so a rebuild writes every file again and swaps the folder in whole. This times,
on a rebuilt synthetic workspace (perf/gen_ledger.py, as perf/rebuild_scaling.py lays it
out): importing what a rebuild imports (a fresh interpreter each run), and writing the same
files through the rebuild's own SurfaceWriter and swapping them in (no computing at all).
Their sum is the floor under a rebuild of that size on this machine. Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jarri.surfaces.writer import SurfaceWriter

HERE = Path(__file__).resolve().parent
LAYOUT_VERSION = 2  # perf/rebuild_scaling.py's workspaces


def import_seconds() -> float:
    code = ("import time; t = time.perf_counter(); import jarri.rebuild.build, "
            "jarri.commands.rebuild; print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return float(out)


def write_and_swap(files: list[tuple[str, bytes]], target: Path) -> float:
    t = time.perf_counter()
    w = SurfaceWriter(target)
    for rel, data in files:
        w.write_raw(rel, data, "the same bytes as the rebuild wrote")
    w.output_digest()
    w.commit()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    ws = Path(args.dir) / f"jarri-perf-{LAYOUT_VERSION}-writer-{args.records}"
    if not (ws / "benchmarks").is_dir():
        subprocess.run([sys.executable, str(HERE / "gen_ledger.py"), str(ws),
                        str(args.records)], check=True)
    data = ws / "benchmark_ui" / "data"
    if not data.is_dir():
        subprocess.run([sys.executable, "-m", "jarri", "rebuild", "-q", "-w", str(ws)],
                       check=True, stdout=subprocess.DEVNULL)
    files = [(str(p.relative_to(data)), p.read_bytes()) for p in sorted(data.rglob("*"))
             if p.is_file()]
    with tempfile.TemporaryDirectory(prefix="jarri-floor-") as tmp:
        target = Path(tmp) / "data"
        write_and_swap(files, target)  # a folder to swap out, as a rebuild finds one
        writes = [write_and_swap(files, target) for _ in range(args.runs)]
    imports = [import_seconds() for _ in range(args.runs)]
    size = sum(len(b) for _, b in files) / 2**20
    w, i = statistics.median(writes), statistics.median(imports)
    print(f"{args.records:,} records: {len(files)} files, {size:.1f} MiB; medians of {args.runs}")
    print(f"  imports                {i:.3f} s  [{min(imports):.3f}-{max(imports):.3f}]")
    print(f"  write + swap           {w:.3f} s  [{min(writes):.3f}-{max(writes):.3f}]")
    print(f"  floor (no computing)   {i + w:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
