"""Ollama's native API (the primary backend): it has the timings that measurement needs.

Facts that shape this adapter, each from Ollama's source (docs/backends.md has the list):
durations are nanoseconds; counts and timings arrive only on the final ``done`` object and
zero values are omitted (api/types.go ``Metrics``, omitempty), so a missing count is unknown,
not 0; an error can arrive mid-stream as an ``{"error": ...}`` line with HTTP 200
(server/routes.go ``streamResponse``); a stream can end without a ``done`` object;
``num_ctx`` is always sent; ``truncate``/``shift`` are switched off (since 0.12.6) so an
over-long prompt is an error instead of being cut silently; ``keep_alive`` is a JSON number
of seconds or a Go duration string (backends/keep_alive.py); thinking is decided per model
from its capabilities (backends/think_policy.py).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import time
from typing import Any

import httpx

from jarri.backends import think_policy, wire
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
    is_overflow,
    overflow_failure,
    protocol_failure,
)
from jarri.backends.keep_alive import KeepAlive, parse_keep_alive
from jarri.errors import BackendUnavailable, UnknownModel
from jarri.ledger.bounds import MAX_COUNT

DEFAULT_URL = "http://127.0.0.1:11434"  # envconfig.Host with OLLAMA_HOST unset
NS = 1e9
UNLOAD_WAIT_S = 15.0  # at most, for a model to leave /api/ps after its unload
# truncate and shift arrived in 0.12.6 (api/types.go GenerateRequest/ChatRequest; added in
# #12519, reverted, and re-applied in #12582): an older server ignores them and cuts an
# over-long prompt without a word, so its scores and energy cannot be trusted.
MIN_VERSION = (0, 12, 6)
# Sampling options Ollama applies (api/types.go Options; llm/llama_server.go passes them to
# llama-server's sampler) at neutral values, so a Modelfile's PARAMETER lines cannot leak into
# pinned runs. mirostat and penalize_newline are gone from the API (0.7.0, 0.5.5); stop is
# left to the model's template, which needs its stop strings.
NEUTRAL_SAMPLING = {"min_p": 0.0, "typical_p": 1.0, "repeat_penalty": 1.0,
                    "repeat_last_n": 0, "presence_penalty": 0.0, "frequency_penalty": 0.0}
def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """'0.12.6' or '0.33.0-rc2' -> (0, 12, 6); None for anything else."""
    if not text:
        return None
    head = text.strip().lstrip("v").split("-", 1)[0].split("+", 1)[0]
    parts = head.split(".")
    if len(parts) < 3 or not all(p.isdigit() for p in parts[:3]):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def default_base_url() -> str:
    raw = os.environ.get("OLLAMA_HOST", "")
    return ollama_host(raw) if raw.strip() else DEFAULT_URL


def ollama_host(raw: str | None) -> str:
    """OLLAMA_HOST read exactly as Ollama's client and server read it (envconfig/config.go
    ``Var`` then ``Host``): quotes and spaces trimmed; no scheme means http on 11434 (the
    bare name ``ollama.com`` means https on 443); an explicit http:// or https:// without a
    port means 80 or 443; an unparsable host:port falls back to 127.0.0.1, keeping a bare
    IP (IPv6 included) or name; an invalid port falls back to the scheme's default; a path
    is kept."""
    s = (raw or "").strip().strip("\"'").strip()
    default_port = "11434"
    scheme, sep, hostport = s.partition("://")
    if not sep:
        scheme, hostport = "http", s
        if s == "ollama.com":
            scheme, hostport = "https", "ollama.com:443"
    elif scheme == "http":
        default_port = "80"
    elif scheme == "https":
        default_port = "443"
    hostport, _, path = hostport.partition("/")
    split = _split_host_port(hostport)
    if split is None:
        host, port = "127.0.0.1", default_port
        ip = _ip(hostport.strip("[]"))
        if ip is not None:
            host = ip
        elif hostport:
            host = hostport
    else:
        host, port = split
    if not _valid_port(port):
        port = default_port
    joined = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"{scheme}://{joined}" + (f"/{path}" if path else "")


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go's net.SplitHostPort: (host, port), or None where Go returns an error."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or not hostport[end + 1:].startswith(":"):
            return None
        host, port = hostport[1:end], hostport[end + 2:]
    else:
        i = hostport.rfind(":")
        if i < 0 or ":" in hostport[:i]:
            return None  # missing port, or too many colons (a bare IPv6 address)
        host, port = hostport[:i], hostport[i + 1:]
    if any(c in host + port for c in "[]"):
        return None
    return host, port


def _ip(text: str) -> str | None:
    """Go's net.ParseIP(text).String(), or None."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)  # Go prints an IPv4-mapped address as IPv4
    return str(addr)


