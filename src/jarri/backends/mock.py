"""A scripted backend: answers from a file, no model, no server (``--backend mock``).

For a dry run of a suite end to end (plan, ledger, grading, rebuild, UI) before a GPU is
free, and for tests that need a backend without a fake of their own. The script is JSON:

    {"default": "Answer: I do not know.",
     "answers": [
       {"match": "capital of France", "answer": "Answer: Paris"},
       {"prompt_sha256": "3f1c...", "model": "small", "answer": "...", "thinking": "...",
        "output_tokens": 12, "done_reason": "length", "delay_s": 0.05}
     ]}

The first entry that fits wins: ``model`` (when given) must be the requested model;
``prompt_sha256`` the sha256 of the prompt text (the task registry lists it) or ``match`` a
substring of the prompt. Without a file every prompt gets DEFAULT_ANSWER. Token counts are
words, not tokens, unless an entry gives its own; the model's digest is the sha256 of the
script, so another script gives other run keys. Nothing here measures energy.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jarri.backends.base import (
    BackendFailure,
    Clock,
    Completion,
    GenerationOptions,
    ModelInfo,
    Residency,
)
from jarri.backends.think_policy import decide_not_sent
from jarri.errors import ConfigError

DEFAULT_ANSWER = "Answer: mock answer"
_ENTRY_KEYS = {"match", "prompt_sha256", "model", "answer", "thinking", "output_tokens",
               "done_reason", "delay_s"}


@dataclass(frozen=True)
class Entry:
    answer: str
    match: str | None = None
    prompt_sha256: str | None = None
    model: str | None = None
    thinking: str = ""
    output_tokens: int | None = None
    done_reason: str = "stop"
    delay_s: float = 0.0

    def fits(self, model: str, prompt: str, sha: str) -> bool:
        if self.model is not None and self.model != model:
            return False
        if self.prompt_sha256 is not None:
            return self.prompt_sha256 == sha
        return self.match is not None and self.match in prompt


def _entry(raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: an answer entry must be an object")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}",
                          hint=f"an entry may hold: {', '.join(sorted(_ENTRY_KEYS))}")
    if not isinstance(raw.get("answer"), str):
        raise ConfigError(f"{where}: 'answer' must be a string")
    if raw.get("match") is None and raw.get("prompt_sha256") is None:
        raise ConfigError(f"{where}: give 'match' (a part of the prompt) or 'prompt_sha256'")
    for key, typ in (("match", str), ("prompt_sha256", str), ("model", str),
                     ("thinking", str), ("done_reason", str)):
        if raw.get(key) is not None and not isinstance(raw[key], typ):
            raise ConfigError(f"{where}: '{key}' must be a string")
    tokens = raw.get("output_tokens")
    if tokens is not None and (type(tokens) is not int or tokens < 0):
        raise ConfigError(f"{where}: 'output_tokens' must be a whole number >= 0")
    delay = raw.get("delay_s", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 60:
        raise ConfigError(f"{where}: 'delay_s' must be a number of seconds in [0, 60]")
    return Entry(answer=raw["answer"], match=raw.get("match"),
                 prompt_sha256=raw.get("prompt_sha256"), model=raw.get("model"),
                 thinking=raw.get("thinking") or "", output_tokens=tokens,
                 done_reason=raw.get("done_reason") or "stop", delay_s=float(delay))


def load_script(path: Path) -> tuple[str, list[Entry], str]:
    """(default answer, entries, sha256 of the file), or ConfigError naming the problem."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the mock script {path}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"the mock script {path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the mock script {path} must be an object with 'answers'")
    default = data.get("default", DEFAULT_ANSWER)
    if not isinstance(default, str):
        raise ConfigError(f"{path}: 'default' must be a string")
    answers = data.get("answers", [])
    if not isinstance(answers, list):
        raise ConfigError(f"{path}: 'answers' must be a list")
    entries = [_entry(a, f"{path}: answers[{i}]") for i, a in enumerate(answers)]
    return default, entries, hashlib.sha256(raw).hexdigest()


class MockBackend:
    name = "mock"

    def __init__(self, script: Path | None = None) -> None:
        self.script = script
        self.default: str = DEFAULT_ANSWER
        self.digest: str | None = None
        self.entries: list[Entry] = []
        if script is not None:
            self.default, self.entries, self.digest = load_script(script)

    def version(self) -> str | None:
        return "jarri-mock 1"

    def list_models(self) -> list[str]:
        return sorted({e.model for e in self.entries if e.model})

    def model_info(self, model: str) -> ModelInfo:
        # Any name is a model: the script decides what it answers.
        digest = None if self.digest is None else f"mock-sha256:{self.digest}"
        return ModelInfo(name=model, digest=digest, format="mock")

    def residency(self, model: str) -> Residency:
        return Residency()

    def plan_options(self, info: ModelInfo,
                     options: GenerationOptions) -> tuple[GenerationOptions, str | None]:
        decision = decide_not_sent(self.name, info, options)
        return decision.options, decision.note

    def unload(self, model: str) -> None:
        return None

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        clock = Clock()
        sha = hashlib.sha256(prompt.encode("utf-8")).hexdigest()
        entry = next((e for e in self.entries if e.fits(model, prompt, sha)), None)
        entry = entry or Entry(answer=self.default, match="")
        out = Completion(sent_options={"script": str(self.script) if self.script else None,
                                       "max_output_tokens": options.max_output_tokens})
        if entry.delay_s > timeout_s:
            time.sleep(timeout_s)
            out.failure = BackendFailure("transport", "timeout",
                                         f"run exceeded the per-run timeout of {timeout_s:g} s")
        else:
            time.sleep(entry.delay_s)
            clock.first_token()
            out.answer_text, out.thinking_text = entry.answer, entry.thinking
            out.done_reason = entry.done_reason
            out.prompt_tokens = len(prompt.split())
            out.output_tokens = (entry.output_tokens if entry.output_tokens is not None
                                 else len((entry.thinking + " " + entry.answer).split()))
        out.wall_ns = clock.elapsed_ns()
        out.ttft_s = clock.ttft_s()
        return out

    def close(self) -> None:
        return None
