"""Any OpenAI-compatible server (llama.cpp llama-server, vLLM, LM Studio, SGLang).

Streams Server-Sent Events with ``stream_options.include_usage`` so usage arrives in a final
chunk; keeps llama.cpp's ``timings`` when present; always sends ``max_tokens`` (vLLM's default
is 16) and the pinned sampling options.
"""

from __future__ import annotations

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
from jarri.backends.model_registry import COMPLETION_TEMPLATE
from jarri.backends.think_policy import decide_not_sent
from jarri.errors import BackendUnavailable, UnknownModel

DEFAULT_URL = "http://127.0.0.1:8080"


class OpenAICompatBackend:
    name = "openai"

    def __init__(self, base_url: str | None = None, *, endpoint: str = "chat",
                 api_key: str | None = None, stream: bool = True,
                 connect_timeout_s: float = 5.0) -> None:
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

    def _get(self, path: str) -> httpx.Response:
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
        self._models = sorted(m.id for m in listing.data)
        return self._models

    def version(self) -> str | None:
        self.list_models()  # proves the server answers
        resp = self._get("/props")  # llama.cpp's llama-server only
        if resp.status_code != 200:
            return None
        try:
            build = wire.decode(resp.content, wire.Props, "server properties").build_info
        except wire.ProtocolError:
            return None  # /props only names the build; another server may answer anything
        return f"llama.cpp {build}" if build else None

    def model_info(self, model: str) -> ModelInfo:
        models = self._models if self._models is not None else self.list_models()
        if model not in models:
            raise UnknownModel(
                f"the server at {self.base_url} has no model '{model}' "
                f"(it lists: {', '.join(models) or 'none'})",
                hint="use one of the listed ids with --models, or load the model in the server")
        return ModelInfo(name=model)

    def residency(self, model: str) -> Residency:
        return Residency()

    def plan_options(self, info: ModelInfo,
                     options: GenerationOptions) -> tuple[GenerationOptions, str | None]:
        decision = decide_not_sent(self.name, info, options)
        return decision.options, decision.note

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
        }
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
                            if k not in ("model", "messages", "prompt", "stream",
                                         "stream_options")}
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
                            out.failure = BackendFailure(
                                "transport", "stream_error",
                                f"error in stream: {wire.snippet(err)}")
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
        out.wall_ns = clock.elapsed_ns()
        out.ttft_s = clock.ttft_s()
        out.answer_text = "".join(answer)
        out.thinking_text = "".join(thinking)
        return out

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
