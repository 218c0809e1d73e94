"""Required and forbidden facts in free text (knowledge answers, short summaries).

A required fact is found when one of its aliases is mentioned and not negated. A forbidden
fact is a wrong claim (a wrong person, a wrong colour): mentioned without negation before
the answer is complete, it makes the answer wrong as a whole (score 0), because an answer
that commits to a wrong claim is not partly right. With ``other_years_wrong``, any year
(1000-2999) the answer commits to that is not a required one is such a claim too ("1969 or
1970"; "Apollo 11" is not a year). With the protocol, only the ``Answer:`` line is graded;
without it, the whole reply.
"""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.exact import _PARENS, mentions
from jarri.evaluate.language import SECONDARY, after_retraction, negated, refusal, sentences
from jarri.evaluate.normalise import fold
from jarri.evaluate.numbers import numbers, readable
from jarri.evaluate.protocol import short_answer
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report


def _aliases(item: Any) -> list[str]:
    return [str(a) for a in item] if isinstance(item, list) else [str(item)]


def _committed(text: str, alias: str, *, claim: bool = False, full: str = "") -> bool:
    return any(not negated(text, m.start(), m.end())
               and not (claim and SECONDARY.search(text[:m.start()]))
               for m in mentions(text, alias, full))


def _wrong_claims(text: str, gt: dict[str, Any]) -> list[str]:
    """Wrong claims made before every required fact was stated: once the answer is complete,
    later sentences are explanation ("red, green and blue; red and green make yellow")."""
    allowed = {float(a) for f in gt["required"] for a in _aliases(f)
               if re.fullmatch(r"-?\d+(?:\.\d+)?", a)}
    wrong: list[str] = []
    said: set[int] = set()
    for sentence in sentences(text) or [text]:
        if len(said) == len(gt["required"]):
            break
        wrong += [a for f in gt.get("forbidden", []) for a in _aliases(f)
                  if _committed(sentence, a, claim=True)]
        # "Louis Armstrong" for "Neil Armstrong": somebody else of that name
        wrong += [f"another {a}" for f in gt["required"] for a in _aliases(f)[1:]
                  if len(mentions(sentence, a)) > len(mentions(sentence, a, _aliases(f)[0]))]
        if gt.get("other_years_wrong"):
            wrong += [n.text for n in numbers(sentence)
                      if 1000 <= n.value < 3000 and n.value == int(n.value)
                      and n.value not in allowed and not negated(sentence, n.start, n.end)]
        said |= {i for i, f in enumerate(gt["required"])
                 if any(_committed(sentence, a, full=_aliases(f)[0]) for a in _aliases(f))}
    return wrong


def facts_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("required"), list) or not gt["required"]:
        return ["facts needs ground truth {required: [fact or [aliases]], forbidden: [...], "
                "other_years_wrong: bool}"]
    return []


def evaluate_facts(answer: str, gt: Any, params: dict[str, Any], threshold: float, *,
                   prompt: str = "", prefill: str = "") -> EvalReport:
    reply = prepare(answer)
    sa = short_answer(reply, prefill=prefill)
    graded = sa.segments[0] if sa.source == "protocol" and sa.segments else reply.text
    # folded line by line, so that a line break still ends a sentence; asides in brackets are
    # not claims
    raw = readable(after_retraction(graded))
    text = "\n".join(fold(ln) for ln in raw.splitlines())
    # asides in brackets are not claims; fold after removing them (it strips edge brackets)
    claims = "\n".join(fold(ln) for ln in _PARENS.sub(" ", raw).splitlines())
    checks = [Check(f"has:{_aliases(f)[0]}",
                    any(_committed(text, a, full=_aliases(f)[0]) for a in _aliases(f)),
                    detail=f"any of {_aliases(f)}") for f in gt["required"]]
    wrong = _wrong_claims(claims, gt)
    checks.append(Check("no_wrong_claim", not wrong, weight=0.0,
                        detail=f"wrong claims: {wrong}" if wrong else "no known wrong claim"))
    fmt = list(sa.violations)
    found = sum(c.passed for c in checks if c.name.startswith("has:"))
    if reply.empty:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if found < len(gt["required"]) and refusal(reply.text):
        return build_report(checks, pass_threshold=threshold, extracted=None, void=True,
                            failure_stage="semantic", failure_type="refusal",
                            format_violations=fmt)
    return build_report(checks, pass_threshold=threshold, extracted=graded[:2000],
                        void=bool(wrong), failure_stage="semantic",
                        failure_type="hallucinated_fact" if wrong else "missing_fact",
                        format_violations=fmt)
