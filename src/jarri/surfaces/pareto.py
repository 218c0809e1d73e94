"""Pareto frontiers over configurations (model x applied watts x GPU).

Maximise avg_score_percent; minimise a cost (avg_energy_j, or avg_output_tokens). A point is
dominated when another is at least as good on both axes and strictly better on one. Points
with zero score are degenerate: marked, kept for display, never on a frontier (a cheap
failure is not an efficient answer).
"""

from __future__ import annotations

from typing import Any


def frontier(points: list[dict[str, Any]], cost: str) -> set[int]:
    """Indexes of the non-degenerate points on the score-vs-``cost`` frontier."""
    cand = [(i, p["avg_score_percent"], p[cost]) for i, p in enumerate(points)
            if p.get(cost) is not None and (p.get("avg_score_percent") or 0) > 0]
    on = set()
    for i, s, c in cand:
        dominated = any((s2 >= s and c2 <= c) and (s2 > s or c2 < c) for _, s2, c2 in cand)
        if not dominated:
            on.add(i)
    return on


def mark(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    energy = frontier(points, "avg_energy_j")
    tokens = frontier(points, "avg_output_tokens")
    for i, p in enumerate(points):
        p["degenerate"] = (p.get("avg_score_percent") or 0) <= 0
        p["on_energy_frontier"] = i in energy
        p["on_token_frontier"] = i in tokens
    return points
