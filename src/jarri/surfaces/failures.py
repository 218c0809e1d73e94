"""Failure distributions: rates by stage, type and subtype relative to *all* runs of a group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from jarri.analysis.database import Analysis
from jarri.surfaces.writer import r6

UNLABELLED = "unlabelled"


def _dominant(counts: dict[str, int]) -> str | None:
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _select(dims: str | Sequence[str]) -> tuple[dict[str, str], Callable[[dict[str, Any]], Any]]:
    """The SQL parameters for a grouping by ``dims`` (one SQL expression over runs, or
    several), and the key of a result row's group. Several dimensions are grouped as
    separate columns (DuckDB groups and sorts those far faster than one list value) and key
    by tuple: no separator can collide with a model name; one keys by its text."""
    many = not isinstance(dims, str)
    exprs = list(dims) if many else [dims]
    names = [f"g{i}" for i in range(len(exprs))]
    params = {"dims": ", ".join(f"{e} AS {n}" for e, n in zip(exprs, names, strict=True)),
              "groups": ", ".join(names)}
    if many:
        return params, lambda row: tuple(row[n] for n in names)
    return params, lambda row: str(row["g0"])


def distribution(db: Analysis, dims: str | Sequence[str]) -> dict[Any, dict[str, Any]]:
    """Per group of ``dims`` (an SQL expression over runs, or a list of them): runs, failed
    runs and rates."""
    params, key = _select(dims)
    groups: dict[Any, dict[str, Any]] = {}
    for t in db.query("group_totals", **params):
        if not t["runs"]:
            continue  # a constant group over no runs at all
        groups[key(t)] = {
            "runs": t["runs"], "failed_runs": t["failed_runs"],
            "hard_failures": t["hard_failures"],
            "failure_rate": r6(t["failed_runs"] / t["runs"]),
            "hard_failure_rate": r6(t["hard_failures"] / t["runs"]),
            "stage_counts": defaultdict(int), "type_counts": defaultdict(int),
            "subtype_counts": {},
        }
    for c in db.query("failure_counts", **params):
        g = groups[key(c)]
        stage = c["failure_stage"] or UNLABELLED
        g["stage_counts"][stage] += c["n"]
        g["type_counts"][f"{stage}/{c['failure_type'] or UNLABELLED}"] += c["n"]
    for s in db.query("failure_subtypes", **params):
        groups[key(s)]["subtype_counts"][s["subtype"]] = s["n"]
    for g in groups.values():
        _finish(g)
    return groups


def _finish(g: dict[str, Any]) -> None:
    """Rates and dominant labels from a group's counts."""
    runs = g["runs"]
    for kind in ("stage", "type", "subtype"):
        counts = dict(g.pop(f"{kind}_counts"))
        g[f"{kind}_counts"] = counts
        g[f"{kind}_rates"] = {k: r6(v / runs) for k, v in counts.items()}
    g["dominant_stage"] = _dominant(g["stage_counts"])
    g["dominant_type"] = _dominant(g["type_counts"])
    top = sorted(g["subtype_counts"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    g["dominant_subtypes"] = [k for k, _ in top]


def _stage_order(stage: str) -> tuple[bool, str]:
    return stage == UNLABELLED, stage  # as the queries order them: a missing label last


def _type_order(key: str) -> tuple[bool, str, bool, str]:
    stage, _, ftype = key.partition("/")
    return stage == UNLABELLED, stage, ftype == UNLABELLED, ftype


def rollup(fine: dict[Any, dict[str, Any]], group_of: Callable[[Any], Any]
           ) -> dict[Any, dict[str, Any]]:
    """Coarser groups from a finer distribution (``group_of`` maps a fine key to its
    group): the counts add up, and rates, dominant labels and the order of every count are
    what ``distribution`` gives for that grouping, without reading the runs again."""
    sums: dict[Any, dict[str, Any]] = {}
    for key, g in fine.items():
        s = sums.setdefault(group_of(key), {"runs": 0, "failed_runs": 0, "hard_failures": 0,
                                            "stage_counts": defaultdict(int),
                                            "type_counts": defaultdict(int),
                                            "subtype_counts": defaultdict(int)})
        for field in ("runs", "failed_runs", "hard_failures"):
            s[field] += g[field]
        for kind in ("stage", "type", "subtype"):
            for label, n in g[f"{kind}_counts"].items():
                s[f"{kind}_counts"][label] += n
    out = {}
    for grp, s in sums.items():
        g = {"runs": s["runs"], "failed_runs": s["failed_runs"],
             "hard_failures": s["hard_failures"],
             "failure_rate": r6(s["failed_runs"] / s["runs"]),
             "hard_failure_rate": r6(s["hard_failures"] / s["runs"]),
             "stage_counts": dict(sorted(s["stage_counts"].items(),
                                         key=lambda kv: _stage_order(kv[0]))),
             "type_counts": dict(sorted(s["type_counts"].items(),
                                        key=lambda kv: _type_order(kv[0]))),
             "subtype_counts": dict(sorted(s["subtype_counts"].items()))}
        _finish(g)
        out[grp] = g
    return out
