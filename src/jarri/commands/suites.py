"""``jarri suites list|validate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from jarri.commands.console import err, out
from jarri.errors import SuiteError


@click.group()
def suites() -> None:
    """List the known experiments, or validate an experiment folder."""


@suites.command("list")
@click.option("--suite-dir", "suite_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Extra experiment folder (or folder of them); repeatable.")
def list_(suite_dirs: tuple[Path, ...]) -> None:
    """Every experiment with its task count, families and source."""
    from rich.table import Table

    from jarri.suite.registry import SuiteRegistry

    reg = SuiteRegistry(suite_dirs)
    # The id is what users type (`-e ID`): it keeps its whole width, however narrow the
    # terminal; the other columns wrap (fold) and nothing is cut with an ellipsis.
    table = Table()
    table.add_column("experiment", min_width=max((len(e) for e in reg.ids()), default=10),
                     overflow="fold")
    for name in ("rev", "tasks", "families", "format"):
        table.add_column(name, overflow="fold")
    table.add_column("source", overflow="fold")
    total = 0
    for eid in reg.ids():
        try:
            exp = reg.load(eid)
        except SuiteError as exc:
            table.add_row(eid, "-", "-", f"INVALID: {exc.message}", "-", reg.sources[eid])
            continue
        total += len(exp.tasks)
        table.add_row(eid, str(exp.revision), str(len(exp.tasks)), ", ".join(exp.families),
                      exp.manifest_format, reg.sources[eid])
    out.print(table)
    out.print(f"{len(reg.ids())} experiment(s), {total} task(s)", markup=False)


@suites.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def validate(folder: Path, strict: bool) -> None:
    """Check an experiment folder; print every problem with its file and field.

    Problems refuse the folder (exit 1). Warnings (e.g. a task of an original-format manifest
    without ground truth) do not: the folder loads as is.
    """
    from jarri.suite.loader import check_experiment

    exp, problems, warnings = check_experiment(folder)
    for w in warnings:
        err.print(f"warning: {w}", markup=False)
    if problems:
        for p in problems:
            err.print(p, markup=False)
        err.print(f"{len(problems)} problem(s) in {folder}", markup=False)
        sys.exit(1)
    if exp is not None and exp.original_experiment_id is not None:
        out.print(f"{folder}: the original project's format: experiment "
                  f"'{exp.experiment_id}' (original id '{exp.original_experiment_id}', kept "
                  "apart from any built-in experiment of that id); it names no evaluator, "
                  "so runs of its tasks are recorded as not_evaluated", markup=False)
    if warnings and strict:
        err.print(f"{len(warnings)} warning(s) in {folder} (--strict)", markup=False)
        sys.exit(1)
    suffix = f" ({len(warnings)} warning(s))" if warnings else ""
    out.print(f"{folder}: valid{suffix}", markup=False)
