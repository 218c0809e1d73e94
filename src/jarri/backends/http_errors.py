"""Map HTTP-level problems to the failure vocabulary (shared by the HTTP backends)."""

from __future__ import annotations

import json

import httpx

from jarri.backends.base import BackendFailure
from jarri.backends.wire import ProtocolError


def error_text(body: bytes) -> str:
    """The server's own error message if the body carries one, else the raw body (cut)."""
    try:
        obj = json.loads(body)
        if isinstance(obj, dict):
            err = obj.get("error", obj)
            if isinstance(err, dict):
                err = err.get("message", err)
            return str(err)[:500]
        return str(obj)[:500]
    except (ValueError, RecursionError):  # not JSON, or nested deeper than a message is
        return body.decode("utf-8", "replace")[:500]


# Error texts that mean the prompt does not fit the context, per server: llama-server's
# exceed_context_size_error ("request (N tokens) exceeds the available context size (C
# tokens)", tools/server server-context.cpp; Ollama 0.30+ passes it on wrapped), Ollama's old
# runners' errorInputTooLong and its shift-off refusal (llm/llama_server.go
# completionPromptForRequest), vLLM's "This model's maximum context length is M tokens".
# Matched in any case (the servers capitalise differently).
OVERFLOW_MARKERS = ("exceed_context_size_error", "exceeds the available context size",
                    "input length exceeds the context length", "longer than the context length",
                    "is larger than the max context size", "maximum context length is",
                    # Ollama's MLX runner (x/mlxrunner/pipeline.go); vLLM's get_max_tokens and
                    # a prompt that leaves no room for one output token
                    "exceeds the model's maximum context length",
                    "exceeds model's maximum context length",
                    "max_tokens must be at least 1")


def is_overflow(text: str) -> bool:
    low = text.lower()
    return any(m.lower() in low for m in OVERFLOW_MARKERS)


def overflow_failure(message: str) -> BackendFailure:
    """The prompt did not fit: the generation could not start (as the embedded engine
    reports it), not a malformed request."""
    return BackendFailure("generation", "context_overflow", message)


def failure_for_status(status: int, body: bytes) -> BackendFailure:
    msg = f"HTTP {status}: {error_text(body)}"
    if status == 400 and is_overflow(msg):
        return overflow_failure(msg)
    if status == 404:
        return BackendFailure("transport", "model_not_found", msg)
    if status == 408:
        return BackendFailure("transport", "timeout", msg)
    # Too many requests, or a full queue (Ollama's ErrMaxQueue in server/sched.go, "server
    # busy, please try again", answered as 503 past OLLAMA_MAX_QUEUE): the request was fine,
    # the server could not take it then. Not the request's fault, so not bad_request.
    # llama-server answers 503 "Loading model" (unavailable_error) on every route until its
    # model is loaded: the warm-up waits that out (runner/execute.py).
    if status in (429, 503):
        return BackendFailure("transport", "server_busy", msg)
    if 400 <= status < 500:
        return BackendFailure("transport", "bad_request", msg)
    return BackendFailure("transport", "server_error", msg)


def failure_for_exception(exc: httpx.HTTPError, base_url: str) -> BackendFailure:
    if isinstance(exc, httpx.TimeoutException):
        return BackendFailure("transport", "timeout",
                              f"no answer in time from {base_url}: {exc}")
    if isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError | httpx.ReadError):
        return BackendFailure("transport", "connection_error", f"{base_url}: {exc}")
    return BackendFailure("transport", "connection_error",
                          f"{base_url}: {type(exc).__name__}: {exc}")


def deadline_failure(timeout_s: float) -> BackendFailure:
    return BackendFailure("transport", "timeout",
                          f"run exceeded the per-run timeout of {timeout_s:g} s")


def protocol_failure(base_url: str, exc: ProtocolError) -> BackendFailure:
    """The server answered what its API does not allow (backends/wire.py): the run is
    recorded with what came back, and the sweep goes on."""
    return BackendFailure("transport", "protocol_error", f"{base_url} sent {exc}")
