"""Read ledgers for the rebuild: every line is used or quarantined (file, line, reason).

Each line is validated against the record model (pydantic, compiled). A valid line is wrapped
as it is — ``{"f": ledger, "l": line, "h": sha256, "r": <line>}`` — into an NDJSON file that
DuckDB reads with declared types (rebuild/columns.py); nothing is re-serialised. Rows of the
original project go through the importer, which needs the whole file (report sharing).

Large inputs are split into byte ranges at line boundaries and validated by worker
processes; the result does not depend on how the work was split.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jarri.ledger.reader import MAX_LINE_BYTES, Quarantined, parse_line
from jarri.ledger.record import RunRecord
from jarri.rebuild import upstream

PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this, one process is faster than a pool
UNIT_BYTES = 32 * 1024 * 1024


@dataclass
class ReadStats:
    ledgers: list[str] = field(default_factory=list)
    lines_read: int = 0            # every non-blank line, copies included
    rows_valid: int = 0            # lines handed to DuckDB (copies included)
    imported: int = 0              # of which from the original project's ledgers
    quarantined: list[Quarantined] = field(default_factory=list)
    distinct_lines: int = 0        # distinct line contents (by sha256)
    distinct_quarantined: int = 0
    digest: str = ""               # order-independent: sha256 over the sorted line hashes
    row_files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    index: int
    path: str
    name: str
    start: int
    end: int


@dataclass
class UnitResult:
    index: int
    lines: int = 0                 # lines (blank included) in the unit, for line numbering
    read: int = 0
    valid: int = 0
    seen: set[bytes] = field(default_factory=set)
    bad: set[bytes] = field(default_factory=set)
    quarantined: list[tuple[int, str]] = field(default_factory=list)   # (relative line, why)
    upstream_rows: list[tuple[int, bytes]] = field(default_factory=list)


def display_name(path: Path, root: Path | None) -> str:
    """A ledger's name relative to the workspace, so outputs do not depend on where the
    workspace lies; ledgers outside it keep their path."""
    if root is not None:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _validate(raw: bytes) -> bool:
    # NaN/Infinity never enter: pydantic would accept them inside free-form fields. The byte
    # test is only a cheap pre-filter (an answer may well contain the word "NaN").
    if b"NaN" in raw or b"Infinity" in raw:
        try:
            json.loads(raw, parse_constant=_reject_constant)
        except ValueError:
            return False
    try:
        RunRecord.model_validate_json(raw)
    except ValidationError:
        return False
    return True


def _wrap(name_json: bytes, line: int, sha_hex: str, raw: bytes) -> bytes:
    return b'{"f":%s,"l":%d,"h":"%s","r":%s}\n' % (name_json, line, sha_hex.encode(), raw)


def read_unit(unit: Unit, out_path: str) -> UnitResult:
    """Validate the lines of one byte range; valid ones are appended to ``out_path``."""
    res = UnitResult(unit.index)
    name_json = json.dumps(unit.name).encode()
    with open(unit.path, "rb") as fh, open(out_path, "ab") as out:
        fh.seek(unit.start)
        pos = unit.start
        for raw in fh:
            if pos >= unit.end:
                break
            pos += len(raw)
            res.lines += 1
            terminated = raw.endswith(b"\n")
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            res.read += 1
            digest = hashlib.sha256(raw)
            h = digest.digest()
            res.seen.add(h)
            if len(raw) > MAX_LINE_BYTES:
                res.bad.add(h)
                res.quarantined.append((res.lines, f"line of {len(raw)} bytes exceeds the "
                                                   f"{MAX_LINE_BYTES}-byte limit"))
                continue
            if _validate(raw):
                out.write(_wrap(name_json, res.lines, digest.hexdigest(), raw))
                res.valid += 1
                continue
            reason = parse_line(raw)
            if isinstance(reason, RunRecord):  # pragma: no cover - the two checks agree
                reason = "record rejected by the strict reader"
            obj = _json_object(raw)
            if obj is not None and upstream.looks_upstream(obj):
                res.upstream_rows.append((res.lines, raw))
                continue
            if not terminated:
                reason = f"torn final line (a write was interrupted): {reason}"
            res.bad.add(h)
            res.quarantined.append((res.lines, reason))
    return res


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        obj = json.loads(raw)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def plan_units(paths: list[Path], root: Path | None, split: bool) -> list[Unit]:
    """Byte ranges at line boundaries (whole files unless ``split``)."""
    units: list[Unit] = []
    for path in paths:
        size = path.stat().st_size
        name = display_name(path, root)
        cuts = [0]
        if split and size > UNIT_BYTES:
            with open(path, "rb") as fh:
                for target in range(UNIT_BYTES, size, UNIT_BYTES):
                    fh.seek(target)
                    fh.readline()  # to the start of the next line
                    if fh.tell() < size and fh.tell() > cuts[-1]:
                        cuts.append(fh.tell())
        cuts.append(size)
        for a, b in zip(cuts, cuts[1:], strict=False):
            units.append(Unit(len(units), str(path), name, a, b))
    return units


def read_ledgers(paths: Iterable[Path], work_dir: Path, root: Path | None = None,
                 workers: int | None = None) -> ReadStats:
    """Validate every line of every ledger; valid lines go to NDJSON files in ``work_dir``.

    The digest and the distinct counts depend only on the *set* of line contents, so
    shuffled, split or repeated ledgers describe the same input.
    """
    files = sorted({Path(p).resolve() for p in paths})  # the same file twice is read once
    stats = ReadStats(ledgers=[display_name(p, root) for p in files])
    total = sum(p.stat().st_size for p in files)
    n_workers = workers or min(os.cpu_count() or 1, 4)
    parallel = n_workers > 1 and total >= PARALLEL_MIN_BYTES
    units = plan_units(files, root, split=parallel)
    outs = [str(work_dir / f"rows_{u.index:05d}.ndjson") for u in units]
    if parallel:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            results = list(pool.map(read_unit, units, outs))
    else:
        results = [read_unit(u, o) for u, o in zip(units, outs, strict=True)]

    seen: set[bytes] = set()
    bad: set[bytes] = set()
    offset: dict[str, int] = {}
    upstream_by_file: dict[str, list[tuple[int, bytes]]] = {}
    for unit, res in zip(units, results, strict=True):
        base = offset.get(unit.path, 0)
        offset[unit.path] = base + res.lines
        stats.lines_read += res.read
        stats.rows_valid += res.valid
        seen |= res.seen
        bad |= res.bad
        stats.quarantined.extend(Quarantined(unit.name, base + ln, why)
                                 for ln, why in res.quarantined)
        upstream_by_file.setdefault(unit.path, []).extend(
            (base + ln, raw) for ln, raw in res.upstream_rows)
    extra = work_dir / "rows_imported.ndjson"
    with open(extra, "wb") as out:
        for path, rows in sorted(upstream_by_file.items()):
            if not rows:
                continue
            name = display_name(Path(path), root)
            parsed = [(ln, raw, json.loads(raw)) for ln, raw in rows]
            raws = {ln: raw for ln, raw in rows}
            for row in upstream.import_rows(Path(path), parsed):
                h = hashlib.sha256(raws[row.line])
                if row.record is None:
                    bad.add(h.digest())
                    stats.quarantined.append(Quarantined(name, row.line, row.reason or "?"))
                    continue
                out.write(_wrap(json.dumps(name).encode(), row.line, h.hexdigest(),
                                row.record.to_line().rstrip(b"\n")))
                stats.rows_valid += 1
                stats.imported += 1
    stats.quarantined.sort(key=lambda q: (q.file, q.line))
    stats.row_files = [Path(o) for o in outs if os.path.getsize(o) > 0]
    if extra.stat().st_size > 0:
        stats.row_files.append(extra)
    stats.distinct_lines = len(seen)
    stats.distinct_quarantined = len(bad)
    stats.digest = hashlib.sha256(b"".join(sorted(seen))).hexdigest()
    return stats
