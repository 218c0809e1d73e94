"""runs/: every run record, paged by model x task, with its answer text and checks, so any
number on screen can be traced to the runs behind it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PAGE_SIZE = 250
ANSWER_CHARS = 4000


def answer_text(row: dict[str, Any], root: Path) -> tuple[str | None, str]:
    """(text, where it came from). Answers live in the content store beside their ledger."""
    ledger_dir = (root / row["source_file"]).parent
    if row.get("answer_sha256"):
        sha = row["answer_sha256"]
        path = ledger_dir / "outputs" / sha[:2] / f"{sha}.txt"
        try:
            return path.read_text(encoding="utf-8"), "content store"
        except (OSError, UnicodeDecodeError):
            return None, "not stored (the content store beside the ledger lacks it)"
    if row.get("answer_file"):
        try:
            return (ledger_dir / row["answer_file"]).read_text(encoding="utf-8"), \
                "original answer file (may belong to a later re-run: see import_flags)"
        except (OSError, UnicodeDecodeError):
            return None, "not stored (the original answer file is missing)"
    return None, "no answer (the backend produced none)"


def run_row(r: dict[str, Any], root: Path) -> dict[str, Any]:
    text, origin = answer_text(r, root)

    def per_s(us: int | None) -> float | None:
        return None if us is None else us / 1e6

    return {
        "run_id": r["run_id"], "run_key": r["run_key"], "sweep_id": r["sweep_id"],
        "origin": r["origin"], "model": r["model"], "task_key": r["task_key"],
        "task_family": r["task_family"], "started_at": r["started_at"],
        "finished_at": r["finished_at"], "repeat_index": r["repeat_index"],
        "gpu_key": r["gpu_key"], "gpu_name": r["gpu_name"],
        "power_applied_w": r["power_applied_w"], "power_request": r["power_request"],
        "power_percent_of_default": r["power_percent"], "residency": r["residency"],
        "status": r["status"], "completed": r["completed"], "score_percent": r["score_percent"],
        "passed": r["passed"], "fully_correct": r["fully_correct"],
        "hard_failure": r["hard_failure"], "failure_stage": r["failure_stage"],
        "failure_type": r["failure_type"], "failure_subtypes": r["failure_subtypes"] or [],
        "import_flags": r["import_flags"] or [],
        "prompt_tokens": r["prompt_tokens"], "output_tokens": r["output_tokens"],
        "wall_s": r["wall_ns"] / 1e9, "ttft_s": per_s(r["ttft_us"]),
        "eval_s": per_s(r["eval_us"]), "thinking_chars": r["thinking_chars"],
        "answer_chars": r["answer_chars"], "truncated": r["truncated"],
        "done_reason": r["done_reason"], "cold_start": r["cold_start"],
        "energy_method": r["energy_method"], "energy_confidence": r["energy_confidence"],
        "energy_confidence_reason": r["energy_reason"], "energy_valid": r["energy_valid"],
        "energy_net_j": None if r["energy_net_mj"] is None else r["energy_net_mj"] / 1e3,
        "energy_gross_j": None if r["energy_gross_mj"] is None else r["energy_gross_mj"] / 1e3,
        "idle_power_w": r["idle_power_w"], "evaluator": r["evaluator"],
        "checks": json.loads(r["checks_json"]) if r["checks_json"] else [],
        "extracted_answer": r["extracted_answer"], "error": r["error"],
        "answer_sha256": r["answer_sha256"],
        "answer_text": None if text is None else text[:ANSWER_CHARS],
        "answer_truncated": text is not None and len(text) > ANSWER_CHARS,
        "answer_source": origin,
    }


def write_pages(rows: Iterable[dict[str, Any]], root: Path,
                write: Callable[[str, Any, str], None],
                envelope: Callable[[str, list[dict[str, Any]]], dict[str, Any]]) -> None:
    """Pages of at most PAGE_SIZE runs, each page within one model x task."""
    index: list[dict[str, Any]] = []
    page: list[dict[str, Any]] = []
    n = 0

    def flush() -> None:
        nonlocal page, n
        if not page:
            return
        n += 1
        name = f"runs/page_{n:06d}.json"
        write(name, envelope("runs_page", page), "run records (one model x task)")
        index.append({"file": name, "model": page[0]["model"], "task_key": page[0]["task_key"],
                      "runs": len(page), "first_run_id": page[0]["run_id"]})
        page = []

    for r in rows:
        if page and (len(page) >= PAGE_SIZE or r["model"] != page[0]["model"]
                     or r["task_key"] != page[0]["task_key"]):
            flush()
        page.append(run_row(r, root))
    flush()
    write("runs/index.json", envelope("runs_index", index),
          "which page holds the runs of each model x task")
