"""Write a synthetic ledger of N records with realistic distributions (for the rebuild
benchmark): 8 models, 3 experiments x 20 tasks, 4 power levels on 2 GPUs, repeats, ~35%
failures across every stage, nulls where servers omit values, invalid/hybrid energy.

    python perf/gen_ledger.py OUT_DIR N [--seed 1]

Writes OUT_DIR/benchmarks/<experiment>/llm_benchmark_runs.jsonl (schema v1, validated shape),
laid out as the ledger writer lays out its lines: every field, in the record's order.
``--other-layout`` leaves out the fields at their default and shuffles the key order (as a
hand-edited or foreign ledger might), which the rebuild checks by its slower generic path.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jarri.evaluate.taxonomy import STAGES
from jarri.ledger.record import RunRecord

MODELS = ["qwen3:8b", "mistral:7b", "llama3.1:8b", "gemma3:12b", "phi4:14b", "qwen3:4b",
          "gemma3:270m", "deepseek-r1:8b"]
EXPERIMENTS = ["fact_prose_v2", "math_measurement_v1", "coding_measurement_v3"]
POWER = [("60", "percent", 210.0), ("80", "percent", 280.0), ("100", "percent", 350.0),
         ("250w", "watts", 250.0)]
GPUS = [("GPU-aaaaaaaa-0000-0000-0000-000000000001", "NVIDIA GeForce RTX 4090"),
        ("GPU-bbbbbbbb-0000-0000-0000-000000000002", "NVIDIA H100 80GB HBM3")]
OPTIONS = {"temperature": 0.0, "seed": 42, "top_k": 1, "top_p": 1.0, "num_ctx": 8192,
           "max_output_tokens": 1024, "think": None}


def record(i: int, rng: random.Random, t0: datetime) -> dict[str, object]:
    model = MODELS[i % len(MODELS)] if rng.random() < 0.9 else rng.choice(MODELS)
    exp = EXPERIMENTS[(i // 7) % len(EXPERIMENTS)]
    task = f"{exp.split('_')[0]}_task_{rng.randrange(20) + 1}"
    req, mode, watts = rng.choice(POWER)
    uuid, gpu = GPUS[0] if rng.random() < 0.7 else GPUS[1]
    out = rng.randint(5, 1024)
    wall = 0.2 + out / rng.uniform(20, 120)
    failed = rng.random() < 0.35
    stage = rng.choice(list(STAGES)) if failed else None
    ftype = rng.choice(STAGES[stage]) if stage else None
    score = None if stage == "transport" else (100.0 if not failed else
                                               round(rng.uniform(0, 99), 2))
    residency = "full_gpu" if rng.random() < 0.93 else rng.choice(["hybrid", "cpu", "unknown"])
    conf = rng.choices(["high", "medium", "low", "invalid", "unmeasured"],
                       [60, 20, 10, 5, 5])[0]
    energy = None if conf == "unmeasured" else round(wall * rng.uniform(80, 450), 3)
    key = hashlib.sha256(f"{i}".encode()).hexdigest()
    start = t0 + timedelta(seconds=i * 3)
    return {
        "schema_version": 1, "run_id": f"{key[:32]}-1", "run_key": key, "attempt": 1,
        "sweep_id": "synthetic", "started_at": start.isoformat(),
        "finished_at": (start + timedelta(seconds=wall)).isoformat(),
        "jarri_version": "0.1.0", "host": "bench", "experiment_id": exp,
        "experiment_revision": 1, "task_id": task, "task_family": exp.split("_")[0],
        "task_name": task, "prompt_sha256": hashlib.sha256(task.encode()).hexdigest(),
        "evaluator": "exact@1", "model": model, "backend": "ollama",
        "backend_version": "0.13.0", "model_digest": "sha256:" + "0" * 64,
        "model_format": "gguf", "model_quantization": "Q4_K_M", "model_parameter_size": "8B",
        "options": OPTIONS, "repeat_index": 1 + i % 3, "power_limit_request": req,
        "power_limit_mode": mode, "power_limit_target_w": watts, "power_limit_applied_w": watts,
        "power_limit_default_w": 350.0, "power_limit_min_w": 150.0, "power_limit_max_w": 450.0,
        "power_limit_clamped": False, "gpu_name": gpu, "gpu_uuid": uuid,
        "gpu_driver_version": "580.1", "gpu_memory_total_mib": 24564, "gpu_count": 1,
        "gpu_indices": [0], "residency": residency, "model_size_bytes": 5_000_000_000,
        "model_size_vram_bytes": 5_000_000_000, "context_length": 8192,
        "wall_s": wall, "wall_ns": round(wall * 1e9),
        "ttft_s": round(rng.uniform(0.02, 0.4), 6),
        "load_s": None if rng.random() < 0.3 else 0.01,
        "prompt_eval_s": round(rng.uniform(0.01, 0.2), 6),
        "eval_s": None if stage == "transport" else round(wall * 0.9, 6), "cold_start": False,
        "prompt_tokens": None if stage == "transport" else rng.randint(20, 400),
        "output_tokens": None if stage == "transport" else out,
        "thinking_chars": 0, "answer_chars": out * 4, "done_reason": "stop",
        "truncated": ftype == "token_cap_reached",
        "answer_sha256": hashlib.sha256(f"a{i}".encode()).hexdigest(), "thinking_sha256": None,
        "raw_usage": {"eval_count": out}, "energy_method": "nvml_energy_counter",
        "energy_gross_j": energy, "energy_net_j": energy,
        "energy_net_mj": None if energy is None else round(energy * 1000),
        "idle_power_w": 70.0, "energy_window_s": wall,
        "energy_confidence": conf, "energy_confidence_reason": "synthetic",
        "status": "backend_error" if stage == "transport" else "ok",
        "completed": stage != "transport", "error": "HTTP 500" if stage == "transport" else None,
        "score_percent": score,
        "checks": [{"name": "answer_matches", "passed": not failed, "weight": 1.0,
                    "detail": "synthetic"}],
        "passed": not failed, "fully_correct": not failed,
        "hard_failure": stage in ("transport", "generation", "format", "parse", "execute"),
        "failure_stage": stage, "failure_type": ftype,
        "failure_subtypes": [ftype] if ftype else [],
    }


# Every record field in declaration order with its default (what the writer writes).
DEFAULTS = {name: f.get_default(call_default_factory=True)
            for name, f in RunRecord.model_fields.items() if not f.is_required()}


def writer_layout(r: dict[str, object]) -> dict[str, object]:
    return {name: r[name] if name in r else DEFAULTS[name] for name in RunRecord.model_fields}


def other_layout(r: dict[str, object], rng: random.Random) -> dict[str, object]:
    keys = [k for k in r if not (k in DEFAULTS and r[k] == DEFAULTS[k] and r[k] is not None)]
    rng.shuffle(keys)
    return {k: r[k] for k in keys}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--other-layout", action="store_true",
                    help="omit default fields and shuffle the keys of every line")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    RunRecord.model_validate(record(0, random.Random(0), t0))  # the shape is a valid record
    files = {}
    for exp in EXPERIMENTS:
        path = args.out / "benchmarks" / exp / "llm_benchmark_runs.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        files[exp] = open(path, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for i in range(args.n):
            r = record(i, rng, t0)
            r = other_layout(r, rng) if args.other_layout else writer_layout(r)
            files[str(r["experiment_id"])].write(json.dumps(r, separators=(",", ":")) + "\n")
    finally:
        for f in files.values():
            f.close()


if __name__ == "__main__":
    main()
