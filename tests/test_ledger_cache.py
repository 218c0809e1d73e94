"""The ledger prefix cache (rebuild/ledger_cache.py): a rebuild after appended runs reads
only the new lines, gives the same bytes as a cold rebuild, and rereads everything whenever
the cached prefix is not exactly what the ledger now holds (issue: rebuild speed)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from factories import make_record
from jarri.paths import LEDGER_NAME, Workspace
from jarri.rebuild import ledger_cache, reader
from jarri.rebuild.build import rebuild
from jarri.rebuild.import_cache import CACHE_DIR


def _line(i: int, **over: object) -> bytes:
    return make_record(i, run_id=f"r{i:04d}-1", task_id=f"t{i % 7}", **over).to_line()


def _tree(ws: Path) -> dict[str, str]:
    data = ws / "benchmark_ui/data"
    return {p.relative_to(data).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data.rglob("*")) if p.is_file()}


def _cold(ws: Path) -> dict[str, str]:
    """The surfaces of a rebuild without any cache (the cache is put back afterwards, so
    the rebuild under test still sees what the previous one left)."""
    cache = ws / CACHE_DIR
    saved = ws.parent / "saved-cache"
    shutil.rmtree(saved, ignore_errors=True)
    if cache.exists():
        shutil.copytree(cache, saved)
        shutil.rmtree(cache)
    rebuild(Workspace(ws))
    tree = _tree(ws)
    shutil.rmtree(cache, ignore_errors=True)
    if saved.exists():
        shutil.copytree(saved, cache)
    return tree


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    ledger = root / "benchmarks" / "sweep" / LEDGER_NAME
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"".join(_line(i) for i in range(30)) + b"{not json\n\n")
    return root


def _ledger(ws: Path) -> Path:
    return ws / "benchmarks" / "sweep" / LEDGER_NAME


def _bytes_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the byte ranges the reader validates."""
    sizes: list[int] = []
    real = reader.read_unit

    def counting(unit: reader.Unit, out: str) -> reader.UnitResult:
        sizes.append(unit.end - unit.start)
        return real(unit, out)

    monkeypatch.setattr(reader, "read_unit", counting)
    return sizes


