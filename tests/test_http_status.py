"""HTTP status codes from a server become the right transport failure: a scripted server on
127.0.0.1 answers each status to the real OpenAI-compatible and Ollama backends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jarri.backends.base import GenerationOptions
from jarri.backends.ollama import OllamaBackend
from jarri.backends.openai_compat import OpenAICompatBackend

EXPECTED = {400: "bad_request", 404: "model_not_found", 408: "timeout", 422: "bad_request",
            429: "server_busy", 500: "server_error", 502: "server_error",
            503: "server_busy", 504: "server_error"}
STATUS = {"code": 500}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": {"message": f"scripted {STATUS['code']}"}}).encode()
        self.send_response(STATUS["code"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_status_codes_map_to_transport_failures(url: str, code: int) -> None:
    STATUS["code"] = code
    for backend in (OpenAICompatBackend(url, stream=False), OpenAICompatBackend(url),
                    OllamaBackend(url)):
        c = backend.generate("m", "q", GenerationOptions(max_output_tokens=8), 10)
        assert c.failure is not None, (type(backend).__name__, code)
        assert (c.failure.stage, c.failure.type) == ("transport", EXPECTED[code]), \
            (type(backend).__name__, code, c.failure)
        assert f"HTTP {code}" in c.failure.message and f"scripted {code}" in c.failure.message
