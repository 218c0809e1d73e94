"""JSON extraction against expected fields.

Protocol: the reply is one JSON object alone (a ```json fence allowed). Leniently, the last
object in the reply that parses (fenced, bare, after prose; a Python-style dict too) is
graded; a key spelled in another case, a number written as a string, extra keys are format
faults, not wrong content. A value is right when it means the expected value: numbers within
tolerance, text equal up to case, accents, spacing and punctuation, or another inflection of
a word the expected text writes in lower case ("notebook" for "notebooks"; a name such as
"Paris" is not folded). An e-mail address or a web address is compared as written (up to
case): its punctuation is its content. Objects offered as alternatives ("either {..} or
{..}") that disagree on a field are a hedge: wrong; a key given twice with two values states
neither.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

from jarri.evaluate.language import HEDGE, RETRACTION, refusal, stem, words
from jarri.evaluate.normalise import fold
from jarri.evaluate.numbers import numbers, readable
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report

_FENCED = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\n(.*?)```", re.S)
_ONLY = re.compile(r"^\s*(?:```[ \t]*(?:json|JSON)?[ \t]*\n)?\s*(\{.*\})\s*(?:\n```)?\s*$", re.S)
MAX_DEPTH = 64


def _depth_ok(text: str) -> bool:
    depth = peak = 0
    for ch in text:
        depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(ch, 0)
        peak = max(peak, depth)
    return peak <= MAX_DEPTH


class _Object(dict[str, Any]):
    """A parsed JSON object that remembers the keys it was given twice with different
    values (json keeps the last one silently)."""

    twice: frozenset[str] = frozenset()


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    twice = set()
    for k, v in pairs:
        if k in obj and obj[k] != v:
            twice.add(k)
        obj[k] = v
    obj.twice = frozenset(twice)
    return obj


def _parse(candidate: str) -> tuple[Any, bool] | None:
    """(value, strict JSON?) or None."""
    if len(candidate) > 200_000 or not _depth_ok(candidate):
        return None
    try:
        return json.loads(candidate, object_pairs_hook=_pairs), True
    except ValueError:
        pass
    try:
        return ast.literal_eval(candidate), False
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


def _objects(text: str) -> list[tuple[dict[str, Any], bool, int, int]]:
    """Every top-level {...} in the text that parses to an object, in order, with where it
    lies in the text (start, end)."""
    found: list[tuple[dict[str, Any], bool, int, int]] = []
    for m in _FENCED.finditer(text):
        parsed = _parse(m.group(1).strip())
        if parsed and isinstance(parsed[0], dict):
            found.append((parsed[0], parsed[1], m.start(), m.end()))
    if found:
        return found
    i = 0
    while (start := text.find("{", i)) != -1:
        depth, in_str, esc, end = 0, False, False, -1
        for j in range(start, len(text)):
            ch = text[j]
            if in_str:
                esc = ch == "\\" and not esc
                if ch == '"' and not esc:
                    in_str = False
                continue
            if ch == '"':
                in_str = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    end = j
                    break
        if end == -1:
            break
        parsed = _parse(text[start:end + 1])
        if parsed and isinstance(parsed[0], dict):
            found.append((parsed[0], parsed[1], start, end + 1))
            i = end + 1
        else:
            i = start + 1
    return found


def json_problems(params: dict[str, Any], gt: Any) -> list[str]:
    if not isinstance(gt, dict) or not isinstance(gt.get("fields"), dict) or not gt["fields"]:
        return ["json_fields needs ground truth {fields: {name: expected}, allow_extra: bool}"]
    return []


def _number_in(got: Any) -> tuple[float | None, bool]:
    """(number, written as a string?)"""
    if isinstance(got, bool):
        return None, False
    if isinstance(got, int | float):
        return (float(got), False) if math.isfinite(got) else (None, False)
    if isinstance(got, str):
        found = numbers(readable(got))
        if len(found) == 1:
            return found[0].value, True
    return None, False


# An e-mail address or a web address: every character of it matters.
_ADDRESS = re.compile(r"@|://|^www\.", re.I)


def _text_same(got: str, want: str) -> bool:
    g, w = fold(got), fold(want)
    if g == w:
        return True
    if _ADDRESS.search(w):
        return False
    if re.sub(r"[\W_]", "", g) == re.sub(r"[\W_]", "", w):
        return True
    gw, ww = words(g), words(w)
    if len(gw) != len(ww) or not ww:
        return False
    # Only words the expected text writes in lower case are folded to their stem: a name
    # ("Paris", "German") is right only as itself ("Pari" and "Germans" are other words).
    written = words(want)
    named = [x[:1].isupper() for x in written] if len(written) == len(ww) else [True] * len(ww)
    return all(x == y if name else stem(x) == stem(y)
               for x, y, name in zip(gw, ww, named, strict=True))


def same(got: Any, want: Any) -> tuple[bool, bool]:
    """(the value means the expected one, it was written as a string instead)."""
    if isinstance(want, dict) and "value" in want:
        value, as_string = _number_in(got)
        return value is not None and abs(value - want["value"]) <= want.get("tolerance", 0), \
            as_string
    if isinstance(want, bool):
        if isinstance(got, bool):
            return got is want, False
        if isinstance(got, str):
            return fold(got) in ({"true", "yes"} if want else {"false", "no"}), True
        return False, False
    if want is None:
        return got is None or (isinstance(got, str) and fold(got) in {"null", "none"}), False
    if isinstance(want, int | float):
        value, as_string = _number_in(got)
        return value is not None and value == want, as_string
    if isinstance(want, str):
        if isinstance(got, str):
            return _text_same(got, want), False
        if isinstance(got, int | float) and not isinstance(got, bool):
            return _text_same(f"{got:g}", want), False
        return False, False
    return bool(got == want), False


def _key(obj: dict[str, Any], name: str) -> tuple[str | None, bool]:
    """(the key holding ``name``, spelled differently?)"""
    if name in obj:
        return name, False
    flat = re.sub(r"[\s\-]+", "_", name.casefold())
    for k in obj:
        if isinstance(k, str) and re.sub(r"[\s\-]+", "_", k.strip().casefold()) == flat:
            return k, True
    return None, False


def evaluate_json(answer: str, gt: Any, params: dict[str, Any], threshold: float, *,
                  prompt: str = "", prefill: str = "") -> EvalReport:
    fields: dict[str, Any] = gt["fields"]
    reply = prepare(answer)
    objs = _objects(reply.text)
    obj, strict_json = (objs[-1][0], objs[-1][1]) if objs else (None, False)
    hedged = _alternatives(reply.text, objs, fields)
    fmt = list(reply.violations)
    only = _ONLY.match(reply.text)
    if not (only and objs and len(objs) == 1 and strict_json):
        fmt.append("not_json_only")
    if len(objs) > 1:
        fmt.append("several_json_objects")
    checks = [Check("json_object", obj is not None, weight=0.0,
                    detail=f"graded the last of {len(objs)} object(s)" if objs
                    else "no JSON object found")]
    used: set[str] = set()
    for name, want in fields.items():
        key, respelled = _key(obj, name) if obj is not None else (None, False)
        got = obj.get(key) if obj is not None and key is not None else None
        ok, as_string = same(got, want) if key is not None else (False, False)
        twice = key is not None and key in getattr(obj, "twice", ())
        if twice:
            ok = False
        if key is not None:
            used.add(key)
        if respelled:
            fmt.append("key_spelling")
        if as_string:
            fmt.append("value_as_string")
        checks.append(Check(f"field:{name}", ok,
                            detail=f"expected {want!r}, the key is given twice with different "
                            f"values" if twice else f"expected {want!r}, got {got!r}"
                            if key is not None else f"expected {want!r}, key missing"))
    if hedged:
        checks.append(Check("single_answer", False, weight=0.0,
                            detail="offers several objects as alternatives that disagree on "
                                   f"{', '.join(hedged)} (a hedge)"))
    if obj is not None and not gt.get("allow_extra", True) and set(obj) - used:
        fmt.append("extra_fields")
    if reply.empty:
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="generation", failure_type="empty_output",
                            format_violations=fmt)
    if obj is None:
        refused = refusal(reply.text)
        return build_report(checks, pass_threshold=threshold, extracted=None,
                            failure_stage="semantic" if refused else "parse",
                            failure_type="refusal" if refused else "parse_failure",
                            format_violations=fmt)
    return build_report(checks, pass_threshold=threshold,
                        extracted=json.dumps(obj, sort_keys=True, default=str)[:2000],
                        failure_stage="semantic", failure_type="wrong_answer",
                        format_violations=fmt, void=bool(hedged))


def _alternatives(text: str, objs: list[tuple[dict[str, Any], bool, int, int]],
                  fields: dict[str, Any]) -> list[str]:
    """The asked fields on which objects offered as alternatives disagree ("Either {..} or
    {..}", "{..} or maybe {..}"): empty when there is one object, when the text around them
    does not hedge, or when it retracts (a correction gives the last object)."""
    if len(objs) < 2:
        return []
    around = text[:objs[-1][2]]
    for _, _, start, end in reversed(objs[:-1]):
        around = around[:start] + " " + around[end:]
    if not HEDGE.search(around) or RETRACTION.search(around):
        return []
    differ = []
    for name in fields:
        seen = []
        for obj, *_ in objs:
            key = _key(obj, name)[0]
            seen.append(json.dumps(obj.get(key) if key is not None else None, sort_keys=True,
                                   default=str))
        if len(set(seen)) > 1:
            differ.append(name)
    return differ
