"""Ollama's native API (the primary backend): it has the timings that measurement needs.

Facts that shape this adapter (docs/backends.md): durations are nanoseconds; counts and
timings arrive only on the final ``done`` object and zero fields are omitted; an error can
arrive mid-stream as an ``{"error": ...}`` line with HTTP 200; a stream can end without a
``done`` object; ``num_ctx`` must always be sent; ``truncate``/``shift`` are switched off so an
over-long prompt is an error instead of being cut silently.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from jarri.backends import wire
from jarri.backends.base import (
    BackendFailure,
    Clock,
    Completion,
    GenerationOptions,
    ModelInfo,
    Residency,
)
from jarri.backends.deadline import Deadline, DeadlinePassed
from jarri.backends.http_errors import (
    deadline_failure,
    error_text,
    failure_for_exception,
    failure_for_status,
    protocol_failure,
)
from jarri.errors import BackendUnavailable, UnknownModel
from jarri.ledger.bounds import MAX_COUNT

DEFAULT_URL = "http://localhost:11434"
NS = 1e9


def default_base_url() -> str:
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        return DEFAULT_URL
    if not host.startswith(("http://", "https://")):
        host = "http://" + host
    if host.count(":") == 1:  # scheme only, no port given
        host += ":11434"
    return host.rstrip("/")


def _seconds(ns: int | None) -> float | None:
    return None if ns is None else ns / NS


def residency_from_ps(entry: wire.OllamaRunning | None) -> Residency:
    if entry is None:
        return Residency()
    size = entry.size
    vram = entry.size_vram or 0  # omitted when zero
    if size is None or size <= 0:
        mode = "unknown"
    elif vram >= size:
        mode = "full_gpu"
    elif vram == 0:
        mode = "cpu"
    else:
        mode = "hybrid"
    return Residency(mode, size, vram, entry.context_length)


def _same_model(a: str, b: str) -> bool:
    def norm(n: str) -> str:
        return n if ":" in n else n + ":latest"

    return norm(a) == norm(b)


class OllamaBackend:
    name = "ollama"

    def __init__(self, base_url: str | None = None, *, keep_alive: str = "10m",
                 api: str = "chat", connect_timeout_s: float = 5.0) -> None:
        self.base_url = (base_url or default_base_url()).rstrip("/")
        self.keep_alive = keep_alive
        if api not in ("chat", "generate"):
            raise ValueError("api must be 'chat' or 'generate'")
        self.api = api
        self._client = httpx.Client(base_url=self.base_url,
                                    timeout=httpx.Timeout(30.0, connect=connect_timeout_s))

    # ---- metadata -----------------------------------------------------------------------
    def _get(self, path: str, shape: Any, what: str) -> Any:
        try:
            resp = self._client.get(path)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"Ollama at {self.base_url} does not answer ({type(exc).__name__})",
                hint="start it with 'ollama serve', or give --base-url / OLLAMA_HOST",
            ) from exc
        if resp.status_code != 200:
            raise BackendUnavailable(
                f"Ollama at {self.base_url}{path} answered HTTP {resp.status_code}: "
                f"{error_text(resp.content)}")
        try:
            return wire.decode(resp.content, shape, what)
        except wire.ProtocolError as exc:
            raise BackendUnavailable(
                f"{self.base_url}{path} did not answer as Ollama does: {exc}",
                hint="check that --base-url / OLLAMA_HOST points at an Ollama server") from None

    def version(self) -> str | None:
        got: wire.OllamaVersion = self._get("/api/version", wire.OllamaVersion, "a version")
        return got.version or None

    def _tags(self) -> list[wire.OllamaTag]:
        got: wire.OllamaTags = self._get("/api/tags", wire.OllamaTags, "a model list")
        return got.models or []

    def list_models(self) -> list[str]:
        return sorted(str(m.name or m.model) for m in self._tags())

    def model_info(self, model: str) -> ModelInfo:
        entry = next((m for m in self._tags()
                      if _same_model(m.name or m.model or "", model)), None)
        if entry is None:
            raise UnknownModel(f"Ollama at {self.base_url} has no model '{model}'",
                               hint=f"run 'ollama pull {model}' (see 'jarri doctor' for "
                                    "the models it has)")
        details = entry.details or wire.OllamaDetails()
        ctx: int | None = None
        try:
            resp = self._client.post("/api/show", json={"model": model})
            if resp.status_code == 200:
                show = wire.decode(resp.content, wire.OllamaShow, "model details")
                ctx = next((v for k, v in (show.model_info or {}).items()
                            if k.endswith(".context_length") and type(v) is int
                            and 0 < v <= MAX_COUNT), None)
        except (httpx.HTTPError, wire.ProtocolError):
            pass  # /api/show only adds the context length; its absence is not fatal
        return ModelInfo(
            name=model,
            digest=entry.digest,
            format=details.format,
            quantization=details.quantization_level,
            parameter_size=details.parameter_size,
            context_length=ctx,
            size_bytes=entry.size,
        )

    def residency(self, model: str) -> Residency:
        try:
            resp = self._client.get("/api/ps")
            if resp.status_code != 200:
                return Residency()
            ps = wire.decode(resp.content, wire.OllamaPs, "running models")
        except (httpx.HTTPError, wire.ProtocolError):
            return Residency()
        entry = next((m for m in ps.models or []
                      if _same_model(m.name or m.model or "", model)), None)
        return residency_from_ps(entry)

    # ---- generation ---------------------------------------------------------------------
    def _body(self, model: str, prompt: str, o: GenerationOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "stream": True,
            "keep_alive": self.keep_alive,
            "truncate": False,
            "shift": False,
            "options": {
                "temperature": o.temperature,
                "seed": o.seed,
                "top_k": o.top_k,
                "top_p": o.top_p,
                "num_ctx": o.num_ctx,
                "num_predict": o.max_output_tokens,
            },
        }
        if o.think is not None:
            body["think"] = o.think
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        return body

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        out = Completion()
        clock = Clock()
        answer: list[str] = []
        thinking: list[str] = []
        final: tuple[wire.OllamaLine, bytes] | None = None
        deadline = Deadline(timeout_s)
        try:
            with deadline, self._client.stream(
                    "POST", f"/api/{self.api}", json=self._body(model, prompt, options),
                    headers={"Connection": "close"}, extensions=deadline.extensions(),
                    timeout=httpx.Timeout(timeout_s, connect=5.0)) as resp:
                if resp.status_code != 200:
                    out.failure = failure_for_status(resp.status_code, deadline.body(resp))
                    return self._finish(out, clock, answer, thinking)
                for line in deadline.lines(resp):
                    if not line.strip():
                        continue
                    obj: wire.OllamaLine = wire.decode(line, wire.OllamaLine, "a stream line")
                    if (err := wire.given(obj.error)) is not None:
                        out.failure = BackendFailure(
                            "transport", "stream_error",
                            f"error in stream: {wire.snippet(err)}")
                        break
                    msg = obj.message or wire.OllamaMessage()
                    piece = (msg.content if obj.message is not None else obj.response) or ""
                    think = (msg.thinking if obj.message is not None else obj.thinking) or ""
                    if piece or think:
                        clock.first_token()
                    answer.append(piece)
                    thinking.append(think)
                    if obj.done:
                        final = obj, line
                        break
        except DeadlinePassed:
            out.failure = deadline_failure(timeout_s)
        except wire.ProtocolError as exc:
            out.failure = protocol_failure(self.base_url, exc)
        except httpx.HTTPError as exc:
            out.failure = deadline_failure(timeout_s) if deadline.expired else \
                failure_for_exception(exc, self.base_url)
        if final is None and out.failure is None:
            out.failure = BackendFailure(
                "generation", "stream_incomplete",
                "the stream ended without a final 'done' object (Ollama aborts repetitive "
                "output this way)")
        if final is not None and out.failure is None:
            try:
                self._read_final(out, *final)
            except wire.ProtocolError as exc:
                out.failure = protocol_failure(self.base_url, exc)
        return self._finish(out, clock, answer, thinking)

    @staticmethod
    def _read_final(out: Completion, final: wire.OllamaLine, raw: bytes) -> None:
        # Zero-valued counts are omitted by Ollama: a missing count on a done object is 0.
        out.prompt_tokens = final.prompt_eval_count or 0
        out.output_tokens = final.eval_count or 0
        out.done_reason = final.done_reason or None
        out.load_s = _seconds(final.load_duration)
        out.prompt_eval_s = _seconds(final.prompt_eval_duration)
        out.eval_s = _seconds(final.eval_duration)
        verbatim = wire.decode(raw, dict[str, Any], "a stream line")
        out.raw_usage = {k: v for k, v in verbatim.items()
                         if k not in ("message", "response", "thinking", "context")}

    @staticmethod
    def _finish(out: Completion, clock: Clock, answer: list[str],
                thinking: list[str]) -> Completion:
        out.wall_ns = clock.elapsed_ns()
        out.ttft_s = clock.ttft_s()
        out.answer_text = "".join(answer)
        out.thinking_text = "".join(thinking)
        return out

    def close(self) -> None:
        self._client.close()
