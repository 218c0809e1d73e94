"""A memo of the comparison rows between rebuilds: a row's metrics and bootstrap intervals are
a pure function of its cells' integer sums (analysis/balanced.py), so a rebuild after one
appended run recomputes only the rows whose sums changed.

Each entry is keyed by the sha256 of everything the result depends on: the inputs, given by
the caller in full (the sums as bytes, the task names, the interval seed), and the source of
the modules that compute it (a changed formula is a different key). Values are msgpack,
which gives back exactly the ints, floats, strings, lists and dicts it was given. Stored in
the workspace (``.jarri-cache/comparisons.msgpack``, written atomically), holding only the
entries the last rebuild used; an unreadable file is ignored. A memoised rebuild gives the
same bytes as one without (tests/test_comparison_memo.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from jarri import __version__

T = TypeVar("T")
_MODULES = ("balanced.py", "intervals.py", "metrics.py", "memo.py")


def _code_digest() -> bytes:
    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _MODULES:
        h.update((here / name).read_bytes())
    return h.digest()


class _File(msgspec.Struct):
    code: bytes
    entries: dict[bytes, bytes]


class Memo:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.code = _code_digest()
        self._old: dict[bytes, bytes] = self._load()
        self._new: dict[bytes, bytes] = {}

    def _load(self) -> dict[bytes, bytes]:
        if self.path is None:
            return {}
        try:
            data = msgspec.msgpack.decode(self.path.read_bytes(), type=_File)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return {}
        return data.entries if data.code == self.code else {}

    def get(self, parts: list[Any], compute: Callable[[], T], encode: Callable[[T], Any],
            decode: Callable[[Any], T]) -> T:
        """``compute()``'s result for the inputs ``parts`` (everything it depends on)."""
        key = hashlib.sha256(self.code + msgspec.msgpack.encode(parts)).digest()
        blob = self._old.get(key)
        if blob is not None:
            try:
                value = decode(msgspec.msgpack.decode(blob))
            except (msgspec.DecodeError, ValueError, TypeError, KeyError, IndexError):
                value = None
            if value is not None:
                self._new[key] = blob
                return value
        value = compute()
        self._new[key] = msgspec.msgpack.encode(encode(value))
        return value

    def save(self) -> None:
        if self.path is None or self._new == self._old:
            return
        tmp = self.path.with_name(self.path.name + f".tmp{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(msgspec.msgpack.encode(_File(self.code, self._new)))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