def test_an_append_reads_only_the_new_lines_and_gives_the_cold_bytes(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild(Workspace(ws))
    before = _ledger(ws).stat().st_size
    with open(_ledger(ws), "ab") as fh:
        fh.write(_line(30) + b"bad line\n" + _line(31))
    added = _ledger(ws).stat().st_size - before
    sizes = _bytes_read(monkeypatch)
    result = rebuild(Workspace(ws))
    assert sizes == [added]
    assert result.rows_used == 32 and result.rows_quarantined == 2
    cached = _tree(ws)
    assert cached == _cold(ws)
    # and a rebuild with nothing new reads nothing
    sizes.clear()
    rebuild(Workspace(ws))
    assert sizes == [] and _tree(ws) == cached


def test_quarantined_lines_keep_their_ledger_line_numbers(ws: Path) -> None:
    rebuild(Workspace(ws))
    with open(_ledger(ws), "ab") as fh:
        fh.write(b"oops\n" + _line(40))
    result = rebuild(Workspace(ws))
    assert [(q.line, q.reason[:10]) for q in result.quarantined][-1][0] == 33
    assert [q.line for q in result.quarantined] == [31, 33]


@pytest.mark.parametrize("change", ["edit_same_size", "truncate", "rewrite_new_file",
                                    "prepend", "torn_then_completed"])
def test_a_changed_prefix_means_a_full_reread(ws: Path, change: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild(Workspace(ws))
    path = _ledger(ws)
    data = path.read_bytes()
    if change == "edit_same_size":
        i = data.index(b'"model":"m"')
        path.write_bytes(data[:i] + b'"model":"n"' + data[i + 11:])
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    elif change == "truncate":
        with open(path, "r+b") as fh:
            fh.truncate(len(data) // 2)
    elif change == "rewrite_new_file":
        path.unlink()
        path.write_bytes(data + _line(50))
    elif change == "prepend":
        with open(path, "r+b") as fh:  # same inode, longer, different start
            fh.write(_line(60) + data)
    else:
        with open(path, "ab") as fh:
            fh.write(_line(70)[:25])  # a torn line: never cached
        rebuild(Workspace(ws))
        with open(path, "ab") as fh:
            fh.write(_line(70)[25:])
    sizes = _bytes_read(monkeypatch)
    rebuild(Workspace(ws))
    if change in ("edit_same_size", "truncate", "prepend"):
        assert sizes == [path.stat().st_size], "the whole ledger is read again"
    # (a file written anew may get the freed inode back: its prefix, checked by hash, is
    # then rightly reused)
    assert _tree(ws) == _cold(ws)


@pytest.mark.parametrize("damage", ["meta_garbage", "rows_file_gone", "rows_file_resized",
                                    "meta_empty"])
def test_a_damaged_cache_is_ignored(ws: Path, damage: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild(Workspace(ws))
    cache = ws / CACHE_DIR
    meta = next(cache.glob("ledger-*.msgpack"))
    rows = next(cache.glob("ledger-*.ndjson"))
    if damage == "meta_garbage":
        meta.write_bytes(b"\x93garbage")
    elif damage == "meta_empty":
        meta.write_bytes(b"")
    elif damage == "rows_file_gone":
        rows.unlink()
    else:
        with open(rows, "ab") as fh:
            fh.write(b"{}\n")
    sizes = _bytes_read(monkeypatch)
    rebuild(Workspace(ws))
    assert sizes == [_ledger(ws).stat().st_size]
    assert _tree(ws) == _cold(ws)


def test_many_appends_stay_identical_and_the_row_files_stay_few(ws: Path) -> None:
    for i in range(ledger_cache.MAX_SEGMENTS + 5):
        with open(_ledger(ws), "ab") as fh:
            fh.write(_line(100 + i))
        rebuild(Workspace(ws))
    assert len(list((ws / CACHE_DIR).glob("ledger-*.ndjson"))) <= ledger_cache.MAX_SEGMENTS
    assert _tree(ws) == _cold(ws)


def test_split_ledgers_read_in_parallel_cache_the_same(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "UNIT_BYTES", 4000)  # several units, read by 2 workers
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)
    rebuild(Workspace(ws), threads=2)
    with open(_ledger(ws), "ab") as fh:
        fh.write(b"".join(_line(200 + i) for i in range(20)))
    rebuild(Workspace(ws), threads=2)
    assert len(list((ws / CACHE_DIR).glob("ledger-*.ndjson"))) > 2
    assert _tree(ws) == _cold(ws)


def test_two_ledgers_and_a_read_only_cache_folder(ws: Path) -> None:
    other = ws / "benchmarks" / "other" / LEDGER_NAME
    other.parent.mkdir(parents=True)
    other.write_bytes(b"".join(_line(300 + i) for i in range(5)))
    rebuild(Workspace(ws))
    with open(other, "ab") as fh:
        fh.write(_line(400))
    rebuild(Workspace(ws))
    cached = _tree(ws)
    assert cached == _cold(ws)
    if os.geteuid() != 0:  # root writes anywhere: the check below would not hold
        (ws / CACHE_DIR).chmod(0o500)
        try:
            rebuild(Workspace(ws))
            assert _tree(ws) == cached
        finally:
            (ws / CACHE_DIR).chmod(0o700)


def test_concurrent_rebuilds_of_one_workspace_take_turns(ws: Path) -> None:
    """Rebuilds started together (a cron job and a user, say) never remove a row file
    another is loading: all succeed and the surfaces are those of a cold rebuild."""
    import subprocess
    import sys

    rebuild(Workspace(ws))
    procs = []
    for i in range(3):
        with open(_ledger(ws), "ab") as fh:
            fh.write(_line(500 + i))
        procs.append(subprocess.Popen([sys.executable, "-m", "jarri", "rebuild", "-q", "-w",
                                       str(ws)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE))
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()[-2000:]
    rebuild(Workspace(ws))
    assert _tree(ws) == _cold(ws)


def test_a_workspace_whose_path_duckdb_reads_as_a_pattern(tmp_path: Path) -> None:
    """DuckDB takes [ ] * ? { } in a path as a file pattern ('w[1]' reads 'w1'): the row
    files then stay out of such a workspace, and the surfaces are those of a plain path."""
    plain, odd, decoy = tmp_path / "w1", tmp_path / "w[1]", tmp_path / "wx"
    for root in (plain, odd):
        ledger = root / "benchmarks" / "sweep" / LEDGER_NAME
        ledger.parent.mkdir(parents=True)
        ledger.write_bytes(b"".join(_line(i) for i in range(12)))
    shutil.copytree(plain, decoy)
    rebuild(Workspace(plain))
    rebuild(Workspace(odd))
    with open(odd / "benchmarks" / "sweep" / LEDGER_NAME, "ab") as fh:
        fh.write(_line(99))
    with open(plain / "benchmarks" / "sweep" / LEDGER_NAME, "ab") as fh:
        fh.write(_line(99))
    rebuild(Workspace(plain))
    result = rebuild(Workspace(odd))
    assert result.rows_used == 13
    assert not list((odd / CACHE_DIR).glob("ledger-*"))
    assert _tree(odd) == _tree(plain)


def test_a_temp_folder_duckdb_reads_as_a_pattern_is_a_clear_error(
        ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from jarri.analysis.database import AnalysisError
    odd = tmp_path / "tmp[x]"
    odd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd))
    # the rows go to the workspace's cache: the temp folder's name does not matter
    assert rebuild(Workspace(ws)).rows_used == 30
    # a torn last line keeps its range out of the cache: its rows would be read from the
    # temp folder, which DuckDB would take as a pattern: a clear error, not wrong numbers
    with open(_ledger(ws), "ab") as fh:
        fh.write(_line(77) + _line(78)[:30])
    with pytest.raises(AnalysisError) as err:
        rebuild(Workspace(ws))
    assert "TMPDIR" in (err.value.hint or "")
