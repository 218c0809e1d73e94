"""A stand-in Ollama server on 127.0.0.1, built from Ollama's own source (Ollama cannot be
installed on the build machines). What it does, and where the real server does it:

- /api/version {"version"}; /api/tags entries with bare-hex digests (manifest.Digest),
  ``details.family``, ``remote_host`` for cloud models (api/types.go ListModelResponse);
  /api/show with ``capabilities`` (omitted when empty), ``model_info``, ``details``;
  /api/ps with size, size_vram, context_length.
- ``think``: a model with the ``thinking`` capability thinks when ``think`` is unset
  (routes.go ChatHandler/GenerateHandler, since 0.12.4); ``think`` true or a level to a model
  without it is HTTP 400 ``"<model>" does not support thinking``; a value that is neither a
  bool nor low/medium/high/max is 400 (ThinkValue.UnmarshalJSON). gpt-oss ignores true/false.
- ``keep_alive``: a number is seconds; a string must be a Go duration, so "-1" is HTTP 400
  ``time: missing unit in duration "-1"`` (api.Duration.UnmarshalJSON).
- An empty prompt/messages loads the model (done_reason "load"); with keep_alive 0 it
  unloads it (done_reason "unload").
- ``num_predict`` caps thinking and answer together (eval_count counts both); done_reason
  "length" when the cap or the context (num_ctx, shift off) is reached.
- Metrics are omitempty: zero counts are left out.
- ``truncate: false`` with a prompt over num_ctx: HTTP 400 wrapping llama-server's
  exceed_context_size_error body (llm/llama_server.go statusErrorMessage); a server that
  predates ``truncate`` (version < 0.12.6) cuts the prompt silently instead.
- A full queue is HTTP 503 "server busy" (sched.go ErrMaxQueue).

The requested model name picks the scenario:
  ok:1b         streamed answer, final object with every metric
  think:8b      a thinking model (capability "thinking"): thinks THINK_TOKENS tokens, then
                answers; its thinking and answer share num_predict
  gptoss:20b    family gptoss: always thinks (true/false ignored), levels accepted
  length:1b     done_reason "length" (num_predict reached)
  ctxfull:1b    trained context 64 (Ollama clamps num_ctx to it: effectiveContext), so the
                context fills after 38 output tokens: done_reason "length" before num_predict
  overflow:1b   its prompt is 3000 tokens: over any num_ctx below that
  zeros:1b      final object with zero-valued metrics omitted (as Ollama does; a prompt count
                of 0 is an older server's cache hit: 0.30.1 and later count cached tokens)
  missing:1b    HTTP 404 {"error": "model 'missing:1b' not found"}
  boom:1b       HTTP 500 {"error": ...}
  busy:1b       HTTP 503 server busy
  midstream:1b  HTTP 200, then an {"error": ...} line mid-stream
  nodone:1b     the stream ends without a done object (Ollama's repetition abort)
  slow:1b       sends one token, then stalls longer than any test timeout
  slowload:1b   the first request (the load) takes 1.5 s, later ones are quick
  hybrid:1b     like ok:1b, /api/ps reports it split between CPU and GPU
  cloud:1b      a cloud model: remote_host set in /api/tags and /api/show
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = "2026-11-27T10:00:00.000000000Z"
THINK_TOKENS = 300  # how long think:8b and gptoss:20b think before answering
THINKING_MODELS = ("think:8b", "gptoss:20b")
THINK_LEVELS = ("high", "medium", "low", "max")
NAMES = ["ok:1b", "think:8b", "gptoss:20b", "length:1b", "ctxfull:1b", "overflow:1b",
         "zeros:1b", "boom:1b", "busy:1b", "midstream:1b", "nodone:1b", "slow:1b",
         "slowload:1b", "hybrid:1b", "cloud:1b"]
_GO_DURATION = re.compile(r"[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")


def _family(name: str) -> str:
    return "gptoss" if name.startswith("gptoss") else "qwen3"


def _tag(i: int, name: str) -> dict[str, Any]:
    tag: dict[str, Any] = {
        "name": name, "model": name, "modified_at": CREATED, "size": 815319791,
        "digest": f"{i:064x}",  # bare hex, as manifest.Digest() gives it
        "details": {"parent_model": "", "format": "gguf", "family": _family(name),
                    "families": [_family(name)], "parameter_size": "751.63M",
                    "quantization_level": "Q4_K_M"}}
    if name == "cloud:1b":
        tag.update(remote_model="gpt-oss:120b", remote_host="https://ollama.com:443")
    return tag


TAGS = {"models": [_tag(i, n) for i, n in enumerate(NAMES, start=1)]}


def thought(i: int) -> str:
    """The i-th token of the stand-in's thinking."""
    return f"w{(i * 7919) % 10007} "


