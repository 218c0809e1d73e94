"""Execute a plan: one run at a time, each one written whole before the next starts.

A run = request (inside the energy window) -> evaluator -> record -> append + fsync.
Per-run problems become data in the record; only a broken ledger or a signal stops the sweep,
and completed runs are always on disk when it stops.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from jarri.backends.base import Backend, Completion, ModelInfo, Residency
from jarri.backends.locality import backend_url, energy_elsewhere
from jarri.errors import SweepInterrupted
from jarri.ledger.record import RunRecord
from jarri.ledger.store import ContentStore
from jarri.ledger.writer import LedgerWriter
from jarri.measure.gpu_lock import GpuLock
from jarri.measure.meter import EnergyMeter, EnergyReading, measure_idle
from jarri.measure.power import PowerController
from jarri.paths import Workspace
from jarri.runner.outcome import decide
from jarri.runner.plan import PlannedRun
from jarri.runner.progress import SweepProgress
from jarri.runner.record_builder import AppliedPower, GpuLimit, SweepContext, build_record
from jarri.runner.resume import LedgerState
from jarri.runner.signals import SignalGuard

# A server-reported load at least this long means the model was (re)loaded in the run.
COLD_LOAD_S = 0.25
WARMUP_PROMPT = "Hello."
# Warm-up failures that mean "not ready yet", retried until the load deadline.
WAIT_OUT = ("server_busy", "connection_error")


@dataclass
class SweepResult:
    written: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    passed: int = 0
    interrupted_by: str | None = None
    elapsed_s: float = 0.0
    ledgers: set[str] = field(default_factory=set)


def _now() -> datetime:
    return datetime.now(UTC)


class SweepRunner:
    def __init__(self, *, backend: Backend, ctx: SweepContext, workspace: Workspace,
                 infos: dict[str, ModelInfo], meter: EnergyMeter, state: LedgerState,
                 progress: SweepProgress, timeout_s: float, warmup: bool = True,
                 load_timeout_s: float = 600.0, power: PowerController | None = None,
                 idle_s: float = 5.0,
                 require_full_gpu: bool = False,
                 writers: dict[str, LedgerWriter] | None = None) -> None:
        self.backend = backend
        self.ctx = ctx
        self.ws = workspace
        self.infos = infos
        self.meter = meter
        self.state = state
        self.progress = progress
        self.timeout_s = timeout_s
        self.warmup = warmup
        self.load_timeout_s = load_timeout_s
        # Why a model's energy is not on this machine's meter (backends/locality.py).
        self._elsewhere = {m: energy_elsewhere(ctx.backend, backend_url(backend), info)
                           for m, info in infos.items()}
        self.power = power
        self.idle_s = idle_s
        self.require_full_gpu = require_full_gpu
        self._applied: AppliedPower | None = None
        # Ledgers the sweep opened (and locked) before reading their state; others lazily.
        self._writers: dict[str, LedgerWriter] = dict(writers or {})
        self._stores: dict[str, ContentStore] = {
            e: ContentStore(self.ws.outputs(e)) for e in self._writers}

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

    def _warm_up(self, run: PlannedRun) -> bool:
        """One unmeasured request, so loading and cold caches stay out of the measurements.
        True when it worked; a failure is reported and the next run counts as a cold start.
        """
        self.progress.running(f"loading {run.model}")
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
            self.progress.running(f"loading {run.model}: the server is busy, waiting")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
        if failed and c.failure is not None:
            self.progress.note(
                f"warning: the warm-up of {run.model} failed ({c.failure.type}: "
                f"{c.failure.message}); its first run is recorded as a cold start (kept out "
                f"of energy comparisons)")
            return False
        return True

    def _set_level(self, run: PlannedRun) -> None:
        """Apply the run's power level (if it changed), then measure idle at that level."""
        level = run.level
        if level is not None and self.power is not None:
            self.progress.running(f"power limit {level.token.request}")
            applied = self.power.apply(level)
            self._applied = AppliedPower(tuple(
                GpuLimit(g.index, g.uuid, g.target_w, applied[g.index], g.default_w, g.min_w,
                         g.max_w, g.clamped) for g in level.gpus))
        if self.meter.measures_idle:
            self.progress.running("measuring idle power")
            idle = measure_idle(self.meter, self.idle_s)
            self.meter.idle_power_w = idle

    def run(self, todo: Sequence[PlannedRun]) -> SweepResult:
        result = SweepResult()
        t0 = time.monotonic()
        self.progress.start(len(todo))
        for w in self._writers.values():  # opened (and locked) by the sweep's preparation
            self._note_torn(w)
        try:
            with SignalGuard() as guard:
                try:
                    self._loop(todo, guard, result)
                finally:
                    if self.power is not None:
                        with guard.critical():  # a second Ctrl-C waits for the restore
                            self.power.restore()
        except SweepInterrupted as exc:
            result.interrupted_by = exc.signal_name
        finally:
            self.progress.stop()
            for w in self._writers.values():
                result.ledgers.add(str(w.path))
                w.close()
            result.elapsed_s = time.monotonic() - t0
        return result

    def _loop(self, todo: Sequence[PlannedRun], guard: SignalGuard,
              result: SweepResult) -> None:
        loaded: str | None = None
        previous: str | None = None  # the model the server holds
        level: object = object()
        residency = Residency()
        for run in todo:
            cold = False
            this_level = run.power.request if run.power else None
            if this_level != level:
                self._set_level(run)
                level = this_level
                loaded = None  # warm up again after a power-limit change
            if run.model != loaded:
                if previous is not None and previous != run.model:
                    # The last model's residency must not leak into this one's windows.
                    self.progress.running(f"unloading {previous}")
                    self.backend.unload(previous)
                cold = not (self.warmup and self._warm_up(run))
                loaded = previous = run.model
                residency = self.backend.residency(run.model)
                guard.check()
            self.progress.running(f"{run.model} {run.task.task_id} r{run.repeat_index}")
            record = self._one(run, residency, cold)
            guard.check()  # a signal during the run (a model load included): not written
            with guard.critical():
                self._writer(run.task.experiment_id).append(record)
            result.written += 1
            result.by_status[record.status] += 1
            result.passed += record.passed
            self.progress.done(record)
            residency = self.backend.residency(run.model)  # checked after each run
            guard.check()

    def _one(self, run: PlannedRun, residency: Residency, cold: bool) -> RunRecord:
        started = _now()
        self.meter.residency = residency.mode
        self.meter.start()
        completion: Completion = self.backend.generate(run.model, run.task.prompt, run.options,
                                                       self.timeout_s)
        energy = self.meter.stop()
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
        self._writer(run.task.experiment_id)  # opens the ledger and its store on first use
        store = self._stores[run.task.experiment_id]
        answer_sha = store.put(outcome.answer_text) if completion.completed else None
        thinking_sha = store.put(outcome.thinking_text) if outcome.thinking_text else None
        attempt, superseded = self.state.next_attempt(run.run_key)
        # A reload inside a measured run (no warm-up, or the server evicted the model).
        cold = cold or (completion.load_s or 0.0) >= COLD_LOAD_S
        return build_record(
            ctx=self.ctx, run=run, info=self.infos[run.model], completion=completion,
            outcome=outcome, energy=energy, residency=residency, started_at=started,
            finished_at=_now(), attempt=attempt, answer_sha256=answer_sha,
            thinking_sha256=thinking_sha, cold_start=cold, supersedes=superseded,
            power=self._applied if run.power else None, limit_set_by=set_by)
