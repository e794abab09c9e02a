"""bench/span_errors.py's error causes and confidence measures (the span head's error analysis)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import span_errors  # bench/ is not a package: the script's own import path

TEXT = "weather in Houston in 13 hours"


@pytest.mark.parametrize(
    ("mine", "theirs", "head", "teacher", "why"),
    [
        ("Houston", "Houston", None, None, "agrees"),
        ("in 13 hours", "13 hours", None, None, "boundary +word"),
        ("13", "13 hours", None, None, "boundary -word"),
        ("Houston", None, {"city": "Houston"}, {"state": "Houston"}, "wrong key"),  # a right span under another key
        (None, "Houston", {"state": "Houston"}, {"city": "Houston"}, "wrong key"),
        (None, "Houston", {}, {"city": "Houston"}, "missing"),
        ("Houston", None, {"city": "Houston"}, {}, "extra"),
        ("Houston", "13 hours", None, None, "wrong span"),
        ("Houston", "Dallas", None, None, "not a span"),
        (["Houston", "13"], "Houston", None, None, "list"),
    ],
)
def test_each_disagreement_gets_its_cause(mine, theirs, head, teacher, why):
    assert span_errors.cause(TEXT, mine, theirs, head, teacher) == why


def test_auroc_and_accepted_share_rank_right_answers_above_wrong_ones():
    conf = [0.9, 0.8, 0.7, 0.6, 0.5]
    assert span_errors.auroc(conf, [True, True, True, False, False]) == 1.0
    assert span_errors.auroc(conf, [False, False, True, True, True]) == 0.0
    assert span_errors.auroc([0.5, 0.5], [True, False]) == 0.5  # ties count half
    assert span_errors.accepted_at(conf, [True, True, True, True, False], 0.2) == 1.0  # the surest four
    assert span_errors.accepted_at(conf, [False, True, True, True, True], 0.2) == 0.75


def test_breakdown_puts_each_wrong_answer_in_its_causes_and_says_which_the_threshold_let_through():
    texts = [TEXT, TEXT, TEXT, "add space cowboy to my road trip playlist"]
    evals = [
        {"prediction": '{"city": "Houston"}', "reference": {"city": "Houston"}, "confidence": 0.9, "accepted": True,
         "agreement": 1.0},
        {"prediction": '{"state": "Houston"}', "reference": '{"city": "Houston"}', "confidence": 0.8, "accepted": True,
         "agreement": 0.0},  # the right span under another key, confidently: the gate let it through
        {"prediction": '{"city": "Houston", "timeRange": "in 13 hours"}',
         "reference": '{"city": "Houston", "timeRange": "13 hours"}', "confidence": 0.2, "accepted": False,
         "agreement": 0.0},
        {"prediction": "not json", "reference": '{"artist": "space cowboy"}', "confidence": 0.1, "accepted": False,
         "agreement": 0.0},
    ]  # fmt: skip
    why = span_errors.breakdown(texts, evals)
    assert why["n"] == 4
    assert why["wrong"] == {"boundary +word": 1, "missing": 1, "wrong key": 1}
    assert why["accepted_wrong"] == {"wrong key": 1}  # the only wrong answer above the threshold
    assert why["keys"]["city"] == {"agrees": 2, "wrong key": 1}
    assert why["keys"]["timeRange"] == {"boundary +word": 1}
    assert why["auroc"] == 1.0  # the one right answer is the surest of the four
    assert why["accepted_at"][10] == 0.25  # 90 % of four calls rounds to all four: one agrees


def test_breakdown_gives_the_least_fallback_any_threshold_reaches_97_percent_with():
    texts = [TEXT] * 40
    right = {"prediction": '{"city": "Houston"}', "reference": '{"city": "Houston"}', "agreement": 1.0}
    wrong = {"prediction": '{"state": "Houston"}', "reference": '{"city": "Houston"}', "agreement": 0.0}
    # 36 right answers, then 4 wrong ones ranked by confidence: one wrong among the surest 36, three below them
    evals = [{**right, "confidence": 1.0 - i / 100} for i in range(30)]
    evals += [{**wrong, "confidence": 0.695}]
    evals += [{**right, "confidence": 0.69 - i / 100} for i in range(6)]
    evals += [{**wrong, "confidence": 0.5 - i / 100} for i in range(3)]
    why = span_errors.breakdown(texts, [{**e, "accepted": True} for e in evals])
    # 37 surest: 36 right of 37 (97.3 %) -> 3 of 40 fall back; 38 would be 36 / 38 (94.7 %)
    assert why["fallback_for_97"] == pytest.approx(3 / 40)
    assert span_errors.breakdown([], [])["fallback_for_97"] == 1.0
