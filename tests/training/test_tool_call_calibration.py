"""The tool-call head's call confidence, calibrated on held-out calls: a logistic P(the call agrees) over what the call
rests on (tool choice, each decision by kind, the least sure one), fitted on cross-validation's out-of-fold answers,
cross-fitted for the gate and saved for the served head."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from slmc.training.tool_head import (
    CALL_FEATURES,
    ArgDecision,
    calibrate_call,
    calibration_ok,
    call_features,
    fit_calibration,
)

pytest.importorskip("sklearn")


def test_call_features_read_each_decision_by_its_kind() -> None:
    decisions = [
        ArgDecision("city", "span", "value", "Paris", 0.5),
        ArgDecision("days", "integer", "value", 3, 0.8),
        ArgDecision("unit", "enum", "value", "celsius", 0.9),
        ArgDecision("loud", "boolean", "true", True, 0.7),
        ArgDecision("note", "span", "absent", None, 0.6),
    ]
    parts = dict(zip(CALL_FEATURES, call_features(0.95, decisions), strict=True))
    assert parts["log_string"] == pytest.approx(math.log(0.5))
    assert parts["log_number"] == pytest.approx(math.log(0.8))
    assert parts["log_status"] == pytest.approx(math.log(0.7 * 0.6))
    assert parts["log_min"] == pytest.approx(math.log(0.5))
    assert parts["filled"] == 4 and parts["params"] == 5 and parts["no_tool"] == 0
    assert call_features(0.0, [], no_tool=True)[0] == -30.0  # a zero probability is floored, never -inf


def test_the_calibration_trusts_what_predicts_agreement_not_the_product() -> None:
    """Held-out calls whose string pick is unsure disagree, whatever their tool probability; calls with a sure string
    agree even when the tool choice was close. The product ranks them by the tool; the calibration by the string."""
    rng = random.Random(0)
    parts, agree = [], []
    for _ in range(200):
        tool_p, string_p = rng.uniform(0.3, 1.0), rng.uniform(0.05, 1.0)
        decisions = [ArgDecision("q", "span", "value", "x", string_p)]
        parts.append(call_features(tool_p, decisions))
        agree.append(string_p > 0.5)
    spec = fit_calibration(parts, agree)
    assert spec is not None and calibration_ok(spec) and spec["calls"] == 200
    sure_string = call_features(0.35, [ArgDecision("q", "span", "value", "x", 0.95)])
    unsure_string = call_features(0.99, [ArgDecision("q", "span", "value", "x", 0.1)])
    assert calibrate_call(spec, sure_string) > 0.8 > 0.2 > calibrate_call(spec, unsure_string)
    assert calibrate_call(spec, ()) == 0.0  # a call that fell back has no features: never accepted
    # too few calls, or one outcome only: no calibration (the product stays)
    assert fit_calibration(parts[:20], agree[:20]) is None
    assert fit_calibration(parts, [True] * len(parts)) is None


def test_a_saved_calibration_is_checked(tmp_path: Path) -> None:
    good = {"features": list(CALL_FEATURES), "coef": [0.1] * len(CALL_FEATURES), "intercept": 0.0}
    assert calibration_ok(good)
    assert not calibration_ok({**good, "coef": [0.1] * 3})
    assert not calibration_ok({**good, "intercept": float("nan")})
    assert not calibration_ok({**good, "features": ["other"]})
    assert not calibration_ok("product")


def test_auroc_counts_agreeing_calls_ranked_above_the_others() -> None:
    from slmc.training.heads import auroc

    assert auroc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert auroc([0.1, 0.8, 0.9], [True, True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.5, 0.4], [True, True]) is None


def _cross_validate(tmp_path: Path, monkeypatch, rankings: list[float]) -> tuple[dict, list[str], list[int], list]:
    """Cross-validate a tiny tool-call head in 3 folds; ``rankings``: what the AUROC comparison returns for the product
    and then for the calibrated confidences (the choice between them is what is tested)."""
    import slmc.training.heads as heads
    import slmc.training.tool_head as tool_head
    from slmc.ir.nodes import FinetunePlan

    from .test_tool_head import _rows, _tiny_encoder

    encoder = _tiny_encoder(tmp_path / "tiny")
    monkeypatch.setattr(tool_head, "default_encoder_path", lambda: encoder)
    monkeypatch.setattr(tool_head, "CALIBRATION_MIN_CALLS", 10)
    fitted: list[int] = []
    original = tool_head.fit_calibration
    monkeypatch.setattr(tool_head, "fit_calibration", lambda p, a, seed=0: fitted.append(len(p)) or original(p, a))
    answers = iter(rankings)
    monkeypatch.setattr(heads, "auroc", lambda scores, positive: next(answers))
    rows = _rows(60, seed=4)
    plan = FinetunePlan("d", "v", "t", method="tool-head", epochs=2, batch_size=8, max_length=64, learning_rate=1e-3)
    lines: list[str] = []
    heads.train_head(plan, rows, tmp_path / "head", folds=[i % 3 for i in range(60)], log=lines.append, max_seconds=120)
    config = json.loads((tmp_path / "head" / "tool_head.json").read_text())
    return config, lines, fitted, rows


def test_cross_validation_calibrates_out_of_fold_and_saves_it_for_the_served_head(tmp_path: Path, monkeypatch) -> None:
    from slmc.training.tool_head import ToolCallHead

    config, lines, fitted, rows = _cross_validate(tmp_path, monkeypatch, [0.6, 0.8])
    assert len(fitted) == 4  # one per fold (on the two others) and one on every fold for the served head
    assert all(n < fitted[-1] for n in fitted[:3])  # a fold's calibration never saw that fold's calls
    crossval = json.loads((tmp_path / "head" / "crossval.json").read_text())
    assert all(0.0 <= c <= 1.0 for _, c in crossval["predictions"])
    assert config["confidence"] == "calibration" and calibration_ok(config["calibration"])
    assert any("confidence calibrated on" in line and "0.600 -> 0.800" in line for line in lines)
    head = ToolCallHead(tmp_path / "head")
    served = [p for p in head.predict(rows[:10]) if p.fallback is None]
    assert served
    for pred in served:
        assert pred.confidence == pytest.approx(calibrate_call(config["calibration"], pred.parts))


def test_a_calibration_that_ranks_held_out_calls_no_better_is_not_kept(tmp_path: Path, monkeypatch) -> None:
    from slmc.training.tool_head import ToolCallHead

    config, lines, fitted, rows = _cross_validate(tmp_path, monkeypatch, [0.7, 0.7])
    assert len(fitted) == 3  # the folds' calibrations were fitted and compared; none for the served head
    assert config["calibration"] is None and config["confidence"] == "product"
    assert any("calibration not kept (held-out AUROC 0.700 <= product 0.700)" in line for line in lines)
    head = ToolCallHead(tmp_path / "head")
    crossval = json.loads((tmp_path / "head" / "crossval.json").read_text())
    assert len(crossval["predictions"]) == len(rows)
    for pred in head.predict(rows[:5]):  # the served head's confidence: the product of its choices
        assert pred.fallback is not None or 0.0 < pred.confidence <= 1.0
