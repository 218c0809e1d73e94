"""The one shape every backend has: a request in, a completion out, failures as data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_SEED = 42
# A thinking run's budget for its thinking, on top of the answer's cap: enough for a thinking
# model to finish an ordinary task (qwen3 and deepseek-r1 think for a few hundred to a few
# thousand tokens); --max-thinking-tokens changes it (backends/think_policy.py).
DEFAULT_THINKING_TOKENS = 6144

# A think setting: unset (None), on/off, or a level ("low", "medium", "high", "max").
ThinkValue = bool | str | None


@dataclass(frozen=True)
class GenerationOptions:
    """Pinned generation options, sent explicitly to every backend and recorded per run."""

    temperature: float = 0.0
    seed: int = DEFAULT_SEED
    top_k: int = 1
    top_p: float = 1.0
    num_ctx: int = 2048
    max_output_tokens: int = 256
    # The effective think value once the planner has decided it per model
    # (backends/think_policy.py); None: not sent (a model or backend that cannot think).
    think: ThinkValue = None
    max_thinking_tokens: int = DEFAULT_THINKING_TOKENS

    @property
    def thinking(self) -> bool:
        return self.think is not None and self.think is not False

    @property
    def thinking_budget(self) -> int | None:
        """Tokens a thinking run may spend thinking, on top of max_output_tokens."""
        return self.max_thinking_tokens if self.thinking else None

    def as_record(self) -> dict[str, Any]:
        """The requested options (part of the run key). The thinking budget is there only
        for thinking runs, so the keys of other runs stay what they were."""
        record: dict[str, Any] = {
            "temperature": self.temperature,
            "seed": self.seed,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "num_ctx": self.num_ctx,
            "max_output_tokens": self.max_output_tokens,
            "think": self.think,
        }
        if self.thinking_budget is not None:
            record["max_thinking_tokens"] = self.thinking_budget
        return record


@dataclass(frozen=True)
class ModelInfo:
    name: str
    digest: str | None = None
    format: str | None = None
    quantization: str | None = None
    parameter_size: str | None = None
    context_length: int | None = None
    size_bytes: int | None = None
    family: str | None = None
    # What the server says the model can do (Ollama /api/show "capabilities"); None when the
    # server does not say.
    capabilities: tuple[str, ...] | None = None
    # Where the model really runs when it is not this server (Ollama cloud models'
    # "remote_host" in /api/tags): its energy is not on this machine's meter.
    remote_host: str | None = None


@dataclass(frozen=True)
class Residency:
    mode: str = "unknown"  # full_gpu | hybrid | cpu | unknown
    size_bytes: int | None = None
    size_vram_bytes: int | None = None
    context_length: int | None = None


@dataclass(frozen=True)
class BackendFailure:
    """A per-run failure in the vocabulary of evaluate/taxonomy.py."""

    stage: str  # transport | generation
    type: str
    message: str


@dataclass
class Completion:
    """What came back from one request. ``failure`` set means no usable answer arrived."""

    answer_text: str = ""
    thinking_text: str = ""
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    thinking_tokens: int | None = None       # where the server counts them apart
    prompt_cached_tokens: int | None = None  # prompt tokens served from the server's cache
    # The generation options exactly as the request carried them (the server's own names).
    sent_options: dict[str, Any] = field(default_factory=dict)
    done_reason: str | None = None
    wall_ns: int = 0
    ttft_s: float | None = None
    load_s: float | None = None
    prompt_eval_s: float | None = None
    eval_s: float | None = None
    raw_usage: dict[str, Any] = field(default_factory=dict)
    failure: BackendFailure | None = None
    # Text the prompt template put in the model's mouth after the prompt (a base model's
    # "Answer:" cue): the reply continues it, so the answer protocol counts it as written.
    prefill: str = ""

    @property
    def completed(self) -> bool:
        return self.failure is None or self.failure.stage != "transport"


class Clock:
    """Client wall clock for one request: perf_counter_ns from send to final byte."""

    def __init__(self) -> None:
        self.start_ns = time.perf_counter_ns()
        self.first_token_ns: int | None = None

    def first_token(self) -> None:
        if self.first_token_ns is None:
            self.first_token_ns = time.perf_counter_ns()

    def elapsed_ns(self) -> int:
        return time.perf_counter_ns() - self.start_ns

    def elapsed_s(self) -> float:
        return self.elapsed_ns() / 1e9

    def ttft_s(self) -> float | None:
        if self.first_token_ns is None:
            return None
        return (self.first_token_ns - self.start_ns) / 1e9


class Backend(Protocol):
    """The interface of every backend (Ollama, OpenAI-compatible, embedded llama.cpp)."""

    name: str

    def version(self) -> str | None:
        """Server or engine version; raises BackendUnavailable if it cannot be reached."""

    def model_info(self, model: str) -> ModelInfo:
        """Metadata of a model; raises UnknownModel if the backend lacks it."""

    def list_models(self) -> list[str]:
        """Models the backend can serve now."""

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        """One request. Never raises for per-run failures: they go into ``failure``."""

    def residency(self, model: str) -> Residency:
        """Where the loaded model lives (Ollama only; others say unknown)."""

    def plan_options(self, info: ModelInfo,
                     options: GenerationOptions) -> tuple[GenerationOptions, str | None]:
        """The options this model's runs are sent (the effective think value decided:
        backends/think_policy.py), and a note for the plan when a request cannot be met."""

    def unload(self, model: str) -> None:
        """Free the model's memory on the server (between models); never raises."""

    def close(self) -> None:
        """Release the model / connections."""
