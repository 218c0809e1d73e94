"""Load an experiment folder (either manifest format) and report every problem by file/field."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from jarri.errors import SuiteError
from jarri.evaluate.registry import evaluator_problems
from jarri.suite.manifest import NativeManifest, UpstreamManifest, upstream_experiment_id
from jarri.suite.model import Experiment, Task

NATIVE_MANIFEST = "experiment.toml"
UPSTREAM_MANIFEST = "manifest.json"


def manifest_path(folder: Path) -> Path | None:
    """The manifest of an experiment folder; this project's format wins if both exist."""
    for name in (NATIVE_MANIFEST, UPSTREAM_MANIFEST):
        p = folder / name
        if p.is_file():
            return p
    return None


def _format_validation(path: Path, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in e["loc"])
        loc = loc.replace(".[", "[")
        out.append(f"{path}: field '{loc or '(top level)'}': {e['msg']}")
    return out


def _read_manifest(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc.strerror}"]
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        return None, [f"{path}: not valid {path.suffix[1:].upper()}: {exc}"]
    if not isinstance(data, dict):
        return None, [f"{path}: the manifest must be an object/table at the top level"]
    return data, []


def _safe_child(folder: Path, rel: str, manifest: Path,
                field: str) -> tuple[Path | None, str | None]:
    """Resolve a file named in a manifest, refusing absolute paths and escapes from the folder."""
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        return None, f"{manifest}: field '{field}': '{rel}' must be a relative path inside {folder}"
    full = folder / p
    if not full.is_file():
        return None, f"{manifest}: field '{field}': file '{rel}' does not exist in {folder}"
    # A symlink may lead anywhere (prompt.txt -> /etc/passwd would be sent to the backend and
    # published in the task registry): the file, links resolved, must lie inside the folder.
    real, base = full.resolve(), folder.resolve()
    if not real.is_relative_to(base):
        return None, (f"{manifest}: field '{field}': '{rel}' is a link to {real}, outside the "
                      f"experiment folder {folder}; copy the file into the folder instead")
    return full, None


def _read_text(path: Path, manifest: Path, field: str) -> tuple[str | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{manifest}: field '{field}': cannot read {path.name}: {exc}"
    if not text.strip():
        return None, f"{manifest}: field '{field}': {path.name} is empty"
    return text, None


def _read_json(path: Path, manifest: Path, field: str) -> tuple[Any, str | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{manifest}: field '{field}': {path.name} is not valid JSON: {exc}"


def _parse(model: type[BaseModel], data: dict[str, Any], path: Path) -> tuple[Any, list[str]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, _format_validation(path, exc)


def _load(folder: Path) -> tuple[Experiment | None, list[str], list[str]]:
    """The experiment (None if it cannot be built), its problems (refusals) and its warnings
    (it loads, but something is missing that the user should know about)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None, [f"{folder}: not a folder"], []
    mpath = manifest_path(folder)
    if mpath is None:
        return None, [f"{folder}: no {NATIVE_MANIFEST} or {UPSTREAM_MANIFEST} in this folder"], []
    data, problems = _read_manifest(mpath)
    if data is None:
        return None, problems, []
    native = mpath.name == NATIVE_MANIFEST
    manifest, problems = _parse(NativeManifest if native else UpstreamManifest, data, mpath)
    if manifest is None:
        return None, problems, []
    warnings: list[str] = []
    # The original project reused this project's built-in ids for other tasks: its
    # experiments get an id of their own so their runs never pool with the built-in ones.
    experiment_id = (manifest.experiment_id if native
                     else upstream_experiment_id(manifest.experiment_id))

    tasks: list[Task] = []
    seen: set[str] = set()
    for i, mt in enumerate(manifest.tasks):
        where = f"tasks[{i}]"
        if mt.task_id in seen:
            problems.append(f"{mpath}: field '{where}.task_id': duplicate task id '{mt.task_id}'")
            continue
        seen.add(mt.task_id)
        prompt: str | None = getattr(mt, "prompt", None)
        if mt.prompt_file is not None:
            p, err = _safe_child(folder, mt.prompt_file, mpath, f"{where}.prompt_file")
            if p is not None:
                prompt, err = _read_text(p, mpath, f"{where}.prompt_file")
            if err:
                problems.append(err)
        elif prompt is not None and not prompt.strip():
            problems.append(f"{mpath}: field '{where}.prompt': the prompt is empty")
            prompt = None
        gt: Any = getattr(mt, "ground_truth", None)
        if mt.ground_truth_file is not None:
            p, err = _safe_child(folder, mt.ground_truth_file, mpath, f"{where}.ground_truth_file")
            if p is not None:
                gt, err = _read_json(p, mpath, f"{where}.ground_truth_file")
            if err:
                problems.append(err)
        elif not native and gt is None:
            warnings.append(
                f"{mpath}: field '{where}.ground_truth_file': not given: task '{mt.task_id}' "
                "has no ground truth; it loads and runs, and its runs are recorded as "
                "not_evaluated (to grade them, describe the folder in an experiment.toml "
                "with an evaluator and ground truth)")
        if native:
            problems.extend(
                f"{mpath}: field '{where}.evaluator': {msg}"
                for msg in evaluator_problems(mt.evaluator, mt.evaluator_params, gt)
            )
        if prompt is None:
            continue
        tasks.append(
            Task(
                experiment_id=experiment_id,
                experiment_revision=manifest.revision,
                task_id=mt.task_id,
                task_family=mt.task_family,
                task_name=mt.task_name,
                prompt=prompt,
                ground_truth=gt,
                # The original manifests name no evaluator; runs of them are recorded as
                # not evaluated rather than scored by a guess.
                evaluator=mt.evaluator if native else None,
                evaluator_params=dict(mt.evaluator_params) if native else {},
                pass_threshold=mt.pass_threshold if native else 100.0,
                max_output_tokens=mt.max_output_tokens if native else None,
                description=mt.description if native else "",
                success_definition=mt.success_definition if native else "",
                failure_modes=tuple(mt.failure_modes) if native else (),
                primary_axis=mt.primary_axis if native else "correctness",
                audit_reference=mt.audit.reference if native and mt.audit else None,
                audit_partial=mt.audit.partial if native and mt.audit else None,
            )
        )
    exp = Experiment(
        experiment_id=experiment_id,
        revision=manifest.revision,
        description=getattr(manifest, "description", ""),
        folder=folder,
        manifest_format="jarri" if native else "upstream",
        tasks=tuple(tasks),
        original_experiment_id=None if native else manifest.experiment_id,
    )
    return exp, problems, warnings


def check_experiment(folder: Path) -> tuple[Experiment | None, list[str], list[str]]:
    """An experiment folder checked: the experiment (None when it cannot be built), every
    problem (the folder is refused) and every warning (it loads as is), one line each naming
    file and field."""
    return _load(folder)


def validate_experiment(folder: Path) -> list[str]:
    """Every problem of an experiment folder, one line each naming file and field."""
    _, problems, _ = _load(folder)
    return problems


def load_experiment(folder: Path) -> Experiment:
    """Load a folder or raise SuiteError listing every problem (warnings do not refuse it)."""
    exp, problems, _ = _load(folder)
    if problems or exp is None:
        raise SuiteError(
            f"experiment folder {folder} is invalid ({len(problems)} problem(s))",
            hint=f"run 'jarri suites validate {folder}' and correct the fields named",
            problems=problems,
        )
    return exp
