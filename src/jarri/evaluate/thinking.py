"""Separate a thinking trace from the answer before grading."""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.S | re.I)


def split_thinking(answer: str, thinking: str = "") -> tuple[str, str]:
    """(answer without inline <think> blocks, all thinking text). An unclosed block is
    thinking up to the end (the model ran out of tokens while thinking)."""
    inline = [m.group(1) for m in _THINK.finditer(answer)]
    if not inline:
        return answer, thinking
    cleaned = _THINK.sub("", answer).strip()
    parts = [thinking] if thinking else []
    parts.extend(p.strip() for p in inline)
    return cleaned, "\n".join(parts)
