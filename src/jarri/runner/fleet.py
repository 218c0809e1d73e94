"""A sweep over a Ray cluster (``jarri run --ray auto|ADDRESS``): the driver.

The driver plans the sweep as a single machine does and hands cells to one worker per GPU
(runner/fleet_worker.py): each worker owns its GPU's power limit, energy meter, idle baseline
and backend, and runs one cell at a time, so energy windows never overlap on a GPU and every
number means what it means on one machine. Finished runs stream back; the driver is the
single ledger writer (texts, then the record: append + fsync), so resume, run keys and the
ledger format are those of a single machine.

Before anything runs, every worker resolves the power levels on its own GPU and looks up the
models on its own backend; a worker whose watts, model digests or options differ from the
first one's is refused (the sweep does not start). Faults:
- a worker process killed (or its node lost): Ray restarts it (on the same node or another
  one with a free GPU; the restarted worker first restores the limits its predecessor left
  changed, from that node's journal); its cell in flight runs again, and is written once;
- a worker that cannot come back: its remaining cells move to the live worker with the
  fewest left;
- a cell in flight during MAX_CELL_LOSSES worker deaths is left for a rerun (named);
- the driver killed: Ray ends its workers; rerunning the same command resumes from the
  ledger (and the workers restore limits left changed, from their nodes' journals).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from jarri.config import SweepConfig
from jarri.errors import ConfigError, JarriError, SweepInterrupted
from jarri.ledger.writer import LedgerWriter
from jarri.measure.power_tokens import PowerLevel, parse_tokens
from jarri.paths import Workspace
from jarri.runner.execute import RecordSink, SweepResult
from jarri.runner.fleet_worker import FleetWorker, WorkerInfo, WorkerSpec
from jarri.runner.ledgers import abandon, new_paths, open_ledgers
from jarri.runner.placement import place
from jarri.runner.plan import PlannedRun, PlanSummary, Shard, build_plan, count_changes, summarise
from jarri.runner.progress import FleetProgress
from jarri.runner.resume import LedgerState, load_state
from jarri.runner.signals import SignalGuard
from jarri.suite.model import Experiment
from jarri.suite.registry import SuiteRegistry

# Ray restarts a killed worker process this many times; after that its cells move on.
MAX_RESTARTS = 8
# A cell in flight during this many worker deaths is left for a rerun (it may be what kills
# the worker: a backend that crashes on one prompt must not stop the sweep).
MAX_CELL_LOSSES = 3
# How long a worker's (re)start may take: Ray schedules it, it opens its GPU and backend.
START_GRACE_S = 120.0
POLL_S = 0.25  # how often the driver looks at signals while it waits for results
RETRY_S = 0.5  # how often the driver asks a lost worker whether Ray has restarted it
STOP_GRACE_S = 60.0  # how long the workers together may take to put their GPUs back
INSTALL_HINT = ("pip install 'jarri[ray]' (Ray 2.x, the same version on every node), or run "
                "without --ray")


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray needs Ray, which is not installed here",
                          hint=INSTALL_HINT) from None
    return ray


def connect(ray: ModuleType, address: str) -> bool:
    """Join the cluster; True when this call started a local one (``auto`` with none)."""
    quiet: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address == "auto":
        try:
            ray.init(address="auto", **quiet)
            return False
        except ConnectionError:
            ray.init(include_dashboard=False, **quiet)
            return True
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"cannot join the Ray cluster at {address}: {exc}",
                          hint="start it with 'ray start --head' (and 'ray start --address "
                               "HEAD:PORT' on the other nodes), or give --ray auto") from None
    return False


def unwrap(exc: BaseException) -> BaseException:
    """The exception a worker raised, out of Ray's wrapper."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else exc


@dataclass
class FleetSweep:
    config: SweepConfig
    sweep_id: str
    workspace: Workspace
    ray: ModuleType
    actors: list[Any]
    workers: list[WorkerInfo]
    experiments: list[Experiment]
    power_levels: list[PowerLevel | None]
    plan: list[PlannedRun]
    todo: list[PlannedRun]
    queues: list[list[PlannedRun]]
    state: LedgerState
    summary: PlanSummary
    notes: list[str]
    started_local: bool
    writers: dict[str, LedgerWriter] = field(default_factory=dict)

    @property
    def reference(self) -> WorkerInfo:
        return self.workers[0]

    def power_changes(self) -> list[int]:
        """Power-limit changes per worker's GPU, in its queue's order."""
        return [count_changes(q)[1] for q in self.queues]

    def release(self) -> None:
        """Close the ledgers, put every GPU back, end the workers, leave the cluster."""
        for w in self.writers.values():
            w.close()
        self.writers.clear()
        stop_workers(self.ray, self.actors, [True] * len(self.actors))
        self.ray.shutdown()


