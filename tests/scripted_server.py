"""A scripted HTTP server on 127.0.0.1 for the hostile-server tests: each request is answered
by the test's script (status, body pieces, pauses between them), in either server's dialect.

HTTP/1.0 (http.server's default): the body ends when the connection closes, so a script can
send any bytes, at any pace, without a length or a chunked framing to respect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    pieces: list[bytes] = field(default_factory=list)
    pause_s: float = 0.0                # before each piece
    content_type: str = "application/json"
    raw: bool = False                   # pieces are the whole response, status line included


Script = Callable[[str, str, bytes], Reply]   # (method, path, request body) -> reply


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def _answer(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = self.server.script(method, self.path, body)
        try:
            if not reply.raw:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.end_headers()
            for piece in reply.pieces:
                if reply.pause_s:
                    time.sleep(reply.pause_s)
                self.wfile.write(piece)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a deadline): what the tests want to see

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def log_message(self, *args: object) -> None:
        return None


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
