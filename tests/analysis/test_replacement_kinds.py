"""select-slm picks the replacement kind per task from its contract and its traces, and says why and what it rejected."""

from __future__ import annotations

import json

from slmc.compiler.passmanager import PassContext
from slmc.compiler.settings import Settings
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Contract, OffloadScore, Task, Verdict
from slmc.ir.unit import CompileUnit
from slmc.passes.select_slm import SelectSLM
from slmc.traces.record import TraceRecord

CITIES = ["Paris", "Berlin", "Rome", "Oslo", "Lima", "Tokyo"]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}}}}},
]  # fmt: skip


def _task(name: str, contract: Contract) -> Task:
    offload = OffloadScore(0.9, Verdict.NARROW, (), 60, 60 * 40, 60 * 10)
    return Task(f"task:{name}", name=name, calls=60, examples=("weather in Paris",), contract=contract, offload=offload)


def _record(task: str, i: int, text: str, **answer) -> TraceRecord:
    return TraceRecord(id=f"{task}{i}", messages=[{"role": "user", "content": text}], task=f"task:{task}", **answer)


def _select(tasks: list[Task], records: list[TraceRecord], **options) -> dict[str, Task]:
    graph = AgentGraph()
    for task in tasks:
        graph.add(task)
    unit = SelectSLM(**options).run(PassContext(settings=Settings()), CompileUnit(graph, records))
    return {t.name: t for t in unit.graph.tasks()}


def test_extractive_json_gets_the_span_head_and_free_json_the_generative_slm():
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}}
    spans = [
        _record("slots", i, f"weather in {c} in celsius please" if i % 2 else f"forecast {c}",
                output=json.dumps({"city": c, "unit": "celsius"} if i % 2 else {"city": c}))
        for i, c in enumerate(CITIES * 5)
    ]  # fmt: skip
    free = [
        _record("summary", i, f"tell me about {c}", output=json.dumps({"summary": f"{c} is a city, #{i}"}))
        for i, c in enumerate(CITIES * 5)
    ]
    tasks = _select(
        [_task("slots", Contract("json", schema=schema)), _task("summary", Contract("json", schema={}))], spans + free
    )
    slots = tasks["slots"].slm
    assert slots.method == "span-head" and slots.model == "span-head:minilm"
    assert any("span keys (tagged in the input): city, unit" in r for r in slots.reasons)
    assert slots.alternatives[0].endswith(" lora")  # the decoder it beat is named
    summary = tasks["summary"].slm
    assert summary.method == "lora"
    assert any(r.startswith("span-head rejected: key 'summary'") for r in summary.reasons)
    assert summary.alternatives[0].startswith("classifier:minilm (0.0227B) span-head (rejected: key 'summary'")


def test_tool_calls_with_the_tools_in_each_request_get_the_tool_head():
    good = [
        _record("tools", i, f"weather in {c} for 3 days", tools=TOOLS,
                tool_calls=[{"name": "get_weather", "arguments": {"city": c, "days": 3}}])
        for i, c in enumerate(CITIES * 4)
    ]  # fmt: skip
    parallel = [
        _record("parallel", i, f"weather and time in {c}", tools=TOOLS,
                tool_calls=[{"name": "get_weather", "arguments": {"city": c}}, {"name": "get_time", "arguments": {"city": c}}])
        for i, c in enumerate(CITIES * 4)
    ]  # fmt: skip
    contract = Contract("tool-call", tools_per_call=True)
    tasks = _select([_task("tools", contract), _task("parallel", contract)], good + parallel)
    head = tasks["tools"].slm
    assert head.method == "tool-head"
    assert any("1 tools called, 2-2 offered per request" in r for r in head.reasons)
    kept = tasks["parallel"].slm
    assert kept.method == "lora" and any("tool-head rejected: only 0 of 24" in r for r in kept.reasons)
    # asked not to: the generative SLM, the head named as the rejected alternative
    off = _select([_task("tools", contract)], good, prefer_heads=False)["tools"].slm
    assert off.method == "lora" and "disabled" in off.alternatives[0]


def test_out_of_scope_label_is_a_class_of_its_own_and_the_pilot_is_announced():
    contract = Contract("label", labels=("billing", "refund", "oos"), strictness=1.0)
    slm = _select([_task("intent", contract)], [])["intent"].slm
    assert slm.method == "classifier-head"
    assert any("out-of-scope answer 'oos' is a class of its own" in r for r in slm.reasons)
    assert any("pilots the frozen head" in r for r in slm.reasons)


def test_json_with_null_for_missing_values_and_a_closed_key_gets_the_span_head():
    # the README's extract_fields shape: order_id / product are spans of the ticket or null, urgency a closed set
    schema = {"type": "object", "properties": {k: {"type": ["string", "null"]} for k in ("order_id", "product")}}
    schema["properties"]["urgency"] = {"type": "string", "enum": ["low", "medium", "high"]}
    records = []
    for i, c in enumerate(CITIES * 8):
        order = f"AB-{10000 + i}" if i % 3 else None
        product = f"Phone {c}" if i % 2 else None
        text = "my " + (product or "parcel") + " is late" + (f", order {order}" if order else "")
        answer = {"order_id": order, "product": product, "urgency": ["low", "medium", "high"][i % 3]}
        records.append(_record("extract", i, text, output=json.dumps(answer)))
    slm = _select([_task("extract", Contract("json", schema=schema))], records)["extract"].slm
    assert slm.method == "span-head", slm.reasons
    assert any("span keys (tagged in the input): order_id, product" in r for r in slm.reasons)
    assert any("closed keys (one classifier each): urgency (3 values)" in r for r in slm.reasons)
