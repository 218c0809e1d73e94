"""The run record (schema v1): one JSON object per line, one line per run.

Field names are the contract (docs/ledger.md). Units are in the names (_s, _j, _w, _mib,
_bytes); integer twins (_ns, _mj) make sums exact. "Not measured" is null plus a status or
reason field, never 0, NaN or Infinity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer

from jarri.ledger.bounds import (
    Bytes,
    Count,
    Float,
    Int,
    Joules,
    MiB,
    MilliJoules,
    Nanoseconds,
    Positive,
    Seconds,
    Watts,
)
from jarri.vocabulary import BackendName, ThinkLevel

SCHEMA_VERSION = 1
# Fields a ledger line must carry although the constructor fills them in: a line without a
# schema_version is not a record of this schema, whatever else it holds.
LINE_REQUIRED = ("schema_version",)
# Free text kept inline in a record (extracted answer, error, check details) is cut to this
# many characters: the whole answer is in the content store, and a record line stays far
# below the readers' line limit (ledger/reader.py MAX_LINE_BYTES) whatever a model writes.
MAX_INLINE_CHARS = 4096

Backend = BackendName  # jarri/vocabulary.py
Residency = Literal["full_gpu", "hybrid", "cpu", "unknown"]
Confidence = Literal["high", "medium", "low", "invalid", "unmeasured"]
Status = Literal["ok", "backend_error", "timeout", "evaluator_error", "not_evaluated"]


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Check name; failed checks become failure_subtypes.")
    passed: bool
    weight: Float = Field(default=1.0, ge=0)
    detail: str = Field(default="", description="What the check looked at.")


class GenerationOptionsRecord(BaseModel):
    """The pinned options of the run (part of its run key); request_options has the wire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: Float
    seed: Int
    top_k: Int
    top_p: Float
    num_ctx: Int
    max_output_tokens: Int
    think: bool | ThinkLevel | None = Field(
        default=None, description="The effective think value (a level, true/false); null: "
        "none sent, the model or backend cannot think (backends/think_policy.py).")
    max_thinking_tokens: Int | None = Field(
        default=None, description="A thinking run's thinking budget, on top of "
        "max_output_tokens; null when the run does not think.")


