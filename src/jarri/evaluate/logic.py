"""Verdicts (yes / no / cannot be determined), one per question: the verdict words and their
synonyms, the answer lines, numbered answers, and — where no verdict word is written — a
statement of the question's claim (proposition.py)."""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate import proposition
from jarri.evaluate.language import (
    HEDGE,
    after_retraction,
    echoes,
    negated,
    refusal,
    sentences,
)
from jarri.evaluate.normalise import fold
from jarri.evaluate.protocol import answer_lines, short_answer, strip_markdown
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report


def _after_retraction_v(text: str) -> str:
    return after_retraction(text, keep_no=True)  # "no" is a verdict here


UNDETERMINED = "cannot be determined"
# Other ways of saying the standard verdicts (only used when the task's choices are these).
VERDICT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "yes": ("yes", "yep", "yeah", "true"),
    "no": ("no", "nope", "false", "definitely not", "absolutely not", "certainly not",
           "of course not", "not at all", "by no means"),
    UNDETERMINED: (
        "neither yes nor no", "no way to be sure", "no way to be certain", "no way of knowing",
        "no way of telling", "cannot be certain", "can't be certain", "cannot conclude",
        "can't conclude", "cannot infer", "can't infer", "no basis to conclude",
        "may or may not", "might or might not", "maybe, maybe not", "maybe or maybe not",
        "unknowable", "open question", "not determined", "don't know", "do not know",
        "cannot be determined", "can't be determined", "can not be determined",
        "could not be determined", "cannot determine", "can't determine", "cannot be known",
        "can't be known", "cannot be sure", "can't be sure", "cannot tell", "can't tell",
        "cannot say", "can't say", "cannot be told", "not determinable", "undeterminable",
        "undetermined", "indeterminate", "unknown", "uncertain", "unclear",
        "not necessarily", "not enough information", "insufficient information",
        "not enough info", "not possible to tell", "not possible to say",
        "not possible to determine", "not possible to know", "impossible to tell",
        "impossible to say", "impossible to determine", "impossible to know",
        "no way to tell", "no way to know", "there is no way to know", "it depends",
        "we don't know", "we do not know", "doesn't say", "does not say",
        "not stated", "not specified"),
}


def logic_problems(params: dict[str, Any], gt: Any) -> list[str]:
    ok = isinstance(gt, dict) and isinstance(gt.get("choices"), list)
    answers = (gt.get("answers") or ([gt["answer"]] if "answer" in gt else [])) if ok else []
    if not ok or not answers or any(a not in gt["choices"] for a in answers):
        return ["logic needs ground truth {answer: text (or answers: [text, ...] for several "
                "questions), choices: [text, ...] including them}"]
    return []


def _phrases(choices: list[str]) -> list[tuple[str, str]]:
    """(phrase, choice) pairs, longest phrase first."""
    pairs = [(fold(c), c) for c in choices]
    if {fold(c) for c in choices} <= set(VERDICT_SYNONYMS):
        pairs += [(fold(p), c) for c in choices for p in VERDICT_SYNONYMS[fold(c)]]
    return sorted(set(pairs), key=lambda pc: -len(pc[0]))


def verdicts(text: str, choices: list[str]) -> list[tuple[int, str]]:
    """(position, choice) of every verdict named, longest phrases masked first so that
    "cannot be determined" is not also a "no"."""
    rest = fold(_leading_verdict(text))
    named: list[tuple[int, str]] = []
    for phrase, choice in _phrases(choices):
        pattern = re.compile(rf"(?<![\w']){re.escape(phrase)}(?![\w'])")
        for m in pattern.finditer(rest):
            if phrase == "no" and _DETERMINER.match(rest, m.end()):
                continue  # "no basis to conclude", "no evidence": a determiner
            if negated(rest, m.start(), m.end()):
                continue  # "I wouldn't say yes", "I wouldn't call this undeterminable"
            named.append((m.start(), choice))
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    return sorted(named)


# After "no", these start a clause: "No it is not", "No, because". Any other word makes "no"
# a determiner ("no basis", "no evidence", "no reason").
_DETERMINER = re.compile(
    r"\s+(?!(?:it|he|she|they|we|i|you|that|this|there|because|since|as|not|never|"
    r"definitely|certainly|but|and|so|the|a|an|one)\b)[a-z]", re.I)
# A sentence opened by one of these gives its verdict ("Absolutely.", "Definitely not —").
_LEADING = [(re.compile(r"(?m)^(\W*)(?:definitely|absolutely|certainly|of course|indeed|"
                        r"correct|that['’]s (?:right|correct)|that is (?:right|correct))\s+not\b",
                        re.I), r"\1No, "),
            (re.compile(r"(?m)^(\W*)(?:(?:that['’]s|that is|it['’]s|it is)\s+)?impossible\b"
                        r"(?!\s+to\b)", re.I), r"\1No, "),
            (re.compile(r"(?m)^(\W*)(?:definitely|absolutely|certainly|of course|indeed|"
                        r"correct|that['’]s (?:right|correct)|that is (?:right|correct))\b"
                        r"(?=\s*[.,;:!—–-])", re.I), r"\1Yes")]


