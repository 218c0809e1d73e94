"""Imported vs native: the original project's rows, imported, give the same surfaces as the
same runs written natively (each row as the record the importer makes of it, in the ledger
writer's form, at the same line of the same ledger). Only what names the input lines may
differ: the digest of the ledger lines (every envelope's source_digest) and the files' hashes
in data_index.json (issue: rebuild speed, "imported vs native" byte identity).

The importer and the native reader are two ways into one run table: if they ever disagree on
a field (a rounding, a null, a list), a surface shows it here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, REPO, SHARED_UPSTREAM
from jarri.paths import Workspace
from jarri.rebuild import upstream
from jarri.rebuild.build import rebuild

# What names the input lines themselves (the native lines are other bytes than the original's).
LINE_NAMES = ("source_digest",)


def _natively_written(benchmarks: Path) -> int:
    """Rewrite every ledger under ``benchmarks`` in place: each original row the importer
    takes becomes its record as the ledger writer writes it; every other line stays as it is
    (a refused original row is refused again, with its reason). Returns the rows rewritten."""
    rewritten = 0
    for ledger in sorted(benchmarks.rglob("llm_benchmark_runs.jsonl")):
        lines = ledger.read_bytes().split(b"\n")
        originals = []
        for i, raw in enumerate(lines):
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            if isinstance(obj, dict) and upstream.looks_upstream(obj):
                originals.append(upstream.OriginalRow(i + 1, raw, 0, obj))
        for row in upstream.import_rows(ledger, originals):
            record = row.record
            if record is not None:
                lines[row.line - 1] = record.to_line().rstrip(b"\n")
                rewritten += 1
        ledger.write_bytes(b"\n".join(lines))
    return rewritten


def _comparable(data: Path) -> dict[str, Any]:
    """Every surface file, parsed, without what names the input lines."""
    out: dict[str, Any] = {}
    for p in sorted(data.rglob("*.json")):
        doc = json.loads(p.read_bytes())
        for key in LINE_NAMES:
            doc.pop(key, None)
        rel = p.relative_to(data).as_posix()
        if rel == "data_index.json":
            doc.pop("output_digest")
            doc["rows"] = [{k: v for k, v in r.items() if k not in ("sha256", "bytes")}
                           for r in doc["rows"]]
        if rel == "verification/determinism.json":
            doc["rows"] = [{k: v for k, v in r.items() if k not in LINE_NAMES}
                           for r in doc["rows"]]
        out[rel] = doc
    return out


def _both_ways(tmp_path: Path, benchmarks: Path) -> tuple[dict[str, Any], dict[str, Any], int]:
    imported, native = tmp_path / "imported", tmp_path / "native"
    shutil.copytree(benchmarks, imported / "benchmarks")
    shutil.copytree(benchmarks, native / "benchmarks")
    rewritten = _natively_written(native / "benchmarks")
    a, b = rebuild(Workspace(imported)), rebuild(Workspace(native))
    assert a.imported > 0 and b.imported == a.imported - rewritten
    assert (a.rows_used, a.rows_quarantined) == (b.rows_used, b.rows_quarantined)
    return _comparable(a.data_dir), _comparable(b.data_dir), rewritten


def _assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert sorted(a) == sorted(b)
    for rel in a:
        assert a[rel] == b[rel], f"{rel} differs between the imported and the native rows"


@pytest.mark.skipif(not SHARED_UPSTREAM.is_dir(),
                    reason="../shared/fixtures/upstream_jarri is not present on this machine")
def test_the_original_projects_real_runs_give_the_same_surfaces_natively(
        tmp_path: Path) -> None:
    a, b, rewritten = _both_ways(tmp_path, SHARED_UPSTREAM)
    assert rewritten > 0
    runs = [r for p, d in a.items() if p.startswith("runs/page_") for r in d["rows"]]
    assert len(runs) == rewritten
    _assert_same(a, b)


def test_own_original_fixture_with_refused_rows_gives_the_same_surfaces_natively(
        tmp_path: Path) -> None:
    a, b, rewritten = _both_ways(tmp_path, FIXTURES / "upstream_import/benchmarks")
    assert rewritten > 0
    _assert_same(a, b)


@pytest.mark.skipif(not SHARED_UPSTREAM.is_dir(),
                    reason="../shared/fixtures/upstream_jarri is not present on this machine")
def test_a_generated_original_folder_gives_the_same_surfaces_natively(tmp_path: Path) -> None:
    """400 runs varied as the import benchmark varies them: models, tasks, power levels,
    scores, energy, reports and answers."""
    gen = tmp_path / "gen"
    subprocess.run([sys.executable, str(REPO / "perf" / "gen_upstream.py"), str(gen), "400"],
                   check=True, capture_output=True)
    a, b, rewritten = _both_ways(tmp_path, gen / "benchmarks")
    assert rewritten == 400
    failed = json.loads(json.dumps(a["duckdb_failure_surfaces.json"]["rows"]))
    assert any(r["failed_runs"] for r in failed)
    _assert_same(a, b)


def test_the_surfaces_do_not_depend_on_where_the_workspace_lies(tmp_path: Path) -> None:
    """The experiment folders beside the ledgers are named relative to the workspace in the
    task registry and the suites (they were absolute paths of the machine)."""
    outputs = []
    for where in (tmp_path / "a", tmp_path / "somewhere" / "else" / "b"):
        shutil.copytree(FIXTURES / "upstream_import/benchmarks", where / "benchmarks")
        data = rebuild(Workspace(where)).data_dir
        outputs.append({p.relative_to(data).as_posix(): p.read_bytes()
                        for p in sorted(data.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]
    suites = json.loads(outputs[0]["registries/suites.json"])["rows"]
    assert "benchmarks/mini_v1" in {s["source"] for s in suites}
    assert not any(str(tmp_path) in s["source"] for s in suites)
