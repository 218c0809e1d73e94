"""The importer of the original project's folders never crashes on what a file holds: every
report field and manifest field with a value of the wrong type gives a flagged or
quarantined row, and the rebuild goes on (issue: never crash)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, SHARED_UPSTREAM
from jarri.paths import Workspace
from jarri.rebuild.build import rebuild

SOURCE = SHARED_UPSTREAM if SHARED_UPSTREAM.is_dir() else FIXTURES / "upstream_import"
HOSTILE = ["x", 5, -1, 1.5, 1e308, True, None, [], [1, 2], {}, {"a": {"b": []}}, "\ud800"]


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    dest = tmp_path / "orig"
    shutil.copytree(SOURCE, dest)
    folder = next(p.parent for p in sorted(dest.rglob("manifest.json")))
    return dest, folder


def _rebuild(tmp_path: Path, dest: Path) -> dict[str, object]:
    ws = Workspace(tmp_path / "ws")
    result = rebuild(ws, import_paths=[dest])
    assert result.rows_total > 0
    assert result.rows_used + result.rows_quarantined == result.rows_total
    rows = []
    for page in sorted((ws.ui_data / "runs").glob("page_*.json")):
        data = json.loads(page.read_text())
        rows += [dict(zip(data["columns"], r, strict=True)) for r in data["rows"]]
    return {"result": result, "rows": rows}


@pytest.mark.parametrize("field", ["score", "failure_stage", "failure_type",
                                   "failure_subtype", "<whole report>"])
def test_a_report_of_any_shape_is_flagged_never_a_crash(tmp_path: Path, field: str) -> None:
    # As many hostile values per rebuild as the folder has reports (the small fixture in the
    # repository has fewer reports than values; the original project's folder has more).
    n = len(sorted((_copy(tmp_path / "probe")[1] / "reports").glob("*.json")))
    assert n >= 1
    for start in range(0, len(HOSTILE), n):
        here = tmp_path / f"batch{start}"
        dest, folder = _copy(here)
        reports = sorted((folder / "reports").glob("*.json"))
        for path, value in zip(reports, HOSTILE[start:start + n], strict=False):
            data = json.loads(path.read_text())
            body = value if field == "<whole report>" else {**data, field: value}
            path.write_text(json.dumps(body))
        out = _rebuild(here, dest)
        result = out["result"]
        assert result.rows_quarantined == 0  # a bad report never costs the row itself
        flags = [f for r in out["rows"] for f in (r.get("import_flags") or [])]
        assert "report_malformed" in flags or field in ("failure_stage", "failure_type"), \
            (HOSTILE[start:start + n], flags)


def test_a_malformed_report_keeps_the_rows_own_score(tmp_path: Path) -> None:
    dest, folder = _copy(tmp_path)
    report = sorted((folder / "reports").glob("*.json"))[0]
    data = json.loads(report.read_text())
    report.write_text(json.dumps({**data, "score": "x"}))
    rows = _rebuild(tmp_path, dest)["rows"]
    hit = [r for r in rows if "report_malformed" in (r.get("import_flags") or [])]
    assert len(hit) >= 1
    assert all(r["failure_stage"] is None or isinstance(r["failure_stage"], str) for r in hit)


@pytest.mark.parametrize("field", ["tasks", "revision", "experiment_id", "<whole manifest>"])
@pytest.mark.parametrize("value", ["x", 5, None, [1, 2], {"a": {}}, 1e308], ids=repr)
def test_a_manifest_of_any_shape_never_crashes_the_rebuild(tmp_path: Path, field: str,
                                                           value: object) -> None:
    dest, folder = _copy(tmp_path)
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text())
    body = value if field == "<whole manifest>" else {**data, field: value}
    manifest.write_text(json.dumps(body))
    result = _rebuild(tmp_path, dest)["result"]
    assert result.rows_used == result.rows_total  # the rows themselves are intact
