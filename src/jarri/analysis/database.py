"""DuckDB in-process: load the normalised rows with declared types, run the named queries."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import duckdb

from jarri.analysis.duckdb_paths import readable_by_duckdb
from jarri.analysis.metrics import cell_sums_sql, energy_class_sql
from jarri.errors import JarriError
from jarri.rebuild.columns import RECORD_FIELDS, WRAP_COLUMNS, read_json_columns

# Runs per page of runs/ (one model x task per page); 00_runs.sql numbers the pages.
PAGE_SIZE = 250
# DuckDB's own budget; with Python's share the rebuild of a million runs stays under 2 GiB
# (perf/rebuild_scaling.py measures it). Beyond it DuckDB spills to the temp folder.
MEMORY_LIMIT = "1400MB"
# An empty relation of the reader's shape, for a rebuild without any valid record.
EMPTY = ", ".join(f'NULL::{v} AS "{k}"' for k, v in {**RECORD_FIELDS, **WRAP_COLUMNS}.items())


class AnalysisError(JarriError):
    """DuckDB failed on the rebuild's own queries (a bug, not bad input)."""


def sql_text(name: str) -> str:
    return (resources.files("jarri") / "analysis" / "sql" / f"{name}.sql").read_text("utf-8")


def _source(row_files: list[Path], line_bases: list[int]) -> str:
    """The relation 00_load.sql selects from: the reader's files, each line with the line
    number its file starts after in its ledger (``wrap_base``), or nothing of that shape."""
    if not row_files:
        return f"(SELECT {EMPTY}, 0::BIGINT AS wrap_base WHERE false)"
    if len(line_bases) != len(row_files):
        raise ValueError("one line base per row file")
    for p in row_files:
        if not readable_by_duckdb(p):
            raise AnalysisError(
                f"the rebuild's working file {p} lies in a folder whose name holds one of "
                "* ? [ ] { }, which DuckDB reads as a file pattern",
                hint="set TMPDIR to a folder without these characters")
    files = "[" + ", ".join("'" + p.as_posix().replace("'", "''") + "'"
                            for p in row_files) + "]"
    bases = "[" + ", ".join(str(int(b)) for b in line_bases) + "]::BIGINT[]"
    return (f"(SELECT *, ({bases})[list_position({files}, filename)] AS wrap_base "
            f"FROM read_json({files}, format = 'newline_delimited', "
            f"columns = {read_json_columns()}, maximum_object_size = 67108864, "
            f"filename = true))")


class Analysis:
    def __init__(self, row_files: list[Path], *, line_bases: list[int] | None = None,
                 threads: int | None = None, pool_versions: bool = False,
                 memory_limit: str = MEMORY_LIMIT, temp_dir: Path | None = None) -> None:
        self.con = duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        # Every query orders its output explicitly, so DuckDB need not keep insertion order
        # (which costs memory on a million rows); no progress bar on the user's terminal.
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")
        if temp_dir is not None:
            self.con.execute(f"SET temp_directory = '{temp_dir.as_posix()}'")
        try:
            load = Template(sql_text("00_load")).substitute(
                source=_source(row_files, line_bases or [0] * len(row_files)),
                energy_class=energy_class_sql())
            self.con.execute(load)
            self.con.execute(Template(sql_text("00_runs")).substitute(
                page_size=PAGE_SIZE, pool_versions="true" if pool_versions else "false"))
        except duckdb.Error as exc:
            raise AnalysisError(f"loading the normalised rows into DuckDB failed: {exc}") \
                from exc

    def query(self, name: str, **params: str) -> list[dict[str, Any]]:
        sql = Template(sql_text(name)).substitute(sums=cell_sums_sql(), **params)
        try:
            cur = self.con.execute(sql)
        except duckdb.Error as exc:
            raise AnalysisError(f"query {name}.sql failed: {exc}") from exc
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def stream(self, name: str, batch: int = 10_000, **params: str) -> Iterator[list[Any]]:
        """The rows of a named query in batches, for results too large to hold at once."""
        try:
            cur = self.con.execute(Template(sql_text(name)).substitute(**params))
            while rows := cur.fetchmany(batch):
                yield rows
        except duckdb.Error as exc:
            raise AnalysisError(f"query {name}.sql failed: {exc}") from exc

    def scalar(self, sql: str) -> Any:
        row = self.con.execute(sql).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.con.close()
