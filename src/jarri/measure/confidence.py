"""How much to trust one energy window (measurement.md, "Energy method").

The counter moves in ~100 ms steps, so each window edge is uncertain by up to one step: the
shorter the window, the larger that share. When net energy is a small part of gross (a small
model on a big GPU), the idle baseline's uncertainty dominates and confidence drops a class.
"""

from __future__ import annotations

HIGH_MIN_S = 2.0
MEDIUM_MIN_S = 1.0
SMALL_NET_SHARE = 0.10
_ORDER = ["low", "medium", "high"]


def classify(window_s: float, gross_j: float, net_j: float | None, *, moved: bool,
             residency: str = "unknown") -> tuple[str, str]:
    """(confidence, reason)."""
    if residency in ("hybrid", "cpu"):
        return "invalid", f"the model ran with {residency} residency: GPU energy is not its cost"
    if not moved:
        return "invalid", "the energy counter did not move during the run"
    if window_s >= HIGH_MIN_S:
        level, why = 2, f"window {window_s:.2f} s >= {HIGH_MIN_S:g} s"
    elif window_s >= MEDIUM_MIN_S:
        level, why = 1, f"window {window_s:.2f} s: counter steps (~100 ms) are up to 20% of it"
    else:
        level, why = 0, f"window {window_s:.2f} s < {MEDIUM_MIN_S:g} s: counter steps dominate"
    if net_j is not None and gross_j > 0 and net_j < SMALL_NET_SHARE * gross_j and level > 0:
        level -= 1
        why += f"; net is only {100 * net_j / gross_j:.0f}% of gross, so the idle baseline's " \
               "uncertainty dominates"
    return _ORDER[level], why
