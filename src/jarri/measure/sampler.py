"""Fallback meter for GPUs without the energy counter: sample power on a background thread at
a fixed interval and integrate with the trapezoid rule over the window.

Less exact than the counter (measurement.md: sampling NVML's power every 10 ms under-reads a
0.5 s window by 5-27%), so its confidence is one class lower than the window alone gives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from itertools import pairwise

from jarri.measure.confidence import classify
from jarri.measure.meter import EnergyReading

METHOD = "nvml_power_sampled"


def trapezoid(samples: list[tuple[float, float]]) -> float:
    """∫ power dt over (time s, power W) samples, in joules."""
    return sum((t1 - t0) * (p0 + p1) / 2 for (t0, p0), (t1, p1) in pairwise(samples))


class SampledPowerMeter:
    method = METHOD
    measures_idle = True

    def __init__(self, read_power_w: Callable[[], float], interval_s: float = 0.01) -> None:
        self.read = read_power_w
        self.interval_s = interval_s
        self.idle_power_w: float | None = None
        self.residency = "unknown"  # a GPU meter: hybrid/cpu residency makes it invalid
        self._samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._samples.append((time.perf_counter(), self.read()))
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        self._samples = []
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> EnergyReading:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._samples.append((time.perf_counter(), self.read()))
        s = self._samples
        window = s[-1][0] - s[0][0] if len(s) > 1 else 0.0
        gross = trapezoid(s)
        net = None if self.idle_power_w is None else max(0.0, gross - self.idle_power_w * window)
        confidence, reason = classify(window, gross, net, moved=len(s) > 2 and gross > 0,
                                      residency=self.residency)
        if confidence in ("high", "medium"):
            confidence = {"high": "medium", "medium": "low"}[confidence]
        reason = (f"{len(s)} power samples every {1000 * self.interval_s:.0f} ms, trapezoid "
                  f"rule (one class below the energy counter); {reason}")
        return EnergyReading(method=self.method, confidence=confidence, reason=reason,
                             gross_j=gross, net_j=net, idle_power_w=self.idle_power_w,
                             window_s=window, avg_power_w=gross / window if window else None,
                             peak_power_w=max(p for _, p in s), samples=len(s))
