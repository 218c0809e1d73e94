"""The ledger contract: append-only lines, torn tails, quarantine, content store, lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from factories import make_record
from jarri.errors import LedgerError
from jarri.ledger.reader import read_ledger
from jarri.ledger.record import RunRecord
from jarri.ledger.store import ContentStore
from jarri.ledger.writer import LedgerWriter


def test_append_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    recs = [make_record(i) for i in range(5)]
    with LedgerWriter(path) as w:
        for r in recs:
            w.append(r)
    data = path.read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 5
    res = read_ledger(path)
    assert res.records == recs and not res.quarantined and res.lines_read == 5


def test_record_round_trips_and_timestamps_are_aware(tmp_path: Path) -> None:
    r = make_record(1)
    obj = json.loads(r.to_line())
    assert obj["started_at"].endswith("+00:00")
    assert RunRecord.model_validate(obj) == r
    with pytest.raises(ValidationError):
        make_record(2, started_at="2026-11-27T10:00:00")  # naive datetime


def test_nan_and_infinity_are_refused() -> None:
    with pytest.raises(ValidationError):
        make_record(energy_net_j=float("nan"))
    with pytest.raises(ValidationError):
        make_record(wall_s=float("inf"))


def test_torn_tail_is_quarantined_and_next_append_is_safe(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    with LedgerWriter(path) as w:
        w.append(make_record(0))
    full = make_record(1).to_line()
    with open(path, "ab") as fh:
        fh.write(full[: len(full) // 2])  # a write interrupted by a crash
    res = read_ledger(path)
    assert len(res.records) == 1 and res.torn_tail
    assert res.quarantined[0].line == 2 and "torn final line" in res.quarantined[0].reason
    with LedgerWriter(path) as w:
        assert w.torn_tail_repaired
        w.append(make_record(2))
    res = read_ledger(path)
    assert [r.task_id for r in res.records] == ["t0", "t2"]
    assert len(res.quarantined) == 1 and res.quarantined[0].line == 2


@pytest.mark.parametrize(("line", "reason"), [
    (b"{not json", "invalid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"schema_version": 99}', "unknown schema_version 99"),
    (b'{"a": NaN}', "invalid JSON"),
])
def test_bad_lines_get_reasons(tmp_path: Path, line: bytes, reason: str) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(make_record(0).to_line() + line + b"\n" + make_record(1).to_line())
    res = read_ledger(path)
    assert len(res.records) == 2
    assert len(res.quarantined) == 1 and reason in res.quarantined[0].reason
    assert res.quarantined[0].file == str(path) and res.quarantined[0].line == 2


def test_wrong_types_name_the_field(tmp_path: Path) -> None:
    obj = json.loads(make_record(0).to_line())
    obj["wall_s"] = "fast"
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps(obj) + "\n")
    res = read_ledger(path)
    assert "field 'wall_s'" in res.quarantined[0].reason


def test_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    with LedgerWriter(path), pytest.raises(LedgerError, match="locked"):
        LedgerWriter(path).open()


def test_content_store_is_immutable_and_addressed(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "outputs")
    sha = store.put("Paris\n")
    assert store.get(sha) == "Paris\n"
    assert store.put("Paris\n") == sha
    assert sha != store.put("Lyon")
    assert store.path_for(sha).parent.name == sha[:2]
    assert not list((tmp_path / "outputs").rglob("*.tmp"))


def test_ledger_doc_names_every_energy_method() -> None:
    """docs/ledger.md explains each value `energy_method` can take (the classes the rebuild
    averages apart, analysis/metrics.py, plus `none`)."""
    from jarri.analysis.metrics import ENERGY_CLASSES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "ledger.md").read_text("utf-8")
    line = next(x for x in doc.splitlines() if "`energy_method`" in x)
    methods = {m for ms in ENERGY_CLASSES.values() for m in ms} | {"none"}
    for m in sorted(methods):
        assert f"`{m}`" in line, m
    assert "to come" not in line


def test_resume_names_the_lines_it_skipped_and_never_repeats_a_run_id(tmp_path: Path) -> None:
    from conftest import run_jarri
    from jarri.runner.resume import SHOWN_SKIPPED, load_state

    good, hidden = make_record(1), make_record(2)
    extreme = json.loads(hidden.to_line())
    extreme["output_tokens"] = 2**63 - 1  # a record no reader accepts, naming its key
    ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(good.to_line() + json.dumps(extreme).encode() + b"\n" + b"garbage\n")
    state = load_state([ledger])
    assert state.needs_run(hidden.run_key, retry_failed=False)
    assert state.next_attempt(hidden.run_key) == (2, None)  # not attempt 1: its id is taken
    assert state.next_attempt(good.run_key) == (2, good.run_id)
    notes = state.skipped_notes()
    assert len(notes) == 2
    assert f"{ledger}:2: field 'output_tokens'" in notes[0] and "plausible" in notes[0]
    assert f"{ledger}:3: invalid JSON" in notes[1]
    ledger.write_bytes(ledger.read_bytes() + b"x\n" * (SHOWN_SKIPPED + 3))
    notes = load_state([ledger]).skipped_notes()
    assert len(notes) == SHOWN_SKIPPED + 1 and "and 5 more" in notes[-1]
    # the plan says so
    r = run_jarri("run", "-m", "gemma3:270m", "-e", "smoke_v1", "--dry-run", "-w", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "note    skipped" in r.stdout and ":2: field 'output_tokens'" in r.stdout, r.stdout


def test_the_documented_bounds_are_the_declared_ones() -> None:
    from conftest import REPO
    from jarri.ledger import bounds

    doc = (REPO / "docs" / "ledger.md").read_text()
    declared = {"counts (tokens, characters, samples, checks) 0 … 10^12": bounds.MAX_COUNT,
                "durations 0 … 10^7 s": bounds.MAX_SECONDS,
                "energies −10^10 … 10^10 J": bounds.MAX_JOULES,
                "0 … 10^5 W": bounds.MAX_WATTS, "0 … 10^15 bytes": bounds.MAX_BYTES,
                "0 … 10^9 MiB": bounds.MAX_MIB, "within ±10^15": bounds.MAX_FLOAT}
    flat = " ".join(doc.split())
    for text, value in declared.items():
        assert text in flat, text
        assert f"10^{len(str(int(value))) - 1}" in text and value == 10 ** (len(str(int(value)))
                                                                           - 1)
