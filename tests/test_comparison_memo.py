"""The comparison memo (analysis/memo.py): rows and pairs whose inputs the last rebuild saw
are not computed again, and the surfaces are byte for byte those of a rebuild without it
(issue: rebuild speed, incremental rebuilds)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from factories import make_record
from jarri.analysis import balanced, memo
from jarri.paths import LEDGER_NAME, Workspace
from jarri.rebuild.build import rebuild
from jarri.rebuild.import_cache import CACHE_DIR

MODELS = ("alpha:1b", "beta:2b", "gamma:3b")


def _line(i: int) -> bytes:
    model = MODELS[i % 3]
    score = float((i * 37) % 101)
    return make_record(i, run_id=f"r{i:04d}-1", model=model, task_id=f"t{(i // 3) % 6}",
                       score_percent=score, passed=score >= 50, fully_correct=score >= 100,
                       energy_net_j=1.0 + (i % 7), energy_net_mj=1000 + 1000 * (i % 7),
                       energy_method="nvml_energy_counter", energy_confidence="high",
                       residency="full_gpu", output_tokens=10 + i % 13).to_line()


def _tree(ws: Path) -> dict[str, str]:
    data = ws / "benchmark_ui/data"
    return {p.relative_to(data).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data.rglob("*")) if p.is_file()}


def _fresh(ws: Path) -> dict[str, str]:
    """The surfaces without any cache (the cache is put back afterwards)."""
    cache, saved = ws / CACHE_DIR, ws.parent / "saved"
    shutil.rmtree(saved, ignore_errors=True)
    shutil.copytree(cache, saved)
    shutil.rmtree(cache)
    rebuild(Workspace(ws))
    tree = _tree(ws)
    shutil.rmtree(cache)
    shutil.copytree(saved, cache)
    return tree


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    ledger = root / "benchmarks" / "sweep" / LEDGER_NAME
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"".join(_line(i) for i in range(90)))
    return root


def _computed(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The interval keys of the rows actually computed (not taken from the memo)."""
    calls: list[str | None] = []
    real = balanced._row_from_totals

    def counting(*args: object) -> balanced.Aggregate:
        calls.append(args[3])  # type: ignore[arg-type]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(balanced, "_row_from_totals", counting)
    return calls


def test_an_unchanged_rebuild_computes_no_row_and_gives_the_same_bytes(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild(Workspace(ws))
    first = _tree(ws)
    calls = _computed(monkeypatch)
    rebuild(Workspace(ws))
    assert calls == []
    assert _tree(ws) == first == _fresh(ws)


def test_an_append_recomputes_only_the_rows_it_touches(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild(Workspace(ws))
    with open(ws / "benchmarks" / "sweep" / LEDGER_NAME, "ab") as fh:
        fh.write(_line(90))  # alpha:1b on t0
    calls = _computed(monkeypatch)
    rebuild(Workspace(ws))
    keyed = [c for c in calls if c is not None]
    assert "model|alpha:1b" in keyed
    assert "model|beta:2b" not in keyed and "model|gamma:3b" not in keyed
    assert all("alpha:1b" in c for c in keyed), keyed
    cached = _tree(ws)
    monkeypatch.undo()
    assert cached == _fresh(ws)


@pytest.mark.parametrize("damage", ["garbage", "empty", "other_code", "bad_entry"])
def test_a_damaged_or_foreign_memo_is_not_used(ws: Path, damage: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import msgspec
    rebuild(Workspace(ws))
    path = ws / CACHE_DIR / "comparisons.msgpack"
    assert path.is_file()
    if damage == "garbage":
        path.write_bytes(b"\xc1not msgpack")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other_code":
        monkeypatch.setattr(memo, "_code_digest", lambda: b"another version of the formulas")
    else:
        data = msgspec.msgpack.decode(path.read_bytes(), type=memo._File)
        data.entries = {k: b"\xc1" for k in data.entries}  # undecodable values
        path.write_bytes(msgspec.msgpack.encode(data))
    calls = _computed(monkeypatch)
    rebuild(Workspace(ws))
    assert calls, "every row is computed again"
    monkeypatch.undo()
    assert _tree(ws) == _fresh(ws)
