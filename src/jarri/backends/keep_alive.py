"""Ollama's ``keep_alive``: a JSON number of seconds or a Go duration string.

Ollama decodes it in api/types.go (``Duration.UnmarshalJSON``): a JSON number is seconds
(negative: keep the model loaded for ever; 0: unload after the request); a JSON string goes
through Go's ``time.ParseDuration``, which needs a unit on every number, so the string
``"-1"`` or ``"300"`` fails and every request is answered HTTP 400. A value given on the
command line is always text, so text that is a plain number is sent as a number, and
anything else must be a Go duration — checked here before a sweep starts.
"""

from __future__ import annotations

import math
import re

# Go's time.ParseDuration grammar: [-+]? then one or more <decimal><unit>; "0" alone is
# allowed without a unit.
_GO_DURATION = re.compile(r"[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
           "h": 3600.0}
# Go's time.Duration is int64 nanoseconds: a longer number of seconds overflows in Ollama's
# conversion (negative on amd64: the model unloads after every request), a longer string
# fails time.ParseDuration (HTTP 400).
MAX_SECONDS = (2**63 - 1) / 1e9

KeepAlive = int | float | str


class KeepAliveError(ValueError):
    """A keep_alive Ollama would refuse (the message says what to give instead)."""


def _seconds(value: int | float) -> int | float:
    if not math.isfinite(value):
        raise KeepAliveError("keep_alive must be finite (use -1 to keep the model loaded)")
    if value >= MAX_SECONDS:
        raise KeepAliveError(f"keep_alive {value!r} s is longer than Ollama can hold (about "
                             "292 years); use -1 to keep the model loaded")
    return value


def parse_keep_alive(value: object) -> KeepAlive:
    """The value as it must be sent: a number (seconds) or a Go duration string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise KeepAliveError(f"keep_alive must be a number of seconds or a duration such as "
                             f"'10m', not {type(value).__name__}")
    if isinstance(value, int | float):
        return _seconds(value)
    text = value.strip()
    if _NUMBER.fullmatch(text):
        number = float(text)
        return _seconds(int(number) if number.is_integer() else number)
    if text == "0":
        return text
    if _GO_DURATION.fullmatch(text):
        total = sum(float(n) * _UNIT_S[u] for n, u in _PART.findall(text))
        if total >= MAX_SECONDS:
            raise KeepAliveError(f"keep_alive {value!r} is longer than Ollama can hold (about "
                                 "292 years); use -1 to keep the model loaded")
        return text
    raise KeepAliveError(
        f"keep_alive {value!r} is neither a number of seconds (-1 keeps the model loaded, 0 "
        "unloads it) nor a Go duration with a unit on every number ('10m', '1h30m', '90s')")
