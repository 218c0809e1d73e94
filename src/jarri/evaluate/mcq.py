"""Multiple choice: one committed option ("B", "(B)", "Option B", "I think it is B", or the
option's text); two different options offered is a hedge, not a lucky hit."""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.language import (
    HEDGE,
    after_retraction,
    negated,
    refusal,
    sentences,
    words,
)
from jarri.evaluate.normalise import fold
from jarri.evaluate.protocol import short_answer
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report


def mcq_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("answer"), str) \
            or not re.fullmatch(r"[A-Za-z]", gt["answer"]):
        return ["mcq needs ground truth {answer: one letter, options: {letter: text} (optional)}"]
    return []


def _letters_in(sentence: str, letters: set[str]) -> list[tuple[str, int, int]]:
    """Option letters a sentence names, with positions: "(B)", "B)", "option b", "is B", a
    lone capital "B". A capital "A" before a lower-case word is the article, not option A."""
    bare = sentence.strip().strip("\"'`*_()[]{}.,:;!? ")
    if len(bare) == 1 and bare.upper() in letters:
        return [(bare.upper(), 0, len(sentence))]
    found: list[tuple[str, int, int]] = []
    pats = [r"\(([A-Za-z])\)", r"^\s*([A-Za-z])\s*[).:\]]",
            r"\b(?:option|choice|letter|answer)\s*(?:is\s*)?:?\s*\(?([A-Za-z])\b",
            r"(?<![\w'’])([A-Z])(?![\w'’])"]
    for p in pats:
        for m in re.finditer(p, sentence, re.I if p != pats[-1] else 0):
            letter = m.group(1).upper()
            if letter not in letters:
                continue
            if p == pats[-1] and letter == "A" and re.match(
                    r"\s+(?!(?:or|and|nor|vs|is|was|seems|then|maybe)\b)[a-z]",
                    sentence[m.end(1):]):
                continue  # the article
            found.append((letter, m.start(1), m.end(1)))
    return found


def _option_choice(sentence: str, letters: set[str], options: dict[str, str],
                   aliases: dict[str, list[str]]) -> tuple[str | None, str]:
    named = [(ltr, s) for ltr, s, e in _letters_in(sentence, letters)
             if not negated(sentence, s, e)]
    if named:
        distinct = sorted({ltr for ltr, _ in named})
        for ltr, text in options.items():  # "B (Oxygen)": the letter and the text disagree
            p = re.escape(text)
            if ltr not in distinct and re.search(
                    rf"(?<![\w]){distinct[0]}\s*[).:\]\-–]?\s*\(?\s*{p}\b", sentence, re.I):
                return None, f"letter {distinct[0]} with the text of option {ltr}"
        return (distinct[0], "names it") if len(distinct) == 1 else (
            None, f"names several options {distinct}")
    t = fold(sentence)
    texts = []
    for ltr, text in options.items():
        for name in [text, *aliases.get(ltr, [])]:
            p = fold(name)
            for m in re.finditer(rf"(?<!\w){re.escape(p)}(?!\w)", t) if p else []:
                if not negated(t, m.start(), m.end()):
                    texts.append((m.start(), ltr))
    distinct = sorted({ltr for _, ltr in texts})
    if not distinct:
        return None, ""
    if len(distinct) > 1 and HEDGE.search(t):
        return None, f"offers several options {distinct}"
    return min(texts)[1], "names its text"


def evaluate_mcq(answer: str, gt: Any, params: dict[str, Any], threshold: float, *,
                 prompt: str = "", prefill: str = "") -> EvalReport:
    """Protocol ``Answer: B``; leniently any committed letter or option text."""
    reply = prepare(answer)
    sa = short_answer(reply, prefill=prefill)
    options = {k.upper(): str(v) for k, v in (gt.get("options") or {}).items()}
    aliases = {k.upper(): [str(a) for a in v] for k, v in (gt.get("option_aliases") or {}).items()}
    letters = set(options) or {chr(c) for c in range(ord("A"), ord("E"))}
    letters.add(gt["answer"].upper())
    got: str | None = None
    why, segment = "no option named", None
    for seg in sa.segments:
        seg = after_retraction(seg, keep_no=True)
        for sentence in sentences(seg) or [seg]:
            choice, reason = _option_choice(sentence, letters, options, aliases)
            if choice is not None or reason:
                got, why, segment = choice, reason, seg
                break
        if segment is not None:
            break
    present = Check("choice_present", segment is not None, weight=0.0,
                    detail=f"graded: {segment[:120]!r} ({sa.source}): {why}" if segment else why)
    correct = Check("choice_correct", got == gt["answer"].upper(),
                    detail=f"expected {gt['answer'].upper()}, got {got}")
    fmt = list(sa.violations)
    if sa.source == "protocol" and segment is not None and len(words(segment)) > 6:
        fmt.append("answer_not_bare")
    checks = [present, correct]
    if reply.empty:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if got != gt["answer"].upper() and refusal(reply.text):
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="semantic", failure_type="refusal",
                            format_violations=fmt)
    if segment is None:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="format", failure_type="format_violation",
                            format_violations=fmt)
    return build_report(checks, pass_threshold=threshold, extracted=got or segment[:200],
                        failure_stage="semantic", failure_type="wrong_answer",
                        format_violations=fmt)


