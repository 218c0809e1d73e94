"""Export the normalised run table for other tools (Parquet or CSV), via DuckDB's COPY."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from jarri.analysis.database import Analysis
from jarri.errors import ConfigError
from jarri.paths import Workspace
from jarri.rebuild.ledger_cache import locked
from jarri.rebuild.reader import read_ledgers
from jarri.vocabulary import EXPORT_FORMATS

FORMATS = EXPORT_FORMATS


def export_runs(ws: Workspace, out: Path, fmt: str, *, extra_ledgers: Sequence[Path] = (),
                threads: int | None = None) -> int:
    """Write every used run (deduplicated, supersedes applied) to ``out``; returns the count."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}", hint="use parquet or csv")
    with tempfile.TemporaryDirectory(prefix="jarri-export-") as tmp:
        with locked(ws.root):  # the cache's row files stay until DuckDB has loaded them
            stats = read_ledgers([*ws.ledgers(), *extra_ledgers], Path(tmp), root=ws.root,
                                 workers=threads)
            db = Analysis(stats.row_files, line_bases=stats.line_bases, threads=threads,
                          temp_dir=Path(tmp))
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            part = out.with_name(f".{out.name}.{os.getpid()}.tmp")
            target = part.as_posix().replace("'", "''")
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            db.con.execute(
                "COPY (SELECT * EXCLUDE (source_line) FROM runs ORDER BY run_id) "
                f"TO '{target}' ({options})")
            os.replace(part, out)
            return int(db.scalar("SELECT count(*) FROM runs"))
        finally:
            db.close()
