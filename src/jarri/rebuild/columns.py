"""The normalised run table: every column the analysis uses, declared once with its DuckDB type.

The reader turns each validated record into one row of these columns; DuckDB reads the rows
with exactly these types (nothing is inferred). Quantities that get summed are integers
(milli-joules, nanoseconds, micro-seconds, micro-points), so sums are exact and identical
whatever the thread count or row order.
"""

from __future__ import annotations

import json
from typing import Any

from jarri.ledger.record import RunRecord

# name -> DuckDB type
COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "run_key": "VARCHAR",
    "row_sha": "VARCHAR",          # sha256 of the ledger line: order-independent tie-breaker
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "origin": "VARCHAR",           # jarri | upstream_jarri
    "supersedes": "VARCHAR",
    "sweep_id": "VARCHAR",
    "host": "VARCHAR",
    "started_at": "VARCHAR",
    "finished_at": "VARCHAR",
    "experiment_id": "VARCHAR",
    "experiment_revision": "BIGINT",
    "task_id": "VARCHAR",
    "task_family": "VARCHAR",
    "task_name": "VARCHAR",
    "prompt_sha256": "VARCHAR",
    "evaluator": "VARCHAR",
    "model": "VARCHAR",
    "backend": "VARCHAR",
    "backend_version": "VARCHAR",
    "model_digest": "VARCHAR",
    "model_quantization": "VARCHAR",
    "model_parameter_size": "VARCHAR",
    "repeat_index": "BIGINT",
    "power_request": "VARCHAR",
    "power_mode": "VARCHAR",
    "power_applied_w": "DOUBLE",
    "power_default_w": "DOUBLE",
    "power_percent": "DOUBLE",     # applied / default x 100
    "gpu_key": "VARCHAR",          # uuid, else name, else 'none'
    "gpu_name": "VARCHAR",
    "gpu_count": "BIGINT",
    "residency": "VARCHAR",
    "wall_ns": "BIGINT",
    "ttft_us": "BIGINT",
    "eval_us": "BIGINT",
    "prompt_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "thinking_chars": "BIGINT",
    "answer_chars": "BIGINT",
    "truncated": "BOOLEAN",
    "done_reason": "VARCHAR",
    "cold_start": "BOOLEAN",
    "answer_sha256": "VARCHAR",
    "answer_file": "VARCHAR",
    "energy_method": "VARCHAR",
    "energy_confidence": "VARCHAR",
    "energy_reason": "VARCHAR",
    "energy_net_mj": "BIGINT",
    "energy_gross_mj": "BIGINT",
    "idle_power_w": "DOUBLE",
    "energy_valid": "BOOLEAN",     # counted in energy metrics under the policy
    "status": "VARCHAR",
    "completed": "BOOLEAN",
    "error": "VARCHAR",
    "score_micro": "BIGINT",       # score_percent x 1e6, null when nothing was graded
    "passed": "BOOLEAN",
    "fully_correct": "BOOLEAN",
    "hard_failure": "BOOLEAN",
    "failure_stage": "VARCHAR",
    "failure_type": "VARCHAR",
    "failure_subtypes": "VARCHAR[]",
    "import_flags": "VARCHAR[]",
    "checks_json": "VARCHAR",
    "extracted_answer": "VARCHAR",
}

VALID_CONFIDENCE = frozenset({"high", "medium", "low"})
# Backends that cannot report where the model lives: 'unknown' residency is no reason to
# distrust their energy. For Ollama, unknown residency means the check failed.
RESIDENCY_BLIND_BACKENDS = frozenset({"openai", "llamacpp"})

ENERGY_POLICY = {
    "energy_counted_when": "energy_confidence is high, medium or low, energy_net_j is not "
                           "null, and residency is full_gpu (or unknown on backends that "
                           "cannot report it: openai, llamacpp)",
    "excluded_from_energy": "hybrid and cpu residency, invalid or unmeasured energy; those "
                            "runs still count in every correctness metric",
    "energy_reported": "net of idle (energy_net_j)",
}


def _us(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1_000_000)


def energy_valid(r: RunRecord) -> bool:
    if r.energy_confidence not in VALID_CONFIDENCE or r.energy_net_mj is None:
        return False
    if r.residency == "full_gpu":
        return True
    return r.residency == "unknown" and r.backend in RESIDENCY_BLIND_BACKENDS


def to_row(r: RunRecord, *, source_file: str, source_line: int, row_sha: str) -> dict[str, Any]:
    """One normalised row from one validated record."""
    applied = r.power_limit_applied_w
    default = r.power_limit_default_w
    net_mj = r.energy_net_mj
    if net_mj is None and r.energy_net_j is not None:
        net_mj = round(r.energy_net_j * 1000)
    gross_mj = r.energy_gross_mj
    if gross_mj is None and r.energy_gross_j is not None:
        gross_mj = round(r.energy_gross_j * 1000)
    return {
        "run_id": r.run_id, "run_key": r.run_key, "row_sha": row_sha,
        "source_file": source_file, "source_line": source_line,
        "origin": r.imported_from or "jarri", "supersedes": r.supersedes,
        "sweep_id": r.sweep_id, "host": r.host,
        "started_at": r.started_at.isoformat(), "finished_at": r.finished_at.isoformat(),
        "experiment_id": r.experiment_id, "experiment_revision": r.experiment_revision,
        "task_id": r.task_id, "task_family": r.task_family, "task_name": r.task_name,
        "prompt_sha256": r.prompt_sha256, "evaluator": r.evaluator,
        "model": r.model, "backend": r.backend, "backend_version": r.backend_version,
        "model_digest": r.model_digest, "model_quantization": r.model_quantization,
        "model_parameter_size": r.model_parameter_size, "repeat_index": r.repeat_index,
        "power_request": r.power_limit_request, "power_mode": r.power_limit_mode,
        "power_applied_w": applied, "power_default_w": default,
        "power_percent": round(100.0 * applied / default, 6) if applied and default else None,
        "gpu_key": r.gpu_uuid or r.gpu_name or "none", "gpu_name": r.gpu_name,
        "gpu_count": r.gpu_count, "residency": r.residency,
        "wall_ns": r.wall_ns, "ttft_us": _us(r.ttft_s), "eval_us": _us(r.eval_s),
        "prompt_tokens": r.prompt_tokens, "output_tokens": r.output_tokens,
        "thinking_chars": r.thinking_chars, "answer_chars": r.answer_chars,
        "truncated": r.truncated, "done_reason": r.done_reason, "cold_start": r.cold_start,
        "answer_sha256": r.answer_sha256, "answer_file": r.answer_file,
        "energy_method": r.energy_method, "energy_confidence": r.energy_confidence,
        "energy_reason": r.energy_confidence_reason,
        "energy_net_mj": net_mj, "energy_gross_mj": gross_mj,
        "idle_power_w": r.idle_power_w,
        "energy_valid": energy_valid(r) and net_mj is not None,
        "status": r.status, "completed": r.completed,
        "error": r.error[:2000] if r.error else None,
        "score_micro": None if r.score_percent is None else round(r.score_percent * 1_000_000),
        "passed": r.passed, "fully_correct": r.fully_correct, "hard_failure": r.hard_failure,
        "failure_stage": r.failure_stage, "failure_type": r.failure_type,
        "failure_subtypes": list(r.failure_subtypes), "import_flags": list(r.import_flags),
        "checks_json": json.dumps([c.model_dump() for c in r.checks], sort_keys=True)
        if r.checks else None,
        "extracted_answer": r.extracted_answer,
    }


def duckdb_columns_struct() -> str:
    """The `columns={...}` argument of read_json, from COLUMNS."""
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
