"""Any OpenAI-compatible server (llama.cpp llama-server, vLLM, LM Studio, SGLang).

Streams Server-Sent Events with ``stream_options.include_usage`` so usage arrives in a final
chunk; keeps llama.cpp's ``timings`` when present; always sends ``max_tokens`` (vLLM's default
is 16) and the pinned sampling options, with every penalty and filter the servers apply set
to neutral: llama-server's defaults include min_p 0.05 and a GGUF's ``general.sampling.*``
can change them (common_init_sampler_from_model), vLLM and SGLang apply the model's
generation_config.json (repetition_penalty, ...) to whatever a request leaves unset
(vLLM ``get_diff_sampling_param``; SGLang ``--sampling-defaults model``). A server ignores
the names it does not know (llama-server passes them to its sampler; vLLM, SGLang and
llama-cpp-python's server drop unknown fields). docs/backends.md has the table.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
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
    is_overflow,
    overflow_failure,
    protocol_failure,
)
from jarri.backends.model_registry import COMPLETION_TEMPLATE
from jarri.backends.think_policy import decide_openai
from jarri.errors import BackendUnavailable, UnknownModel

DEFAULT_URL = "http://127.0.0.1:8080"
# Sent with every request, so no server-side default can leak into pinned runs:
# repeat_penalty/typical_p/xtc/dry/mirostat are llama.cpp's names, repetition_penalty vLLM's
# and SGLang's; presence/frequency penalties are OpenAI's own.
NEUTRAL_SAMPLING = {"min_p": 0.0, "presence_penalty": 0.0, "frequency_penalty": 0.0,
                    "repeat_penalty": 1.0, "repetition_penalty": 1.0, "typical_p": 1.0,
                    "xtc_probability": 0.0, "dry_multiplier": 0.0, "mirostat": 0}


class OpenAICompatBackend:
    name = "openai"

    def __init__(self, base_url: str | None = None, *, endpoint: str = "chat",
                 api_key: str | None = None, stream: bool = True,
                 connect_timeout_s: float = 5.0, ready_timeout_s: float = 600.0) -> None:
        self.ready_timeout_s = ready_timeout_s
        # Some servers (llama-cpp-python's own) send no usage in streams: stream=False then
        # gets exact token counts at the price of no time-to-first-token.
        self.stream = stream
        url = (base_url or DEFAULT_URL).rstrip("/")
        # Accept both http://host:port and http://host:port/v1.
        self.base_url = url[:-3] if url.endswith("/v1") else url
        if endpoint not in ("chat", "completions"):
            raise ValueError("endpoint must be 'chat' or 'completions'")
        self.endpoint = endpoint
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers,
                                    timeout=httpx.Timeout(30.0, connect=connect_timeout_s))
        self._models: list[str] | None = None
        self._entries: dict[str, wire.ModelEntry] = {}
        self._props: wire.Props | None = None
        self._props_read = False

    def _get(self, path: str) -> httpx.Response:
        """GET, waiting while the server says it is still loading its model (llama-server
        answers 503 "Loading model" on every route until then), up to ready_timeout_s."""
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            resp = self._get_once(path)
            if resp.status_code != 503 or time.monotonic() >= deadline:
                return resp
            time.sleep(0.5)

    def _get_once(self, path: str) -> httpx.Response:
        try:
            return self._client.get(path)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"OpenAI-compatible server at {self.base_url} does not answer "
                f"({type(exc).__name__})",
                hint="start the server, or give the right --base-url",
            ) from exc

    def list_models(self) -> list[str]:
        resp = self._get("/v1/models")
        if resp.status_code != 200:
            raise BackendUnavailable(
                f"{self.base_url}/v1/models answered HTTP {resp.status_code}: "
                f"{error_text(resp.content)}")
        try:
            listing = wire.decode(resp.content, wire.ModelList, "a model list")
        except wire.ProtocolError as exc:
            raise BackendUnavailable(
                f"{self.base_url}/v1/models did not answer an OpenAI model list "
                f'({{"data": [{{"id": ...}}]}}): {exc}',
                hint="check that --base-url points at an OpenAI-compatible server") from None
        self._entries = {m.id: m for m in listing.data}
        self._models = sorted(self._entries)
        return self._models

    def _load_props(self) -> None:
        """llama-server's /props (its build, model file, running context), once."""
        if not self._props_read:
            self._props = self._decoded("/props", wire.Props, "server properties")
            self._props_read = True

    def _decoded(self, path: str, shape: Any, what: str) -> Any:
        """An optional endpoint's answer, or None (another server may lack it or answer
        anything there)."""
        resp = self._get(path)
        if resp.status_code != 200:
            return None
        try:
            return wire.decode(resp.content, shape, what)
        except wire.ProtocolError:
            return None

    def version(self) -> str | None:
        """llama-server: its build (/props build_info); vLLM: its owner name and /version;
        None for a server that names no version."""
        self.list_models()  # proves the server answers
        self._load_props()
        if self._props is not None and self._props.build_info:
            return f"llama.cpp {self._props.build_info}"
        got = self._decoded("/version", wire.ServerVersion, "a version")
        if got is not None and got.version:
            owner = next((e.owned_by for e in self._entries.values() if e.owned_by), None)
            return f"{owner or 'server'} {got.version}"
        return None

    def model_info(self, model: str) -> ModelInfo:
        models = self._models if self._models is not None else self.list_models()
        if model not in models:
            raise UnknownModel(
                f"the server at {self.base_url} has no model '{model}' "
                f"(it lists: {', '.join(models) or 'none'})",
                hint="use one of the listed ids with --models, or load the model in the server")
        entry = self._entries[model]
        self._load_props()  # the running context and the model file, whatever ran before
        meta = entry.meta or wire.ModelMeta()
        return ModelInfo(name=model, digest=self._fingerprint(entry),
                         context_length=self._served_context(entry) or meta.n_ctx_train,
                         size_bytes=meta.size)

    def _served_context(self, entry: wire.ModelEntry) -> int | None:
        """The context the server really runs the model with (not our num_ctx, which
        these servers do not take per request)."""
        slot = self._props.default_generation_settings if self._props else None
        return ((entry.meta.n_ctx if entry.meta else None) or entry.max_model_len
                or (slot.n_ctx if slot else None))

    def _fingerprint(self, entry: wire.ModelEntry) -> str | None:
        """What the server says about the model behind the id, hashed: a different file
        or configuration behind the same id gives other run keys, so resume never mixes
        them. None when the server says nothing beyond the id."""
        meta = entry.meta or wire.ModelMeta()
        facts = {"owned_by": entry.owned_by, "root": entry.root,
                 "max_model_len": entry.max_model_len, "n_ctx_train": meta.n_ctx_train,
                 "n_params": meta.n_params, "size": meta.size,
                 "model_path": self._props.model_path if self._props else None}
        known = {k: v for k, v in facts.items() if v is not None and k != "owned_by"}
        if not known:
            return None
        blob = json.dumps({**facts, "id": entry.id}, sort_keys=True).encode("utf-8")
        return "meta-sha256:" + hashlib.sha256(blob).hexdigest()

    def residency(self, model: str) -> Residency:
        entry = self._entries.get(model)
        return Residency(context_length=self._served_context(entry) if entry else None)

    def plan_options(self, info: ModelInfo,
                     options: GenerationOptions) -> tuple[GenerationOptions, str | None]:
        """No think setting is sent, and no context size (these servers fix it at launch):
        the options record the context the server says it serves, when it says."""
        decision = decide_openai(info, options, self.endpoint)
        entry = self._entries.get(info.name)
        served = self._served_context(entry) if entry else None
        if served is None or served == options.num_ctx:
            return decision.options, decision.note
        note = (f"{info.name}: the server runs a context of {served} tokens (num_ctx is not "
                f"sent to it); the records say {served}")
        return (replace(decision.options, num_ctx=served),
                "; ".join(n for n in (decision.note, note) if n))

    def unload(self, model: str) -> None:
        return None  # the server decides what stays loaded

    def _body(self, model: str, prompt: str, o: GenerationOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "stream": self.stream,
            "max_tokens": o.max_output_tokens,
            "temperature": o.temperature,
            "top_p": o.top_p,
            "top_k": o.top_k,  # not in OpenAI's API; llama.cpp, vLLM and SGLang accept it
            "seed": o.seed,
            **NEUTRAL_SAMPLING,
        }
        if o.think is not None and self.endpoint == "chat":
            kwargs: dict[str, Any] = {"enable_thinking": o.thinking}
            if isinstance(o.think, str):
                # in the template's kwargs (llama-server) and at the top (vLLM's gpt-oss)
                kwargs["reasoning_effort"] = o.think
                body["reasoning_effort"] = o.think
            body["chat_template_kwargs"] = kwargs
            # the thinking shares max_tokens with the answer, as on Ollama
            body["max_tokens"] = o.max_output_tokens + (o.thinking_budget or 0)
        if self.stream:
            body["stream_options"] = {"include_usage": True}
        if self.endpoint == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            # The completions endpoint is for base models: same answer cue as the embedded
            # engine, so the two backends see identical text for the same task.
            body["prompt"] = COMPLETION_TEMPLATE.format(prompt=prompt)
        return body

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        out = Completion()
        clock = Clock()
        answer: list[str] = []
        thinking: list[str] = []
        finish: str | None = None
        saw_done = False
        path = "/v1/chat/completions" if self.endpoint == "chat" else "/v1/completions"
        deadline = Deadline(timeout_s)
        body = self._body(model, prompt, options)
        out.sent_options = {k: v for k, v in body.items()
                            if k not in ("model", "messages", "prompt", "stream")}
        try:
            with deadline, self._client.stream(
                    "POST", path, json=body,
                    headers={"Connection": "close"}, extensions=deadline.extensions(),
                    timeout=httpx.Timeout(timeout_s, connect=5.0)) as resp:
                if resp.status_code != 200:
                    out.failure = failure_for_status(resp.status_code, deadline.body(resp))
                elif not self.stream:
                    finish, saw_done = self._read_whole(deadline.body(resp), out, clock,
                                                        answer, thinking)
                else:
                    for line in deadline.lines(resp):
                        if not line.startswith(b"data:"):
                            continue
                        data = line[5:].strip()
                        if data == b"[DONE]":
                            saw_done = True
                            break
                        chunk = wire.decode(data, wire.Chunk, "a stream event")
                        if (err := wire.given(chunk.error)) is not None:
                            text = f"error in stream: {wire.snippet(err)}"
                            out.failure = (overflow_failure(text) if is_overflow(text) else
                                           BackendFailure("transport", "stream_error", text))
                            break
                        finish = self._read_chunk(chunk, out, clock, answer, thinking) or finish
        except DeadlinePassed:
            out.failure = deadline_failure(timeout_s)
        except wire.ProtocolError as exc:
            out.failure = protocol_failure(self.base_url, exc)
        except httpx.HTTPError as exc:
            out.failure = deadline_failure(timeout_s) if deadline.expired else \
                failure_for_exception(exc, self.base_url)
        if out.failure is None and finish is None and not saw_done:
            out.failure = BackendFailure("generation", "stream_incomplete",
                                         "the stream ended without a finish_reason or [DONE]")
        if out.failure is None and self.stream and "usage" not in out.raw_usage:
            out.raw_usage["usage_missing"] = "the server sent no usage in its stream"
        out.done_reason = finish
        if out.failure is None:
            out.failure = self._context_problem(out, body["max_tokens"])
        out.wall_ns = clock.elapsed_ns()
        out.ttft_s = clock.ttft_s()
        out.answer_text = "".join(answer)
        out.thinking_text = "".join(thinking)
        return out

    @staticmethod
    def _context_problem(out: Completion, max_tokens: int) -> BackendFailure | None:
        """finish_reason "length" before max_tokens: the context filled up (llama-server
        stops a full slot with STOP_TYPE_LIMIT, context shift being off by default; vLLM
        lowers max_tokens to what the context leaves), not the output cap."""
        if (out.done_reason == "length" and out.output_tokens is not None
                and out.output_tokens < max_tokens):
            return overflow_failure(
                f"the context filled up after {out.output_tokens} output tokens, before the "
                f"output cap of {max_tokens} (finish_reason 'length')")
        return None

    def _read_whole(self, body: bytes, out: Completion, clock: Clock, answer: list[str],
                    thinking: list[str]) -> tuple[str | None, bool]:
        whole = wire.decode(body, wire.Chunk, "a response")
        if (err := wire.given(whole.error)) is not None:
            out.failure = BackendFailure("transport", "stream_error",
                                         f"error in response: {wire.snippet(err)}")
            return None, False
        finish = self._read_chunk(whole, out, clock, answer, thinking)
        clock.first_token_ns = None  # no stream, no time-to-first-token
        return finish, True

    def _read_chunk(self, chunk: wire.Chunk, out: Completion, clock: Clock,
                    answer: list[str], thinking: list[str]) -> str | None:
        finish = None
        for choice in chunk.choices or []:
            if self.endpoint == "chat":
                # A stream chunk carries 'delta'; a whole response, 'message'.
                delta = choice.delta or choice.message or wire.Delta()
                piece = delta.content or ""
                think = delta.reasoning_content or delta.reasoning or ""
            else:
                piece, think = choice.text or "", ""
            if piece or think:
                clock.first_token()
            answer.append(piece)
            thinking.append(think)
            finish = choice.finish_reason or finish
        if (raw := wire.given(chunk.usage)) is not None:
            usage = wire.decode(raw, wire.Usage, "a usage object")
            if usage is not None:
                out.raw_usage["usage"] = wire.plain(raw)
                out.prompt_tokens = usage.prompt_tokens
                out.output_tokens = usage.completion_tokens
                if usage.prompt_tokens_details is not None:
                    out.prompt_cached_tokens = usage.prompt_tokens_details.cached_tokens
                if usage.completion_tokens_details is not None:
                    out.thinking_tokens = usage.completion_tokens_details.reasoning_tokens
        if (raw := wire.given(chunk.timings)) is not None:  # llama.cpp server
            timings = wire.decode(raw, wire.Timings, "a timings object")
            if timings is not None:
                out.raw_usage["timings"] = wire.plain(raw)
                if timings.prompt_ms is not None:
                    out.prompt_eval_s = timings.prompt_ms / 1000.0
                if timings.predicted_ms is not None:
                    out.eval_s = timings.predicted_ms / 1000.0
                if timings.cache_n is not None:
                    out.prompt_cached_tokens = timings.cache_n
        return finish

    def close(self) -> None:
        self._client.close()
