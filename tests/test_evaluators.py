import pytest

from jarri.evaluate.exact import evaluate_exact
from jarri.evaluate.generation import repetition_loop
from jarri.evaluate.numeric import evaluate_numeric, extract_number
from jarri.evaluate.registry import evaluator_problems
from jarri.evaluate.thinking import split_thinking

GT = {"answer": "Paris", "aliases": ["Paris, France"]}


@pytest.mark.parametrize("answer", ["Paris", "paris", "  Paris.  ", "Answer: Paris",
                                    "**Paris**", "Paris\n\nThe capital of France is Paris.",
                                    "```\nParis\n```", "Paris, France"])
def test_exact_is_lenient_on_form(answer: str) -> None:
    r = evaluate_exact(answer, GT, {}, 100.0)
    assert r.score_percent == 100.0 and r.passed and r.failure_stage is None


@pytest.mark.parametrize(("answer", "stage", "ftype"), [
    ("", "generation", "empty_output"),
    ("   \n ", "generation", "empty_output"),
    ("hello", "semantic", "wrong_answer"),
    ("Lyon", "semantic", "wrong_answer"),
    ("Paris or Lyon", "semantic", "wrong_answer"),
])
def test_exact_garbage_scores_zero(answer: str, stage: str, ftype: str) -> None:
    r = evaluate_exact(answer, GT, {}, 100.0)
    assert r.score_percent == 0.0 and not r.passed
    assert (r.failure_stage, r.failure_type) == (stage, ftype)
    assert "answer_matches" in r.failure_subtypes
    assert r.hard_failure  # zero credit: nothing usable


@pytest.mark.parametrize(("answer", "value"), [
    ("12", 12.0), ("12.", 12.0), ("The answer is 12", 12.0), ("1,234", 1234.0),
    ("-3.5 degrees", -3.5), ("```\n48\n```", 48.0), ("7 + 5 = 12", 12.0),
    ("7 + 5 = 14\n\nExplanation", 14.0), ("twelve", 12.0), ("8 May 1945", 1945.0),
    ("12\u2009345", 12345.0), ("\u22125", -5.0), ("Answer: one hundred and eighty", 180.0),
])
def test_extract_number(answer: str, value: float) -> None:
    assert extract_number(answer) == value


def test_numeric_strict_on_value_and_tolerance() -> None:
    assert evaluate_numeric("12", {"value": 12}, {}, 100).score_percent == 100
    assert evaluate_numeric("12.04", {"value": 12, "tolerance": 0.05}, {}, 100).passed
    wrong = evaluate_numeric("13", {"value": 12}, {}, 100)
    assert wrong.score_percent == 0 and wrong.failure_type == "wrong_answer"
    calc = evaluate_numeric("13", {"value": 12}, {"wrong_type": "arithmetic_error"}, 100)
    assert calc.failure_type == "arithmetic_error"
    none = evaluate_numeric("no idea at all", {"value": 12}, {}, 100)
    assert none.score_percent == 0 and none.failure_stage == "parse" and none.hard_failure
    empty = evaluate_numeric("", {"value": 12}, {}, 100)
    assert empty.failure_type == "empty_output"


def test_ground_truth_validation() -> None:
    assert evaluator_problems("exact", {}, {"answer": "x"}) == []
    assert evaluator_problems("exact", {}, {"nope": 1})
    assert evaluator_problems("numeric", {}, {"value": "12"})
    assert evaluator_problems("numeric", {}, {"value": 1, "tolerance": -1})
    assert evaluator_problems("bogus", {}, None)[0].startswith("unknown evaluator")


def test_repetition_loop_detection() -> None:
    looped = "Paris\n\n" + "The capital of France is Paris.\n\n" * 5
    assert repetition_loop(looped)
    assert repetition_loop("Au " + "the the the the the the ")
    assert not repetition_loop("Paris")
    assert not repetition_loop("One.\nTwo.\nThree.\nFour.\nFive.")


def test_split_thinking() -> None:
    assert split_thinking("<think>hmm</think> Paris") == ("Paris", "hmm")
    assert split_thinking("hmm, let me see\n</think>\n\nParis") == ("Paris", "hmm, let me see")
    assert split_thinking("Paris", "field") == ("Paris", "field")
    assert split_thinking("<think>never closed") == ("", "never closed")


def test_numeric_units_lenient_when_absent_strict_when_wrong() -> None:
    gt = {"value": 4500, "unit": "m", "unit_aliases": ["metres", "meters"]}
    assert evaluate_numeric("4500 m", gt, {}, 100).score_percent == 100
    assert evaluate_numeric("4,500 metres", gt, {}, 100).score_percent == 100
    bare = evaluate_numeric("4500", gt, {}, 100)  # no unit written: right, but not the format
    assert bare.score_percent == 100 and "unit_missing" in bare.format_violations
    assert evaluate_numeric("4500 metre", gt, {}, 100).score_percent == 100  # pint spelling
    wrong_unit = evaluate_numeric("4500 km", gt, {}, 100)
    assert wrong_unit.score_percent == 50 and wrong_unit.failure_type == "unit_error"
    assert "unit_correct" in wrong_unit.failure_subtypes and not wrong_unit.hard_failure
    wrong_both = evaluate_numeric("4.5 km", gt, {}, 100)
    assert wrong_both.score_percent == 0 and wrong_both.failure_type == "wrong_answer"
    # a bare wrong number earns nothing, not the unit's points
    assert evaluate_numeric("17", gt, {}, 100).score_percent == 0
