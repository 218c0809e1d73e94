"""What DuckDB reads of each validated record, and the energy policy.

The reader writes every validated record with its origin (wrap_file, wrap_unit, wrap_line,
wrap_sha: ledger, reader unit, line within it, sha256 of the line); DuckDB reads those lines
with the record fields below declared (other keys are ignored), and
``analysis/sql/00_load.sql`` derives the normalised run table from them in SQL: exact integer
quantities (milli-joules, micro-seconds, micro-points), the GPU key, the energy policy.
"""

from __future__ import annotations

# Record fields (ledger.md names) -> DuckDB type.
RECORD_FIELDS: dict[str, str] = {
    "run_id": "VARCHAR", "run_key": "VARCHAR", "attempt": "BIGINT", "supersedes": "VARCHAR",
    "imported_from": "VARCHAR", "import_flags": "VARCHAR[]", "answer_file": "VARCHAR",
    "sweep_id": "VARCHAR", "host": "VARCHAR", "started_at": "VARCHAR",
    "finished_at": "VARCHAR", "experiment_id": "VARCHAR", "experiment_revision": "BIGINT",
    "task_id": "VARCHAR", "task_family": "VARCHAR", "task_name": "VARCHAR",
    "prompt_sha256": "VARCHAR", "evaluator": "VARCHAR", "model": "VARCHAR",
    "backend": "VARCHAR", "backend_version": "VARCHAR", "model_digest": "VARCHAR",
    "model_quantization": "VARCHAR", "model_parameter_size": "VARCHAR",
    "repeat_index": "BIGINT", "power_limit_request": "VARCHAR", "power_limit_mode": "VARCHAR",
    "power_limit_applied_w": "DOUBLE", "power_limit_default_w": "DOUBLE",
    "gpu_name": "VARCHAR", "gpu_uuid": "VARCHAR", "gpu_count": "BIGINT",
    "residency": "VARCHAR", "wall_ns": "BIGINT", "ttft_s": "DOUBLE", "eval_s": "DOUBLE",
    "prompt_tokens": "BIGINT", "output_tokens": "BIGINT", "thinking_chars": "BIGINT",
    "answer_chars": "BIGINT", "truncated": "BOOLEAN", "done_reason": "VARCHAR",
    "cold_start": "BOOLEAN", "answer_sha256": "VARCHAR", "energy_method": "VARCHAR",
    "energy_confidence": "VARCHAR", "energy_confidence_reason": "VARCHAR",
    "energy_net_j": "DOUBLE", "energy_net_mj": "BIGINT", "energy_gross_j": "DOUBLE",
    "energy_gross_mj": "BIGINT", "idle_power_w": "DOUBLE", "status": "VARCHAR",
    "completed": "BOOLEAN", "error": "VARCHAR", "score_percent": "DOUBLE",
    "passed": "BOOLEAN", "fully_correct": "BOOLEAN", "hard_failure": "BOOLEAN",
    "failure_stage": "VARCHAR", "failure_type": "VARCHAR", "failure_subtypes": "VARCHAR[]",
    "checks": "STRUCT(name VARCHAR, passed BOOLEAN, weight DOUBLE, detail VARCHAR)[]",
    "extracted_answer": "VARCHAR", "format_ok": "BOOLEAN", "format_violations": "VARCHAR[]",
}

# Where each line came from (rebuild/fast_record.py: WRAP_FIELDS).
WRAP_COLUMNS = {"wrap_file": "VARCHAR", "wrap_line": "BIGINT", "wrap_sha": "VARCHAR"}

ENERGY_POLICY = {
    "energy_counted_when": "energy_confidence is high, medium or low, energy_net_j is not "
                           "null, the run is not a cold start (it did not load its model), "
                           "and residency is full_gpu (or unknown on backends that cannot "
                           "report it: openai, llamacpp)",
    "excluded_from_energy": "hybrid and cpu residency, cold starts, invalid or unmeasured "
                            "energy (a server not on this machine, a cloud model); those runs "
                            "still count in every correctness metric",
    "energy_reported": "net of idle (energy_net_j)",
}


def read_json_columns() -> str:
    """The ``columns = {...}`` argument of DuckDB's read_json for the reader's lines: the
    record fields above plus where each line came from (rebuild/fast_record.py)."""
    cols = {**RECORD_FIELDS, **WRAP_COLUMNS}
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in cols.items()) + "}"
