"""Ctrl-C and SIGTERM during a sweep: stop between runs or mid-request, never mid-write.

Outside a critical section a signal raises SweepInterrupted at once (the run in flight is
discarded whole). Inside one (writing a record), it is held and raised when the section ends,
so a record is either fully on disk or not there at all.

A signal is also *remembered*: Python runs a handler at the next bytecode, and while
llama.cpp loads a model that bytecode is in a ctypes callback (its log callback), where
ctypes prints the exception and drops it. The sweep therefore calls ``check()`` after each
call into a backend, which raises for a signal that arrived during it, dropped or not.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from jarri.errors import SweepInterrupted

_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


class SignalGuard:
    def __init__(self) -> None:
        self._depth = 0
        self._received: int | None = None
        self._old: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._received = signum
        if self._depth == 0:
            self._raise()

    def _raise(self) -> None:
        signum = self._received
        assert signum is not None
        raise SweepInterrupted(signal.Signals(signum).name, _EXIT[signum])

    def check(self) -> None:
        """Raise for a signal received since the guard was entered (even one whose
        exception a native callback swallowed)."""
        if self._received is not None and self._depth == 0:
            self._raise()

    def __enter__(self) -> SignalGuard:
        for sig in _EXIT:
            self._old[sig] = signal.signal(sig, self._handle)
        self._old_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        sys.unraisablehook = self._old_hook

    def _unraisable(self, unraisable: Any) -> None:
        # The exception a native callback dropped: remembered, so no "Exception ignored"
        # noise; anything else goes to the previous hook.
        if not isinstance(unraisable.exc_value, SweepInterrupted):
            self._old_hook(unraisable)

    @contextmanager
    def critical(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        self.check()
