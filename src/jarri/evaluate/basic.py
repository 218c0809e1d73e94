"""Simple evaluators for short answers: normalised exact match and numeric with tolerance."""

from __future__ import annotations

import math
import re
from typing import Any

from jarri.evaluate.normalise import first_line, normalise
from jarri.evaluate.report import Check, EvalReport, build_report

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _targets(ground_truth: Any) -> list[str]:
    if isinstance(ground_truth, str):
        return [ground_truth]
    answers = [ground_truth["answer"], *ground_truth.get("aliases", [])]
    return [str(a) for a in answers]


def exact_problems(params: dict[str, Any], ground_truth: Any) -> list[str]:
    if isinstance(ground_truth, str) and ground_truth.strip():
        return []
    if isinstance(ground_truth, dict) and isinstance(ground_truth.get("answer"), str | int):
        aliases = ground_truth.get("aliases", [])
        if isinstance(aliases, list) and all(isinstance(a, str | int) for a in aliases):
            return []
    return ["exact needs ground truth \"text\" or {answer: text, aliases: [text, ...]}"]


def evaluate_exact(answer: str, ground_truth: Any, params: dict[str, Any],
                   pass_threshold: float) -> EvalReport:
    """The first non-empty line, normalised, must equal the answer or one of its aliases."""
    line = first_line(answer)
    got = normalise(line)
    wanted = {normalise(t) for t in _targets(ground_truth)}
    non_empty = Check("answer_present", bool(got), weight=0.0, detail=f"first line: {line[:120]!r}")
    match = Check("answer_matches", got in wanted,
                  detail=f"expected one of {sorted(wanted)}, got {got[:120]!r}")
    if not got:
        return build_report([non_empty, match], pass_threshold=pass_threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    return build_report([non_empty, match], pass_threshold=pass_threshold, extracted=line,
                        failure_stage="semantic", failure_type="wrong_answer")


def numeric_problems(params: dict[str, Any], ground_truth: Any) -> list[str]:
    if not isinstance(ground_truth, dict) or not isinstance(ground_truth.get("value"), int | float):
        return ["numeric needs ground truth {value: number, tolerance: number (optional), "
                "unit: text (optional), unit_aliases: [text] (optional)}"]
    tol = ground_truth.get("tolerance", 0)
    if not isinstance(tol, int | float) or tol < 0 or not math.isfinite(tol):
        return ["numeric: 'tolerance' must be a finite number >= 0"]
    if "unit" in ground_truth and not isinstance(ground_truth["unit"], str):
        return ["numeric: 'unit' must be text"]
    return []


_UNIT_AFTER = re.compile(r"^\s*([A-Za-zµ°%/²³]+(?:/[A-Za-z]+)?)")


def _unit_after_number(line: str) -> str | None:
    """The unit written right after the graded number, if any ("4500 m" -> "m")."""
    if "=" in line:
        line = line.rsplit("=", 1)[1]
    m = _NUMBER.search(line)
    if m is None:
        return None
    u = _UNIT_AFTER.match(line[m.end():])
    return u.group(1) if u else None


def extract_number(text: str) -> float | None:
    """The number the first non-empty line states: after its last '=' if it shows working
    ("7 + 5 = 12"), else its first number (thousands separators allowed)."""
    line = first_line(text)
    if "=" in line:
        line = line.rsplit("=", 1)[1]
    m = _NUMBER.search(line)
    if m is None:
        return None
    try:
        return float(m.group(0).replace(",", ""))
    except ValueError:
        return None


def evaluate_numeric(answer: str, ground_truth: Any, params: dict[str, Any],
                     pass_threshold: float) -> EvalReport:
    value = float(ground_truth["value"])
    tol = float(ground_truth.get("tolerance", 0))
    got = extract_number(answer)
    present = Check("number_present", got is not None, weight=0.0,
                    detail=f"first line: {first_line(answer)[:120]!r}")
    correct = Check("value_correct", got is not None and abs(got - value) <= tol,
                    detail=f"expected {value:g} ± {tol:g}, got "
                           f"{'no number' if got is None else f'{got:g}'}")
    if not answer.strip():
        return build_report([present, correct], pass_threshold=pass_threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    checks = [present, correct]
    unit_ok = True
    if "unit" in ground_truth:
        # Lenient when no unit is written; strict when a different one is.
        wanted = {ground_truth["unit"].casefold(),
                  *(a.casefold() for a in ground_truth.get("unit_aliases", []))}
        written = _unit_after_number(first_line(answer))
        unit_ok = written is None or written.casefold() in wanted
        checks.append(Check("unit_correct", got is not None and unit_ok,
                            detail=f"expected {ground_truth['unit']!r} (or none), got {written!r}"))
    if got is None:
        return build_report(checks, pass_threshold=pass_threshold, extracted=None,
                            failure_stage="parse", failure_type="parse_failure")
    return build_report(checks, pass_threshold=pass_threshold,
                        extracted=f"{got:g}", failure_stage="semantic",
                        failure_type="arithmetic_error" if not correct.passed or unit_ok
                        else "unit_error")
