"""The power-limit token grammar (``--tdp-levels 60,80,100,250w``).

A bare number is a percent of the card's *default* limit; a number with ``w``/``W`` is
explicit watts. Anything else is rejected here, before any GPU setting is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from jarri.errors import ConfigError

_TOKEN = re.compile(r"^(?P<num>\d+(?:\.\d+)?)(?P<w>[wW])?$")
MAX_PERCENT = 200.0


@dataclass(frozen=True)
class PowerLevel:
    request: str  # the token exactly as given (stripped)
    mode: Literal["percent", "watts"]
    value: float  # percent of default, or watts


def parse_token(token: str) -> PowerLevel:
    t = token.strip()
    m = _TOKEN.match(t)
    if not m:
        raise ConfigError(
            f"invalid power-limit token {token!r}",
            hint="use a percent of the default limit (e.g. 80 or 41.5) or watts (e.g. 250w)")
    value = float(m.group("num"))
    mode: Literal["percent", "watts"] = "watts" if m.group("w") else "percent"
    if value <= 0:
        raise ConfigError(f"invalid power-limit token {token!r}: it must be greater than 0")
    if mode == "percent" and value > MAX_PERCENT:
        raise ConfigError(f"invalid power-limit token {token!r}: {value:g}% of the default "
                          f"limit is above {MAX_PERCENT:g}%",
                          hint="give watts explicitly (e.g. 450w) for unusual limits")
    return PowerLevel(t, mode, value)


def parse_tokens(spec: str | list[str]) -> list[PowerLevel]:
    """Parse a comma-separated list; duplicates of the same token are an error."""
    raw = spec.split(",") if isinstance(spec, str) else list(spec)
    if not raw or any(not str(t).strip() for t in raw):
        raise ConfigError(f"empty power-limit token in {spec!r}",
                          hint="separate tokens with single commas, e.g. 60,80,100")
    levels = [parse_token(str(t)) for t in raw]
    seen: set[tuple[str, float]] = set()
    for lv in levels:
        key = (lv.mode, lv.value)
        if key in seen:
            raise ConfigError(f"power-limit token {lv.request!r} is given twice")
        seen.add(key)
    return levels
