"""Rows of a comparison from cells (analysis/sql/cells.sql): balanced means, coverage, one
energy class, and whether the row may be compared at all (docs/surfaces.md).

A row is a set of cells (e.g. one model's cells at one GPU and power level) restricted to
the compared tasks. Its metrics are balanced means over the tasks it has graded runs of
(analysis/metrics.py), so repeats, extra power levels or extra GPUs that ran a task never
change how much the task weighs.

The cells' integer sums sit in one numpy matrix (one row per cell: every s_<stem>, every
n_<stem>, runs, ungraded), so a row's per-task totals are one scatter-add; sums stay exact
64-bit integers until the per-task means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jarri.analysis.intervals import row_intervals
from jarri.analysis.memo import Memo
from jarri.analysis.metrics import CLASSES, QUANTITIES, evaluate, sum_columns

STEMS = [stem for stem, _, _ in sum_columns()]
_S = {stem: i for i, stem in enumerate(STEMS)}
_N = {stem: len(STEMS) + i for i, stem in enumerate(STEMS)}
RUNS, UNGRADED = 2 * len(STEMS), 2 * len(STEMS) + 1
WIDTH = 2 * len(STEMS) + 2


@dataclass
class Cells:
    """The cells of a rebuild: descriptive fields per cell, and the sums as a matrix."""
    info: list[dict[str, Any]]      # model, task_key, gpu_key, power_applied_w, ...
    sums: np.ndarray                # (cells, WIDTH) int64
    tasks: list[str]                # sorted task keys; task_code indexes into it
    task_code: np.ndarray           # (cells,) int

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> Cells:
        cols = [f"s_{s}" for s in STEMS] + [f"n_{s}" for s in STEMS] + ["runs", "ungraded"]
        sums = np.array([[int(r[c]) for c in cols] for r in rows], dtype=np.int64) \
            .reshape(len(rows), WIDTH)
        info = [{k: v for k, v in r.items() if not (k.startswith(("s_", "n_")))}
                for r in rows]
        tasks = sorted({r["task_key"] for r in rows})
        code = {t: i for i, t in enumerate(tasks)}
        task_code = np.array([code[r["task_key"]] for r in rows], dtype=np.int64)
        return cls(info=info, sums=sums, tasks=tasks, task_code=task_code)


@dataclass
class Aggregate:
    row: dict[str, Any]
    # per covered task: quantity -> per-task mean (None where undefined); for intervals and
    # paired differences
    means: dict[str, dict[str, float | None]]


def _choose_class(tot: np.ndarray) -> tuple[str | None, bool]:
    """The first class (in preference order) with valid energy on every task; else the first
    with any (the row's energy figures are then null). (class, complete)."""
    if len(tot) == 0:
        return None, False
    has = {c: tot[:, _N[f"energy_net__{c}"]] > 0 for c in CLASSES}
    for c in CLASSES:
        if has[c].all():
            return c, True
    for c in CLASSES:
        if has[c].any():
            return c, False
    return None, False


def _stem(q_name: str, per_class: bool, cls: str | None) -> str | None:
    if not per_class:
        return q_name
    return f"{q_name}__{cls}" if cls else None


def _row_from_totals(tot: np.ndarray, present: list[str], compared: int,
                     interval_key: str | None) -> Aggregate:
    """tot: per-task totals of the compared tasks the row has (rows in task order)."""
    covered_mask = tot[:, _N["score"]] > 0
    cov = tot[covered_mask]
    covered = [t for t, ok in zip(present, covered_mask, strict=True) if ok]
    cls, energy_complete = _choose_class(cov)
    b: dict[str, float | None] = {}
    means: dict[str, dict[str, float | None]] = {t: {} for t in covered}
    row: dict[str, Any] = {}
    for q in QUANTITIES:
        stem = _stem(q.name, q.per_class, cls)
        usable = stem is not None and (energy_complete or not q.per_class)
        if usable and stem is not None:
            s, n = cov[:, _S[stem]], cov[:, _N[stem]]
            row[f"sum_{q.name}"] = round(int(s.sum()) / q.scale, 6)
            row[f"n_{q.name}"] = int(n.sum())
        else:
            s = n = np.zeros(len(cov), dtype=np.int64)
            row[f"sum_{q.name}"], row[f"n_{q.name}"] = 0.0, 0
        vals = [(int(si) / q.scale / int(ni)) if ni > 0 else None
                for si, ni in zip(s, n, strict=True)]
        for t, v in zip(covered, vals, strict=True):
            means[t][q.name] = v
        defined = [v for v in vals if v is not None]
        complete = len(defined) == len(vals) or q.some_tasks
        b[q.name] = math.fsum(defined) / len(defined) if defined and complete else None
    row.update(evaluate(b))
    runs = int(tot[:, RUNS].sum())
    energy_runs = row["n_energy_net"]
    row.update({
        "runs": runs,
        "ungraded": int(tot[:, UNGRADED].sum()),
        "graded_runs": int(cov[:, _N["score"]].sum()),
        "passed_runs": int(cov[:, _S["passed"]].sum()),
        "tasks_in_slice": len(covered),
        "tasks_compared": compared,
        "coverage": round(len(covered) / compared, 6) if compared else None,
        "energy_class": cls,
        "energy_runs": energy_runs,
        "energy_coverage": round(energy_runs / runs, 6) if runs else None,
        "skipped_energy": runs - energy_runs,
        "skipped_output_tokens": runs - row["n_output_tokens"],
    })
    reasons = []
    if len(covered) < compared:
        reasons.append(f"covers {len(covered)} of {compared} compared tasks")
    if not (row["success_rate"] or 0) > 0:
        reasons.append("passes nothing (success rate 0)")
    row["comparable"] = not reasons
    row["not_comparable_because"] = reasons
    row["ci95"] = row_intervals(means, interval_key) if interval_key and len(covered) > 1 \
        else None
    return Aggregate(row=row, means=means)


def aggregate(cells: Cells, idx: Sequence[int] | np.ndarray,
              compared: Sequence[str] | None = None, *,
              interval_key: str | None = None, memo: Memo | None = None) -> Aggregate:
    """One row over the cells ``idx``. ``compared``: the task set the row is compared on
    (default: the tasks of its cells). ``interval_key`` seeds the bootstrap (None: none).
    With ``memo`` (analysis/memo.py), a row whose per-task sums were seen by the last
    rebuild is not computed again."""
    idx = np.asarray(idx, dtype=np.int64)
    tot = np.zeros((len(cells.tasks), WIDTH), dtype=np.int64)
    np.add.at(tot, cells.task_code[idx], cells.sums[idx])
    has = tot[:, RUNS] > 0
    if compared is None:
        wanted = [i for i in range(len(cells.tasks)) if has[i]]
        n_compared = len(wanted)
    else:
        code = {t: i for i, t in enumerate(cells.tasks)}
        wanted = [code[t] for t in sorted(compared) if t in code and has[code[t]]]
        n_compared = len(compared)
    sub, present = tot[wanted], [cells.tasks[i] for i in wanted]
    if memo is None:
        return _row_from_totals(sub, present, n_compared, interval_key)
    return memo.get(["row", np.ascontiguousarray(sub).tobytes(), list(sub.shape), present,
                     n_compared, interval_key],
                    lambda: _row_from_totals(sub, present, n_compared, interval_key),
                    lambda a: [a.row, a.means], lambda v: Aggregate(row=v[0], means=v[1]))


def per_cell(cells: Cells) -> list[dict[str, Any]]:
    """The row of every single cell (one task, so no interval): the same values as
    ``aggregate`` over that cell alone, computed for all cells at once."""
    v = cells.sums
    count = len(v)
    covered = v[:, _N["score"]] > 0
    # energy class per cell: the first class with valid energy (one task: it is complete)
    cls_of: list[str | None] = [None] * count
    for c in reversed(CLASSES):
        for j in np.flatnonzero(v[:, _N[f"energy_net__{c}"]] > 0).tolist():
            cls_of[j] = c
    cls_of = [c if ok else None for c, ok in zip(cls_of, covered.tolist(), strict=True)]
    cols: dict[str, tuple[list[int], list[int]]] = {}
    rows_ix = np.arange(count)
    for q in QUANTITIES:
        if q.per_class:
            s_col = np.array([_S[f"{q.name}__{c}"] if c else 0 for c in cls_of], dtype=np.int64)
            n_col = np.array([_N[f"{q.name}__{c}"] if c else 0 for c in cls_of], dtype=np.int64)
            has = np.array([c is not None for c in cls_of], dtype=bool)
            s = np.where(has, v[rows_ix, s_col], 0)
            n = np.where(has, v[rows_ix, n_col], 0)
        else:
            s, n = v[:, _S[q.name]], v[:, _N[q.name]]
        s, n = np.where(covered, s, 0), np.where(covered, n, 0)
        cols[q.name] = (s.tolist(), n.tolist())
    runs, ungraded = v[:, RUNS].tolist(), v[:, UNGRADED].tolist()
    out = []
    for i in range(count):
        b: dict[str, float | None] = {}
        row: dict[str, Any] = {}
        for q in QUANTITIES:
            si, ni = cols[q.name][0][i], cols[q.name][1][i]
            b[q.name] = si / q.scale / ni if ni > 0 else None
            row[f"sum_{q.name}"] = round(si / q.scale, 6)
            row[f"n_{q.name}"] = ni
        row.update(evaluate(b))
        ok = bool(covered[i])
        energy_runs = row["n_energy_net"]
        reasons = [] if ok else ["covers 0 of 1 compared tasks"]
        if not (row["success_rate"] or 0) > 0:
            reasons.append("passes nothing (success rate 0)")
        row.update({
            "runs": runs[i], "ungraded": ungraded[i], "graded_runs": row["n_score"],
            "passed_runs": cols["passed"][0][i], "tasks_in_slice": int(ok),
            "tasks_compared": 1, "coverage": 1.0 if ok else 0.0, "energy_class": cls_of[i],
            "energy_runs": energy_runs,
            "energy_coverage": round(energy_runs / runs[i], 6) if runs[i] else None,
            "skipped_energy": runs[i] - energy_runs,
            "skipped_output_tokens": runs[i] - row["n_output_tokens"],
            "comparable": not reasons, "not_comparable_because": reasons, "ci95": None})
        out.append(row)
    return out
