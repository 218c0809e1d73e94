"""Benchmark: how long `jarri --help`, `jarri --version` and a subcommand's `--help` take,
process start to exit (target: under 150 ms for --help and --version).

    python perf/cli_startup.py [--runs 15]

Each command runs as its own process (`python -m jarri ...`, the interpreter of this
environment); prints the median, min and max wall time per command, and the heavy modules
that `import jarri.cli` loads (none should be: they are imported inside the commands).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = (["--version"], ["--help"], ["run", "--help"], ["rebuild", "--help"])
HEAVY = ("pydantic", "duckdb", "numpy", "msgspec", "httpx", "llama_cpp", "rich.table",
         "rich.progress", "jarri.ledger.record")


def once(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jarri", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, jarri.cli; print(' '.join(m for m in "
         f"{HEAVY!r} if m in sys.modules))"], capture_output=True, text=True, check=True)
    print(f"heavy modules loaded by 'import jarri.cli': {loaded.stdout.strip() or 'none'}")
    bare = [once(["--version"]) for _ in range(2)]  # warm the file cache
    del bare
    for args in COMMANDS:
        times = [once(args) for _ in range(runs)]
        print(f"jarri {' '.join(args):16s} median {statistics.median(times) * 1000:6.1f} ms  "
              f"min {min(times) * 1000:6.1f}  max {max(times) * 1000:6.1f}  ({runs} runs)")


if __name__ == "__main__":
    main()
