"""Reading a yes/no question's answer from a statement that names no verdict word.

"Is Tom a mammal?" answered "Tom is a mammal." is a yes; "A salmon is not a mammal." answers
"Is a salmon a mammal?" with no; "We cannot conclude that it rained" is "cannot be determined".
The question's claim is reduced to its key words (names, then content words, in order); a
clause of the answer that states them — its subject may be a pronoun — affirms the claim, or
denies it when negated. Used only where no verdict word was found, so it never overrides one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jarri.evaluate.language import negated, sentences, stem, words

# Words that carry no part of the claim: auxiliaries, copulas, articles, quantifiers.
_SKIP = frozenset([
    "is", "are", "was", "were", "am", "be", "been", "do", "does", "did", "a", "an", "the",
    "it", "there", "than", "that", "then", "and", "to", "every", "all", "each", "any",
    "some", "of", "in", "on", "at", "among"])
_PRONOUNS = frozenset(["he", "she", "it", "they"])
_SAME_VERB = {"has": "have", "had": "have", "having": "have"}
_PREPOSITIONS = ("of", "among")  # "of the three": a trailing group the answer may leave out
# Opposite comparatives: "Carl is shorter than Anna" says "Anna is taller than Carl".
_OPPOSITES = dict(p for a, b in [
    ("taller", "shorter"), ("older", "younger"), ("bigger", "smaller"),
    ("larger", "smaller"), ("heavier", "lighter"), ("faster", "slower"),
    ("higher", "lower"), ("longer", "shorter"), ("stronger", "weaker"),
    ("richer", "poorer"), ("tallest", "shortest"), ("oldest", "youngest"),
    ("biggest", "smallest"), ("largest", "smallest"), ("heaviest", "lightest"),
    ("fastest", "slowest"), ("highest", "lowest"), ("longest", "shortest"),
    ("strongest", "weakest")] for p in ((a, b), (b, a)))
_NEGATION = re.compile(r"\b(?:not|never|no|cannot|nor|neither|impossible|rather\s+than|"
                       r"instead\s+of)\b|n['’]t\b", re.I)
# A claim made only possible ("Tom might be a mammal") is not settled either way; "could not
# have" is certain.
_MODAL = re.compile(r"\b(?:might|may|maybe|perhaps|possibly|probably|"
                    r"could(?!\s*(?:not|n['’]t)\s+(?:have|be)\b))\b", re.I)
_MARKER = re.compile(r"^\s*(?:[-*•]|\(?\d{1,2}[.):]|step\s+\d+\s*[:.)])\s*", re.I)
# Epistemic statements: the premises do not settle the claim.
_UNSETTLED = re.compile(
    r"\b(?:(?:can\s*not|can['’]t|could\s+not|couldn['’]t|not\s+possible\s+to|impossible\s+to|"
    r"no\s+way\s+to|unable\s+to)\s+(?:be\s+)?(?:conclud|determin|tell|know|say|sure|certain|"
    r"infer|deduc|decid)\w*|(?:may|might|could)\s+or\s+(?:may|might|could)\s+not|"
    r"maybe\s*,?\s*(?:or\s+)?maybe\s+not|\bor\s+not\b|(?:do|does|did)\s*(?:not|n['’]t)\s+"
    r"(?:say|tell|state|specify|mention|settle|establish|show|prove|rule)|rule[sd]?\s+(?:it|"
    r"this|that)\s+out|(?:is|are)\s*(?:not|n['’]t)\s+(?:enough|settled|known|clear|certain|"
    r"sure|stated|given)|not\s+(?:enough|necessarily|certain|sure|known|clear|settled)|"
    r"leaves?\s+(?:\S+\s+){0,3}open|(?:an\s+)?open\s+question|either\s+(?:way|group)|"
    r"unknown|unclear|uncertain|undetermin\w*|insufficient)", re.I)
# Clauses that state nothing of the model's own: conditions, counterfactuals, premises
# reported ("the first premise says that all cats are mammals"), a question being set up.
_HYPOTHETICAL = re.compile(r"^\s*(?:if|unless|whether|suppose|supposing|assuming)\b|"
                          r"\bwould\b|\bwould['’]ve\b|\bpremises?\b|\b(?:we\s+are|we['’]re)\s+"
                          r"told\b|\b(?:to\s+)?(?:determine|decide|check|find\s+out)\s+"
                          r"(?:whether|if)\b", re.I)
_CLAUSE = re.compile(r"[,;:]|\b(?:so|but|because|although|though|since|therefore|hence|thus|"
                     r"which\s+means|even\s+though|while|whereas|and)\b", re.I)


def question_of(prompt: str, number: int | None = None) -> str:
    """The question sentence of a prompt: the last one ending in "?" before the answer
    instructions, or question ``number`` when they are numbered "1) ...?"."""
    if number is not None:
        m = re.search(rf"(?m)^\s*\(?{number}\s*[).:]\s*(.+?\?)", prompt)
        if m:
            return m.group(1)
    asked = re.findall(r"[^.?!\n]*\?", prompt)
    return asked[-1].strip() if asked else ""


@dataclass(frozen=True)
class Claim:
    key: tuple[str, ...]        # stems of the claim's words, in order
    names: frozenset[str]       # proper names among them
    required: frozenset[str]    # names, the word before "than", the last word
    optional: frozenset[str]    # a trailing "of the three": may go


def claim_of(question: str) -> Claim:
    ws = words(question)
    key: list[str] = []
    names: set[str] = set()
    required: set[str] = set()
    trailing: list[str] = []
    in_tail = False
    for i, w in enumerate(ws):
        low = w.casefold()
        if low in _PREPOSITIONS and i > 1:
            in_tail, trailing = True, []
        if low in _SKIP or (i == 0 and low in {"can", "has", "have"}):
            continue
        s = stem(_SAME_VERB.get(low, low))
        key.append(s)
        if in_tail:
            trailing.append(s)
        if w[:1].isupper() and i > 0:
            names.add(s)
        if i + 1 < len(ws) and ws[i + 1].casefold() == "than":
            required.add(s)
    optional = set(trailing) - names if in_tail and len(trailing) < len(key) else set()
    last = [k for k in key if k not in optional]
    # The subject (first word), the names, the compared word and the last word must be said;
    # a pronoun may stand for the subject.
    required |= names | ({last[-1]} if last else set()) | set(key[:1])
    return Claim(tuple(key), frozenset(names), frozenset(required), frozenset(optional))


def _in_order(needles: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(h == n for h in it) for n in needles)


def _states(st: list[str], toks: set[str], c: Claim) -> bool:
    """Does a clause (stems ``st``) state the claim's words, in order?"""
    want = list(c.key)
    if want and want[0] not in st and toks & _PRONOUNS:
        # "He is not the oldest", "They are all black": a pronoun stands for the subject,
        # the words before the first one said.
        while want and want[0] not in st:
            want.pop(0)
    if not want:
        return False
    if not all(k in st for k in c.required if k in want):
        return False
    others = [k for k in want if k not in c.required and k not in c.optional]
    if sum(k in st for k in others) < len(others) // 2 + len(others) % 2 - (len(others) == 1):
        return False
    return _in_order([k for k in want if k in st], st)


