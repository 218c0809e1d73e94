"""The audit of every built-in task: a reference answer scores 100 and passes; an empty and
an irrelevant answer score 0 with a hard failure; the partial answer lands strictly between.
A task cannot be added without passing this."""

from __future__ import annotations

from collections import Counter

import pytest

from jarri.evaluate.registry import get_evaluator
from jarri.suite import SuiteRegistry
from jarri.suite.model import Task

REG = SuiteRegistry()
TASKS: list[Task] = [t for eid in REG.ids() for t in REG.load(eid).tasks]
FAMILIES = {"fact", "prose", "math", "knowledge", "language", "coding"}


def grade(task: Task, answer: str):  # noqa: ANN201
    assert task.evaluator is not None
    return get_evaluator(task.evaluator).evaluate(answer, task.ground_truth,
                                                  task.evaluator_params, task.pass_threshold)


@pytest.mark.parametrize("task", TASKS, ids=[f"{t.experiment_id}/{t.task_id}" for t in TASKS])
def test_task_audit(task: Task) -> None:
    assert task.evaluator and task.audit_reference, "every built-in task needs audit answers"
    ref = grade(task, task.audit_reference)
    assert ref.score_percent == 100 and ref.passed and ref.failure_stage is None, ref.checks
    for garbage in ("", "hello"):
        bad = grade(task, garbage)
        assert bad.score_percent == 0 and not bad.passed, (garbage, bad.checks)
        assert bad.hard_failure and bad.failure_stage and bad.failure_type, (garbage, bad)
    if task.audit_partial is not None and task.evaluator == "code":
        wrong = grade(task, task.audit_partial)  # a plausible wrong program: pass@1 says 0
        assert wrong.score_percent == 0 and not wrong.passed and wrong.failure_stage
    elif task.audit_partial is not None:
        mid = grade(task, task.audit_partial)
        assert 0 < mid.score_percent < 100, mid.checks
        assert mid.failure_stage and not mid.hard_failure


def test_coverage_of_the_families() -> None:
    content = [t for t in TASKS if t.experiment_id != "smoke_v1"]
    per_family = Counter(t.task_family for t in content)
    assert len(content) >= 60 and set(per_family) == FAMILIES
    assert all(n >= 8 for n in per_family.values()), per_family
    with_partial = {t.task_family for t in content if t.audit_partial is not None}
    # a realistic partial answer in every family (for code, a plausible wrong program)
    assert with_partial == FAMILIES
    assert {"fact_prose_v2", "math_measurement_v1", "knowledge_measurement_v2",
            "language_measurement_v2", "coding_measurement_v3"} <= set(REG.ids())
