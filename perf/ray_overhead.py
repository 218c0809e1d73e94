"""Benchmark: what a fleet sweep on Ray costs per cell, against the plain runner.

Runs the same mock-backend sweep (answers at once, no GPU, so everything timed is Jarri's
and Ray's own work) three ways — the plain runner, Ray with 1 worker, Ray with 2 workers —
each at two sizes. The per-cell cost is the slope between the two sizes (fixed costs such
as joining the cluster and starting workers cancel out); cells per second is the inverse.
Ray's overhead per cell = Ray slope - plain slope, also shown as a share of a 2 s run
(target: under 5 %). A local Ray cluster with 2 fake GPUs is started and stopped here.

    python perf/ray_overhead.py [--small 60] [--large 1200] [--trials 3] [--delay-s 0]

Prints medians over trials (min-max in brackets).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RAY = str(Path(sys.executable).parent / "ray")
TASKS = 6  # smoke_v1
MODELS = ("m1", "m2")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sweep_s(env: dict[str, str], work: Path, cells: int, ray: list[str], delay_s: float) -> float:
    """The sweep's own elapsed time as the CLI reports it (execution, not start-up)."""
    repeats = cells // (TASKS * len(MODELS))
    mock = work / "mock.json"
    mock.write_text(json.dumps({"answers": [{"match": "", "answer": "Answer: 42",
                                             "delay_s": delay_s}]}))
    ws = Path(tempfile.mkdtemp(dir=work))
    r = subprocess.run([sys.executable, "-m", "jarri", "run", "-m", ",".join(MODELS), "-b",
                        "mock", "--mock-file", str(mock), "-r", str(repeats), "-w", str(ws),
                        "--idle-s", "0", "--sweep", "perf", *ray],
                       env=env, capture_output=True, text=True, check=False)
    found = re.search(r"wrote\s+(\d+) record\(s\) in ([0-9.]+) s", r.stdout)
    if r.returncode != 0 or not found or int(found.group(1)) != cells:
        raise SystemExit(f"sweep failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return float(found.group(2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=60, help="cells in the small sweep")
    ap.add_argument("--large", type=int, default=1200, help="cells in the large sweep")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--delay-s", type=float, default=0.0, help="the mock's answer time")
    args = ap.parse_args()
    unit = TASKS * len(MODELS)
    for n in (args.small, args.large):
        if n % unit:
            raise SystemExit(f"sizes must be multiples of {unit}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
               "RAY_AUTH_TOKEN": secrets.token_hex(32), "XDG_STATE_HOME": str(work / "state")}
        port = free_port()
        subprocess.run([RAY, "start", "--head", "--node-ip-address=127.0.0.1", "--port",
                        str(port), "--num-cpus", "2", "--num-gpus=2",
                        "--include-dashboard=false", "--disable-usage-stats"],
                       env=env, check=True, capture_output=True)
        address = f"127.0.0.1:{port}"
        modes = {"plain runner": [], "Ray, 1 worker": ["--ray", address, "--ray-workers", "1"],
                 "Ray, 2 workers": ["--ray", address]}
        slopes: dict[str, list[float]] = {m: [] for m in modes}
        try:
            for _ in range(args.trials):
                for mode, extra in modes.items():  # alternated, so load hits all alike
                    small = sweep_s(env, work, args.small, extra, args.delay_s)
                    large = sweep_s(env, work, args.large, extra, args.delay_s)
                    slopes[mode].append((large - small) / (args.large - args.small))
        finally:
            subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, check=False)
    print(f"mock backend, answer time {args.delay_s:g} s; per-cell cost = slope between "
          f"{args.small} and {args.large} cells; medians of {args.trials}")
    plain = statistics.median(slopes["plain runner"])
    for mode, values in slopes.items():
        med = statistics.median(values)
        print(f"{mode:15s} {1 / med if med > 0 else float('inf'):8.1f} cells/s   "
              f"{med * 1000:7.2f} ms/cell  [{min(values) * 1000:.2f}-{max(values) * 1000:.2f}]")
    for mode in ("Ray, 1 worker", "Ray, 2 workers"):
        # per GPU: a worker's cells run one after another, so its overhead per cell is the
        # wall time per cell times the number of workers, less the plain runner's
        workers = 1 if "1 worker" in mode else 2
        per_gpu = statistics.median(slopes[mode]) * workers - plain
        print(f"{mode}: Ray's overhead {per_gpu * 1000:.2f} ms per cell per GPU = "
              f"{100 * per_gpu / 2.0:.2f} % of a 2 s run")


if __name__ == "__main__":
    main()
