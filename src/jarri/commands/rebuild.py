"""``jarri rebuild``: ledgers -> DuckDB -> every JSON surface in benchmark_ui/data/."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jarri.commands.console import err, out
from jarri.paths import Workspace

# Heavy modules are imported inside the command, so '--help' starts at once.
if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from jarri.rebuild.build import RebuildResult


def _quiet(phase: str, done: int, total: int) -> None:
    return None


def install_ui(ws: Workspace) -> None:
    """Copy the packaged UI into the workspace (so a plain static server can show it)."""
    src = Path(str(resources.files("jarri") / "ui"))
    ws.ui.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, ws.ui, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py"))


class RebuildProgress:
    """A bar per phase on a terminal (cleared at the end); elsewhere one line per phase."""

    def __init__(self) -> None:
        self.interactive = err.is_terminal
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.interactive:
            if phase != self._phase:
                err.print(f"rebuild: {phase} ...", markup=False)
            self._phase = phase
            return
        if self._bar is None:
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TaskProgressColumn(), TimeElapsedColumn(), console=err,
                                 transient=True)
            self._bar.start()
        if phase not in self._tasks:
            self._tasks[phase] = self._bar.add_task(phase, total=max(total, 1))
        self._bar.update(self._tasks[phase], completed=done, total=max(total, 1))

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def print_summary(r: RebuildResult, quiet: bool) -> None:
    out.print(
        f"rebuild {len(r.ledgers)} ledger(s): {r.rows_total} rows read, {r.rows_used} used, "
        f"{r.rows_quarantined} quarantined, {r.rows_duplicate} duplicate line(s), "
        f"{r.rows_conflicting} conflicting, {r.rows_superseded} superseded; "
        f"{r.imported} imported from the original project",
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
              "repeatable. Identical lines count once; runs are told apart by run id, host "
              "and GPU.")
@click.option("--import-jarri", "imports", multiple=True,
              type=click.Path(exists=True, path_type=Path),
              help="The original Jarri project's benchmarks/ folder (or one experiment "
                   "folder) to import; repeatable. Its rows in ./benchmarks are found anyway.")
@click.option("--suite-dir", "suite_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Extra experiment folder for the task registry; repeatable.")
@click.option("--threads", type=int, default=None,
              help="DuckDB threads (results do not depend on it).  [default: all cores]")
@click.option("--pool-versions", is_flag=True,
              help="Pool the runs of a task made under different versions (experiment "
                   "revision, evaluator version, prompt). By default each version is its "
                   "own slice (task key '<experiment>/<task>@<version>'), so numbers never "
                   "mix prompts or grading rules; verification/versions.json lists them.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary lines.")
def rebuild(workspace: Path, extra: tuple[Path, ...], imports: tuple[Path, ...],
            suite_dirs: tuple[Path, ...], threads: int | None, pool_versions: bool,
            quiet: bool) -> None:
    """Read every ledger under benchmarks/ (plus --ledger files and --import-jarri folders),
    validate each line, and write every surface to benchmark_ui/data/.

    Bad lines are quarantined with file, line and reason (verification/quarantine.json);
    the rebuild never stops on them. The same inputs always give byte-identical files.
    """
    from jarri.rebuild.build import rebuild as run_rebuild

    ws = Workspace(workspace)
    progress = RebuildProgress()
    try:
        result = run_rebuild(ws, extra_ledgers=extra, import_paths=imports,
                             suite_dirs=suite_dirs, threads=threads,
                             pool_versions=pool_versions,
                             progress=_quiet if quiet else progress)
    finally:
        progress.stop()
    install_ui(ws)
    print_summary(result, quiet)
    out.print(f"ui      open it with: cd {ws.ui} && python3 -m http.server 8000   "
              "(or: jarri serve)", markup=False)
