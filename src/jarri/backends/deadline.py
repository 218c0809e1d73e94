"""A wall-clock deadline over a whole HTTP request, whatever the server sends.

httpx's timeouts bound each read, not the request: a server that sends one byte every
half second never trips them, and a run given ``--timeout-s 5`` could last for minutes. Here
a timer shuts the request's socket down when the deadline passes (a blocked read then
returns at once), and the body is read in chunks with the deadline checked after each one.
Generation requests ask for a fresh connection (``Connection: close``) so that the socket is
always the one this request opened, seen through httpcore's ``trace`` extension.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import httpx

from jarri.backends.wire import ProtocolError, snippet

MAX_LINE_BYTES = 64 * 1024 * 1024  # one stream line (an event); a bigger one is an error
MAX_BODY_BYTES = 64 * 1024 * 1024  # a whole non-streamed response or an error body


class DeadlinePassed(Exception):
    pass


class Deadline:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.at = time.monotonic() + timeout_s
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout_s, self._expire)
        self._timer.daemon = True

    # -- httpx plumbing ---------------------------------------------------------------
    def extensions(self) -> dict[str, Any]:
        return {"trace": self._trace}

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.append(sock)
                    late = self.expired
                if late:
                    self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._timer.cancel()

    # -- reading ----------------------------------------------------------------------
    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at

    def chunks(self, resp: httpx.Response) -> Iterator[bytes]:
        for chunk in resp.iter_bytes():
            if self.passed():
                raise DeadlinePassed
            yield chunk
        if self.passed():
            raise DeadlinePassed  # the socket was shut: the body ended early

    def lines(self, resp: httpx.Response) -> Iterator[bytes]:
        """The body's lines (without line ends), each checked against MAX_LINE_BYTES."""
        buf = bytearray()
        for chunk in self.chunks(resp):
            start = 0
            while (end := chunk.find(b"\n", start)) != -1:
                buf += chunk[start:end]
                yield bytes(buf).rstrip(b"\r")
                buf.clear()
                start = end + 1
            buf += chunk[start:]
            if len(buf) > MAX_LINE_BYTES:
                raise ProtocolError(f"a stream line longer than {MAX_LINE_BYTES} bytes: "
                                    f"{snippet(bytes(buf))}")
        if buf.strip():
            yield bytes(buf).rstrip(b"\r")

    def body(self, resp: httpx.Response) -> bytes:
        parts, size = [], 0
        for chunk in self.chunks(resp):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ProtocolError(f"a response body longer than {MAX_BODY_BYTES} bytes")
            parts.append(chunk)
        return b"".join(parts)
