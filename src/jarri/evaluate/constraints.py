"""Constrained writing: counts, required and banned words, topic, length.

Protocol: the text only (no title, no lead-in such as "Here are three tips:", no closing
remark, no code fence). Leniently, those are set aside before counting and reported as format
faults. A banned word is matched by Snowball stem, so "Apples" breaks a ban on "apple"; a
required word by its inflections ("helmets", "night's" use "helmet", "night"; "insulate"
does not use "insulation"). The prompt copied back earns nothing. A required word counts
only inside a real phrase (a sentence of at least three words or a bullet of at least two,
with a word besides the required ones), so stuffed keywords earn nothing. Sentences are
split by pysbd (abbreviations do not end one).
With ``numbered``, the bullets must be numbered ("1.", "2)", "Step 3:"), not dashes. With
``wrong_subject_words``, a text that names one of them is about something else (coffee
steps for a tea task) and earns nothing, however well it keeps the other constraints.
With ``topic_words``, each bullet or sentence (``each_unit_topic``) or the text as a whole
must be on the topic (a word starting with one of the topic stems). Nothing earns points
(score 0) unless some required word is used in a real phrase and at least half of the
bullets or sentences are on the topic: stuffed keywords and off-topic lists are wrong
answers, not partial ones. A banned word used (any form) and a question asked back instead
of the text ("Could you clarify ...?") are wrong answers too.
"""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.language import (
    FUNCTION_WORDS,
    clarification,
    echoes,
    refusal,
    sentences,
    stem,
    stems,
    words,
)
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report

_BULLET = re.compile(r"^\s*(?:[-*•‣–]|(?:step\s+)?\d{1,2}[.):]|\(\d{1,2}\)|[a-z][.)])\s+(\S.*)$",
                     re.I)
# "Here are two options:" — several texts offered to choose from: a hedge, not the text.
_ALTERNATIVES = re.compile(r"^[^\n]*\b(?:two|three|several|some|a few|\d)\s+(?:options|"
                           r"alternatives|versions|variants|choices)\b[^\n]*:\s*$", re.I | re.M)
_BOLD_MARKER = re.compile(r"^(\s*)(?:\*\*|__)((?:step\s+)?\d{1,2}[.):]?)(?:\*\*|__)", re.I)
_INLINE_NUMBER = re.compile(r"(?:^|(?<=[.!?;]\s))(\d{1,2})[.)]\s+")
_MARKER = re.compile(r"^\s*(?:[-*•‣–]|(?:step\s+)?\d{1,2}[.):]|\(\d{1,2}\)|[a-z][.)])\s+", re.I)
_INFLECTED = re.compile(r"(?:[^s]s|ed|ing|ly|'s)$")
_FENCE = re.compile(r"^\s*```[\w+-]*\s*\n(.*?)\n?```\s*$", re.S)
_TITLE = re.compile(r"^\s*(?:#+\s+.*|\*\*[^*]+\*\*:?|__[^_]+__:?)\s*$")
_CLOSING = re.compile(r"^\s*(?:i hope|hope (?:this|that|it|you)|let me know|feel free|"
                      r"happy to help|enjoy|thanks? (?:you )?for|have a (?:nice|great|good) day|"
                      r"note:|\(note|these tips|this (?:text|answer|response|list)|"
                      r"(?:word|sentence) count)", re.I)
KNOWN = {"min_words", "max_words", "sentences", "bullets", "required_words", "banned_words",
         "max_chars", "topic_words", "each_unit_topic", "numbered", "wrong_subject_words"}
# A lead-in on the text's first line, before the text itself: "Sure! …", "Here are two
# sentences: …", "Here you go: …".
_LEAD_IN = re.compile(r"^\s*(?:(?:sure|certainly|of course|okay|ok|absolutely|gladly|"
                      r"great question)\s*[!.,:]+|here(?:['’]s| is| are| you go)\b[^:\n]{0,60}:|"
                      r"as requested[,:])"
                      r"\s*(?=\S)", re.I)
_NUMBERED = re.compile(r"^\s*(?:step\s+)?(?:\d{1,2}[.):]|\(\d{1,2}\))\s", re.I)


def constraints_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not gt or set(gt) - KNOWN:
        return [f"constraints needs ground truth with keys from {sorted(KNOWN)}"]
    if not gt.get("required_words") and not gt.get("bullets") and not gt.get("sentences"):
        return ["constraints needs content to check (required_words, bullets or sentences): "
                "length limits alone would give points to 'hello'"]
    return []


