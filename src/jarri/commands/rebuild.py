"""``jarri rebuild``: ledgers -> DuckDB -> every JSON surface in benchmark_ui/data/."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import click

from jarri.commands.console import out
from jarri.paths import Workspace
from jarri.surfaces.build import RebuildResult
from jarri.surfaces.build import rebuild as run_rebuild


def install_ui(ws: Workspace) -> None:
    """Copy the packaged UI into the workspace (so a plain static server can show it)."""
    src = Path(str(resources.files("jarri") / "ui"))
    ws.ui.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, ws.ui, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py"))


def print_summary(r: RebuildResult, quiet: bool) -> None:
    out.print(
        f"rebuild {len(r.ledgers)} ledger(s): {r.rows_total} rows read, {r.rows_used} used, "
        f"{r.rows_quarantined} quarantined, {r.rows_duplicate} duplicate(s), "
        f"{r.rows_superseded} superseded; {r.imported} imported from the original project",
        markup=False)
    out.print(f"data    {r.models} model(s), {r.tasks} task(s), {r.gpus} GPU(s), "
              f"{r.power_levels} power level(s); {r.files} files in {r.data_dir}", markup=False)
    out.print(f"digest  source {r.source_digest[:16]}  output {r.output_digest[:16]}  "
              f"({r.seconds:.2f} s)", markup=False)
    if not quiet:
        for q in r.quarantined[:20]:
            out.print(f"  quarantined {q.file}:{q.line}: {q.reason}", markup=False)
        if len(r.quarantined) > 20:
            out.print(f"  ... and {len(r.quarantined) - 20} more (see "
                      f"{r.data_dir / 'verification' / 'quarantine.json'})", markup=False)


@click.command()
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Folder holding benchmarks/ and benchmark_ui/.")
@click.option("--ledger", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Another ledger file to merge (e.g. another host's); "
              "repeatable. Runs are deduplicated by run id.")
@click.option("--import-jarri", "imports", multiple=True,
              type=click.Path(exists=True, path_type=Path),
              help="The original Jarri project's benchmarks/ folder (or one experiment "
                   "folder) to import; repeatable. Its rows in ./benchmarks are found anyway.")
@click.option("--suite-dir", "suite_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Extra experiment folder for the task registry; repeatable.")
@click.option("--threads", type=int, default=None,
              help="DuckDB threads (results do not depend on it).  [default: all cores]")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary lines.")
def rebuild(workspace: Path, extra: tuple[Path, ...], imports: tuple[Path, ...],
            suite_dirs: tuple[Path, ...], threads: int | None, quiet: bool) -> None:
    """Read every ledger under benchmarks/ (plus --ledger files and --import-jarri folders),
    validate each line, and write every surface to benchmark_ui/data/.

    Bad lines are quarantined with file, line and reason (verification/quarantine.json);
    the rebuild never stops on them. The same inputs always give byte-identical files.
    """
    ws = Workspace(workspace)
    result = run_rebuild(ws, extra_ledgers=extra, import_paths=imports, suite_dirs=suite_dirs,
                         threads=threads)
    install_ui(ws)
    print_summary(result, quiet)
    out.print(f"ui      open it with: cd {ws.ui} && python3 -m http.server 8000   "
              "(or: jarri serve)", markup=False)
