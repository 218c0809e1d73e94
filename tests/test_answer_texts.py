"""The rebuild reads answer files through DuckDB (surfaces/runs_pages.py): the texts must be
exactly what a Python text read gives, file by file, whatever the file holds or is named."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from jarri.surfaces.runs_pages import _inside, _read_texts

FILES = {
    "plain.txt": b"Answer: Paris\n",
    "crlf.txt": b"line one\r\nline two\rthree\n",
    "bom.txt": "\ufeffAnswer: 4".encode(),
    "nul.txt": b"a\x00b",
    "emoji.txt": "😀 naïve".encode(),
    "empty.txt": b"",
    "bad.txt": b"\xff\xfe not utf-8",
    "surrogate.txt": b"\xed\xa0\x80",
    "cut.txt": b"ok\xe2\x82",
    "glob[1].txt": b"bracketed name",
    "star*.txt": b"starred name",
    "q?.txt": b"question name",
    "brace{a,b}.txt": b"braced name",
}


def _python_read(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError:
        return None


def test_texts_are_what_a_python_read_gives(tmp_path: Path) -> None:
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    con = duckdb.connect()
    con.execute("CREATE TABLE answers (run_id VARCHAR, text VARCHAR, origin VARCHAR)")
    paths = [(f"r{i}", str(tmp_path / n), "o") for i, n in enumerate(FILES)]
    paths.append(("dup", str(tmp_path / "plain.txt"), "o"))  # two runs, one file
    _read_texts(SimpleNamespace(con=con), paths)  # type: ignore[arg-type]
    got = {r: t for r, t, _ in con.execute("SELECT * FROM answers").fetchall()}
    want = {r: _python_read(Path(p)) for r, p, _ in paths}
    assert got == {r: t for r, t in want.items() if t is not None}
    assert len(con.execute("SELECT * FROM answers").fetchall()) == len(got)  # no doubles


def test_inside_agrees_with_resolving_every_path(tmp_path: Path) -> None:
    root = tmp_path / "exp"
    (root / "answers").mkdir(parents=True)
    (root / "answers" / "a.txt").write_text("x")
    (tmp_path / "secret.txt").write_text("s")
    (root / "answers" / "out.txt").symlink_to(tmp_path / "secret.txt")
    (root / "answers" / "in.txt").symlink_to(root / "answers" / "a.txt")
    (root / "linkdir").symlink_to(tmp_path)
    cases = {"answers/a.txt": True, "answers/out.txt": False, "answers/in.txt": True,
             "../secret.txt": False, "answers/../answers/a.txt": True,
             "linkdir/secret.txt": False, "answers//a.txt": True, "./answers/a.txt": True,
             "answers/missing.txt": True}
    for rel, inside in cases.items():
        assert _inside(str(root), rel, "") is inside, rel
    assert _inside(str(root), "answers/a.txt", "answers") is True
    assert _inside(str(root), "outputs/a.txt", "answers") is False


def test_inside_with_a_shared_directory_cache_agrees(tmp_path: Path) -> None:
    """load_answers keeps one directory cache for every run: the verdicts must be those of
    fresh checks, whatever order the paths come in."""
    root = tmp_path / "exp"
    (root / "answers").mkdir(parents=True)
    (root / "answers" / "a.txt").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.txt").write_text("s")
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    (root / "inner").symlink_to(root / "answers")
    rels = ["answers/a.txt", "linked/a.txt", "inner/a.txt", "linked/a.txt", "answers/b.txt",
            "inner/a.txt", "answers/a.txt"]
    links: dict[str, bool] = {}
    for rel in rels + rels[::-1]:
        assert _inside(str(root), rel, "", links) is _inside(str(root), rel, ""), rel
    assert _inside(str(root), "linked/a.txt", "", links) is False
    assert _inside(str(root), "inner/a.txt", "", links) is True


def test_special_files_are_never_read(tmp_path: Path) -> None:
    """A FIFO or a directory named like an answer is left out (a FIFO would block a read)."""
    import os
    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "dir.txt").mkdir()
    (tmp_path / "ok.txt").write_text("fine")
    con = duckdb.connect()
    con.execute("CREATE TABLE answers (run_id VARCHAR, text VARCHAR, origin VARCHAR)")
    paths = [("f", str(tmp_path / "fifo.txt"), "o"), ("d", str(tmp_path / "dir.txt"), "o"),
             ("m", str(tmp_path / "missing.txt"), "o"), ("k", str(tmp_path / "ok.txt"), "o")]
    assert _read_texts(SimpleNamespace(con=con), paths) == (1, [])  # type: ignore[arg-type]
    assert con.execute("SELECT run_id, text FROM answers").fetchall() == [("k", "fine")]


def test_a_symlink_in_place_of_an_answer_is_followed_only_inside_its_folder(
        tmp_path: Path) -> None:
    """load_answers opens the file itself without following a symlink; one found there is
    resolved then: read when it stays inside the folder, refused when it leads out."""
    folder = tmp_path / "exp"
    (folder / "answers").mkdir(parents=True)
    (folder / "answers" / "real.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "answers" / "in.txt").symlink_to(folder / "answers" / "real.txt")
    (folder / "answers" / "out.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "answers" / "dangling.txt").symlink_to(folder / "nowhere.txt")
    con = duckdb.connect()
    con.execute("CREATE TABLE answers (run_id VARCHAR, text VARCHAR, origin VARCHAR)")
    base = str(folder)
    paths = [(name, str(folder / "answers" / f"{name}.txt"), "o", base)
             for name in ("real", "in", "out", "dangling")]
    found, refused = _read_texts(SimpleNamespace(con=con), paths)  # type: ignore[arg-type]
    assert (found, refused) == (2, ["out"])
    assert dict(con.execute("SELECT run_id, text FROM answers").fetchall()) == {
        "real": "inside", "in": "inside"}


def test_long_answers_are_cut_one_character_past_the_page(tmp_path: Path) -> None:
    """Only what a run page shows (and whether there is more) goes into DuckDB: a long
    answer costs no more memory than a short one."""
    from jarri.surfaces.runs_pages import ANSWER_CHARS
    texts = {"exact": "a" * ANSWER_CHARS, "over": "é" * (ANSWER_CHARS + 1),
             "long": "👍" * (3 * ANSWER_CHARS), "crlf": "x\r\n" * ANSWER_CHARS}
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_bytes(text.encode())
    con = duckdb.connect()
    con.execute("CREATE TABLE answers (run_id VARCHAR, text VARCHAR, origin VARCHAR)")
    _read_texts(SimpleNamespace(con=con),  # type: ignore[arg-type]
                [(n, str(tmp_path / f"{n}.txt"), "o") for n in texts])
    got = {r: (t, more) for r, t, more in con.execute(
        f"SELECT run_id, left(text, {ANSWER_CHARS}), length(text) > {ANSWER_CHARS} "
        "FROM answers").fetchall()}
    for name, text in texts.items():
        full = text.replace("\r\n", "\n")
        assert got[name] == (full[:ANSWER_CHARS], len(full) > ANSWER_CHARS), name


def test_answers_reach_duckdb_when_the_temp_folder_looks_like_a_pattern(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile
    odd = tmp_path / "t[1]"
    odd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd))
    (tmp_path / "a.txt").write_text("one")
    con = duckdb.connect()
    con.execute("CREATE TABLE answers (run_id VARCHAR, text VARCHAR, origin VARCHAR)")
    assert _read_texts(SimpleNamespace(con=con),  # type: ignore[arg-type]
                       [("r", str(tmp_path / "a.txt"), "o")]) == (1, [])
    assert con.execute("SELECT * FROM answers").fetchall() == [("r", "one", "o")]