def _leading_verdict(text: str) -> str:
    for pattern, verdict in _LEADING:
        text = pattern.sub(verdict, text)
    return text


def _one_verdict(segment: str, choices: list[str]) -> tuple[str | None, str]:
    seg = _after_retraction_v(segment)
    found = verdicts(seg, choices)
    if not found:
        return None, ""
    kinds = {c for _, c in found}
    folded = {fold(c): c for c in choices}
    if UNDETERMINED in folded and kinds == {folded.get("no"), folded[UNDETERMINED]}:
        # "No, it cannot be determined": the "no" refuses the question's claim.
        return folded[UNDETERMINED], "cannot be determined"
    if len(kinds) == 1:
        return found[0][1], "one verdict"
    main = _outside_asides(seg, choices, folded.get(UNDETERMINED))
    if main is not None:
        return main, "the verdict outside its asides"
    first_sentence = next((s for s in sentences(seg) if verdicts(s, choices)), seg)
    kinds = {c for _, c in verdicts(first_sentence, choices)}
    if len(kinds) == 1 and not HEDGE.search(fold(seg)):
        return next(iter(kinds)), "the first sentence's verdict"
    return None, f"several verdicts {sorted(kinds)}"


# An aside in brackets, and a clause that only supposes ("if it had rained, the answer
# would be yes"): what they name is the reasoning, not the verdict.
_ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_CLAUSE = re.compile(r"\s[—–-]\s|[—–,;:]")
_SUPPOSES = re.compile(r"\b(?:would|could|might|if|had|were|otherwise|suppose|assuming)\b",
                       re.I)


_MAYBE = re.compile(r"\b(?:could|might|may|can)\s+(?:also\s+|well\s+)?be\b", re.I)


def _outside_asides(seg: str, choices: list[str], undetermined: str | None) -> str | None:
    """The one verdict the segment names outside its bracketed asides and its supposing
    clauses ("no (yes would contradict the premises)", "no — if it had rained, it would be
    yes"), or None. An aside may offer both answers only to explain "cannot be determined";
    one that hedges ("no (or maybe yes)") leaves the segment with several verdicts."""
    asides = " ".join(_ASIDE.findall(seg))
    kept = [c for c in _CLAUSE.split(_ASIDE.sub(" ", seg))
            if verdicts(c, choices) and not _SUPPOSES.search(c)]
    kinds = {c for k in kept for _, c in verdicts(k, choices)}
    if len(kinds) != 1:
        return None
    verdict = next(iter(kinds))
    dropped = asides + " " + " ".join(c for c in _CLAUSE.split(_ASIDE.sub(" ", seg))
                                      if c not in kept)
    if verdict != undetermined and (HEDGE.search(fold(dropped)) or _MAYBE.search(dropped)):
        return None
    return verdict


_NUMBERED = re.compile(r"(?:^|(?<=\s))(?:\(?(\d{1,2})\s*[).:]|(first|second|third)(?:ly)?\s*"
                       r"[,:])\s+", re.M | re.I)
# The verdict options copied back from the prompt: "(yes, no, cannot be determined)".
_OPTIONS_COPY = re.compile(r"[(<\[]?\s*(?:yes|no)\s*[,/|]\s*(?:yes|no)\s*(?:[,/|]|,?\s*or)\s*"
                           r"cannot be determined\s*[)>\]]?", re.I)
_INLINE_ANSWER = re.compile(r"(?<=\S)\s*[,;]?\s+(?=answer\s*\(?\d{1,2}\)?\s*[:：])", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3}


