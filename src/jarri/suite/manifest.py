"""The two manifest formats, as pydantic models (validated at the edge).

* ``experiment.toml`` — this project's format: everything the original had plus evaluator,
  parameters, pass threshold, output cap and documentation fields; prompts and ground truth
  may be inline or in files.
* ``manifest.json`` — the original project's format, loaded as is. Its experiments get an id
  of their own, ``upstream.<original id>``: the original reused the ids of this project's
  built-in experiments (``fact_prose_v2``, ``math_measurement_v1``, ...) for different tasks,
  and runs of the two must never be pooled under one id.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"

# '.' rather than '/' or ':': the id ends up in file names (analysis/<experiment_id>.json) and
# in task keys (<experiment_id>/<task_id>), where '/' would make a folder and split keys
# wrongly, and ':' is not allowed in Windows file names.
UPSTREAM_NAMESPACE = "upstream."


def upstream_experiment_id(original_id: str) -> str:
    """The id an experiment of the original project has here (its folder and its runs)."""
    return UPSTREAM_NAMESPACE + original_id


def original_experiment_id(experiment_id: str) -> str | None:
    """The original project's id of a namespaced experiment id, else None."""
    if experiment_id.startswith(UPSTREAM_NAMESPACE):
        return experiment_id[len(UPSTREAM_NAMESPACE):]
    return None


class AuditAnswers(BaseModel):
    """Answers the suite audit test grades: the reference must score 100, the partial answer
    strictly between 0 and 100."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1)
    partial: str | None = None


class NativeTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(pattern=ID_PATTERN, description="Unique within the experiment.")
    task_family: str = Field(min_length=1, description="fact, prose, math, knowledge, ...")
    task_name: str = Field(min_length=1)
    prompt: str | None = Field(default=None, description="Inline prompt text.")
    prompt_file: str | None = Field(default=None, description="Prompt file, relative.")
    ground_truth: Any = Field(default=None, description="Inline ground truth.")
    ground_truth_file: str | None = Field(default=None, description="JSON file, relative.")
    evaluator: str = Field(min_length=1, description="Evaluator name from the registry.")
    evaluator_params: dict[str, Any] = Field(default_factory=dict)
    pass_threshold: float = Field(default=100.0, ge=0, le=100)
    max_output_tokens: int | None = Field(default=None, gt=0)
    description: str = ""
    success_definition: str = ""
    failure_modes: list[str] = Field(default_factory=list)
    primary_axis: str = "correctness"
    audit: AuditAnswers | None = None

    @model_validator(mode="after")
    def _one_prompt_source(self) -> NativeTask:
        if (self.prompt is None) == (self.prompt_file is None):
            raise ValueError("give exactly one of 'prompt' and 'prompt_file'")
        if self.ground_truth is not None and self.ground_truth_file is not None:
            raise ValueError("give at most one of 'ground_truth' and 'ground_truth_file'")
        return self


class NativeManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    experiment_id: str = Field(pattern=ID_PATTERN)
    revision: int = Field(ge=1)
    description: str = ""
    tasks: list[NativeTask] = Field(min_length=1)

    @field_validator("experiment_id")
    @classmethod
    def _not_the_upstream_namespace(cls, value: str) -> str:
        # Reserved so that an experiment.toml can never take the id of an original folder and
        # have its runs pooled with the imported ones.
        if value.startswith(UPSTREAM_NAMESPACE):
            raise ValueError(
                f"'{value}': ids starting with '{UPSTREAM_NAMESPACE}' are reserved for the "
                "original project's experiments; choose another id")
        return value


class UpstreamTask(BaseModel):
    # The original files carry no extra keys we know of; tolerate any so old folders load.
    model_config = ConfigDict(extra="allow")

    task_id: str = Field(pattern=ID_PATTERN)
    task_family: str = Field(min_length=1)
    task_name: str = Field(min_length=1)
    prompt_file: str = Field(min_length=1)
    # Only the original's fact_prose_v2 names ground-truth files; its coding, knowledge,
    # language and math manifests have none, and they must still load: a missing one is a
    # warning of `jarri suites validate`, not a refusal.
    ground_truth_file: str | None = Field(default=None, min_length=1)


class UpstreamManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    experiment_id: str = Field(pattern=ID_PATTERN)
    revision: int = Field(ge=0)
    tasks: list[UpstreamTask] = Field(min_length=1)
