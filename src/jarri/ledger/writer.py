"""Append-only ledger writer: one complete line per run, flushed and fsynced before the next.

A crash at any instant leaves at most one torn final line. On opening, a file that does not
end in a newline gets one appended first, so the torn fragment stays a line of its own (the
reader quarantines it) and the next record is never glued onto it. Nothing is ever rewritten.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from jarri.errors import LedgerError

if TYPE_CHECKING:
    from jarri.ledger.record import RunRecord

LEDGER_NAME = "llm_benchmark_runs.jsonl"


class LedgerWriter:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.torn_tail_repaired = False
        self._fh: BinaryIO | None = None

    def open(self) -> LedgerWriter:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "ab")  # noqa: SIM115 - held open for the whole sweep
        except OSError as exc:
            raise LedgerError(f"cannot open ledger {self.path}: {exc.strerror}",
                              hint="check that the workspace folder is writable") from exc
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise LedgerError(
                f"ledger {self.path} is locked by another running jarri process",
                hint="wait for the other sweep to finish, or use another --workspace",
            ) from exc
        self._fh = fh
        if self.path.stat().st_size > 0:
            with open(self.path, "rb") as rd:
                rd.seek(-1, os.SEEK_END)
                if rd.read(1) != b"\n":
                    self._write(b"\n")
                    self.torn_tail_repaired = True
        return self

    def _write(self, data: bytes) -> None:
        assert self._fh is not None, "ledger writer is not open"
        try:
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise LedgerError(f"cannot append to ledger {self.path}: {exc.strerror}",
                              hint="free disk space or fix permissions; completed runs are "
                                   "safe and a rerun resumes") from exc

    def append(self, record: RunRecord) -> None:
        self._write(record.to_line())

    def close(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> LedgerWriter:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
