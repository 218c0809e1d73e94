"""Execute a plan: one run at a time, each one written whole before the next starts.

A run = request (inside the energy window) -> evaluator -> record -> append + fsync.
Per-run problems become data in the record; only a broken ledger or a signal stops the sweep,
and completed runs are always on disk when it stops.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from jarri.backends.base import Backend, ModelInfo
from jarri.errors import SweepInterrupted
from jarri.ledger.record import RunRecord
from jarri.ledger.store import ContentStore
from jarri.ledger.writer import LedgerWriter
from jarri.measure.meter import EnergyMeter
from jarri.measure.power import PowerController
from jarri.paths import Workspace
from jarri.runner.cell import CellExecutor, FinishedRun
from jarri.runner.plan import PlannedRun
from jarri.runner.progress import SweepProgress
from jarri.runner.record_builder import SweepContext
from jarri.runner.resume import LedgerState
from jarri.runner.signals import SignalGuard


@dataclass
class SweepResult:
    written: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    passed: int = 0
    interrupted_by: str | None = None
    elapsed_s: float = 0.0
    ledgers: set[str] = field(default_factory=set)
    # Cells a fleet sweep gave up on (in flight during repeated worker deaths): not written,
    # a rerun runs them.
    abandoned: list[str] = field(default_factory=list)

    def count(self, record: RunRecord) -> None:
        self.written += 1
        self.by_status[record.status] += 1
        self.passed += record.passed


class RecordSink:
    """The ledgers a sweep writes: texts first, then the record (append + fsync)."""

    def __init__(self, workspace: Workspace, progress: SweepProgress,
                 writers: dict[str, LedgerWriter] | None = None) -> None:
        self.ws = workspace
        self.progress = progress
        # Ledgers the sweep opened (and locked) before reading their state; others lazily.
        self._writers: dict[str, LedgerWriter] = dict(writers or {})
        self._stores: dict[str, ContentStore] = {
            e: ContentStore(self.ws.outputs(e)) for e in self._writers}

    def note_torn(self) -> None:
        for w in self._writers.values():
            self._note_torn(w)

    def _writer(self, experiment_id: str) -> LedgerWriter:
        w = self._writers.get(experiment_id)
        if w is None:
            w = LedgerWriter(self.ws.ledger(experiment_id)).open()
            self._note_torn(w)
            self._writers[experiment_id] = w
            self._stores[experiment_id] = ContentStore(self.ws.outputs(experiment_id))
        return w

    def _note_torn(self, w: LedgerWriter) -> None:
        if w.torn_tail_repaired:
            self.progress.note(f"note: {w.path} ended in a torn line (an earlier run was "
                               "killed mid-write); it stays quarantined, nothing was lost")

    def write(self, finished: FinishedRun) -> RunRecord:
        """Store the run's texts, then append its record (the caller holds the signals)."""
        record = finished.record
        writer = self._writer(record.experiment_id)  # opens the ledger and its store
        store = self._stores[record.experiment_id]
        for text, sha in ((finished.answer_text, record.answer_sha256),
                          (finished.thinking_text, record.thinking_sha256)):
            if text is not None and store.put(text) != sha:
                raise RuntimeError(f"run {record.run_id}: a stored text's sha256 differs "
                                   "from the one its record names")
        writer.append(record)
        return record

    def close(self) -> set[str]:
        """Close every ledger; returns their paths."""
        paths = {str(w.path) for w in self._writers.values()}
        for w in self._writers.values():
            w.close()
        return paths


class SweepRunner:
    def __init__(self, *, backend: Backend, ctx: SweepContext, workspace: Workspace,
                 infos: dict[str, ModelInfo], meter: EnergyMeter, state: LedgerState,
                 progress: SweepProgress, timeout_s: float, warmup: bool = True,
                 load_timeout_s: float = 600.0, power: PowerController | None = None,
                 idle_s: float = 5.0,
                 require_full_gpu: bool = False,
                 writers: dict[str, LedgerWriter] | None = None) -> None:
        self.state = state
        self.progress = progress
        self.power = power
        self._guard: SignalGuard | None = None
        self.cells = CellExecutor(
            backend=backend, ctx=ctx, infos=infos, meter=meter, timeout_s=timeout_s,
            warmup=warmup, load_timeout_s=load_timeout_s, power=power, idle_s=idle_s,
            require_full_gpu=require_full_gpu, status=progress.running, note=progress.note,
            check=self._check)
        self.sink = RecordSink(workspace, progress, writers)

    def _check(self) -> None:
        if self._guard is not None:
            self._guard.check()

    def run(self, todo: Sequence[PlannedRun]) -> SweepResult:
        result = SweepResult()
        t0 = time.monotonic()
        self.progress.start(len(todo))
        self.sink.note_torn()  # ledgers opened (and locked) by the sweep's preparation
        try:
            with SignalGuard() as guard:
                self._guard = guard
                try:
                    self._loop(todo, guard, result)
                finally:
                    if self.power is not None:
                        with guard.critical():  # a second Ctrl-C waits for the restore
                            self.cells.restore()
        except SweepInterrupted as exc:
            result.interrupted_by = exc.signal_name
        finally:
            self._guard = None
            self.progress.stop()
            result.ledgers |= self.sink.close()
            result.elapsed_s = time.monotonic() - t0
        return result

    def _loop(self, todo: Sequence[PlannedRun], guard: SignalGuard,
              result: SweepResult) -> None:
        for run in todo:
            attempt, superseded = self.state.next_attempt(run.run_key)
            finished = self.cells.measure(run, attempt, superseded)
            guard.check()  # a signal during the run (a model load included): not written
            with guard.critical():
                record = self.sink.write(finished)
                result.count(record)  # counted with its write: "N saved" is exact
            self.progress.done(record)
            guard.check()
