"""The training budget is a safety cap: a head trains its planned steps, and when the cap ends a training before them
the outcome, the run's ``slmc-train.json`` and the compile's milestone line say so (the model then depends on how busy
the machine was, not only on the work done)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from slmc.ir.nodes import FinetunePlan
from slmc.training import heads, trainer

from .conftest import weather_task

CUT = "time budget of 5s fired: 3 of 10 planned steps trained"


def _span_task(build: Path):
    rows = [{"messages": [{"role": "user", "content": "rain in oslo?"}, {"role": "assistant", "content": "{}"}]}]
    (build / "datasets").mkdir(parents=True)
    (build / "datasets" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    plan = FinetunePlan(dataset="datasets/train.jsonl", validation="v", test="t", method="span-head", epochs=1)
    return dataclasses.replace(weather_task(method="span-head"), finetune=plan)


@pytest.mark.parametrize("capped", [None, CUT])
def test_a_head_the_cap_cut_short_says_so_in_its_outcome_and_train_info(monkeypatch, tmp_path: Path, capped):
    seen: dict = {}

    def fake_train_head(plan, rows, out, **kwargs):
        seen.update(kwargs)
        Path(out).mkdir(parents=True, exist_ok=True)
        return heads.HeadTrained(2.0, capped)

    monkeypatch.setattr(trainer, "train_head", fake_train_head)
    task = _span_task(tmp_path)
    outcome = trainer.train_task(task, tmp_path, device="cpu", max_seconds=5.0)
    assert seen["max_seconds"] == 5.0
    assert outcome.stopped == capped and outcome.seconds == 2.0
    info = json.loads((outcome.model_dir / "slmc-train.json").read_text(encoding="utf-8"))
    assert info["stopped_early"] == capped


def test_the_tool_heads_cap_line_counts_the_trainings_it_cut():
    ran = SimpleNamespace(capped=False, steps=20, planned_steps=20)
    cut = SimpleNamespace(capped=True, steps=4, planned_steps=20)
    assert heads._tool_cap(None, [ran]) is None and heads._tool_cap(30.0, [ran, ran]) is None
    assert heads._tool_cap(30.0, [cut]) == "time budget of 30s fired: training cut short, 4 of 20 planned steps trained"
    assert heads._tool_cap(30.0, [ran, cut, cut]) == (
        "time budget of 30s fired: 2 of 3 trainings cut short, 8 of 40 planned steps trained"
    )


def test_train_head_hands_back_the_span_heads_cap_line(monkeypatch, tmp_path: Path):
    import slmc.training.span_head as span_mod

    report = span_mod.FitReport(rows=1, used=1, steps=3, planned_steps=10)
    monkeypatch.setattr(span_mod, "train_span_head", lambda *a, **k: report)
    plan = FinetunePlan("d", "v", "t", method="span-head", epochs=1)
    assert heads.train_head(plan, [], tmp_path, max_seconds=5.0).capped == CUT
    assert heads.train_head(plan, [], tmp_path).capped is None  # no budget: nothing can have cut it
    report.steps = 10
    assert heads.train_head(plan, [], tmp_path, max_seconds=5.0).capped is None  # the plan ran within the budget
