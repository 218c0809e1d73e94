"""The ledgers a sweep writes, opened (and locked) before their state is read, so a second
sweep in the same workspace can neither plan from a stale state nor write; and what a
preparation that failed leaves behind: nothing (the empty files and folders it created go).
"""

from __future__ import annotations

from pathlib import Path

from jarri.ledger.writer import LedgerWriter
from jarri.paths import Workspace
from jarri.suite.model import Experiment


def open_ledgers(ws: Workspace, experiments: list[Experiment]) -> dict[str, LedgerWriter]:
    writers: dict[str, LedgerWriter] = {}
    try:
        for e in experiments:
            writers[e.experiment_id] = LedgerWriter(ws.ledger(e.experiment_id)).open()
    except BaseException:
        abandon(writers, set())
        raise
    return writers


def new_paths(ws: Workspace, experiments: list[Experiment]) -> set[Path]:
    """The ledger files and folders that opening the ledgers will create."""
    new: set[Path] = set()
    for e in experiments:
        path = ws.ledger(e.experiment_id)
        while not path.exists() and path != path.parent:
            new.add(path)
            path = path.parent
    return new


def abandon(writers: dict[str, LedgerWriter], created: set[Path]) -> None:
    """Close the ledgers of a preparation that failed, and remove what opening them
    created (empty files and folders only), so bad input leaves nothing behind."""
    for w in writers.values():
        w.close()
    for path in sorted(created, key=lambda p: len(p.parts), reverse=True):
        try:
            if path.is_dir():
                path.rmdir()  # only when empty
            elif path.stat().st_size == 0:
                path.unlink()
        except OSError:
            pass
