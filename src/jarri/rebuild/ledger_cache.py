"""A cache of what the reader made of each ledger's already-read prefix, so a rebuild after
new runs validates only the lines appended since.

Ledgers are append-only. For each ledger the cache keeps the validated byte ranges from its
start (segments: the reader's units that ended at a line end), each with its row file (the
NDJSON that DuckDB loads), its counts, line digests, quarantined lines and original-project
rows. A later rebuild uses them only when the ledger is the same file (device and inode), at
least as long, and the sha256 of each cached range is the one recorded (computed as the
range was read; checked by reading the prefix once): any rewrite, truncation or edit of the
prefix means a full reread. An unreadable cache, a missing or
resized row file, or another jarri version is ignored. The cache never speaks for the data;
a cached rebuild gives the same bytes as a cold one (tests/test_ledger_cache.py).

Stored in the workspace (``.jarri-cache/``): ``ledger-<id>.msgpack`` (written atomically)
and its row files ``ledger-<id>-<n>.ndjson``. Rebuilds of one workspace take the cache's
lock in turn, so one never removes a row file another is about to load.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from jarri import __version__
from jarri.rebuild.import_cache import CACHE_DIR

SCHEMA = 3
# An append per rebuild adds a segment; past this many the ledger is read again from the
# start (into a few large segments), so the row files stay few.
MAX_SEGMENTS = 32
HASH_BLOCK = 1 << 22


class Segment(msgspec.Struct, array_like=True):
    """One validated byte range [start, end) of a ledger, ending at a line end."""

    start: int
    end: int
    sha256: str                 # of the ledger's bytes [start, end)
    lines: int                  # lines in the range, blank ones included
    read: int                   # non-blank lines
    valid: int                  # rows in the row file
    seen_sorted: bytes          # sorted distinct sha256 digests of its lines, joined
    bad: list[bytes]            # digests of its quarantined lines
    quarantined: list[tuple[int, str]]          # (line within the range, reason)
    # the original project's rows: (line within the range, byte offset in the ledger, length,
    # report file name, answer file stem), the line itself read back from the ledger
    upstream_rows: list[tuple[int, int, int, str, str]]
    rows_file: str              # name in the cache folder, "" when it has no rows
    rows_bytes: int


class _Meta(msgspec.Struct):
    schema: int
    jarri: str
    dev: int
    ino: int
    segments: list[Segment]


@dataclass
class LedgerCache:
    folder: Path
    ledger_id: str
    segments: list[Segment] = field(default_factory=list)   # the usable ones, in order

    @classmethod
    def open(cls, root: Path, ledger: Path) -> LedgerCache:
        """The usable cached prefix of ``ledger`` (none when anything does not match)."""
        ledger_id = hashlib.sha256(str(ledger.resolve()).encode("utf-8", "surrogatepass")) \
            .hexdigest()[:24]
        cache = cls(root / CACHE_DIR, ledger_id)
        cache.segments = cache._usable(ledger)
        return cache

    @property
    def meta_path(self) -> Path:
        return self.folder / f"ledger-{self.ledger_id}.msgpack"

    @property
    def end(self) -> int:
        return self.segments[-1].end if self.segments else 0

    def new_rows_path(self) -> Path:
        return self.folder / f"ledger-{self.ledger_id}-{secrets.token_hex(8)}.ndjson"

    def _usable(self, ledger: Path) -> list[Segment]:
        try:
            meta = msgspec.msgpack.decode(self.meta_path.read_bytes(), type=_Meta)
            st = os.stat(ledger)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return []
        segs = meta.segments
        if (meta.schema != SCHEMA or meta.jarri != __version__ or not segs
                or (meta.dev, meta.ino) != (st.st_dev, st.st_ino)
                or len(segs) >= MAX_SEGMENTS or segs[-1].end > st.st_size
                or any(a.end != b.start for a, b in zip(segs, segs[1:], strict=False))
                or segs[0].start != 0):
            return []
        for seg in segs:
            if seg.rows_file:
                try:
                    if os.path.getsize(self.folder / seg.rows_file) != seg.rows_bytes:
                        return []
                except OSError:
                    return []
        if _hashes(ledger, segs) != [seg.sha256 for seg in segs]:
            return []  # the prefix changed: read everything again
        return segs

    def save(self, ledger: Path, segments: list[Segment]) -> None:
        """Record ``segments`` (contiguous from byte 0) and remove the row files no longer
        referenced; a cache that cannot be written is simply not kept."""
        keep = {s.rows_file for s in segments if s.rows_file}
        try:
            st = os.stat(ledger)
            if segments:
                meta = _Meta(SCHEMA, __version__, st.st_dev, st.st_ino, segments)
                tmp = self.meta_path.with_name(self.meta_path.name + f".tmp{os.getpid()}")
                tmp.write_bytes(msgspec.msgpack.encode(meta))
                os.replace(tmp, self.meta_path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    self.meta_path.unlink()
            for p in self.folder.glob(f"ledger-{self.ledger_id}-*.ndjson"):
                if p.name not in keep:
                    p.unlink()
        except OSError:
            return


def _hashes(path: Path, segments: list[Segment]) -> list[str]:
    """The sha256 of each segment's range of the file as it is now. hashlib lets go of the
    interpreter lock on large blocks, so a few threads hash a long prefix in parallel."""
    workers = min(len(segments), os.cpu_count() or 1, 4)
    if workers <= 1:
        return [_range_sha256(path, seg.start, seg.end) for seg in segments]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda seg: _range_sha256(path, seg.start, seg.end), segments))


def _range_sha256(path: Path, start: int, end: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            chunk = fh.read(min(HASH_BLOCK, left))
            if not chunk:
                break  # shorter than recorded: the hash cannot match
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def ends_a_line(path: str, end: int) -> bool:
    """Whether byte ``end - 1`` of the file is a newline (a range ending there is whole)."""
    if end <= 0:
        return False
    with open(path, "rb") as fh:
        fh.seek(end - 1)
        return fh.read(1) == b"\n"


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the workspace cache's lock (rebuilds of one workspace take turns); where the
    cache folder cannot be made, go on without it."""
    folder = root / CACHE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / "lock", "a+b")  # noqa: SIM115 - held for the whole block
    except OSError:
        yield
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        fh.close()
