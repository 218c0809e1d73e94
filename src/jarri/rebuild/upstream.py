"""Importer for the original Jarri project's artifacts (its 65-key ledger rows and reports).

What it repairs (docs/import.md):
- reports are found by *file name* inside the experiment folder, never by the absolute path
  the original stored;
- the original overwrote reports and answers on every re-run while its ledger appended, so
  several rows can point at one report: every such row is flagged ``report_overwritten``, and
  a report whose score differs from the row's is not used for that row's failure labels;
- ``success`` meant "the HTTP call worked": it becomes ``completed``, never ``passed``;
- its energy came from sampling ``nvidia-smi`` every 0.2 s, which under-reads short runs by
  30–80 %: the method is recorded as such and the confidence is at most ``low``;
- its failure labels are mapped onto this project's taxonomy;
- its experiment ids are the ids of this project's built-in experiments, with other tasks:
  every imported row gets the namespaced id ``upstream.<original id>`` (the id its folder
  loads under, suite/manifest.py), so imported and built-in runs are never pooled.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from pydantic import ValidationError

from jarri.evaluate.taxonomy import STAGES
from jarri.ledger.identity import run_key
from jarri.ledger.record import RunRecord
from jarri.rebuild import fast_record
from jarri.rebuild.import_cache import Entry, ImportCache, file_identity, row_key
from jarri.suite.manifest import upstream_experiment_id

FORMAT = "upstream_jarri"
ENERGY_METHOD = "upstream_nvidia_smi_sampled_v1"
# Keys only the original's rows carry (and no schema_version).
SIGNATURE = frozenset({"timestamp_utc", "llm_energy_joules", "evaluation_score_percent"})

_TYPE_MAP = {
    "semantic_error": "wrong_answer",
    "format_violation": "format_violation",
    "invalid_json": "format_violation",
    "constraint_violation": "constraint_violation",
    "parse_error": "parse_failure",
    "parse_failure": "parse_failure",
    "runtime_error": "runtime_error",
    "execution_error": "runtime_error",
    "timeout": "execution_timeout",
    "empty_output": "empty_output",
    "empty_answer": "empty_output",
    "hallucination": "hallucinated_fact",
}


def looks_upstream(obj: dict[str, Any]) -> bool:
    return "schema_version" not in obj and obj.keys() >= SIGNATURE


def report_stem(row: dict[str, Any]) -> str:
    """<tdp>_<model with ':' and '/' as '_'>_<task_id>_run<run_index>, as the original names
    its report and answer files."""
    model = str(row.get("model", "")).replace(":", "_").replace("/", "_")
    tdp, task, run = row.get("power_limit_request"), row.get("task_id"), row.get("run_index")
    return f"{tdp}_{model}_{task}_run{run}"


def _report_name(row: dict[str, Any]) -> str:
    stored = row.get("evaluation_report_path")
    if isinstance(stored, str) and stored.strip():
        return stored.replace("\\", "/").rsplit("/", 1)[-1]  # the name, never the location
    return f"{report_stem(row)}_report.json"


def map_failure(stage: Any, ftype: Any) -> tuple[str | None, str | None]:
    if not isinstance(stage, str) or stage not in STAGES:
        return None, None
    mapped = _TYPE_MAP.get(str(ftype), str(ftype))
    if mapped not in STAGES[stage]:
        mapped = STAGES[stage][0]
    return stage, mapped


class OriginalRow:
    """One of the original's ledger rows as the reader hands it over: its line number, raw
    line and byte offset in the ledger, the names of its report and answer files (what its
    cache key needs), and the parsed object, decoded only when the row is imported."""

    __slots__ = ("line", "raw", "offset", "_obj", "report_name", "stem")

    def __init__(self, line: int, raw: bytes, offset: int, obj: dict[str, Any] | None = None,
                 names: tuple[str, str] | None = None) -> None:
        self.line, self.raw, self.offset, self._obj = line, raw, offset, obj
        if names is None:
            names = (_report_name(self.obj), report_stem(self.obj))
        self.report_name, self.stem = names

    @property
    def obj(self) -> dict[str, Any]:
        if self._obj is None:
            # the reader saw these very bytes parse to an object of the original's shape
            self._obj = parse_json(self.raw)
        return self._obj

    def moved(self, lines: int) -> OriginalRow:
        """The same row, its line number counted ``lines`` further."""
        return OriginalRow(self.line + lines, self.raw, self.offset, self._obj,
                           (self.report_name, self.stem))

    def __reduce__(self) -> tuple[Any, ...]:  # to cross from a worker process
        return (OriginalRow, (self.line, self.raw, self.offset, self._obj,
                              (self.report_name, self.stem)))


@dataclass
class ImportedRow:
    """One original row: its record as the rebuild keeps it (``mirror``, the fast strict form
    of rebuild/fast_record.py), or why it cannot be imported."""

    line: int
    mirror: Any | None
    reason: str | None
    fields: dict[str, Any] | None = None  # the record's fields, before validation
    kept_line: bytes | None = None  # the line DuckDB reads (rebuild/fast_record.py kept)

    @property
    def record(self) -> RunRecord | None:
        """The pydantic record (validated on demand: the rebuild needs only ``mirror``)."""
        return None if self.fields is None else RunRecord.model_validate(self.fields)


def _manifest(folder: Path) -> dict[str, Any]:
    """The two manifest fields the import reads, each checked for its type: a manifest that
    is unreadable or holds something else (``"tasks": 5``) gives no names and revision 0,
    never a crash (``jarri suites validate`` says what is wrong with it)."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    tasks = data.get("tasks")
    revision = data.get("revision")
    return {"tasks": [t for t in tasks if isinstance(t, dict)] if isinstance(tasks, list) else [],
            "revision": revision if isinstance(revision, int) and not isinstance(revision, bool)
            and 0 <= revision < 2**31 else 0}


