"""``jarri grade TASK_ID ANSWER_FILE``: the report a run would get for an answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from jarri.commands.console import out
from jarri.errors import SuiteError

# Heavy modules are imported inside the command, so '--help' starts at once.
if TYPE_CHECKING:
    from jarri.suite.model import Task
    from jarri.suite.registry import SuiteRegistry


def find_task(reg: SuiteRegistry, task_id: str, experiment: str | None) -> Task:
    """The task named ``task_id`` (or ``experiment/task_id``), in one experiment or all."""
    if "/" in task_id and experiment is None:
        experiment, task_id = task_id.split("/", 1)
    ids = [experiment] if experiment else reg.ids()
    if experiment and experiment not in reg.ids():
        raise SuiteError(f"unknown experiment '{experiment}'",
                         hint=f"known: {', '.join(reg.ids())}")
    hits = [t for eid in ids for t in reg.load(eid).tasks if t.task_id == task_id]
    if not hits:
        raise SuiteError(f"no task '{task_id}' in {experiment or 'any known experiment'}",
                         hint="'jarri suites list' shows the experiments; task ids are in "
                              "their manifests")
    if len(hits) > 1:
        raise SuiteError(f"task '{task_id}' is in several experiments: "
                         f"{', '.join(t.experiment_id for t in hits)}",
                         hint="name one with --experiment (or EXPERIMENT/TASK_ID)")
    return hits[0]


@click.command()
@click.argument("task_id")
@click.argument("answer_file", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("-e", "--experiment", default=None,
              help="Experiment of the task (needed when several have a task of that id).")
@click.option("--suite-dir", "suite_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Extra experiment folder (or folder of them); repeatable.")
@click.option("--prefill", default="",
              help="Text the prompt template already wrote before the answer (the embedded "
                   "engine's base-model template writes 'Answer:').")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def grade(task_id: str, answer_file: TextIO, experiment: str | None,
          suite_dirs: tuple[Path, ...], prefill: str, as_json: bool) -> None:
    """Grade ANSWER_FILE (or - for standard input) as the answer to TASK_ID and print the
    report a run would get: what was extracted, every check, the score, the format verdict
    and the failure labels. For suite authors checking their ground truth, and for anyone
    who doubts a score. Exit 0 when the answer passes, 1 when it does not.

    \b
    Example:  echo "Answer: Paris" | jarri grade capital_france -
    """
    from jarri.evaluate.registry import get_evaluator
    from jarri.suite.registry import SuiteRegistry

    task = find_task(SuiteRegistry(suite_dirs), task_id, experiment)
    if task.evaluator is None:
        raise SuiteError(f"task '{task.task_id}' names no evaluator (original-format manifest)",
                         hint="runs of it are recorded as not_evaluated")
    answer = answer_file.read()
    ev = get_evaluator(task.evaluator)
    r = ev.evaluate(answer, task.ground_truth, task.evaluator_params, task.pass_threshold,
                    prompt=task.prompt, prefill=prefill)
    report = {
        "task": f"{task.experiment_id}/{task.task_id}", "evaluator": ev.ref,
        "score_percent": r.score_percent, "passed": r.passed,
        "format_ok": r.format_ok, "format_violations": list(r.format_violations),
        "extracted": r.extracted, "failure_stage": r.failure_stage,
        "failure_type": r.failure_type, "failure_subtypes": list(r.failure_subtypes),
        "hard_failure": r.hard_failure,
        "checks": [{"name": c.name, "passed": c.passed, "weight": c.weight, "detail": c.detail}
                   for c in r.checks],
    }
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        p = out.print
        p(f"task       {report['task']}  ({ev.ref})", markup=False)
        p(f"extracted  {r.extracted!r}", markup=False)
        p(f"score      {r.score_percent:g}  passed: {'yes' if r.passed else 'no'}", markup=False)
        fmt = "yes" if r.format_ok else ("no: " + ", ".join(r.format_violations)
                                         if r.format_ok is False else "not graded")
        p(f"format     {fmt}", markup=False)
        if r.failure_stage:
            p(f"failure    {r.failure_stage}/{r.failure_type}"
              f"{' (hard)' if r.hard_failure else ''}; failed checks: "
              f"{', '.join(r.failure_subtypes) or '-'}", markup=False)
        for c in r.checks:
            mark = "ok  " if c.passed else "FAIL"
            p(f"  {mark} {c.name} (weight {c.weight:g}): {c.detail}", markup=False)
    sys.exit(0 if r.passed else 1)
