"""The fallback threshold set on out-of-fold answers to the training rows when the validation split is small.

With a small validation split, the threshold is the lowest whose Wilson lower bound on those few calls clears the
target, which costs much more fallback than the head needs (SNIPS GetWeather: 167 calibration calls, 39 % fallback
where its test calls reached 97 % accepted at 23 %). plan-finetune then plans fold heads (``calibration_folds``): each
answers the training rows of its fold, and evaluation calibrates the threshold on those answers too; the gate's lower
bound stays on the test split."""

from __future__ import annotations

import json

import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir.nodes import Contract, SLMChoice, Task
from slmc.ir.unit import CompileUnit
from slmc.training.embed import minilm_available
from slmc.training.gate import calibration_rows, rows_to_clear, wilson_bound
from slmc.training.heads import fold_ids

from .conftest import make_graph, weather_records

needs_minilm = pytest.mark.skipif(not minilm_available(), reason="the bundled MiniLM encoder is not installed")
SPAN = SLMChoice("span-head:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, "span-head")


def _weather_task(calls: int) -> Task:
    return Task(
        id="task:weather",
        name="weather",
        sites=("llm:extract@agent.py:10",),
        calls=calls,
        contract=Contract(kind="json", schema={"type": "object", "properties": {"city": {}, "day": {}}}),
        slm=SPAN,
    )


def test_calibration_rows_is_where_a_97_percent_threshold_clears_the_target():
    need = calibration_rows(0.95, 0.10)
    assert need == rows_to_clear(0.95, agreement=0.97, fallback=0.10)
    kept = int(need * 0.9)
    assert wilson_bound(0.97 * kept, kept) >= 0.95 > wilson_bound(0.97 * (kept - 2), kept - 2)
    assert calibration_rows(0.95, 0.20) > need  # more fallback: fewer calls accepted, more needed


def test_fold_ids_deal_every_label_over_the_folds():
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": lab}]}
            for i, lab in enumerate(["a"] * 9 + ["b"] * 6)]  # fmt: skip
    ids = fold_ids(rows, 3, seed=0)
    assert sorted(ids) == [0] * 5 + [1] * 5 + [2] * 5
    for label in "ab":
        per_fold = [sum(1 for r, f in zip(rows, ids, strict=True) if f == k and r["messages"][-1]["content"] == label)
                    for k in range(3)]  # fmt: skip
        assert max(per_fold) - min(per_fold) <= 1
    assert fold_ids(rows, 3, seed=0) == ids  # deterministic


def test_plan_asks_for_fold_heads_only_when_the_calibration_calls_are_too_few(tmp_path):
    settings = Settings(gate_target=0.95, embedder="minilm", device="cpu", max_fallback=0.10)
    records = weather_records(100)  # 60 train, 20 validation, 20 test: far below calibration_rows
    for spec, want in (
        ("plan-finetune{holdout=curation}", 3),
        ("plan-finetune{holdout=curation,calibration-folds=0}", 0),
    ):
        ctx = PassContext(out_dir=tmp_path / str(want), settings=settings)
        unit = PassManager.from_spec(spec, settings).run(ctx, CompileUnit(make_graph([_weather_task(100)]), records))
        assert unit.graph.node("task:weather").finetune.calibration_folds == want
    # enough calibration calls already (1200 train rows: validation 400 + the span head's slice 120): no fold heads
    assert calibration_rows(0.95, 0.10) <= 400 + 120
    ctx = PassContext(out_dir=tmp_path / "big", settings=settings)
    many = CompileUnit(make_graph([_weather_task(2000)]), weather_records(2000))
    unit = PassManager.from_spec("plan-finetune{holdout=curation}", settings).run(ctx, many)
    assert unit.graph.node("task:weather").finetune.calibration_folds == 0


