"""Host files never leave through the surfaces (issue 13, points 8 and 9): a ledger line, a
content store or an experiment folder that points outside its own folder (an absolute path, a
``../`` path, a symlink) is refused, and nothing of the named file reaches the UI's data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import run_jarri
from factories import make_record
from jarri.paths import Workspace
from jarri.rebuild.build import rebuild
from jarri.surfaces.runs_pages import REFUSED, page_records

SECRET = "TOP-SECRET-HOST-FILE-CONTENT"


def _secret(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "shadow"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def _runs(ws: Workspace) -> list[dict]:  # type: ignore[type-arg]
    rows = []
    for page in sorted((ws.ui_data / "runs").glob("page_*.json")):
        rows += page_records(json.loads(page.read_text()))
    return rows


def _surfaces_text(ws: Workspace) -> str:
    return "".join(p.read_text(errors="replace") for p in ws.ui_data.rglob("*") if p.is_file())


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink_in_folder"])
def test_a_ledger_line_naming_a_host_file_is_refused(tmp_path: Path, how: str) -> None:
    secret = _secret(tmp_path)
    ws = Workspace(tmp_path / "ws")
    ledger = ws.ledger("smoke_v1")
    ledger.parent.mkdir(parents=True)
    name = {"absolute": str(secret), "dotdot": "../../../elsewhere/shadow",
            "symlink_in_folder": "answers/a.txt"}[how]
    if how == "symlink_in_folder":
        (ledger.parent / "answers").mkdir()
        os.symlink(secret, ledger.parent / "answers" / "a.txt")
    # an imported-looking row (the only kind whose answer_file is ever read) and a native one
    hostile = [make_record(1, answer_file=name, imported_from="jarri_original_v1"),
               make_record(2, answer_file=name)]
    ledger.write_bytes(b"".join(r.to_line() for r in hostile))
    rebuild(ws)
    rows = {r["task_key"].split(":")[-1].split("/")[-1]: r for r in _runs(ws)}
    assert SECRET not in _surfaces_text(ws)
    assert rows["t1"]["answer_text"] is None and rows["t1"]["answer_source"] == REFUSED
    assert rows["t2"]["answer_text"] is None


def test_a_content_store_symlink_to_a_host_file_is_refused(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    ws = Workspace(tmp_path / "ws")
    ledger = ws.ledger("smoke_v1")
    sha = "ab" * 32
    store = ledger.parent / "outputs" / sha[:2]
    store.mkdir(parents=True)
    os.symlink(secret, store / f"{sha}.txt")
    ledger.write_bytes(make_record(1, answer_sha256=sha, answer_chars=len(SECRET)).to_line())
    rebuild(ws)
    (row,) = _runs(ws)
    assert SECRET not in _surfaces_text(ws)
    assert row["answer_text"] is None and row["answer_source"] == REFUSED


def test_an_honest_store_and_answer_file_are_still_read(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ledger = ws.ledger("smoke_v1")
    sha = "cd" * 32
    (ledger.parent / "outputs" / sha[:2]).mkdir(parents=True)
    (ledger.parent / "outputs" / sha[:2] / f"{sha}.txt").write_text("stored answer")
    (ledger.parent / "answers").mkdir()
    (ledger.parent / "answers" / "x.txt").write_text("original answer")
    ledger.write_bytes(make_record(1, answer_sha256=sha, answer_chars=13).to_line()
                       + make_record(2, answer_file="answers/x.txt",
                                     imported_from="jarri_original_v1").to_line())
    rebuild(ws)
    rows = {r["task_key"].split(":")[-1].split("/")[-1]: r for r in _runs(ws)}
    assert rows["t1"]["answer_text"] == "stored answer"
    assert rows["t2"]["answer_text"] == "original answer"


@pytest.mark.parametrize(("field", "target"), [("prompt_file", "/etc/passwd"),
                                                ("prompt_file", "OUTSIDE"),
                                                ("ground_truth_file", "OUTSIDE"),
                                                ("prompt_file", "DIRLINK")])
def test_an_experiment_file_linking_outside_its_folder_fails_validation(
        tmp_path: Path, field: str, target: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text('{"answer": "' + SECRET + '"}')
    folder = tmp_path / "exp"
    folder.mkdir()
    name = "sub/p.txt" if target == "DIRLINK" else "p.txt"
    if target == "DIRLINK":  # a linked folder: the file's own name is not a link
        os.symlink(tmp_path, folder / "sub")
        (tmp_path / "p.txt").write_text("What is 2+2?")
    else:
        os.symlink(str(outside) if target == "OUTSIDE" else target, folder / name)
    other = "prompt = \"2+2?\"" if field == "ground_truth_file" else \
        'ground_truth = { answer = "4" }'
    (folder / "experiment.toml").write_text(
        'experiment_id = "x_v1"\nrevision = 1\n[[tasks]]\ntask_id = "t1"\n'
        'task_family = "fact"\ntask_name = "n"\nevaluator = "exact"\n'
        f'{field} = "{name}"\n{other}\n')
    res = run_jarri("suites", "validate", str(folder))
    assert res.returncode == 1, res.stdout
    assert "outside the experiment folder" in res.stderr and field in res.stderr
    assert SECRET not in res.stdout + res.stderr
