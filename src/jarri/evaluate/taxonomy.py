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
                  "bad_request", "server_busy", "stream_error", "protocol_error"),
    # the backend answered, but the generation itself is broken
    "generation": ("empty_output", "token_cap_reached", "repetition_loop", "thinking_only",
                   "thinking_cap_reached", "stream_incomplete", "context_overflow"),
    # answer not in the required shape
    "format": ("format_violation",),
    # could not extract the graded part
    "parse": ("parse_failure",),
    # model-written code crashed or timed out
    "execute": ("runtime_error", "execution_timeout", "test_failure"),
    # wrong content
    "semantic": ("wrong_answer", "arithmetic_error", "unit_error", "hallucinated_fact",
                 "missing_fact", "logic_error", "refusal"),
    # a stated constraint broken
    "constraint": ("constraint_violation",),
}

# Format discipline (record field format_violations): the answer protocol each prompt states,
# rule by rule. Breaking one never costs correctness points; it sets format_ok = false.
FORMAT_RULES: Final[dict[str, str]] = {
    "no_answer_line": "no final 'Answer: ...' line (the answer was found by a fallback)",
    "answer_line_not_last": "text follows the 'Answer:' line",
    "answer_lines_missing": "fewer 'Answer N:' lines than questions",
    "answer_not_bare": "the 'Answer:' line holds more than the answer itself",
    "verdict_not_named": "the verdict is stated as a claim ('Tom is a mammal.'), not named",
    "unit_missing": "the number is given without the unit the prompt asks for",
    "continued_past_answer": "the reply goes on with a new turn it made up ('Question: ...')",
    "repetition_loop": "the reply ends in a repetition loop (cut before grading)",
    "not_json_only": "the reply is not one JSON object alone (a ```json fence allowed)",
    "several_json_objects": "the reply holds more than one JSON object",
    "value_as_string": "a number or true/false was written as a string",
    "key_spelling": "a key differs from the asked one in case or spacing",
    "extra_fields": "keys the prompt did not ask for",
    "no_python_fence": "the code is not in a ```python fenced block",
    "text_outside_block": "text outside the code block",
    "several_code_blocks": "more than one code block",
    "preamble": "a lead-in line before the text ('Here are three bullets:')",
    "title": "a title or heading before the text",
    "closing_remark": "a remark after the text ('I hope this helps')",
    "code_fence_in_prose": "the text is wrapped in a code fence",
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
