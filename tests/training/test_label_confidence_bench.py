"""bench/label_confidence.py's measures of a confidence ranking (what its figures mean)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "label_confidence.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("label_confidence", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_ranking_that_puts_every_wrong_answer_last_scores_perfectly_at_ten_percent_fallback(bench):
    conf = np.linspace(0.0, 1.0, 100)
    ok = np.arange(100) >= 10  # the ten least confident answers are the wrong ones
    s = bench.scores(conf, ok, conf, ok)
    assert s["acc"] == pytest.approx(0.9)
    assert s["sel@10"] == 1.0 and s["auroc"] == 1.0
    assert s["need97"] == pytest.approx(0.08)  # 90 right of the 92 surest: 97.8 %; of 93: 96.8 %


def test_a_ranking_that_puts_the_wrong_answers_first_needs_more_fallback(bench):
    conf = np.linspace(0.0, 1.0, 100)
    ok = np.arange(100) < 90  # the ten most confident answers are the wrong ones
    s = bench.scores(conf, ok, conf, ok)
    assert s["sel@10"] == pytest.approx(80 / 90) and s["auroc"] == 0.0
    assert s["need97"] == 1.0  # no threshold leaves 97 % accepted
    assert s["gate_lb"] < 0.95  # no validation-calibrated threshold clears the gate


def test_the_temperature_fitted_on_labels_drawn_at_a_known_temperature_recovers_it(bench):
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 3.0, size=(4000, 5))
    p = bench.softmax(logits / 2.0)
    y = np.array([rng.choice(5, p=row) for row in p])
    assert bench.temperature(logits, y) == pytest.approx(2.0, rel=0.15)
    assert bench.margin(np.array([[0.7, 0.2, 0.1]]))[0] == pytest.approx(0.5)
