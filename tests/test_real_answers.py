"""Real answers of real models (tests/corpus/real/*.jsonl), graded the way a run grades them.

Each row is one run of a real sweep (here: gemma3:270m through the embedded llama.cpp engine,
every built-in experiment, greedy): the reply as it came, the cue the prompt template put
before it, and the stop reason. ``expect_score`` and ``expect_type`` are the verdict a reader
of the answer agrees with (``note`` says why where it is not obvious). The whole outcome is
checked, generation labels included (a loop, the token cap), not only the evaluator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jarri.backends.base import Completion
from jarri.runner.outcome import decide
from jarri.suite import SuiteRegistry

REAL = Path(__file__).parent / "corpus" / "real"
REG = SuiteRegistry()
TASKS = {(t.experiment_id, t.task_id): t for eid in REG.ids() for t in REG.load(eid).tasks}
ROWS = [json.loads(line) for f in sorted(REAL.glob("*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_real_sweep_covers_every_task() -> None:
    models = {r["model"] for r in ROWS}
    for model in models:
        seen = {(r["experiment_id"], r["task_id"]) for r in ROWS if r["model"] == model}
        assert seen == set(TASKS), f"{model}: tasks without a real answer: {set(TASKS) - seen}"


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['model']}:{r['task_id']}")
def test_real_answer_verdict(row: dict) -> None:
    task = TASKS[(row["experiment_id"], row["task_id"])]
    out = decide(task, Completion(answer_text=row["answer"], done_reason=row["done_reason"],
                                  prefill=row["prefill"]))
    assert out.status == "ok"
    assert (out.score_percent, out.failure_type) == (row["expect_score"], row["expect_type"]), \
        f"{row['answer'][:300]!r} ({row['note']})"
    assert out.passed == (row["expect_score"] >= (task.pass_threshold or 100))
