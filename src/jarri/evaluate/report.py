"""What an evaluator returns: a score, the checks it made and the failure labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from jarri.evaluate.taxonomy import is_hard, is_known


@dataclass(frozen=True)
class Check:
    """One check. Weight 0 marks an informational check (e.g. "an answer is present"): it
    is reported and can name a failure, but earns no points, so garbage scores 0."""

    name: str
    passed: bool
    weight: float = 1.0
    detail: str = ""


@dataclass(frozen=True)
class EvalReport:
    score_percent: float
    checks: tuple[Check, ...]
    passed: bool
    extracted: str | None
    failure_stage: str | None = None
    failure_type: str | None = None
    failure_subtypes: tuple[str, ...] = field(default_factory=tuple)
    # Format discipline, apart from correctness: the answer protocol the prompt asked for was
    # followed (None: the evaluator states no protocol), and the rules broken if not.
    format_ok: bool | None = None
    format_violations: tuple[str, ...] = field(default_factory=tuple)

    @property
    def hard_failure(self) -> bool:
        # Structurally unusable (transport ... execute), or nothing usable at all: an answer
        # that earns zero credit is not a partial success, whatever its stage.
        return is_hard(self.failure_stage) or (
            self.failure_stage is not None and self.score_percent <= 0)


def build_report(checks: list[Check], *, pass_threshold: float, extracted: str | None,
                 failure_stage: str | None = None, failure_type: str | None = None,
                 format_violations: tuple[str, ...] | list[str] | None = None,
                 void: bool = False) -> EvalReport:
    """Weighted score from checks; failure labels only when the answer is not fully correct.

    ``void``: the answer commits to something wrong (a wrong claim, a refusal), so no check
    earns points. ``format_violations``: None when no format protocol applies; otherwise the
    broken rules (empty: the format was followed).
    """
    total = sum(c.weight for c in checks)
    got = sum(c.weight for c in checks if c.passed)
    score = round(100.0 * got / total, 6) if total > 0 else 0.0
    if void:
        score = 0.0
    if score >= 100.0:
        failure_stage = failure_type = None
    elif failure_stage is None or failure_type is None:
        raise ValueError("an answer below 100 must carry a failure stage and type")
    if failure_stage is not None and failure_type is not None and not is_known(
        failure_stage, failure_type
    ):
        raise ValueError(f"unknown failure label {failure_stage}/{failure_type}")
    subtypes = tuple(c.name for c in checks if not c.passed) if score < 100.0 else ()
    return EvalReport(
        score_percent=score,
        checks=tuple(checks),
        passed=score >= pass_threshold,
        extracted=extracted,
        failure_stage=failure_stage,
        failure_type=failure_type,
        failure_subtypes=subtypes,
        format_ok=None if format_violations is None else not format_violations,
        format_violations=tuple(dict.fromkeys(format_violations or ())),
    )
