"""Benchmark: what energy measurement itself costs per run window.

    PYTHONPATH=tests/fake_nvml python perf/meter_overhead.py      # the scripted stand-in
    python perf/meter_overhead.py                                 # a machine with a GPU

Times start()+stop() of the meter the factory picks (all GPUs), over many windows, and
reports the median cost per window and its share of a 2-second run. NVML's energy-counter
read is the cost that matters: on a real H100 one read took ~4 ms (measurement.md), so the
script also prints that projection: 2 reads per GPU per window.
"""

from __future__ import annotations

import statistics
import sys
import time

from jarri.measure.gpu import best_meter_for, open_gpus

H100_READ_MS = 4.0  # measured on an H100 (measurement.md), blocking


def main() -> int:
    gpus = open_gpus()
    meter = best_meter_for(gpus)
    costs = []
    for _ in range(200):
        t0 = time.perf_counter()
        meter.start()
        t1 = time.perf_counter()
        meter.stop()
        costs.append((time.perf_counter() - t1) + (t1 - t0))
    med_ms = 1000 * statistics.median(costs)
    n = len(gpus.indices)
    print(f"meter {meter.method} on {n} GPU(s) ({gpus.reason})")
    print(f"cost per window: median {med_ms:.3f} ms, max {1000 * max(costs):.3f} ms "
          f"= {100 * med_ms / 2000:.3f}% of a 2 s run")
    if n:
        proj = 2 * n * H100_READ_MS
        print(f"projection with the H100's measured read cost ({H100_READ_MS:g} ms/read): "
              f"{proj:.0f} ms per window = {100 * proj / 2000:.2f}% of a 2 s run "
              f"({100 * 2 * H100_READ_MS / 2000:.2f}% per GPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
