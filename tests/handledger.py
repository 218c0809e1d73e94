"""A small ledger written by hand, with every metric of surfaces.md computed by hand
(tests/test_rebuild_metrics.py). Five runs:

  #  model task gpu power           score passed energy           out/prompt eval wall
  1  A     t1   G1  "80" -> 200 W   100   yes    100 J high       50 / 10    1.0  2.0
  2  A     t1   G1  "144w" -> 144 W  50   no     80 J medium      150 / 10   2.0  3.0
  3  A     t2   G1  "80" -> 200 W   none  no     unmeasured       - / -      -    0.5 (HTTP 500)
  4  B     t1   G2  not set         100   yes    60 J low, HYBRID 100 / 20   1.0  1.5
  5  B     t1   G2  not set           0   no     40 J invalid     0 / 20     0.1  0.2 (empty)

B never ran t2, so the common task set is {t1}; run 4's energy is excluded by the residency
policy and run 5's is invalid, so B has no valid energy at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jarri.ledger.identity import run_id, run_key
from jarri.ledger.record import RunRecord

OPTIONS = {"temperature": 0.0, "seed": 42, "top_k": 1, "top_p": 1.0, "num_ctx": 2048,
           "max_output_tokens": 256, "think": None}
GPU = {"G1": ("GPU-1111", "Card One"), "G2": ("GPU-2222", "Card Two")}


def rec(n: int, model: str, task: str, gpu: str, power: str | None, *, score: float | None,
        energy_j: float | None, confidence: str, out: int | None, prompt: int | None,
        eval_s: float | None, wall_s: float, residency: str = "full_gpu",
        **over: Any) -> RunRecord:
    applied = {"80": 200.0, "60": 150.0, "144w": 144.0, None: None}[power]
    key = run_key(sweep_id="hand", experiment_id="e1", task_id=task, prompt_sha256="p" * 64,
                  model=model, model_digest=None, backend="ollama", options=OPTIONS,
                  power_limit_request=power, repeat_index=n)
    t = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC) + timedelta(seconds=n)
    uuid, name = GPU[gpu]
    data: dict[str, Any] = dict(
        run_id=run_id(key, 1), run_key=key, sweep_id="hand", started_at=t, finished_at=t,
        jarri_version="0.1.0", host="h", experiment_id="e1", experiment_revision=1,
        task_id=task, task_family="fact", task_name=task, prompt_sha256="p" * 64,
        evaluator="exact@1", model=model, backend="ollama", backend_version="0.13.0",
        model_digest=None, model_format=None, model_quantization=None,
        model_parameter_size=None, options=OPTIONS, repeat_index=n,
        power_limit_request=power, power_limit_mode=None if power is None else
        ("watts" if power.endswith("w") else "percent"),
        power_limit_applied_w=applied, power_limit_default_w=250.0 if power else None,
        gpu_name=name, gpu_uuid=uuid, gpu_count=1, gpu_indices=[0], residency=residency,
        wall_s=wall_s, wall_ns=round(wall_s * 1e9), eval_s=eval_s, prompt_tokens=prompt,
        output_tokens=out, energy_method="nvml_energy_counter",
        energy_net_j=energy_j, energy_net_mj=None if energy_j is None else round(energy_j * 1e3),
        energy_confidence=confidence, status="ok", completed=True, score_percent=score,
        passed=score == 100, fully_correct=score == 100)
    data.update(over)
    return RunRecord(**data)


def hand_records() -> list[RunRecord]:
    return [
        rec(1, "A", "t1", "G1", "80", score=100, energy_j=100, confidence="high", out=50,
            prompt=10, eval_s=1.0, wall_s=2.0),
        rec(2, "A", "t1", "G1", "144w", score=50, energy_j=80, confidence="medium", out=150,
            prompt=10, eval_s=2.0, wall_s=3.0, failure_stage="semantic",
            failure_type="wrong_answer", failure_subtypes=["answer_matches"]),
        rec(3, "A", "t2", "G1", "80", score=None, energy_j=None, confidence="unmeasured",
            out=None, prompt=None, eval_s=None, wall_s=0.5, status="backend_error",
            completed=False, hard_failure=True, failure_stage="transport",
            failure_type="server_error", failure_subtypes=["server_error"], error="HTTP 500"),
        rec(4, "B", "t1", "G2", None, score=100, energy_j=60, confidence="low", out=100,
            prompt=20, eval_s=1.0, wall_s=1.5, residency="hybrid"),
        rec(5, "B", "t1", "G2", None, score=0, energy_j=40, confidence="invalid", out=0,
            prompt=20, eval_s=0.1, wall_s=0.2, hard_failure=True, failure_stage="generation",
            failure_type="empty_output", failure_subtypes=["answer_present", "answer_matches"]),
    ]


def write_ledger(path, records) -> None:  # noqa: ANN001
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(r.to_line() for r in records))
