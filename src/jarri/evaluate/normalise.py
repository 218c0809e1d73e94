"""Answer normalisation shared by evaluators: lenient on form, never on content."""

from __future__ import annotations

import re
import unicodedata

_FENCE = re.compile(r"^```[A-Za-z0-9_+-]*\s*\n(.*?)\n?```", re.S)
_PREFIX = re.compile(r"^(final answer|answer|a)\s*[:=\-]\s*", re.I)
_EDGE_PUNCT = "\"'`*_ \t.,;:!?()[]{}<>«»“”‘’"
_QUOTES = re.compile(r"[\"`*_“”«»]|(?<!\w)['‘’]|['‘’](?!\w)")


def strip_fence(text: str) -> str:
    m = _FENCE.search(text.strip())
    return m.group(1) if m else text


def first_line(text: str) -> str:
    for line in strip_fence(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def normalise(text: str) -> str:
    """Case, width, whitespace, an 'Answer:' prefix and edge punctuation do not matter."""
    t = unicodedata.normalize("NFKC", text).strip()
    t = _PREFIX.sub("", t)
    t = t.strip(_EDGE_PUNCT)
    t = re.sub(r"\s+", " ", t)
    return t.casefold()


def fold(text: str) -> str:
    """``normalise`` plus: accents, quotes and emphasis marks do not matter either
    ("**Brontë**" == "bronte"); apostrophes inside words stay ("o'clock")."""
    t = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = _QUOTES.sub(" ", t)
    return normalise(t)
