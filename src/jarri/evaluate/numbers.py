"""Numbers as people write them, and their units.

- number words become digits (``text2num``: "one hundred and eighty" -> 180);
- thousands separators: comma, apostrophe, a plain, thin or narrow no-break space
  ("12,345", "12 345"); the unicode minus is a minus (reply.normalise_unicode);
- a date is one number, its year ("8 May 1945", "May 8, 1945", "1945-05-08" -> 1945);
- a unit is a word after the number that ``pint`` knows *and* that measures what the task
  asks for (length for metres, time for minutes), so "48 eggs" has no unit and "4500 km" has
  a wrong one; any spelling pint knows counts ("metre", "meters", "secs", "mL");
- a currency (the task's unit is an ISO code such as "EUR") is read from CLDR's names, symbols
  and codes (``babel``), before or after the number ("€10", "EUR 10", "10 euros", "10.00 €"),
  so "$10" is a wrong unit for euros;
- any other unit is a counted noun ("eggs"): the noun after the number is the right unit in
  any inflection, and a wrong one when it is another noun the prompt counts ("4 boxes"), so
  "48 boxes" answers "how many eggs" with a wrong unit; other words after it are not units.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATES = [
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+(\d{{3,4}})\b", re.I),
    re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(\d{{3,4}})\b", re.I),
    re.compile(r"\b(\d{4})-\d{2}-\d{2}\b"),
    # 8/5/1945, 05/08/1945, 8.5.1945 (day and month in either order), 1945/05/08
    re.compile(r"(?<![\d.,/])(?:0?[1-9]|[12]\d|3[01])([/.])(?:0?[1-9]|[12]\d|3[01])\1(\d{4})\b"),
    re.compile(r"\b(\d{4})/(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])\b"),
]
_NUMBER = re.compile(
    r"(?<![^\W_]|[.\d])(?P<sign>[-+])?(?P<int>\d{1,3}(?:(?:,|'| )\d{3})+(?!\d)|\d+)"
    r"(?P<frac>\.\d+|(?<!\d,\d)(?<!\d,\d\d),\d{1,2}(?![\d,]))?(?:[eE](?P<exp>[-+]?\d+)(?![A-Za-z]))?(?![\d])"
    r"(?:st|nd|rd|th)?")
_UNIT_WORDS = re.compile(r"\s*(°\s*[CF]\b|[A-Za-zµ°%]+\.?)(?:\s+([A-Za-z]+))?")
_NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion)\b", re.I)
# Short English words pint would read as units ("a" = year, "in" = inch, "at" = atmosphere).
_NOT_UNITS = frozenset({"a", "an", "in", "at", "is", "it", "to", "of", "by", "on", "or",
                        "and", "as", "be", "do", "if", "so", "no", "us", "we", "per", "the"})


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int
    text: str


_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Years said in pairs ("nineteen forty-five"), which text2num reads as two numbers.
_SPOKEN_YEAR = re.compile(
    rf"\b({'|'.join(_SMALL[10:])}|twenty)[\s-]+({'|'.join(_TENS[2:])})(?:[\s-]+"
    rf"({'|'.join(_SMALL[1:10])}))?\b", re.I)


def _spoken_year(m: re.Match[str]) -> str:
    head = m.group(1).casefold()
    century = 20 if head == "twenty" else _SMALL.index(head)
    tail = _TENS.index(m.group(2).casefold()) * 10 + (
        _SMALL.index(m.group(3).casefold()) if m.group(3) else 0)
    return str(century * 100 + tail)


def words_to_digits(text: str) -> str:
    """Number words as digits; text without number words is returned unchanged."""
    if not _NUMBER_WORD.search(text):
        return text
    text = _SPOKEN_YEAR.sub(_spoken_year, text)
    from text_to_num import alpha2digit

    converted: str = alpha2digit(text, "en", threshold=0)
    return converted


def dates_to_years(text: str) -> str:
    for pattern in _DATES:
        text = pattern.sub(lambda m: m.group(m.lastindex or 1), text)
    return text


def readable(text: str) -> str:
    """The text with number words as digits and dates as their year."""
    return dates_to_years(words_to_digits(text))


def numbers(text: str) -> list[Number]:
    """Every number written in ``text`` (already ``readable``), in order."""
    out = []
    for m in _NUMBER.finditer(text):
        digits = re.sub(r"[,' ]", "", m.group("int"))
        # A comma before one or two digits is a decimal comma ("10,50 €"); before three it
        # separates thousands ("10,500"), and in a list ("1,2,3") it separates numbers.
        frac = (m.group("frac") or "").replace(",", ".")
        literal = f"{m.group('sign') or ''}{digits}{frac}"
        if m.group("exp"):
            literal += f"e{m.group('exp')}"
        try:
            value = float(literal)
        except ValueError:
            continue
        if math.isfinite(value):
            out.append(Number(value, m.start(), m.end(), m.group(0)))
    return out


@functools.cache
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


def _parse_unit(word: str) -> Any | None:
    if word.casefold().rstrip(".") in _NOT_UNITS:
        return None
    w = word.replace("°C", "degC").replace("°F", "degF").replace("° C", "degC")
    try:
        return _registry().parse_units(w.rstrip("."))
    except Exception:  # noqa: BLE001 - pint raises several types for "not a unit"
        return None


@dataclass(frozen=True)
class UnitMatch:
    written: str | None   # the unit word(s) after the number, if they measure the same thing
    same: bool            # the written unit is the expected one (any spelling)


@functools.cache
def _currencies() -> dict[str, frozenset[str]]:
    """Written form (folded) -> the ISO codes it may name, from CLDR's English data."""
    from babel import Locale
    from babel.numbers import get_currency_name

    en = Locale("en")
    forms: dict[str, set[str]] = {}
    for code in map(str, en.currencies):
        names = {str(en.currencies[code]), get_currency_name(code, count=2, locale="en")}
        written = {code, str(en.currency_symbols.get(code, code))} | names
        written |= {n.split()[-1] for n in names if len(n.split()) > 1}
        for w in written:
            forms.setdefault(w.casefold(), set()).add(code)
    return {w: frozenset(c) for w, c in forms.items()}


