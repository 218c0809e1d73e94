"""The one shape every backend has: a request in, a completion out, failures as data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_SEED = 42


@dataclass(frozen=True)
class GenerationOptions:
    """Pinned generation options, sent explicitly to every backend and recorded per run."""

    temperature: float = 0.0
    seed: int = DEFAULT_SEED
    top_k: int = 1
    top_p: float = 1.0
    num_ctx: int = 2048
    max_output_tokens: int = 256
    think: bool | None = None

    def as_record(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "seed": self.seed,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "num_ctx": self.num_ctx,
            "max_output_tokens": self.max_output_tokens,
            "think": self.think,
        }


@dataclass(frozen=True)
class ModelInfo:
    name: str
    digest: str | None = None
    format: str | None = None
    quantization: str | None = None
    parameter_size: str | None = None
    context_length: int | None = None
    size_bytes: int | None = None


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

    def close(self) -> None:
        """Release the model / connections."""
