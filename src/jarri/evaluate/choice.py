"""Multiple choice and logic answers: one option from a closed set, no hedging."""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.normalise import first_line, normalise
from jarri.evaluate.report import Check, EvalReport, build_report

_LETTER = re.compile(r"^\(?([A-Za-z])(?:[).:\s]|$)")


def mcq_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("answer"), str) \
            or not re.fullmatch(r"[A-Za-z]", gt["answer"]):
        return ["mcq needs ground truth {answer: one letter, options: {letter: text} (optional)}"]
    return []


def evaluate_mcq(answer: str, gt: Any, params: dict[str, Any], threshold: float) -> EvalReport:
    """The first line must start with one option letter ('B', '(B)', 'B)', 'Answer: B'), or
    be exactly one option's text."""
    line = normalise(first_line(answer)).upper()
    m = _LETTER.match(line)
    options = {k.upper(): normalise(str(v)) for k, v in (gt.get("options") or {}).items()}
    got = m.group(1) if m else next((k for k, v in options.items()
                                     if v and normalise(first_line(answer)) == v), None)
    present = Check("choice_present", got is not None, weight=0.0,
                    detail=f"first line: {first_line(answer)[:80]!r}")
    correct = Check("choice_correct", got == gt["answer"].upper(),
                    detail=f"expected {gt['answer'].upper()}, got {got}")
    if not answer.strip():
        return build_report([present, correct], pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    if got is None:
        return build_report([present, correct], pass_threshold=threshold, extracted=None,
                            failure_stage="format", failure_type="format_violation")
    return build_report([present, correct], pass_threshold=threshold, extracted=got,
                        failure_stage="semantic", failure_type="wrong_answer")


def logic_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("answer"), str) \
            or not isinstance(gt.get("choices"), list) or gt["answer"] not in gt["choices"]:
        return ["logic needs ground truth {answer: text, choices: [text, ...] including it}"]
    return []


def evaluate_logic(answer: str, gt: Any, params: dict[str, Any], threshold: float) -> EvalReport:
    """A verdict from a closed set (e.g. yes/no/cannot be determined). Naming two different
    verdicts on the first line is an inconsistency, not a lucky hit."""
    line = normalise(first_line(answer))
    choices = [normalise(c) for c in gt["choices"]]
    # Longest choices first, each masked once found, so "cannot be determined" does not
    # also count as "no" and "not true" not also as "true" (whole words only).
    named, rest = [], line
    for c in sorted(choices, key=len, reverse=True):
        pattern = re.compile(rf"(?<![a-z]){re.escape(c)}(?![a-z])")
        if pattern.search(rest):
            named.append(c)
            rest = pattern.sub(" ", rest)
    present = Check("verdict_present", bool(named), weight=0.0, detail=f"first line: {line[:80]!r}")
    consistent = Check("single_verdict", len(named) <= 1, weight=0.0,
                       detail=f"verdicts named: {named}")
    correct = Check("verdict_correct", named == [normalise(gt["answer"])],
                    detail=f"expected {gt['answer']!r}")
    checks = [present, consistent, correct]
    if not answer.strip():
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    if not named:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="format", failure_type="format_violation")
    return build_report(checks, pass_threshold=threshold, extracted=", ".join(named),
                        failure_stage="semantic", failure_type="logic_error")
