"""Numeric answers: the committed number, within tolerance, in the asked unit.

In the graded segment: number words are digits and a date is its year (numbers.py); after the
last retraction marker and after the last "=" when working is shown; numbers that are negated
("not 1945") are not committed; numbers restated from the question are passed over when
another number is there ("3 hours is 180 minutes" -> 180). Two different committed numbers
offered as alternatives ("10 or 15", "10-15") are a hedge: wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from jarri.evaluate.exact import _PARENS
from jarri.evaluate.language import HEDGE, after_retraction, echoes, negated, refusal
from jarri.evaluate.numbers import Number, numbers, readable, unit_after, unit_kind
from jarri.evaluate.protocol import short_answer
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report

_RANGE = re.compile(r"\d\s*(?:-|to|–)\s*-?\d")


def numeric_problems(params: dict[str, Any], ground_truth: Any) -> list[str]:
    if not isinstance(ground_truth, dict) or not isinstance(ground_truth.get("value"), int | float):
        return ["numeric needs ground truth {value: number, tolerance: number (optional), "
                "unit: text (optional), unit_aliases: [text] (optional)}"]
    tol = ground_truth.get("tolerance", 0)
    if not isinstance(tol, int | float) or tol < 0 or not math.isfinite(tol):
        return ["numeric: 'tolerance' must be a finite number >= 0"]
    if "unit" in ground_truth and not isinstance(ground_truth["unit"], str):
        return ["numeric: 'unit' must be text"]
    if params.get("wrong_type", "wrong_answer") not in ("wrong_answer", "arithmetic_error"):
        return ["numeric: evaluator_params.wrong_type is wrong_answer or arithmetic_error"]
    return []


def committed_number(segment: str, prompt_values: set[float],
                     in_unit: Callable[[str, Number], bool] | None = None) -> tuple[
        Number | None, str, str]:
    """(the committed number or None, the text it was read from, why). ``in_unit``: whether
    a number is written in the asked unit; the first that is wins ("At 1 atm, 100 °C")."""
    text = after_retraction(readable(segment))
    bare = _PARENS.sub(" ", text)  # "4500 m (since 1 km = 1000 m)": the aside is working
    if numbers(bare):
        text = bare
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    found = numbers(text)
    if not found:
        return None, text, "no number"
    kept = [n for n in found if not negated(text, n.start, n.end)]
    if not kept:
        return None, text, "every number in it is negated"
    fresh = [n for n in kept if n.value not in prompt_values] or kept
    if len({n.value for n in fresh}) > 1 and (HEDGE.search(text) or _RANGE.search(text)):
        return None, text, "offers several numbers as alternatives"
    if in_unit is not None:
        return next((n for n in fresh if in_unit(text, n)), fresh[0]), text, "committed"
    return fresh[0], text, "committed"


def extract_number(answer: str, prompt: str = "") -> float | None:
    """The committed number of a reply (for tests and ``jarri grade``)."""
    sa = short_answer(prepare(answer))
    pv = {n.value for n in numbers(readable(prompt))}
    for seg in sa.segments:
        num, _, why = committed_number(seg, pv)
        if num is not None:
            return num.value
        if why != "no number":
            return None
    return None


def evaluate_numeric(answer: str, ground_truth: Any, params: dict[str, Any],
                     pass_threshold: float, *, prompt: str = "", prefill: str = "") -> EvalReport:
    value = float(ground_truth["value"])
    tol = float(ground_truth.get("tolerance", 0))
    reply = prepare(answer)
    sa = short_answer(reply, prefill=prefill)
    prompt_values = {n.value for n in numbers(readable(prompt))}
    num: Number | None = None
    read, why, segment = "", "no number found", None
    in_unit = None
    if "unit" in ground_truth:
        def in_unit(text: str, n: Number) -> bool:
            um = unit_after(text, n, ground_truth["unit"], ground_truth.get("unit_aliases", []),
                            prompt)
            return um.written is not None and um.same
    for seg in sa.segments if not echoes(reply.text, prompt) else ():
        num, read, why = committed_number(seg, prompt_values, in_unit)
        if num is not None or why != "no number":
            segment = seg
            break
    got = num.value if num is not None else None
    correct = got is not None and abs(got - value) <= tol
    present = Check("number_present", got is not None, weight=0.0,
                    detail=f"graded: {segment[:160]!r} ({sa.source}): {why}" if segment
                    else why)
    checks = [present, Check("value_correct", correct,
                             detail=f"expected {value:g} ± {tol:g}, got "
                                    f"{'no number' if got is None else f'{got:g}'}")]
    fmt = list(sa.violations)
    unit_ok = True
    if "unit" in ground_truth:
        # Correct content in another spelling is correct; no unit at all is a format fault;
        # a different unit of the same kind ("4500 km" for metres) is a unit error. The unit
        # only earns its points on the right number.
        um = unit_after(read, num, ground_truth["unit"], ground_truth.get("unit_aliases", []),
                        prompt) if num is not None else None
        unit_ok = um is None or um.written is None or um.same
        # A bare count ("48" eggs) is how people answer; a bare measure is not.
        if um is not None and um.written is None and unit_kind(ground_truth["unit"]) != "count":
            fmt.append("unit_missing")
        checks.append(Check("unit_correct", correct and unit_ok,
                            detail=f"expected {ground_truth['unit']!r}, wrote "
                                   f"{um.written if um else None!r}"))
    if reply.empty:
        return build_report(checks, pass_threshold=pass_threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if not correct and refusal(reply.text):
        return build_report(checks, pass_threshold=pass_threshold, extracted=None,
                            failure_stage="semantic", failure_type="refusal",
                            format_violations=fmt)
    if got is None:
        stage, ftype = ("parse", "parse_failure") if why == "no number" else \
            ("semantic", "wrong_answer")
        return build_report(checks, pass_threshold=pass_threshold, extracted=segment,
                            failure_stage=stage, failure_type=ftype, format_violations=fmt)
    ftype = "unit_error" if correct and not unit_ok else params.get("wrong_type",
                                                                     "wrong_answer")
    return build_report(checks, pass_threshold=pass_threshold, extracted=f"{got:g}",
                        failure_stage="semantic", failure_type=ftype, format_violations=fmt)
