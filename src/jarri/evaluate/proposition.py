"""Reading a yes/no question's answer from a statement that names no verdict word.

"Is Tom a mammal?" answered "Tom is a mammal." is a yes; "A salmon is not a mammal." answers
"Is a salmon a mammal?" with no; "We cannot conclude that it rained" is "cannot be determined".
The question's claim is reduced to its key words (names, then content words, in order); a
clause of the answer that states them — its subject may be a pronoun — affirms the claim, or
denies it when negated. Used only where no verdict word was found, so it never overrides one.
"""

from __future__ import annotations

import re

from jarri.evaluate.language import sentences, stem, words

# Words that carry no part of the claim: auxiliaries, copulas, articles, pronoun subjects.
_SKIP = frozenset([
    "is", "are", "was", "were", "am", "be", "been", "do", "does", "did", "a", "an", "the",
    "it", "there", "than", "that", "then", "of", "and", "to", "in", "on", "at"])
_PRONOUNS = frozenset(["he", "she", "it", "they", "this", "that"])
_SAME_VERB = {"has": "have", "had": "have", "having": "have"}
# Epistemic statements: the premises do not settle the claim.
_UNSETTLED = re.compile(
    r"\b(?:(?:can\s*not|can['’]t|could\s+not|couldn['’]t)\s+(?:be\s+)?(?:conclud|determin|"
    r"tell|know|say|sure|certain|infer|deduc|decid)\w*|(?:may|might|could)\s+(?:or\s+may\s+"
    r"not|or\s+might\s+not|or\s+could\s+not)|\bor\s+not\b|(?:do|does|did)\s*(?:not|n['’]t)\s+"
    r"(?:say|tell|state|specify|mention|settle|establish|show|prove)|not\s+(?:enough|"
    r"necessarily|certain|sure|known|clear)|no\s+way\s+to|impossible\s+to|unknown|unclear|"
    r"uncertain|undetermin\w*|either\s+way)", re.I)
_CLAUSE = re.compile(r"[,;:]|\b(?:so|but|because|although|though|since|therefore|hence|thus|"
                     r"which\s+means|even\s+though|while|whereas)\b", re.I)


def question_of(prompt: str, number: int | None = None) -> str:
    """The question sentence of a prompt: the last one ending in "?" before the answer
    instructions, or question ``number`` when they are numbered "1) ...?"."""
    if number is not None:
        m = re.search(rf"(?m)^\s*\(?{number}\s*[).:]\s*(.+?\?)", prompt)
        if m:
            return m.group(1)
    asked = [s for s in re.findall(r"[^.?!\n]*\?", prompt)]
    return asked[-1].strip() if asked else ""


def _key(question: str) -> tuple[list[str], set[str]]:
    """(key stems in order, which of them are names)."""
    names: set[str] = set()
    key: list[str] = []
    for i, w in enumerate(words(question)):
        low = w.casefold()
        if low in _SKIP or (i == 0 and low in {"is", "are", "does", "do", "did", "can"}):
            continue
        s = stem(_SAME_VERB.get(low, low))
        if w[:1].isupper() and i > 0:
            names.add(s)
        key.append(s)
    return key, names


def _in_order(needles: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(h == n for h in it) for n in needles)


def _reading(clause: str, key: list[str], names: set[str]) -> str | None:
    """"yes"/"no" when this clause states the claim, else None."""
    toks = [_SAME_VERB.get(w.casefold(), w.casefold()) for w in words(clause)]
    st = [stem(t) for t in toks]
    want = list(key)
    if want and want[0] not in st and set(toks) & _PRONOUNS:
        want = want[1:]  # "he is not the oldest": the pronoun stands for the subject
    # Every name and the first other word (the predicate's head) must be there, and at
    # least half of the rest ("of the three" may go).
    head = [k for k in want if k not in names][:1]
    required = [k for k in want if k in names] + head
    if not want or not all(k in st for k in required):
        return None
    others = [k for k in want if k not in required]
    if sum(k in st for k in others) < len(others) // 2:
        return None
    ordered = [k for k in want if k in st]
    if not _in_order(ordered, st):
        return None
    neg = bool(re.search(r"\b(?:not|never|no|cannot|nor)\b|n['’]t\b", clause, re.I))
    return "no" if neg else "yes"


def _said(text: str) -> str:
    return " ".join(w.casefold() for w in words(text))


def read(answer: str, question: str, prompt: str = "") -> tuple[str | None, str]:
    """("yes" | "no" | "cannot be determined" | None, why). Questions and sentences copied
    from the prompt (its question, its premises) state nothing."""
    key, names = _key(question)
    if not key or not answer.strip():
        return None, ""
    given = _said(prompt)
    found: list[str] = []
    for sentence in sentences(answer):
        if sentence.rstrip().endswith("?") or (given and _said(sentence) in given):
            continue
        if _UNSETTLED.search(sentence):
            found.append("cannot be determined")
            continue
        for clause in _CLAUSE.split(sentence):
            got = _reading(clause, key, names)
            if got:
                found.append(got)
    kinds = set(found)
    if len(kinds) == 1:
        return found[0], "a statement of the question's claim"
    if kinds:
        return None, f"statements both ways {sorted(kinds)}"
    return None, ""
