"""Run identity: the key of a measurement cell, and the id of one record of it."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def run_key(*, sweep_id: str, experiment_id: str, task_id: str, prompt_sha256: str,
            model: str, model_digest: str | None, backend: str, options: dict[str, Any],
            power_limit_request: str | None, repeat_index: int) -> str:
    """sha256 over what defines the cell; stable across processes and hosts."""
    cell = {
        "sweep_id": sweep_id,
        "experiment_id": experiment_id,
        "task_id": task_id,
        "prompt_sha256": prompt_sha256,
        "model": model,
        "model_digest": model_digest,
        "backend": backend,
        "options": options,
        "power_limit_request": power_limit_request,
        "repeat_index": repeat_index,
    }
    blob = json.dumps(cell, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def run_id(key: str, attempt: int) -> str:
    return f"{key[:32]}-{attempt}"
