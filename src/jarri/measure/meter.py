"""Energy meter interface and the null meter (measure/gpu.py picks the best available).

A meter measures one named window per run: ``start()`` just before the request is sent and
``stop()`` just after the final byte. The null meter records "not measured" with a reason
instead of inventing a number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class EnergyReading:
    method: str
    confidence: str  # high | medium | low | invalid | unmeasured
    reason: str
    gross_j: float | None = None
    net_j: float | None = None
    idle_power_w: float | None = None
    window_s: float | None = None
    avg_power_w: float | None = None
    peak_power_w: float | None = None
    samples: int | None = None


class EnergyMeter(Protocol):
    """The runner uses a meter through these names only."""

    method: str
    # The meter nets out an idle baseline: the runner measures one with it per power level
    # (measure_idle) and sets idle_power_w.
    measures_idle: bool
    idle_power_w: float | None
    # Where the model lives during the window (Ollama residency), for the confidence rule.
    residency: str

    def start(self) -> None: ...

    def stop(self) -> EnergyReading: ...


class NullMeter:
    """Records energy as not measured, and why."""

    method = "none"
    measures_idle = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.idle_power_w: float | None = None
        self.residency = "unknown"

    def start(self) -> None:
        return None

    def stop(self) -> EnergyReading:
        return EnergyReading(method=self.method, confidence="unmeasured", reason=self.reason)


def measure_idle(meter: EnergyMeter, seconds: float) -> float | None:
    """Idle power (W) measured with the meter itself over ``seconds`` of doing nothing."""
    if not meter.measures_idle or seconds <= 0:
        return None
    meter.idle_power_w = None
    meter.start()
    time.sleep(seconds)
    r = meter.stop()
    if r.gross_j is None or not r.window_s:
        return None
    return r.gross_j / r.window_s