def _body(text: str, want_bullets: bool) -> tuple[list[str], list[str], list[str]]:
    """(lines of the text itself, bullet items, format rules broken)."""
    fmt: list[str] = []
    m = _FENCE.match(text)
    if m:
        text = m.group(1)
        fmt.append("code_fence_in_prose")
    lines = [_BOLD_MARKER.sub(r"\1\2", ln) for ln in text.splitlines() if ln.strip()]
    if want_bullets and len(lines) == 1:
        lines = _split_inline(lines[0])
    while lines and _TITLE.match(lines[0]) and len(lines) > 1:
        lines.pop(0)
        fmt.append("title")
    is_bullet = [bool(_BULLET.match(ln)) for ln in lines]
    if want_bullets and any(is_bullet):
        first = is_bullet.index(True)
        last = len(is_bullet) - 1 - is_bullet[::-1].index(True)
        if first > 0:
            fmt.append("preamble")
        if last < len(lines) - 1:
            fmt.append("closing_remark")
        lines = lines[first:last + 1]
    else:
        if len(lines) > 1 and lines[0].rstrip().endswith(":"):
            lines.pop(0)
            fmt.append("preamble")
        elif lines and (lead := _LEAD_IN.match(lines[0])) and lead.end() < len(lines[0]):
            lines[0] = lines[0][lead.end():]
            fmt.append("preamble")
        if len(lines) > 1 and _CLOSING.match(lines[-1]):
            lines.pop()
            fmt.append("closing_remark")
    bullets = [b.group(1) for ln in lines if (b := _BULLET.match(ln))]
    return lines, bullets, fmt


def _split_inline(line: str) -> list[str]:
    """"1. Boil water. 2. Add the bag. 3. Wait." on one line: three numbered items."""
    marks = list(_INLINE_NUMBER.finditer(line))
    numbers = [int(m.group(1)) for m in marks]
    if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)) or marks[0].start() != 0:
        return [line]
    ends = [m.start() for m in marks[1:]] + [len(line)]
    return [line[m.start():end].strip() for m, end in zip(marks, ends, strict=True)]


def _word_list(unit: str) -> bool:
    """Four or more bare words, none of them a function word or an inflected form ("kettle
    tea water boil cup"): keywords, not a phrase. "Good insulation cuts heating bills" is a
    phrase."""
    ws = [w.casefold() for w in words(unit)]
    return len(ws) >= 4 and not any(w in FUNCTION_WORDS or _INFLECTED.search(w) for w in ws)


def _real_phrase(unit: str, required: set[str], bullet: bool) -> bool:
    ws = words(unit)
    others = {stem(w) for w in ws} - required
    if _word_list(unit):
        return False
    # A sentence of three words or more with one word besides the required ones is a real
    # phrase ("Each token costs energy."); the required words alone are a keyword list.
    return len(ws) >= (2 if bullet else 3) and len(others) >= 1


def _uses(unit: str, word: str) -> bool:
    """The word itself or an inflection of it ("helmets", "night's"), not a derivation
    ("insulate" does not use "insulation")."""
    w = word.casefold()
    forms = {w, w + "s", w + "es", w + "'s", w + "s'"}
    if w.endswith("y"):
        forms.add(w[:-1] + "ies")
    return any(t.casefold().replace("’", "'") in forms for t in words(unit))


def _on_topic(unit: str, topic: list[str]) -> bool:
    return any(s.startswith(t) for s in stems(unit) for t in topic)


