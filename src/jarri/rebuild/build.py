"""The rebuild: ledgers -> normalised rows -> DuckDB -> every surface, written atomically.

Everything here is a pure function of the input files: no wall-clock time, fully ordered
queries, exact integer sums, floats rounded to 6 decimals.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jarri.analysis.database import Analysis
from jarri.analysis.memo import Memo
from jarri.analysis.metrics import definitions, formulas
from jarri.evaluate.taxonomy import HARD_STAGES, STAGES
from jarri.ledger.reader import Quarantined
from jarri.paths import Workspace
from jarri.rebuild import ledger_cache
from jarri.rebuild.columns import ENERGY_POLICY
from jarri.rebuild.import_cache import CACHE_DIR
from jarri.rebuild.reader import ReadStats, display_name, read_ledgers
from jarri.surfaces import comparisons, failures, registry, runs_pages
from jarri.surfaces.writer import SurfaceWriter

SCHEMA_VERSION = 1

POLICY: dict[str, Any] = {
    **ENERGY_POLICY,
    "model_comparison": "on the compared task set: the tasks every model with graded runs "
                        "has graded runs of (all tasks if there is none); every metric is a "
                        "balanced mean over tasks (each task weighs the same, however often "
                        "it ran); each row states its coverage",
    "comparable": "a row is comparable when it covers every compared task and passes "
                  "something (success_rate > 0); only comparable rows are on Pareto "
                  "frontiers or marked best",
    "ungraded": "runs without an evaluator's verdict (not_evaluated, evaluator_error) are "
                "left out of every correctness metric and counted in 'ungraded'",
    "energy_classes": "an energy average uses one energy-method class (counter energy is "
                      "never averaged with sampled or imported energy); the row's "
                      "energy_class says which",
    "intervals": "95 % percentile bootstrap over tasks (clustered: all runs of a task are "
                 "resampled together; 2,000 resamples seeded by the row), on rows over 2 or "
                 "more tasks; a pair of models is compared by the paired difference on "
                 "their common tasks, 'tie' when its interval includes 0",
    "passed": "the evaluator's verdict (score at or above the task's pass threshold); HTTP "
              "success is 'completed'",
    "identity": "a record is its run_id on its host and GPU; identical lines count once; "
                "two different records with one identity are a conflict, left out and "
                "listed in verification/conflicts.json; records superseded by a later "
                "attempt are left out",
}


@dataclass
class RebuildResult:
    ledgers: list[str]
    rows_total: int
    rows_used: int
    rows_quarantined: int
    rows_duplicate: int
    rows_conflicting: int
    rows_superseded: int
    imported: int
    quarantined: list[Quarantined]
    models: int
    tasks: int
    gpus: int
    power_levels: int
    files: int
    output_digest: str
    source_digest: str
    seconds: float
    data_dir: Path
    notes: list[str] = field(default_factory=list)


def _import_ledgers(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_file():
            found.append(p)
        else:
            found.extend(sorted(p.rglob("llm_benchmark_runs.jsonl")))
    return found


# Progress: (phase, done, total); phases in order: "reading ledgers" (bytes), "loading into
# DuckDB", "computing surfaces", "writing run pages" (pages).
ProgressFn = Callable[[str, int, int], None]


def _silent(phase: str, done: int, total: int) -> None:
    return None


def rebuild(ws: Workspace, *, extra_ledgers: Sequence[Path] = (),
            import_paths: Sequence[Path] = (), suite_dirs: Sequence[Path] = (),
            threads: int | None = None, pool_versions: bool = False,
            progress: ProgressFn = _silent) -> RebuildResult:
    t0 = time.perf_counter()
    ledgers = [*ws.ledgers(), *extra_ledgers, *_import_ledgers(import_paths)]
    # Experiment folders beside the ledgers (the original layout) feed the task registry.
    ledger_dirs = sorted({p.parent for p in ledgers if (p.parent / "manifest.json").is_file()
                          or (p.parent / "experiment.toml").is_file()})
    with tempfile.TemporaryDirectory(prefix="jarri-rebuild-") as tmp:
        # The cache's row files must stay until DuckDB has loaded them.
        with ledger_cache.locked(ws.root):
            stats = read_ledgers(ledgers, Path(tmp), root=ws.root, workers=threads,
                                 on_progress=lambda d, t: progress("reading ledgers", d, t))
            progress("loading into DuckDB", 0, 1)
            db = Analysis(stats.row_files, line_bases=stats.line_bases, threads=threads,
                          pool_versions=pool_versions, temp_dir=Path(tmp))
        progress("loading into DuckDB", 1, 1)
        try:
            return _write_all(db, ws, stats, list(suite_dirs), ledger_dirs, t0, progress,
                              pool_versions)
        finally:
            db.close()


def _write_all(db: Analysis, ws: Workspace, stats: ReadStats, suite_dirs: list[Path],
               ledger_dirs: list[Path], t0: float, progress: ProgressFn,
               pool_versions: bool) -> RebuildResult:
    c = db.con.execute("SELECT valid_lines, distinct_valid, kept, conflicting, used "
                       "FROM counts").fetchone()
    assert c is not None
    valid_lines, distinct_valid, kept, conflicting, used = c
    source = {
        "ledgers": len(stats.ledgers),
        "rows_total": stats.lines_read,
        "rows_distinct": stats.distinct_lines,
        "rows_used": used,
        "rows_quarantined": len(stats.quarantined),
        "rows_duplicate": valid_lines - distinct_valid,
        "rows_conflicting": conflicting,
        "rows_superseded": kept - used,
        "latest_record_at": db.scalar("SELECT max(finished_at) FROM runs"),
        "versions_pooled": pool_versions,
    }
    defs, forms = definitions(), formulas()

    def envelope(surface: str, rows: Any, **extra: Any) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "surface": surface,
                "source_digest": stats.digest, "source": source, "policy": POLICY,
                "definitions": defs, "formulas": forms, "rows": rows, **extra}

    w = SurfaceWriter(ws.ui_data)
    try:
        progress("computing surfaces", 0, 1)
        memo = Memo(ws.root / CACHE_DIR / "comparisons.msgpack")
        _core(db, w, envelope, suite_dirs, ledger_dirs, ws.root, memo)
        memo.save()
        _failures(db, w, envelope)
        _registries_and_verification(db, w, envelope, stats, source)
        progress("computing surfaces", 1, 1)
        runs_pages.write_pages(db, ws.root, w.write_raw, w.write, envelope,
                               lambda d, t: progress("writing run pages", d, t))
        index = [{"file": f.path, "bytes": f.bytes, "sha256": f.sha256,
                  "description": f.description} for f in sorted(w.files, key=lambda f: f.path)]
        w.write("data_index.json", envelope("data_index", index,
                                           output_digest=w.output_digest()),
                "every file of this folder with its size, hash and description")
        digest = w.output_digest()
        w.commit()
    except BaseException:
        w.abort()
        raise
    counts = db.con.execute(
        "SELECT count(DISTINCT model), count(DISTINCT task_key), "
        "count(DISTINCT gpu_key) FILTER (WHERE gpu_key <> 'none'), "
        "count(DISTINCT coalesce(power_applied_w, -1)) FROM runs").fetchone() or (0, 0, 0, 0)
    return RebuildResult(
        ledgers=stats.ledgers, rows_total=stats.lines_read, rows_used=used,
        rows_quarantined=source["rows_quarantined"], rows_duplicate=source["rows_duplicate"],
        rows_conflicting=conflicting, rows_superseded=source["rows_superseded"],
        imported=stats.imported,
        quarantined=stats.quarantined, models=counts[0], tasks=counts[1], gpus=counts[2],
        power_levels=counts[3], files=len(w.files), output_digest=digest,
        source_digest=stats.digest, seconds=time.perf_counter() - t0, data_dir=ws.ui_data)


def _core(db: Analysis, w: SurfaceWriter, envelope: Any, suite_dirs: list[Path],
          ledger_dirs: list[Path], root: Path,
          memo: Memo | None = None) -> comparisons.Comparisons:
    cmp = comparisons.build(db.query("cells"), memo)
    w.write("duckdb_model_rankings.json",
            envelope("model_rankings", cmp.models, common_tasks=len(cmp.compared)
                     if cmp.common else 0, compared_tasks=cmp.compared),
            "per model, balanced over the compared task set, with coverage and intervals",
            rounded=True)
    w.write("duckdb_task_rankings.json", envelope("task_rankings", cmp.tasks),
            "per task, and per model x power level x GPU within each task (ranked)",
            rounded=True)
    w.write("duckdb_model_task_tdp.json", envelope("model_task_tdp", cmp.model_task_tdp),
            "per model x task x GPU x applied watts, with the sums behind every metric",
            rounded=True)
    w.write("duckdb_model_tdp.json", envelope("model_tdp", cmp.model_tdp,
                                              compared_tasks=cmp.compared),
            "per model x GPU x applied watts, balanced over the compared task set",
            rounded=True)
    w.write("duckdb_pareto_frontiers.json", envelope("pareto_frontiers", cmp.pareto),
            "score vs energy and score vs output tokens, global and per task", rounded=True)
    w.write("comparisons/model_pairs.json", envelope("model_pairs", cmp.pairs,
                                                     compared_tasks=cmp.compared),
            "paired differences between models on their common tasks, with intervals",
            rounded=True)

    experiments, broken = registry.known_experiments(
        suite_dirs, ledger_dirs, lambda p: display_name(p.resolve(), root))
    run_counts = {r["task_key"]: r for r in db.query("task_runs")}
    rows = registry.task_rows(experiments, run_counts)
    w.write("duckdb_task_registry.json", envelope("task_registry", rows, broken_suites=broken),
            "every known task with its definition, and whether runs exist")
    w.write("registries/suites.json", envelope("suites", [
        {"experiment_id": e.experiment_id, "revision": e.revision, "tasks": len(e.tasks),
         "families": e.families, "manifest_format": e.manifest_format,
         "source": source} for e, source in experiments],
        broken_suites=broken), "known experiments")
    for eid, rows_e in cmp.experiments.items():
        w.write(f"analysis/{eid}.json", envelope("experiment_analysis", rows_e),
                f"per model within experiment {eid}, balanced over its common tasks",
                rounded=True)
    return cmp


# The power-level group of a run, as by_power_level names it (the finest slice below holds
# the applied watts as text, 'none' when not set).
POWER_GROUP = ("coalesce(CAST(power_applied_w AS VARCHAR) || ' W', 'not set')")
# The finest slice of the failure surfaces, as SQL expressions over runs.
FINE_GROUP = ("model", "task_key", "gpu_key",
              "coalesce(CAST(power_applied_w AS VARCHAR), 'none')")


def _failures(db: Analysis, w: SurfaceWriter, envelope: Any) -> None:
    # The finest slice (model x task x GPU x applied watts), read once: the coarser groups
    # are sums of its groups (failures.rollup); the UI applies every filter to it. Task
    # families are read apart: a task's runs need not all name one family.
    fine = failures.distribution(db, FINE_GROUP)
    mt = failures.rollup(fine, lambda k: (k[0], k[1]))
    examples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in db.query("failure_examples"):
        examples.setdefault((e.pop("model"), e.pop("task_key")), []).append(e)
    rows = []
    for (model, task_key), g in sorted(mt.items()):
        rows.append({"model": model, "task_key": task_key, **g,
                     "examples": examples.get((model, task_key), [])})
    w.write("duckdb_failure_surfaces.json", envelope("failure_surfaces", rows),
            "per model x task: failure rates by stage, type, subtype, with example runs",
            rounded=True)
    groupings: dict[str, Any] = {
        "model": lambda k: k[0], "task_key": lambda k: k[1],
        POWER_GROUP: lambda k: "not set" if k[3] == "none" else f"{k[3]} W"}
    for name, dim, what in (("by_model", "model", "per model"),
                            ("by_task", "task_key", "per task"),
                            ("by_family", "task_family", "per task family"),
                            ("by_power_level", POWER_GROUP, "per applied power level")):
        dist = (failures.rollup(fine, groupings[dim]) if dim in groupings
                else failures.distribution(db, dim))
        w.write(f"failures/{name}.json",
                envelope(f"failures_{name}", [{"group": k, **v} for k, v in sorted(dist.items())]),
                f"failure rates {what}", rounded=True)
    fine_rows = []
    for (model, task_key, gpu_key, watts), g in sorted(fine.items()):
        fine_rows.append({"model": model, "task_key": task_key, "gpu_key": gpu_key,
                          "power_applied_w": None if watts == "none" else float(watts), **g})
    w.write("failures/by_model_task_tdp.json", envelope("failures_by_model_task_tdp", fine_rows),
            "failure counts per model x task x GPU x applied watts", rounded=True)
    overall = failures.rollup(fine, lambda k: "all runs")
    w.write("failures/taxonomy.json", envelope("failure_taxonomy", [
        {"stage": s, "types": list(t), "hard": s in HARD_STAGES} for s, t in STAGES.items()],
        distribution=overall.get("all runs")), "the failure vocabulary and its distribution")
    w.write("joined/failures_energy.json",
            envelope("failures_energy", db.query("failures_energy")),
            "energy and tokens spent per failure stage and type")


def _registries_and_verification(db: Analysis, w: SurfaceWriter, envelope: Any,
                                 stats: ReadStats, source: dict[str, Any]) -> None:
    w.write("registries/models.json", envelope("models", db.query("registry_models")),
            "models with backends, digests, quantisation")
    w.write("registries/gpus.json", envelope("gpus", db.query("registry_gpus")),
            "GPUs with their power levels and energy methods")
    w.write("verification/quarantine.json", envelope("quarantine", [
        {"file": q.file, "line": q.line, "reason": q.reason}
        for q in sorted(stats.quarantined, key=lambda q: (q.file, q.line))]),
        "ledger lines that were not used, with file, line and reason")
    w.write("verification/coverage.json", envelope("coverage", db.query("coverage")),
            "runs per model x task, and the common task set")
    w.write("verification/conflicts.json", envelope("conflicts", db.query("conflicts")),
            "records that share an identity (run id, host, GPU) but differ: left out")
    w.write("verification/versions.json", envelope("versions", db.query("versions"),
                                                   versions_pooled=source["versions_pooled"]),
            "tasks that ran under more than one version (revision, evaluator, prompt), "
            "and whether they were kept apart")
    div = db.query("divergence")
    for d in div:
        d["diverged"] = d["distinct_answers"] > 1
    w.write("verification/divergence.json", envelope("divergence", div),
            "whether repeated runs of one configuration gave different answers")
    accounted = (source["rows_used"] + source["rows_duplicate"] + source["rows_conflicting"]
                 + source["rows_superseded"] + source["rows_quarantined"])
    w.write("verification/determinism.json", envelope("determinism", [{
        "source_digest": stats.digest, "rows_total": source["rows_total"],
        "rows_accounted": accounted, "all_rows_accounted": accounted == source["rows_total"],
        "rows_used": source["rows_used"], "rows_duplicate": source["rows_duplicate"],
        "rows_conflicting": source["rows_conflicting"],
        "rows_superseded": source["rows_superseded"],
        "rows_quarantined": source["rows_quarantined"],
        "method": "sha256 over the sorted sha256 of every distinct ledger line; surfaces are "
                  "sorted, rounded to 6 decimals and free of wall-clock time",
    }]), "what the surfaces were computed from")
    w.write("verification/sources.json", envelope("sources", [
        {"ledger": name} for name in stats.ledgers]), "the ledger files read")
