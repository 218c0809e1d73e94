"""Multiple choice and logic answers: one option from a closed set, no hedging."""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.normalise import first_line, normalise, strip_fence
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
    ok = isinstance(gt, dict) and isinstance(gt.get("choices"), list)
    answers = (gt.get("answers") or ([gt["answer"]] if "answer" in gt else [])) if ok else []
    if not ok or not answers or any(a not in gt["choices"] for a in answers):
        return ["logic needs ground truth {answer: text (or answers: [text, ...] for several "
                "questions), choices: [text, ...] including them}"]
    return []


def _verdicts(line: str, choices: list[str]) -> list[str]:
    # Longest choices first, each masked once found, so "cannot be determined" does not
    # also count as "no" and "not true" not also as "true" (whole words only).
    named, rest = [], normalise(line)
    for c in sorted(choices, key=len, reverse=True):
        pattern = re.compile(rf"(?<![a-z]){re.escape(c)}(?![a-z])")
        if pattern.search(rest):
            named.append(c)
            rest = pattern.sub(" ", rest)
    return named


def evaluate_logic(answer: str, gt: Any, params: dict[str, Any], threshold: float) -> EvalReport:
    """One verdict from a closed set per question, one question per line (e.g. yes / no /
    cannot be determined). Naming two different verdicts on a line is an inconsistency, not
    a lucky hit; each question is one check."""
    wanted = [normalise(a) for a in (gt.get("answers") or [gt["answer"]])]
    choices = [normalise(c) for c in gt["choices"]]
    lines = [ln for ln in strip_fence(answer).splitlines() if ln.strip()][: len(wanted)]
    checks: list[Check] = []
    found: list[str] = []
    inconsistent = False
    for i, want in enumerate(wanted):
        named = _verdicts(lines[i], choices) if i < len(lines) else []
        inconsistent |= len(named) > 1
        found.append(", ".join(named) or "-")
        tag = "" if len(wanted) == 1 else f"_{i + 1}"
        checks.append(Check(f"verdict_correct{tag}", named == [want],
                            detail=f"expected {want!r}, named {named}"))
    present = Check("verdict_present", any(f != "-" for f in found), weight=0.0,
                    detail=f"first line: {first_line(answer)[:80]!r}")
    consistent = Check("single_verdict", not inconsistent, weight=0.0,
                       detail="one verdict per line" if not inconsistent
                       else "several verdicts on one line")
    checks = [present, consistent, *checks]
    if not answer.strip():
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    if not present.passed:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="format", failure_type="format_violation")
    return build_report(checks, pass_threshold=threshold, extracted=" | ".join(found),
                        failure_stage="semantic", failure_type="logic_error")
