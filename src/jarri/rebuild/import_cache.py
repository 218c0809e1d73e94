"""A cache of imported original rows, so a rebuild after new runs redoes only what changed.

Importing one original row reads its report file and builds its record; for a folder of
10,000 runs that is most of a rebuild. Each row's outcome (its record in the rebuild's
mirror form, or why it cannot be imported) is kept, keyed by everything the outcome depends
on: the raw ledger line, the experiment folder's name and manifest (by content), whether its
report is shared with other rows, whether its answer file exists, and the report file's
identity (device, inode, size, modification and change times — a report rewritten in any
way that shows in those is read again). The cache never speaks for the data: an entry whose
key does not match is not used, an unreadable cache is ignored, and a cold rebuild and a
cached one give the same bytes (tests/test_import_cache.py).

Stored in the workspace (``.jarri-cache/``), written atomically, holding only the entries
the last rebuild used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import msgspec

from jarri import __version__

SCHEMA = 2
CACHE_DIR = ".jarri-cache"

# (kind, payload): kind "k" = the row's line as the rebuild hands it to DuckDB (its ledger's
# name and line number are in the key), "q" = a refusal (the reason)
Entry = tuple[Literal["k", "q"], bytes]


class _File(msgspec.Struct):
    """The cache file; decoding checks every entry's shape (in C, not row by row here)."""
    schema: int
    jarri: str
    entries: dict[bytes, Entry]


class ImportCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[bytes, Entry] = self._load()
        self._new: dict[bytes, Entry] = {}

    @classmethod
    def for_ledger(cls, root: Path | None, ledger: Path) -> ImportCache | None:
        if root is None:
            return None
        name = hashlib.sha256(str(ledger.resolve()).encode("utf-8", "surrogatepass"))
        return cls(root / CACHE_DIR / f"import-{name.hexdigest()[:24]}.msgpack")

    def _load(self) -> dict[bytes, Entry]:
        try:
            data = msgspec.msgpack.decode(self.path.read_bytes(), type=_File)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError, ValueError,
                RecursionError):
            return {}
        if data.schema != SCHEMA or data.jarri != __version__:
            return {}
        return data.entries

    def get(self, key: bytes) -> Entry | None:
        entry = self._old.get(key)
        if entry is not None:
            self._new[key] = entry
        return entry

    def put(self, key: bytes, entry: Entry) -> None:
        self._new[key] = entry

    def save(self) -> None:
        """Write what this rebuild used (atomically); a cache that cannot be written is
        simply not kept."""
        if self._new == self._old:
            return
        blob = msgspec.msgpack.encode(_File(SCHEMA, __version__, self._new))
        tmp = self.path.with_name(self.path.name + f".tmp{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(blob)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def file_identity(path: str | Path) -> tuple[int, ...] | None:
    """What changes when a file is rewritten (or None: it is not there)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def row_key(context: bytes, raw: bytes, shared: bool, report: Any, answer: bool,
            source: str, line: int) -> bytes:
    h = hashlib.sha256(context)
    h.update(len(raw).to_bytes(8, "big"))
    h.update(raw)
    h.update(msgspec.json.encode([shared, report, answer, source, line]))
    return h.digest()
