"""Benchmark: where one rebuild spends its time, phase by phase, in process.

    python perf/rebuild_phases.py WORKSPACE [--cold] [--runs 3] [--profile N]

Times the imports a rebuild needs (in this fresh interpreter), then rebuilds WORKSPACE
``--runs`` times in this process and prints, per phase, the median seconds: reading the
ledgers, loading DuckDB, each named query, the comparisons, the suites, the failure and
registry surfaces, the run pages and the swap. ``--cold`` removes the workspace's cache
before each rebuild (otherwise the first rebuild fills it and is not counted). ``--profile
N`` adds cProfile's top N functions by own time, for the last rebuild. Phases nest (the
queries inside the surfaces that run them), so the lines do not add up to the total.
Generate a workspace with perf/gen_ledger.py or perf/gen_upstream.py first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

_t = time.perf_counter()
import jarri.rebuild.build as build  # noqa: E402
from jarri.analysis.database import Analysis  # noqa: E402
from jarri.paths import Workspace  # noqa: E402
from jarri.rebuild.import_cache import CACHE_DIR  # noqa: E402
from jarri.surfaces.writer import SurfaceWriter  # noqa: E402

IMPORTS = time.perf_counter() - _t
SPENT: dict[str, float] = defaultdict(float)


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap ``owner.name`` so each call adds its seconds to SPENT[label]."""
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[label] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def _instrument() -> None:
    _timed(build, "read_ledgers", "reading the ledgers")
    _timed(build, "Analysis", "loading DuckDB")
    _timed(build, "_core", "comparisons, registry and their surfaces")
    _timed(build.comparisons, "build", "  comparisons (Python)")
    _timed(build.registry, "known_experiments", "  suites (known experiments)")
    _timed(build, "_failures", "failure surfaces")
    _timed(build, "_registries_and_verification", "registries and verification")
    _timed(build.runs_pages, "write_pages", "run pages")
    _timed(build.runs_pages, "load_answers", "  answer texts")
    _timed(SurfaceWriter, "commit", "swap")
    query = Analysis.query

    def timed_query(self: Analysis, name: str, **params: str) -> list[dict[str, Any]]:
        start = time.perf_counter()
        try:
            return query(self, name, **params)
        finally:
            SPENT[f"  query {name}"] += time.perf_counter() - start

    Analysis.query = timed_query  # type: ignore[method-assign]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--cold", action="store_true", help="remove the cache before each run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    args = ap.parse_args()
    ws = Workspace(args.workspace)
    if not (args.workspace / "benchmarks").is_dir():
        raise SystemExit(f"{args.workspace}/benchmarks is missing: generate a workspace with "
                         "perf/gen_ledger.py first")
    if not args.cold:
        build.rebuild(ws)  # fills the cache: the runs below are the cached kind
    _instrument()
    per_run: list[dict[str, float]] = []
    totals = []
    prof = cProfile.Profile()
    for i in range(args.runs):
        if args.cold:
            shutil.rmtree(args.workspace / CACHE_DIR, ignore_errors=True)
        SPENT.clear()
        last = args.profile and i == args.runs - 1
        if last:
            prof.enable()
        start = time.perf_counter()
        build.rebuild(ws)
        totals.append(time.perf_counter() - start)
        if last:
            prof.disable()
        per_run.append(dict(SPENT))
    print(f"{args.workspace}: {'cold' if args.cold else 'cached'}, medians of {args.runs}")
    print(f"  {'imports (this interpreter)':44s} {IMPORTS:7.3f} s")
    print(f"  {'rebuild, in process':44s} {statistics.median(totals):7.3f} s  "
          f"[{min(totals):.3f}-{max(totals):.3f}]")
    for label in per_run[-1]:
        values = [r.get(label, 0.0) for r in per_run]
        print(f"    {label:42s} {statistics.median(values):7.3f} s")
    if args.profile:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