def is_currency(unit: str) -> bool:
    return unit.upper() in _currencies().get(unit.casefold(), frozenset())


_BEFORE = re.compile(r"(\S+?)\s?$")
_AFTER = re.compile(r"\s?([^\s\d.,;:!?()]+(?:\s[A-Za-z]+)?)")


def _currency_at(text: str, num: Number) -> list[str]:
    """Written currencies touching the number: a symbol or code before it, anything after."""
    out = []
    after = _AFTER.match(text, num.end)
    if after:
        phrase = after.group(1)
        out += [phrase, phrase.split()[0]] if " " in phrase else [phrase]
    before = _BEFORE.search(text[max(0, num.start - 6):num.start])
    if before and (not before.group(1).isalpha() or before.group(1).isupper()):
        out.append(before.group(1))
        out.append(re.sub(r"^[A-Za-z]+", "", before.group(1)))  # "US$" is "$"
    return [c for c in out if c]


def _currency_match(text: str, num: Number, code: str) -> UnitMatch:
    table = _currencies()
    for cand in _currency_at(text, num):
        codes = table.get(cand.casefold().rstrip("."))
        if codes:
            return UnitMatch(cand, code.upper() in codes)
    return UnitMatch(None, False)


def counted_nouns(prompt: str) -> set[str]:
    """Stems of the nouns a prompt counts ("4 boxes with 8 eggs" -> box, egg)."""
    from jarri.evaluate.language import stem

    return {stem(m.group(1)) for m in re.finditer(r"\b\d+\s+([A-Za-z]{3,})", prompt)}


def _count_match(text: str, num: Number, expected: str, aliases: list[str],
                 prompt: str) -> UnitMatch:
    from jarri.evaluate.language import stem

    m = re.compile(r"\s*([A-Za-z]+)(?:\s+([A-Za-z]+))?").match(text, num.end)
    if m is None:
        return UnitMatch(None, False)
    want = {stem(w) for w in [expected, *aliases]}
    others = counted_nouns(prompt) - want
    for i, word in enumerate((m.group(1), m.group(2))):  # "48 eggs", "48 whole eggs"
        if not word:
            continue
        if stem(word) in want:
            return UnitMatch(word, True)
        if stem(word) in others or (i == 0 and _other_count_noun(word)):
            return UnitMatch(word, False)
    return UnitMatch(None, False)


