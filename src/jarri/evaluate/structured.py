"""JSON extraction against expected fields, and constraint checks on free text."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from jarri.evaluate.normalise import normalise, strip_fence
from jarri.evaluate.report import Check, EvalReport, build_report


def extract_json(answer: str) -> Any:
    """The JSON object in the answer: fenced, whole, or the first {...} that parses."""
    for candidate in (strip_fence(answer).strip(), answer.strip()):
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    start = answer.find("{")
    while start != -1:
        depth = 0
        for i in range(start, len(answer)):
            depth += {"{": 1, "}": -1}.get(answer[i], 0)
            if depth == 0:
                try:
                    return json.loads(answer[start:i + 1])
                except ValueError:
                    break
        start = answer.find("{", start + 1)
    raise ValueError("no JSON object found")


def json_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("fields"), dict) or not gt["fields"]:
        return ["json_fields needs ground truth {fields: {name: expected}, allow_extra: bool}"]
    return []


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, dict) and "value" in want and "tolerance" in want:
        return isinstance(got, int | float) and not isinstance(got, bool) and \
            math.isfinite(got) and abs(got - want["value"]) <= want["tolerance"]
    if isinstance(want, str):
        return isinstance(got, str) and normalise(got) == normalise(want)
    if isinstance(want, bool) or want is None:
        return got is want
    if isinstance(want, int | float):
        return isinstance(got, int | float) and not isinstance(got, bool) and got == want
    return bool(got == want)


def evaluate_json(answer: str, gt: Any, params: dict[str, Any], threshold: float) -> EvalReport:
    fields: dict[str, Any] = gt["fields"]
    try:
        obj = extract_json(answer)
        parsed = isinstance(obj, dict)
    except ValueError:
        obj, parsed = None, False
    checks = [Check("json_object", parsed, weight=0.0,
                    detail="a JSON object was found" if parsed else "no JSON object found")]
    for name, want in fields.items():
        got = obj.get(name) if parsed else None
        checks.append(Check(f"field:{name}", parsed and name in obj and _same(got, want),
                            detail=f"expected {want!r}, got {got!r}"))
    if not gt.get("allow_extra", True):
        extra = sorted(set(obj) - set(fields)) if parsed else []
        some_right = any(c.passed for c in checks[1:])  # a tidy but wrong object earns nothing
        checks.append(Check("no_extra_fields", parsed and not extra and some_right,
                            detail=f"extra: {extra}"))
    if not answer.strip():
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    if not parsed:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="parse", failure_type="parse_failure")
    return build_report(checks, pass_threshold=threshold,
                        extracted=json.dumps(obj, sort_keys=True)[:2000],
                        failure_stage="semantic", failure_type="wrong_answer")


_WORD = re.compile(r"[A-Za-z0-9']+")


def constraints_problems(params: dict[str, Any], gt: Any) -> list[str]:
    known = {"min_words", "max_words", "sentences", "bullets", "required_words",
             "banned_words", "max_chars"}
    if not isinstance(gt, dict) or not gt or set(gt) - known:
        return [f"constraints needs ground truth with keys from {sorted(known)}"]
    if not gt.get("required_words") and not gt.get("bullets") and not gt.get("sentences"):
        return ["constraints needs content to check (required_words, bullets or sentences): "
                "length limits alone would give points to 'hello'"]
    return []


def evaluate_constraints(answer: str, gt: Any, params: dict[str, Any],
                         threshold: float) -> EvalReport:
    text = strip_fence(answer).strip()
    words = _WORD.findall(text)
    lower = {w.lower() for w in words}
    bullets = [ln for ln in text.splitlines() if re.match(r"^\s*([-*•]|\d+[.)])\s+\S", ln)]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if _WORD.search(s)]
    checks = [Check(f"uses:{w}", w.lower() in lower, detail=f"word {w!r}")
              for w in gt.get("required_words", [])]
    # Shape checks count only once some required word is there ("hello" is one sentence).
    on_topic = bool(text) and (not checks or any(c.passed for c in checks))
    if "bullets" in gt:
        checks.append(Check("bullet_count", on_topic and len(bullets) == gt["bullets"],
                            detail=f"{len(bullets)} bullets, want {gt['bullets']}"))
    if "sentences" in gt:
        checks.append(Check("sentence_count", on_topic and len(sentences) == gt["sentences"],
                            detail=f"{len(sentences)} sentences, want {gt['sentences']}"))
    has_content = bool(text) and any(c.passed for c in checks)
    # Limits only count once the answer has some of the required content.
    if "max_words" in gt:
        checks.append(Check("max_words", has_content and len(words) <= gt["max_words"],
                            detail=f"{len(words)} words, max {gt['max_words']}"))
    if "min_words" in gt:
        checks.append(Check("min_words", has_content and len(words) >= gt["min_words"],
                            detail=f"{len(words)} words, min {gt['min_words']}"))
    if "max_chars" in gt:
        checks.append(Check("max_chars", has_content and len(text) <= gt["max_chars"],
                            detail=f"{len(text)} chars, max {gt['max_chars']}"))
    for w in gt.get("banned_words", []):
        checks.append(Check(f"avoids:{w}", has_content and w.lower() not in lower,
                            detail=f"banned word {w!r}"))
    if not text:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    return build_report(checks, pass_threshold=threshold, extracted=text[:2000],
                        failure_stage="constraint", failure_type="constraint_violation")
