"""Generate a synthetic experiment folder in the original project's layout, for the import
benchmark (perf/import_scaling.py).

    python perf/gen_upstream.py WORKSPACE ROWS [--source FOLDER]

Writes WORKSPACE/benchmarks/<experiment>/ as the original project leaves it: its
manifest, prompts and ground truths (copied from the source folder), one ledger line per run
(the original's 65 keys, varied per run: model, task, power level, run index, time, score,
energy), and per run a report (reports/<stem>_report.json), an answer
(answers/<stem>.txt) and a runner result (results/<stem>.json). The source folder is an
original experiment folder (default: the one in the shared fixtures next to the
repository). Deterministic: the same ROWS give the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "fixtures" / "upstream_jarri" / "benchmarks" / \
    "fact_prose_v2"
POWER = ("60", "80", "100")


def stem(row: dict[str, object]) -> str:
    model = str(row["model"]).replace(":", "_").replace("/", "_")
    return f"{row['power_limit_request']}_{model}_{row['task_id']}_run{row['run_index']}"


def generate(ws: Path, rows: int, source: Path) -> Path:
    lines = [json.loads(x) for x in (source / "llm_benchmark_runs.jsonl").read_text()
             .splitlines() if x.strip()]
    template = lines[0]
    report_name = next(iter(sorted((source / "reports").glob("*.json"))))
    report = json.loads(report_name.read_text())
    answer = next(iter(sorted((source / "answers").glob("*.txt")))).read_text()
    tasks = sorted({str(x["task_id"]) for x in lines})
    folder = ws / "benchmarks" / str(template["experiment_id"])
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f in source.iterdir():
        if f.is_file() and f.name != "llm_benchmark_runs.jsonl":
            shutil.copy2(f, folder / f.name)
    for sub in ("reports", "answers", "results"):
        (folder / sub).mkdir()
    rng = random.Random(rows)
    t0 = datetime.fromisoformat(str(template["timestamp_utc"]))
    per_model = len(tasks) * len(POWER)
    out = []
    for i in range(rows):
        model = f"model{i % 20}:8b"
        cell = i // 20
        task = tasks[cell % len(tasks)]
        power = POWER[(cell // len(tasks)) % len(POWER)]
        run_index = cell // per_model + 1
        score = round(rng.uniform(0, 100), 1)
        energy = round(rng.uniform(50, 900), 2)
        row = {**template, "model": model, "task_id": task, "power_limit_request": power,
               "power_limit_percent": float(power), "run_index": run_index,
               "timestamp_utc": (t0 + timedelta(seconds=4 * i)).isoformat(),
               "evaluation_score_percent": score, "scientific_score_percent": score,
               "llm_energy_joules": energy, "duration_seconds": round(rng.uniform(1, 9), 3)}
        name = stem(row)
        row["evaluation_report_path"] = f"/elsewhere/{folder.name}/reports/{name}_report.json"
        out.append(json.dumps(row))
        rep = {**report, "task_id": task, "score": {**report["score"], "score_percent": score}}
        (folder / "reports" / f"{name}_report.json").write_text(json.dumps(rep, indent=2))
        (folder / "answers" / f"{name}.txt").write_text(answer)
        (folder / "results" / f"{name}.json").write_text(json.dumps(row, indent=2))
    (folder / "llm_benchmark_runs.jsonl").write_text("\n".join(out) + "\n")
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("rows", type=int)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = ap.parse_args()
    if not (args.source / "llm_benchmark_runs.jsonl").is_file():
        print(f"error: no original experiment folder at {args.source} (give --source)",
              file=sys.stderr)
        return 2
    folder = generate(args.workspace, args.rows, args.source)
    files = sum(1 for _ in folder.rglob("*") if _.is_file())
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    print(f"{folder}: {args.rows} rows, {files} files, {size:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
