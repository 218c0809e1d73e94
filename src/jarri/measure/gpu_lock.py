"""Who owns a GPU's power limit: one sweep at a time per GPU.

A sweep that sets limits holds an exclusive ``flock`` on one lock file per GPU (by uuid,
beside the restore journal) from before its first change until after its restore. The
kernel drops the lock when the process ends, however it ends, so a lock held means its owner
is alive: a second sweep that wants that GPU's limit is refused, and a sweep that only
restores what a crashed sweep left behind skips a GPU whose owner is still running (it would
otherwise "restore" a running sweep's card under it). The file holds the owner's pid and
sweep id, for the messages.

The lock files live in the journal's folder: machine-wide for the one account that can set
limits (root, or a user with CAP_SYS_ADMIN); two such accounts with different state folders
do not see each other's locks (docs/measurement.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from jarri.errors import ConfigError
from jarri.measure import journal


class GpuBusy(ConfigError):
    """Another running sweep holds this GPU's power limit."""


def lock_dir() -> Path:
    return journal.journal_path().parent


class GpuLock:
    def __init__(self, uuid: str) -> None:
        self.uuid = uuid
        # A uuid is "GPU-" and hex, but a name from a journal is data: hash it into a name.
        name = hashlib.sha256(uuid.encode()).hexdigest()[:32]
        self.path = lock_dir() / f"gpu-{name}.lock"
        self._fd: int | None = None

    def try_acquire(self, owner: str) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{owner}; pid {os.getpid()}; since {time.strftime('%Y-%m-%d %H:%M:%S')}"
                  f"; gpu {self.uuid}\n".encode(), 0)
        self._fd = fd
        return True

    def held_elsewhere(self) -> bool:
        """Whether another process holds this GPU's limit now (a probe: takes nothing)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False  # no lock file: nobody ever held it here
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)  # closing drops a shared lock the probe took
        return False

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip()[:300]
        except OSError:
            return "unknown"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def acquire_all(uuids: Sequence[str], owner: str) -> list[GpuLock]:
    """Every GPU's lock, or GpuBusy naming the owner of the first one held elsewhere."""
    held: list[GpuLock] = []
    for uuid in uuids:
        lock = GpuLock(uuid)
        if not lock.try_acquire(owner):
            for h in held:
                h.release()
            raise GpuBusy(
                f"GPU {uuid}: its power limit is held by another running sweep "
                f"({lock.holder()})",
                hint="wait for that sweep to end, or run this one without --tdp-levels "
                     "(it then measures at whatever limit is in force)")
        held.append(lock)
    return held


def release_all(locks: Sequence[GpuLock]) -> None:
    for lock in locks:
        lock.release()
