"""Tolerant ledger reader: every line is either a valid record or quarantined with a reason."""

from __future__ import annotations

import json
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
        parts.append(f"field '{loc}': {e['msg']}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def parse_line(raw: bytes) -> RunRecord | str:
    """A record, or the reason the line cannot be one."""
    if len(raw) > MAX_LINE_BYTES:
        return f"line of {len(raw)} bytes exceeds the {MAX_LINE_BYTES}-byte limit"
    try:
        obj = json.loads(raw, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        return f"invalid JSON: {exc}"
    except RecursionError:
        # json.loads recurses once per nesting level; no record is nested more than a few
        return "invalid JSON: nested too deeply to be a run record"
    if not isinstance(obj, dict):
        return "not a JSON object"
    version = obj.get("schema_version")
    if version != SCHEMA_VERSION:
        return f"unknown schema_version {version!r} (this reader knows {SCHEMA_VERSION})"
    try:
        return RunRecord.model_validate(obj)
    except ValidationError as exc:
        return _describe(exc)


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
