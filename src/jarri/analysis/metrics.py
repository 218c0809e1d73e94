"""The one declaration of every metric (docs/surfaces.md, "Metrics").

Two tables:

* ``QUANTITIES``: per-run values, each with the runs it is defined on. The rebuild sums each
  one per *cell* (model x task x GPU x applied watts) in SQL (``cell_sums_sql``), as exact
  integers; everything above a cell is computed from those sums.
* ``METRICS``: each metric is ``factor x B(num) / B(den)`` (or ``factor x B(num)``), where
  ``B(q)`` is the **balanced mean** of a quantity over the tasks of a slice: the mean over
  tasks of the per-task mean, so every task weighs the same however often it ran.

From these two tables come the SQL sums, the surfaces' ``definitions`` and ``formulas``
(the UI evaluates the same formulas from ``formulas``, ui/metrics.js), and the bootstrap
intervals (analysis/intervals.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# Which runs a quantity is defined on. Ungraded runs (no evaluator, or the evaluator crashed)
# say nothing about the model: they never enter a correctness quantity.
GRADED = "graded"
OUTPUT = "output_tokens > 0"              # the run produced output (a token count > 0)
COUNTED = "output_tokens IS NOT NULL"     # the server reported a token count (0 included)
ENERGY = "energy_valid AND energy_class = '{cls}'"


@dataclass(frozen=True)
class Quantity:
    name: str
    expr: str       # per-run SQL value (integer)
    where: str      # SQL: the runs it is defined on
    scale: float    # the summed integer divided by this is in ``unit``
    unit: str
    doc: str
    # A mean over the tasks where it is defined (format is graded on some tasks only);
    # every other quantity must be defined on every task of a row.
    some_tasks: bool = False

    @property
    def per_class(self) -> bool:
        """Energy quantities are summed per energy-method class: one class per average."""
        return "{cls}" in self.where


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("score", "coalesce(score_micro, 0)", GRADED, 1e6, "points",
             "score_percent of a graded run (no score, e.g. the backend failed: 0)"),
    Quantity("passed", "CAST(coalesce(passed, false) AS INTEGER)", GRADED, 1, "runs",
             "1 if the evaluator passed a graded run"),
    Quantity("fully_correct", "CAST(coalesce(fully_correct, false) AS INTEGER)", GRADED, 1,
             "runs", "1 if a graded run scored 100"),
    Quantity("completed", "CAST(coalesce(completed, false) AS INTEGER)", "true", 1, "runs",
             "1 if the backend produced output"),
    Quantity("hard_failure", "CAST(coalesce(hard_failure, false) AS INTEGER)", "true", 1,
             "runs", "1 if the output was structurally unusable"),
    Quantity("format_ok", "CAST(format_ok AS INTEGER)", "format_ok IS NOT NULL", 1, "runs",
             "1 if a format-graded run followed the answer format its prompt asks for",
             some_tasks=True),
    Quantity("output_tokens", "output_tokens", OUTPUT, 1, "tokens",
             "output tokens (thinking included) of a run that produced output"),
    Quantity("tokens_spent", "output_tokens", COUNTED, 1, "tokens",
             "output tokens of every run that reports a count, empty runs included (the "
             "cost of trying)"),
    Quantity("total_tokens", "prompt_tokens + output_tokens",
             f"{OUTPUT} AND prompt_tokens IS NOT NULL", 1, "tokens",
             "prompt + output tokens of a run that produced output"),
    Quantity("decode_tokens", "output_tokens", f"{OUTPUT} AND eval_us > 0", 1, "tokens",
             "output tokens of a run whose server reported its decode time"),
    Quantity("eval_s", "eval_us", f"{OUTPUT} AND eval_us > 0", 1e6, "s",
             "the server's decode time"),
    Quantity("wall_s", "wall_ns", f"{OUTPUT} AND wall_ns IS NOT NULL", 1e9, "s",
             "the client's wall-clock time of a run that produced output"),
    Quantity("energy_net", "energy_net_mj", ENERGY, 1e3, "J",
             "energy net of idle, of a run with valid energy"),
    Quantity("energy_gross", "energy_gross_mj", ENERGY + " AND energy_gross_mj IS NOT NULL",
             1e3, "J", "energy including idle, of a run with valid energy"),
)
Q = {q.name: q for q in QUANTITIES}

# Energy-method classes, in order of preference. An average uses one class only: the first
# of these that covers every task of the row (the surfaces say which, in energy_class).
# Imported or sampled energy (which under-reads short runs) is never averaged with counter
# energy.
ENERGY_CLASSES: dict[str, tuple[str, ...]] = {
    "gpu_counter": ("nvml_energy_counter",),
    "cpu_counter": ("rapl_powercap",),
    "gpu_sampled": ("nvml_power_sampled", "upstream_nvidia_smi_sampled_v1"),
}
OTHER_CLASS = "other"
CLASSES = (*ENERGY_CLASSES, OTHER_CLASS)

Direction = Literal["higher", "lower", "neutral"]


@dataclass(frozen=True)
class Metric:
    name: str
    num: str
    den: str | None
    factor: float
    unit: str
    better: Direction
    doc: str
    interval: bool = False   # gets a 95 % bootstrap interval on multi-task rows


METRICS: tuple[Metric, ...] = (
    Metric("avg_score_percent", "score", None, 1, "points", "higher",
           "balanced mean of score_percent over graded runs", True),
    Metric("success_rate", "passed", None, 1, "fraction", "higher",
           "balanced fraction of graded runs the evaluator passed (not HTTP success)", True),
    Metric("fully_correct_rate", "fully_correct", None, 1, "fraction", "higher",
           "balanced fraction of graded runs with score 100"),
    Metric("completion_rate", "completed", None, 1, "fraction", "higher",
           "balanced fraction of runs where the backend produced output"),
    Metric("hard_failure_rate", "hard_failure", None, 1, "fraction", "lower",
           "balanced fraction of runs whose output was structurally unusable"),
    Metric("format_compliance_rate", "format_ok", None, 1, "fraction", "higher",
           "balanced fraction of format-graded runs that followed the answer format their "
           "prompt asks for (task discipline; apart from correctness)"),
    Metric("avg_energy_j", "energy_net", None, 1, "J", "lower",
           "balanced mean energy net of idle per run (valid-energy runs of one method "
           "class)", True),
    Metric("avg_energy_gross_j", "energy_gross", None, 1, "J", "lower",
           "balanced mean energy including idle per run (valid-energy runs)", True),
    Metric("energy_per_success_j", "energy_net", "passed", 1, "J/passed answer", "lower",
           "B(energy_net) / B(passed): net energy per passed answer", True),
    Metric("output_tokens_per_success", "tokens_spent", "passed", 1, "tokens/passed answer",
           "lower", "B(tokens_spent) / B(passed): output tokens per passed answer, empty "
           "runs included", True),
    Metric("avg_output_tokens", "output_tokens", None, 1, "tokens", "lower",
           "balanced mean output tokens (thinking included) over runs that produced output",
           True),
    Metric("avg_total_tokens", "total_tokens", None, 1, "tokens", "lower",
           "balanced mean prompt + output tokens over runs that produced output"),
    Metric("tokens_per_second", "decode_tokens", "eval_s", 1, "tokens/s", "higher",
           "B(decode_tokens) / B(eval_s): decode speed"),
    Metric("e2e_tokens_per_second", "output_tokens", "wall_s", 1, "tokens/s", "higher",
           "B(output_tokens) / B(wall_s): speed on the client's clock"),
    Metric("joules_per_output_token", "energy_net", "output_tokens", 1, "J/token", "lower",
           "B(energy_net) / B(output_tokens)"),
    Metric("output_tokens_per_joule", "output_tokens", "energy_net", 1, "tokens/J",
           "higher", "B(output_tokens) / B(energy_net)"),
    Metric("score_per_100_output_tokens", "score", "output_tokens", 100, "points/100 tokens",
           "higher", "100 x B(score) / B(output_tokens)"),
    Metric("score_per_output_token", "score", "output_tokens", 1, "points/token", "higher",
           "B(score) / B(output_tokens)"),
    Metric("score_per_wh", "score", "energy_net", 3600, "points/Wh", "higher",
           "B(score) / (B(energy_net) / 3600)", True),
)
M = {m.name: m for m in METRICS}


def energy_class_sql() -> str:
    """The SQL CASE that maps energy_method to its class (00_load.sql)."""
    whens = " ".join(f"WHEN energy_method IN ({', '.join(repr(m) for m in methods)}) "
                     f"THEN '{cls}'" for cls, methods in ENERGY_CLASSES.items())
    return f"CASE {whens} ELSE '{OTHER_CLASS}' END"


def sum_columns() -> list[tuple[str, str | None, Quantity]]:
    """(column stem, energy class or None, quantity) of every per-cell sum."""
    cols: list[tuple[str, str | None, Quantity]] = []
    for q in QUANTITIES:
        if q.per_class:
            cols.extend((f"{q.name}__{c}", c, q) for c in CLASSES)
        else:
            cols.append((q.name, None, q))
    return cols


def cell_sums_sql() -> str:
    """The SELECT list of integer sums and counts per cell: s_<q>, n_<q>."""
    parts = []
    for stem, cls, q in sum_columns():
        where = q.where.format(cls=cls) if cls else q.where
        parts.append(f"coalesce(sum({q.expr}) FILTER (WHERE {where}), 0) AS s_{stem}")
        parts.append(f"count(*) FILTER (WHERE {where}) AS n_{stem}")
    return ",\n  ".join(parts)


# --- evaluating the formulas (balanced means: analysis/balanced.py; the UI evaluates
# ``formulas()`` in ui/metrics.js) ---

def evaluate(b: Mapping[str, float | None]) -> dict[str, float | None]:
    """Every metric from balanced means (null where an input is null or a divisor is 0)."""
    out: dict[str, float | None] = {}
    for m in METRICS:
        num = b.get(m.num)
        den = 1.0 if m.den is None else b.get(m.den)
        out[m.name] = (None if num is None or den is None or den == 0
                       else round(m.factor * num / den, 6))
    return out


def formulas() -> dict[str, Any]:
    """What the UI needs to evaluate the same metrics over the rows it shows."""
    return {
        "quantities": [q.name for q in QUANTITIES],
        "energy_quantities": [q.name for q in QUANTITIES if q.per_class],
        "some_tasks": [q.name for q in QUANTITIES if q.some_tasks],
        "scales": {q.name: q.scale for q in QUANTITIES},
        "correctness_quantity": "score",
        "energy_classes": list(CLASSES),
        "metrics": {m.name: {"num": m.num, "den": m.den, "factor": m.factor,
                             "better": m.better, "unit": m.unit} for m in METRICS},
    }


_EXTRA_DEFINITIONS: dict[str, str] = {
    "runs": "number of run records in the slice (ungraded included)",
    "ungraded": "runs left out of every correctness metric: the task names no evaluator "
                "(not_evaluated) or the evaluator failed (evaluator_error)",
    "B(q)": "balanced mean: for each task the mean of q over the task's runs on which q is "
            "defined, then the mean over the tasks; null unless every task has such a run",
    "coverage": "tasks of the compared set this row has graded runs of / tasks in the set",
    "comparable": "true when the row covers the whole compared set and passes something "
                  "(success_rate > 0); only comparable rows are on frontiers or 'best'",
    "energy_class": "the one energy-method class every energy figure of the row is averaged "
                    "over (gpu_counter, cpu_counter, gpu_sampled, other)",
    "output_token_waste": "avg_output_tokens / the smallest avg_output_tokens among the "
                          "comparable rows compared (1.00x = best); null on rows that are not "
                          "comparable",
    "score_per_wh_vs_best": "score_per_wh / the largest score_per_wh among the comparable "
                            "rows compared (1.00x = best); null on rows that are not "
                            "comparable",
    "ci95": "95 % bootstrap interval per metric [low, high]: tasks resampled with "
            "replacement (all runs of a task together), 2,000 resamples, seeded by the row",
    "skipped_output_tokens": "runs that produced no output (left out of token metrics "
                             "except tokens_spent)",
    "skipped_energy": "runs left out of energy metrics (no valid energy of the row's class)",
    "sum_<q> / n_<q>": "the sum of quantity q (in its unit) and the runs it is defined on, "
                       "so a consumer can aggregate task rows with the same formulas",
}


def definitions() -> dict[str, str]:
    d = {m.name: f"{m.doc} [{m.unit}; {m.better} is better]" for m in METRICS}
    d.update({f"q:{q.name}": f"{q.doc} [{q.unit}]" for q in QUANTITIES})
    d.update(_EXTRA_DEFINITIONS)
    return d
