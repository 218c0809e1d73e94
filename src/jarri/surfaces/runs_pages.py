"""runs/: every run record, paged by model x task, with its answer text and checks, so any
number on screen can be traced to the runs behind it.

DuckDB renders each run as JSON (runs_pages.sql); this module only adds the answer text from
the content store beside the run's ledger and wraps pages in the envelope, because building
a million dictionaries in Python would dominate the rebuild.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PAGE_SIZE = 250
ANSWER_CHARS = 4000


class AnswerStore:
    """Finds answer texts: by sha256 in ``outputs/`` beside the ledger, or (imported rows) the
    original's answer file. Listings are read once per folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stores: dict[str, set[str] | None] = {}

    def _store(self, ledger_dir: str) -> set[str] | None:
        if ledger_dir not in self._stores:
            outputs = os.path.join(ledger_dir, "outputs")
            if not os.path.isdir(outputs):
                self._stores[ledger_dir] = None
            else:
                self._stores[ledger_dir] = {
                    name[:-4] for _, _, names in os.walk(outputs) for name in names
                    if name.endswith(".txt")}
        return self._stores[ledger_dir]

    def text(self, source_file: str, sha: str | None, answer_file: str | None,
             ) -> tuple[str | None, str]:
        ledger_dir = str((self.root / source_file).parent)
        if sha:
            store = self._store(ledger_dir)
            if store is None or sha not in store:
                return None, "not stored (the content store beside the ledger lacks it)"
            path = os.path.join(ledger_dir, "outputs", sha[:2], f"{sha}.txt")
            try:
                with open(path, encoding="utf-8") as fh:
                    return fh.read(), "content store"
            except (OSError, UnicodeDecodeError):
                return None, "not readable in the content store"
        if answer_file:
            try:
                with open(os.path.join(ledger_dir, answer_file), encoding="utf-8") as fh:
                    return fh.read(), ("original answer file (may belong to a later re-run: "
                                       "see import_flags)")
            except (OSError, UnicodeDecodeError):
                return None, "not stored (the original answer file is missing)"
        return None, "no answer (the backend produced none)"


def _with_answer(row_json: str, text: str | None, origin: str) -> str:
    extra = {"answer_source": origin,
             "answer_text": None if text is None else text[:ANSWER_CHARS],
             "answer_truncated": text is not None and len(text) > ANSWER_CHARS}
    return row_json[:-1] + "," + json.dumps(extra, ensure_ascii=False,
                                            separators=(",", ":"))[1:]


def write_pages(rows: Iterable[dict[str, Any]], root: Path,
                write_raw: Callable[[str, bytes, str], None],
                write: Callable[[str, Any, str], None],
                envelope: Callable[[str, Any], dict[str, Any]]) -> None:
    store = AnswerStore(root)
    index: list[dict[str, Any]] = []
    page: list[str] = []
    current: tuple[str, str, int] | None = None
    head = json.dumps(envelope("runs_page", []), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    assert head.count('"rows":[]') == 1
    before, after = head.split('"rows":[]')
    n = 0

    def flush() -> None:
        nonlocal page, n
        if not page or current is None:
            return
        n += 1
        name = f"runs/page_{n:06d}.json"
        body = before + '"rows":[' + ",".join(page) + "]" + after + "\n"
        write_raw(name, body.encode("utf-8"), "run records (one model x task)")
        index.append({"file": name, "model": current[0], "task_key": current[1],
                      "runs": len(page)})
        page = []

    for r in rows:
        key = (r["model"], r["task_key"], r["page_in_slice"])
        if key != current:
            flush()
            current = key
        text, origin = store.text(r["source_file"], r["answer_sha256"], r["answer_file"])
        page.append(_with_answer(r["json"], text, origin))
    flush()
    write("runs/index.json", envelope("runs_index", index),
          "which page holds the runs of each model x task")
