"""In-process task and experiment values (frozen dataclasses; manifests are validated at load)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ManifestFormat = Literal["jarri", "upstream"]


def sha256_text(text: str) -> str:
    """sha256 of UTF-8 text; the original project hashes prompts the same way."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Task:
    experiment_id: str
    experiment_revision: int
    task_id: str
    task_family: str
    task_name: str
    prompt: str
    ground_truth: Any
    evaluator: str | None
    evaluator_params: dict[str, Any] = field(default_factory=dict)
    pass_threshold: float = 100.0
    max_output_tokens: int | None = None
    description: str = ""
    success_definition: str = ""
    failure_modes: tuple[str, ...] = ()
    primary_axis: str = "correctness"
    audit_reference: str | None = None
    audit_partial: str | None = None

    @property
    def prompt_sha256(self) -> str:
        return sha256_text(self.prompt)


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    revision: int
    description: str
    folder: Path
    manifest_format: ManifestFormat
    tasks: tuple[Task, ...]
    # For an original-format folder: the id its manifest declares (``experiment_id`` is then
    # the namespaced ``upstream.<id>``, see suite/manifest.py); None for this project's format.
    original_experiment_id: str | None = None

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.task_id == task_id:
                return t
        raise KeyError(task_id)

    @property
    def families(self) -> list[str]:
        return sorted({t.task_family for t in self.tasks})
