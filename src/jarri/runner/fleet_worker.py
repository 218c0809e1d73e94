"""A fleet worker: one GPU of a Ray cluster, owned whole (runner/fleet.py is the driver).

The worker owns its GPU's power limit (lock, journal, restore), its energy meter and idle
baseline, and its backend (the node's own server at 127.0.0.1, or the embedded engine). It
runs one cell at a time (runner/cell.py) and returns each finished run to the driver, which
is the only ledger writer. Energy windows on one GPU therefore never overlap.

Nothing here imports Ray at module level: the class is a plain one that the driver wraps
with ``ray.remote``; the same class runs in-process in tests of its own logic.

Its constructor never raises (Ray restarts a killed worker by running it again): it restores
the limits a killed predecessor left changed, from this node's journal, first thing. What
went wrong is kept and raised by ``setup()``, which the driver calls after every (re)start.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, replace

from jarri import __version__
from jarri.backends import make_backend
from jarri.backends.base import Backend, GenerationOptions, ModelInfo
from jarri.backends.locality import backend_url, energy_elsewhere
from jarri.config import SweepConfig
from jarri.errors import ConfigError, PowerLimitUnavailable
from jarri.measure.gpu import GpuSetup, best_meter_for, open_gpus
from jarri.measure.gpu_lock import GpuBusy, GpuLock, acquire_all, release_all
from jarri.measure.nvml import GpuIdentity, Nvml
from jarri.measure.power import PowerController, ResolvedLevel, resolve, restore_from_journal
from jarri.measure.power_tokens import PowerLevel
from jarri.runner.cell import CellExecutor, FinishedRun
from jarri.runner.plan import PlannedRun
from jarri.runner.record_builder import SweepContext

# How long a worker waits for its GPU's lock before it takes the holder for another sweep.
LOCK_WAIT_S = 30.0


@dataclass(frozen=True)
class WorkerSpec:
    config: SweepConfig
    sweep_id: str
    tokens: tuple[PowerLevel, ...]
    # None: the worker holds one Ray GPU (num_gpus=1) and counts that GPU. A resource name:
    # the worker holds one unit of it (e.g. one per node for a node's own server) and counts
    # the GPUs --gpu-indices names (all by default), as a single machine does.
    resource: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class WorkerInfo:
    """What the driver checks before it plans: where the worker is and what it resolved."""

    host: str
    pid: int
    node_id: str
    ray_gpu_ids: tuple[str, ...]
    gpus: tuple[GpuIdentity, ...]
    gpu_reason: str
    meter: str
    levels: tuple[ResolvedLevel, ...]
    backend_version: str | None
    infos: dict[str, ModelInfo]
    options: dict[str, GenerationOptions]
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """host + GPU, as a person names it."""
        if self.gpus:
            gpu = ", ".join(f"GPU {g.index} {g.name}" for g in self.gpus)
        elif self.ray_gpu_ids:
            gpu = "Ray GPU " + ",".join(self.ray_gpu_ids) + " (no NVML)"
        else:
            gpu = "no GPU"
        return f"{self.host} {gpu}"

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Workers are numbered by host, then GPU, so the same cluster gets the same
        placement whichever order Ray started them in."""
        first = self.gpus[0].uuid if self.gpus else ""
        return (self.host, first, ",".join(self.ray_gpu_ids))


def nvml_indices(ray_ids: list[str], nvml: Nvml | None) -> list[int]:
    """Ray's GPU ids -> NVML indices. Ray numbers GPUs as the node's CUDA_VISIBLE_DEVICES
    lists them (by default every GPU, in NVML's order) or by uuid."""
    out = []
    for rid in ray_ids:
        if rid.startswith(("GPU-", "MIG-")):
            if nvml is None:
                raise ConfigError(f"Ray gave this worker GPU {rid}, and NVML is not available "
                                  "to find it")
            by_uuid = {nvml.identity(i).uuid: i for i in range(nvml.count())}
            if rid not in by_uuid:
                raise ConfigError(f"Ray gave this worker GPU {rid}, which NVML does not list")
            out.append(by_uuid[rid])
        else:
            try:
                out.append(int(rid))
            except ValueError:
                raise ConfigError(f"Ray gave this worker a GPU id jarri cannot read: {rid!r}",
                                  hint="start the node with CUDA_VISIBLE_DEVICES as indices "
                                       "or GPU uuids") from None
    return out


