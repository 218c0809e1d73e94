"""The failure vocabulary: one place, used by the runner, the evaluators and the rebuild.

Every run that did not fully pass carries a stage (where it broke), a type from the closed
vocabulary of that stage, subtypes (names of the failed checks) and ``hard_failure`` (the
output is structurally unusable). See docs/failure-taxonomy.md.
"""

from __future__ import annotations

from typing import Final

STAGES: Final[dict[str, tuple[str, ...]]] = {
    # no answer from the backend
    "transport": ("timeout", "connection_error", "server_error", "model_not_found",
                  "bad_request", "stream_error"),
    # the backend answered, but the generation itself is broken
    "generation": ("empty_output", "token_cap_reached", "repetition_loop", "thinking_only",
                   "stream_incomplete", "context_overflow"),
    # answer not in the required shape
    "format": ("format_violation",),
    # could not extract the graded part
    "parse": ("parse_failure",),
    # model-written code crashed or timed out
    "execute": ("runtime_error", "execution_timeout", "test_failure"),
    # wrong content
    "semantic": ("wrong_answer", "arithmetic_error", "unit_error", "hallucinated_fact",
                 "missing_fact", "logic_error"),
    # a stated constraint broken
    "constraint": ("constraint_violation",),
}

# Stages whose failures leave nothing usable to grade.
HARD_STAGES: Final[frozenset[str]] = frozenset(
    {"transport", "generation", "format", "parse", "execute"}
)


def is_known(stage: str, failure_type: str) -> bool:
    return failure_type in STAGES.get(stage, ())


def stage_of(failure_type: str) -> str:
    for stage, types in STAGES.items():
        if failure_type in types:
            return stage
    raise KeyError(f"unknown failure type {failure_type!r}")


def is_hard(stage: str | None) -> bool:
    return stage in HARD_STAGES
