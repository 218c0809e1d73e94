"""Failure distributions: rates by stage, type and subtype relative to *all* runs of a group."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from jarri.analysis.database import Analysis
from jarri.surfaces.writer import r6

UNLABELLED = "unlabelled"


def _dominant(counts: dict[str, int]) -> str | None:
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _key(grp: Any) -> Any:
    # A list-valued dimension (several columns) keys by tuple: no separator can collide
    # with a model name.
    return tuple(grp) if isinstance(grp, list) else str(grp)


def distribution(db: Analysis, dim: str) -> dict[Any, dict[str, Any]]:
    """Per group of ``dim`` (an SQL expression over runs, or a list of them in [...]): runs,
    failed runs and rates."""
    groups: dict[Any, dict[str, Any]] = {}
    for t in db.query("group_totals", dim=dim):
        if not t["runs"]:
            continue  # a constant group over no runs at all
        groups[_key(t["grp"])] = {
            "runs": t["runs"], "failed_runs": t["failed_runs"],
            "hard_failures": t["hard_failures"],
            "failure_rate": r6(t["failed_runs"] / t["runs"]),
            "hard_failure_rate": r6(t["hard_failures"] / t["runs"]),
            "stage_counts": defaultdict(int), "type_counts": defaultdict(int),
            "subtype_counts": {},
        }
    for c in db.query("failure_counts", dim=dim):
        g = groups[_key(c["grp"])]
        stage = c["failure_stage"] or UNLABELLED
        g["stage_counts"][stage] += c["n"]
        g["type_counts"][f"{stage}/{c['failure_type'] or UNLABELLED}"] += c["n"]
    for s in db.query("failure_subtypes", dim=dim):
        groups[_key(s["grp"])]["subtype_counts"][s["subtype"]] = s["n"]
    for g in groups.values():
        runs = g["runs"]
        for kind in ("stage", "type", "subtype"):
            counts = dict(g.pop(f"{kind}_counts"))
            g[f"{kind}_counts"] = counts
            g[f"{kind}_rates"] = {k: r6(v / runs) for k, v in counts.items()}
        g["dominant_stage"] = _dominant(g["stage_counts"])
        g["dominant_type"] = _dominant(g["type_counts"])
        top = sorted(g["subtype_counts"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        g["dominant_subtypes"] = [k for k, _ in top]
    return groups
