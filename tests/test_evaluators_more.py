"""mcq, logic, facts, json_fields, constraints: a reference answer scores 100, garbage
scores 0, a realistic partial answer lands in between; lenient on form, strict on content."""

from __future__ import annotations

import pytest

from jarri.evaluate.registry import EVALUATORS, evaluator_problems

CASES = [
    # evaluator, ground truth, reference, partial (or None when the scale is all-or-nothing)
    ("mcq", {"answer": "B", "options": {"A": "Lyon", "B": "Paris"}}, "B", None),
    ("logic", {"answer": "cannot be determined", "choices": ["yes", "no", "cannot be determined"]},
     "Cannot be determined.", None),
    ("facts", {"required": [["Marie Curie", "Curie"], "1903", "physics"],
               "forbidden": ["Einstein"]},
     "Marie Curie shared the 1903 Nobel Prize in Physics.", "Curie won a Nobel Prize in 1903."),
    ("json_fields", {"fields": {"city": "Paris", "population_m": {"value": 2.1, "tolerance": 0.2},
                                "capital": True}, "allow_extra": False},
     '```json\n{"city": "paris", "population_m": 2.15, "capital": true}\n```',
     '{"city": "Paris", "population_m": 5, "capital": true}'),
    ("constraints", {"required_words": ["energy", "tokens"], "bullets": 3, "max_words": 30,
                     "banned_words": ["very"]},
     "- energy matters\n- tokens matter\n- both are costs",
     "- energy matters\n- tokens matter"),
]


@pytest.mark.parametrize(("name", "gt", "reference", "partial"), CASES)
def test_reference_garbage_and_partial(name: str, gt: dict, reference: str,
                                       partial: str | None) -> None:
    ev = EVALUATORS[name]
    assert evaluator_problems(name, {}, gt) == []
    ok = ev.evaluate(reference, gt, {}, 100.0)
    assert ok.score_percent == 100 and ok.passed and ok.failure_stage is None, ok.checks
    for garbage in ("", "hello"):
        bad = ev.evaluate(garbage, gt, {}, 100.0)
        assert bad.score_percent == 0 and not bad.passed and bad.failure_stage, (garbage, bad)
    assert ev.evaluate("", gt, {}, 100.0).hard_failure
    if partial is not None:
        mid = ev.evaluate(partial, gt, {}, 100.0)
        assert 0 < mid.score_percent < 100, mid.checks


@pytest.mark.parametrize(("answer", "got"), [("(B)", 100), ("b) Paris", 100), ("Answer: B", 100),
                                             ("Paris", 100), ("A", 0), ("Lyon or Paris", 0)])
def test_mcq_lenient_on_form(answer: str, got: float) -> None:
    gt = {"answer": "B", "options": {"A": "Lyon", "B": "Paris"}}
    assert EVALUATORS["mcq"].evaluate(answer, gt, {}, 100).score_percent == got


def test_logic_hedging_is_not_a_hit() -> None:
    gt = {"answer": "yes", "choices": ["yes", "no"]}
    r = EVALUATORS["logic"].evaluate("Yes or no, hard to say", gt, {}, 100)
    assert r.score_percent == 0 and "single_verdict" in r.failure_subtypes
    assert r.failure_type == "logic_error"


def test_facts_forbidden_claim_is_a_hallucination() -> None:
    gt = {"required": ["Curie"], "forbidden": ["Einstein"]}
    r = EVALUATORS["facts"].evaluate("Curie and Einstein discovered radium", gt, {}, 100)
    assert r.score_percent == 0 and r.failure_type == "hallucinated_fact"  # a wrong claim
    ok = EVALUATORS["facts"].evaluate("Curie, not Einstein, discovered radium", gt, {}, 100)
    assert ok.score_percent == 100


def test_json_strictness() -> None:
    gt = {"fields": {"n": 3}, "allow_extra": False}
    ev = EVALUATORS["json_fields"]
    assert ev.evaluate('{"n": 3}', gt, {}, 100).score_percent == 100
    as_text = ev.evaluate('{"n": "3"}', gt, {}, 100)  # right content, wrong type: a format fault
    assert as_text.score_percent == 100 and as_text.format_violations == ("value_as_string",)
    extra = ev.evaluate('{"n": 3, "note": "x"}', gt, {}, 100)
    assert extra.score_percent == 100 and extra.format_violations == ("extra_fields",)
    assert ev.evaluate('{"n": 4}', gt, {}, 100).score_percent == 0
    prose = ev.evaluate("The answer is n = 3.", gt, {}, 100)
    assert prose.failure_stage == "parse" and prose.hard_failure
    assert ev.evaluate('Sure! {"n": 3} Hope that helps.', gt, {}, 100).score_percent == 100


def test_constraints_length_limits_alone_cannot_score() -> None:
    assert evaluator_problems("constraints", {}, {"max_words": 5})
    gt = {"required_words": ["energy"], "max_words": 5}
    assert EVALUATORS["constraints"].evaluate("hi", gt, {}, 100).score_percent == 0


def test_logic_verdicts_are_whole_words_and_masked() -> None:
    gt = {"answer": "no", "choices": ["yes", "no", "cannot be determined"]}
    ev = EVALUATORS["logic"]
    assert ev.evaluate("No.", gt, {}, 100).score_percent == 100
    assert ev.evaluate("Cannot be determined.", gt, {}, 100).score_percent == 0
    echo = ev.evaluate("yes, no, cannot be determined.", gt, {}, 100)
    assert echo.failure_type == "logic_error" and "single_verdict" in echo.failure_subtypes
    detail = next(c.detail for c in echo.checks if c.name == "verdict_correct")
    assert "several verdicts" in detail and all(v in detail for v in ("'yes'", "'no'",
                                                                      "'cannot be determined'"))
