"""Separate a thinking trace from the answer before grading."""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.S | re.I)
_CLOSE = re.compile(r"</think>", re.I)


def split_thinking(answer: str, thinking: str = "") -> tuple[str, str]:
    """(answer without its thinking, all thinking text).

    Three shapes: ``<think>…</think>`` blocks; an unclosed ``<think>`` (the model ran out of
    tokens while thinking: thinking up to the end); and a lone ``</think>`` with no opening
    tag, which DeepSeek-R1-style chat templates produce because the template itself opens the
    block: everything before the last lone closing tag is thinking.
    """
    parts = [thinking] if thinking else []
    inline = [m.group(1).strip() for m in _THINK.finditer(answer)]
    cleaned = _THINK.sub("", answer) if inline else answer
    closes = list(_CLOSE.finditer(cleaned))
    if closes:
        last = closes[-1]
        parts.append(_CLOSE.sub("", cleaned[:last.start()]).strip())
        cleaned = cleaned[last.end():]
    if not inline and not closes:
        return answer, thinking
    parts.extend(inline)
    return cleaned.strip(), "\n".join(p for p in parts if p)
