"""Validate ledgers: every line is used or quarantined with file, line and reason."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jarri.ledger.reader import Quarantined, iter_lines, parse_line
from jarri.ledger.record import RunRecord

# Keys that only the original project's 65-key rows carry.
_UPSTREAM_KEYS = {"timestamp_utc", "llm_energy_joules", "evaluation_score_percent"}


@dataclass
class LedgerSummary:
    ledgers: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_used: int = 0
    duplicates: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    models: set[str] = field(default_factory=set)
    tasks: set[tuple[str, str]] = field(default_factory=set)
    latest_record_at: str | None = None
    source_digest: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "ledgers": self.ledgers,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_duplicate": self.duplicates,
            "rows_quarantined": len(self.quarantined),
            "quarantined": [{"file": q.file, "line": q.line, "reason": q.reason}
                            for q in self.quarantined],
            "models": sorted(self.models),
            "tasks": [f"{e}/{t}" for e, t in sorted(self.tasks)],
            "latest_record_at": self.latest_record_at,
            "source_digest": self.source_digest,
        }


def _reason(raw: bytes, parsed: str) -> str:
    try:
        obj = json.loads(raw)
    except ValueError:
        return parsed
    if isinstance(obj, dict) and "schema_version" not in obj and obj.keys() >= _UPSTREAM_KEYS:
        return "a row of the original Jarri project: its import lands with the rebuild chain"
    return parsed


def validate_ledgers(paths: Iterable[Path]) -> LedgerSummary:
    s = LedgerSummary()
    seen: set[str] = set()
    digest = hashlib.sha256()
    for path in sorted({Path(p) for p in paths}):
        s.ledgers.append(str(path))
        for lineno, raw, unterminated in iter_lines(path):
            if not raw.strip():
                continue
            s.rows_read += 1
            digest.update(raw + b"\n")
            parsed = parse_line(raw)
            if not isinstance(parsed, RunRecord):
                reason = _reason(raw, parsed)
                if unterminated:
                    reason = f"torn final line: {reason}"
                s.quarantined.append(Quarantined(str(path), lineno, reason))
                continue
            if parsed.run_id in seen:
                s.duplicates += 1
                continue
            seen.add(parsed.run_id)
            s.rows_used += 1
            s.models.add(parsed.model)
            s.tasks.add((parsed.experiment_id, parsed.task_id))
            ts = parsed.finished_at.isoformat()
            if s.latest_record_at is None or ts > s.latest_record_at:
                s.latest_record_at = ts
    s.source_digest = digest.hexdigest()
    return s
