"""What the servers send, as typed models: every field a backend reads is checked here.

A server is outside our control: a proxy, a bug or a hostile process can answer any JSON
(``[1,2]``, ``null``, usage ``"abc"`` or ``1e400``, a lone surrogate, nesting thousands
deep). Each response is decoded into the msgspec models below, which name the fields the
backends read and what they may hold (counts and durations within ledger/bounds.py, so a
record can always be written); unknown fields are ignored, as the APIs add them over time.
Anything else raises ProtocolError, which a backend turns into a recorded
``transport/protocol_error`` run with the offending bytes (cut) in ``error`` — never a
traceback that stops the sweep.

Shapes follow the servers' own sources: Ollama's api/types.go (ChatResponse,
GenerateResponse, Metrics, ListResponse, ProcessResponse, ShowResponse); the OpenAI chat and
completions chunk objects as llama.cpp's tools/server and vLLM's
entrypoints/openai/protocol.py emit them (llama.cpp adds ``timings``; reasoning arrives as
``reasoning_content`` or ``reasoning``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from jarri.ledger.bounds import MAX_BYTES, MAX_COUNT, MAX_SECONDS

Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
Nanoseconds = Annotated[int, msgspec.Meta(ge=0, le=MAX_SECONDS * 10**9)]
Milliseconds = Annotated[float, msgspec.Meta(ge=0, le=MAX_SECONDS * 1000)]
Size = Annotated[int, msgspec.Meta(ge=0, le=MAX_BYTES)]

SHOWN_BYTES = 200  # how much of an offending response goes into the run's error


class ProtocolError(Exception):
    """The server answered something its API does not allow (message: what and the bytes)."""


def snippet(raw: bytes) -> str:
    cut = raw[:SHOWN_BYTES]
    return repr(cut) + (f" (+{len(raw) - SHOWN_BYTES} bytes)" if len(raw) > SHOWN_BYTES else "")


def decode(raw: bytes, typ: Any, what: str) -> Any:
    """``raw`` as ``typ``, or ProtocolError naming ``what`` it should have been."""
    try:
        return msgspec.json.decode(raw, type=typ)
    except (msgspec.MsgspecError, ValueError, RecursionError) as exc:
        # RecursionError: a value nested deeper than the decoder's stack
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ProtocolError(f"{what} that cannot be read ({reason}): {snippet(raw)}") from None


# A field kept as raw bytes (msgspec.Raw: decoded later, by its own type); absent or null
# reads as no bytes.
NOTHING = msgspec.Raw(b"")


def given(raw: msgspec.Raw) -> bytes | None:
    """The bytes of a raw field, or None when it is absent or null."""
    data = bytes(raw)
    return None if data in (b"", b"null") else data


def plain(raw: bytes) -> Any:
    """A raw sub-object as plain Python (for raw_usage)."""
    return decode(raw, Any, "a server object")


# ---- OpenAI-compatible servers ---------------------------------------------------------
class Delta(msgspec.Struct):
    content: str | None = None
    reasoning_content: str | None = None  # llama.cpp, DeepSeek
    reasoning: str | None = None          # vLLM


class Choice(msgspec.Struct):
    delta: Delta | None = None            # a stream chunk
    message: Delta | None = None          # a whole response
    text: str | None = None               # the completions endpoint
    finish_reason: str | None = None


class PromptDetails(msgspec.Struct):      # OpenAI's usage.prompt_tokens_details (vLLM)
    cached_tokens: Count | None = None


class CompletionDetails(msgspec.Struct):  # OpenAI's usage.completion_tokens_details
    reasoning_tokens: Count | None = None


class Usage(msgspec.Struct):
    prompt_tokens: Count | None = None
    completion_tokens: Count | None = None
    prompt_tokens_details: PromptDetails | None = None
    completion_tokens_details: CompletionDetails | None = None


class Timings(msgspec.Struct):            # llama.cpp's llama-server only
    prompt_ms: Milliseconds | None = None
    predicted_ms: Milliseconds | None = None
    cache_n: Count | None = None          # prompt tokens reused from the slot's cache


class Chunk(msgspec.Struct):
    """One SSE event, or a whole non-streamed response (``message`` in place of ``delta``)."""

    choices: list[Choice] | None = None
    usage: msgspec.Raw = NOTHING
    timings: msgspec.Raw = NOTHING
    error: msgspec.Raw = NOTHING


class ModelMeta(msgspec.Struct):         # llama-server's /v1/models "meta"
    n_ctx: Count | None = None            # the per-slot context the server runs with
    n_ctx_train: Count | None = None
    n_params: Count | None = None
    size: Size | None = None


class ModelEntry(msgspec.Struct):
    id: str
    owned_by: str | None = None           # "llamacpp", "vllm", "sglang", ...
    root: str | None = None               # vLLM/SGLang: the model path behind the id
    max_model_len: Count | None = None    # vLLM/SGLang: the context it serves
    meta: ModelMeta | None = None         # llama-server


class ModelList(msgspec.Struct):
    data: list[ModelEntry]


class SlotSettings(msgspec.Struct):
    n_ctx: Count | None = None


class Props(msgspec.Struct):              # llama.cpp's /props
    build_info: str | None = None
    model_path: str | None = None
    default_generation_settings: SlotSettings | None = None


class ServerVersion(msgspec.Struct):      # vLLM's /version
    version: str | None = None


# ---- Ollama ----------------------------------------------------------------------------
class OllamaMessage(msgspec.Struct):
    content: str | None = None
    thinking: str | None = None


class OllamaLine(msgspec.Struct):
    """One NDJSON line of /api/chat or /api/generate; the metrics arrive on the done line
    (api/types.go Metrics, zero values omitted)."""

    message: OllamaMessage | None = None  # /api/chat
    response: str | None = None           # /api/generate
    thinking: str | None = None           # /api/generate
    done: bool = False
    done_reason: str | None = None
    prompt_eval_count: Count | None = None
    eval_count: Count | None = None
    load_duration: Nanoseconds | None = None
    prompt_eval_duration: Nanoseconds | None = None
    eval_duration: Nanoseconds | None = None
    total_duration: Nanoseconds | None = None
    error: msgspec.Raw = NOTHING


class OllamaVersion(msgspec.Struct):
    version: str | None = None


class OllamaDetails(msgspec.Struct):
    family: str | None = None
    format: str | None = None
    quantization_level: str | None = None
    parameter_size: str | None = None


class OllamaTag(msgspec.Struct):
    name: str | None = None
    model: str | None = None
    digest: str | None = None
    size: Size | None = None
    details: OllamaDetails | None = None
    remote_host: str | None = None        # a cloud model: it runs there, not here
    remote_model: str | None = None


class OllamaTags(msgspec.Struct):
    models: list[OllamaTag] | None = None


class OllamaShow(msgspec.Struct):
    model_info: dict[str, Any] | None = None
    capabilities: list[str] | None = None  # omitted when empty (api/types.go ShowResponse)
    details: OllamaDetails | None = None
    remote_host: str | None = None


class OllamaRunning(msgspec.Struct):
    name: str | None = None
    model: str | None = None
    size: Size | None = None
    size_vram: Size | None = None
    context_length: Count | None = None


class OllamaPs(msgspec.Struct):
    models: list[OllamaRunning] | None = None
