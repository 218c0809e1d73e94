"""Generation-level failures seen in the raw output, before any grading."""

from __future__ import annotations

from collections import Counter


def repetition_loop(text: str, *, min_repeats: int = 4) -> bool:
    """True when the output degenerates into repeating itself.

    Two shapes are common on small models: the same line again and again (a line of >= 2
    characters that fills half or more of >= 4 non-empty lines), and a short unit repeated
    verbatim at the end (period <= 64 characters, repeated ``min_repeats`` times or more).
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) >= min_repeats:
        line, n = Counter(lines).most_common(1)[0]
        if len(line) >= 2 and n >= min_repeats and n * 2 >= len(lines):
            return True
    tail = text.rstrip()[-512:]
    for period in range(1, 65):
        need = period * min_repeats
        if len(tail) < need:
            continue
        unit = tail[-period:]
        if not unit.strip():
            continue
        if tail[-need:] == unit * min_repeats and len(unit.strip()) * min_repeats >= 8:
            return True
    return False
