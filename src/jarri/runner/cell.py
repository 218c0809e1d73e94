"""One GPU's side of a sweep: bring the backend and the power limit to a run's cell, measure
the run inside its energy window, grade it and build its record.

Shared by the single-machine runner (runner/execute.py, which writes each record itself) and
a fleet worker (runner/fleet_worker.py, which hands the record to the driver, the only ledger
writer). The record names its answer and thinking by sha256; the writer stores the texts.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from jarri.backends.base import Backend, Completion, ModelInfo, Residency
from jarri.backends.locality import backend_url, energy_elsewhere
from jarri.ledger.record import RunRecord
from jarri.measure.gpu_lock import GpuLock
from jarri.measure.meter import EnergyMeter, EnergyReading, measure_idle
from jarri.measure.power import PowerController
from jarri.runner.outcome import decide
from jarri.runner.plan import PlannedRun
from jarri.runner.record_builder import AppliedPower, GpuLimit, SweepContext, build_record

# A server-reported load at least this long means the model was (re)loaded in the run.
COLD_LOAD_S = 0.25
WARMUP_PROMPT = "Hello."
# Warm-up failures that mean "not ready yet", retried until the load deadline.
WAIT_OUT = ("server_busy", "connection_error")


def text_sha256(text: str) -> str:
    """The content store's key for a text (ledger/store.py hashes the same bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FinishedRun:
    """A measured run: its record and the texts its sha256 fields name (to be stored before
    the record is appended, so a record never names a text that is not on disk)."""

    record: RunRecord
    answer_text: str | None
    thinking_text: str | None


