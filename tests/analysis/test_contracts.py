from __future__ import annotations

import json

import jsonschema
import pytest

from slmc.analysis.contracts import constrained_share, generalise, infer_contract, infer_schema
from slmc.ir.nodes import LLMCall, Loc, Tool
from slmc.passes.cluster_tasks import ClusterTasks
from slmc.passes.infer_contracts import InferContracts
from slmc.traces.record import TraceRecord

from .conftest import check_golden, graph_text


def _text(*answers: str) -> list[TraceRecord]:
    return [TraceRecord(output=a) for a in answers]


def _site(**kw) -> LLMCall:
    return LLMCall("llm:f@a.py:1", loc=Loc("a.py", 1), **kw)


def test_json_schema_types_required_and_enums():
    answers = [
        {"status": ["open", "closed", "pending"][i % 3], "id": i, "note": f"n{i}" if i % 2 else None, "tags": ["a"]}
        for i in range(300)
    ]
    answers[0] = {**answers[0], "extra": True}
    answers[1].pop("tags")  # tags present in 299/300 = 99.7 % -> still required
    answers[2].pop("tags")
    answers[3].pop("tags")  # now 297/300 = 99 % -> required at the edge
    answers[4].pop("tags")  # 296/300 < 99 % -> optional
    contract = infer_contract(_text(*(json.dumps(a) for a in answers)))
    assert contract.kind == "json"
    schema = contract.schema
    jsonschema.Draft202012Validator.check_schema(schema)
    for a in answers:
        jsonschema.validate(a, schema)
    assert schema["required"] == ["id", "note", "status"]
    assert schema["properties"]["status"]["enum"] == ["closed", "open", "pending"]
    assert schema["properties"]["note"]["type"] == ["null", "string"]
    assert "enum" not in schema["properties"]["note"]
    assert schema["properties"]["tags"]["items"]["type"] == "string"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"status": "lost", "id": 1, "note": None}, schema)
    assert 0.5 < contract.strictness < 1.0


def test_json_in_code_fences_and_number_types():
    values = ['```json\n{"x": 1}\n```', '{"x": 2.5}', '{"x": 3}']
    contract = infer_contract(_text(*values))
    assert contract.kind == "json" and contract.schema["properties"]["x"]["type"] == "number"


def test_closed_label_set_covers_98_percent():
    answers = ["billing"] * 60 + ["tech"] * 37 + ["refund"] * 2 + ["I am not sure, sorry"]
    contract = infer_contract(_text(*answers))
    assert contract.kind == "label" and contract.labels == ("billing", "refund", "tech")
    assert contract.strictness == 1.0


def test_distinct_short_answers_are_not_labels_but_a_pattern():
    answers = [f"ORD-{1000 + i}" for i in range(50)]
    contract = infer_contract(_text(*answers))
    assert contract.kind == "regex" and contract.pattern == r"^[A-Z]+\-\d+$"
    assert generalise("ab 12") == r"[a-z]+\s+\d+"


def test_static_labels_win_with_few_traces():
    site = _site(labels=("spam", "ham"))
    contract = infer_contract(_text("spam", "ham"), [site])
    assert contract.kind == "label" and contract.labels == ("ham", "spam")


def test_free_text_gets_length_bounds():
    answers = [" ".join(["word"] * n) for n in range(40, 120, 7)]
    contract = infer_contract(_text(*answers))
    assert contract.kind == "text" and contract.min_length == len(answers[0])
    assert contract.max_length >= max(len(a) for a in answers) and contract.strictness < 0.2


def test_tool_call_uses_static_tool_schema_else_infers():
    calls = [TraceRecord(tool_calls=[{"name": "get_weather", "arguments": {"city": c}}]) for c in ["Oslo", "Lima"] * 6]
    calls += [TraceRecord(tool_calls=[{"name": "convert", "arguments": {"amount": 3, "to": "EUR"}}])] * 24
    static = Tool("tool:get_weather", name="get_weather", parameters={"type": "object", "required": ["city"]})
    contract = infer_contract(calls, [_site(tools=("get_weather",))], {"get_weather": static})
    assert contract.kind == "tool-call"
    tools = {t["name"]: t["parameters"] for t in contract.tools}
    assert tools["get_weather"] == static.parameters
    assert tools["convert"]["properties"]["amount"]["type"] == "integer"
    assert tools["convert"]["properties"]["to"]["enum"] == ["EUR"]


def test_open_tool_set():
    calls = [TraceRecord(tool_calls=[{"name": f"fn_{i}", "arguments": {}}]) for i in range(40)]
    contract = infer_contract(calls)
    assert contract.kind == "tool-call" and contract.tools == () and contract.strictness == 0.6


def test_static_output_schema_is_used():
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    site = _site(output_schema=json.dumps({"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}))
    contract = infer_contract(_text('{"ok": true}', '{"ok": false}'), [site])
    assert contract.schema == schema and contract.strictness == 1.0
    assert constrained_share(infer_schema([{"a": "x"}])) == 0.0


def test_infer_contracts_golden(agent):
    unit, ctx = agent
    graph = InferContracts().run(ctx, ClusterTasks(embedder="tfidf").run(ctx, unit)).graph
    graph.verify()
    kinds = {t.id: t.contract.kind for t in graph.tasks()}
    assert sorted(kinds.values()) == ["json", "label", "text", "tool-call"]
    check_golden("infer_contracts.ir.txt", graph_text(graph))
