"""Power-limit control: resolve tokens per GPU, apply with read-back, always restore.

Habits (docs/design): validate every token before touching anything; write down the
original limits (the journal) before the first change; skip a change that is already in
place; read back the enforced limit after setting it (a mismatch is an error); restore in
`finally`, and from the journal after a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jarri.errors import JarriError
from jarri.measure import journal
from jarri.measure.gpu_lock import GpuLock
from jarri.measure.nvml import Nvml
from jarri.measure.power_tokens import PowerLevel

READBACK_TOLERANCE_W = 0.5


class PowerLimitError(JarriError):
    """A limit could not be applied or confirmed."""


@dataclass(frozen=True)
class GpuTarget:
    index: int
    uuid: str
    target_w: float
    default_w: float
    min_w: float
    max_w: float
    clamped: bool


@dataclass(frozen=True)
class ResolvedLevel:
    token: PowerLevel
    gpus: tuple[GpuTarget, ...]

    @property
    def key(self) -> tuple[float, ...]:
        return tuple(g.target_w for g in self.gpus)


def resolve(levels: Sequence[PowerLevel], nvml: Nvml, indices: Sequence[int],
            ) -> tuple[list[ResolvedLevel], list[str]]:
    """Tokens -> watts per GPU (percent of the default limit, or explicit watts), clamped to
    the GPU's range. Tokens that land on the same watts as an earlier one are dropped, with
    a note saying so."""
    info = {i: (nvml.identity(i).uuid, nvml.limits(i)) for i in indices}
    out: list[ResolvedLevel] = []
    notes: list[str] = []
    seen: dict[tuple[float, ...], str] = {}
    for lv in levels:
        gpus = []
        for i in indices:
            uuid, lim = info[i]
            want = lv.value / 100.0 * lim.default_w if lv.mode == "percent" else lv.value
            target = float(round(min(max(want, lim.min_w), lim.max_w)))
            clamped = abs(target - round(want)) >= 1
            if clamped:
                notes.append(f"GPU {i}: {lv.request} asks for {want:.0f} W, outside "
                             f"{lim.min_w:.0f}-{lim.max_w:.0f} W; clamped to {target:.0f} W")
            gpus.append(GpuTarget(i, uuid, target, lim.default_w, lim.min_w, lim.max_w, clamped))
        level = ResolvedLevel(lv, tuple(gpus))
        if level.key in seen:
            notes.append(f"{lv.request} resolves to the same limit as {seen[level.key]} "
                         f"({', '.join(f'{w:.0f} W' for w in level.key)}): measured once")
            continue
        seen[level.key] = lv.request
        out.append(level)
    return out, notes


class PowerController:
    def __init__(self, nvml: Nvml, indices: Sequence[int], *, journal_file: Path | None = None,
                 settle_s: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.nvml = nvml
        self.indices = list(indices)
        self.journal_file = journal_file or journal.journal_path()
        self.settle_s = settle_s
        self.sleep = sleep
        self.original = {i: nvml.limits(i).enforced_w for i in self.indices}
        self.uuid = {i: nvml.identity(i).uuid for i in self.indices}
        self.changed = False

    def current_w(self, index: int) -> float:
        return self.nvml.limits(index).enforced_w

    def apply(self, level: ResolvedLevel) -> dict[int, float]:
        """Set and confirm a level; returns the enforced watts per GPU."""
        todo = [g for g in level.gpus if abs(self.current_w(g.index) - g.target_w)
                > READBACK_TOLERANCE_W]
        if todo and not self.changed:
            # Write down what to restore before the first change, so a crash cannot lose it.
            journal.add(self.journal_file, {self.uuid[i]: w for i, w in self.original.items()})
            self.changed = True
        for g in todo:
            self.nvml.set_limit_w(g.index, g.target_w)
        applied = {g.index: self.current_w(g.index) for g in level.gpus}
        for g in level.gpus:
            if abs(applied[g.index] - g.target_w) > READBACK_TOLERANCE_W:
                raise PowerLimitError(
                    f"GPU {g.index}: set {g.target_w:.0f} W for {level.token.request}, but the "
                    f"enforced limit reads {applied[g.index]:.1f} W",
                    hint="another tool may be managing power limits (e.g. nvidia-smi -pl, a "
                         "datacenter agent); stop it and rerun")
        if todo:
            self.sleep(self.settle_s)
        return applied

    def restore(self) -> None:
        """Put every GPU back to the limit found at start, confirm, clear the journal."""
        if not self.changed:
            return
        problems = []
        for i, w in self.original.items():
            try:
                if abs(self.current_w(i) - w) > READBACK_TOLERANCE_W:
                    self.nvml.set_limit_w(i, w)
                if abs(self.current_w(i) - w) > READBACK_TOLERANCE_W:
                    problems.append(f"GPU {i} reads {self.current_w(i):.1f} W, not {w:.1f} W")
            except JarriError as exc:
                problems.append(f"GPU {i}: {exc.message}")
        if problems:
            raise PowerLimitError(
                "could not restore the original power limits: " + "; ".join(problems),
                hint=f"run 'jarri power restore' (the journal {self.journal_file} keeps them)")
        # Only this sweep's GPUs: another sweep may hold other GPUs' originals in the journal.
        journal.remove(self.journal_file, set(self.uuid.values()))
        self.changed = False


def restore_from_journal(nvml: Nvml, journal_file: Path | None = None, *,
                         owned: frozenset[str] = frozenset(),
                         owner: str = "jarri power restore") -> list[str]:
    """Restore limits a crashed sweep left changed; returns what was done. A GPU whose
    limit another running sweep holds (gpu_lock.py) is left alone and stays in the journal;
    so do GPUs not in this machine (``jarri power restore --discard`` drops one). ``owned``:
    GPUs whose locks the caller holds already."""
    path = journal_file or journal.journal_path()
    wanted = journal.read(path)  # JournalError for a damaged journal: nothing is touched
    if not wanted:
        return []
    by_uuid = {nvml.identity(i).uuid: i for i in range(nvml.count())}
    done, problems = [], []
    restored: set[str] = set()
    for uuid, w in sorted(wanted.items()):
        i = by_uuid.get(uuid)
        if i is None:
            done.append(f"GPU {uuid} from the journal is not in this machine: its original "
                        f"limit ({w:.0f} W) stays in {path} ('jarri power restore --discard "
                        f"{uuid}' drops it)")
            continue
        lock = GpuLock(uuid)
        if uuid not in owned and not lock.try_acquire(owner):
            done.append(f"GPU {i} ({uuid}): its limit is held by another running sweep "
                        f"({lock.holder()}); not restored, it stays in the journal")
            continue
        try:
            if abs(nvml.limits(i).enforced_w - w) > READBACK_TOLERANCE_W:
                nvml.set_limit_w(i, w)
                done.append(f"GPU {i} ({uuid}): power limit restored to {w:.0f} W")
            else:
                done.append(f"GPU {i} ({uuid}): already at {w:.0f} W")
            if abs(nvml.limits(i).enforced_w - w) > READBACK_TOLERANCE_W:
                problems.append(f"GPU {i} does not read back {w:.0f} W")
            else:
                restored.add(uuid)
        finally:
            lock.release()
    journal.remove(path, restored)
    if problems:
        raise PowerLimitError("journal restore incomplete: " + "; ".join(problems),
                              hint=f"the journal {path} keeps them; fix and rerun "
                                   "'jarri power restore'")
    return done
