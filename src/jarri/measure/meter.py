"""Energy meter interface, the null meter and the factory that picks the best available.

A meter measures one named window per run: ``start()`` just before the request is sent and
``stop()`` just after the final byte. The null meter records "not measured" with a reason
instead of inventing a number.
"""

from __future__ import annotations

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
    method: str

    def start(self) -> None: ...

    def stop(self) -> EnergyReading: ...


class NullMeter:
    """Records energy as not measured, and why."""

    method = "none"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def start(self) -> None:
        return None

    def stop(self) -> EnergyReading:
        return EnergyReading(method=self.method, confidence="unmeasured", reason=self.reason)


def nvml_status() -> tuple[bool, str]:
    """(usable, reason): whether NVML answers on this machine."""
    try:
        import pynvml
    except ImportError:
        return False, "nvidia-ml-py is not installed (pip install 'jarri[nvidia]')"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # noqa: BLE001 - any NVML error means: no usable GPU here
        return False, f"NVML is not available: {exc}"
    try:
        count = pynvml.nvmlDeviceGetCount()
    finally:
        pynvml.nvmlShutdown()
    if count == 0:
        return False, "NVML reports no NVIDIA GPU"
    return True, f"NVML reports {count} NVIDIA GPU(s)"


def best_meter() -> EnergyMeter:
    """The best meter this machine offers. GPU energy metering lands with the NVML meter;
    until then, every machine gets the null meter with the reason it cannot measure."""
    ok, reason = nvml_status()
    if ok:
        return NullMeter(f"{reason}, but this version has no NVML energy meter yet")
    return NullMeter(f"no GPU energy meter: {reason}")
