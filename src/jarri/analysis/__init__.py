"""DuckDB analysis: the normalised run table, typed views and one SQL file per surface."""
