"""Columns relative to the best row of a set (recomputed by the UI over the visible rows)."""

from __future__ import annotations

from typing import Any

from jarri.surfaces.writer import r6


def add_vs_best(rows: list[dict[str, Any]]) -> None:
    """output_token_waste (vs the smallest avg_output_tokens) and score_per_wh_vs_best (vs
    the largest score_per_wh), relative to all rows given."""
    tokens = [r["avg_output_tokens"] for r in rows if (r.get("avg_output_tokens") or 0) > 0]
    wh = [r["score_per_wh"] for r in rows if (r.get("score_per_wh") or 0) > 0]
    best_tokens = min(tokens) if tokens else None
    best_wh = max(wh) if wh else None
    for r in rows:
        t = r.get("avg_output_tokens")
        r["output_token_waste"] = r6(t / best_tokens) if t is not None and best_tokens else None
        s = r.get("score_per_wh")
        r["score_per_wh_vs_best"] = r6(s / best_wh) if s is not None and best_wh else None
