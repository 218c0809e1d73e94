"""CPU package energy from RAPL via the powercap sysfs tree (µJ counters that wrap).

``/sys/class/powercap/intel-rapl:N/energy_uj`` counts micro-joules and wraps at
``max_energy_range_uj``; it is usually readable by root only, and absent on most VMs.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from jarri.measure.confidence import classify
from jarri.measure.meter import EnergyReading

METHOD = "rapl_powercap"
ROOT = Path("/sys/class/powercap")
_PACKAGE = re.compile(r"^intel-rapl:\d+$")  # packages only; sub-zones are inside them


class RaplUnavailable(Exception):
    pass


def packages(root: Path = ROOT) -> list[Path]:
    """Readable package zones, or RaplUnavailable with the reason."""
    if not root.is_dir():
        raise RaplUnavailable(f"{root} does not exist (no RAPL on this machine)")
    zones = sorted(p for p in root.iterdir() if _PACKAGE.match(p.name))
    if not zones:
        raise RaplUnavailable(f"no intel-rapl package zones under {root}")
    for z in zones:
        try:
            int((z / "energy_uj").read_text())
        except PermissionError as exc:
            raise RaplUnavailable(f"{z / 'energy_uj'} is readable by root only") from exc
        except (OSError, ValueError) as exc:
            raise RaplUnavailable(f"{z / 'energy_uj'} cannot be read: {exc}") from exc
    return zones


def delta_uj(start: int, end: int, max_range: int) -> int:
    """Counter difference, allowing for one wrap-around at ``max_range``."""
    return end - start if end >= start else end + max_range - start


class RaplMeter:
    method = METHOD
    measures_idle = True

    def __init__(self, root: Path = ROOT) -> None:
        self.zones = packages(root)
        self.ranges = [int((z / "max_energy_range_uj").read_text()) for z in self.zones]
        self.idle_power_w: float | None = None
        self.residency = "unknown"  # not used by this meter's confidence rule
        self._start: list[int] = []
        self._t0 = 0.0

    def read(self) -> list[int]:
        return [int((z / "energy_uj").read_text()) for z in self.zones]

    def start(self) -> None:
        self._start = self.read()
        self._t0 = time.perf_counter()

    def stop(self) -> EnergyReading:
        end = self.read()
        window = time.perf_counter() - self._t0
        gross = sum(delta_uj(a, b, m) for a, b, m in
                    zip(self._start, end, self.ranges, strict=True)) / 1e6
        net = None if self.idle_power_w is None else max(0.0, gross - self.idle_power_w * window)
        confidence, reason = classify(window, gross, net, moved=gross > 0)
        reason = f"CPU package energy (RAPL), not GPU energy; {reason}"
        return EnergyReading(method=self.method, confidence=confidence, reason=reason,
                             gross_j=gross, net_j=net, idle_power_w=self.idle_power_w,
                             window_s=window, avg_power_w=gross / window if window else None)