class FleetWorker:
    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.host = socket.gethostname()
        self._locks: list[GpuLock] = []
        self._backend: Backend | None = None
        self.cells: CellExecutor | None = None
        self.levels: dict[str, ResolvedLevel] = {}
        self._busy = threading.Lock()
        self._error: BaseException | None = None
        self._info: WorkerInfo | None = None
        try:
            self._info = self._setup()
        except BaseException as exc:  # noqa: BLE001 - reported by setup(), never lost
            self._release()
            self._error = exc

    # --- driver calls
    def setup(self) -> WorkerInfo:
        """This worker's description, or the error its start met."""
        if self._error is not None:
            raise self._error
        assert self._info is not None
        return self._info

    def run_cell(self, run: PlannedRun, attempt: int, supersedes: str | None) -> FinishedRun:
        if self.cells is None:
            raise RuntimeError(f"worker {self.host} pid {os.getpid()} did not start: "
                               f"{self._error}")
        if run.power is not None:
            # The plan's level as this GPU resolved it (the driver checked the watts agree).
            run = replace(run, level=self.levels[run.power.request])
        with self._busy:
            return self.cells.measure(run, attempt, supersedes)

    def close(self) -> list[str]:
        """Put this GPU's limit back and give up its lock. May run while a cell is still in
        flight (the driver stops a sweep): no limit is applied after it. The backend is
        closed only when no cell runs; the driver ends the process afterwards either way."""
        messages = []
        try:
            if self.cells is not None:
                self.cells.restore()
                if self.cells.power is not None:
                    messages.append(f"{self.host}: power limits restored")
        finally:
            self._release()
            if self._backend is not None and self._busy.acquire(blocking=False):
                try:
                    self._backend.close()
                finally:
                    self._backend = None
                    self._busy.release()
        return messages

    def pid(self) -> int:
        return os.getpid()

    # --- start
    @staticmethod
    def _lock(uuids: list[str], owner: str) -> list[GpuLock]:
        """The GPUs' locks, waiting a little: a worker of a driver that was just killed may
        still hold one until Ray ends it, and a sibling worker restoring this node's journal
        holds each lock for a moment. Held longer, it is another sweep: refused."""
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                return acquire_all(uuids, owner)
            except GpuBusy:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)

    def _release(self) -> None:
        release_all(self._locks)
        self._locks = []

    def _gpus(self) -> tuple[GpuSetup, list[str]]:
        cfg = self.spec.config
        if self.spec.resource is not None:
            return open_gpus(cfg.gpu_indices), []
        import ray  # inside a Ray worker: Ray is there

        ray_ids = [str(g) for g in ray.get_gpu_ids()]
        probe = open_gpus(None)
        indices = nvml_indices(ray_ids, probe.nvml) if probe.nvml is not None else []
        if probe.nvml is None:
            return probe, ray_ids
        return open_gpus(indices), ray_ids

    def _setup(self) -> WorkerInfo:
        spec, cfg = self.spec, self.spec.config
        gpus, ray_ids = self._gpus()
        notes: list[str] = []
        resolved: list[ResolvedLevel] = []
        if spec.tokens and gpus.nvml is None:
            raise PowerLimitUnavailable(
                f"--tdp-levels needs an NVIDIA GPU with NVML on every worker, and the worker "
                f"on {self.host} has none ({gpus.reason})",
                hint="run without --tdp-levels, or give this node NVIDIA GPUs and their driver")
        if gpus.nvml is not None:
            uuids = [g.uuid for g in gpus.identities]
            owner = f"sweep {spec.sweep_id} (fleet worker pid {os.getpid()})"
            if not spec.dry_run:
                if spec.tokens:
                    self._locks = self._lock(uuids, owner)
                # A killed predecessor may have left a limit changed: its journal says which.
                notes.extend(restore_from_journal(
                    gpus.nvml, owned=frozenset(uuids) if self._locks else frozenset(),
                    owner=owner))
            if spec.tokens:
                resolved, level_notes = resolve(list(spec.tokens), gpus.nvml, gpus.indices)
                notes.extend(level_notes)
        self.levels = {r.token.request: r for r in resolved}
        backend = make_backend(cfg.backend, base_url=cfg.base_url, keep_alive=cfg.keep_alive,
                               ollama_api=cfg.ollama_api, openai_endpoint=cfg.openai_endpoint,
                               openai_stream=cfg.openai_stream,
                               load_timeout_s=cfg.load_timeout_s, mock_file=cfg.mock_file)
        self._backend = backend
        options = GenerationOptions(temperature=cfg.temperature, seed=cfg.seed,
                                    top_k=cfg.top_k, top_p=cfg.top_p, num_ctx=cfg.num_ctx,
                                    max_output_tokens=cfg.max_output_tokens, think=cfg.think,
                                    max_thinking_tokens=cfg.max_thinking_tokens)
        version = backend.version()
        infos = {m: backend.model_info(m) for m in cfg.models}
        per_model: dict[str, GenerationOptions] = {}
        for m in cfg.models:
            per_model[m], note = backend.plan_options(infos[m], options)
            if note:
                notes.append(note)
            if (where := energy_elsewhere(cfg.backend, backend_url(backend), infos[m])):
                notes.append(f"{m}: energy is recorded as invalid: {where}")
        ctx = SweepContext(sweep_id=spec.sweep_id, backend=cfg.backend, backend_version=version,
                           jarri_version=__version__, host=self.host, gpu=gpus.first,
                           gpu_indices=tuple(gpus.indices),
                           gpu_uuids=tuple(g.uuid for g in gpus.identities))
        power = None
        if resolved and gpus.nvml is not None:
            power = PowerController(gpus.nvml, gpus.indices, settle_s=cfg.settle_s)
        meter = best_meter_for(gpus)
        self.cells = CellExecutor(
            backend=backend, ctx=ctx, infos=infos, meter=meter, timeout_s=cfg.timeout_s,
            warmup=cfg.warmup, load_timeout_s=cfg.load_timeout_s, power=power,
            idle_s=cfg.idle_s, require_full_gpu=cfg.require_full_gpu)
        try:
            import ray

            node_id = ray.get_runtime_context().get_node_id()
        except Exception:  # noqa: BLE001 - outside Ray (the worker's own tests)
            node_id = ""
        return WorkerInfo(host=self.host, pid=os.getpid(), node_id=node_id,
                          ray_gpu_ids=tuple(ray_ids), gpus=tuple(gpus.identities),
                          gpu_reason=gpus.reason, meter=type(meter).__name__,
                          levels=tuple(resolved), backend_version=version, infos=infos,
                          options=per_model, notes=tuple(notes))
