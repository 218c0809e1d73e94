"""95 % intervals by bootstrap over tasks, and paired differences between two rows.

Following Miller (2024), "Adding Error Bars to Evals": the unit of resampling is the task
(a cluster), not the run: the tasks of a row are drawn with replacement and every run of a
drawn task comes with it (the per-task means are resampled, so repeats inside a task move
together). Every metric of a row is computed from the same resampled task sets, and a paired
difference resamples the same tasks for both rows. Seeds come from the row's key, so a
rebuild gives the same intervals byte for byte whatever the order or thread count.

numpy does the resampling directly: one matrix of draw counts serves every metric of a row
(and both sides of a pair), so a resample is one matrix product, and a few hundred rows
cost milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jarri.analysis.metrics import METRICS, Metric

RESAMPLES = 2000
LEVEL = 0.95
INTERVAL_METRICS: tuple[Metric, ...] = tuple(m for m in METRICS if m.interval)
# The metrics a pair of models is compared on (paired over their common tasks).
PAIRED = ("avg_score_percent", "success_rate", "avg_energy_j", "energy_per_success_j",
          "avg_output_tokens", "output_tokens_per_success")

Means = Mapping[str, Mapping[str, float | None]]   # task -> quantity -> per-task mean


def _weights(key: str, tasks: int) -> np.ndarray:
    """(RESAMPLES, tasks): how often each task is drawn in each resample of ``tasks`` draws
    with replacement."""
    seed = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    draws = np.random.default_rng(seed).integers(0, tasks, size=(RESAMPLES, tasks))
    flat = draws + tasks * np.arange(RESAMPLES)[:, None]
    return np.bincount(flat.ravel(), minlength=RESAMPLES * tasks).reshape(
        RESAMPLES, tasks).astype(float)


def _resampled_means(means: Means, tasks: Sequence[str], w: np.ndarray
                     ) -> dict[str, np.ndarray]:
    """quantity -> its balanced mean in every resample (quantities defined on every task)."""
    names = sorted({q for t in tasks for q in means[t]})
    cols = [q for q in names if all(means[t].get(q) is not None for t in tasks)]
    if not cols:
        return {}
    m = np.array([[means[t][q] for q in cols] for t in tasks], dtype=float)
    r = w @ m / len(tasks)
    return {q: r[:, j] for j, q in enumerate(cols)}


def _metric(res: Mapping[str, np.ndarray], m: Metric) -> np.ndarray | None:
    """The metric on every resampled task set (non-finite where a divisor is 0)."""
    num = res.get(m.num)
    if num is None:
        return None
    if m.den is None:
        return np.asarray(m.factor * num)
    den = res.get(m.den)
    if den is None:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(m.factor * num / den)


def _bounds(vals: np.ndarray) -> list[float | None]:
    """Percentile interval; a bound is null (unbounded) where resamples divided by 0."""
    vals = np.where(np.isfinite(vals), vals, np.inf)
    lo, hi = np.quantile(vals, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], method="inverted_cdf")
    return [round(float(v), 6) if np.isfinite(v) else None for v in (lo, hi)]


def row_intervals(means: Means, key: str) -> dict[str, list[float | None]]:
    """metric -> [low, high] for the interval metrics defined on the row."""
    tasks = sorted(means)
    res = _resampled_means(means, tasks, _weights(key, len(tasks)))
    out: dict[str, list[float | None]] = {}
    for m in INTERVAL_METRICS:
        vals = _metric(res, m)
        if vals is not None:
            out[m.name] = _bounds(vals)
    return out


def paired(a: Means, b: Means, tasks: Sequence[str], key: str,
           point_a: Mapping[str, Any], point_b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A - B on the given common tasks, per paired metric, with a 95 % interval; the verdict
    is 'tie' when the interval includes 0."""
    tasks = sorted(tasks)
    if len(tasks) < 2:
        return []
    w = _weights(key, len(tasks))
    ra, rb = _resampled_means(a, tasks, w), _resampled_means(b, tasks, w)
    out = []
    for name in PAIRED:
        m = next(x for x in METRICS if x.name == name)
        va, vb = _metric(ra, m), _metric(rb, m)
        pa, pb = point_a.get(name), point_b.get(name)
        if va is None or vb is None or pa is None or pb is None:
            continue
        with np.errstate(invalid="ignore"):
            lo, hi = _bounds(va - vb)
        diff = round(pa - pb, 6)
        if lo is not None and lo > 0:
            higher = "a"
        elif hi is not None and hi < 0:
            higher = "b"
        else:
            higher = None
        if higher is None:
            verdict = "tie"
        elif m.better == "neutral":
            verdict = f"{higher} higher"
        else:
            better = higher if m.better == "higher" else ("b" if higher == "a" else "a")
            verdict = f"{better} better"
        out.append({"metric": name, "difference": diff, "ci95": [lo, hi],
                    "verdict": verdict})
    return out
