"""Task registry rows: every task of every known suite, plus tasks seen only in runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jarri.errors import SuiteError
from jarri.evaluate.registry import EVALUATORS
from jarri.suite.loader import load_experiment
from jarri.suite.model import Experiment
from jarri.suite.registry import SuiteRegistry

PREVIEW_CHARS = 600


def known_experiments(suite_dirs: Sequence[Path], ledger_dirs: Sequence[Path] = (),
                      name: Callable[[Path], str] = str,
                      ) -> tuple[list[tuple[Experiment, str]], list[dict[str, str]]]:
    """Loadable experiments with where they come from, and the ones that are not (with the
    reason). Experiment folders beside the ledgers (the original layout) are added even when
    a built-in experiment has the same id: their tasks join the registry, the built-in
    definition wins for a task key both define. ``name`` says a folder as the surfaces show
    it (the rebuild names folders inside the workspace relative to it, so the surfaces do
    not depend on where the workspace lies)."""
    reg = SuiteRegistry(suite_dirs)
    good: list[tuple[Experiment, str]] = []
    bad: list[dict[str, str]] = []
    seen: set[Path] = set()
    for eid in reg.ids():
        try:
            source = reg.sources[eid]
            good.append((reg.load(eid), source if source == "built-in" else name(Path(source))))
            seen.add(reg.folders[eid].resolve())
        except SuiteError as exc:
            bad.append({"experiment_id": eid, "problem": str(exc)})
    for folder in ledger_dirs:
        if folder.resolve() in seen:
            continue
        try:
            good.append((load_experiment(folder), name(folder)))
        except SuiteError as exc:
            bad.append({"experiment_id": folder.name, "problem": str(exc)})
    return good, bad


def task_rows(experiments: list[tuple[Experiment, str]],
              run_counts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for exp, source in experiments:
        for t in exp.tasks:
            key = f"{t.experiment_id}/{t.task_id}"
            if key in rows:
                continue  # the first definition (built-in or --suite-dir) wins
            ev = EVALUATORS.get(t.evaluator or "")
            rows[key] = {
                "task_key": key, "experiment_id": t.experiment_id,
                "experiment_revision": t.experiment_revision, "task_id": t.task_id,
                "task_family": t.task_family, "title": t.task_name,
                "description": t.description or None,
                "success_definition": t.success_definition or None,
                "evaluator": ev.ref if ev else None,
                "checks": list(ev.checks) if ev else [],
                "pass_threshold": t.pass_threshold,
                "max_output_tokens": t.max_output_tokens,
                "failure_modes": list(t.failure_modes), "primary_axis": t.primary_axis,
                "prompt_preview": t.prompt[:PREVIEW_CHARS],
                "prompt_truncated": len(t.prompt) > PREVIEW_CHARS,
                "prompt_sha256": t.prompt_sha256,
                "manifest_format": exp.manifest_format,
                "source": source,
                "defined": True,
            }
    for key, seen in run_counts.items():
        if key not in rows:  # ran, but no suite folder defines it here
            rows[key] = {"task_key": key, "experiment_id": seen["experiment_id"],
                         "task_id": seen["task_id"], "task_family": seen["task_family"],
                         "title": seen["task_name"], "defined": False,
                         "evaluator": seen["evaluator"], "checks": [],
                         "prompt_sha256": seen["prompt_sha256"], "prompt_preview": None}
    for key, row in rows.items():
        seen = run_counts.get(key, {})
        row["runs"] = seen.get("runs", 0)
        row["has_runs"] = row["runs"] > 0
        # every version that ran, and the key its runs are compared under (one key per
        # version when several ran, unless the rebuild pooled them)
        row["versions"] = list(seen.get("version_keys") or [])
    return [rows[k] for k in sorted(rows)]
