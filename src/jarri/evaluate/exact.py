"""Short text answers (a city, a symbol, a name): the committed answer must be the expected
one or an alias; a hedge, a negation or a retraction away from it is wrong."""

from __future__ import annotations

import re
from typing import Any

from jarri.evaluate.language import (
    FUNCTION_WORDS,
    HEDGE,
    after_retraction,
    negated,
    refusal,
    sentences,
    words,
)
from jarri.evaluate.normalise import fold
from jarri.evaluate.protocol import ShortAnswer, short_answer
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report

BARE_WORDS = 4  # a segment this short is an answer attempt even without a known candidate


def _targets(ground_truth: Any) -> list[str]:
    if isinstance(ground_truth, str):
        return [ground_truth]
    answers = [ground_truth["answer"], *ground_truth.get("aliases", [])]
    return [str(a) for a in answers]


def exact_problems(params: dict[str, Any], ground_truth: Any) -> list[str]:
    if isinstance(ground_truth, str) and ground_truth.strip():
        return []
    if isinstance(ground_truth, dict) and isinstance(ground_truth.get("answer"), str | int):
        lists = [ground_truth.get(k, []) for k in ("aliases", "distractors")]
        if all(isinstance(v, list) and all(isinstance(a, str | int) for a in v) for v in lists):
            return []
    return ["exact needs ground truth \"text\" or {answer: text, aliases: [text, ...], "
            "distractors: [text, ...]}"]


_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def mentions(text: str, phrase: str, full: str = "") -> list[re.Match[str]]:
    """Whole-word, case- and accent-insensitive mentions of ``phrase`` in ``text`` (folded).

    When ``phrase`` is the last word of the full answer ("Austen" of "Jane Austen"), a mention
    right after another name ("Cassandra Austen") is somebody else."""
    p = fold(phrase)
    if not p:
        return []
    found = list(re.finditer(rf"(?<![\w]){re.escape(p)}(?![\w])", text))
    f = fold(full)
    if f and f != p and f.endswith(" " + p):
        first = f[: -len(p) - 1].split()[-1]
        found = [m for m in found if not _other_name(text[:m.start()], first)]
    return found


def _other_name(before: str, first: str) -> bool:
    prev = re.findall(r"[^\W\d_]+", before[-40:])
    return bool(prev) and prev[-1] != first and prev[-1] not in FUNCTION_WORDS \
        and len(prev[-1]) > 2 and before.rstrip()[-1:].isalpha()


# "Jupiter's moon", "Austen's sister": the mention names what something else belongs to.
# ("Jupiter's the largest" is "Jupiter is": an article or an adverb comes next.)
_POSSESSIVE = re.compile(r"['’]s\s+(?!(?:the|a|an|not|definitely|certainly|clearly|indeed|"
                         r"correct|right|it|my|our|your)\b)[^\W\d_]", re.I)
# "Is it Canberra?": a question asks, it does not answer.
_QUESTION = re.compile(r"^\W*(?:is|are|was|were|could|might|may|would|should|do|does|did|"
                       r"can|what|which|who|whom|whose|where|when|how|why|isn['’]t|maybe|"
                       r"perhaps)\b[^?]*\?\W*$", re.I)


# "a moon of Jupiter", "the sister of Jane Austen": a part or a relative of the answer.
_PART_OF = re.compile(r"\b(?:moons?|satellites?|rings?|spots?|storms?|cores?|surface|"
                      r"atmosphere|part|parts|region|province|suburbs?|districts?|colony|"
                      r"neighbou?rs?|sisters?|brothers?|wife|husband|daughters?|sons?|"
                      r"mother|father|friends?|rivals?|students?|teachers?|contemporar(?:y|ies)|"
                      r"cousins?|niece|nephew|relatives?)\s+of\s+(?:the\s+)?$")


def committed(text: str, phrases: list[str], full: str = "") -> tuple[bool, bool]:
    """(some phrase is mentioned, some mention of it is not negated). A possessive mention
    ("Jupiter's moon") or one after "a moon of" is not one: it names another thing."""
    t = fold(text)
    whole = fold(full)

    def names_another(m: re.Match[str]) -> bool:
        # an alias that ends the full answer ("Austen" of "Jane Austen") is read from there
        start = m.end() - len(whole) if whole and t[:m.end()].endswith(whole) else m.start()
        return bool(_POSSESSIVE.match(t, m.end()) or _PART_OF.search(t[:start]))

    found = [m for p in phrases for m in mentions(t, p, full) if not names_another(m)]
    return bool(found), any(not negated(t, m.start(), m.end()) for m in found)


