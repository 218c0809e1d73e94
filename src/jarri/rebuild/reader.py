"""Read ledgers for the rebuild: every line is used or quarantined (file, line, reason).

Each line is checked by the fast strict mirror of the record schema (rebuild/fast_record.py);
a line it refuses goes to pydantic (ledger/record.py), which decides. A valid record is
written with only the fields the rebuild keeps, and where it came from (ledger, line,
sha256 of the line), into an NDJSON file that DuckDB reads with declared types
(rebuild/columns.py). Rows of the original project go through the importer, which needs the
whole file (report sharing).

Large inputs are split into byte ranges at line boundaries and validated by worker
processes; the result does not depend on how the work was split.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from jarri.analysis.duckdb_paths import readable_by_duckdb
from jarri.ledger.reader import MAX_LINE_BYTES, Quarantined, parse_line
from jarri.rebuild import fast_record, upstream
from jarri.rebuild.fast_record import kept
from jarri.rebuild.import_cache import CACHE_DIR, ImportCache
from jarri.rebuild.ledger_cache import LedgerCache, Segment, ends_a_line

PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this, one process is faster than a pool
UNIT_BYTES = 32 * 1024 * 1024
BLOCK_BYTES = 1 << 20


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
    # Per row file, the number of lines of its ledger before the range it holds (DuckDB adds
    # it to the line counted within the range); 0 for imported rows, whose line numbers are
    # already those of their ledger.
    line_bases: list[int] = field(default_factory=list)


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
    seen_sorted: bytes = b""       # ``seen`` sorted and joined, as handed back to the parent
    bad: set[bytes] = field(default_factory=set)
    quarantined: list[tuple[int, str]] = field(default_factory=list)   # (relative line, why)
    # the original project's rows (line numbers relative to the unit), for the importer
    upstream_rows: list[upstream.OriginalRow] = field(default_factory=list)
    sha256: str = ""               # of the unit's bytes (the ledger cache checks it later)


def display_name(path: Path, root: Path | None) -> str:
    """A ledger's name relative to the workspace, so outputs do not depend on where the
    workspace lies; ledgers outside it keep their path."""
    if root is not None:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def canonical_record(raw: bytes) -> Any | str:
    """The verdict of the one ledger reader (ledger/reader.py parse_line, which resume also
    asks) on a line the mirror refused: the record in its canonical form as a mirror record
    (for DuckDB), or the reason it is not a record."""
    verdict = parse_line(raw)
    if isinstance(verdict, str):
        return verdict
    rec = fast_record.check_line(verdict.to_line())
    # Every bound of the record schema is in the mirror too (ledger/bounds.py), so the
    # canonical form of a valid record always passes; tests/test_reader_agreement.py holds it.
    return rec if rec is not None else NOT_MIRRORED


NOT_MIRRORED = ("the record is valid but the rebuild's reader cannot hold it "
                "(a bug in jarri: please report it with this line)")


def _blocks(fh: Any, start: int, end: int) -> Iterator[bytes]:
    """The bytes of [start, end) in blocks of whole lines (the last may lack its newline).
    Small blocks: the allocator reuses them, where fresh large buffers cost page faults."""
    fh.seek(start)
    left = end - start
    carry: list[bytes] = []  # the start of a line longer than a block
    while left > 0:
        chunk = fh.read(min(BLOCK_BYTES, left))
        if not chunk:
            break
        left -= len(chunk)
        cut = len(chunk) if left <= 0 else chunk.rfind(b"\n") + 1
        if cut == 0:
            carry.append(chunk)
            continue
        yield b"".join([*carry, chunk[:cut]])
        carry = [chunk[cut:]] if cut < len(chunk) else []
    if carry:
        yield b"".join(carry)


def _whole_block(block: bytes, lines: list[bytes]) -> list[Any] | None:
    """The mirror records of a block in one call, when every line is a valid record (the
    common case); None when any line needs a closer look."""
    # Every line must start with "{": decode_lines skips blank lines and does not care how
    # values are spread over lines, which would shift the numbering.
    if b"\r" in block or not all([line[:1] == b"{" for line in lines]):
        return None
    try:
        recs = fast_record.DECODER.decode_lines(block)
    except fast_record.DecodeErrors:
        return None
    if len(recs) != len(lines) or not all(map(fast_record.accepted, recs)):
        return None  # several values on one line, or what the Struct cannot check
    return recs


def read_unit(unit: Unit, out_path: str) -> UnitResult:
    """Validate the lines of one byte range; valid ones are appended to ``out_path``."""
    res = UnitResult(unit.index)
    whole = hashlib.sha256()
    offset = unit.start
    with open(unit.path, "rb") as fh, open(out_path, "ab") as out:
        for block in _blocks(fh, unit.start, unit.end):
            whole.update(block)
            block_offset, offset = offset, offset + len(block)
            lines = block.split(b"\n")
            terminated = lines[-1] == b""
            if terminated:
                lines.pop()
            recs = _whole_block(block, lines)
            if recs is not None:
                n = res.lines
                rows = []
                for rec, raw in zip(recs, lines, strict=True):
                    n += 1
                    digest = sha256(raw)
                    res.seen.add(digest.digest())
                    rows.append(kept(rec, unit.name, n, digest.hexdigest()))
                res.read += len(recs)
            else:
                rows = _line_by_line(unit, res, lines, terminated, block_offset)
            res.lines += len(lines)
            res.valid += len(rows)
            out.write(fast_record.ENCODER.encode_lines(rows))
    # One sorted blob crosses the process boundary faster than a set, and the parent merges
    # sorted runs faster than it sorts everything.
    res.seen_sorted, res.seen = b"".join(sorted(res.seen)), set()
    res.sha256 = whole.hexdigest()
    return res


def _line_by_line(unit: Unit, res: UnitResult, lines: list[bytes],
                  terminated: bool, offset: int) -> list[Any]:
    """The lines of a block one at a time: blank lines, oversized lines, lines the mirror
    refuses (pydantic decides), the original project's rows (kept for the importer, with
    where they lie in the ledger: ``offset`` is the block's)."""
    rows = []
    n = res.lines
    for raw in lines:
        n += 1
        at, offset = offset, offset + len(raw) + 1
        if raw.endswith(b"\r"):
            raw = raw.rstrip(b"\r")
        if not raw or raw.isspace():
            continue
        res.read += 1
        digest = sha256(raw)
        h = digest.digest()
        res.seen.add(h)
        if len(raw) > MAX_LINE_BYTES:
            res.bad.add(h)
            res.quarantined.append((n, f"line of {len(raw)} bytes exceeds the "
                                       f"{MAX_LINE_BYTES}-byte limit"))
            continue
        obj = None
        if b'"schema_version"' not in raw:
            # Perhaps the original project's row (a record of this schema names its
            # schema_version; the key could still hide behind an escape, so the parsed
            # object decides): kept for the importer, parsed once.
            obj = _json_object(raw)
            if obj is not None and upstream.looks_upstream(obj):
                res.upstream_rows.append(upstream.OriginalRow(n, raw, at, obj))
                continue
        rec = fast_record.check_line(raw)
        if rec is None:
            rec = canonical_record(raw)
        if not isinstance(rec, str):
            rows.append(kept(rec, unit.name, n, digest.hexdigest()))
            continue
        reason = rec
        obj = obj if obj is not None else _json_object(raw)
        if obj is not None and upstream.looks_upstream(obj):
            res.upstream_rows.append(upstream.OriginalRow(n, raw, at, obj))
            continue
        if not terminated and n == res.lines + len(lines):
            reason = f"torn final line (a write was interrupted): {reason}"
        res.bad.add(h)
        res.quarantined.append((n, reason))
    return rows


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        obj = upstream.parse_json(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than any record
        return None
    return obj if isinstance(obj, dict) else None


def plan_units(paths: list[Path], root: Path | None, split: bool,
               starts: dict[str, int] | None = None) -> list[Unit]:
    """Byte ranges at line boundaries (whole files unless ``split``), each file from its
    start offset in ``starts`` (the end of its cached prefix; default 0)."""
    units: list[Unit] = []
    for path in paths:
        size = path.stat().st_size
        name = display_name(path, root)
        cuts = [(starts or {}).get(str(path), 0)]
        if cuts[0] >= size:
            continue
        if split and size - cuts[0] > UNIT_BYTES:
            with open(path, "rb") as fh:
                for target in range(cuts[0] + UNIT_BYTES, size, UNIT_BYTES):
                    fh.seek(target)
                    fh.readline()  # to the start of the next line
                    if fh.tell() < size and fh.tell() > cuts[-1]:
                        cuts.append(fh.tell())
        cuts.append(size)
        for a, b in zip(cuts, cuts[1:], strict=False):
            units.append(Unit(len(units), str(path), name, a, b))
    return units


def _tracked(results: Iterable[UnitResult], units: list[Unit],
             on_progress: Callable[[int, int], None] | None) -> list[UnitResult]:
    """Collect the units' results in order, reporting (bytes read, bytes in all)."""
    total = sum(u.end - u.start for u in units)
    done, out = 0, []
    for unit, res in zip(units, results, strict=True):
        out.append(res)
        done += unit.end - unit.start
        if on_progress is not None:
            on_progress(done, total)
    return out


@dataclass
class _Part:
    """A validated range of one ledger: a cached segment or a unit read now."""

    lines: int
    read: int
    valid: int
    seen_sorted: bytes
    bad: Iterable[bytes]
    quarantined: list[tuple[int, str]]
    upstream_rows: list[upstream.OriginalRow]
    rows_file: Path | None


def _segment_part(seg: Segment, folder: Path, ledger: Path) -> _Part:
    rows = []
    if seg.upstream_rows:
        # the lines themselves are read back from the ledger (its bytes were just checked)
        with open(ledger, "rb") as fh:
            fh.seek(seg.start)
            data = fh.read(seg.end - seg.start)
        for line, at, size, report_name, stem in seg.upstream_rows:
            raw = data[at - seg.start:at - seg.start + size]
            rows.append(upstream.OriginalRow(line, raw, at, names=(report_name, stem)))
    return _Part(seg.lines, seg.read, seg.valid, seg.seen_sorted, seg.bad, seg.quarantined,
                 rows, folder / seg.rows_file if seg.rows_file else None)


def _to_segment(unit: Unit, res: UnitResult, rows_file: Path) -> Segment:
    size = rows_file.stat().st_size
    if size == 0:
        rows_file.unlink()
    return Segment(unit.start, unit.end, res.sha256, res.lines, res.read, res.valid,
                   res.seen_sorted,
                   sorted(res.bad), res.quarantined,
                   [(r.line, r.offset, len(r.raw), r.report_name, r.stem)
                    for r in res.upstream_rows],
                   rows_file.name if size else "", size)


def _cache_folder(root: Path | None) -> Path | None:
    """The workspace's cache folder, or None where none can be kept (no workspace, it cannot
    be written, or its path holds a character DuckDB reads as a pattern): then every ledger
    is read whole, as before."""
    if root is None:
        return None
    folder = root / CACHE_DIR
    if not readable_by_duckdb(folder.resolve()):
        return None  # DuckDB would take the row files' paths as patterns: use the work folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def read_ledgers(paths: Iterable[Path], work_dir: Path, root: Path | None = None,
                 workers: int | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> ReadStats:
    """Validate every line of every ledger; valid lines go to NDJSON files (in ``work_dir``,
    or in the workspace's cache when there is one: rebuild/ledger_cache.py, which also
    spares rereading a ledger's unchanged prefix).

    The digest and the distinct counts depend only on the *set* of line contents, so
    shuffled, split or repeated ledgers describe the same input.
    """
    files = sorted({Path(p).resolve() for p in paths})  # the same file twice is read once
    stats = ReadStats(ledgers=[display_name(p, root) for p in files])
    folder = _cache_folder(root)
    caches = {str(p): LedgerCache.open(folder.parent, p) for p in files} if folder else {}
    starts = {k: c.end for k, c in caches.items()}
    total = sum(p.stat().st_size - starts.get(str(p), 0) for p in files)
    n_workers = workers or min(os.cpu_count() or 1, 4)
    parallel = n_workers > 1 and total >= PARALLEL_MIN_BYTES
    units = plan_units(files, root, split=parallel, starts=starts)
    # A unit that ends at a line end becomes a cached segment: its rows go straight to the
    # cache (no copy); the others (a torn last line, no cache) to the work folder.
    outs = [caches[u.path].new_rows_path() if u.path in caches and ends_a_line(u.path, u.end)
            else work_dir / f"rows_{u.index:05d}.ndjson" for u in units]
    if parallel:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            results = _tracked(pool.map(read_unit, units, map(str, outs)), units, on_progress)
    else:
        results = _tracked((read_unit(u, str(o)) for u, o in zip(units, outs, strict=True)),
                           units, on_progress)

    parts: dict[str, list[_Part]] = {str(p): [] for p in files}
    for key, cache in caches.items():
        parts[key].extend(_segment_part(seg, cache.folder, Path(key))
                          for seg in cache.segments)
    new_segments: dict[str, list[Segment]] = {k: list(c.segments) for k, c in caches.items()}
    for unit, res, out in zip(units, results, outs, strict=True):
        if out.parent != work_dir:
            seg = _to_segment(unit, res, out)
            new_segments[unit.path].append(seg)
            rows_file = out if seg.rows_file else None
        else:
            rows_file = out if out.stat().st_size > 0 else None
        parts[unit.path].append(_Part(res.lines, res.read, res.valid, res.seen_sorted,
                                      res.bad, res.quarantined, res.upstream_rows, rows_file))

    digests: list[bytes] = []
    bad: set[bytes] = set()
    upstream_by_file: dict[str, list[upstream.OriginalRow]] = {}
    for path in files:
        key, name, base = str(path), display_name(path, root), 0
        for part in parts[key]:
            stats.lines_read += part.read
            stats.rows_valid += part.valid
            blob = part.seen_sorted
            digests.extend(blob[i:i + 32] for i in range(0, len(blob), 32))
            bad.update(part.bad)
            stats.quarantined.extend(Quarantined(name, base + ln, why)
                                     for ln, why in part.quarantined)
            upstream_by_file.setdefault(key, []).extend(
                r.moved(base) for r in part.upstream_rows)
            if part.rows_file is not None:
                stats.row_files.append(part.rows_file)
                stats.line_bases.append(base)
            base += part.lines
    extra = work_dir / "rows_imported.ndjson"
    imported = []
    with open(extra, "wb") as out_fh:
        for path_s, rows in sorted(upstream_by_file.items()):
            if not rows:
                continue
            name = display_name(Path(path_s), root)
            raws = {r.line: r.raw for r in rows}
            icache = ImportCache.for_ledger(root, Path(path_s))
            for row in upstream.import_rows(Path(path_s), rows, icache, name):
                if row.kept_line is None:
                    bad.add(hashlib.sha256(raws[row.line]).digest())
                    stats.quarantined.append(Quarantined(name, row.line,
                                                         row.reason or NOT_MIRRORED))
                    continue
                imported.append(row.kept_line)
                stats.rows_valid += 1
                stats.imported += 1
        if imported:
            out_fh.write(b"\n".join(imported) + b"\n")
    if extra.stat().st_size > 0:
        stats.row_files.append(extra)
        stats.line_bases.append(0)  # imported rows carry their ledger line numbers
    for key, cache in caches.items():
        cache.save(Path(key), new_segments[key])
    stats.quarantined.sort(key=lambda q: (q.file, q.line))
    digests.sort()  # sorted runs, one per part: a quick merge
    distinct = list(dict.fromkeys(digests))  # keeps the order
    stats.distinct_lines = len(distinct)
    stats.distinct_quarantined = len(bad)
    stats.digest = hashlib.sha256(b"".join(distinct)).hexdigest()
    return stats