def disagreement(ref: WorkerInfo, other: WorkerInfo) -> str | None:
    """Why ``other`` cannot measure the plan ``ref`` resolved, or None."""
    ref_w = [(lv.token.request, [g.target_w for g in lv.gpus]) for lv in ref.levels]
    other_w = [(lv.token.request, [g.target_w for g in lv.gpus]) for lv in other.levels]
    if ref_w != other_w:
        def show(levels: list[tuple[str, list[float]]]) -> str:
            return ", ".join(f"{t} = {'+'.join(f'{w:.0f} W' for w in ws)}" for t, ws in levels)

        return (f"its GPU resolves the power levels to {show(other_w) or 'nothing'}, the "
                f"plan (from {ref.label}) to {show(ref_w) or 'nothing'}")
    for m, info in ref.infos.items():
        mine = other.infos.get(m)
        if mine is None or mine.digest != info.digest:
            return (f"its backend has {m} as {mine.digest if mine else 'missing'}, the plan "
                    f"(from {ref.label}) as {info.digest}")
        if other.options.get(m) != ref.options.get(m):
            return (f"its backend decides other options for {m} "
                    f"({other.options.get(m)} vs {ref.options.get(m)})")
    return None


# Backends that are a server on the node: two workers on one node would send it requests at
# once, whatever GPU each worker meters.
SERVER_BACKENDS = ("ollama", "openai")
# Meters of the whole node, not of one GPU: two workers on one node would overlap in them.
NODE_METERS = ("RaplMeter",)


def sharing(backend: str, workers: list[WorkerInfo]) -> ConfigError | None:
    """Why workers that share a node would measure each other's runs, or None: energy
    windows must never overlap on what a meter measures."""
    by_node: dict[str, list[WorkerInfo]] = {}
    for w in workers:
        by_node.setdefault(w.node_id or w.host, []).append(w)
    for group in by_node.values():
        if len(group) < 2:
            continue
        where = f"{len(group)} workers on {group[0].host}"
        if backend in SERVER_BACKENDS:
            return ConfigError(
                f"{where} would send requests to that node's one {backend} server at once, "
                "so their runs would share its GPUs and their energy and times would mix",
                hint="give each node one unit of a resource of its own ('ray start ... "
                     "--resources {\"jarri\": 1}') and --ray-resource jarri: one worker per "
                     "node counts the node's GPUs")
        meters = {w.meter for w in group} & set(NODE_METERS)
        if meters:
            return ConfigError(
                f"{where} would measure energy with {', '.join(sorted(meters))}, which "
                "reads the whole machine, so their energy windows would overlap",
                hint="one worker per node (--ray-resource with one unit per node), or GPUs "
                     "with NVML")
        uuids = [g.uuid for w in group for g in w.gpus]
        if len(uuids) != len(set(uuids)):
            return ConfigError(
                f"{where} count the same GPU(s), so their energy windows would overlap",
                hint="with --ray-resource give each node one unit, or point each worker at "
                     "its own GPUs (num_gpus: leave --ray-resource out)")
    return None


def _refusal(who: WorkerInfo, why: str) -> ConfigError:
    return ConfigError(
        f"the fleet worker on {who.label} cannot join this sweep: {why}",
        hint="a fleet sweep measures every cell at the same watts with the same model; run "
             "unlike GPUs (or nodes with other model builds) as sweeps of their own "
             "(--sweep NAME-gpu2 ...), or leave the node out (--ray-workers, or a Ray "
             "resource on the nodes you want: --ray-resource)")


