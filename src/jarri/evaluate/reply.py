"""What the model replied, made ready for grading (docs/evaluators.md, "The reply").

Every evaluator starts here. The steps are lenient on form and never touch content:

1. thinking is removed (``<think>`` blocks, a lone ``</think>``);
2. a reply that goes on with a new turn it invented ("Question: …", "User: …": base models
   do this) ends where that turn starts;
3. a repetition loop at the end is cut after its first repeat, so a correct answer followed
   by a loop is graded on its answer on every task alike (the loop is still labelled); a loop
   inside one word or number ("1000000...") takes that whole word with it; prose is graded on
   the uncut text, since there the loop is part of the text whose length is asked for;
4. unicode is NFKC-normalised and the unicode minus becomes "-".

Code is graded as written (``prepare(answer, code=True)``): step 4 is left out (a full-width
digit or a unicode minus is what Python would read, and refuse), and step 2 looks only at
lines outside fenced blocks and triple-quoted strings ("Example:" in a docstring is code,
not a new turn).

Each step that changed something is a broken format rule, reported with the grade.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from jarri.evaluate.thinking import split_thinking

# A line that starts a new turn the model made up after answering.
_NEW_TURN = re.compile(
    r"^\s*(?:[#*>\s]*)(?:question|q|user|human|assistant|instruction|problem|exercise|"
    r"example|input|task)\s*(?:\d+\s*)?[:：]|^\s*(?:<start_of_turn>|<end_of_turn>|<\|im_start\|>|"
    r"<\|im_end\|>|<\|user\|>|<\|assistant\|>|<\|eot_id\|>|<\|endoftext\|>|\[INST\])",
    re.I)
_MARKER = re.compile(r"^(?:[-*•]|\(?\d{1,3}[.):])\s*")
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\u2014": " - ",
                        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " "})


@dataclass(frozen=True)
class Reply:
    text: str                     # what is graded
    raw: str                      # the answer as it came (thinking already split by the runner)
    uncut: str                    # ``text`` with its repetition loop left in (prose counts it)
    violations: tuple[str, ...]   # format rules broken on the way (see taxonomy.FORMAT_RULES)

    @property
    def empty(self) -> bool:
        return not self.text.strip()


def normalise_unicode(text: str) -> str:
    # NFKC folds full-width digits and letters; the dashes and odd spaces are mapped after it
    # so a thin-space thousands separator survives as a plain space.
    return unicodedata.normalize("NFKC", text.translate(_MINUS)).translate(_MINUS)


# A line that opens or closes a fenced block (``` or ~~~, at any indentation).
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)")


def _cut_new_turn(text: str, code: bool = False) -> tuple[str, bool]:
    """``text`` up to a new turn the model invented. With ``code``, lines inside a fenced
    block or a triple-quoted string are code, never a turn."""
    lines = text.splitlines(keepends=True)
    seen_content = False
    fenced = False
    quoted: str | None = None  # the triple quote a string opened on an earlier line
    for i, line in enumerate(lines):
        if code and _FENCE_LINE.match(line):
            fenced, seen_content = not fenced, True
            continue
        inside = code and (fenced or quoted is not None)
        if seen_content and not inside and _NEW_TURN.match(line):
            return "".join(lines[:i]).rstrip(), True
        seen_content = seen_content or bool(line.strip())
        if code and not fenced:
            for delim in ('"""', "'''"):
                if quoted in (None, delim) and line.count(delim) % 2 == 1:
                    quoted = None if quoted else delim
    return text, False


def _loop_start(text: str, min_repeats: int = 3) -> int | None:
    """Where a loop at the end of ``text`` starts repeating (after its first copy), or None.

    A unit of 1..400 characters repeated at least ``min_repeats`` times up to the end (and
    covering at least 24 characters) is a loop; so is one line that fills half or more of at
    least four lines.
    """
    body = text.rstrip()
    n = len(body)
    best: int | None = None
    for period in range(1, min(400, n // min_repeats) + 1):
        unit = body[n - period:]
        if not unit.strip():
            continue
        k = 1
        while n - (k + 1) * period >= 0 and body[n - (k + 1) * period:n - k * period] == unit:
            k += 1
        if k >= min_repeats and k * period >= 24 and len(unit.strip()) * k >= 12:
            start = n - k * period + period  # keep the first copy
            best = start if best is None else min(best, start)
    # Lines are compared without their list markers: "2. Same text", "3. Same text" loop too.
    offsets, lines = [], []
    pos = 0
    for raw in body.splitlines(keepends=True):
        if raw.strip():
            offsets.append(pos)
            lines.append(_MARKER.sub("", raw.strip()))
        pos += len(raw)
    if len(lines) >= 4:
        line, count = Counter(lines).most_common(1)[0]
        if len(line) >= 2 and count >= 4 and count * 2 >= len(lines):
            second = [offsets[i] for i, ln in enumerate(lines) if ln == line][1]
            best = second if best is None else min(best, second)
    if best is not None and 0 < best < n and body[best - 1].isalnum() and body[best].isalnum():
        # The loop runs inside a word or number ("1000000..."): that word is the loop, so
        # it is cut whole; "10" is not what the model wrote.
        while best > 0 and body[best - 1].isalnum():
            best -= 1
    return best


def has_loop(text: str) -> bool:
    return _loop_start(text) is not None


def prepare(answer: str, *, code: bool = False) -> Reply:
    """The graded text of a reply and the format rules broken on the way to it; ``code``:
    the reply is graded as a program (see the module's docstring)."""
    violations: list[str] = []
    # Inline thinking is not a format fault: servers differ in whether they split it out.
    text = split_thinking(answer)[0]
    if not code:
        text = normalise_unicode(text)
    text, cut = _cut_new_turn(text, code)
    if cut:
        violations.append("continued_past_answer")
    uncut = text
    start = _loop_start(text)
    if start is not None:
        text = text[:start].rstrip()
        violations.append("repetition_loop")
    return Reply(text=text.strip(), raw=answer, uncut=uncut.strip(),
                 violations=tuple(violations))
