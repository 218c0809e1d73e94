"""A signal always stops a sweep, even one that arrives while native code (llama.cpp loading
a model) is calling back into Python, where ctypes drops the handler's exception."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

import pytest

from jarri.errors import SweepInterrupted
from jarri.runner.signals import SignalGuard

CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _native_call_that_calls_back(sig: signal.Signals) -> None:
    """libc's qsort calling a Python comparator, as llama.cpp calls its log callback: the
    signal's handler runs inside the callback."""
    def compare(a: Any, b: Any) -> int:
        os.kill(os.getpid(), sig)
        for _ in range(10_000):  # the handler runs at one of these bytecodes
            pass
        return 0

    values = (ctypes.c_int * 4)(4, 3, 2, 1)
    libc = ctypes.CDLL(None)
    libc.qsort(values, 4, ctypes.sizeof(ctypes.c_int), CMP(compare))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_inside_a_native_callback_still_stops(monkeypatch: pytest.MonkeyPatch,
                                                       sig: signal.Signals, code: int) -> None:
    dropped: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_value))
    with SignalGuard() as guard:
        hook = sys.unraisablehook
        seen: list[BaseException | None] = []
        # the premise: ctypes drops the exception and the native call returns normally
        sys.unraisablehook = lambda u: (seen.append(u.exc_value), hook(u))  # type: ignore
        _native_call_that_calls_back(sig)
        sys.unraisablehook = hook
        assert seen and all(isinstance(e, SweepInterrupted) for e in seen)
        with pytest.raises(SweepInterrupted) as exc:
            guard.check()
    assert exc.value.exit_code == code
    assert dropped == []  # the guard kept the dropped signal out of the noise
    assert sys.unraisablehook is not hook  # and gave the hook back


def test_a_signal_inside_a_critical_section_waits_for_its_end() -> None:
    with SignalGuard() as guard:
        with pytest.raises(SweepInterrupted), guard.critical():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):
                pass
            written = True  # the section ran to its end
        assert written


def test_no_signal_no_interruption() -> None:
    with SignalGuard() as guard:
        guard.check()
        with guard.critical():
            pass
