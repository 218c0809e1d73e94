"""The primary meter: NVML's energy counter read at the window edges (measurement.md).

Read just before the request is sent and just after the final byte, summed over the GPUs
the model uses. On an H100 this is within a few percent even for 0.5 s windows, where
polling the 1-second-averaged power under-reads by 30-80%.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from jarri.measure.confidence import classify
from jarri.measure.meter import EnergyReading
from jarri.measure.nvml import Nvml

METHOD = "nvml_energy_counter"


class NvmlEnergyMeter:
    method = METHOD
    measures_idle = True

    def __init__(self, nvml: Nvml, indices: Sequence[int]) -> None:
        self.nvml = nvml
        self.indices = list(indices)
        self.idle_power_w: float | None = None  # summed over the GPUs; set per power level
        self.residency = "unknown"
        self._start: list[float] = []
        self._t0 = 0.0

    def start(self) -> None:
        self._start = [self.nvml.energy_j(i) for i in self.indices]
        self._t0 = time.perf_counter()

    def stop(self) -> EnergyReading:
        window = time.perf_counter() - self._t0
        end = [self.nvml.energy_j(i) for i in self.indices]
        deltas = [b - a for a, b in zip(self._start, end, strict=True)]
        gross = sum(deltas)
        moved = any(d > 0 for d in deltas)
        net: float | None = None
        clamped = False
        if self.idle_power_w is not None:
            raw = gross - self.idle_power_w * window
            clamped = raw < 0
            net = max(0.0, raw)
        confidence, reason = classify(window, gross, net, moved=moved, residency=self.residency)
        if self.idle_power_w is None:
            reason += "; no idle baseline was measured, so net energy is unknown"
        if clamped:
            reason += "; net energy clamped to 0 (the run drew less than the idle baseline)"
        return EnergyReading(method=self.method, confidence=confidence, reason=reason,
                             gross_j=gross, net_j=net, idle_power_w=self.idle_power_w,
                             window_s=window, avg_power_w=gross / window if window > 0 else None)


def measure_idle_w(nvml: Nvml, indices: Sequence[int], seconds: float) -> float:
    """Idle power summed over ``indices`` (W), from the counter over ``seconds``."""
    a = [nvml.energy_j(i) for i in indices]
    t0 = time.perf_counter()
    time.sleep(seconds)
    b = [nvml.energy_j(i) for i in indices]
    return sum(y - x for x, y in zip(a, b, strict=True)) / (time.perf_counter() - t0)
