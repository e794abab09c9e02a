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
