"""Columns relative to the best comparable row of a set (the UI recomputes them over the
visible rows with the same rule, ui/metrics.js)."""

from __future__ import annotations

from typing import Any

from jarri.surfaces.writer import r6


def add_vs_best(rows: list[dict[str, Any]]) -> None:
    """output_token_waste (vs the smallest avg_output_tokens) and score_per_wh_vs_best (vs
    the largest score_per_wh). Only comparable rows (the whole compared task set, success
    rate > 0) can be the best or be measured against it; the others get null."""
    ok = [r for r in rows if r.get("comparable")]
    tokens = [r["avg_output_tokens"] for r in ok if (r.get("avg_output_tokens") or 0) > 0]
    wh = [r["score_per_wh"] for r in ok if (r.get("score_per_wh") or 0) > 0]
    best_tokens = min(tokens) if tokens else None
    best_wh = max(wh) if wh else None
    for r in rows:
        t, s = r.get("avg_output_tokens"), r.get("score_per_wh")
        fair = bool(r.get("comparable"))
        r["output_token_waste"] = r6(t / best_tokens) if fair and t and best_tokens else None
        r["score_per_wh_vs_best"] = r6(s / best_wh) if fair and s is not None and best_wh \
            else None