def evaluate_constraints(answer: str, gt: Any, params: dict[str, Any], threshold: float, *,
                         prompt: str = "", prefill: str = "") -> EvalReport:
    reply = prepare(answer)
    # The loop stays in: "at most 15 words" is about everything the model wrote.
    lines, bullets, fmt = _body(reply.uncut, "bullets" in gt)
    fmt = list(reply.violations) + fmt
    body = "\n".join(lines)
    if "bullets" in gt:
        units = bullets or lines
        unit_is_bullet = bool(bullets)
    else:
        units = sentences(body)
        unit_is_bullet = False
    # List markers ("1.", "Step 2:") are not words of the text.
    all_words = words("\n".join(_MARKER.sub("", ln) for ln in lines))
    required = [str(w) for w in gt.get("required_words", [])]
    req_stems = {stem(w) for w in required}
    checks: list[Check] = []
    for w in required:
        used = [u for u in units if _uses(u, w) and _real_phrase(u, req_stems, unit_is_bullet)]
        checks.append(Check(f"uses:{w}", bool(used),
                            detail=f"word {w!r} in a real phrase" if used else
                            f"word {w!r} not used in a real phrase"))
    topic = [stem(t) for t in gt.get("topic_words", [])]
    off_topic = False
    if topic:
        on = [u for u in units if _on_topic(u, topic)]
        # each_unit_topic: at least half of the bullets or sentences; else any of them
        off_topic = not on or (gt.get("each_unit_topic", False) and 2 * len(on) < len(units))
        ok = bool(units) and not off_topic
        checks.append(Check("on_topic", ok, detail=f"{len(on)} of {len(units)} "
                            f"{'bullets' if unit_is_bullet else 'sentences'} on the topic"))
    named = sorted({w for w in gt.get("wrong_subject_words", [])
                    if _uses(body, w) or stem(w) in set(stems(body))})
    wrong_subject = bool(named)
    on_topic = bool(body.strip()) and (not checks or any(c.passed for c in checks))
    if "wrong_subject_words" in gt:
        checks.append(Check("right_subject", not wrong_subject, weight=0.0,
                            detail=f"about something else: {named}" if named else
                            "no other subject named"))
    if "bullets" in gt:
        checks.append(Check("bullet_count", on_topic and len(bullets) == gt["bullets"],
                            detail=f"{len(bullets)} bullets, want {gt['bullets']}"))
    if gt.get("numbered"):
        lines_b = [ln for ln in lines if _BULLET.match(ln)]
        n_num = sum(bool(_NUMBERED.match(ln)) for ln in lines_b)
        checks.append(Check("numbered", on_topic and bool(lines_b) and n_num == len(lines_b),
                            detail=f"{n_num} of {len(lines_b)} items numbered"))
    if "sentences" in gt:
        n = len(units) if not unit_is_bullet else len(sentences(body))
        checks.append(Check("sentence_count", on_topic and n == gt["sentences"],
                            detail=f"{n} sentences, want {gt['sentences']}"))
    # Nothing earns points unless the text is really there: a required word inside a real
    # phrase (when words are required), and mostly on the topic (when one is set).
    uses = [c for c in checks if c.name.startswith("uses:")]
    scored = [c for c in checks if c.weight]
    has_content = bool(body.strip()) and any(c.passed for c in scored) and not off_topic \
        and (not uses or any(c.passed for c in uses)) and not echoes(body, prompt) \
        and ("bullets" not in gt or bool(bullets)) \
        and not wrong_subject  # a list was asked for: prose is not one
    if "max_words" in gt:
        checks.append(Check("max_words", has_content and len(all_words) <= gt["max_words"],
                            detail=f"{len(all_words)} words, max {gt['max_words']}"))
    if "min_words" in gt:
        checks.append(Check("min_words", has_content and len(all_words) >= gt["min_words"],
                            detail=f"{len(all_words)} words, min {gt['min_words']}"))
    if "max_chars" in gt:
        checks.append(Check("max_chars", has_content and len(body) <= gt["max_chars"],
                            detail=f"{len(body)} chars, max {gt['max_chars']}"))
    reply_stems = set(stems(reply.uncut))
    banned_used = False
    for w in gt.get("banned_words", []):
        hit = stem(w) in reply_stems
        banned_used |= hit
        checks.append(Check(f"avoids:{w}", has_content and not hit,
                            detail=f"banned word {w!r} (any form)" + (" used" if hit else "")))
    # A banned word used is a wrong answer, not a partial one: the one thing it was told not
    # to do. So is a question back instead of the text.
    has_content = has_content and not banned_used and not clarification(reply.text) \
        and not _ALTERNATIVES.search(reply.uncut)
    if reply.empty:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if refusal(reply.text) and not all(c.passed for c in checks):
        return build_report(checks, pass_threshold=threshold, extracted=None, void=True,
                            failure_stage="semantic", failure_type="refusal",
                            format_violations=fmt)
    return build_report(checks, pass_threshold=threshold, extracted=body[:2000],
                        void=not has_content, failure_stage="constraint",
                        failure_type="constraint_violation",
                        format_violations=fmt)
