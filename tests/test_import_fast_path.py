"""The importer builds imported records in the fast strict mirror (rebuild/fast_record.py)
and asks pydantic only about what the mirror refuses. Both ways must give the same record
or the same refusal, for real rows and for hostile ones (issue: rebuild speed)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, SHARED_UPSTREAM
from jarri.rebuild import fast_record, upstream

SOURCE = (SHARED_UPSTREAM / "fact_prose_v2" if SHARED_UPSTREAM.is_dir()
          else FIXTURES / "upstream_import/benchmarks/mini_v1")
HOSTILE: list[Any] = ["x", "", 5, -1, 0, 1.5, -0.0, 2**63, 1e308, float("nan"), True, False,
                      None, [], [1, "a"], {}, {"a": 1}, "\ud800", "2026-13-45T99:00:00",
                      "2026-04-23T22:56:15", "80", 8192.0, "full_gpu", "percent"]


def _rows(folder: Path) -> list[upstream.OriginalRow]:
    lines = [x for x in (folder / "llm_benchmark_runs.jsonl").read_bytes().splitlines()
             if x.strip()]
    return [upstream.OriginalRow(i + 1, raw, 0, json.loads(raw)) for i, raw in enumerate(lines)]


def _both(folder: Path, rows: list[upstream.OriginalRow],
          monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    def outcome(r: upstream.ImportedRow) -> Any:
        return fast_record.ENCODER.encode(r.mirror) if r.mirror is not None else r.reason

    fast = [outcome(r) for r in upstream.import_rows(folder / "llm_benchmark_runs.jsonl", rows)]
    with monkeypatch.context() as m:
        m.setattr(fast_record, "from_fields", lambda fields: None)
        slow = [outcome(r) for r in upstream.import_rows(folder / "llm_benchmark_runs.jsonl",
                                                         rows)]
    return fast, slow


def test_real_rows_give_the_same_records_both_ways(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / SOURCE.name
    shutil.copytree(SOURCE, folder)
    rows = _rows(folder)
    fast, slow = _both(folder, rows, monkeypatch)
    assert fast == slow and all(isinstance(x, bytes) for x in fast)


def test_hostile_fields_give_the_same_outcome_both_ways(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / SOURCE.name
    shutil.copytree(SOURCE, folder)
    base = _rows(folder)[0].obj
    rng = random.Random(7)
    rows = []
    n = 0
    for key in sorted(base):
        for value in HOSTILE:
            obj = {**base, key: value}
            n += 1
            rows.append(upstream.OriginalRow(n, json.dumps(obj).encode(), 0, obj))
    for _ in range(200):  # several fields at once
        obj = dict(base)
        for key in rng.sample(sorted(base), 4):
            obj[key] = rng.choice(HOSTILE)
        n += 1
        rows.append(upstream.OriginalRow(n, json.dumps(obj).encode(), 0, obj))
    taken = []
    original = fast_record.from_fields

    def spy(fields: dict[str, Any]) -> Any:
        rec = original(fields)
        taken.append(rec is not None)
        return rec

    monkeypatch.setattr(fast_record, "from_fields", spy)
    fast, slow = _both(folder, rows, monkeypatch)
    assert len(fast) == len(rows)
    # the comparison means something: most rows took the fast way, some did not
    assert sum(taken) > len(rows) / 2 and not all(taken)
    mismatches = [(rows[i].obj, f, s) for i, (f, s) in enumerate(zip(fast, slow, strict=True))
                  if f != s]
    assert not mismatches, mismatches[:3]
