"""From settings to a finished sweep: every check that can fail runs before the first request.

Order: parse power tokens -> refuse power limits where none can be set -> load experiments ->
reach the backend -> look up models -> plan -> read the ledgers (resume) -> execute.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jarri import __version__
from jarri.backends import make_backend
from jarri.backends.base import Backend, GenerationOptions, ModelInfo
from jarri.backends.locality import backend_url, energy_elsewhere
from jarri.config import SweepConfig, default_sweep_name
from jarri.errors import PowerLimitUnavailable
from jarri.ledger.writer import LedgerWriter
from jarri.measure import journal
from jarri.measure.gpu import GpuSetup, best_meter_for, open_gpus
from jarri.measure.gpu_lock import GpuLock, acquire_all, release_all
from jarri.measure.meter import EnergyMeter
from jarri.measure.power import PowerController, ResolvedLevel, resolve, restore_from_journal
from jarri.measure.power_tokens import PowerLevel, parse_tokens
from jarri.paths import Workspace
from jarri.runner.execute import SweepResult, SweepRunner
from jarri.runner.ledgers import abandon, new_paths, open_ledgers
from jarri.runner.plan import PlannedRun, PlanSummary, Shard, build_plan, summarise
from jarri.runner.progress import SweepProgress
from jarri.runner.record_builder import SweepContext
from jarri.runner.resume import LedgerState, load_state
from jarri.suite.model import Experiment
from jarri.suite.registry import SuiteRegistry


@dataclass
class PreparedSweep:
    config: SweepConfig
    sweep_id: str
    workspace: Workspace
    backend: Backend
    backend_version: str | None
    infos: dict[str, ModelInfo]
    experiments: list[Experiment]
    power_levels: list[PowerLevel | None]
    plan: list[PlannedRun]
    todo: list[PlannedRun]
    state: LedgerState
    summary: PlanSummary
    gpus: GpuSetup
    resolved: dict[str, ResolvedLevel]
    notes: list[str]
    # The ledgers of a real sweep, opened (and locked) before their state was read, so a
    # second sweep in the same workspace can neither plan from a stale state nor write.
    writers: dict[str, LedgerWriter] = field(default_factory=dict)
    # The GPUs whose power limits this sweep owns (measure/gpu_lock.py), held until its
    # limits are restored.
    gpu_locks: list[GpuLock] = field(default_factory=list)

    def release(self) -> None:
        """Close the ledgers of a sweep that will not run (execute closes them otherwise)
        and give up its GPUs' limits."""
        for w in self.writers.values():
            w.close()
        self.writers.clear()
        release_all(self.gpu_locks)
        self.gpu_locks.clear()


def power_levels(cfg: SweepConfig, gpus: GpuSetup,
                 ) -> tuple[list[PowerLevel | None], dict[str, ResolvedLevel], list[str]]:
    """Validate the tokens first (bad input is reported before anything else), refuse power
    limits where none can be set, then resolve them per GPU (touching nothing)."""
    if not cfg.tdp_levels:
        return [None], {}, []
    tokens = parse_tokens(cfg.tdp_levels)
    if gpus.nvml is None:
        raise PowerLimitUnavailable(
            f"--tdp-levels needs an NVIDIA GPU with NVML, and this machine has none "
            f"({gpus.reason})",
            hint="run without --tdp-levels (energy is then recorded as not measured), or on "
                 "a machine with an NVIDIA GPU")
    resolved, notes = resolve(tokens, gpus.nvml, gpus.indices)
    return [r.token for r in resolved], {r.token.request: r for r in resolved}, notes


def sweep_id_for(cfg: SweepConfig) -> str:
    name = cfg.sweep or default_sweep_name()
    if cfg.fresh:
        name = f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    return name


def prepare(cfg: SweepConfig, *, dry_run: bool = False) -> PreparedSweep:
    gpus = open_gpus(cfg.gpu_indices)
    levels, resolved, notes = power_levels(cfg, gpus)
    gpu_locks: list[GpuLock] = []
    if gpus.nvml is not None:
        if dry_run:
            try:
                pending = journal.read(journal.journal_path())
            except journal.JournalError as exc:
                notes.append(f"{exc.message}: a real run refuses to start ({exc.hint})")
            else:
                if pending:
                    notes.append(f"a restore journal exists ({journal.journal_path()}): the "
                                 "next real run (or 'jarri power restore') puts those limits "
                                 "back")
        else:
            # A sweep that sets limits owns its GPUs' limits until it has restored them; a
            # second one that wants them is refused here, before anything is touched.
            owner = f"sweep {sweep_id_for(cfg)} in {Path(cfg.workspace).resolve()}"
            if resolved:
                gpu_locks = acquire_all([g.uuid for g in gpus.identities], owner)
            try:
                notes.extend(restore_from_journal(
                    gpus.nvml, owned=frozenset(g.uuid for g in gpus.identities)
                    if gpu_locks else frozenset(), owner=owner))
            except BaseException:
                release_all(gpu_locks)
                raise
    try:
        return _prepare_rest(cfg, dry_run, gpus, levels, resolved, notes, gpu_locks)
    except BaseException:
        release_all(gpu_locks)
        raise