def capabilities(name: str) -> list[str]:
    return ["completion", "thinking"] if name in THINKING_MODELS else ["completion"]


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
    # Metrics are omitempty: a zero count is left out, as None is here.
    return {k: v for k, v in obj.items() if v is not None and v != 0}


def _zero_duration(value: Any) -> bool:
    """keep_alive that unloads: a zero number or a zero Go duration ("0", "0s", "0m")."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return value == 0
    return isinstance(value, str) and bool(re.fullmatch(r"0+(\.0*)?(ns|us|µs|ms|s|m|h)?|0",
                                                        value))


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("-")[0].split(".")[:3])


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
            self._json(200, {"version": self.server.version})
        elif self.path == "/api/tags":
            self._json(200, TAGS)
        elif self.path == "/api/ps":
            models = []
            for name in sorted(self.server.loaded):
                vram = 400000000 if name == "hybrid:1b" else 815319791
                models.append({"name": name, "model": name, "size": 815319791,
                               "size_vram": vram, "digest": "1" * 64,
                               "expires_at": CREATED, "context_length": 2048,
                               "details": TAGS["models"][0]["details"]})
            self._json(200, {"models": models})
        else:
            self._json(404, {"error": "not found"})

    def _show(self, model: str) -> None:
        tag = next((m for m in TAGS["models"] if m["name"] == model), None)
        if tag is None:
            return self._json(404, {"error": f"model '{model}' not found"})
        trained = 64 if model == "ctxfull:1b" else 40960
        show: dict[str, Any] = {"parameters": "", "details": tag["details"],
                                "model_info": {"general.architecture": _family(model),
                                               f"{_family(model)}.context_length": trained},
                                "modified_at": CREATED}
        if self.server.capabilities:
            show["capabilities"] = capabilities(model)
        if "remote_host" in tag:
            show["remote_host"] = tag["remote_host"]
        return self._json(200, show)

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        model = body.get("model", "")
        if self.path == "/api/show":
            return self._show(model)
        if self.path not in ("/api/chat", "/api/generate"):
            return self._json(404, {"error": "not found"})
        if model not in NAMES or model == "missing:1b":
            return self._json(404, {"error": f"model '{model}' not found"})
        keep_alive = body.get("keep_alive")
        if isinstance(keep_alive, str) and not (keep_alive == "0"
                                                or _GO_DURATION.fullmatch(keep_alive)):
            return self._json(400, {"error": f'time: missing unit in duration "{keep_alive}"'})
        think = body.get("think")
        if think is not None and not isinstance(think, bool) and think not in THINK_LEVELS:
            return self._json(400, {"error": f"invalid think value: {json.dumps(think)} (must "
                                             'be "high", "medium", "low", "max", true, or '
                                             "false)"})
        prompt = (body.get("prompt") if self.path == "/api/generate"
                  else "".join(m.get("content", "") for m in body.get("messages") or []))
        can_think = model in THINKING_MODELS
        if think not in (None, False) and not can_think:  # checked before a load, too
            return self._json(400, {"error": f'"{model}" does not support thinking'})
        if not prompt:
            if _zero_duration(keep_alive):
                self.server.loaded.discard(model)
                return self._json(200, final(model, done_reason="unload", eval_count=None,
                                             prompt_eval_count=None, eval_duration=None,
                                             prompt_eval_duration=None))
            self.server.loaded.add(model)
            return self._json(200, final(model, done_reason="load", eval_count=None,
                                         prompt_eval_count=None, eval_duration=None,
                                         prompt_eval_duration=None))
        if model == "slowload:1b" and model not in self.server.loaded:
            time.sleep(1.5)
        self.server.loaded.add(model)
        return self._generate(model, body, prompt, think, can_think)

    def _generate(self, model: str, body: dict[str, Any], prompt: str, think: Any,
                  can_think: bool) -> None:
        opts = body.get("options") or {}
        num_ctx = int(opts.get("num_ctx", 2048))
        num_predict = int(opts.get("num_predict", -1))
        old = _version_tuple(self.server.version) < (0, 12, 6)
        prompt_tokens = 3000 if model == "overflow:1b" else 26
        if prompt_tokens >= num_ctx:  # llama-server refuses a prompt that fills the slot
            if old:
                prompt_tokens = num_ctx  # cut silently, as servers before truncate did
            elif body.get("truncate") is False:
                inner = {"error": {"code": 400, "message": f"request ({prompt_tokens} tokens) "
                                   f"exceeds the available context size ({num_ctx} tokens), "
                                   "try increasing it", "type": "exceed_context_size_error",
                                   "n_prompt_tokens": prompt_tokens, "n_ctx": num_ctx}}
                return self._json(400, {"error": json.dumps(inner)})
            elif body.get("shift") is False:  # truncated to one message, still too long
                return self._json(400, {"error": "the prompt is longer than the context "
                                        "length currently available to the model; shorten "
                                        "the prompt, adjust the context length in settings, "
                                        "or use a model with a longer context length"})
            else:
                prompt_tokens = num_ctx - 1  # kept num_keep, cut from the middle
        if model == "boom:1b":
            return self._json(500, {"error": "llama runner process has terminated: exit status 2"})
        if model == "busy:1b":
            return self._json(503, {"error": "server busy, please try again.  maximum pending "
                                             "requests exceeded"})
        words = ["Par", "is", ""]
        if model in ("ok:1b", "hybrid:1b", "cloud:1b", "slowload:1b", "overflow:1b"):
            return self._stream([*(chunk(model, w) for w in words),
                                 final(model, prompt_eval_count=prompt_tokens)])
        if can_think:
            return self._think(model, think, num_predict)
        if model == "length:1b":  # the output cap reached
            return self._stream([chunk(model, "Paris is the capital of France and"),
                                 final(model, done_reason="length",
                                       eval_count=num_predict if num_predict > 0 else 8)])
        if model == "ctxfull:1b":  # the (clamped) context full before the cap
            room = min(num_ctx, 64) - prompt_tokens
            if 0 < num_predict <= room:
                return self._stream([chunk(model, "Paris is the capital of France and"),
                                     final(model, done_reason="length", eval_count=num_predict)])
            return self._stream([chunk(model, "Paris is the capital of France and"),
                                 final(model, done_reason="length", eval_count=room)])
        if model == "zeros:1b":
            # A cached load: Ollama omits the zero-valued fields.
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
        return self._json(404, {"error": f"model '{model}' not found"})

    def _think(self, model: str, think: Any, num_predict: int) -> None:
        # gpt-oss thinks whatever true/false says; the others think unless told not to
        # (unset = on).
        thinks = model.startswith("gptoss") or think is not False
        cap = num_predict if num_predict > 0 else 10**9
        lines: list[dict[str, Any]] = []
        used = 0
        if thinks:
            # The thinking, one token per line (distinct words: no repetition loop), cut at
            # the cap.
            n = min(THINK_TOKENS, cap)
            lines += [chunk(model, "", thought(i)) for i in range(n)]
            used = n
            if used >= cap:
                return self._stream([*lines, final(model, done_reason="length",
                                                   eval_count=used)])
        answer = ["Answer:", " Paris"]
        take = answer[:max(0, cap - used)]
        lines += [chunk(model, w) for w in take]
        used += len(take)
        reason = "length" if len(take) < len(answer) else "stop"
        return self._stream([*lines, final(model, done_reason=reason, eval_count=used)])


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, version: str = "0.13.0", *, capabilities: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.version = version
        self.capabilities = capabilities  # False: an /api/show without the field
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
