"""A stand-in OpenAI-compatible server on 127.0.0.1 in two dialects, built from the servers'
own sources (neither can run on the build machines: no GPU for vLLM, and llama-server is
not packaged here; the real llama-cpp-python server is tested in test_openai_server.py).

llama-server (ggml-org/llama.cpp tools/server):
- every route answers 503 {"error": {"message": "Loading model", "type":
  "unavailable_error", "code": 503}} until the model is loaded (middleware_server_state);
  /health then {"status": "ok"};
- /v1/models entries {id, owned_by: "llamacpp", meta: {n_ctx, n_ctx_train, n_params,
  size}} (get_res_models); /props {build_info, model_path, default_generation_settings:
  {n_ctx}}; no /version route;
- a prompt over the slot's context: HTTP 400 {"error": {"code": 400, "message": "request (N
  tokens) exceeds the available context size (C tokens), try increasing it", "type":
  "exceed_context_size_error", "n_prompt_tokens", "n_ctx"}}, also when streaming;
- an error after the stream started: `data: {"error": {...}}` and no [DONE];
- the last chunk carries `timings` {cache_n, prompt_n, prompt_ms, predicted_n,
  predicted_ms}; usage (with prompt_tokens_details.cached_tokens) in a final chunk with
  choices [] when stream_options.include_usage; thinking in `reasoning_content`.

vLLM (vllm/entrypoints/openai):
- /v1/models entries {id, owned_by: "vllm", root, max_model_len}; /version {"version"};
  no /props;
- a prompt over max_model_len: HTTP 400 {"error": {"message": "This model's maximum context
  length is M tokens. However, your prompt contains N input tokens, ...", "type":
  "BadRequestError", "param": "input_tokens", "code": 400}};
- an error mid-stream: `data: {"error": ...}` and then `data: [DONE]`;
- thinking in `reasoning`; usage.completion_tokens_details.reasoning_tokens.

The prompt picks the scenario: one containing OVERFLOW is 5000 tokens long; MIDSTREAM fails
after one chunk; FULL fills the context (finish_reason "length" before max_tokens); THINK
thinks first. Anything else answers "Paris".
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "qwen3-8b-q4"
N_CTX = 4096


class Handler(BaseHTTPRequestHandler):
    server: OpenAIStub

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None

    def _json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _loading(self) -> bool:
        if self.server.dialect == "llama-server" and not self.server.ready():
            self._json(503, {"error": {"message": "Loading model", "type": "unavailable_error",
                                       "code": 503}})
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802
        if self._loading():
            return
        llama = self.server.dialect == "llama-server"
        if self.path == "/health":
            return self._json(200, {"status": "ok"} if llama else {})
        if self.path == "/v1/models":
            if llama:
                entry: dict[str, Any] = {
                    "id": MODEL, "object": "model", "created": 1764500000,
                    "owned_by": "llamacpp", "aliases": [], "tags": [],
                    "meta": {"vocab_type": 2, "n_vocab": 151936, "n_ctx": N_CTX,
                             "n_ctx_train": 40960, "n_embd": 4096,
                             "n_params": self.server.n_params, "size": 5027783488,
                             "ftype": 15}}
            else:
                entry = {"id": MODEL, "object": "model", "created": 1764500000,
                         "owned_by": "vllm", "root": self.server.root, "parent": None,
                         "max_model_len": N_CTX, "permission": []}
            return self._json(200, {"object": "list", "data": [entry]})
        if self.path == "/props" and llama:
            return self._json(200, {
                "default_generation_settings": {"n_ctx": N_CTX,
                                                "params": {"min_p": 0.05, "top_k": 40}},
                "total_slots": 1, "model_path": "/models/qwen3-8b-q4_k_m.gguf",
                "build_info": "b6000-abc1234", "is_sleeping": False})
        if self.path == "/version" and not llama:
            return self._json(200, {"version": "0.11.0"})
        return self._json(404, {"error": {"code": 404, "message": "File Not Found",
                                          "type": "not_found_error"}})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        if self._loading():
            return
        if self.path != "/v1/chat/completions":
            return self._json(404, {"error": {"message": "not found"}})
        prompt = "".join(m.get("content", "") for m in body.get("messages") or [])
        prompt_tokens = 5000 if "OVERFLOW" in prompt else 21
        if prompt_tokens >= N_CTX:
            return self._overflow(prompt_tokens)
        self._stream(body, prompt, prompt_tokens)

    def _overflow(self, n: int) -> None:
        if self.server.dialect == "llama-server":
            return self._json(400, {"error": {
                "code": 400, "message": f"request ({n} tokens) exceeds the available context "
                f"size ({N_CTX} tokens), try increasing it",
                "type": "exceed_context_size_error", "n_prompt_tokens": n, "n_ctx": N_CTX}})
        return self._json(400, {"error": {
            "message": f"This model's maximum context length is {N_CTX} tokens. However, your "
                       f"prompt contains {n} input tokens, which exceeds this limit even "
                       "without any output tokens.",
            "type": "BadRequestError", "param": "input_tokens", "code": 400}})

    def _event(self, obj: Any) -> None:
        data = obj if isinstance(obj, str) else json.dumps(obj)
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764500000,
                "model": MODEL, "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}

    def _stream(self, body: dict[str, Any], prompt: str, prompt_tokens: int) -> None:
        llama = self.server.dialect == "llama-server"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        max_tokens = int(body.get("max_tokens") or 16)
        if "MIDSTREAM" in prompt:
            self._event(self._chunk({"content": "Par"}))
            self._event({"error": {"code": 500, "message": "Compute error.",
                                   "type": "server_error"}})
            if not llama:
                self._event("[DONE]")
            return
        thinking = ["Let", " me", " think."] if "THINK" in prompt else []
        answer = ["Par", "is"]
        if "FULL" in prompt:
            answer = ["Par"] * 7
        field = "reasoning_content" if llama else "reasoning"
        pieces = [({field: t}) for t in thinking] + [{"content": a} for a in answer]
        room = N_CTX - prompt_tokens if "FULL" not in prompt else 7
        n = min(len(pieces), max_tokens, room)
        for piece in pieces[:n]:
            self._event(self._chunk(piece))
        finish = "stop" if n == len(pieces) and "FULL" not in prompt else "length"
        last = self._chunk({}, finish)
        if llama:
            last["timings"] = {"cache_n": 12, "prompt_n": prompt_tokens - 12, "prompt_ms": 8.5,
                               "predicted_n": n, "predicted_ms": 31.25}
        self._event(last)
        if (body.get("stream_options") or {}).get("include_usage"):
            usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": n,
                                     "total_tokens": prompt_tokens + n,
                                     "prompt_tokens_details": {"cached_tokens": 12}}
            if not llama and thinking:
                usage["completion_tokens_details"] = {"reasoning_tokens": len(thinking)}
            self._event({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                         "model": MODEL, "choices": [], "usage": usage})
        self._event("[DONE]")


class OpenAIStub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, dialect: str = "llama-server", *, loading_s: float = 0.0) -> None:
        if dialect not in ("llama-server", "vllm"):
            raise ValueError(dialect)
        super().__init__(("127.0.0.1", 0), Handler)
        self.dialect = dialect
        self.ready_at = time.monotonic() + loading_s
        self.n_params = 8190735360          # change it to swap the model behind the id
        self.root = "Qwen/Qwen3-8B"
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def ready(self) -> bool:
        return time.monotonic() >= self.ready_at

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> OpenAIStub:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
