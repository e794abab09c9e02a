"""End to end on real parts: plan-finetune -> train -> evaluate -> gate with a scratch model and a classifier head,
then `slmc train` / `slmc eval` over the saved plan."""

from __future__ import annotations

import json

import pytest

from slmc.compiler.cli import main
from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir.nodes import Decision, LLMCall
from slmc.ir.serialize import dumps, loads
from slmc.ir.unit import CompileUnit

from .conftest import make_graph, mood_records, mood_task, weather_records, weather_task


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    graph = make_graph([weather_task(), mood_task()])
    settings = Settings(gate_target=0.9, embedder="tfidf", device="cpu")
    ctx = PassContext(out_dir=build, settings=settings)
    manager = PassManager.from_spec(
        "plan-finetune{epochs=12,holdout=curation},train{device=cpu},evaluate{device=cpu},gate", settings
    )
    unit = manager.run(ctx, CompileUnit(graph, weather_records() + mood_records()))
    return build, unit.graph, unit


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
    build, graph, unit = trained
    mood = graph.node("task:mood")
    assert mood.eval.agreement == 1.0 and mood.eval.ground_truth_accuracy == 1.0
    head_dir = build / mood.eval.adapter
    assert {p.name for p in head_dir.iterdir()} == {
        "head.json",
        "head.safetensors",
        "tfidf.json",
        "tfidf.safetensors",
        "slmc-train.json",
        ".slmc-owned",  # slmc's mark: the folder may be replaced by a later run (slmc.safety)
    }  # safetensors + JSON, no pickle
    assert mood.decision == Decision.OFFLOAD
    site = graph.node("llm:mood@agent.py:20")
    assert isinstance(site, LLMCall) and site.decision == Decision.OFFLOAD
    weather = graph.node("task:weather")
    assert weather.decision_reasons and "agreement" in weather.decision_reasons[0]
    assert graph.node("llm:extract@agent.py:10").decision == weather.decision
    assert set(unit.reports.evaluations) == {"task:weather", "task:mood"}
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


def test_unloadable_hub_base_gets_a_scratch_stand_in_with_a_warning(tmp_path):
    from slmc.errors import SlmcError
    from slmc.ir.nodes import OffloadScore, Verdict

    from .conftest import weather_task

    missing = "no-such-org/no-such-model-7b"  # the tests run hub-offline: not loadable here
    open_ended = weather_task().__class__(
        id="task:essay",
        name="essay",
        sites=("llm:mood@agent.py:20",),
        calls=50,
        offload=OffloadScore(score=0.1, verdict=Verdict.OPEN_ENDED),
        slm=weather_task(missing, "lora").slm,
    )
    graph = make_graph([weather_task(missing, "lora"), open_ended])
    ctx = PassContext(out_dir=tmp_path, settings=Settings(embedder="tfidf", device="cpu"))
    manager = PassManager.from_spec("plan-finetune", ctx.settings)
    graph = manager.run(ctx, CompileUnit(graph, weather_records() + mood_records())).graph
    task = graph.node("task:weather")
    assert task.slm.source == "scratch:tiny" and task.finetune.method == "full"
    assert any(f"{missing} not loadable offline" in r for r in task.slm.reasons)
    codes = {d.code: d.message for d in ctx.diagnostics}
    assert missing in codes["W503"] and "--base-model" in codes["W503"]
    assert graph.node("task:essay").finetune is None and "task:essay" in codes["I504"]
    # a base the user named explicitly is never swapped: a clear error instead
    ctx = PassContext(out_dir=tmp_path / "b", settings=Settings(base_model=missing, device="cpu"))
    with pytest.raises(SlmcError, match="cannot load base model"):
        PassManager.from_spec("plan-finetune").run(ctx, CompileUnit(make_graph([weather_task()]), weather_records()))


def test_time_budget_compresses_the_schedule_and_stops(tmp_path):
    from .conftest import weather_task

    lines: list[str] = []
    settings = Settings(embedder="tfidf", device="cpu")
    ctx = PassContext(out_dir=tmp_path, settings=settings, log=lines.append, progress=False)
    manager = PassManager.from_spec(
        "plan-finetune{epochs=200},train{device=cpu,max-seconds=8,early-stop=false}", settings
    )
    graph = manager.run(ctx, CompileUnit(make_graph([weather_task()]), weather_records())).graph
    info = json.loads((tmp_path / "models" / "weather" / "slmc-train.json").read_text())
    assert info["seconds"] < 8 * 1.1 + 3  # 200 epochs would take minutes
    assert any("schedule compressed" in line for line in lines), lines
    assert graph.node("task:weather").eval is not None


def test_a_slow_start_is_projected_before_the_hard_stop():
    """On a loaded machine the first steps can take a quarter of the budget: the projection (and the compressed
    schedule) must come then, not only after the fixed probe steps, or the hard stop cuts training mid-schedule."""
    import time
    from types import SimpleNamespace

    from transformers import TrainerControl

    from slmc.training.trainer import _time_budget

    lines: list[str] = []
    budget = _time_budget(1.0, lines.append, probe_steps=8)
    time.sleep(0.3)
    state = SimpleNamespace(global_step=2, max_steps=1000)
    scheduler = SimpleNamespace(lr_lambdas=[lambda step: 1.0])
    budget.on_step_end(SimpleNamespace(warmup_steps=0), state, TrainerControl(), lr_scheduler=scheduler)
    assert any("schedule compressed" in line for line in lines), lines
    assert budget.stop_at is not None and 2 < budget.stop_at < 1000
    assert scheduler.lr_lambdas[0](budget.stop_at) == 0.0  # the cosine ends at the affordable step


@pytest.mark.parametrize(("device", "stand_in"), [("cpu", "scratch:tiny"), ("auto", "scratch:small")])
def test_the_plan_is_for_the_device_that_trains(tmp_path, monkeypatch, device, stand_in):
    """On a machine with a GPU, `--device cpu` plans for the CPU (the small stand-in, CPU batch sizes): a plan made
    for the GPU and trained on the CPU learned nothing in its budget (seen on an H200 machine)."""
    import slmc.training.models as models

    from .conftest import weather_task

    monkeypatch.setattr(models, "cuda_available", lambda: True)
    ctx = PassContext(out_dir=tmp_path, settings=Settings(embedder="tfidf", device=device))
    graph = make_graph([weather_task("no-such-org/no-such-model-7b", "lora")])
    manager = PassManager.from_spec("plan-finetune", ctx.settings)
    graph = manager.run(ctx, CompileUnit(graph, weather_records())).graph
    assert graph.node("task:weather").slm.source == stand_in