def _converse(c: Claim) -> Claim | None:
    """"Anna taller Carl" as "Carl shorter Anna" (two names around an opposite word)."""
    names = [k for k in c.key if k in c.names]
    opposite = [k for k in c.key if k in _OPPOSITES]
    if len(names) != 2 or len(opposite) != 1:
        return None
    swap = {names[0]: names[1], names[1]: names[0], opposite[0]: _OPPOSITES[opposite[0]]}
    key = tuple(swap.get(k, k) for k in c.key)
    req = frozenset(swap.get(k, k) for k in c.required)
    return Claim(key, c.names, req, c.optional)


def _reading(clause: str, c: Claim, others: set[str]) -> str | None:
    """"yes", "no" or "cannot be determined" when this clause speaks to the claim."""
    toks_list = [_SAME_VERB.get(w.casefold(), w.casefold()) for w in words(clause)]
    st = [stem(t) for t in toks_list]
    toks = set(toks_list)
    conv = _converse(c)
    if _states(st, toks, c) or (conv is not None and _states(st, toks, conv)):
        if _MODAL.search(clause):
            return "cannot be determined"
        return "no" if _NEGATION.search(clause) else "yes"
    # Only one can be the oldest: "Bob is the youngest" or "Carol is the oldest" says no.
    sup = [k for k in c.key if k.endswith("est") and k in _OPPOSITES]
    subject = [k for k in c.key if k in c.names][:1]
    if sup and subject and not _NEGATION.search(clause) and not _MODAL.search(clause) \
            and _OPPOSITES[sup[0]] in st and (subject[0] in st or toks & _PRONOUNS):
        return "no"
    return None


