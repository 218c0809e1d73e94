"""From a completion to an outcome: grade it, and label how it failed.

Precedence (docs/failure-taxonomy.md): a transport failure means nothing to grade; otherwise
the evaluator grades the answer (thinking separated). If the answer is not fully correct and
the generation itself broke (repetition loop, a stream cut short, thinking only), the
generation label wins; a reached token cap wins only when the evaluator could not grade
(a hard failure) — otherwise it is added to the subtypes.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from jarri.backends.base import Completion
from jarri.evaluate.generation import repetition_loop
from jarri.evaluate.registry import get_evaluator
from jarri.evaluate.reply import has_loop
from jarri.evaluate.report import Check, EvalReport
from jarri.evaluate.taxonomy import is_hard
from jarri.evaluate.thinking import split_thinking
from jarri.suite.model import Task


@dataclass
class Outcome:
    status: str
    answer_text: str
    thinking_text: str
    evaluator: str | None = None
    error: str | None = None
    score_percent: float | None = None
    checks: list[Check] = field(default_factory=list)
    extracted: str | None = None
    passed: bool = False
    fully_correct: bool = False
    hard_failure: bool = False
    failure_stage: str | None = None
    failure_type: str | None = None
    failure_subtypes: list[str] = field(default_factory=list)
    truncated: bool = False
    format_ok: bool | None = None
    format_violations: list[str] = field(default_factory=list)


def _generation_problem(c: Completion, answer: str, thinking: str) -> str | None:
    if c.failure is not None and c.failure.stage == "generation":
        return c.failure.type
    if has_loop(answer) or repetition_loop(answer) or repetition_loop(thinking):
        return "repetition_loop"
    if not answer.strip() and thinking.strip():
        # Still thinking when the output cap ended it: the harness's cap (the thinking budget
        # was too small for this task), not a model that stopped without answering.
        return "thinking_cap_reached" if c.done_reason == "length" else "thinking_only"
    return None


def decide(task: Task, c: Completion) -> Outcome:
    answer, thinking = split_thinking(c.answer_text, c.thinking_text)
    truncated = c.done_reason == "length"
    if c.failure is not None and c.failure.stage == "transport":
        return Outcome(
            status="timeout" if c.failure.type == "timeout" else "backend_error",
            answer_text=answer, thinking_text=thinking, error=c.failure.message,
            hard_failure=True, failure_stage="transport", failure_type=c.failure.type,
            failure_subtypes=[c.failure.type], truncated=truncated)
    if task.evaluator is None:
        return Outcome(status="not_evaluated", answer_text=answer, thinking_text=thinking,
                       error="the task names no evaluator (original-format manifest)",
                       truncated=truncated)
    ev = get_evaluator(task.evaluator)
    try:
        report = ev.evaluate(answer, task.ground_truth, task.evaluator_params,
                             task.pass_threshold, prompt=task.prompt, prefill=c.prefill)
    except Exception:  # noqa: BLE001 - an evaluator bug must never stop a sweep
        return Outcome(status="evaluator_error", answer_text=answer, thinking_text=thinking,
                       evaluator=ev.ref, error=traceback.format_exc(limit=20),
                       truncated=truncated)
    out = _from_report(report, answer, thinking, ev.ref, truncated)
    if report.score_percent < 100.0:
        _apply_generation_label(out, _generation_problem(c, answer, thinking), report,
                                truncated)
    return out


def _from_report(r: EvalReport, answer: str, thinking: str, ref: str,
                 truncated: bool) -> Outcome:
    return Outcome(
        status="ok", answer_text=answer, thinking_text=thinking, evaluator=ref,
        score_percent=r.score_percent, checks=list(r.checks), extracted=r.extracted,
        passed=r.passed, fully_correct=r.score_percent >= 100.0, hard_failure=r.hard_failure,
        failure_stage=r.failure_stage, failure_type=r.failure_type,
        failure_subtypes=list(r.failure_subtypes), truncated=truncated,
        format_ok=r.format_ok, format_violations=list(r.format_violations))


def _apply_generation_label(out: Outcome, problem: str | None, report: EvalReport,
                            truncated: bool) -> None:
    if problem is None and truncated:
        if is_hard(report.failure_stage):
            problem = "token_cap_reached"
        else:
            out.failure_subtypes.append("token_cap_reached")
            return
    if problem is None:
        return
    # A hard failure never carries points: the generation broke and the answer was not right.
    out.failure_stage = "generation"
    out.failure_type = problem
    out.hard_failure = True
    out.score_percent = 0.0
    out.passed = False
    if problem not in out.failure_subtypes:
        out.failure_subtypes.append(problem)