def _numbered_parts(text: str) -> dict[int, str]:
    """"1) Yes 2) No", "First, yes. Second, no." -> {1: ..., 2: ...}."""
    marks = list(_NUMBERED.finditer(text))
    parts: dict[int, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        number = int(m.group(1)) if m.group(1) else _ORDINALS[m.group(2).casefold()]
        parts.setdefault(number, text[m.end():end])
    return parts


def _question_segments(text: str, n: int, prefill: str) -> tuple[list[str | None], list[str]]:
    """One text per question (None where none was found) and the format rules broken."""
    # "Answer 1: yes, Answer 2: no" on one line: one line each.
    clean = _INLINE_ANSWER.sub("\n", strip_markdown(text))
    prefilled = bool(prefill.strip() and clean and not answer_lines(clean.splitlines()[:1]))
    if prefilled:
        clean = prefill.strip() + " " + clean.lstrip()
    lines = clean.splitlines()
    found = answer_lines(lines)
    non_empty = [i for i, ln in enumerate(lines) if ln.strip()]
    fmt: list[str] = []
    if prefilled and n == 1 and len(found) > 1:
        # As in protocol.short_answer: the cue written again starts a made-up continuation.
        fmt.append("continued_past_answer")
        found = found[:1]
    if found:
        numbered = {a.number: a.content for a in found if a.number is not None}
        if len(numbered) >= n or n == 1:
            segs: list[str | None] = [numbered.get(i + 1) for i in range(n)] if n > 1 else \
                [found[-1].content]
            if found[-1].end != non_empty[-1]:
                fmt.append("answer_line_not_last")
            return segs, fmt
        inline = _numbered_parts(found[-1].content)
        if len(inline) >= n:
            return [inline.get(i + 1) for i in range(n)], fmt
        if numbered:  # "Answer 1: yes" and no second line: question 2 is unanswered
            return [numbered.get(i + 1) for i in range(n)], [*fmt, "answer_lines_missing"]
    fmt.append("no_answer_line" if not found else "answer_lines_missing")
    clean = _after_retraction_v(clean)
    parts = _numbered_parts(clean)
    if n > 1 and len(parts) >= n:
        return [parts.get(i + 1) for i in range(n)], fmt
    content = [ln for ln in lines if ln.strip()]
    if n == 1:
        sa = short_answer(prepare(clean))
        return [next((s for s in sa.segments if verdicts(s, _ALL)), None)], fmt
    with_verdict = [ln for ln in content if verdicts(ln, _ALL)]
    if len(with_verdict) < n:  # "Yes, no" on one line
        with_verdict = [p for ln in with_verdict for p in re.split(r"[,;]", ln)
                        if verdicts(p, _ALL)]
    if len(with_verdict) < n:
        # One unnumbered "Answer: yes" for two questions answers neither of them.
        return [None] * n, fmt
    return [with_verdict[i] for i in range(n)], fmt


_ALL = [c for c in VERDICT_SYNONYMS]


def evaluate_logic(answer: str, gt: Any, params: dict[str, Any], threshold: float, *,
                   prompt: str = "", prefill: str = "") -> EvalReport:
    """One verdict per question: protocol ``Answer: <verdict>`` (``Answer 1:``, ``Answer 2:``
    for two questions); leniently numbered answers ("1) Yes 2) No") or one line each."""
    reply = prepare(answer)
    wanted = list(gt.get("answers") or [gt["answer"]])
    choices = list(gt["choices"])
    segs, fmt = _question_segments(reply.text, len(wanted), prefill) \
        if not echoes(reply.text, prompt) else ([None] * len(wanted), ["no_answer_line"])
    fmt = list(reply.violations) + fmt
    checks: list[Check] = []
    got: list[str] = []
    hedged = False
    named_any = False
    for i, want in enumerate(wanted):
        seg = segs[i] if i < len(segs) else None
        verdict, why = _one_verdict(seg, choices) if seg else (None, "")
        # Without a segment of its own, the question is read off the whole reply: its claim
        # is named there ("Carl is taller than Ben, and Ben is not the tallest").
        said = seg or _OPTIONS_COPY.sub(" ", _after_retraction_v(strip_markdown(reply.text)))
        if not why and prompt and set(map(fold, choices)) <= set(VERDICT_SYNONYMS) \
                and (seg is None and len(wanted) > 1 or not verdicts(said, _ALL)):
            # No verdict word (not even the options copied back), or two questions without a
            # line each: a statement of the claim ("Tom is a mammal.") answers it.
            verdict, why = proposition.read(
                said, proposition.question_of(prompt, i + 1 if len(wanted) > 1 else None), prompt,
                about=seg is None and len(wanted) > 1)
            verdict = next((c for c in choices if fold(c) == verdict), None)
            if verdict:
                fmt.append("verdict_not_named")
        hedged |= why.startswith("several")
        named_any |= bool(why)
        got.append(verdict or "-")
        tag = "" if len(wanted) == 1 else f"_{i + 1}"
        checks.append(Check(f"verdict_correct{tag}", verdict == want,
                            detail=f"expected {want!r}, got {verdict!r} "
                                   f"{'(' + why + ')' if why else ''}".strip()))
    present = Check("verdict_present", named_any, weight=0.0,
                    detail=f"graded: {[s[:80] if s else None for s in segs]}")
    consistent = Check("single_verdict", not hedged, weight=0.0,
                       detail="one verdict per question" if not hedged
                       else "several verdicts for one question")
    checks = [present, consistent, *checks]
    if reply.empty:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if not all(c.passed for c in checks) and refusal(reply.text):
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="semantic", failure_type="refusal",
                            format_violations=fmt)
    if not present.passed:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="format", failure_type="format_violation",
                            format_violations=fmt)
    return build_report(checks, pass_threshold=threshold, extracted=" | ".join(got),
                        failure_stage="semantic", failure_type="logic_error",
                        format_violations=fmt)