def _prepare_rest(cfg: SweepConfig, dry_run: bool, gpus: GpuSetup,
                  levels: list[PowerLevel | None], resolved: dict[str, ResolvedLevel],
                  notes: list[str], gpu_locks: list[GpuLock]) -> PreparedSweep:
    registry = SuiteRegistry([Path(d) for d in cfg.suite_dirs])
    experiments = [registry.load(e) for e in cfg.experiments]
    ws = Workspace(Path(cfg.workspace))
    # Lock first, then read: otherwise two sweeps could both see a run as missing. Locked
    # before the backend loads a model, so a second sweep is refused at once.
    shard = Shard.parse(cfg.shard) if cfg.shard else None
    created = set() if dry_run else new_paths(ws, experiments)
    writers = {} if dry_run else open_ledgers(ws, experiments)
    try:
        backend = make_backend(cfg.backend, base_url=cfg.base_url, keep_alive=cfg.keep_alive,
                               ollama_api=cfg.ollama_api, openai_endpoint=cfg.openai_endpoint,
                               openai_stream=cfg.openai_stream,
                               load_timeout_s=cfg.load_timeout_s, mock_file=cfg.mock_file)
        options = GenerationOptions(temperature=cfg.temperature, seed=cfg.seed,
                                    top_k=cfg.top_k, top_p=cfg.top_p, num_ctx=cfg.num_ctx,
                                    max_output_tokens=cfg.max_output_tokens, think=cfg.think,
                                    max_thinking_tokens=cfg.max_thinking_tokens)
        per_model: dict[str, GenerationOptions] = {}
        try:
            version = backend.version()
            infos = {m: backend.model_info(m) for m in cfg.models}
            for m in cfg.models:  # the think decision may refuse (a level the server lacks)
                per_model[m], note = backend.plan_options(infos[m], options)
                if note:
                    notes = [*notes, note]
                if (where := energy_elsewhere(cfg.backend, backend_url(backend), infos[m])):
                    notes = [*notes, f"{m}: energy is recorded as invalid: {where}"]
        except BaseException:
            backend.close()
            raise
    except BaseException:
        abandon(writers, created)
        raise
    sweep_id = sweep_id_for(cfg)
    plan = build_plan(sweep_id=sweep_id, backend=cfg.backend, models=cfg.models, infos=infos,
                      experiments=experiments,
                      power_levels=list(resolved.values()) if resolved else levels,
                      repeats=cfg.repeats,
                      options=options, shard=shard, per_model=per_model)
    state = load_state(ws.ledger(e.experiment_id) for e in experiments)
    todo = [r for r in plan if state.needs_run(r.run_key, cfg.retry_failed)]
    notes = [*notes, *state.skipped_notes()]
    summary = summarise(plan, todo, repeats=cfg.repeats, power_levels=levels)
    return PreparedSweep(cfg, sweep_id, ws, backend, version, infos, experiments, levels, plan,
                         todo, state, summary, gpus, resolved, notes, writers, gpu_locks)


def execute(p: PreparedSweep, progress: SweepProgress,
            meter: EnergyMeter | None = None) -> SweepResult:
    ctx = SweepContext(sweep_id=p.sweep_id, backend=p.config.backend,
                       backend_version=p.backend_version, jarri_version=__version__,
                       host=socket.gethostname(), gpu=p.gpus.first,
                       gpu_indices=tuple(p.gpus.indices),
                       gpu_uuids=tuple(g.uuid for g in p.gpus.identities))
    power = None
    if p.resolved and p.gpus.nvml is not None:
        power = PowerController(p.gpus.nvml, p.gpus.indices, settle_s=p.config.settle_s)
    runner = SweepRunner(backend=p.backend, ctx=ctx, workspace=p.workspace, infos=p.infos,
                         meter=meter or best_meter_for(p.gpus), state=p.state,
                         progress=progress, timeout_s=p.config.timeout_s,
                         warmup=p.config.warmup, load_timeout_s=p.config.load_timeout_s,
                         power=power,
                         idle_s=p.config.idle_s, require_full_gpu=p.config.require_full_gpu,
                         writers=p.writers)
    try:
        return runner.run(p.todo)  # restores the limits before it returns
    finally:
        p.backend.close()
        release_all(p.gpu_locks)
        p.gpu_locks.clear()
