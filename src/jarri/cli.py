"""The ``jarri`` command: a thin click layer over the library (``--help`` is the docs)."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType


class SignalExit(SystemExit):
    """The exit a signal asked for (130 for Ctrl-C, 143 for SIGTERM)."""


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SignalExit(128 + signum)


def signal_exit_code(exc: BaseException) -> int | None:
    """The code of a SignalExit that ``exc`` was raised from, or None. Python wraps what a
    class's ``__set_name__`` raises (a dataclass field, while a module is imported) in a
    RuntimeError, so a signal landing there arrives as one."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, SignalExit):
            return int(e.code) if isinstance(e.code, int) else 1
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def _install_exit_handlers() -> None:
    """Until a command installs its own handling (a sweep's runner/signals.py), Ctrl-C or
    SIGTERM ends the process at once with the usual code and no traceback — also while the
    CLI and a command are still importing what they need. Installed first thing (this module
    is the entry point), so only the interpreter's own start is left uncovered."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _exit_on_signal)


_install_exit_handlers()

from typing import Any  # noqa: E402 - after the handlers, on purpose

import click  # noqa: E402

from jarri import __version__  # noqa: E402
from jarri.commands import doctor, export, grade, power, rebuild, run, serve, suites  # noqa: E402
from jarri.commands.console import err  # noqa: E402
from jarri.errors import JarriError  # noqa: E402


class JarriGroup(click.Group):
    """Turns a JarriError into one clear message and its exit code (no traceback)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _install_exit_handlers()  # again: a caller may have imported this module earlier
        try:
            return super().main(*args, **kwargs)
        except Exception as exc:  # a signal while a command imports what it needs
            code = signal_exit_code(exc)
            if code is None:
                raise
            sys.exit(code)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JarriError as exc:
            err.print(f"error: {exc}", markup=False)
            sys.exit(exc.exit_code)


@click.group(cls=JarriGroup, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 100})
@click.version_option(__version__, prog_name="jarri")
def main() -> None:
    """Jarri Benchmark: which local model and which GPU power limit give correct answers for
    the fewest joules and tokens — and how the others fail.

    \b
    Flow: suites -> plan -> run (backend, energy window, evaluator) -> ledger
          -> rebuild -> JSON surfaces -> UI
    Data: ./benchmarks/<experiment>/llm_benchmark_runs.jsonl (ledgers, append-only)
          ./benchmark_ui/data/ (surfaces written by 'jarri rebuild')
    """


main.add_command(run.run)
main.add_command(rebuild.rebuild)
main.add_command(serve.serve)
main.add_command(doctor.doctor)
main.add_command(suites.suites)
main.add_command(grade.grade)
main.add_command(export.export)
main.add_command(power.power)
