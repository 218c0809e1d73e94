"""Benchmark: the runner's own overhead per run, backend time excluded.

Overhead = planning + outcome/evaluation + record building + content store + append with
flush and fsync, measured through the real SweepRunner with a backend that answers
instantly (so everything timed is Jarri's own work). Target: under 2 ms per run.

    python perf/runner_overhead.py [--runs 2000] [--trials 5]

Prints the median over trials (and min/max) of the per-run cost of each part.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jarri.backends.base import Completion, GenerationOptions, ModelInfo, Residency
from jarri.ledger.record import RunRecord
from jarri.measure.meter import NullMeter
from jarri.paths import Workspace
from jarri.runner.execute import SweepRunner
from jarri.runner.plan import build_plan
from jarri.runner.record_builder import SweepContext
from jarri.runner.resume import LedgerState
from jarri.suite import SuiteRegistry


class InstantBackend:
    """Answers at once with a realistic rambling completion (no model, no I/O)."""

    name = "llamacpp"

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        return Completion(answer_text=" Paris\n\nThe capital of France is Paris.\n\n" * 3,
                          prompt_tokens=18, output_tokens=32, done_reason="length",
                          wall_ns=1, ttft_s=0.0, load_s=0.0, prompt_eval_s=0.0, eval_s=0.0,
                          raw_usage={"prompt_tokens": 18, "completion_tokens": 32})

    def residency(self, model: str) -> Residency:
        return Residency()

    def close(self) -> None:
        return None


class Silent:
    def start(self, total: int) -> None: ...
    def running(self, label: str) -> None: ...
    def done(self, record: RunRecord) -> None: ...
    def note(self, message: str) -> None: ...
    def stop(self) -> None: ...


def trial(runs: int, base: str | None) -> dict[str, float]:
    exp = SuiteRegistry().load("smoke_v1")
    repeats = max(1, runs // len(exp.tasks))
    info = {"m": ModelInfo("m", digest="sha256:" + "0" * 64)}
    t0 = time.perf_counter()
    plan = build_plan(sweep_id="perf", backend="llamacpp", models=["m"], infos=info,
                      experiments=[exp], power_levels=[None], repeats=repeats,
                      options=GenerationOptions())
    t_plan = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        ctx = SweepContext("perf", "llamacpp", None, "perf", "host")
        runner = SweepRunner(backend=InstantBackend(), ctx=ctx,  # type: ignore[arg-type]
                             workspace=Workspace(Path(tmp)), infos=info,
                             meter=NullMeter("benchmark"), state=LedgerState(),
                             progress=Silent(), timeout_s=60, warmup=False)
        t0 = time.perf_counter()
        result = runner.run(plan)
        t_run = time.perf_counter() - t0
        assert result.written == len(plan)
    n = len(plan)
    return {"plan_ms": 1000 * t_plan / n, "run_ms": 1000 * t_run / n,
            "total_ms": 1000 * (t_plan + t_run) / n, "n": n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--dir", help="folder for the temporary ledger (fsync cost depends on the "
                                  "disk; default: the system temp folder)")
    args = ap.parse_args()
    results = [trial(args.runs, args.dir) for _ in range(args.trials)]
    print(f"runner overhead per run ({results[0]['n']:.0f} runs x {args.trials} trials; "
          "includes fsync per record)")
    for key in ("plan_ms", "run_ms", "total_ms"):
        vals = [r[key] for r in results]
        print(f"  {key:9s} median {statistics.median(vals):.3f} ms   "
              f"min {min(vals):.3f}   max {max(vals):.3f}")
    med = statistics.median(r["total_ms"] for r in results)
    print(f"target < 2 ms per run: {'met' if med < 2.0 else 'NOT met'} ({med:.3f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