class CellExecutor:
    """Runs cells one at a time on one backend and one set of counted GPUs.

    State kept between cells: the power level in force, the model the server holds, and its
    residency; a level change measures idle again and warms the model up again."""

    def __init__(self, *, backend: Backend, ctx: SweepContext, infos: dict[str, ModelInfo],
                 meter: EnergyMeter, timeout_s: float, warmup: bool = True,
                 load_timeout_s: float = 600.0, power: PowerController | None = None,
                 idle_s: float = 5.0, require_full_gpu: bool = False,
                 status: Callable[[str], None] = lambda _: None,
                 note: Callable[[str], None] = lambda _: None,
                 check: Callable[[], None] = lambda: None) -> None:
        self.backend = backend
        self.ctx = ctx
        self.infos = infos
        self.meter = meter
        self.timeout_s = timeout_s
        self.warmup = warmup
        self.load_timeout_s = load_timeout_s
        self.power = power
        self.idle_s = idle_s
        self.require_full_gpu = require_full_gpu
        self.status = status
        self.note = note
        # Raises for a signal that arrived during a backend call (runner/signals.py).
        self.check = check
        # Why a model's energy is not on this machine's meter (backends/locality.py).
        self._elsewhere = {m: energy_elsewhere(ctx.backend, backend_url(backend), info)
                           for m, info in infos.items()}
        self._applied: AppliedPower | None = None
        self._level: object = object()
        self._loaded: str | None = None
        self._previous: str | None = None  # the model the server holds
        self._cold = False
        self._residency = Residency()
        self._ran = False
        # A fleet worker restores its limits from another thread when the driver stops the
        # sweep; no level may be applied after that restore.
        self.power_lock = threading.Lock()
        self.closed = False

    # --- between cells
    def _warm_up(self, run: PlannedRun) -> bool:
        """One unmeasured request, so loading and cold caches stay out of the measurements.
        True when it worked; a failure is reported and the next run counts as a cold start.
        """
        self.status(f"loading {run.model}")
        # A neutral prompt, so no task's prompt is left in a prefix cache by the warm-up; the
        # run's own options (its context size: another one reloads the model) with one
        # output token and no thinking budget.
        opts = replace(run.options, max_output_tokens=1, max_thinking_tokens=0)
        deadline = time.monotonic() + self.load_timeout_s
        pause = 0.5
        while True:
            left = deadline - time.monotonic()
            c = self.backend.generate(run.model, WARMUP_PROMPT, opts, max(left, 0.1))
            failed = c.failure is not None and c.failure.stage == "transport"
            # A server still loading answers 503 (llama-server's "Loading model") or is not
            # listening yet (vLLM): wait it out, within the load's own deadline.
            retry = failed and c.failure is not None and c.failure.type in WAIT_OUT
            if not (retry and deadline - time.monotonic() > pause):
                break
            self.status(f"loading {run.model}: the server is busy, waiting")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
        if failed and c.failure is not None:
            self.note(
                f"warning: the warm-up of {run.model} failed ({c.failure.type}: "
                f"{c.failure.message}); its first run is recorded as a cold start (kept out "
                f"of energy comparisons)")
            return False
        return True

    def _set_level(self, run: PlannedRun) -> None:
        """Apply the run's power level (if it changed), then measure idle at that level."""
        level = run.level
        if level is not None and self.power is not None:
            self.status(f"power limit {level.token.request}")
            with self.power_lock:
                if self.closed:
                    raise RuntimeError("this GPU's sweep was stopped; no limit is applied")
                applied = self.power.apply(level)
            self._applied = AppliedPower(tuple(
                GpuLimit(g.index, g.uuid, g.target_w, applied[g.index], g.default_w, g.min_w,
                         g.max_w, g.clamped) for g in level.gpus))
        if self.meter.measures_idle:
            self.status("measuring idle power")
            idle = measure_idle(self.meter, self.idle_s)
            self.meter.idle_power_w = idle

    def ready(self, run: PlannedRun) -> None:
        """Bring the GPU to the run's level and the backend to its model (warm)."""
        this_level = run.power.request if run.power else None
        if this_level != self._level:
            self._set_level(run)
            self._level = this_level
            self._loaded = None  # warm up again after a power-limit change
        if run.model != self._loaded:
            if self._previous is not None and self._previous != run.model:
                # The last model's residency must not leak into this one's windows.
                self.status(f"unloading {self._previous}")
                self.backend.unload(self._previous)
            self._cold = not (self.warmup and self._warm_up(run))
            self._loaded = self._previous = run.model
            self._residency = self.backend.residency(run.model)
            self.check()

    def restore(self) -> None:
        """Put the counted GPUs' limits back (once; no level is applied afterwards)."""
        with self.power_lock:
            self.closed = True
            if self.power is not None:
                self.power.restore()

    # --- one cell
    def measure(self, run: PlannedRun, attempt: int, supersedes: str | None) -> FinishedRun:
        """ready() the cell, then one measured run -> its record."""
        if self._loaded == run.model and self._ran:
            # Checked again after each run (the server may have moved or evicted it).
            self._residency = self.backend.residency(run.model)
            self.check()
        self.ready(run)
        self.status(f"{run.model} {run.task.task_id} r{run.repeat_index}")
        cold, self._cold = self._cold, False
        self._ran = True
        return self._one(run, self._residency, cold, attempt, supersedes)

    def _one(self, run: PlannedRun, residency: Residency, cold: bool, attempt: int,
             supersedes: str | None) -> FinishedRun:
        started = _now()
        self.meter.residency = residency.mode
        self.meter.start()
        completion: Completion = self.backend.generate(run.model, run.task.prompt, run.options,
                                                       self.timeout_s)
        energy = self.meter.stop()
        self.check()  # a signal during the run (a model load included): nothing is built
        set_by = "this_sweep" if run.power else (
            "another_sweep" if any(GpuLock(u).held_elsewhere() for u in self.ctx.gpu_uuids)
            else None)
        if (where := self._elsewhere.get(run.model)) is not None:
            energy = EnergyReading(method=energy.method, confidence="invalid",
                                   reason=f"not measured on this machine: {where}")
        elif self.require_full_gpu and (residency.mode in ("hybrid", "cpu") or (
                residency.mode == "unknown" and self.ctx.backend == "ollama")):
            energy = EnergyReading(method=energy.method, confidence="invalid",
                                   reason=f"--require-full-gpu: the model's residency is "
                                          f"{residency.mode}, so its energy is not measured")
        outcome = decide(run.task, completion)
        answer = outcome.answer_text if completion.completed else None
        thinking = outcome.thinking_text or None
        # A reload inside a measured run (no warm-up, or the server evicted the model).
        cold = cold or (completion.load_s or 0.0) >= COLD_LOAD_S
        record = build_record(
            ctx=self.ctx, run=run, info=self.infos[run.model], completion=completion,
            outcome=outcome, energy=energy, residency=residency, started_at=started,
            finished_at=_now(), attempt=attempt,
            answer_sha256=None if answer is None else text_sha256(answer),
            thinking_sha256=None if thinking is None else text_sha256(thinking),
            cold_start=cold, supersedes=supersedes,
            power=self._applied if run.power else None, limit_set_by=set_by)
        return FinishedRun(record, answer, thinking)
