"""Assemble one RunRecord from the plan entry, the completion, the outcome and the energy."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jarri.backends.base import Completion, ModelInfo, Residency
from jarri.ledger.bounds import MAX_COUNT, MAX_JOULES, MAX_SECONDS, MAX_WATTS
from jarri.ledger.identity import run_id
from jarri.ledger.record import MAX_INLINE_CHARS, Check, GpuPowerLimit, RunRecord
from jarri.measure.meter import EnergyReading
from jarri.measure.nvml import GpuIdentity
from jarri.runner.outcome import Outcome
from jarri.runner.plan import PlannedRun


@dataclass(frozen=True)
class SweepContext:
    sweep_id: str
    backend: str
    backend_version: str | None
    jarri_version: str
    host: str
    gpu: GpuIdentity | None = None          # the first GPU whose energy is counted
    gpu_indices: tuple[int, ...] = ()
    gpu_uuids: tuple[str, ...] = ()             # of the counted GPUs


@dataclass(frozen=True)
class GpuLimit:
    """One GPU's limit in force for a run."""

    index: int
    uuid: str
    target_w: float
    applied_w: float
    default_w: float
    min_w: float
    max_w: float
    clamped: bool


@dataclass(frozen=True)
class AppliedPower:
    """The power level in force for a run, per counted GPU (the record's power_limit_*
    fields name the first; power_limits lists them all)."""

    gpus: tuple[GpuLimit, ...]

    @property
    def first(self) -> GpuLimit:
        return self.gpus[0]


def _mj(j: float | None) -> int | None:
    return None if j is None else round(j * 1000)


def inline(text: str | None) -> str | None:
    """Free text as kept in the record: cut past MAX_INLINE_CHARS (ledger/record.py)."""
    if text is None:
        return None
    # A lone surrogate (from a server's JSON escape) cannot be written as UTF-8.
    text = text.encode("utf-8", "replace").decode("utf-8")
    if len(text) <= MAX_INLINE_CHARS:
        return text
    return (text[:MAX_INLINE_CHARS]
            + f" ... [cut: {len(text)} characters in all; a stored answer is whole in the "
              "content store]")


def inline_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """The server's usage object as kept in the record: verbatim when it is plain JSON of a
    modest size; otherwise a note saying what was left out (the typed fields are kept)."""
    try:
        size = len(json.dumps(usage, allow_nan=False, ensure_ascii=False).encode("utf-8"))
    except (ValueError, TypeError, RecursionError) as exc:
        return {"omitted": f"the server's usage object is not plain JSON ({type(exc).__name__})"}
    if _depth(usage) > MAX_USAGE_DEPTH:
        return {"omitted": f"the server's usage object is nested more than "
                           f"{MAX_USAGE_DEPTH} deep"}
    if size > MAX_USAGE_BYTES:
        return {"omitted": f"the server's usage object is {size} bytes (over "
                           f"{MAX_USAGE_BYTES})"}
    return usage


MAX_USAGE_BYTES = 16 * 1024
MAX_USAGE_DEPTH = 16  # real usage objects are two or three deep


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def plausible_energy(energy: EnergyReading) -> EnergyReading:
    """The reading, or "invalid" with the reason when a value is outside what a run can
    use (ledger/bounds.py): a meter glitch must not make the record unwritable."""
    checks = [("gross_j", energy.gross_j, MAX_JOULES), ("net_j", energy.net_j, MAX_JOULES),
              ("window_s", energy.window_s, MAX_SECONDS),
              ("idle_power_w", energy.idle_power_w, MAX_WATTS),
              ("avg_power_w", energy.avg_power_w, MAX_WATTS),
              ("peak_power_w", energy.peak_power_w, MAX_WATTS),
              ("samples", energy.samples, MAX_COUNT)]
    for name, value, bound in checks:
        lower = -bound if name in ("gross_j", "net_j") else 0
        if value is not None and not (math.isfinite(value) and lower <= value <= bound):
            return EnergyReading(method=energy.method, confidence="invalid",
                                 reason=f"implausible meter reading: {name} = {value!r} "
                                        f"(outside [{lower}, {bound}])")
    return energy