@needs_minilm
def test_the_threshold_is_calibrated_on_every_training_call_answered_out_of_fold(tmp_path):
    settings = Settings(gate_target=0.95, embedder="minilm", device="cpu", max_fallback=0.10)
    ctx = PassContext(out_dir=tmp_path, settings=settings)
    spec = "plan-finetune{epochs=1,holdout=curation},train{device=cpu,early-stop=false},evaluate{device=cpu},gate"
    records = weather_records(100)
    unit = PassManager.from_spec(spec, settings).run(ctx, CompileUnit(make_graph([_weather_task(100)]), records))
    task = unit.graph.node("task:weather")
    train = (tmp_path / task.finetune.dataset).read_text().splitlines()
    validation = (tmp_path / task.finetune.validation).read_text().splitlines()
    held = json.loads((tmp_path / task.eval.adapter / "heldout.json").read_text())
    # every training call answered by a fold head that did not train on it (not only the served head's slice)
    assert len(held["predictions"]) == len(held["references"]) == len(train)
    assert held["references"] == [json.loads(row)["messages"][-1]["content"] for row in train]
    summary = json.loads((tmp_path / "eval" / "weather.summary.json").read_text())
    assert summary["validation_operating_point"]["n"] == len(validation) + len(train)
    assert task.eval.n == 20  # the gate's lower bound is still on the test split


@needs_minilm
def test_the_label_head_answers_every_training_row_out_of_fold_for_the_calibration(tmp_path):
    from slmc.ir.nodes import FinetunePlan
    from slmc.training.classifier import ClassifierHead, read_heldout
    from slmc.training.heads import train_head

    words = {
        "refund": ["I want my money back", "please refund my order", "return the cash to me"],
        "card": ["my card was stolen", "I lost my debit card", "send me a new card"],
    }
    rows = [
        {"messages": [{"role": "user", "content": f"{text} ({i})"}, {"role": "assistant", "content": label}]}
        for i in range(4)
        for label, texts in words.items()
        for text in texts
    ]
    plan = FinetunePlan("d", "v", "t", "encoder-classifier", epochs=1, batch_size=8, max_length=32, calibration_folds=3)
    lines: list[str] = []
    train_head(plan, rows, tmp_path, device="cpu", log=lines.append)
    held, refs = read_heldout(tmp_path)
    assert len(held) == len(refs) == len(rows)  # 24 rows: too few for the head's own slice, all answered by folds
    assert refs == [r["messages"][-1]["content"] for r in rows]
    assert {p.text for p in held} <= {"refund", "card"}
    assert any("answered out of fold by 3 fold heads" in line for line in lines)
    assert ClassifierHead(tmp_path).predict(rows[:2])  # the served head is the one trained on every row


def _heldout(tmp_path, answers: list[tuple[str, str]]) -> None:
    from slmc.training.classifier import Prediction, write_heldout

    write_heldout(tmp_path, [Prediction(a, 0.9) for a, _ in answers], [r for _, r in answers])


def test_a_slice_answered_as_the_teacher_did_on_every_call_settles_the_threshold(tmp_path):
    from slmc.training.heads import SETTLED_SLICE, _slice_all_agree

    same = [('{"city": "Oslo", "day": "mon"}', '{ "day": "mon",  "city": "Oslo" }')] * SETTLED_SLICE
    _heldout(tmp_path, same)
    assert _slice_all_agree(tmp_path)  # the same JSON value in another key order and spacing
    _heldout(tmp_path, [*same[:-1], ('{"city": "Oslo"}', '{"city": "Oslo", "day": "mon"}')])
    assert not _slice_all_agree(tmp_path)  # one wrong answer: the threshold has something to rank against
    _heldout(tmp_path, same[:-1])
    assert not _slice_all_agree(tmp_path)  # too few calls to call it settled
    _heldout(tmp_path, [(" refund ", "refund")] * SETTLED_SLICE)
    assert _slice_all_agree(tmp_path)


def test_no_fold_heads_train_when_the_served_heads_slice_agrees_on_every_call(tmp_path, monkeypatch):
    from slmc.ir.nodes import FinetunePlan
    from slmc.training import heads

    trained: list[int] = []

    def fake_train(plan, rows, out, **kwargs):
        trained.append(len(rows))
        _heldout(out, [("refund", "refund")] * heads.SETTLED_SLICE)
        return heads.HeadTrained(0.0, False)

    monkeypatch.setattr(heads, "train_head", fake_train)
    plan = FinetunePlan("d", "v", "t", "span-head", calibration_folds=3)
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "refund"}]}
            for i in range(60)]  # fmt: skip
    lines: list[str] = []
    heads._with_out_of_fold_calibration(
        plan, rows, tmp_path, schema=None, device="cpu", max_seconds=0, log=lines.append
    )
    assert trained == [60]  # the served head only
    assert any("agrees on every call" in line for line in lines)