def start_workers(ray: ModuleType, cfg: SweepConfig, spec: WorkerSpec,
                  check: Callable[[], None] = lambda: None,
                  ) -> tuple[list[Any], list[WorkerInfo]]:
    """One worker per GPU (or per unit of --ray-resource), sorted by host and GPU."""
    resource = cfg.ray_resource or "GPU"
    offered = int(ray.cluster_resources().get(resource, 0))
    if offered < 1:
        raise ConfigError(
            f"the Ray cluster offers no {resource!r} resource, so there is nowhere to run",
            hint="start the nodes with their GPUs ('ray start ... --num-gpus N'), or give "
                 "each node a resource of its own ('--resources {\"jarri\": 1}') and "
                 "--ray-resource jarri")
    count = cfg.ray_workers or offered
    if count > offered:
        raise ConfigError(f"--ray-workers {count}: the cluster offers only {offered} "
                          f"{resource!r}")
    options: dict[str, Any] = {"max_restarts": MAX_RESTARTS, "max_task_retries": 0,
                               "max_concurrency": 4, "num_cpus": 0}
    if cfg.ray_resource:
        options["resources"] = {cfg.ray_resource: 1}
    else:
        options["num_gpus"] = 1
    remote = ray.remote(FleetWorker)
    actors = [remote.options(**options).remote(spec) for _ in range(count)]
    limit = cfg.load_timeout_s + START_GRACE_S
    try:
        asking = {a.setup.remote(): i for i, a in enumerate(actors)}
        answers: dict[int, WorkerInfo] = {}
        deadline = time.monotonic() + limit
        died = getattr(ray.exceptions, "ActorDiedError", ())
        while asking:  # short waits: a signal is noticed between them (check)
            done, _ = ray.wait(list(asking), num_returns=len(asking), timeout=POLL_S)
            check()
            for ref in done:
                i = asking.pop(ref)
                try:
                    answers[i] = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    if isinstance(exc, died):
                        raise
                    # killed while it started: Ray restarts it, and it is asked again
                    asking[actors[i].setup.remote()] = i
            if asking and time.monotonic() > deadline:
                raise ConfigError(f"the {count} fleet workers did not all start within "
                                  f"{limit:.0f} s ({len(asking)} did not)",
                                  hint="another job may hold the cluster's GPUs ('ray status')")
        infos = [answers[i] for i in range(count)]
    except BaseException as exc:
        stop_workers(ray, actors, [True] * count)
        cause = unwrap(exc)
        if isinstance(cause, JarriError):
            raise cause from None
        raise
    order = sorted(range(count), key=lambda i: infos[i].sort_key)
    return [actors[i] for i in order], [infos[i] for i in order]


def stop_workers(ray: ModuleType, actors: list[Any], alive: list[bool]) -> list[str]:
    """Each live worker puts its GPU back (close; all at once, one deadline), then every
    worker process ends. Returns what went wrong, for the user."""
    problems: list[str] = []
    closing = {a.close.remote(): i for i, (a, up) in enumerate(zip(actors, alive, strict=True))
               if up}
    done, pending = ray.wait(list(closing), num_returns=len(closing), timeout=STOP_GRACE_S) \
        if closing else ([], [])
    for ref in done:
        try:
            ray.get(ref)
        except BaseException as exc:  # noqa: BLE001 - every worker still gets its chance
            problems.append(f"worker {closing[ref]} could not put its GPU back: "
                            f"{str(unwrap(exc)).splitlines()[0][:300]} (run 'jarri power "
                            "restore' on its node)")
    for ref in pending:
        problems.append(f"worker {closing[ref]} did not answer within {STOP_GRACE_S:g} s to "
                        "put its GPU back (run 'jarri power restore' on its node)")
    for a in actors:
        with contextlib.suppress(Exception):  # already gone
            ray.kill(a, no_restart=True)
    return problems


def _restore_here() -> list[str]:
    """On one node: put back the limits its journal holds (of GPUs no running sweep holds)."""
    from jarri.measure.gpu import open_gpus
    from jarri.measure.power import restore_from_journal

    gpus = open_gpus(None)
    if gpus.nvml is None:
        return []
    return restore_from_journal(gpus.nvml, owner="fleet sweep clean-up")


