"""The import cache (rebuild/import_cache.py): a cached rebuild gives the same bytes as a
cold one, redoes only the rows whose inputs changed, and never trusts itself over the data
(issue: rebuild speed, incremental rebuilds)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, SHARED_UPSTREAM
from jarri.paths import Workspace
from jarri.rebuild import upstream
from jarri.rebuild.build import rebuild
from jarri.rebuild.import_cache import CACHE_DIR

sys.path.insert(0, str(REPO / "perf"))
from gen_upstream import generate  # noqa: E402

SOURCE = (SHARED_UPSTREAM / "fact_prose_v2" if SHARED_UPSTREAM.is_dir()
          else FIXTURES / "upstream_import/benchmarks/mini_v1")


def _tree(ws: Path) -> dict[str, str]:
    data = ws / "benchmark_ui/data"
    return {p.relative_to(data).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data.rglob("*")) if p.is_file()}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    generate(root, 240, SOURCE)
    return root


def _count_imports(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = upstream._import_one

    def counting(*args: object, **kw: object) -> upstream.ImportedRow:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(upstream, "_import_one", counting)
    return calls


def _cold(ws: Path) -> dict[str, str]:
    shutil.rmtree(ws / CACHE_DIR, ignore_errors=True)
    rebuild(Workspace(ws))
    return _tree(ws)


def test_a_cached_rebuild_is_byte_identical_and_imports_nothing_again(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_imports(monkeypatch)
    cold = _cold(ws)
    assert len(calls) == 240 and (ws / CACHE_DIR).is_dir()
    calls.clear()
    rebuild(Workspace(ws))
    assert calls == [] and _tree(ws) == cold


def test_an_appended_row_is_the_only_one_imported(ws: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_imports(monkeypatch)
    _cold(ws)
    folder = next(p.parent for p in (ws / "benchmarks").rglob("manifest.json"))
    ledger = folder / "llm_benchmark_runs.jsonl"
    row = json.loads(ledger.read_bytes().splitlines()[-1])
    row["run_index"] = 999
    stem = upstream.report_stem(row)
    shutil.copy(sorted((folder / "reports").glob("*.json"))[0],
                folder / "reports" / f"{stem}_report.json")
    row["evaluation_report_path"] = f"reports/{stem}_report.json"  # its own report
    with open(ledger, "a") as fh:
        fh.write(json.dumps(row) + "\n")
    calls.clear()
    rebuild(Workspace(ws))
    warm = _tree(ws)
    assert len(calls) == 1
    assert warm == _cold(ws)


def test_a_row_that_now_shares_its_report_is_imported_again(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the original overwrote reports on re-runs: a second row naming the same report makes
    # both rows 'report_overwritten', so the earlier row's cached outcome no longer holds
    calls = _count_imports(monkeypatch)
    _cold(ws)
    ledger = next((ws / "benchmarks").rglob("llm_benchmark_runs.jsonl"))
    row = json.loads(ledger.read_bytes().splitlines()[-1])
    row["timestamp_utc"] = "2026-05-01T00:00:00+00:00"
    with open(ledger, "a") as fh:
        fh.write(json.dumps(row) + "\n")
    calls.clear()
    rebuild(Workspace(ws))
    assert len(calls) == 2 and _tree(ws) == _cold(ws)


@pytest.mark.parametrize("change", ["content", "same_size_same_mtime", "removed",
                                    "manifest", "answer_removed"])
def test_a_changed_input_is_never_served_from_the_cache(ws: Path, change: str) -> None:
    _cold(ws)
    folder = next(p.parent for p in (ws / "benchmarks").rglob("manifest.json"))
    report = sorted((folder / "reports").glob("*.json"))[3]
    if change == "content":
        data = json.loads(report.read_text())
        data["score"]["score_percent"] = 1.5
        data["failure_stage"] = "semantic"
        report.write_text(json.dumps(data))
    elif change == "same_size_same_mtime":
        # a rewrite that keeps size and modification time still changes the change time
        st = report.stat()
        raw = report.read_bytes()
        flipped = raw.replace(b'"semantic"', b'"generate"') if b'"semantic"' in raw else \
            raw[:-1] + (b" " if raw[-1:] != b" " else b"\n")
        assert len(flipped) == len(raw)
        report.write_bytes(flipped)
        os.utime(report, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif change == "removed":
        report.unlink()
    elif change == "manifest":
        manifest = folder / "manifest.json"
        data = json.loads(manifest.read_text())
        data["revision"] = int(data.get("revision") or 0) + 1
        manifest.write_text(json.dumps(data))
    else:
        sorted((folder / "answers").glob("*.txt"))[5].unlink()
    rebuild(Workspace(ws))
    warm = _tree(ws)
    assert warm == _cold(ws)


@pytest.mark.parametrize("damage", [b"", b"not msgpack", b"\x81\xa6schema\x02"])
def test_a_damaged_cache_is_ignored(ws: Path, damage: bytes) -> None:
    cold = _cold(ws)
    for f in (ws / CACHE_DIR).iterdir():
        f.write_bytes(damage)
    rebuild(Workspace(ws))
    assert _tree(ws) == cold