def _valid_port(port: str) -> bool:
    """strconv.ParseInt(port, 10, 32) without error, and 0 <= n <= 65535."""
    body = port[1:] if port[:1] in "+-" else port
    if not body or not body.isascii() or not body.isdigit():
        return False
    return 0 <= int(port) <= 65535


def _seconds(ns: int | None) -> float | None:
    return None if ns is None else ns / NS


def residency_from_ps(entry: wire.OllamaRunning | None) -> Residency:
    if entry is None:
        return Residency()
    size = entry.size
    vram = entry.size_vram or 0  # absent: an older server or a proxy; read as 0
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

    def __init__(self, base_url: str | None = None, *, keep_alive: KeepAlive = "10m",
                 api: str = "chat", connect_timeout_s: float = 5.0) -> None:
        self.base_url = (base_url or default_base_url()).rstrip("/")
        self.keep_alive = parse_keep_alive(keep_alive)
        self.server_version: tuple[int, int, int] | None = None  # known once version() ran
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
        """The server's version; refuses one older than MIN_VERSION (a source build says
        0.0.0 and is taken as new)."""
        got: wire.OllamaVersion = self._get("/api/version", wire.OllamaVersion, "a version")
        version = got.version or None
        parsed = parse_version(version)
        self.server_version = parsed
        if parsed is not None and parsed != (0, 0, 0) and parsed < MIN_VERSION:
            need = ".".join(map(str, MIN_VERSION))
            raise BackendUnavailable(
                f"Ollama {version} at {self.base_url} is older than {need}: it ignores "
                "'truncate' and 'shift', so a prompt longer than num_ctx is cut without a "
                "word and the run's score and energy would mean nothing",
                hint=f"upgrade Ollama to {need} or newer (https://ollama.com/download)")
        return version

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
        show = self._show(model)
        ctx: int | None = None
        capabilities: tuple[str, ...] | None = None
        remote = entry.remote_host or None
        if show is not None:
            info = show.model_info or {}
            # "<general.architecture>.context_length" (GGUF keys, server/routes.go
            # GetModelInfo); any "*.context_length" only when the architecture is not named.
            arch = info.get("general.architecture")
            keys = [f"{arch}.context_length"] if isinstance(arch, str) else \
                sorted(k for k in info if k.endswith(".context_length"))
            ctx = next((v for k in keys if type(v := info.get(k)) is int
                        and 0 < v <= MAX_COUNT), None)
            # omitempty in ShowResponse: absent means the server does not say (every model
            # of a current server lists at least completion or embedding).
            if show.capabilities is not None:
                capabilities = tuple(sorted(str(c) for c in show.capabilities))
            remote = remote or show.remote_host or None
        return ModelInfo(
            name=model,
            digest=entry.digest,
            format=details.format,
            quantization=details.quantization_level,
            parameter_size=details.parameter_size,
            context_length=ctx,
            size_bytes=entry.size,
            family=details.family or None,
            capabilities=capabilities,
            remote_host=remote,
        )

    def _show(self, model: str) -> wire.OllamaShow | None:
        """/api/show, or None when it cannot be read (its details then stay unknown)."""
        try:
            resp = self._client.post("/api/show", json={"model": model})
            if resp.status_code != 200:
                return None
            show: wire.OllamaShow = wire.decode(resp.content, wire.OllamaShow, "model details")
            return show
        except (httpx.HTTPError, wire.ProtocolError):
            return None

    def plan_options(self, info: ModelInfo,
                     options: GenerationOptions) -> tuple[GenerationOptions, str | None]:
        decision = think_policy.decide_ollama(info, options, self.server_version)
        return decision.options, decision.note

    def unload(self, model: str) -> None:
        # An empty request with keep_alive 0 unloads at once (server/routes.go
        # GenerateHandler: done_reason "unload"), so the next model's energy windows do not
        # carry this one's residency.
        with contextlib.suppress(httpx.HTTPError):
            self._client.post("/api/generate", json={"model": model, "keep_alive": 0},
                              timeout=30.0)
        # The answer comes when the unload is queued (sched.go expireRunner); the memory is
        # freed later. Wait, briefly, until /api/ps no longer lists the model.
        deadline = time.monotonic() + UNLOAD_WAIT_S
        while time.monotonic() < deadline and self.residency(model).mode != "unknown":
            time.sleep(0.2)

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
        # num_predict caps thinking and answer together (eval_count counts both), so a
        # thinking run's budget is added to the answer's cap (backends/think_policy.py).
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
                **NEUTRAL_SAMPLING,
                "num_ctx": o.num_ctx,
                "num_predict": o.max_output_tokens + (o.thinking_budget or 0),
            },
        }
        if o.think is not None:
            body["think"] = o.think
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        return body

    @staticmethod
    def _sent(body: dict[str, Any]) -> dict[str, Any]:
        """What the request set, without the model, the prompt and the stream flag."""
        return {k: v for k, v in body.items()
                if k not in ("model", "messages", "prompt", "stream")}

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        out = Completion()
        clock = Clock()
        answer: list[str] = []
        thinking: list[str] = []
        final: tuple[wire.OllamaLine, bytes] | None = None
        deadline = Deadline(timeout_s)
        body = self._body(model, prompt, options)
        out.sent_options = self._sent(body)
        try:
            with deadline, self._client.stream(
                    "POST", f"/api/{self.api}", json=body,
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
                        text = f"error in stream: {wire.snippet(err)}"
                        out.failure = (overflow_failure(text) if is_overflow(text) else
                                       BackendFailure("transport", "stream_error", text))
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
                out.failure = _context_problem(out, body["options"])
            except wire.ProtocolError as exc:
                out.failure = protocol_failure(self.base_url, exc)
        return self._finish(out, clock, answer, thinking)

    @staticmethod
    def _read_final(out: Completion, final: wire.OllamaLine, raw: bytes) -> None:
        # Counts are omitempty (api/types.go Metrics): a missing one is unknown, not 0. The
        # prompt count includes cached tokens (0.30.1 and later); eval_count includes thinking.
        out.prompt_tokens = final.prompt_eval_count
        out.output_tokens = final.eval_count
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


def _context_problem(out: Completion, sent: dict[str, Any]) -> BackendFailure | None:
    """A finished run whose context was too small: the output stopped on a full context
    (done_reason "length" before num_predict), or the prompt filled the whole context (an
    older server cuts such a prompt silently)."""
    num_ctx, num_predict = sent["num_ctx"], sent["num_predict"]
    if out.prompt_tokens is not None and out.prompt_tokens >= num_ctx - 1:
        return BackendFailure(
            "generation", "context_overflow",
            f"the prompt ({out.prompt_tokens} tokens) filled the context (num_ctx {num_ctx}): "
            "it may have been cut, so the answer is to another prompt")
    if (out.done_reason == "length" and out.output_tokens is not None
            and out.output_tokens < num_predict):
        return BackendFailure(
            "generation", "context_overflow",
            f"the context (num_ctx {num_ctx}) filled up after {out.output_tokens} output "
            f"tokens, before the output cap of {num_predict}")
    return None
