"""Ollama's native API (the primary backend): it has the timings that measurement needs.

Facts that shape this adapter (docs/backends.md): durations are nanoseconds; counts and
timings arrive only on the final ``done`` object and zero fields are omitted; an error can
arrive mid-stream as an ``{"error": ...}`` line with HTTP 200; a stream can end without a
``done`` object; ``num_ctx`` must always be sent; ``truncate``/``shift`` are switched off so an
over-long prompt is an error instead of being cut silently.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import httpx

from jarri.backends.base import (
    BackendFailure,
    Clock,
    Completion,
    GenerationOptions,
    ModelInfo,
    Residency,
)
from jarri.backends.http_errors import (
    deadline_failure,
    error_text,
    failure_for_exception,
    failure_for_status,
)
from jarri.errors import BackendUnavailable, UnknownModel

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


def _seconds(obj: dict[str, Any], key: str) -> float | None:
    # Ollama omits zero-valued metrics: missing means 0 only for durations it always times.
    v = obj.get(key)
    return None if v is None else float(v) / NS


def residency_from_ps(entry: dict[str, Any] | None) -> Residency:
    if entry is None:
        return Residency()
    size = entry.get("size")
    vram = entry.get("size_vram", 0)  # omitted when zero
    ctx = entry.get("context_length")
    if not isinstance(size, int) or size <= 0 or not isinstance(vram, int):
        mode = "unknown"
    elif vram >= size:
        mode = "full_gpu"
    elif vram == 0:
        mode = "cpu"
    else:
        mode = "hybrid"
    return Residency(mode, size if isinstance(size, int) else None, vram, ctx)


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
    def _get(self, path: str) -> Any:
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
        return resp.json()

    def version(self) -> str | None:
        return str(self._get("/api/version").get("version") or "") or None

    def _tags(self) -> list[dict[str, Any]]:
        models = self._get("/api/tags").get("models") or []
        return [m for m in models if isinstance(m, dict)]

    def list_models(self) -> list[str]:
        return sorted(str(m.get("name") or m.get("model")) for m in self._tags())

    def model_info(self, model: str) -> ModelInfo:
        entry = next((m for m in self._tags()
                      if _same_model(str(m.get("name") or m.get("model") or ""), model)), None)
        if entry is None:
            raise UnknownModel(f"Ollama at {self.base_url} has no model '{model}'",
                               hint=f"run 'ollama pull {model}' (see 'jarri doctor' for "
                                    "the models it has)")
        details = entry.get("details") or {}
        ctx: int | None = None
        try:
            resp = self._client.post("/api/show", json={"model": model})
            if resp.status_code == 200:
                info = resp.json().get("model_info") or {}
                ctx = next((int(v) for k, v in info.items()
                            if k.endswith(".context_length") and isinstance(v, int)), None)
        except httpx.HTTPError:
            pass  # /api/show only adds the context length; its absence is not fatal
        return ModelInfo(
            name=model,
            digest=entry.get("digest"),
            format=details.get("format"),
            quantization=details.get("quantization_level"),
            parameter_size=details.get("parameter_size"),
            context_length=ctx,
            size_bytes=entry.get("size"),
        )

    def residency(self, model: str) -> Residency:
        try:
            resp = self._client.get("/api/ps")
            models = resp.json().get("models") or [] if resp.status_code == 200 else []
        except (httpx.HTTPError, ValueError):
            return Residency()
        entry = next((m for m in models if isinstance(m, dict)
                      and _same_model(str(m.get("name") or m.get("model") or ""), model)), None)
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
        deadline = time.monotonic() + timeout_s
        answer: list[str] = []
        thinking: list[str] = []
        final: dict[str, Any] | None = None
        try:
            with self._client.stream("POST", f"/api/{self.api}",
                                     json=self._body(model, prompt, options),
                                     timeout=httpx.Timeout(timeout_s, connect=5.0)) as resp:
                if resp.status_code != 200:
                    out.failure = failure_for_status(resp.status_code, resp.read())
                    return self._finish(out, clock, answer, thinking)
                for line in resp.iter_lines():
                    if time.monotonic() > deadline:
                        out.failure = deadline_failure(timeout_s)
                        break
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        out.failure = BackendFailure("transport", "stream_error",
                                                     f"unparseable stream line: {line[:200]!r}")
                        break
                    if "error" in obj:
                        out.failure = BackendFailure("transport", "stream_error",
                                                     f"error in stream: {obj['error']}")
                        break
                    msg = obj.get("message") or {}
                    piece = msg.get("content", obj.get("response", "")) or ""
                    think = msg.get("thinking", obj.get("thinking", "")) or ""
                    if piece or think:
                        clock.first_token()
                    answer.append(piece)
                    thinking.append(think)
                    if obj.get("done"):
                        final = obj
                        break
        except httpx.HTTPError as exc:
            out.failure = failure_for_exception(exc, self.base_url)
        if final is None and out.failure is None:
            out.failure = BackendFailure(
                "generation", "stream_incomplete",
                "the stream ended without a final 'done' object (Ollama aborts repetitive "
                "output this way)")
        if final is not None:
            self._read_final(out, final)
        return self._finish(out, clock, answer, thinking)

    @staticmethod
    def _read_final(out: Completion, final: dict[str, Any]) -> None:
        # Zero-valued counts are omitted by Ollama: a missing count on a done object is 0.
        out.prompt_tokens = int(final.get("prompt_eval_count", 0))
        out.output_tokens = int(final.get("eval_count", 0))
        out.done_reason = final.get("done_reason") or None
        out.load_s = _seconds(final, "load_duration")
        out.prompt_eval_s = _seconds(final, "prompt_eval_duration")
        out.eval_s = _seconds(final, "eval_duration")
        out.raw_usage = {k: v for k, v in final.items() if k not in ("message", "response",
                                                                     "thinking", "context")}

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
