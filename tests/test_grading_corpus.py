"""The adversarial answer corpus (tests/corpus/<experiment>.jsonl): for every built-in task at
least 20 answers a real model or an adversary might give, each with the verdict a careful
reader gives it: correct (must score 100), wrong (must score 0) or partial (strictly between).

The answers were written from the prompts alone, by a writer who did not read the evaluators.
Where this project's documented grading policy (docs/evaluators.md) decides differently, the
row keeps the writer's verdict in ``expect_independent`` and says why in ``policy``.
KNOWN_MISSES lists the rows the evaluators still grade wrongly; the test fails if any other
row is misgraded, and also when a known miss is fixed (so the list stays true).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from jarri.evaluate.registry import get_evaluator
from jarri.suite import SuiteRegistry

CORPUS = Path(__file__).parent / "corpus"
REG = SuiteRegistry()
TASKS = {(t.experiment_id, t.task_id): t for eid in REG.ids() for t in REG.load(eid).tasks}
ROWS = [json.loads(line) for f in sorted(CORPUS.glob("*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
MIN_PER_TASK = 20

# (experiment, task, class): graded wrongly today, see the closing note of the grading issue.
KNOWN_MISSES: set[tuple[str, str, str]] = set()


def _grade(row: dict):  # noqa: ANN202
    t = TASKS[(row["experiment_id"], row["task_id"])]
    assert t.evaluator is not None
    return get_evaluator(t.evaluator).evaluate(row["answer"], t.ground_truth,
                                               t.evaluator_params, t.pass_threshold,
                                               prompt=t.prompt,
                                               prefill=row.get("prefill", ""))


def _ok(row: dict, score: float) -> bool:
    return {"correct": score == 100, "wrong": score == 0,
            "partial": 0 < score < 100}[row["expect"]]


def test_every_task_has_a_corpus() -> None:
    per_task = Counter((r["experiment_id"], r["task_id"]) for r in ROWS)
    missing = {k: per_task.get(k, 0) for k in TASKS if per_task.get(k, 0) < MIN_PER_TASK}
    assert not missing, f"tasks with fewer than {MIN_PER_TASK} corpus answers: {missing}"
    assert set(per_task) <= set(TASKS), "corpus rows for unknown tasks"
    kinds = Counter(r["expect"] for r in ROWS)
    assert kinds["correct"] >= 20 * len(TASKS) // 3 and kinds["wrong"] >= 20 * len(TASKS) // 3


@pytest.mark.parametrize("experiment", sorted({r["experiment_id"] for r in ROWS}))
def test_corpus_verdicts(experiment: str) -> None:
    misgraded, fixed = [], []
    for row in (r for r in ROWS if r["experiment_id"] == experiment):
        report = _grade(row)
        known = (row["experiment_id"], row["task_id"], row["class"]) in KNOWN_MISSES
        good = _ok(row, report.score_percent)
        if not good and not known:
            misgraded.append(f"{row['task_id']} [{row['expect']}/{row['class']}] scored "
                             f"{report.score_percent:g}: {row['answer'][:120]!r}")
        if good and known:
            fixed.append(f"{row['task_id']} [{row['class']}]")
        if row["expect"] == "correct" and not known:
            assert report.passed and report.failure_stage is None, row
        if row["expect"] == "wrong" and report.score_percent == 0:
            assert not report.passed and report.failure_stage, row
    assert not misgraded, "\n".join(misgraded)
    assert not fixed, f"known misses now graded right; drop them from KNOWN_MISSES: {fixed}"
