"""Rows of a comparison from cells (analysis/sql/cells.sql): balanced means, coverage, one
energy class, and whether the row may be compared at all (docs/surfaces.md).

A row is a set of cells (e.g. one model's cells at one GPU and power level) restricted to
the compared tasks. Its metrics are balanced means over the tasks it has graded runs of
(analysis/metrics.py), so repeats, extra power levels or extra GPUs that ran a task never
change how much the task weighs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jarri.analysis.intervals import row_intervals
from jarri.analysis.metrics import (
    CLASSES,
    QUANTITIES,
    balanced_means,
    evaluate,
    sum_columns,
)

_STEMS = sum_columns()
_ENERGY = [q for q in QUANTITIES if q.per_class]


@dataclass
class Aggregate:
    row: dict[str, Any]
    # per covered task: quantity -> per-task mean (None where undefined); for intervals and
    # paired differences
    means: dict[str, dict[str, float | None]] = field(default_factory=dict)


def _task_totals(cells: Iterable[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """task_key -> stem -> [integer sum, count], over the given cells."""
    out: dict[str, dict[str, list[int]]] = {}
    for c in cells:
        t = out.setdefault(c["task_key"], {"__runs": [0, 0], "__ungraded": [0, 0]})
        t["__runs"][0] += c["runs"]
        t["__ungraded"][0] += c["ungraded"]
        for stem, _, _ in _STEMS:
            acc = t.setdefault(stem, [0, 0])
            acc[0] += int(c[f"s_{stem}"])
            acc[1] += int(c[f"n_{stem}"])
    return out


def _energy_class(totals: dict[str, dict[str, list[int]]], tasks: Sequence[str]) -> tuple[
        str | None, bool]:
    """The first class (in preference order) with valid energy on every task; else the first
    with any (the row's energy figures are then null). (class, complete)."""
    for cls in CLASSES:
        if tasks and all(totals[t][f"energy_net__{cls}"][1] > 0 for t in tasks):
            return cls, True
    for cls in CLASSES:
        if any(totals[t][f"energy_net__{cls}"][1] > 0 for t in tasks):
            return cls, False
    return None, False


def aggregate(cells: Iterable[dict[str, Any]], compared: Sequence[str] | None = None, *,
              interval_key: str | None = None) -> Aggregate:
    """One row over ``cells``. ``compared``: the task set the row is compared on (default:
    the tasks of its cells). ``interval_key``: seeds the bootstrap; None = no intervals."""
    totals = _task_totals(cells)
    compared_set = sorted(compared) if compared is not None else sorted(totals)
    present = [t for t in compared_set if t in totals]
    covered = [t for t in present if totals[t]["score"][1] > 0]
    cls, energy_complete = _energy_class(totals, covered)

    per_task: list[dict[str, tuple[float, int]]] = []
    for t in covered:
        tt = totals[t]
        d: dict[str, tuple[float, int]] = {}
        for q in QUANTITIES:
            if q.per_class:  # energy: the row's one class, and only if it covers every task
                s, n = tt[f"{q.name}__{cls}"] if cls and energy_complete else (0, 0)
            else:
                s, n = tt[q.name]
            d[q.name] = (s / q.scale, n)
        per_task.append(d)
    b = balanced_means(per_task)
    row: dict[str, Any] = evaluate(b)

    def total(stem: str, i: int) -> int:
        return sum(totals[t][stem][i] for t in covered)

    runs = sum(totals[t]["__runs"][0] for t in present)
    row.update({
        "runs": runs,
        "ungraded": sum(totals[t]["__ungraded"][0] for t in present),
        "graded_runs": total("score", 1),
        "passed_runs": total("passed", 0),
        "tasks_in_slice": len(covered),
        "tasks_compared": len(compared_set),
        "coverage": round(len(covered) / len(compared_set), 6) if compared_set else None,
        "energy_class": cls,
    })
    energy_runs = total(f"energy_net__{cls}", 1) if cls and energy_complete else 0
    row["energy_runs"] = energy_runs
    row["energy_coverage"] = round(energy_runs / runs, 6) if runs else None
    row["skipped_energy"] = runs - energy_runs
    row["skipped_output_tokens"] = runs - total("output_tokens", 1)
    for q in QUANTITIES:
        if q.per_class and not (cls and energy_complete):
            s, n = 0, 0
        else:
            stem = f"{q.name}__{cls}" if q.per_class else q.name
            s, n = total(stem, 0), total(stem, 1)
        row[f"sum_{q.name}"] = round(s / q.scale, 6)
        row[f"n_{q.name}"] = n
    reasons = []
    if len(covered) < len(compared_set):
        reasons.append(f"covers {len(covered)} of {len(compared_set)} compared tasks")
    if not (row["success_rate"] or 0) > 0:
        reasons.append("passes nothing (success rate 0)")
    row["comparable"] = not reasons
    row["not_comparable_because"] = reasons
    means = {t: {q: (s / n if n > 0 else None) for q, (s, n) in d.items()}
             for t, d in zip(covered, per_task, strict=True)}
    row["ci95"] = row_intervals(means, interval_key) if interval_key and len(covered) > 1 \
        else None
    return Aggregate(row=row, means=means)
