#!/usr/bin/env python3
"""Grade the adversarial corpus (tests/corpus/*.jsonl) with the evaluators importable here and
print, per experiment, how many answers are graded against their expected verdict.

    python scripts/corpus_report.py
    PYTHONPATH=<an older checkout>/src python scripts/corpus_report.py   # the same corpus,
                                                                         # older evaluators
The corpus is always this checkout's; the tasks and evaluators are whatever ``jarri`` imports.
"""

from __future__ import annotations

import collections
import inspect
import json
from pathlib import Path

from jarri.evaluate.registry import get_evaluator
from jarri.suite import SuiteRegistry

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"


def main() -> None:
    reg = SuiteRegistry()
    tasks = {(e, t.task_id): t for e in reg.ids() for t in reg.load(e).tasks}
    per: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for f in sorted(CORPUS.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            c = per[row["experiment_id"]]
            c["rows"] += 1
            c[row["expect"]] += 1
            task = tasks.get((row["experiment_id"], row["task_id"]))
            if task is None or task.evaluator is None:
                c["task_unknown"] += 1
                continue
            ev = get_evaluator(task.evaluator)
            kw = {"prompt": task.prompt} if "prompt" in inspect.signature(ev.evaluate).parameters \
                else {}
            try:
                s = ev.evaluate(row["answer"], task.ground_truth, task.evaluator_params,
                                task.pass_threshold, **kw).score_percent
            except Exception:  # noqa: BLE001 - an old evaluator may not take a new answer
                c["evaluator_error"] += 1
                continue
            expect = row["expect"]
            c["correct_below_100"] += expect == "correct" and s < 100
            c["wrong_above_0"] += expect == "wrong" and s > 0
            c["wrong_passing"] += expect == "wrong" and s >= (task.pass_threshold or 100)
            c["partial_off_band"] += expect == "partial" and not 0 < s < 100
    keys = ["rows", "correct", "wrong", "partial", "correct_below_100", "wrong_above_0",
            "wrong_passing", "partial_off_band", "task_unknown", "evaluator_error"]
    total: collections.Counter[str] = collections.Counter()
    print("experiment".ljust(26) + "".join(k.rjust(19) for k in keys))
    for eid, c in sorted(per.items()):
        total.update(c)
        print(eid.ljust(26) + "".join(str(c[k]).rjust(19) for k in keys))
    print("total".ljust(26) + "".join(str(total[k]).rjust(19) for k in keys))


if __name__ == "__main__":
    main()
