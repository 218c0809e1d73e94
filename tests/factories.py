"""Small builders for valid run records (used by ledger, rebuild and perf code)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jarri.ledger.identity import run_id, run_key
from jarri.ledger.record import RunRecord

OPTIONS = {"temperature": 0.0, "seed": 42, "top_k": 1, "top_p": 1.0, "num_ctx": 2048,
           "max_output_tokens": 32, "think": None}


def make_record(i: int = 0, **over: Any) -> RunRecord:
    key = run_key(sweep_id="s", experiment_id="smoke_v1", task_id=f"t{i}", prompt_sha256="0" * 64,
                  model="m", model_digest=None, backend="llamacpp", options=OPTIONS,
                  power_limit_request=None, repeat_index=1)
    now = datetime(2026, 11, 27, 10, 0, i % 60, tzinfo=UTC)
    data: dict[str, Any] = dict(
        run_id=run_id(key, 1), run_key=key, sweep_id="s", started_at=now, finished_at=now,
        jarri_version="0.1.0", host="h", experiment_id="smoke_v1", experiment_revision=1,
        task_id=f"t{i}", task_family="fact", task_name="n", prompt_sha256="0" * 64,
        evaluator="exact@1", model="m", backend="llamacpp", backend_version=None,
        model_digest=None, model_format=None, model_quantization=None,
        model_parameter_size=None, options=OPTIONS, repeat_index=1, wall_s=0.5,
        wall_ns=500_000_000, status="ok", completed=True, score_percent=100.0, passed=True,
        fully_correct=True)
    data.update(over)
    return RunRecord(**data)
