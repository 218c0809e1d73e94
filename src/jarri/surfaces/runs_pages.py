"""runs/: every run record, paged by model x task, with its answer text and checks, so any
number on screen can be traced to the runs behind it.

DuckDB renders each run as JSON text, in page order (runs_pages.sql) — building a million
dictionaries in Python would dominate the rebuild. This module finds the answer texts (the
content store beside each ledger, or an imported row's original answer file), hands them to
DuckDB, streams the rendered rows and wraps each page in the envelope.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from jarri.analysis.database import Analysis
from jarri.analysis.duckdb_paths import readable_by_duckdb

ANSWER_CHARS = 4000
STORE = "content store"
ORIGINAL = "original answer file (may belong to a later re-run: see import_flags)"
REFUSED = ("not read: the record names an answer file outside its own folder (a symlink or "
           "a path that leaves it); only the ledger's content store, or an imported row's file "
           "inside its experiment folder, is read")
_SHA = re.compile(r"[0-9a-f]{64}")
_ENCODER = msgspec.json.Encoder()


def _store_listing(ledger_dir: str) -> set[str]:
    outputs = os.path.join(ledger_dir, "outputs")
    if not os.path.isdir(outputs):
        return set()
    return {name[:-4] for _, _, names in os.walk(outputs) for name in names
            if name.endswith(".txt")}


def load_answers(db: Analysis, root: Path) -> int:
    """Create the ``answers`` table (run_id, text, origin) from the files that exist.
    Which runs have a stored answer is decided in DuckDB: a million runs without stored
    answers should not each pass through Python."""
    sources = [r[0] for r in db.con.execute(
        "SELECT DISTINCT source_file FROM runs ORDER BY 1").fetchall()]
    db.con.execute("CREATE TEMP TABLE stored (source_file VARCHAR, sha VARCHAR)")
    for source_file in sources:
        listing = sorted(_store_listing(str((root / source_file).parent)))
        for i in range(0, len(listing), 5000):
            db.con.executemany("INSERT INTO stored VALUES (?, ?)",
                               [(source_file, sha) for sha in listing[i:i + 5000]])
    wanted = db.con.execute(
        "SELECT r.run_id, r.source_file, r.answer_sha256, r.answer_file FROM runs r "
        "LEFT JOIN stored s ON s.source_file = r.source_file AND s.sha = r.answer_sha256 "
        "WHERE s.sha IS NOT NULL OR (r.answer_sha256 IS NULL AND r.answer_file IS NOT NULL "
        "AND r.imported_from IS NOT NULL) ORDER BY r.run_id").fetchall()
    paths: list[tuple[str, str, str, str]] = []
    refused: list[str] = []
    real_dirs: dict[str, str] = {}
    links: dict[str, bool] = {}  # directories already looked at: is it a symlink?
    for run_id, source_file, sha, answer_file in wanted:
        if source_file not in real_dirs:
            real_dirs[source_file] = os.path.realpath((root / source_file).parent)
        real = real_dirs[source_file]
        # The file itself is opened without following a symlink (_text); one there is
        # resolved and checked then.
        if sha:
            rel = f"outputs/{sha[:2]}/{sha}.txt"
            ok = _SHA.fullmatch(sha) is not None and _inside(real, rel, "outputs", links,
                                                             last=False)
            base = os.path.join(real, "outputs")
        else:
            rel = answer_file
            ok = not os.path.isabs(answer_file) and _inside(real, rel, "", links, last=False)
            base = real
        if not ok:
            # A ledger line (perhaps from another host) naming a file outside its own folder:
            # never read, never copied into the surfaces; the run page says so.
            refused.append(run_id)
        else:
            paths.append((run_id, os.path.join(real, rel), STORE if sha else ORIGINAL, base))
    db.con.execute("CREATE TABLE answers (run_id VARCHAR, text VARCHAR, origin VARCHAR)")
    found, refused_late = _read_texts(db, paths)
    if refused or refused_late:
        db.con.executemany("INSERT INTO answers VALUES (?, NULL, ?)",
                           [(r, REFUSED) for r in sorted([*refused, *refused_late])])
    return found


_REFUSED = object()  # _text: the file is a symlink that leads outside its folder


def _text(path: str, base: str | None = None) -> str | None | object:
    """The file's text as a Python text read gives it (UTF-8, universal newlines), or None:
    absent, not a regular file (a FIFO is never waited on), unreadable, not UTF-8. With
    ``base``, a symlink in place of the file is followed only when it resolves inside
    ``base`` (else ``_REFUSED``)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags | (os.O_NOFOLLOW if base is not None else 0))
    except OSError as exc:
        if base is None or exc.errno != errno.ELOOP:
            return None
        if not _within(path, base):
            return _REFUSED
        try:
            fd = os.open(path, flags)
        except OSError:
            return None
    except ValueError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        text = b"".join(chunks).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _read_texts(db: Analysis, paths: Sequence[tuple[str, ...]]) -> tuple[int, list[str]]:
    """Insert (run_id, text, origin) for each readable UTF-8 regular file of ``paths``
    (run_id, path, origin[, the folder a symlink in its place must resolve into]), the text
    cut one character past what a run page shows; returns how many, and the runs whose file
    was a symlink leading out. One plain read after
    another: with the files in the page cache that is faster than threads (the interpreter
    lock) or DuckDB's read_blob (measured on 10,000 answers: 0.1 s, 0.46 s and 0.31 s). A
    file named by several runs is read once."""
    texts: dict[str, str | None | object] = {}
    rows: list[dict[str, str]] = []
    refused: list[str] = []
    for run_id, path, origin, *base in paths:
        if path not in texts:
            texts[path] = _text(path, base[0] if base else None)
        text = texts[path]
        if text is _REFUSED:
            refused.append(run_id)
        elif isinstance(text, str):
            # A page shows the first ANSWER_CHARS characters and whether there are more:
            # one character beyond them says so (DuckDB counts code points, as Python).
            rows.append({"run_id": run_id, "text": text[:ANSWER_CHARS + 1], "origin": origin})
    if not rows:
        return 0, refused
    # Handed over as one NDJSON file: DuckDB parses it in parallel, twice as fast as binding
    # Python lists (measured on 100,000 answers: 0.38 s against 0.69 s) — unless the temp
    # folder's path is one DuckDB would read as a pattern.
    with tempfile.TemporaryDirectory(prefix="jarri-answers-") as tmp:
        part = os.path.join(tmp, "answers.ndjson")
        if readable_by_duckdb(part):
            with open(part, "wb") as fh:
                fh.write(_ENCODER.encode_lines(rows))
            db.con.execute(
                "INSERT INTO answers SELECT run_id, text, origin FROM read_json(?, "
                "format = 'newline_delimited', columns = {'run_id': 'VARCHAR', "
                "'text': 'VARCHAR', 'origin': 'VARCHAR'})", [part])
        else:
            db.con.execute(
                "INSERT INTO answers SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                "unnest(?::VARCHAR[])",
                [[r["run_id"] for r in rows], [r["text"] for r in rows],
                 [r["origin"] for r in rows]])
    return len(rows), refused


