"""Evaluator registry: a plain name -> (version, function, validator) dict.

The version is recorded in every run (``name@version``); bump it whenever a change could
alter any score, so old and new scores are never mixed silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jarri.evaluate import code, constraints, exact, facts, json_fields, logic, mcq, numeric
from jarri.evaluate.report import EvalReport

# evaluate(answer, ground_truth, params, pass_threshold, *, prompt="", prefill="") -> report.
# ``prompt`` is the task's prompt (numbers restated from it are not answers); ``prefill`` is
# text the backend's prompt template already put in the model's mouth (e.g. "Answer:").
EvalFn = Callable[..., EvalReport]
CheckFn = Callable[[dict[str, Any], Any], list[str]]


@dataclass(frozen=True)
class Evaluator:
    name: str
    version: str
    evaluate: EvalFn
    problems: CheckFn
    checks: tuple[str, ...] = ()  # the checks it reports, for the task registry

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


EVALUATORS: dict[str, Evaluator] = {
    "exact": Evaluator("exact", "4", exact.evaluate_exact, exact.exact_problems,
                       ("answer_present", "answer_matches")),
    "numeric": Evaluator("numeric", "5", numeric.evaluate_numeric, numeric.numeric_problems,
                         ("number_present", "value_correct", "unit_correct (when a unit is set)")),
    "mcq": Evaluator("mcq", "3", mcq.evaluate_mcq, mcq.mcq_problems,
                     ("choice_present", "choice_correct")),
    "logic": Evaluator("logic", "4", logic.evaluate_logic, logic.logic_problems,
                       ("verdict_present", "single_verdict", "verdict_correct")),
    "facts": Evaluator("facts", "3", facts.evaluate_facts, facts.facts_problems,
                       ("has:<fact> per required fact", "no_wrong_claim")),
    "json_fields": Evaluator("json_fields", "4", json_fields.evaluate_json,
                             json_fields.json_problems,
                             ("json_object", "field:<name> per field")),
    "constraints": Evaluator("constraints", "4", constraints.evaluate_constraints,
                             constraints.constraints_problems,
                             ("uses:<word>", "on_topic", "bullet_count", "sentence_count",
                              "numbered", "right_subject", "max_words", "min_words", "max_chars",
                              "avoids:<word>")),
    "code": Evaluator("code", "5", code.evaluate_code, code.code_problems,
                      ("code_present", "code_runs", "test:<name> per hidden test")),
}


def get_evaluator(name: str) -> Evaluator:
    try:
        return EVALUATORS[name]
    except KeyError:
        raise KeyError(f"unknown evaluator {name!r}; known: {', '.join(sorted(EVALUATORS))}") \
            from None


def evaluator_problems(name: str, params: dict[str, Any], ground_truth: Any) -> list[str]:
    """Problems with an evaluator reference and its ground truth (empty list = fine)."""
    ev = EVALUATORS.get(name)
    if ev is None:
        return [f"unknown evaluator '{name}' (known: {', '.join(sorted(EVALUATORS))})"]
    return ev.problems(params, ground_truth)
