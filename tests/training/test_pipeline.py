"""End to end on real parts: plan-finetune -> train -> evaluate -> gate with a scratch model and a classifier head,
then `slmc train` / `slmc eval` over the saved plan."""

from __future__ import annotations

import json

import pytest

from slmc.compiler.cli import main
from slmc.compiler.passmanager import PassContext, PassManager
from slmc.ir.nodes import Decision, LLMCall
from slmc.ir.serialize import dumps, loads

from .conftest import make_graph, mood_records, mood_task, weather_records, weather_task


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    graph = make_graph([weather_task(), mood_task()])
    ctx = PassContext(
        out_dir=build,
        traces=weather_records() + mood_records(),
        options={"gate_target": 0.9, "embedder": "tfidf"},
    )
    manager = PassManager.from_spec("plan-finetune{epochs=12},train{device=cpu},evaluate{device=cpu},gate")
    graph = manager.run(ctx, graph)
    return build, graph, ctx


def test_datasets_follow_the_curation_split(trained):
    build, graph, _ = trained
    plan = graph.node("task:weather").finetune
    counts = {name: len((build / path).read_text().splitlines()) for name, path in
              [("train", plan.dataset), ("validation", plan.validation), ("test", plan.test)]}  # fmt: skip
    assert counts == {"train": 150, "validation": 50, "test": 50}
    row = json.loads((build / plan.dataset).read_text().splitlines()[0])
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert plan.method == "full" and plan.train_rows == 150 and plan.epochs == 12


def test_scratch_model_learns_the_narrow_task(trained):
    build, graph, _ = trained
    result = graph.node("task:weather").eval
    assert result.n == 50
    assert result.agreement >= 0.9
    assert result.ground_truth_accuracy >= 0.9
    assert (build / result.adapter / "model.safetensors").exists()
    assert result.train_seconds > 0
    rows = [json.loads(x) for x in (build / "eval" / "weather.jsonl").read_text().splitlines()]
    assert len(rows) == 50 and all(r["confidence"] <= 0 for r in rows)


def test_classifier_head_and_gate_decisions(trained):
    build, graph, ctx = trained
    mood = graph.node("task:mood")
    assert mood.eval.agreement == 1.0 and mood.eval.ground_truth_accuracy == 1.0
    assert (build / mood.eval.adapter / "classifier.joblib").exists()
    assert mood.decision == Decision.OFFLOAD
    site = graph.node("llm:mood@agent.py:20")
    assert isinstance(site, LLMCall) and site.decision == Decision.OFFLOAD
    weather = graph.node("task:weather")
    assert weather.decision_reasons and "agreement" in weather.decision_reasons[0]
    assert graph.node("llm:extract@agent.py:10").decision == weather.decision
    assert set(ctx.artifacts["evaluations"]) == {"task:weather", "task:mood"}
    loads(dumps(graph)).verify()  # results survive the JSON round trip


def test_cli_train_resume_and_eval(trained, tmp_path, capsys):
    build, graph, _ = trained
    plan_path = build / "plan.json"
    planned = loads(dumps(graph))
    for task in planned.tasks():
        planned.update(task.id, eval=None, decision=None, decision_reasons=())
    planned.meta.facts = [f for f in planned.meta.facts if f not in ("trained", "evaluated", "gated")]
    plan_path.write_text(dumps(planned))
    assert main(["train", str(plan_path), "--resume", "--device", "cpu", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "task:weather" in out and "models/weather" in out
    assert main(["eval", str(plan_path), "--gate-target", "0.5", "--device", "cpu", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "task:mood: offload" in out
    after = loads(plan_path.read_text())
    assert after.node("task:weather").eval.n == 50
    assert after.node("task:weather").decision == Decision.OFFLOAD  # 0.5 is an easy target


def test_cli_reports_bad_plans(tmp_path, capsys):
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    assert main(["train", str(bad)]) == 2
    assert "not an slmc plan" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing.json")]) == 2
    assert "plan file not found" in capsys.readouterr().err
