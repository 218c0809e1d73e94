"""Which paths DuckDB's file readers (read_json) read as given.

DuckDB takes * ? [ ] { } in a path as a file pattern, with no way to escape them: a path
holding one reads other files (``w[1]/x`` reads ``w1/x``), several, or none.
"""

from __future__ import annotations

import re
from pathlib import Path

_PATTERN = re.compile(r"[*?\[\]{}]")


def readable_by_duckdb(path: Path | str) -> bool:
    """Whether DuckDB's read_json reads exactly this file when given its path."""
    return _PATTERN.search(str(path)) is None
