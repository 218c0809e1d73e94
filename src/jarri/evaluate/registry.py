"""Evaluator registry: a plain name -> (version, function, validator) dict.

The version is recorded in every run (``name@version``); bump it whenever a change could
alter any score, so old and new scores are never mixed silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jarri.evaluate import basic, choice, code, facts, structured
from jarri.evaluate.report import EvalReport

EvalFn = Callable[[str, Any, dict[str, Any], float], EvalReport]
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
    "exact": Evaluator("exact", "1", basic.evaluate_exact, basic.exact_problems,
                       ("answer_present", "answer_matches")),
    "numeric": Evaluator("numeric", "2", basic.evaluate_numeric, basic.numeric_problems,
                         ("number_present", "value_correct", "unit_correct (when a unit is set)")),
    "mcq": Evaluator("mcq", "1", choice.evaluate_mcq, choice.mcq_problems,
                     ("choice_present", "choice_correct")),
    "logic": Evaluator("logic", "1", choice.evaluate_logic, choice.logic_problems,
                       ("verdict_present", "single_verdict", "verdict_correct")),
    "facts": Evaluator("facts", "1", facts.evaluate_facts, facts.facts_problems,
                       ("has:<fact> per required fact", "avoids:<fact> per forbidden fact")),
    "json_fields": Evaluator("json_fields", "1", structured.evaluate_json,
                             structured.json_problems,
                             ("json_object", "field:<name> per field", "no_extra_fields")),
    "constraints": Evaluator("constraints", "1", structured.evaluate_constraints,
                             structured.constraints_problems,
                             ("uses:<word>", "bullet_count", "sentence_count", "max_words",
                              "min_words", "max_chars", "avoids:<word>")),
    "code": Evaluator("code", "1", code.evaluate_code, code.code_problems,
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
