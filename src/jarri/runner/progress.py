"""Progress reporting for a sweep: a rich progress bar with ETA on a terminal, one plain line
per run otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from jarri.ledger.record import RunRecord


class SweepProgress(Protocol):
    def start(self, total: int) -> None: ...

    def running(self, label: str) -> None: ...

    def done(self, record: RunRecord) -> None: ...

    def note(self, message: str) -> None: ...

    def stop(self) -> None: ...


def describe(r: RunRecord) -> str:
    score = "-" if r.score_percent is None else f"{r.score_percent:g}"
    label = r.failure_type or ("pass" if r.passed else "")
    toks = "-" if r.output_tokens is None else str(r.output_tokens)
    return (f"{r.model} {r.experiment_id}/{r.task_id} r{r.repeat_index}"
            f"{' @' + r.power_limit_request if r.power_limit_request else ''}: "
            f"{r.status} score {score} {label} {toks} tok {r.wall_s:.2f} s")


class ConsoleProgress:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.interactive = self.console.is_terminal
        self._progress: Progress | None = None
        self._task: object = None
        self._n = 0
        self._total = 0

    def start(self, total: int) -> None:
        self._total = total
        if self.interactive:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=self.console, transient=False)
            self._progress.start()
            self._task = self._progress.add_task("sweep", total=total)

    def running(self, label: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=label)  # type: ignore[arg-type]

    def done(self, record: RunRecord) -> None:
        self._n += 1
        if self._progress is not None:
            self._progress.advance(self._task)  # type: ignore[arg-type]
        else:
            self.console.print(f"[{self._n}/{self._total}] {describe(record)}",
                               highlight=False, markup=False)
            sys.stderr.flush()

    def note(self, message: str) -> None:
        self.console.print(message, highlight=False, markup=False)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class FleetProgress(ConsoleProgress):
    """A sweep over several workers: the overall bar plus one line per worker (its GPU,
    what it runs now, how many runs it has written); plain lines name the worker."""

    def __init__(self, console: Console | None = None) -> None:
        super().__init__(console)
        self._labels: list[str] = []
        self._rows: list[object] = []
        self._counts: list[int] = []

    def workers(self, labels: list[str], queued: list[int]) -> None:
        self._labels = list(labels)
        self._counts = [0] * len(labels)
        self._queued = list(queued)

    def start(self, total: int) -> None:
        super().start(total)
        if self._progress is not None:
            self._rows = [self._progress.add_task(f"w{i} {label}: starting", total=q)
                          for i, (label, q) in enumerate(zip(self._labels, self._queued,
                                                             strict=True))]

    def worker(self, index: int, state: str) -> None:
        if self._progress is not None and index < len(self._rows):
            self._progress.update(self._rows[index],  # type: ignore[arg-type]
                                  description=f"w{index} {self._labels[index]}: {state}")
        elif state in ("restarting", "finished") or state.startswith("gone"):
            self.console.print(f"worker w{index} ({self._labels[index]}): {state}",
                               highlight=False, markup=False)

    def done(self, record: RunRecord) -> None:
        self._n += 1
        if self._progress is not None:
            self._progress.advance(self._task)  # type: ignore[arg-type]
        else:
            gpus = ",".join(str(i) for i in record.gpu_indices) or "-"
            self.console.print(f"[{self._n}/{self._total}] {describe(record)} "
                               f"[{record.host} GPU {gpus}]", highlight=False, markup=False)
            sys.stderr.flush()

    def moved(self, source: int, target: int, cells: int) -> None:
        """A lost worker's cells went to another: the target's row grows by as many."""
        if self._progress is not None and max(source, target) < len(self._rows):
            tasks = {t.id: t for t in self._progress.tasks}
            dst, src = tasks[self._rows[target]], tasks[self._rows[source]]  # type: ignore[index]
            self._progress.update(dst.id, total=(dst.total or 0) + cells)
            self._progress.update(src.id, total=src.completed)

    def worker_done(self, index: int) -> None:
        self._counts[index] += 1
        if self._progress is not None and index < len(self._rows):
            self._progress.advance(self._rows[index])  # type: ignore[arg-type]
