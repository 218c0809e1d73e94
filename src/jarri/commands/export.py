"""``jarri export``: the normalised run table as Parquet or CSV."""

from __future__ import annotations

from pathlib import Path

import click

from jarri.commands.console import out
from jarri.paths import Workspace
from jarri.vocabulary import EXPORT_FORMATS as FORMATS


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="parquet",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file.  [default: exports/runs.<format> in the workspace]")
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder holding benchmarks/.")
@click.option("--ledger", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Another ledger file to merge; repeatable.")
def export(fmt: str, output: Path | None, workspace: Path, extra: tuple[Path, ...]) -> None:
    """Write the normalised run table (one row per used run, the columns the surfaces are
    computed from, integer units in the names: _mj, _us, _ns, score_micro) for other tools."""
    from jarri.analysis.export import export_runs

    ws = Workspace(workspace)
    target = output or ws.root / "exports" / f"runs.{fmt}"
    n = export_runs(ws, target, fmt, extra_ledgers=extra)
    out.print(f"export  {n} run(s) -> {target}", markup=False)
