"""The ``jarri`` command: a thin click layer over the library (``--help`` is the docs)."""

from __future__ import annotations

import sys
from typing import Any

import click

from jarri import __version__
from jarri.commands import doctor, export, grade, power, rebuild, run, serve, suites
from jarri.commands.console import err
from jarri.errors import JarriError


class JarriGroup(click.Group):
    """Turns a JarriError into one clear message and its exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JarriError as exc:
            err.print(f"error: {exc}", markup=False)
            sys.exit(exc.exit_code)


@click.group(cls=JarriGroup, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 100})
@click.version_option(__version__, prog_name="jarri")
def main() -> None:
    """Jarri Benchmark: which local model and which GPU power limit give correct answers for
    the fewest joules and tokens — and how the others fail.

    \b
    Flow: suites -> plan -> run (backend, energy window, evaluator) -> ledger
          -> rebuild -> JSON surfaces -> UI
    Data: ./benchmarks/<experiment>/llm_benchmark_runs.jsonl (ledgers, append-only)
          ./benchmark_ui/data/ (surfaces written by 'jarri rebuild')
    """


main.add_command(run.run)
main.add_command(rebuild.rebuild)
main.add_command(serve.serve)
main.add_command(doctor.doctor)
main.add_command(suites.suites)
main.add_command(grade.grade)
main.add_command(export.export)
main.add_command(power.power)
