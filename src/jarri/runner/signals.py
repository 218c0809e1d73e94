"""Ctrl-C and SIGTERM during a sweep: stop between runs or mid-request, never mid-write.

Outside a critical section a signal raises SweepInterrupted at once (the run in flight is
discarded whole). Inside one (writing a record), it is held and raised when the section ends,
so a record is either fully on disk or not there at all.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from jarri.errors import SweepInterrupted

_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


class SignalGuard:
    def __init__(self) -> None:
        self._depth = 0
        self._pending: int | None = None
        self._old: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._depth > 0:
            self._pending = signum
            return
        raise SweepInterrupted(signal.Signals(signum).name, _EXIT[signum])

    def __enter__(self) -> SignalGuard:
        for sig in _EXIT:
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    @contextmanager
    def critical(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0 and self._pending is not None:
            signum, self._pending = self._pending, None
            raise SweepInterrupted(signal.Signals(signum).name, _EXIT[signum])