def _judge(segment: str, targets: list[str], distractors: list[str]) -> tuple[str, str] | None:
    """(verdict, why) for one segment, or None when it offers no answer at all."""
    seg = after_retraction(segment)
    parts = sentences(seg) or [seg]
    for sentence in parts:
        if _QUESTION.match(sentence):
            continue
        # An aside in brackets ("Canberra (a compromise between Sydney and Melbourne)") is
        # not an answer, unless only it holds one.
        bare = _PARENS.sub(" ", sentence)
        if words(bare) and any(committed(bare, c, targets[0])[0] for c in (targets, distractors)):
            sentence = bare
        t_seen, t_ok = committed(sentence, targets, targets[0])
        d_seen, d_ok = committed(_before_secondary(sentence, targets), distractors)
        if not (t_seen or d_seen or len(words(sentence)) <= BARE_WORDS):
            continue
        folded = fold(sentence)
        if any(fold(t) == folded for t in targets):
            return "right", "the answer itself"
        if t_ok and d_ok:
            return "hedge", "names the answer and a known wrong one"
        if t_ok and HEDGE.search(_without_negated(sentence)):
            return "hedge", "offers alternatives"
        if t_ok:
            return "right", "commits to the answer"
        return "wrong", "the expected answer is not committed to"
    return None


def _before_secondary(sentence: str, targets: list[str]) -> str:
    """The sentence up to a "followed by", "then", "next" ... that comes after the answer:
    "Jupiter, followed by Saturn" names Saturn second, not as a candidate."""
    t = fold(sentence)
    first = min((m.start() for p in targets for m in mentions(t, p, targets[0])), default=None)
    if first is None:
        return sentence
    for m in re.finditer(r"\b(?:followed|then|next|second|after\s+(?:it|that))\b", t):
        if m.start() > first:
            return t[:m.start()]  # folded, as committed() reads it
    return sentence


def _without_negated(sentence: str) -> str:
    # "Canberra (not Sydney or Melbourne)": alternatives that are ruled out are not a hedge.
    return re.sub(r"\b(?:not|rather than|instead of)\b[^,;.()]*", " ", sentence, flags=re.I)


def evaluate_exact(answer: str, ground_truth: Any, params: dict[str, Any],
                   pass_threshold: float, *, prompt: str = "", prefill: str = "") -> EvalReport:
    reply = prepare(answer)
    sa = short_answer(reply, prefill=prefill)
    targets = _targets(ground_truth)
    distractors = [str(d) for d in (ground_truth.get("distractors", [])
                                    if isinstance(ground_truth, dict) else [])]
    verdict = segment = None
    why = "no answer found"
    for seg in sa.segments:
        judged = _judge(seg, targets, distractors)
        if judged is not None:
            (verdict, why), segment = judged, seg
            break
    return _report(sa, verdict, why, segment, targets, reply.empty, refusal(reply.text),
                   pass_threshold)


def _report(sa: ShortAnswer, verdict: str | None, why: str, segment: str | None,
            targets: list[str], empty: bool, refused: bool, threshold: float) -> EvalReport:
    present = Check("answer_present", segment is not None, weight=0.0,
                    detail=f"graded: {segment[:160]!r} ({sa.source})" if segment else why)
    match = Check("answer_matches", verdict == "right",
                  detail=f"expected one of {targets}: {why}")
    checks = [present, match]
    fmt = list(sa.violations)
    if sa.source == "protocol" and segment is not None and len(words(segment)) > 2 * max(
            len(words(t)) for t in targets) + 2:
        fmt.append("answer_not_bare")
    if empty:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if verdict != "right" and refused:
        return build_report(checks, pass_threshold=threshold, extracted=segment,
                            failure_stage="semantic", failure_type="refusal",
                            format_violations=fmt)
    return build_report(checks, pass_threshold=threshold, extracted=segment,
                        failure_stage="semantic" if segment is not None else "parse",
                        failure_type="wrong_answer" if segment is not None else "parse_failure",
                        format_violations=fmt)
