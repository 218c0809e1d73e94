"""Plain-English signals the evaluators read: negation, hedges, retractions, refusals, word
forms (Snowball stemmer) and sentences (pysbd, abbreviation-aware).

These decide whether a mention is a *committed* answer: "Canberra" is committed in "It is
Canberra, not Sydney" but not in "not Canberra", "Canberra or Sydney", or "Canberra. Actually,
no: Sydney". docs/evaluators.md lists the words.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.U)

# A mention preceded by one of these inside its clause is negated ("not 1945", "isn't B").
_NEGATORS = re.compile(
    r"\b(?:not|never|no\s+longer|isn['’]t|aren['’]t|wasn['’]t|weren['’]t|doesn['’]t|don['’]t|"
    r"wouldn['’]t|would\s+not|"
    r"didn['’]t|cannot|can['’]t|nor|neither|rather\s+than|instead\s+of|unlike|except|"
    r"other\s+than|as\s+opposed\s+to)\b", re.I)
# ... or followed by one of these ("1944 is wrong").
_NEGATED_AFTER = re.compile(
    r"^[\s,:\-]*(?:(?:is|was)\s+not\b|(?:is|was)n['’]t\b|"
    r"(?:is|was|would\s+be|seems)?\s*(?:not\s+(?:correct|right|the\s+answer)|wrong|"
    r"incorrect|false|a\s+(?:common\s+)?(?:mistake|misconception|myth)))\b", re.I)
# Where a clause ends when looking back from a mention for a negator.
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]\n]|\b(?:but|is|are|was|were|it['’]s|instead|so|"
                           r"hence|therefore|thus|then|equals)\b|=", re.I)
# "I wouldn't say it's X", "I don't think it is X": X is put forward only to be rejected.
_DISOWNED = re.compile(r"\b(?:wouldn['’]t|would\s+not|don['’]t|do\s+not)\s+(?:say|call|claim|"
                       r"think)\b[^.;:!?,—–\n]*$", re.I)
# Words that offer alternatives instead of committing to one.
HEDGE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly|probably\s+(?:either|one\s+of)|"
                   r"one\s+of|and/or|could\s+be\s+(?:either|any))\b|\w\s*/\s*\w", re.I)
# Markers after which the answer is given again ("Canberra. Actually, no: Sydney").
# "actually" and "rather" retract only after a stop or "or" ("Canberra. Actually, Sydney",
# "Sydney, or rather Canberra"); mid-sentence they are adverbs ("Bob is actually the youngest").
RETRACTION = re.compile(
    r"(?:(?:^|(?<=[.!?,;:\n]))\s*|\bor\s+|\bno\s*,?\s*)(?:actually|rather)\b|"
    r"\b(?:wait|correction|scratch\s+that|on\s+second\s+thought|i\s+mean|"
    r"let\s+me\s+correct|i\s+was\s+wrong|sorry|oops|no\s+wait)\b", re.I)
# A name after one of these is a second one in the story, not the answer ("Jupiter, followed
# by Saturn"; "Neil Armstrong, followed by Buzz Aldrin").
SECONDARY = re.compile(r"\b(?:followed|joined|accompanied|later|after|then|second|next|"
                       r"with|alongside|behind|unlike)\b[^,;.]*$", re.I)
_REFUSAL = re.compile(
    r"\b(?:i\s*(?:am|['’]m)\s+(?:sorry|afraid|unable|not\s+able)|i\s+(?:can(?:no|['’])t|"
    r"won['’]t|will\s+not|do\s+not|don['’]t)\s+(?:help|assist|answer|provide|comply|do\s+that|"
    r"know|have\s+(?:access|the\s+ability|enough))|as\s+an\s+ai|as\s+a\s+language\s+model|"
    r"i\s+(?:must|have\s+to)\s+decline|i\s+refuse|cannot\s+(?:help|assist)\s+with)", re.I)

# A question back instead of an answer ("Could you clarify whether you mean ...?").
_CLARIFY = re.compile(r"\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:clarify|specify|"
                      r"tell\s+me\s+(?:more|what|which))|\bdo\s+you\s+mean\b|\bdid\s+you\s+"
                      r"mean\b|\bplease\s+(?:clarify|specify)\b|\bwhat\s+do\s+you\s+mean\b", re.I)


def clarification(text: str) -> bool:
    """The reply asks a question back instead of answering: every sentence is a question
    and one asks what was meant."""
    said = sentences(text)
    return bool(said) and all(s.rstrip().endswith("?") for s in said) and bool(
        _CLARIFY.search(text))


# Function words: a "sentence" with none of them is a list of words, not a sentence.
FUNCTION_WORDS = frozenset([
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "do",
    "does", "did", "has", "have", "had", "will", "would", "can", "could", "should", "may",
    "might", "must", "shall", "of", "in", "on", "at", "to", "for", "from", "by", "with",
    "into", "onto", "about", "over", "under", "after", "before", "through", "and", "or",
    "but", "so", "if", "then", "than", "that", "this", "these", "those", "it", "its",
    "they", "them", "their", "there", "here", "he", "she", "his", "her", "we", "our",
    "you", "your", "i", "my", "me", "not", "no", "as", "each", "every", "all", "some",
    "any", "more", "most", "many", "much", "few", "very", "can't", "don't", "isn't",
    "aren't", "it's", "one"
])


def words(text: str) -> list[str]:
    return WORD.findall(text)


def negated(text: str, start: int, end: int) -> bool:
    """Is the mention at text[start:end] negated within its clause?"""
    before = text[:start]
    if _DISOWNED.search(before):
        return True
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end():] if breaks else before
    if _NEGATORS.search(clause):
        return True
    return bool(_NEGATED_AFTER.match(text[end:]))


def after_retraction(text: str, *, keep_no: bool = False) -> str:
    """The part of ``text`` after its last retraction marker, if anything is said there.
    The "no" of "Actually, no: Sydney" goes, unless ``keep_no`` (where "no" is a verdict)."""
    marks = list(RETRACTION.finditer(text))
    if not marks:
        return text
    tail = text[marks[-1].end():]
    lead = r"^[\W_]+" if keep_no else r"^[\W_]*(?:no\b)?[\W_]*"
    tail = re.sub(lead, "", tail, flags=re.I)
    return tail if words(tail) else text


def echoes(text: str, prompt: str) -> bool:
    """The reply is (mostly) the prompt copied back."""
    t, p = " ".join(words(text.casefold())), " ".join(words(prompt.casefold()))
    if len(t.split()) < 6 or not p:
        return False
    return (t in p and (len(t.split()) >= 8 or len(t) >= 0.3 * len(p))) or (
        p in t and len(t) < 1.5 * len(p))


def refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


_LOCAL = threading.local()  # a Snowball stemmer keeps state: one per thread


def _stemmer() -> Any:
    if not hasattr(_LOCAL, "stemmer"):
        import snowballstemmer

        _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return _LOCAL.stemmer


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    w = word.casefold().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return str(_stemmer().stemWord(w))


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def _segmenter() -> Any:
    if not hasattr(_LOCAL, "segmenter"):  # pysbd keeps the text on the instance, too
        import pysbd

        _LOCAL.segmenter = pysbd.Segmenter(language="en", clean=False)
    return _LOCAL.segmenter


# An abbreviation pysbd does not know, when a number or a lower-case word follows it.
_ABBREVIATION_END = re.compile(r"\b(?:approx|ca|circa|incl|excl|esp|cf|resp|viz|vs|est|"
                               r"avg|max|min|nr|no)\.$", re.I)


def sentences(text: str) -> list[str]:
    """Sentences of running text (abbreviations such as "Dr.", "p.m." or "approx." do not end
    one; nor does a stop before a lower-case word); a line break also ends one. Pieces
    without a word are dropped."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        pieces: list[str] = []
        for s in _segmenter().segment(line):
            s = s.strip()
            if pieces and s and (s[0].islower() or (s[0].isdigit()
                                                    and _ABBREVIATION_END.search(pieces[-1]))):
                pieces[-1] = f"{pieces[-1]} {s}"
            elif s:
                pieces.append(s)
        out.extend(p for p in pieces if words(p))
    return out
