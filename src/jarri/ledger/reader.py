"""Tolerant ledger reader: every line is either a valid record or quarantined with a reason."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from jarri.ledger.record import SCHEMA_VERSION, RunRecord

MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Quarantined:
    file: str
    line: int
    reason: str


@dataclass
class ReadResult:
    records: list[RunRecord] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    lines_read: int = 0
    torn_tail: bool = False


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in a ledger")


def _describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:3]:
        loc = ".".join(str(p) for p in e["loc"]) or "(record)"
        implausible = e["type"] in ("less_than_equal", "greater_than_equal") and \
            e["loc"][-1] not in ("score_percent", "weight")
        parts.append(f"field '{loc}': {e['msg']}" + (
            " (outside the bounds of a plausible run: docs/ledger.md)" if implausible else ""))
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


BOM = b"\xef\xbb\xbf"
# A JSON escape of a UTF-16 surrogate: only these can decode to a string that is not Unicode.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def parse_line(raw: bytes) -> RunRecord | str:
    """A record, or the reason the line cannot be one.

    The one verdict on a ledger line: resume (runner/resume.py) and the rebuild
    (rebuild/reader.py, whose fast path accepts only what this accepts) both ask it, so a run
    is either done for both or for neither.
    """
    if len(raw) > MAX_LINE_BYTES:
        return f"line of {len(raw)} bytes exceeds the {MAX_LINE_BYTES}-byte limit"
    if raw.startswith(BOM):
        # An editor that saved the ledger "as UTF-8 with BOM": the record itself is intact.
        raw = raw[len(BOM):]
    try:
        # Decoded here, not by json.loads: given bytes it would also take UTF-16 and UTF-32,
        # which no writer produces and the rebuild's fast path refuses.
        obj = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        return f"invalid JSON: {exc}"
    except RecursionError:
        # json.loads recurses once per nesting level; no record is nested more than a few
        return "invalid JSON: nested too deeply to be a run record"
    if not isinstance(obj, dict):
        return "not a JSON object"
    if "schema_version" not in obj:
        return "no schema_version field: not a run record of this schema"
    version = obj["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        return f"unknown schema_version {version!r} (this reader knows {SCHEMA_VERSION})"
    if _SURROGATE_ESCAPE.search(raw) and _lone_surrogate(obj):
        return "a string holds a lone UTF-16 surrogate escape (not valid Unicode)"
    try:
        return RunRecord.model_validate(obj)
    except ValidationError as exc:
        return _describe(exc)


def _lone_surrogate(obj: object) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def iter_lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes without newline, is the last line unterminated)."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            terminated = raw.endswith(b"\n")
            yield lineno, raw.rstrip(b"\r\n"), not terminated


def read_ledger(path: Path) -> ReadResult:
    result = ReadResult()
    for lineno, raw, unterminated in iter_lines(path):
        if not raw.strip():
            continue  # blank lines (e.g. a terminated torn tail of zero bytes) carry nothing
        result.lines_read += 1
        parsed = parse_line(raw)
        if isinstance(parsed, RunRecord):
            result.records.append(parsed)
            continue
        if unterminated:
            result.torn_tail = True
            parsed = f"torn final line (a write was interrupted): {parsed}"
        result.quarantined.append(Quarantined(str(path), lineno, parsed))
    return result