def restore_nodes(ray: ModuleType, node_ids: list[str]) -> list[str]:
    """After the workers have ended: every node a worker ran on restores what its journal
    still holds (a worker restarted on another node left its old GPU's limit there)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    alive = {n["NodeID"]: n.get("NodeManagerHostname", n["NodeID"])
             for n in ray.nodes() if n.get("Alive")}
    problems: list[str] = []
    task = ray.remote(num_cpus=0, max_retries=0)(_restore_here)
    refs = {}
    for node in node_ids:
        if not node:
            continue
        if node not in alive:
            problems.append(f"node {node[:12]} has left the cluster: if a limit was changed "
                            "there, 'jarri power restore' on it puts it back")
            continue
        refs[task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            node, soft=False)).remote()] = node
    done, pending = ray.wait(list(refs), num_returns=len(refs), timeout=STOP_GRACE_S) \
        if refs else ([], [])
    for ref in done:
        try:
            ray.get(ref)
        except BaseException as exc:  # noqa: BLE001 - reported, never lost
            problems.append(f"{alive[refs[ref]]}: the journal restore failed: "
                            f"{str(unwrap(exc)).splitlines()[0][:300]} (run 'jarri power "
                            "restore' there)")
    for ref in pending:
        problems.append(f"{alive[refs[ref]]}: the journal restore did not finish within "
                        f"{STOP_GRACE_S:g} s (run 'jarri power restore' there)")
    return problems


def prepare_fleet(cfg: SweepConfig, sweep_id: str, *, dry_run: bool = False,
                  check: Callable[[], None] = lambda: None) -> FleetSweep:
    """Check everything that can fail, on the driver and on every worker, before the first
    run: tokens, the cluster, each worker's GPU and backend, how workers share nodes, the
    experiments, the ledgers. ``check`` raises for a signal received meanwhile (Ray's own
    waits swallow what a signal handler raises)."""
    tokens = tuple(parse_tokens(cfg.tdp_levels)) if cfg.tdp_levels else ()
    registry = SuiteRegistry([Path(d) for d in cfg.suite_dirs])
    experiments = [registry.load(e) for e in cfg.experiments]
    shard = Shard.parse(cfg.shard) if cfg.shard else None
    ray = import_ray()
    assert cfg.ray is not None
    started_local = connect(ray, cfg.ray)
    try:
        spec = WorkerSpec(config=cfg, sweep_id=sweep_id, tokens=tokens,
                          resource=cfg.ray_resource, dry_run=dry_run)
        actors, workers = start_workers(ray, cfg, spec, check)
    except BaseException:
        ray.shutdown()
        raise
    sweep: FleetSweep | None = None
    writers: dict[str, LedgerWriter] = {}
    created: set[Path] = set()
    try:
        ref = workers[0]
        for other in workers[1:]:
            if (why := disagreement(ref, other)) is not None:
                raise _refusal(other, why)
        if (shared := sharing(cfg.backend, workers)) is not None:
            raise shared
        ws = Workspace(Path(cfg.workspace))
        # Lock, then read: a second sweep in this workspace can neither plan nor write.
        created = set() if dry_run else new_paths(ws, experiments)
        writers = {} if dry_run else open_ledgers(ws, experiments)
        levels: list[PowerLevel | None] = [lv.token for lv in ref.levels] or [None]
        plan = build_plan(sweep_id=sweep_id, backend=cfg.backend, models=cfg.models,
                          infos=ref.infos, experiments=experiments,
                          power_levels=list(ref.levels) if ref.levels else levels,
                          repeats=cfg.repeats, options=next(iter(ref.options.values())),
                          shard=shard, per_model=ref.options)
        state = load_state(ws.ledger(e.experiment_id) for e in experiments)
        todo = [r for r in plan if state.needs_run(r.run_key, cfg.retry_failed)]
        notes = [f"{w.label}: {n}" for w in workers for n in w.notes]
        notes.extend(state.skipped_notes())
        summary = summarise(plan, todo, repeats=cfg.repeats, power_levels=levels)
        sweep = FleetSweep(cfg, sweep_id, ws, ray, actors, workers, experiments, levels, plan,
                           todo, place(todo, len(workers)), state, summary, notes,
                           started_local, writers)
        return sweep
    except BaseException:
        if sweep is None:
            abandon(writers, created)
            stop_workers(ray, actors, [True] * len(actors))
            ray.shutdown()
        raise


@dataclass
class _Slot:
    """One worker as the driver sees it."""

    index: int
    actor: Any
    info: WorkerInfo
    queue: deque[PlannedRun]        # cells not handed out yet, in plan order
    running: PlannedRun | None = None   # the cell in flight (at most one)
    asking: bool = False            # a setup() call is in flight
    alive: bool = True
    # Ask setup() before the next cell: after a restart, or before moved cells go to a worker
    # that sat idle (Ray may have restarted it quietly, elsewhere).
    check_first: bool = False
    # When a lost worker must be back by (monotonic clock); None while it is up.
    due: float | None = None
    # When to ask a lost worker again whether it is back; None: not waiting.
    ask_at: float | None = None
    nodes: set[str] = field(default_factory=set)  # the Ray nodes it ran on

    @property
    def up(self) -> bool:
        return self.alive and self.due is None

    @property
    def idle(self) -> bool:
        return self.running is None and not self.asking


class FleetRunner:
    def __init__(self, f: FleetSweep, progress: FleetProgress) -> None:
        self.f = f
        self.ray = f.ray
        self.progress = progress
        self.sink = RecordSink(f.workspace, progress, f.writers)
        self.slots = [_Slot(i, a, w, deque(q), nodes={w.node_id}) for i, (a, w, q)
                      in enumerate(zip(f.actors, f.workers, f.queues, strict=True))]
        # ref -> (slot, "cell" | "setup")
        self.inflight: dict[Any, tuple[_Slot, str]] = {}
        self.losses: Counter[str] = Counter()
        self.written: set[str] = set()
        self.result = SweepResult()
        self.abandoned: list[str] = []
        self.duplicates = 0
        exceptions = self.ray.exceptions
        self._died = getattr(exceptions, "ActorDiedError", ())
        # A result whose node died before the driver fetched it is lost like its worker.
        self._gone = (exceptions.RayActorError, *(
            (exceptions.ObjectLostError,) if hasattr(exceptions, "ObjectLostError") else ()))

    # --- dispatch
    def _dispatch(self, slot: _Slot) -> None:
        """Give a worker that is up and idle its next step: a check, or its next cell."""
        if not slot.up or not slot.idle:
            return
        if slot.check_first:
            self._ask(slot)
            return
        if not slot.queue:
            self.progress.worker(slot.index, "finished")
            return
        run = slot.running = slot.queue.popleft()
        attempt, superseded = self.f.state.next_attempt(run.run_key)
        self.inflight[slot.actor.run_cell.remote(run, attempt, superseded)] = (slot, "cell")
        self.progress.worker(slot.index, f"{run.model} {run.task.experiment_id}/"
                                         f"{run.task.task_id} r{run.repeat_index}"
                                         f"{' @' + run.power.request if run.power else ''}")

    def _ask(self, slot: _Slot) -> None:
        slot.asking, slot.ask_at = True, None
        self.inflight[slot.actor.setup.remote()] = (slot, "setup")

    def _requeue(self, slot: _Slot) -> None:
        """The cell in flight did not come back: it runs again, unless it keeps killing
        its worker."""
        run, slot.running = slot.running, None
        if run is None:
            return
        self.losses[run.run_key] += 1
        if self.losses[run.run_key] >= MAX_CELL_LOSSES:
            label = f"{run.model} {run.task.experiment_id}/{run.task.task_id} " \
                    f"r{run.repeat_index}"
            self.abandoned.append(label)
            self.progress.note(f"warning: {label} was in flight during "
                               f"{MAX_CELL_LOSSES} worker deaths; left for a rerun")
        else:
            slot.queue.appendleft(run)

    def _lost(self, slot: _Slot, kind: str, exc: BaseException) -> None:
        """A call failed because the worker is gone. Ray says whether for good (ActorDiedError:
        its restarts are used up, or it was ended) or for now (ActorUnavailableError: it is
        restarting, or its node cannot be reached); for now, the driver asks again until the
        worker answers or --ray-restart-timeout-s runs out."""
        if kind == "cell":
            self._requeue(slot)
        else:
            slot.asking = False
        if isinstance(exc, self._died):
            self._retire(slot, f"Ray will not restart it ({type(exc).__name__})")
            return
        if slot.due is None:
            # A node lost with no free GPU left leaves the restart pending for ever: past this
            # deadline the worker is given up and its cells move on.
            slot.due = time.monotonic() + self.f.config.ray_restart_timeout_s
            self.progress.worker(slot.index, "restarting")
            self.progress.note(f"worker {slot.index} ({slot.info.label}) was lost "
                               f"({type(exc).__name__}: its process ended or cannot be "
                               "reached); waiting for Ray to restart it; its cell runs again")
        slot.check_first = True
        slot.ask_at = time.monotonic() + RETRY_S

    def _retire(self, slot: _Slot, why: str) -> None:
        """Give up a worker for good: its cells move to a live one (up first, then the one
        with the fewest left)."""
        for ref, (owner, _) in list(self.inflight.items()):
            if owner is slot:
                del self.inflight[ref]
        self._requeue(slot)
        slot.alive, slot.asking = False, False
        self.progress.worker(slot.index, f"gone: {why}")
        with contextlib.suppress(Exception):  # already gone
            self.ray.kill(slot.actor, no_restart=True)
        left = list(slot.queue)
        slot.queue.clear()
        live = [s for s in self.slots if s.alive]
        if not live:
            if left:
                raise JarriError(
                    f"every fleet worker was lost (the last: {slot.info.label}, {why}); "
                    f"{self.result.written} run(s) saved, {len(left)} left in its queue",
                    hint="rerun the same command to resume from the ledger")
            return
        target = min(live, key=lambda s: (not s.up, len(s.queue) + (s.running is not None),
                                          s.index))
        target.queue = deque(sorted([*target.queue, *left], key=lambda r: r.index))
        self.progress.moved(slot.index, target.index, len(left))
        self.progress.note(f"worker {slot.index} ({slot.info.label}) is gone ({why}); its "
                           f"{len(left)} cell(s) move to worker {target.index} "
                           f"({target.info.label})")
        if left and target.up and target.idle:
            target.check_first = True  # it sat idle: Ray may have restarted it meanwhile
            self._dispatch(target)

    def _waiting(self) -> None:
        """Lost workers: ask again whether they are back, or give them up."""
        now = time.monotonic()
        for slot in self.slots:
            if not slot.alive or slot.due is None:
                continue
            if now > slot.due:
                self._retire(slot, f"it did not come back within "
                                   f"{self.f.config.ray_restart_timeout_s:g} s")
            elif slot.ask_at is not None and now >= slot.ask_at and not slot.asking:
                self._ask(slot)

    def _arrived(self, ref: Any, guard: SignalGuard) -> None:
        slot, kind = self.inflight.pop(ref)
        try:
            value = self.ray.get(ref)
        except self._gone as exc:
            self._lost(slot, kind, exc)
            return
        except self.ray.exceptions.RayTaskError as exc:
            cause = unwrap(exc)
            if kind == "setup":  # restarted where it cannot run (no GPU, a lock held...)
                slot.asking = False
                self._retire(slot, f"its restart failed: {str(cause).splitlines()[0][:200]}")
                return
            raise cause from None  # a real error during a run stops the sweep, as on one machine
        if kind == "setup":
            slot.asking = False
            why = disagreement(self.f.reference, value)
            if why is not None:
                self._retire(slot, f"restarted on {value.label}, which {why}")
                return
            slot.info, slot.due, slot.ask_at, slot.check_first = value, None, None, False
            slot.nodes.add(value.node_id)
            self._dispatch(slot)
            return
        slot.running = None
        key = value.record.run_key
        if key in self.written:  # a cell is dispatched once at a time; never written twice
            self.duplicates += 1
        else:
            with guard.critical():
                record = self.sink.write(value)
                self.written.add(key)
                self.result.count(record)
            self.progress.done(record)
            self.progress.worker_done(slot.index)
        self._dispatch(slot)

    def _unaccounted(self) -> None:
        """Every planned cell is written or named as left: a check on the dispatch itself."""
        named = set(self.abandoned)
        for run in self.f.todo:
            label = f"{run.model} {run.task.experiment_id}/{run.task.task_id} " \
                    f"r{run.repeat_index}"
            if run.run_key not in self.written and label not in named:
                self.abandoned.append(f"{label} (not run)")

    def run(self) -> SweepResult:
        t0 = time.monotonic()
        self.progress.start(len(self.f.todo))
        self.sink.note_torn()
        problems: list[str] = []
        try:
            with SignalGuard() as guard:
                try:
                    for slot in self.slots:
                        self._dispatch(slot)
                    while self.inflight or any(s.alive and s.due is not None
                                               for s in self.slots):
                        ready: list[Any] = []
                        if self.inflight:
                            ready, _ = self.ray.wait(list(self.inflight), num_returns=1,
                                                     timeout=POLL_S)
                        else:  # only lost workers left, waiting to be asked again
                            time.sleep(POLL_S)
                        guard.check()
                        for ref in ready:
                            self._arrived(ref, guard)
                        self._waiting()
                    self._unaccounted()
                finally:
                    with guard.critical():  # a second Ctrl-C waits for the restores
                        problems = stop_workers(self.ray, [s.actor for s in self.slots],
                                                [s.alive for s in self.slots])
                        if self.f.power_levels != [None]:
                            problems += restore_nodes(
                                self.ray, sorted(set().union(*(s.nodes for s in self.slots))))
        except SweepInterrupted as exc:
            self.result.interrupted_by = exc.signal_name
        finally:
            self.progress.stop()
            self.result.ledgers |= self.sink.close()
            self.result.elapsed_s = time.monotonic() - t0
            self.ray.shutdown()
            for p in problems:
                self.progress.note(f"warning: {p}")
        self.result.abandoned = list(self.abandoned)
        return self.result


def execute_fleet(f: FleetSweep, progress: FleetProgress) -> SweepResult:
    return FleetRunner(f, progress).run()

