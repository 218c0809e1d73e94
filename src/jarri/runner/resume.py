"""What a ledger already holds: completed run keys and their latest attempt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jarri.ledger.reader import Quarantined, read_ledger

RETRYABLE = frozenset({"backend_error", "timeout"})


@dataclass
class LedgerState:
    # run_key -> (latest attempt, its run_id, its status)
    latest: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    torn_tail: list[str] = field(default_factory=list)

    def needs_run(self, key: str, retry_failed: bool) -> bool:
        if key not in self.latest:
            return True
        return retry_failed and self.latest[key][2] in RETRYABLE

    def next_attempt(self, key: str) -> tuple[int, str | None]:
        """(attempt number, run_id superseded) for a new record of this key."""
        if key not in self.latest:
            return 1, None
        attempt, rid, _ = self.latest[key]
        return attempt + 1, rid


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
    return state