# After a count, these are not a unit: "48 left", "48 in total", "48 whole ones".
_NOT_COUNT_NOUNS = frozenset({"ones", "others", "items", "things", "pieces", "units",
                              "times", "is", "was", "as", "plus", "minus", "less", "its",
                              "this", "has", "does", "yes", "thus"})
# Words that group a count: "48 dozen" is 576 eggs.
_GROUPS = frozenset({"dozen", "dozens", "pair", "pairs", "score", "gross", "hundred",
                     "thousand", "million", "percent", "per"})


def _other_count_noun(word: str) -> bool:
    """A plural noun right after the count ("48 cartons") or a grouping word ("dozen")."""
    from jarri.evaluate.language import FUNCTION_WORDS

    low = word.casefold()
    if low in _GROUPS:
        return True
    return (len(low) > 3 and low.endswith("s") and not low.endswith("ss")
            and low not in FUNCTION_WORDS and low not in _NOT_COUNT_NOUNS)


def unit_kind(unit: str) -> str:
    """"currency", "physical" (pint knows it) or "count" (a counted noun)."""
    if is_currency(unit):
        return "currency"
    return "physical" if _parse_unit(unit) is not None else "count"


def unit_after(text: str, num: Number, expected: str, aliases: list[str],
               prompt: str = "") -> UnitMatch:
    """The unit written next to ``num``, judged against the expected unit."""
    kind = unit_kind(expected)
    if kind == "currency":
        return _currency_match(text, num, expected)
    if kind == "count":
        return _count_match(text, num, expected, aliases, prompt)
    want = _parse_unit(expected)
    names = {expected.casefold(), *(a.casefold() for a in aliases)}
    compound = _COMPOUND.match(text, num.end)
    if compound is not None and want is not None:
        # "4500 m²", "27000 ml/min", "1260 square metres": a power or a ratio of units is
        # that unit, not the word it starts with.
        unit = _parse_unit(_pint_form(compound.group(1)))
        if unit is not None:
            return UnitMatch(compound.group(1), unit == want)
    m = _UNIT_WORDS.match(text, num.end)
    if m is None:
        return UnitMatch(None, False)
    candidates = [w for w in (f"{m.group(1)} {m.group(2)}" if m.group(2) else None,
                              m.group(1)) if w]
    for cand in candidates:
        if cand.casefold().rstrip(".") in names:
            return UnitMatch(cand, True)
        unit = _parse_unit(cand)
        if unit is None or want is None:
            continue
        if unit == want:
            return UnitMatch(cand, True)
        if unit.dimensionality == want.dimensionality:
            return UnitMatch(cand, False)
    # A unit of another kind ("1260 kg" for minutes) is a wrong unit too. Only the word
    # right after the number is read here (two words may parse as a product of units:
    # "minutes in"), and never an angle or a pure number ("100 degrees" of a temperature).
    single = _parse_unit(m.group(1))
    if want is not None and single is not None and not single.dimensionless:
        return UnitMatch(m.group(1), False)
    return UnitMatch(None, False)


# A power ("m²", "m^2", "m2"), a ratio ("m/s", "ml per min") or a "square"/"cubic" unit.
_POWER = r"[A-Za-zµ]+(?:\^?[23]|[²³])"
_PLAIN = r"[A-Za-zµ°]+"
_COMPOUND = re.compile(
    rf"\s*((?:(?:square|sq\.?|cubic|cu\.?)\s+{_PLAIN}|{_POWER}(?:\s*(?:/|per\s)\s*"
    rf"(?:{_POWER}|{_PLAIN}))?|{_PLAIN}\s*(?:/|per\s)\s*(?:{_POWER}|{_PLAIN})))(?![\w/^])",
    re.I)


def _pint_form(written: str) -> str:
    w = re.sub(r"\s*\bper\s+", "/", written, flags=re.I)
    w = re.sub(r"^(?:square|sq\.?)\s+(\S+)", r"\1**2", w, flags=re.I)
    w = re.sub(r"^(?:cubic|cu\.?)\s+(\S+)", r"\1**3", w, flags=re.I)
    return re.sub(r"([A-Za-zµ])\^?([23])\b", r"\1**\2", w)
