"""Wilson / bootstrap lower bounds and threshold calibration."""

from __future__ import annotations

import random

import pytest
from scipy.stats import binomtest

from slmc.training.calibration import (
    bootstrap_lower_bound,
    calibrate_threshold,
    lower_bound,
    operating_point,
    wilson_lower_bound,
)


@pytest.mark.parametrize(("k", "n"), [(95, 100), (50, 100), (10, 10), (0, 20), (190, 200), (7, 9)])
def test_wilson_matches_scipy_two_sided_90_interval(k, n):
    # A one-sided 95% lower bound is the lower end of the two-sided 90% interval.
    expected = binomtest(k, n).proportion_ci(confidence_level=0.90, method="wilson").low
    assert wilson_lower_bound(k, n, 0.95) == pytest.approx(expected, abs=1e-9)


def test_wilson_edges():
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(40, 40) < 1.0  # perfect on 40 calls still leaves doubt
    assert wilson_lower_bound(400, 400) > wilson_lower_bound(40, 40)
    with pytest.raises(ValueError):
        wilson_lower_bound(1, 2, confidence=1.5)


def test_bootstrap_bound_is_below_the_mean_and_deterministic():
    rng = random.Random(0)
    values = [rng.random() for _ in range(300)]
    mean = sum(values) / len(values)
    bound = bootstrap_lower_bound(values)
    assert bound < mean and mean - bound < 0.05
    assert bound == bootstrap_lower_bound(values)
    assert bootstrap_lower_bound([]) == 0.0
    assert lower_bound([1.0] * 50, binary=False) == 1.0


def _synthetic(n: int, seed: int = 0) -> tuple[list[float], list[float]]:
    """Confident answers are right, unconfident ones right half of the time."""
    rng = random.Random(seed)
    conf, vals = [], []
    for _ in range(n):
        c = rng.random()
        conf.append(c)
        vals.append(1.0 if c >= 0.3 else float(rng.random() < 0.5))
    return conf, vals


def test_calibration_picks_the_lowest_threshold_that_clears_the_target():
    conf, vals = _synthetic(600)
    point = calibrate_threshold(conf, vals, target=0.95, binary=True)
    assert point.clears and point.threshold is not None
    assert 0.1 < point.threshold <= 0.31
    assert point.fallback_rate == pytest.approx(sum(c < point.threshold for c in conf) / len(conf))
    assert point.lower_bound >= 0.95
    # The next lower candidate no longer clears it.
    lower = max(c for c in conf if c < point.threshold)
    assert not operating_point(conf, vals, lower, binary=True, target=0.95).clears


def test_calibration_without_need_or_chance():
    conf = [0.1 * i for i in range(100)]
    perfect = calibrate_threshold(conf, [1.0] * 100, target=0.95, binary=True)
    assert perfect.threshold == 0.0 and perfect.fallback_rate == 0.0 and perfect.clears  # the lowest measured
    hopeless = calibrate_threshold(conf, [0.0, 1.0] * 50, target=0.95, binary=True)
    assert not hopeless.clears
    empty = calibrate_threshold([], [], target=0.95, binary=True)
    assert empty.n == 0 and not empty.clears


def test_a_held_out_set_answered_perfectly_still_gets_a_serving_threshold():
    """100 % agreement used to give threshold None (serve everything): a served input unlike every held-out call
    (the span head on raw PII it was never trained on) was answered whatever its confidence. The floor is the lowest
    confidence the gate measured: every held-out call is still answered, a less sure one falls back."""
    conf = [0.62 + 0.003 * i for i in range(120)]
    for binary, scores in ((True, [1.0] * 120), (False, [1.0] * 119 + [0.9])):
        point = calibrate_threshold(conf, scores, target=0.95, binary=binary)
        assert point.threshold == pytest.approx(0.62)
        assert point.clears and point.fallback_rate == 0.0 and point.accepted == 120
        assert point.threshold > 0.31  # an out-of-distribution answer at 0.31 falls back
    with_inf = calibrate_threshold([float("-inf"), -0.2, -0.1], [1.0, 1.0, 1.0], target=0.5, binary=True)
    assert with_inf.threshold is None and with_inf.fallback_rate == 0.0  # no finite floor keeps every call


def test_operating_point_on_non_binary_scores_uses_bootstrap():
    conf = [float(i) for i in range(200)]
    vals = [0.5 if i < 100 else 1.0 for i in range(200)]
    point = operating_point(conf, vals, 100.0, binary=False, target=0.9)
    assert point.accepted == 100 and point.fallback_rate == 0.5
    assert point.accepted_agreement == 1.0 and point.lower_bound == 1.0 and point.clears
    with pytest.raises(ValueError):
        operating_point([1.0], [1.0, 0.0], None, binary=True, target=0.9)


def test_when_no_threshold_clears_the_point_serving_the_most_calls_at_the_target_is_reported():
    """Too few calls for the bound to clear 0.95 at any threshold: the point reported is the lowest threshold whose
    accepted agreement reaches the target (the most calls served there), not the extreme point of highest lower
    bound (the surest few calls, all agreeing)."""
    # 60 calls by confidence, ascending: 10 wrong, then 50 with one wrong among them at the 20th
    conf = [i / 100 for i in range(60)]
    vals = [0.0] * 10 + [1.0] * 50
    vals[19] = 0.0
    point = calibrate_threshold(conf, vals, target=0.95, binary=True)
    assert not point.clears  # at best 51 calls at 96 %: lower bound < 0.95
    # the 9th wrong call is accepted too: 49 of 51 = 96.1 % >= 95 %; one more (49 of 52, 94.2 %) would not
    assert point.threshold == pytest.approx(0.09) and point.accepted == 51
    assert point.accepted_agreement == pytest.approx(49 / 51) and point.fallback_rate == pytest.approx(9 / 60)
    highest = max((operating_point(conf, vals, c, binary=True, target=0.95) for c in conf), key=lambda p: p.lower_bound)
    assert highest.accepted < point.accepted  # the old answer: the 40 calls after the wrong one, fallback 33 %
    # nothing reaches the target even as a point estimate: the highest lower bound, as before
    weak = calibrate_threshold(conf, [float(i % 3 != 2) for i in range(60)], target=0.95, binary=True)
    assert not weak.clears and weak.accepted_agreement < 0.95
    assert weak.lower_bound == max(
        operating_point(conf, [float(i % 3 != 2) for i in range(60)], c, binary=True, target=0.95).lower_bound
        for c in [None, *conf]
    )
