"""The restore journal: what the power limits were before Jarri changed them.

Written (tmp + fsync + rename + fsync of the folder) *before* the first change, removed
after a verified restore. It keeps every GPU's original limit by uuid, also of GPUs that are
not in the machine now (a card moved or failed): those stay in the journal, reported, until
the user drops one (``jarri power restore --discard UUID``). If a sweep dies without
restoring (SIGKILL, power loss), the next ``jarri run`` — or ``jarri power restore`` — finds
it and puts the limits back.

A journal that exists but cannot be read is an error, never "no journal": read as absent,
the next sweep would take the changed limit for the original, "restore" it and delete the
only record of the card's real setting.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jarri.errors import JarriError

FIX = ("put each GPU's limit back by hand ('jarri power show' lists the defaults; "
       "'nvidia-smi -i N -pl WATTS' sets one) and delete the file, or repair it: "
       '{"original_limits_w": {"GPU-<uuid>": <watts>}}')


class JournalError(JarriError):
    """The restore journal exists but cannot be read: nothing that sets or restores power
    limits may run until it is fixed."""


def journal_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "jarri" / "power_restore.json"


def _damaged(path: Path, why: str) -> JournalError:
    return JournalError(
        f"the power-limit restore journal {path} is unreadable ({why}); it holds the original "
        "limits of GPUs a sweep changed, so nothing that sets or restores limits runs until "
        "it is fixed", hint=FIX)


def read(path: Path) -> dict[str, float]:
    """{gpu uuid: original limit in W}; empty if there is no journal. Raises JournalError
    for a journal that is there but unreadable, partial or of another shape."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise _damaged(path, exc.strerror or type(exc).__name__) from None
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _damaged(path, f"not JSON: {str(exc)[:80]}") from None
    limits = data.get("original_limits_w") if isinstance(data, dict) else None
    if not isinstance(limits, dict):
        raise _damaged(path, "no 'original_limits_w' object")
    out: dict[str, float] = {}
    for uuid, watts in limits.items():
        if isinstance(watts, bool) or not isinstance(watts, int | float) \
                or not math.isfinite(watts) or watts <= 0:
            raise _damaged(path, f"the limit of {uuid!r} is {watts!r}, not watts")
        out[str(uuid)] = float(watts)
    return out


def write(path: Path, originals: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"original_limits_w": originals, "pid": os.getpid()}, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)  # the rename itself survives a power loss
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clear(path: Path) -> None:
    path.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the journal between processes (sweeps on different
    GPUs share it): a short wait, never a refusal."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def add(path: Path, originals: dict[str, float]) -> None:
    """Record originals of GPUs the journal does not hold yet (a held one keeps the first,
    true original)."""
    with locked(path):
        known = read(path)
        known.update({u: w for u, w in originals.items() if u not in known})
        write(path, known)


def remove(path: Path, uuids: set[str]) -> None:
    """Drop the entries of GPUs whose limits are back; the journal goes when none is left."""
    with locked(path):
        known = {u: w for u, w in read(path).items() if u not in uuids}
        if known:
            write(path, known)
        else:
            clear(path)


def discard(path: Path, uuid: str) -> float:
    """Drop one GPU's entry (the user says it need not be restored); returns its watts."""
    known = read(path)
    if uuid not in known:
        raise JournalError(f"the restore journal {path} has no GPU {uuid!r}",
                           hint=f"it lists: {', '.join(sorted(known)) or 'nothing'}")
    remove(path, {uuid})
    return known[uuid]
