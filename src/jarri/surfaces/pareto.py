"""Pareto frontiers over configurations (model x applied watts x GPU).

Maximise avg_score_percent (balanced over the compared tasks); minimise a cost: avg_energy_j
(net of idle, one energy class) or avg_output_tokens (runs that produced output). A point
is dominated when another is at least as good on both axes and strictly better on one.
Only comparable points can be on a frontier: they cover every compared task and pass
something (success_rate > 0). A configuration that passes nothing is degenerate: marked,
kept for display, never on a frontier (a cheap failure is not an efficient answer).
"""

from __future__ import annotations

from typing import Any

COSTS = {"energy": "avg_energy_j", "tokens": "avg_output_tokens"}


def frontier(points: list[dict[str, Any]], cost: str) -> set[int]:
    """Indexes of the comparable points on the score-vs-``cost`` frontier."""
    cand = [(i, p["avg_score_percent"], p[cost]) for i, p in enumerate(points)
            if p.get("comparable") and p.get(cost) is not None
            and p.get("avg_score_percent") is not None]
    on = set()
    for i, s, c in cand:
        dominated = any((s2 >= s and c2 <= c) and (s2 > s or c2 < c) for _, s2, c2 in cand)
        if not dominated:
            on.add(i)
    return on


def mark(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    energy = frontier(points, COSTS["energy"])
    tokens = frontier(points, COSTS["tokens"])
    for i, p in enumerate(points):
        p["degenerate"] = not (p.get("success_rate") or 0) > 0
        p["on_energy_frontier"] = i in energy
        p["on_token_frontier"] = i in tokens
    return points