@dataclass(frozen=True)
class _Report:
    """The fields of an original report file the import uses, with their types checked."""

    score_percent: float | None
    failure_stage: str | None
    failure_type: str | None
    failure_subtype: list[str]


def parse_json(raw: bytes) -> Any:
    """json.loads's result, msgspec's speed: msgspec decodes what it can (the same values);
    what it refuses (NaN, integers past 64 bits, a lone surrogate escape) goes to json."""
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return json.loads(raw.decode("utf-8"))  # utf-8 only, as the files were always read


def _read_reports(folder: Path, names: set[str]) -> dict[str, bytes | None]:
    """Every report the rows name; None where a report cannot be read. One plain read after
    another: with the files in the page cache this is the fastest way in Python (threads
    only contend for the interpreter lock; measured on 10,000 reports: 0.1 s sequential,
    0.45 s with 8 threads, 0.3 s through DuckDB's read_blob)."""
    reports = os.path.join(folder, "reports")
    out: dict[str, bytes | None] = {}
    for name in sorted(names):
        try:
            with open(os.path.join(reports, name), "rb") as fh:
                out[name] = fh.read()
        except (OSError, ValueError):
            out[name] = None
    return out


def _load_report(raw: bytes | None) -> _Report | str:
    """The report, or why it is not used: ``report_missing`` (absent or not JSON) or
    ``report_malformed`` (a field of the wrong type, e.g. ``"score": "x"``)."""
    if raw is None:
        return "report_missing"
    try:
        data = parse_json(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return "report_missing"
    if not isinstance(data, dict):
        return "report_malformed"
    score = data.get("score")
    stage, ftype, subtypes = (data.get(k) for k in ("failure_stage", "failure_type",
                                                      "failure_subtype"))
    percent = score.get("score_percent") if isinstance(score, dict) else None
    if (score is not None and not isinstance(score, dict)) \
            or (percent is not None and _num(percent) is None) \
            or not all(v is None or isinstance(v, str) for v in (stage, ftype)) \
            or not (subtypes is None or (isinstance(subtypes, list)
                                         and all(isinstance(x, str) for x in subtypes))):
        return "report_malformed"
    return _Report(_num(percent), stage, ftype, list(subtypes or []))


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def import_rows(ledger: Path, rows: list[OriginalRow],
                cache: ImportCache | None = None, source: str | None = None
                ) -> list[ImportedRow]:
    """Map the original's rows of one ledger file.
    With ``source`` (the ledger's name in the rebuild) each imported row also comes as the
    line the rebuild hands DuckDB (``kept_line``); with a cache as well
    (rebuild/import_cache.py), rows whose inputs are unchanged are not imported again: their
    line comes from the cache as it was written."""
    folder = ledger.parent
    manifest = _manifest(folder)
    names = {t.get("task_id"): t.get("task_name") for t in manifest.get("tasks", [])
             if isinstance(t.get("task_id"), str) and isinstance(t.get("task_name"), str)}
    shared = Counter(r.report_name for r in rows)
    answers = _answer_names(folder)
    keys: dict[int, bytes] = {}
    cached: dict[int, Entry] = {}
    if cache is not None and source is not None:
        context = _context(folder)
        reports_dir = os.path.join(folder, "reports")
        for r in rows:
            keys[r.line] = row_key(context, r.raw, shared[r.report_name] > 1,
                                   file_identity(os.path.join(reports_dir, r.report_name)),
                                   f"{r.stem}.txt" in answers, source, r.line)
            if (hit := cache.get(keys[r.line])) is not None:
                cached[r.line] = hit
    reports = _read_reports(folder, {r.report_name for r in rows if r.line not in cached})
    out = []
    for r in rows:
        line, raw = r.line, r.raw
        if line in cached:
            out.append(_from_cache(line, cached[line]))
            continue
        row = _import_one(line, raw, r.obj, folder, manifest, names, shared, reports, answers)
        if source is not None and row.mirror is not None:
            row.kept_line = fast_record.ENCODER.encode(fast_record.kept(
                row.mirror, source, line, hashlib.sha256(raw).hexdigest()))
            # the rebuild needs only the line: 100,000 rows' field dictionaries held until
            # the end would cost a gigabyte
            row.mirror = row.fields = None
        if keys:
            cache.put(keys[line], _to_cache(row))  # type: ignore[union-attr]
        out.append(row)
    if keys:
        cache.save()  # type: ignore[union-attr]
    return out


def _context(folder: Path) -> bytes:
    """What every row's outcome depends on besides the row: the folder's name (in the run
    keys) and its manifest (task names, revision), by content."""
    try:
        manifest = (folder / "manifest.json").read_bytes()
    except OSError:
        manifest = b"<none>"
    return hashlib.sha256(folder.name.encode("utf-8", "surrogatepass") + b"\0"
                          + manifest).digest()


def _to_cache(row: ImportedRow) -> Entry:
    if row.kept_line is not None:
        return "k", row.kept_line
    return "q", (row.reason or NOT_HELD).encode("utf-8", "surrogatepass")


def _from_cache(line: int, entry: Entry) -> ImportedRow:
    kind, payload = entry
    if kind == "k":
        return ImportedRow(line, None, None, kept_line=payload)
    return ImportedRow(line, None, payload.decode("utf-8", "surrogatepass"))


NOT_HELD = ("the record is valid but the rebuild's reader cannot hold it (a bug in jarri: "
            "please report it)")


def _import_one(line: int, raw: bytes, obj: dict[str, Any], folder: Path,
                manifest: dict[str, Any], names: dict[Any, Any], shared: Counter[str],
                reports: dict[str, bytes | None], answers: frozenset[str]) -> ImportedRow:
    try:
        fields = _fields(obj, raw, folder, manifest, names, shared, reports, answers)
        # The mirror decides at msgspec's speed; what it refuses, pydantic decides (it is
        # never laxer than pydantic, so nothing it accepts would be refused there).
        mirror = fast_record.from_fields(fields)
        if mirror is None:
            mirror = fast_record.check_line(RunRecord.model_validate(fields).to_line())
            if mirror is None:
                raise ValueError("the record is valid but the rebuild's reader cannot "
                                 "hold it (a bug in jarri: please report it)")
        return ImportedRow(line, mirror, None, fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return ImportedRow(line, None, f"original Jarri row cannot be imported: field "
                                       f"'{loc}': {first['msg']}")
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # any other shape of a field: this row is quarantined with the reason, the rest
        # of the import goes on
        return ImportedRow(line, None, f"original Jarri row cannot be imported: {exc!r}")


def _answer_names(folder: Path) -> frozenset[str]:
    """The answer files in the folder (one listing, not a stat per row)."""
    try:
        with os.scandir(folder / "answers") as it:
            return frozenset(e.name for e in it if e.is_file())
    except OSError:
        return frozenset()


def _fields(obj: dict[str, Any], raw: bytes, folder: Path, manifest: dict[str, Any],
            names: dict[Any, Any], shared: Counter[str], reports: dict[str, bytes | None],
            answers: frozenset[str]) -> dict[str, Any]:
    """The record's fields for one original row (validated by the caller)."""
    flags: list[str] = []
    report_name = _report_name(obj)
    if shared[report_name] > 1:
        flags.append("report_overwritten")
    loaded = _load_report(reports.get(report_name))
    report = loaded if isinstance(loaded, _Report) else None
    score = _num(obj.get("evaluation_score_percent"))
    if isinstance(loaded, str):
        flags.append(loaded)
    if report is not None:
        rscore = report.score_percent
        if score is None:
            score = rscore
        elif rscore is not None and abs(rscore - score) > 1e-6:
            flags.append("report_score_mismatch")
            report = None  # it belongs to another run: its labels are not this row's
    answer_name = f"{report_stem(obj)}.txt"
    duration = _num(obj.get("duration_seconds")) or 0.0
    finished = datetime.fromisoformat(str(obj["timestamp_utc"]))
    out_tokens = obj.get("response_tokens")
    tps = _num(obj.get("tokens_per_second"))
    energy = _num(obj.get("llm_energy_joules"))
    valid = obj.get("energy_valid") is True and energy is not None
    request = obj.get("power_limit_request")
    applied = _num(obj.get("power_limit_applied_watts"))
    percent = _num(obj.get("power_limit_percent"))
    fully = score is not None and score >= 100.0
    stage = ftype = None
    subtypes: list[str] = []
    if not fully and report is not None:
        stage, ftype = map_failure(report.failure_stage, report.failure_type)
        subtypes = report.failure_subtype
    residency = obj.get("gpu_residency_mode")
    success = obj.get("success") is True
    original_id = obj["experiment_id"]
    if not isinstance(original_id, str) or not original_id.strip():
        # checked here: namespacing would otherwise turn a null into a plausible id
        raise ValueError(f"field 'experiment_id' must be a non-empty string, not {original_id!r}")
    experiment_id = upstream_experiment_id(original_id)
    key = run_key(sweep_id=f"{FORMAT}:{folder.name}", experiment_id=experiment_id,
                  task_id=str(obj["task_id"]), prompt_sha256=str(obj.get("prompt_hash")),
                  model=str(obj["model"]), model_digest=None, backend="ollama", options={},
                  power_limit_request=None if request is None else str(request),
                  repeat_index=int(obj.get("run_index") or 1))
    original_class = obj.get("energy_confidence_class")
    return {
        "run_id": f"{FORMAT}-{hashlib.sha256(raw).hexdigest()[:32]}",
        "run_key": key,
        "imported_from": FORMAT,
        "import_flags": flags,
        "answer_file": f"answers/{answer_name}" if answer_name in answers else None,
        "sweep_id": f"{FORMAT}:{folder.name}",
        "started_at": finished - timedelta(seconds=duration),
        "finished_at": finished,
        "jarri_version": "original",
        "host": "unknown",
        "experiment_id": experiment_id,
        "experiment_revision": int(manifest.get("revision") or 0),
        "task_id": obj["task_id"],
        "task_family": obj.get("task_family") or "unknown",
        "task_name": names.get(obj["task_id"]) or obj["task_id"],
        "prompt_sha256": obj.get("prompt_hash") or "",
        "evaluator": f"upstream:{obj['evaluation_type']}" if obj.get("evaluation_type") else None,
        "model": obj["model"],
        "backend": "ollama",
        "backend_version": None, "model_digest": None, "model_format": None,
        "model_quantization": None, "model_parameter_size": None,
        "options": None,
        "repeat_index": int(obj.get("run_index") or 1),
        "power_limit_request": None if request is None else str(request),
        "power_limit_mode": obj.get("power_limit_mode") if obj.get("power_limit_mode") in
        ("percent", "watts") else None,
        "power_limit_target_w": _num(obj.get("power_limit_explicit_watts")),
        "power_limit_applied_w": applied,
        "power_limit_default_w": round(applied * 100.0 / percent, 3)
        if applied and percent else None,
        "gpu_name": obj.get("gpu_name"), "gpu_uuid": obj.get("gpu_uuid"),
        "gpu_driver_version": obj.get("gpu_driver_version"),
        "gpu_memory_total_mib": obj.get("gpu_memory_total_mb"),
        "gpu_count": 1 if obj.get("gpu_name") else 0,
        "gpu_indices": [obj["gpu_index"]] if isinstance(obj.get("gpu_index"), int) else [],
        "residency": residency if residency in ("full_gpu", "hybrid", "cpu") else "unknown",
        "wall_s": duration, "wall_ns": round(duration * 1e9),
        "eval_s": out_tokens / tps if isinstance(out_tokens, int) and tps else None,
        "cold_start": obj.get("cold_start") is True,
        "prompt_tokens": obj.get("prompt_tokens"), "output_tokens": out_tokens,
        "thinking_chars": obj.get("thinking_trace_chars") or 0,
        "answer_chars": obj.get("final_answer_chars") or 0,
        "energy_method": ENERGY_METHOD,
        "energy_net_j": energy, "energy_net_mj": None if energy is None else round(energy * 1000),
        "idle_power_w": _num(obj.get("idle_gpu_watts_discounted")),
        "avg_power_w": _num(obj.get("gpu_avg_power_w")),
        "peak_power_w": _num(obj.get("gpu_peak_power_w")),
        "power_samples": obj.get("gpu_power_sample_count"),
        "energy_window_s": duration or None,
        "energy_confidence": "low" if valid else "invalid",
        "energy_confidence_reason": (
            "original method: nvidia-smi power.draw sampled every 0.2 s, which under-reads "
            f"short runs by 30-80%; the original rated it '{original_class}'") if valid else
        "the original marked this energy invalid",
        "status": "ok" if success else "backend_error",
        "completed": success,
        "error": obj.get("error") or None,
        "score_percent": score,
        "passed": fully, "fully_correct": fully,
        "hard_failure": obj.get("hard_failure") is True,
        "failure_stage": stage, "failure_type": ftype, "failure_subtypes": subtypes,
    }