def build_record(*, ctx: SweepContext, run: PlannedRun, info: ModelInfo, completion: Completion,
                 outcome: Outcome, energy: EnergyReading, residency: Residency,
                 started_at: datetime, finished_at: datetime, attempt: int,
                 answer_sha256: str | None, thinking_sha256: str | None,
                 cold_start: bool, supersedes: str | None = None,
                 power: AppliedPower | None = None,
                 limit_set_by: str | None = None) -> RunRecord:
    checks = [Check(name=c.name, passed=c.passed, weight=c.weight, detail=inline(c.detail) or "")
              for c in outcome.checks]
    energy = plausible_energy(energy)
    task = run.task
    return RunRecord(
        run_id=run_id(run.run_key, attempt), run_key=run.run_key, attempt=attempt,
        supersedes=supersedes,
        sweep_id=ctx.sweep_id, started_at=started_at, finished_at=finished_at,
        jarri_version=ctx.jarri_version, host=ctx.host,
        experiment_id=task.experiment_id, experiment_revision=task.experiment_revision,
        task_id=task.task_id, task_family=task.task_family, task_name=task.task_name,
        prompt_sha256=task.prompt_sha256, evaluator=outcome.evaluator,
        model=run.model, backend=ctx.backend,  # type: ignore[arg-type]
        backend_version=ctx.backend_version, model_digest=info.digest,
        model_format=info.format, model_quantization=info.quantization,
        model_parameter_size=info.parameter_size,
        options=run.options.as_record(),  # type: ignore[arg-type]
        request_options=inline_usage(completion.sent_options),
        repeat_index=run.repeat_index,
        power_limit_request=run.power.request if run.power else None,
        power_limit_mode=run.power.mode if run.power else None,
        power_limit_target_w=power.first.target_w if power else None,
        power_limit_applied_w=power.first.applied_w if power else None,
        power_limit_default_w=power.first.default_w if power else None,
        power_limit_min_w=power.first.min_w if power else None,
        power_limit_max_w=power.first.max_w if power else None,
        power_limit_clamped=power.first.clamped if power else None,
        power_limits=[GpuPowerLimit(
            gpu_index=g.index, gpu_uuid=g.uuid, target_w=g.target_w, applied_w=g.applied_w,
            default_w=g.default_w, min_w=g.min_w, max_w=g.max_w, clamped=g.clamped)
            for g in power.gpus] if power else [],
        power_limit_set_by=limit_set_by,  # type: ignore[arg-type]
        gpu_name=ctx.gpu.name if ctx.gpu else None,
        gpu_uuid=ctx.gpu.uuid if ctx.gpu else None,
        gpu_driver_version=ctx.gpu.driver_version if ctx.gpu else None,
        gpu_memory_total_mib=ctx.gpu.memory_total_mib if ctx.gpu else None,
        gpu_count=len(ctx.gpu_indices), gpu_indices=list(ctx.gpu_indices),
        residency=residency.mode,  # type: ignore[arg-type]
        model_size_bytes=residency.size_bytes or info.size_bytes,
        model_size_vram_bytes=residency.size_vram_bytes,
        context_length=residency.context_length or run.options.num_ctx,
        wall_s=completion.wall_ns / 1e9, wall_ns=completion.wall_ns,
        ttft_s=completion.ttft_s, load_s=completion.load_s,
        prompt_eval_s=completion.prompt_eval_s, eval_s=completion.eval_s,
        cold_start=cold_start,
        prompt_tokens=completion.prompt_tokens, output_tokens=completion.output_tokens,
        thinking_tokens=completion.thinking_tokens,
        prompt_cached_tokens=completion.prompt_cached_tokens,
        thinking_chars=len(outcome.thinking_text), answer_chars=len(outcome.answer_text),
        done_reason=completion.done_reason, truncated=outcome.truncated,
        answer_sha256=answer_sha256, thinking_sha256=thinking_sha256,
        raw_usage=inline_usage(completion.raw_usage),
        energy_method=energy.method, energy_gross_j=energy.gross_j,
        energy_gross_mj=_mj(energy.gross_j), idle_power_w=energy.idle_power_w,
        energy_net_j=energy.net_j, energy_net_mj=_mj(energy.net_j),
        energy_window_s=energy.window_s, avg_power_w=energy.avg_power_w,
        peak_power_w=energy.peak_power_w, power_samples=energy.samples,
        energy_confidence=energy.confidence,  # type: ignore[arg-type]
        energy_confidence_reason=energy.reason,
        status=outcome.status,  # type: ignore[arg-type]
        completed=completion.completed, error=inline(outcome.error),
        score_percent=outcome.score_percent,
        checks_passed=sum(c.passed for c in checks) if checks else None,
        checks_total=len(checks) if checks else None,
        checks=checks, extracted_answer=inline(outcome.extracted),
        passed=outcome.passed, fully_correct=outcome.fully_correct,
        hard_failure=outcome.hard_failure, failure_stage=outcome.failure_stage,
        failure_type=outcome.failure_type, failure_subtypes=outcome.failure_subtypes,
        format_ok=outcome.format_ok, format_violations=outcome.format_violations,
    )