class GpuPowerLimit(BaseModel):
    """One counted GPU's power limit during the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gpu_index: Count
    gpu_uuid: str
    target_w: Watts
    applied_w: Watts = Field(description="Read back from the card after setting it.")
    default_w: Watts
    min_w: Watts
    max_w: Watts
    clamped: bool


class RunRecord(BaseModel):
    """One run: what was asked, what came back, what it cost, whether it was right."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # --- provenance
    schema_version: Literal[1] = 1
    run_id: str = Field(description="Unique per record: run_key + '-' + attempt.")
    run_key: str = Field(description="sha256 of the measurement cell (see ledger/identity.py).")
    attempt: Positive = Field(default=1, description="1 for the first record of a key.")
    supersedes: str | None = Field(default=None, description="run_id this record replaces.")
    imported_from: str | None = Field(
        default=None, description="For rows imported from another tool: its format name.")
    import_flags: list[str] = Field(
        default_factory=list, description="What the importer could not vouch for.")
    answer_file: str | None = Field(
        default=None, description="Imported rows: the answer file, relative to the ledger.")
    sweep_id: str
    started_at: AwareDatetime = Field(description="UTC, request about to be sent.")
    finished_at: AwareDatetime = Field(description="UTC, evaluation done.")
    jarri_version: str
    host: str

    # --- task
    experiment_id: str
    experiment_revision: Int
    task_id: str
    task_family: str
    task_name: str
    prompt_sha256: str
    evaluator: str | None = Field(description="name@version, null if not evaluated.")

    # --- model and backend
    model: str
    backend: Backend
    backend_version: str | None
    model_digest: str | None
    model_format: str | None
    model_quantization: str | None
    model_parameter_size: str | None
    options: GenerationOptionsRecord | None = Field(
        description="The run's pinned options (its identity); null only for imported rows "
        "whose tool sent none.")
    request_options: dict[str, Any] = Field(
        default_factory=dict, description="Exactly what the request set, in the server's own "
        "names (the prompt, model and stream flag left out); empty for imported rows.")
    repeat_index: Positive

    # --- power limit (null when no limit was requested)
    power_limit_request: str | None = None
    power_limit_mode: Literal["percent", "watts"] | None = None
    power_limit_target_w: Watts | None = None
    power_limit_applied_w: Watts | None = None
    power_limit_default_w: Watts | None = None
    power_limit_min_w: Watts | None = None
    power_limit_max_w: Watts | None = None
    power_limit_clamped: bool | None = None
    power_limits: list[GpuPowerLimit] = Field(
        default_factory=list, description="Every counted GPU's limit (the power_limit_* "
        "fields above name the first); empty when no level was requested.")
    power_limit_set_by: Literal["this_sweep", "another_sweep"] | None = Field(
        default=None, description="Who set the limit in force during the run: this sweep (a "
        "level was requested), another running sweep (it held a counted GPU's limit: "
        "measure/gpu_lock.py), or null (nobody known: the card's own setting).")

    # --- GPU identity (null without a GPU)
    gpu_name: str | None = None
    gpu_uuid: str | None = None
    gpu_driver_version: str | None = None
    gpu_memory_total_mib: MiB | None = None
    gpu_count: Count = 0
    gpu_indices: list[Count] = Field(default_factory=list)

    # --- residency (Ollama)
    residency: Residency = "unknown"
    model_size_bytes: Bytes | None = None
    model_size_vram_bytes: Bytes | None = None
    context_length: Count | None = None

    # --- timing
    wall_s: Seconds = Field(description="Client clock: request sent -> final byte.")
    wall_ns: Nanoseconds
    ttft_s: Seconds | None = Field(default=None, description="Time to first token.")
    load_s: Seconds | None = Field(default=None, description="Server-reported load.")
    prompt_eval_s: Seconds | None = None
    eval_s: Seconds | None = Field(default=None, description="Server-reported decode time.")
    cold_start: bool = False

    # --- tokens and output
    prompt_tokens: Count | None = None
    output_tokens: Count | None = Field(default=None, description="Thinking included.")
    thinking_tokens: Count | None = Field(
        default=None, description="Of output_tokens, the thinking; null where the server "
        "does not count them apart (Ollama never does).")
    prompt_cached_tokens: Count | None = Field(
        default=None, description="Of prompt_tokens, those served from the server's prompt "
        "cache; null where the server does not say.")
    thinking_chars: Count = 0
    answer_chars: Count = 0
    done_reason: str | None = None
    truncated: bool = False
    answer_sha256: str | None = Field(default=None, description="Key in the content store.")
    thinking_sha256: str | None = None
    raw_usage: dict[str, Any] = Field(default_factory=dict, description="Verbatim from server.")

    # --- energy
    energy_method: str = "none"
    energy_gross_j: Joules | None = None
    energy_gross_mj: MilliJoules | None = None
    idle_power_w: Watts | None = None
    energy_net_j: Joules | None = None
    energy_net_mj: MilliJoules | None = None
    energy_window_s: Seconds | None = None
    avg_power_w: Watts | None = None
    peak_power_w: Watts | None = None
    power_samples: Count | None = None
    energy_confidence: Confidence = "unmeasured"
    energy_confidence_reason: str = ""

    # --- outcome
    status: Status
    completed: bool = Field(description="The backend produced output (not: it was right).")
    error: str | None = None
    score_percent: Float | None = Field(default=None, ge=0, le=100)
    checks_passed: Count | None = None
    checks_total: Count | None = None
    checks: list[Check] = Field(default_factory=list)
    extracted_answer: str | None = None
    passed: bool = False
    fully_correct: bool = False
    hard_failure: bool = False
    failure_stage: str | None = None
    failure_type: str | None = None
    failure_subtypes: list[str] = Field(default_factory=list)
    format_ok: bool | None = Field(
        default=None, description="The answer followed the format protocol its prompt states "
        "(a verdict apart from correctness); null when not graded or no protocol applies.")
    format_violations: list[str] = Field(
        default_factory=list, description="Format rules broken (evaluate/taxonomy.py "
        "FORMAT_RULES).")

    @field_serializer("started_at", "finished_at")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()

    def to_line(self) -> bytes:
        """The ledger line: compact JSON, keys in declaration order, newline-terminated."""
        return (self.model_dump_json() + "\n").encode("utf-8")
