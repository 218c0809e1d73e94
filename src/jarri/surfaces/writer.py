"""Deterministic, atomic output: rounded floats, sorted keys, a fresh folder swapped in whole.

Same inputs -> byte-identical files: floats are rounded to 6 decimals, keys sorted, nothing
carries the wall-clock time, and the whole data folder is written beside the old one and
swapped in at the end, so a reader never sees half a rebuild and stale pages never linger.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

DECIMALS = 6


def r6(x: float | None) -> float | None:
    """Round a float computed in Python the way SQL rounds the metrics (6 decimals)."""
    return None if x is None else round(x, DECIMALS)


def clean(obj: Any) -> Any:
    """Round floats, turn Decimal into float, drop NaN/Infinity (never valid in a surface).
    Used for small structures; bulk rows arrive rounded from SQL."""
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return None
        r = round(obj, DECIMALS)
        return 0.0 if r == 0 else r
    if isinstance(obj, Decimal):
        return clean(float(obj))
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    return obj


# Sorted keys, compact, UTF-8; msgspec writes the shortest text that reads back as the same
# float, and a NaN or Infinity (never meant to reach a surface) as null.
_ENCODER = msgspec.json.Encoder(order="sorted", decimal_format="number")


def dumps(obj: Any, *, rounded: bool = False) -> bytes:
    """``rounded``: every float in ``obj`` is already rounded (skips the slow walk)."""
    return _ENCODER.encode(obj if rounded else clean(obj)) + b"\n"


@dataclass(frozen=True)
class WrittenFile:
    path: str
    bytes: int
    sha256: str
    description: str


class SurfaceWriter:
    def __init__(self, data_dir: Path) -> None:
        self.final = data_dir
        self.staging = data_dir.with_name(f".{data_dir.name}.staging-{os.getpid()}")
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        self.files: list[WrittenFile] = []
        # Creating a file costs the kernel far more than writing it; a few threads create
        # them side by side (the GIL is released in open and write).
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="surface-writer")
        self._pending: list[Future[int]] = []
        self._dirs: set[Path] = set()

    def write(self, rel: str, obj: Any, description: str, *, rounded: bool = False) -> None:
        self.write_raw(rel, dumps(obj, rounded=rounded), description)

    def write_raw(self, rel: str, data: bytes, description: str) -> None:
        """Bytes already in the surface format (used for the run pages DuckDB renders)."""
        target = self.staging / rel
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        self._pending.append(self._pool.submit(target.write_bytes, data))
        self.files.append(WrittenFile(rel, len(data), hashlib.sha256(data).hexdigest(),
                                      description))
        if len(self._pending) > 256:
            self._wait()

    def _wait(self) -> None:
        """Every submitted write done (the first failure is raised here)."""
        pending, self._pending = self._pending, []
        for f in pending:
            f.result()

    def output_digest(self) -> str:
        h = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.path):
            h.update(f"{f.path}\0{f.sha256}\n".encode())
        return h.hexdigest()

    def commit(self) -> None:
        """Swap the staging folder in for the old data folder."""
        self._wait()
        self._pool.shutdown()
        old = self.final.with_name(f".{self.final.name}.old-{os.getpid()}")
        if self.final.exists():
            os.replace(self.final, old)
        os.replace(self.staging, self.final)
        if old.exists():
            shutil.rmtree(old)

    def abort(self) -> None:
        self._pool.shutdown(cancel_futures=True)
        shutil.rmtree(self.staging, ignore_errors=True)
