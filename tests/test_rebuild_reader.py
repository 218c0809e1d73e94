"""The rebuild reader's blocks and line numbering, whatever the block size."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_record
from jarri.analysis.database import Analysis
from jarri.rebuild import reader


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30),
       st.booleans(), st.integers(1, 64))
def test_blocks_are_whole_lines_and_lose_nothing(lines: list[bytes], terminated: bool,
                                                 block: int) -> None:
    data = b"\n".join(lines) + (b"\n" if terminated and lines else b"")
    old = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        with tempfile.TemporaryFile() as fh:
            fh.write(data)
            blocks = list(reader._blocks(fh, 0, len(data)))
    finally:
        reader.BLOCK_BYTES = old
    assert b"".join(blocks) == data
    assert all(b.endswith(b"\n") for b in blocks[:-1])


@pytest.mark.parametrize("block", [64, 700, 1 << 20])
def test_line_numbers_do_not_depend_on_the_block_size(tmp_path: Path, block: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid lines, a blank line, a bad line and a line longer than a block."""
    good = [make_record(i).to_line().rstrip(b"\n") for i in range(4)]
    body = [good[0], b"", good[1], b"{not json", good[2], b"x" * 2000, good[3]]
    ledger = tmp_path / "l.jsonl"
    ledger.write_bytes(b"\n".join(body) + b"\n")
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    stats = reader.read_ledgers([ledger], tmp_path, root=tmp_path)
    assert stats.lines_read == 6 and stats.rows_valid == 4
    assert [(q.file, q.line) for q in stats.quarantined] == [("l.jsonl", 4), ("l.jsonl", 6)]
    rows = [json.loads(x) for f in stats.row_files for x in f.read_bytes().splitlines()]
    assert sorted(r["wrap_line"] for r in rows) == [1, 3, 5, 7]


def test_source_lines_are_real_line_numbers_when_the_ledger_is_split(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [make_record(i, run_id=f"r{i:03d}-1") for i in range(40)]
    ledger = tmp_path / "l.jsonl"
    ledger.write_bytes(b"\n" + b"".join(r.to_line() for r in records))  # line 1 is blank
    monkeypatch.setattr(reader, "UNIT_BYTES", 3000)  # several units, read by 2 workers
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)
    stats = reader.read_ledgers([ledger], tmp_path, root=tmp_path, workers=2)
    assert len(stats.line_bases) > 3
    db = Analysis(stats.row_files, line_bases=stats.line_bases, temp_dir=tmp_path)
    try:
        lines = dict(db.con.execute("SELECT run_id, source_line FROM runs").fetchall())
    finally:
        db.close()
    assert lines == {f"r{i:03d}-1": i + 2 for i in range(40)}


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_lines_are_quarantined_by_both_readers(tmp_path: Path, depth: int) -> None:
    from conftest import run_jarri
    from jarri.paths import Workspace
    from jarri.rebuild.build import rebuild

    deep = ('{"schema_version": 1, "a": ' + "[" * depth + "]" * depth + "}").encode()
    ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(make_record().to_line() + deep + b"\n")
    result = rebuild(Workspace(tmp_path))
    assert (result.rows_total, result.rows_used, result.rows_quarantined) == (2, 1, 1)
    q = json.loads((tmp_path / "benchmark_ui/data/verification/quarantine.json").read_text())
    assert q["rows"][0]["line"] == 2 and "nested too deeply" in q["rows"][0]["reason"]
    # resume reads the same ledger: the sweep plans, it does not crash
    r = run_jarri("run", "-m", "gemma3:270m", "-e", "smoke_v1", "--dry-run", "-w", str(tmp_path))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