def _inside(real_dir: str, rel: str, sub: str, links: dict[str, bool] | None = None, *,
            last: bool = True) -> bool:
    """``real_dir``/``rel``, symlinks resolved, lies inside ``real_dir``/``sub``. The common
    case (plain names, no symlink on the way) is decided with one lstat per component (the
    directories' answers kept in ``links`` across calls); a symlink or an odd name falls
    back to resolving the whole path. ``last=False``: the final component is not looked at
    (the caller opens it without following a symlink)."""
    parts = rel.split("/")
    base = os.path.join(real_dir, sub) if sub else real_dir
    if sub and (not parts or parts[0] != sub):
        return False
    if all(p not in ("", ".", "..") for p in parts) and os.sep == "/":
        walk = real_dir
        for i, part in enumerate(parts):
            walk = os.path.join(walk, part)
            if i == len(parts) - 1 and not last:
                break
            try:
                if i < len(parts) - 1 and links is not None:
                    if walk not in links:
                        links[walk] = os.path.islink(walk)
                    is_link = links[walk]
                else:
                    is_link = os.path.islink(walk)
            except OSError:
                return False
            if is_link:
                return _within(os.path.join(real_dir, rel), base)
        return True
    return _within(os.path.join(real_dir, rel), base)


def _within(path: str, folder: str) -> bool:
    """``path``, symlinks resolved, lies inside ``folder`` (symlinks resolved too)."""
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return real.startswith(base.rstrip(os.sep) + os.sep)


def _columns(db: Analysis) -> list[str]:
    """The keys of the rendered record, from the first run (every run has the same)."""
    rows = next(db.stream("runs_pages", answer_chars=str(ANSWER_CHARS),
                          select="SELECT json_keys(to_json(rec)) FROM records LIMIT 1"), [])
    return list(rows[0][0]) if rows else []


def write_pages(db: Analysis, root: Path,
                write_raw: Callable[[str, bytes, str], None],
                write: Callable[[str, Any, str], None],
                envelope: Callable[..., dict[str, Any]],
                on_progress: Callable[[int, int], None] | None = None) -> None:
    load_answers(db, root)
    pages = db.con.execute("SELECT page_no, any_value(model), any_value(task_key), count(*) "
                           "FROM runs GROUP BY page_no ORDER BY page_no").fetchall()
    columns = _columns(db) if pages else []
    head = json.dumps(envelope("runs_page", [], columns=columns), sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    assert head.count('"rows":[]') == 1
    before, after = head.split('"rows":[]')
    expected = {page_no: runs for page_no, _, _, runs in pages}

    def flush(page_no: int, rows: list[str]) -> None:
        if len(rows) != expected.get(page_no):
            raise RuntimeError(f"run page {page_no}: {len(rows)} rows rendered, "
                               f"{expected.get(page_no)} expected")
        body = before + '"rows":[' + ",".join(rows) + "]" + after + "\n"
        write_raw(f"runs/page_{page_no:06d}.json", body.encode("utf-8"),
                  "run records (one model x task): a list of values per run, named by "
                  "columns")
        if on_progress is not None and (page_no % 50 == 0 or page_no == len(pages)):
            on_progress(page_no, len(pages))

    # Values only, named once per page by "columns": the key names would be half the bytes
    # of a million runs.
    select = ("SELECT page_no, to_json(row(" + ", ".join(f'rec."{c}"' for c in columns)
              + ")) AS json FROM records ORDER BY page_no, n_in_slice")
    current: int | None = None
    rows: list[str] = []
    if pages:
        for batch in db.stream("runs_pages", answer_chars=str(ANSWER_CHARS), select=select):
            for page_no, row in batch:
                if page_no != current:
                    if current is not None:
                        flush(current, rows)
                    current, rows = page_no, []
                rows.append(row)
    if current is not None:
        flush(current, rows)
    write("runs/index.json", envelope("runs_index", [
        {"file": f"runs/page_{page_no:06d}.json", "model": model, "task_key": task_key,
         "runs": runs} for page_no, model, task_key, runs in pages]),
        "which page holds the runs of each model x task")


def page_records(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of a loaded page as one dictionary each (what the UI does in drilldown.js)."""
    columns = page["columns"]
    return [dict(zip(columns, row, strict=True)) for row in page["rows"]]
