"""Read ledgers for the rebuild: every line is used or quarantined (file, line, reason).

Validated records (this project's, or the original's through the importer) become rows of
the normalised table (rebuild/columns.py), streamed to an NDJSON file that DuckDB reads with
declared types. Memory stays flat: one line at a time (the original's rows are gathered per
file, since report sharing is a property of the whole file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from jarri.ledger.reader import MAX_LINE_BYTES, Quarantined, parse_line
from jarri.ledger.record import RunRecord
from jarri.rebuild import upstream
from jarri.rebuild.columns import to_row


@dataclass
class ReadStats:
    ledgers: list[str] = field(default_factory=list)
    lines_read: int = 0            # every non-blank line, copies included
    rows_normalised: int = 0       # lines written as rows (copies included)
    imported: int = 0              # of which from the original project's ledgers
    quarantined: list[Quarantined] = field(default_factory=list)
    distinct_lines: int = 0        # distinct line contents (by sha256)
    distinct_quarantined: int = 0
    digest: str = ""               # order-independent: sha256 over the sorted line hashes


def _reason(raw: bytes) -> tuple[str, dict[str, Any] | None]:
    """Why a line is not a valid record; returns the parsed object if it is the original's."""
    parsed = parse_line(raw)
    if isinstance(parsed, RunRecord):  # pragma: no cover - caller validated already
        return "valid", None
    try:
        obj = json.loads(raw)
    except ValueError:
        return parsed, None
    if isinstance(obj, dict) and upstream.looks_upstream(obj):
        return "upstream", obj
    return parsed, None


def _validate(raw: bytes) -> RunRecord | None:
    # NaN/Infinity never enter: pydantic would accept them inside free-form fields.
    if b"NaN" in raw or b"Infinity" in raw:
        return None
    try:
        return RunRecord.model_validate_json(raw)
    except ValidationError:
        return None


def _emit(out: IO[str], rec: RunRecord, path: str, line: int, raw: bytes) -> None:
    row = to_row(rec, source_file=path, source_line=line, row_sha=hashlib.sha256(raw).hexdigest())
    out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def display_name(path: Path, root: Path | None) -> str:
    """A ledger's name relative to the workspace, so outputs do not depend on where the
    workspace lies; ledgers outside it keep their path."""
    if root is not None:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def read_ledgers(paths: Iterable[Path], out: IO[str], root: Path | None = None) -> ReadStats:
    """Validate every line of every ledger, write normalised rows to ``out``.

    The digest and the distinct counts depend only on the *set* of line contents, so
    shuffled, split or repeated ledgers describe the same input.
    """
    stats = ReadStats()
    seen: set[bytes] = set()
    bad: set[bytes] = set()
    # Sorted, de-duplicated paths: the same file given twice is read once.
    for path in sorted({Path(p).resolve() for p in paths}):
        name = display_name(path, root)
        stats.ledgers.append(name)
        pending_upstream: list[tuple[int, bytes, dict[str, Any]]] = []
        with open(path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                terminated = raw.endswith(b"\n")
                raw = raw.rstrip(b"\r\n")
                if not raw.strip():
                    continue
                stats.lines_read += 1
                line_hash = hashlib.sha256(raw).digest()
                seen.add(line_hash)
                if len(raw) > MAX_LINE_BYTES:
                    bad.add(line_hash)
                    stats.quarantined.append(Quarantined(
                        name, lineno, f"line of {len(raw)} bytes exceeds the "
                                      f"{MAX_LINE_BYTES}-byte limit"))
                    continue
                rec = _validate(raw)
                if rec is not None:
                    _emit(out, rec, name, lineno, raw)
                    stats.rows_normalised += 1
                    continue
                reason, obj = _reason(raw)
                if obj is not None:
                    pending_upstream.append((lineno, raw, obj))
                    continue
                if not terminated:
                    reason = f"torn final line (a write was interrupted): {reason}"
                bad.add(line_hash)
                stats.quarantined.append(Quarantined(name, lineno, reason))
        by_line = {ln: r for ln, r, _ in pending_upstream}
        for row in upstream.import_rows(path, pending_upstream):
            raw = by_line[row.line]
            if row.record is None:
                bad.add(hashlib.sha256(raw).digest())
                stats.quarantined.append(Quarantined(name, row.line, row.reason or "invalid"))
                continue
            _emit(out, row.record, name, row.line, raw)
            stats.rows_normalised += 1
            stats.imported += 1
    stats.distinct_lines = len(seen)
    stats.distinct_quarantined = len(bad)
    stats.digest = hashlib.sha256(b"".join(sorted(seen))).hexdigest()
    return stats
