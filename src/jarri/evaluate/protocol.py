"""The short-answer protocol: the reply ends with a line ``Answer: …`` (``Answer 1: …``,
``Answer 2: …`` for several questions), as lm-evaluation-harness and HELM fix an output cue.

Extraction tries the protocol first (strict: this decides ``format_ok``), then documented
fallbacks (lenient: this decides correctness):

1. the last ``Answer:`` line (markdown such as ``**Answer:**`` ignored);
2. the last ``\\boxed{…}``;
3. the last "the answer is …";
4. the lines themselves: the first line when it is a short direct answer, else the last line
   (a conclusion after working), then the other one.

The evaluator takes the first segment in which it finds a candidate answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jarri.evaluate.language import words
from jarri.evaluate.reply import Reply

_MARKDOWN = re.compile(r"\*\*|__|`+|^\s*#+\s*|^\s*>\s*|\\text\{([^}]*)\}", re.M)
# LaTeX math ("$48$", "$$x = 2$$", "$\\frac{1}{2}$"), not a dollar sign ("$10", "$10 and $20").
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(?=\S)([^$\n]{1,80}?)(?<=\S)\$(?!\d)", re.S)
_ANSWER_LINE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:the\s+)?(?:final\s+)?answer(?:\s*(?:to\s+question\s+)?\(?(\d{1,2})\)?)?"
    r"\s*[:：=]\s*(.*)$", re.I)
_PHRASE = re.compile(r"\b(?:final\s+|correct\s+)?answer\s+(?:is|would\s+be|should\s+be|=)"
                     r"\s*:?\s*(.+?)(?:\.\s|\.$|\n|$)", re.I | re.S)
_BOXED = re.compile(r"\\boxed\s*\{")
SHORT_WORDS = 6  # a first line this short is a direct answer


@dataclass(frozen=True)
class AnswerLine:
    number: int | None   # "Answer 2:" -> 2
    content: str
    index: int           # line index in the cleaned text
    end: int             # index of the line that holds the content (the next one after a bare
                         # "Answer:")


@dataclass(frozen=True)
class ShortAnswer:
    segments: tuple[str, ...]       # where to look for the answer, best first
    source: str                     # protocol | boxed | phrase | lines | none
    lines: tuple[AnswerLine, ...]   # every protocol line, in order
    strict: bool                    # the protocol was followed to the letter
    violations: tuple[str, ...]     # format rules broken (reply-level ones included)


def strip_markdown(text: str) -> str:
    text = _MATH.sub(lambda m: m.group(1) or m.group(2) or "", text)
    return _MARKDOWN.sub(lambda m: m.group(1) or "", text)


def _boxed(text: str) -> str | None:
    found = None
    for m in _BOXED.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            found = text[m.end():i - 1]
    return found


def answer_lines(lines: list[str]) -> list[AnswerLine]:
    out = []
    for i, line in enumerate(lines):
        m = _ANSWER_LINE.match(line)
        if m is None:
            continue
        content, end = m.group(2).strip(), i
        if not content:  # "Answer:" alone: the answer is on the next non-empty line
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), i)
            content = lines[end].strip() if end != i else ""
        out.append(AnswerLine(int(m.group(1)) if m.group(1) else None, content, i, end))
    return out


def short_answer(reply: Reply, *, prefill: str = "", questions: int = 1) -> ShortAnswer:
    """Find the answer of a short-answer reply (see the module docstring)."""
    violations = list(reply.violations)
    text = strip_markdown(reply.text)
    prefilled = bool(prefill.strip() and text and not _ANSWER_LINE.match(text.splitlines()[0]))
    if prefilled:
        # The prompt template already wrote the cue ("…\n\nAnswer:"): the reply continues it.
        text = prefill.strip() + " " + text.lstrip()
    lines = text.splitlines()
    found = answer_lines(lines)
    if prefilled and questions == 1 and len(found) > 1:
        # A base model that writes the cue again is continuing a pattern it made up; its
        # answer is the one after the cue the template wrote.
        violations.append("continued_past_answer")
        found = found[:1]
    non_empty = [i for i, ln in enumerate(lines) if ln.strip()]
    if found:
        wanted = found[-questions:] if questions > 1 else found[-1:]
        if wanted[-1].end != non_empty[-1]:
            violations.append("answer_line_not_last")
        if questions > 1 and len({a.number for a in wanted}) < questions:
            violations.append("answer_lines_missing")
        segments = tuple(a.content for a in reversed(found) if a.content)
        return ShortAnswer(segments, "protocol", tuple(found), not violations,
                           tuple(violations))
    violations.append("no_answer_line")
    boxed = _boxed(text)
    if boxed is not None and boxed.strip():
        return ShortAnswer((boxed.strip(),), "boxed", (), False, tuple(violations))
    phrases = [m.group(1).strip() for m in _PHRASE.finditer(text)]
    if phrases:
        return ShortAnswer((phrases[-1], *_line_segments(lines)), "phrase", (), False,
                           tuple(violations))
    segs = _line_segments(lines)
    return ShortAnswer(segs, "lines" if segs else "none", (), False, tuple(violations))


def _line_segments(lines: list[str]) -> tuple[str, ...]:
    content = [ln.strip() for ln in lines if ln.strip()]
    if not content:
        return ()
    if len(content) == 1:
        return (content[0],)
    first, last = content[0], content[-1]
    if len(words(first)) <= SHORT_WORDS:
        return (first, last, *content[1:-1])
    return (last, first, *content[1:-1])
