"""Required and forbidden facts in free text (knowledge, prose summaries)."""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.normalise import normalise
from jarri.evaluate.report import Check, EvalReport, build_report


def _aliases(item: Any) -> list[str]:
    return [str(a) for a in item] if isinstance(item, list) else [str(item)]


def _mentions(text: str, alias: str) -> bool:
    a = normalise(alias)
    return bool(a) and re.search(rf"(?<![\w]){re.escape(a)}(?![\w])", text) is not None


def facts_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("required"), list) or not gt["required"]:
        return ["facts needs ground truth {required: [fact or [aliases]], forbidden: [...]}"]
    return []


def evaluate_facts(answer: str, gt: Any, params: dict[str, Any], threshold: float) -> EvalReport:
    """One check per required fact (any alias, whole words, case-insensitive); each forbidden
    fact present (a known wrong claim) costs as much as a required one."""
    text = normalise(answer)
    checks = [Check(f"has:{_aliases(f)[0]}", any(_mentions(text, a) for a in _aliases(f)),
                    detail=f"any of {_aliases(f)}") for f in gt["required"]]
    checks += [Check(f"avoids:{_aliases(f)[0]}", not any(_mentions(text, a) for a in _aliases(f)),
                     detail=f"none of {_aliases(f)}") for f in gt.get("forbidden", [])]
    wrong = any(not c.passed for c in checks if c.name.startswith("avoids:"))
    found = sum(c.passed for c in checks if c.name.startswith("has:"))
    score_checks = checks if found else [
        # nothing required was said: forbidden facts avoided by saying nothing earn nothing
        Check(c.name, False if c.name.startswith("avoids:") else c.passed, c.weight, c.detail)
        for c in checks]
    if not answer.strip():
        return build_report(score_checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output")
    return build_report(score_checks, pass_threshold=threshold, extracted=None,
                        failure_stage="semantic",
                        failure_type="hallucinated_fact" if wrong else "missing_fact")
