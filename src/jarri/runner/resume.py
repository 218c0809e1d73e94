"""What a ledger already holds: completed run keys and their latest attempt."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jarri.ledger.reader import Quarantined, iter_lines, read_ledger

RETRYABLE = frozenset({"backend_error", "timeout"})
SHOWN_SKIPPED = 5  # skipped lines named one by one in the plan; the rest are counted


@dataclass
class LedgerState:
    # run_key -> (latest attempt, its run_id, its status)
    latest: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    torn_tail: list[str] = field(default_factory=list)
    # run_key -> highest attempt named by a line that is not a valid record: a new record of
    # that key takes a higher attempt, so its run_id never repeats one already in a ledger.
    unreadable_attempts: dict[str, int] = field(default_factory=dict)

    def needs_run(self, key: str, retry_failed: bool) -> bool:
        if key not in self.latest:
            return True
        return retry_failed and self.latest[key][2] in RETRYABLE

    def next_attempt(self, key: str) -> tuple[int, str | None]:
        """(attempt number, run_id superseded) for a new record of this key."""
        floor = self.unreadable_attempts.get(key, 0)
        if key not in self.latest:
            return floor + 1, None
        attempt, rid, _ = self.latest[key]
        return max(attempt, floor) + 1, rid

    def skipped_notes(self) -> list[str]:
        """The ledger lines this sweep does not count as done, named (file:line: why)."""
        notes = [f"skipped {q.file}:{q.line}: {q.reason[:200]}"
                 for q in self.quarantined[:SHOWN_SKIPPED]]
        more = len(self.quarantined) - SHOWN_SKIPPED
        if more > 0:
            notes.append(f"... and {more} more unreadable ledger line(s); "
                         "'jarri rebuild' lists them all in verification/quarantine.json")
        return notes


def _key_and_attempt(raw: bytes) -> tuple[str, int] | None:
    """The run key and attempt a line names, when it is JSON enough to say."""
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    key, attempt = obj.get("run_key"), obj.get("attempt", 1)
    if not isinstance(key, str) or not isinstance(attempt, int) or isinstance(attempt, bool):
        return None
    return key, min(max(attempt, 0), 10**9)


def load_state(ledgers: Iterable[Path]) -> LedgerState:
    state = LedgerState()
    for path in ledgers:
        if not path.is_file():
            continue
        result = read_ledger(path)
        state.quarantined.extend(result.quarantined)
        if result.torn_tail:
            state.torn_tail.append(str(path))
        for rec in result.records:
            prev = state.latest.get(rec.run_key)
            if prev is None or rec.attempt > prev[0]:
                state.latest[rec.run_key] = (rec.attempt, rec.run_id, rec.status)
        bad = {q.line for q in result.quarantined}
        if bad:
            for lineno, raw, _ in iter_lines(path):
                named = _key_and_attempt(raw) if lineno in bad else None
                if named is not None:
                    key, attempt = named
                    state.unreadable_attempts[key] = max(
                        state.unreadable_attempts.get(key, 0), attempt)
    return state
