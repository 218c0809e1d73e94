"""A stand-in Ollama server on 127.0.0.1 serving response shapes recorded from Ollama's API
documentation (Ollama itself cannot be installed on the build machines).

The requested model name picks the scenario, so one server covers every shape:
  ok:1b         streamed answer, final object with every metric
  think:1b      thinking in message.thinking, then the answer
  length:1b     done_reason "length" (num_predict reached)
  zeros:1b      final object with zero-valued metrics omitted (as Ollama does)
  missing:1b    HTTP 404 {"error": "model 'missing:1b' not found, try pulling it first"}
  boom:1b       HTTP 500 {"error": ...}
  midstream:1b  HTTP 200, then an {"error": ...} line mid-stream
  nodone:1b     the stream ends without a done object (Ollama's repetition abort)
  slow:1b       sends one token, then stalls longer than any test timeout
  hybrid:1b     like ok:1b, /api/ps reports it split between CPU and GPU
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = "2026-11-27T10:00:00.000000000Z"
TAGS = {"models": [
    {"name": n, "model": n, "modified_at": CREATED, "size": 815319791,
     "digest": f"sha256:{i:064x}",
     "details": {"parent_model": "", "format": "gguf", "family": "qwen3",
                 "families": ["qwen3"], "parameter_size": "751.63M",
                 "quantization_level": "Q4_K_M"}}
    for i, n in enumerate(["ok:1b", "think:1b", "length:1b", "zeros:1b", "boom:1b",
                           "midstream:1b", "nodone:1b", "slow:1b", "hybrid:1b"], start=1)
]}


def chunk(model: str, content: str = "", thinking: str | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking is not None:
        msg["thinking"] = thinking
    return {"model": model, "created_at": CREATED, "message": msg, "done": False}


def final(model: str, **over: Any) -> dict[str, Any]:
    obj = {"model": model, "created_at": CREATED,
           "message": {"role": "assistant", "content": ""}, "done": True,
           "done_reason": "stop", "total_duration": 4883583458, "load_duration": 1334875,
           "prompt_eval_count": 26, "prompt_eval_duration": 342546000, "eval_count": 3,
           "eval_duration": 4535599000}
    obj.update(over)
    return {k: v for k, v in obj.items() if v is not None}


class Handler(BaseHTTPRequestHandler):
    server: StubServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None

    def _json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, lines: list[dict[str, Any]], stall_s: float = 0.0) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        for obj in lines:
            self.wfile.write(json.dumps(obj).encode() + b"\n")
            self.wfile.flush()
        if stall_s:
            time.sleep(stall_s)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/api/version":
            self._json(200, {"version": "0.13.0"})
        elif self.path == "/api/tags":
            self._json(200, TAGS)
        elif self.path == "/api/ps":
            models = []
            for name in self.server.loaded:
                vram = 400000000 if name == "hybrid:1b" else 815319791
                models.append({"name": name, "model": name, "size": 815319791,
                               "size_vram": vram, "digest": "sha256:" + "1" * 64,
                               "expires_at": CREATED, "context_length": 2048,
                               "details": TAGS["models"][0]["details"]})
            self._json(200, {"models": models})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        model = body.get("model", "")
        if self.path == "/api/show":
            if model not in [m["name"] for m in TAGS["models"]]:
                return self._json(404, {"error": f"model '{model}' not found"})
            return self._json(200, {"capabilities": ["completion"], "parameters": "",
                                    "model_info": {"qwen3.context_length": 40960}})
        if self.path not in ("/api/chat", "/api/generate"):
            return self._json(404, {"error": "not found"})
        self.server.loaded.add(model)
        if model == "missing:1b":
            return self._json(404, {"error": f"model '{model}' not found, try pulling it first"})
        if model == "boom:1b":
            return self._json(500, {"error": "llama runner process has terminated: exit status 2"})
        words = ["Par", "is", ""]
        if model in ("ok:1b", "hybrid:1b"):
            return self._stream([*(chunk(model, w) for w in words), final(model)])
        if model == "think:1b":
            return self._stream([chunk(model, "", "The user asks"),
                                 chunk(model, "", " for a city."),
                                 *(chunk(model, w) for w in words),
                                 final(model, eval_count=9)])
        if model == "length:1b":
            return self._stream([chunk(model, "Paris is the capital of France and"),
                                 final(model, done_reason="length", eval_count=8)])
        if model == "zeros:1b":
            # A fully cached prompt: Ollama omits prompt_eval_count/duration (zero values).
            return self._stream([chunk(model, "Paris"),
                                 final(model, prompt_eval_count=None, prompt_eval_duration=None,
                                       load_duration=None)])
        if model == "midstream:1b":
            return self._stream([chunk(model, "Par"),
                                 {"error": "an error was encountered while running the model"}])
        if model == "nodone:1b":
            return self._stream([chunk(model, "Paris Paris Paris Paris")])
        if model == "slow:1b":
            return self._stream([chunk(model, "P")], stall_s=3.0)
        return self._json(404, {"error": f"model '{model}' not found, try pulling it first"})


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.loaded: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> StubServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
