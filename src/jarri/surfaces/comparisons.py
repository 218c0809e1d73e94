"""The comparison surfaces, all from the cells (analysis/sql/cells.sql): model rankings,
power levels, Pareto points, task rankings, model x task x power rows, per-experiment
analyses and paired model differences (docs/surfaces.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jarri.analysis.balanced import STEMS, Aggregate, Cells, aggregate, per_cell
from jarri.analysis.intervals import PAIRED, paired
from jarri.analysis.memo import Memo
from jarri.surfaces import pareto
from jarri.surfaces.relative import add_vs_best

Cell = dict[str, Any]
Key = Callable[[Cell], tuple[Any, ...]]

_DESCRIBE_CELL = ("experiment_id", "task_id", "task_family", "task_name", "task_base",
                  "task_version", "gpu_name", "power_requests", "power_percent_of_default",
                  "backends", "energy_methods")


def _group(cells: Iterable[Cell], key: Key) -> dict[tuple[Any, ...], list[Cell]]:
    out: dict[tuple[Any, ...], list[Cell]] = defaultdict(list)
    for c in cells:
        out[key(c)].append(c)
    return out


def _groups(info: list[Cell], key: Key) -> dict[tuple[Any, ...], list[int]]:
    """Cell indexes per key."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, c in enumerate(info):
        out[key(c)].append(i)
    return out


def _sort_key(k: tuple[Any, ...]) -> tuple[Any, ...]:
    # None sorts first (power level "not set"), as in SQL's NULLS FIRST
    return tuple((0, "") if v is None else (1, v) for v in k)


def _union(cells: Sequence[Cell], field: str) -> list[Any] | None:
    vals = sorted({v for c in cells for v in (c.get(field) or [])})
    return vals or None


def _config_fields(cells: Sequence[Cell]) -> dict[str, Any]:
    pct = [c["power_percent_of_default"] for c in cells
           if c.get("power_percent_of_default") is not None]
    return {"gpu_name": min((c["gpu_name"] for c in cells if c.get("gpu_name")), default=None),
            "power_requests": _union(cells, "power_requests"),
            "power_percent_of_default": max(pct) if pct else None,
            "backends": _union(cells, "backends") or [],
            "energy_methods": _union(cells, "energy_methods") or []}


@dataclass
class Comparisons:
    compared: list[str]          # the compared task set (common tasks, or all if none)
    common: bool                 # whether it is the common task set
    tasks_total: int
    models: list[dict[str, Any]]
    model_means: dict[str, Aggregate]
    model_tdp: list[dict[str, Any]]
    pareto: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    model_task_tdp: list[dict[str, Any]]
    experiments: dict[str, list[dict[str, Any]]]
    pairs: list[dict[str, Any]]


def _integer_sums(raw: Cell) -> dict[str, list[int]]:
    """The cell's exact integer sums, {stem: [sum, count]} where count > 0, energy per class
    (a cell can hold runs of several classes): the UI aggregates any filtered set of cells
    from these with the rebuild's own arithmetic (ui/metrics.js)."""
    return {stem: [int(raw[f"s_{stem}"]), int(raw[f"n_{stem}"])] for stem in STEMS
            if raw[f"n_{stem}"] > 0}


def _common(cells: Sequence[Cell]) -> list[str]:
    """Tasks every model with graded runs has graded runs of."""
    graded: dict[str, set[str]] = defaultdict(set)
    for c in cells:
        if c["graded"] > 0:
            graded[c["model"]].add(c["task_key"])
    if not graded:
        return []
    return sorted(set.intersection(*graded.values()))


def _paired(a: Aggregate, b: Aggregate, shared: list[str], key: str,
            memo: Memo | None) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        return paired(a.means, b.means, shared, key, a.row, b.row)

    if memo is None:
        return compute()
    points = [[a.row.get(m), b.row.get(m)] for m in PAIRED]
    return memo.get(["pair", [a.means[t] for t in shared], [b.means[t] for t in shared],
                     shared, key, points], compute, lambda v: v, lambda v: v)


