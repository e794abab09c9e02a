"""The replacement kinds through the real passes: plan-finetune's pilot of the frozen label head (and the encoder
fine-tuned end to end when it cannot pass), the span head and the tool-call head trained, evaluated and gated like
every other kind, on the bundled MiniLM encoder."""

from __future__ import annotations

import json
import random

import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir.nodes import Contract, SLMChoice, Task, adapter_kind
from slmc.ir.unit import CompileUnit
from slmc.traces.record import TraceRecord
from slmc.training.embed import minilm_available
from slmc.training.pilot import pilot_frozen_head

from .conftest import make_graph, split_of, weather_records

needs_minilm = pytest.mark.skipif(not minilm_available(), reason="the bundled MiniLM encoder is not installed")
CITIES = ["Paris", "Berlin", "Rome", "Oslo", "Lima", "Tokyo", "Cairo", "Quito"]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "weather forecast for a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "the city"},
                    "days": {"type": "float", "description": "days ahead"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "the local time in a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
]  # fmt: skip


def _row(text: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": answer}]}


def test_pilot_passes_a_separable_task_and_fails_one_the_frozen_head_cannot_learn():
    rng = random.Random(0)
    words = {"refund": ["money back", "refund me", "return the cash"], "card": ["card lost", "card stolen", "new card"]}
    rows = [_row(f"{rng.choice(v)} {i}", k) for i in range(120) for k, v in words.items()]
    pilot = pilot_frozen_head(rows[:160], rows[160:], target=0.9, max_fallback=0.1, embedder="tfidf")
    assert pilot is not None and pilot.passes and pilot.fallback_rate <= 0.1
    noisy = [_row(f"message number {i}", rng.choice(["a", "b"])) for i in range(240)]
    pilot = pilot_frozen_head(noisy[:160], noisy[160:], target=0.9, max_fallback=0.1, embedder="tfidf")
    assert pilot is not None and not pilot.passes
    assert "pilot of the frozen head (160 train / 80 held-out calls" in pilot.text()
    assert "no threshold reaches lower bound 0.9" in pilot.text() or "fallback > 10%" in pilot.text()


def _parity_records(n: int = 120) -> list[TraceRecord]:
    """Labels a frozen sentence embedding cannot separate: the parity of a number spelled in the message."""
    rng = random.Random(3)
    out = []
    for i in range(n):
        k = rng.randrange(1000)
        label = "even" if k % 2 == 0 else "odd"
        out.append(
            TraceRecord(
                id=f"p{i}",
                messages=[{"role": "system", "content": "even or odd?"}, {"role": "user", "content": f"number {k}"}],
                output=label,
                split=split_of(i, n),
                task="task:parity",
                label=label,
                site_id="llm:parity@agent.py:30",
            )
        )
    return out


def _label_task() -> Task:
    return Task(
        id="task:parity",
        name="parity",
        sites=("llm:parity@agent.py:30",),
        calls=120,
        contract=Contract(kind="label", labels=("even", "odd")),
        slm=SLMChoice("classifier:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, "classifier-head"),
    )


@needs_minilm
def test_plan_fine_tunes_the_encoder_when_the_frozen_head_cannot_pass(tmp_path):
    settings = Settings(gate_target=0.95, embedder="minilm", device="cpu")
    ctx = PassContext(out_dir=tmp_path, settings=settings)
    spec = "plan-finetune{epochs=1,holdout=curation},train{device=cpu,early-stop=false},evaluate{device=cpu},gate"
    unit = PassManager.from_spec(spec, settings).run(ctx, CompileUnit(make_graph([_label_task()]), _parity_records()))
    task = unit.graph.node("task:parity")
    assert task.finetune.method == "encoder-classifier" and task.slm.method == "encoder-classifier"
    assert any(r.startswith("pilot of the frozen head") and "fine-tuned end to end" in r for r in task.slm.reasons)
    assert task.slm.alternatives[0] == "classifier:minilm frozen head (rejected by its pilot)"
    assert task.eval.n == 24 and task.eval.metric == "label" and task.decision is not None
    folder = tmp_path / task.eval.adapter
    head = json.loads((folder / "head.json").read_text())
    assert head["embedder"]["name"] == "encoder" and head["link"] == "logistic" and head["classes"] == ["even", "odd"]
    assert (folder / "encoder" / "model.safetensors").is_file()
    assert not [p for p in folder.rglob("*") if p.suffix in (".bin", ".pkl", ".joblib", ".pt")]  # no pickle
    rows = [json.loads(x) for x in (tmp_path / "eval" / "parity.jsonl").read_text().splitlines()]
    assert {r["prediction"] for r in rows} <= {"even", "odd"}
    assert adapter_kind(task.finetune.method) == "classifier-head"  # the runtime reads it as a classifier head


def _tool_records(n: int = 60) -> list[TraceRecord]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        city = rng.choice(CITIES)
        if i % 2:
            days = rng.randrange(1, 6)
            text, call = (
                f"weather in {city} in {days} days",
                {"name": "get_weather", "arguments": {"city": city, "days": days}},
            )
        else:
            text, call = f"what time is it in {city}", {"name": "get_time", "arguments": {"city": city}}
        out.append(
            TraceRecord(id=f"t{i}", messages=[{"role": "user", "content": text}], tools=TOOLS, tool_calls=[call],
                        split=split_of(i, n), task="task:tools", site_id="llm:tools@agent.py:40")
        )  # fmt: skip
    return out


@needs_minilm
def test_span_and_tool_heads_train_evaluate_and_gate_through_the_passes(tmp_path):
    head = SLMChoice("span-head:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, "span-head")
    weather = Task(
        id="task:weather",
        name="weather",
        sites=("llm:extract@agent.py:10",),
        calls=100,
        contract=Contract(kind="json", schema={"type": "object", "properties": {"city": {}, "day": {}}}),
        slm=head,
    )
    tools = Task(
        id="task:tools",
        name="tools",
        sites=("llm:tools@agent.py:40",),
        calls=60,
        contract=Contract(kind="tool-call", tools_per_call=True),
        slm=SLMChoice("tool-head:minilm", head.source, 0.0227, "tool-head"),
    )
    settings = Settings(gate_target=0.95, embedder="minilm", device="cpu")
    ctx = PassContext(out_dir=tmp_path, settings=settings)
    spec = "plan-finetune{epochs=1,holdout=curation},train{device=cpu,early-stop=false},evaluate{device=cpu},gate"
    records = weather_records(100) + _tool_records()
    unit = PassManager.from_spec(spec, settings).run(ctx, CompileUnit(make_graph([weather, tools]), records))
    weather, tools = unit.graph.node("task:weather"), unit.graph.node("task:tools")
    assert weather.finetune.method == "span-head" and weather.finetune.max_length == 128
    assert (tmp_path / weather.eval.adapter / "span_head.json").is_file()
    assert weather.eval.metric == "json-exact" and weather.eval.n == 20 and weather.decision is not None
    # the span head's calibration slice (rows no training step saw) calibrates the threshold with the validation split
    held = json.loads((tmp_path / weather.eval.adapter / "heldout.json").read_text())
    assert len(held["predictions"]) == len(held["references"]) > 0
    validation = len((tmp_path / weather.finetune.validation).read_text().splitlines())
    summary = json.loads((tmp_path / "eval" / "weather.summary.json").read_text())
    assert summary["validation_operating_point"]["n"] == validation + len(held["references"])
    for row in (tmp_path / "eval" / "weather.jsonl").read_text().splitlines():
        prediction = json.loads(json.loads(row)["prediction"])
        assert isinstance(prediction, dict) and set(prediction) <= {"city", "day"}  # keys from the schema only
    assert tools.finetune.method == "tool-head"
    assert (tmp_path / tools.eval.adapter / "tool_head.json").is_file()
    assert tools.eval.metric == "tool-call" and tools.eval.n == 12 and tools.decision is not None
    rows = [json.loads(x) for x in (tmp_path / "eval" / "tools.jsonl").read_text().splitlines()]
    calls = [json.loads(r["prediction"]) for r in rows if r["prediction"]]
    assert calls and all(c[0]["name"] in ("get_weather", "get_time") for c in calls)  # the API's tool-call shape
    assert [adapter_kind(m) for m in ("span-head", "tool-head", "lora")] == ["span-head", "tool-head", "lora"]
