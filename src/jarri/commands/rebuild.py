"""``jarri rebuild``: validate every ledger and write what can be derived from them."""

from __future__ import annotations

import json
import os
import shutil
import time
from importlib import resources
from pathlib import Path

import click

from jarri.commands.console import out
from jarri.paths import Workspace
from jarri.rebuild.validate import validate_ledgers


def _write_json_atomic(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)


def install_ui(ws: Workspace) -> None:
    """Copy the packaged UI into the workspace (so a plain static server can show it)."""
    src = Path(str(resources.files("jarri") / "ui"))
    ws.ui.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file():
            shutil.copyfile(f, ws.ui / f.name)


@click.command()
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Folder holding benchmarks/ and benchmark_ui/.")
@click.option("--ledger", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Another ledger file to include (e.g. another host's).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
def rebuild(workspace: Path, extra: tuple[Path, ...], quiet: bool) -> None:
    """Read every ledger under benchmarks/ (plus --ledger files), validate each line, and
    write the summary to benchmark_ui/data/ledger_summary.json.

    Bad lines are quarantined with file, line and reason; the rebuild never stops on them.
    (The full DuckDB surfaces arrive with the rebuild chain.)
    """
    t0 = time.perf_counter()
    ws = Workspace(workspace)
    summary = validate_ledgers([*ws.ledgers(), *extra])
    _write_json_atomic(ws.ui_data / "ledger_summary.json", summary.as_json())
    install_ui(ws)
    took = time.perf_counter() - t0
    out.print(f"rebuild {len(summary.ledgers)} ledger(s): {summary.rows_read} rows read, "
              f"{summary.rows_used} used, {len(summary.quarantined)} quarantined, "
              f"{summary.duplicates} duplicate(s); {len(summary.models)} model(s), "
              f"{len(summary.tasks)} task(s); digest {summary.source_digest[:12]}; "
              f"{took:.2f} s", markup=False)
    if not quiet:
        for q in summary.quarantined[:20]:
            out.print(f"  quarantined {q.file}:{q.line}: {q.reason}", markup=False)
        if len(summary.quarantined) > 20:
            out.print(f"  ... and {len(summary.quarantined) - 20} more (see "
                      f"{ws.ui_data / 'ledger_summary.json'})", markup=False)
    out.print(f"ui      open it with: cd {ws.ui} && python3 -m http.server 8000   "
              "(or: jarri serve)", markup=False)