def build(rows: list[Cell], memo: Memo | None = None) -> Comparisons:
    """Every comparison of the rebuild from its cells; ``memo`` (analysis/memo.py) spares
    recomputing rows and pairs whose inputs the last rebuild saw."""
    cells = Cells.from_rows(rows)
    info = cells.info
    for c, r in zip(info, rows, strict=True):
        c["graded"] = r["n_score"]
    all_tasks = cells.tasks
    common = _common(info)
    compared = common or all_tasks

    models, model_means = [], {}
    for (model,), ix in sorted(_groups(info, lambda c: (c["model"],)).items()):
        cs = [info[i] for i in ix]
        agg = aggregate(cells, ix, compared, interval_key=f"model|{model}", memo=memo)
        tasks_run = len({c["task_key"] for c in cs})
        models.append({"model": model, **agg.row, "tasks_run": tasks_run,
                       "tasks_total": len(all_tasks),
                       "task_coverage": round(tasks_run / len(all_tasks), 6),
                       "slice": "common_task_set" if common
                       else "all_tasks (no task common to all models)",
                       "backends": _union(cs, "backends") or [],
                       "energy_methods": _union(cs, "energy_methods") or []})
        model_means[model] = agg
    add_vs_best(models)

    # model x GPU x applied watts on the compared set: power levels and global Pareto points
    configs = _groups(info, lambda c: (c["model"], c["gpu_key"], c["power_applied_w"]))
    model_tdp = []
    for (model, gpu, watts), ix in sorted(configs.items(), key=lambda kv: _sort_key(kv[0])):
        agg = aggregate(cells, ix, compared, interval_key=f"config|{model}|{gpu}|{watts}",
                        memo=memo)
        model_tdp.append({"model": model, "gpu_key": gpu, "power_applied_w": watts,
                          **_config_fields([info[i] for i in ix]), **agg.row})
    for (_, _), group in sorted(_group(model_tdp, lambda r: (r["model"], r["gpu_key"])).items()):
        add_vs_best(group)  # a power level is the best of its model on its own GPU only
    points = [{k: r[k] for k in r if k not in ("output_token_waste", "score_per_wh_vs_best")}
              for r in model_tdp]
    fronts = [{"scope": "global", "task_key": None, "points": pareto.mark(points)}]

    # per cell (one task): model x task x GPU x watts, task rankings, per-task Pareto points
    cell_rows = []
    for c, row, raw in zip(info, per_cell(cells), rows, strict=True):
        cell_rows.append({"model": c["model"], "task_key": c["task_key"],
                          "gpu_key": c["gpu_key"], "power_applied_w": c["power_applied_w"],
                          **{k: c.get(k) for k in _DESCRIBE_CELL}, **row,
                          "sums": _integer_sums(raw)})
    tasks = []
    task_groups = _groups(info, lambda c: (c["task_key"],))
    for (task_key,), ix in sorted(task_groups.items()):
        cs = [cell_rows[i] for i in ix]
        ranked = sorted(cs, key=lambda c: (
            not c["comparable"], -(c["avg_score_percent"] or 0),
            c["avg_energy_j"] if c["avg_energy_j"] is not None else float("inf"),
            c["avg_output_tokens"] if c["avg_output_tokens"] is not None else float("inf"),
            c["model"], c["gpu_key"], _sort_key((c["power_applied_w"],))))
        ranked = [dict(c) for c in ranked]
        add_vs_best(ranked)
        for i, c in enumerate(ranked, start=1):
            c["rank"] = i
        first = cs[0]
        total = aggregate(cells, ix, memo=memo).row
        tasks.append({"task_key": task_key, "experiment_id": first["experiment_id"],
                      "task_id": first["task_id"], "task_family": first["task_family"],
                      "task_name": first["task_name"], "task_version": first["task_version"],
                      "models": len({c["model"] for c in cs}),
                      **{k: v for k, v in total.items()
                         if k not in ("comparable", "not_comparable_because")},
                      "configurations": ranked})
        fronts.append({"scope": "task", "task_key": task_key, "points": pareto.mark(
            [{k: c[k] for k in c if k not in ("output_token_waste", "score_per_wh_vs_best",
                                               "rank")} for c in ranked])})

    # per experiment: the tasks of the experiment every model of it has graded runs of
    experiments: dict[str, list[dict[str, Any]]] = {}
    for (eid,), eix in sorted(_groups(info, lambda c: (c["experiment_id"] or "",)).items()):
        ecs = [info[i] for i in eix]
        e_common = _common(ecs) or sorted({c["task_key"] for c in ecs})
        rows_e = []
        for (model,), ix in sorted(_groups(ecs, lambda c: (c["model"],)).items()):
            agg = aggregate(cells, [eix[i] for i in ix], e_common,
                            interval_key=f"experiment|{eid}|{model}", memo=memo)
            rows_e.append({"experiment_id": eid, "model": model,
                           "tasks_run": len({ecs[i]["task_key"] for i in ix}), **agg.row})
        add_vs_best(rows_e)
        experiments[eid] = rows_e

    pairs = []
    names = [m["model"] for m in models]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ma, mb = model_means[a], model_means[b]
            shared = sorted(set(ma.means) & set(mb.means) & set(compared))
            ra, rb = ma.row, mb.row
            same_energy = ra["energy_class"] == rb["energy_class"]
            diffs = [d for d in _paired(ma, mb, shared, f"pair|{a}|{b}", memo)
                     if same_energy or "energy" not in d["metric"]]
            pairs.append({"model_a": a, "model_b": b, "tasks": len(shared),
                          "energy_class": ra["energy_class"] if same_energy else None,
                          "differences": diffs})

    return Comparisons(compared=compared, common=bool(common), tasks_total=len(all_tasks),
                       models=models, model_means=model_means, model_tdp=model_tdp,
                       pareto=fronts, tasks=tasks, model_task_tdp=cell_rows,
                       experiments=experiments, pairs=pairs)