def _other_is(sentence: str, c: Claim) -> bool:
    """"Carol is the oldest, not Bob": the superlative given to someone else, the subject
    named as not it."""
    sup = [k for k in c.key if k.endswith("est") and k in _OPPOSITES]
    subject = [w for w in words(sentence) if stem(w.casefold()) in c.names][:1]
    return bool(sup and subject and sup[0] in {stem(w.casefold()) for w in words(sentence)}
                and re.search(rf"\bnot\s+{re.escape(subject[0])}\b", sentence, re.I))


def _clauses(sentence: str) -> list[str]:
    """Clauses of a sentence; "X is a fish, not a mammal": the "not" part keeps its subject."""
    out: list[str] = []
    for part in _CLAUSE.split(sentence):
        if out and re.match(r"\s*(?:but\s+)?not\b", part, re.I):
            out[-1] += " " + part
        elif part.strip():
            out.append(part)
    return out


def _said(text: str) -> str:
    return " ".join(w.casefold() for w in words(text))


def read(answer: str, question: str, prompt: str = "", *,
         about: bool = False) -> tuple[str | None, str]:
    """("yes" | "no" | "cannot be determined" | None, why). Questions state nothing, and
    neither do the premises when the prompt is copied back with its question."""
    c = claim_of(question)
    if not c.key or not answer.strip():
        return None, ""
    given = _said(prompt)
    asked = {_said(q) for q in re.findall(r"[^.?!\n]*\?", prompt)}
    copied = any(q and q in _said(answer) for q in asked)
    others = {stem(w.casefold()) for w in words(prompt)
              if w[:1].isupper() and w.casefold() not in _SKIP} - set(c.names)
    found: list[str] = []
    for sentence in (_MARKER.sub("", s) for s in sentences(answer)):
        if sentence.rstrip().endswith("?") or (copied and given and _said(sentence) in given):
            continue
        unsettled = [m for m in _UNSETTLED.finditer(sentence)
                     if not negated(sentence, m.start(), m.end())]  # "I wouldn't say unclear"
        # ``about``: with several questions, only a sentence naming this claim's words
        # ("we can't tell whether Milo is black") speaks to it.
        said_stems = {stem(w.casefold()) for w in words(sentence)}
        names_it = not about or bool(said_stems & (c.names | (c.required - {c.key[0]})))
        if unsettled and names_it:
            found.append("cannot be determined")
            continue
        if _other_is(sentence, c):
            found.append("no")
            continue
        for clause in _clauses(sentence):
            if _HYPOTHETICAL.search(clause):
                continue  # "If it had rained", "rain would have made it wet": not claims
            got = _reading(clause, c, others)
            if got:
                found.append(got)
    kinds = set(found)
    if len(kinds) == 1:
        return found[0], "a statement of the question's claim"
    if kinds:
        return None, f"statements both ways {sorted(kinds)}"
    return None, ""
