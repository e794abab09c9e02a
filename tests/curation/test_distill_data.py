"""Distillation data that teaches the contract (issue 14, item 5): curate drops teacher answers that break the site's
contract, drops near-duplicates, renames drifted tool / argument / JSON-key names to what the source declares now, and
says what it changed (``unit.reports.curation``, the analysis report)."""

from __future__ import annotations

import json

from slmc.compiler.passmanager import PassContext
from slmc.ir import AgentGraph
from slmc.ir.nodes import EdgeKind, LLMCall, Loc, SiteKind, Tool
from slmc.ir.unit import CompileUnit
from slmc.passes.curate import Curate
from slmc.traces import TraceRecord

SITE = "llm:extract@agent.py:20"
ORDER_SCHEMA = {
    "type": "object",
    "properties": {"customer": {"type": "string"}, "quantity": {"type": "integer"}},
    "required": ["customer", "quantity"],
}
NAMES = ["Ana", "Bruno", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]


def _graph(**site_fields) -> AgentGraph:
    graph = AgentGraph()
    graph.add(LLMCall(SITE, site=SiteKind.REQUEST, loc=Loc("agent.py", 20, 5), function="extract", **site_fields))
    return graph


def rec(text: str, output: str | None = None, site: str = SITE, **kw) -> TraceRecord:
    return TraceRecord(source="slmc", site_id=site, messages=[{"role": "user", "content": text}], output=output, **kw)


def _curate(graph: AgentGraph, records: list[TraceRecord], **opts) -> tuple[CompileUnit, PassContext]:
    ctx = PassContext()
    return Curate(**opts).run(ctx, CompileUnit(graph, records)), ctx


def _orders(n: int = 12) -> list[TraceRecord]:
    return [
        rec(f"Hi, this is {name}. Send me {i + 1} kettles", json.dumps({"customer": name, "quantity": i + 1}))
        for i, name in enumerate(NAMES[:n])
    ]


def test_answers_that_break_a_declared_json_contract_are_dropped_and_reported():
    good = _orders()
    prose = rec("Hi, this is Mo. I need a kettle", "The customer is Mo and wants one kettle.")
    missing = rec("Hi, this is Ola. Kettles please", json.dumps({"customer": "Ola"}))
    wrong_type = rec("Hi, this is Pia. Two kettles", json.dumps({"customer": "Pia", "quantity": "two"}))
    unit, ctx = _curate(_graph(output_schema=json.dumps(ORDER_SCHEMA)), [*good, prose, missing, wrong_type])
    assert unit.traces == good
    report = unit.reports.curation
    assert report["removed"] == {"contract": 3}
    assert report["contract"][SITE]["kind"] == "json" and report["contract"][SITE]["broken"] == 3
    assert unit.reports.dropped["curate"] == {"contract": 3}
    errors = " ".join(report["contract"][SITE]["errors"])
    assert "not JSON" in errors and "required property" in errors
    assert "Pia" not in json.dumps(report) and "two" not in errors  # the report quotes no record text
    assert any(d.code == "W222" and "3 of 15" in d.message for d in ctx.diagnostics)


def test_a_site_that_mostly_answers_with_tool_calls_drops_text_and_calls_to_tools_not_offered():
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    calls = [
        rec(f"weather in {c}?", tools=tools, tool_calls=[{"name": "get_weather", "arguments": {"city": c}}])
        for c in NAMES
    ]
    text = rec("what can you do?", "I can look up the weather for you.", tools=tools)
    unknown = rec("book me a cab", tools=tools, tool_calls=[{"name": "book_cab", "arguments": {}}])
    unit, _ = _curate(AgentGraph(), [*calls, text, unknown])
    assert unit.traces == calls
    assert unit.reports.curation["sites"][SITE]["removed"] == {"contract": 2}


def test_a_declared_label_set_drops_labels_outside_it():
    answers = ["billing", "bug", "delivery"] * 5
    good = [rec(f"ticket {i}", a) for i, a in enumerate(answers)]
    unit, _ = _curate(_graph(labels=("billing", "bug", "delivery")), [*good, rec("ticket x", "refund")])
    assert unit.traces == good and unit.reports.curation["removed"] == {"contract": 1}


def test_a_wrapper_site_with_mixed_answer_kinds_is_not_checked():
    mixed = _orders(6) + [rec(f"ticket {i}", "billing") for i in range(6)]
    unit, _ = _curate(AgentGraph(), mixed)
    assert unit.traces == mixed and SITE not in unit.reports.curation["contract"]


def test_a_declaration_most_answers_break_is_kept_with_a_warning():
    answers = [rec(f"note {i}", f"plain words number {i}") for i in range(10)]
    unit, ctx = _curate(_graph(output_schema=json.dumps(ORDER_SCHEMA)), answers)
    assert unit.traces == answers
    assert unit.reports.curation["contract"][SITE]["enforced"] is False
    assert any(d.code == "W222" and "declaration is current" in d.message for d in ctx.diagnostics)


def test_near_duplicates_are_dropped_and_counted():
    first = rec("Where is my parcel?", "shipping")
    near = [rec("where is my parcel", "Shipping."), rec("WHERE  is my  parcel ?!", "shipping")]
    other_answer = rec("where is my parcel", "delivery")
    different = rec("where is my parcel today", "shipping")
    records = [first, *near, other_answer, different]
    unit, _ = _curate(AgentGraph(), records)
    assert unit.traces == [first, other_answer, different]
    assert unit.reports.curation["removed"] == {"near-duplicate": 2}
    assert first.meta["duplicates"] == 2
    unit, _ = _curate(AgentGraph(), [rec(r.messages[0]["content"], r.output) for r in records], near_duplicates=False)
    assert len(unit.traces) == 5


def test_schema_drift_renames_tools_arguments_and_json_keys_to_the_declared_ones():
    graph = _graph(tools=("get_forecast",))
    params = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city to look up"},
            "days": {"type": "integer", "description": "How many days ahead"},
        },
        "required": ["city"],
    }
    graph.add(
        Tool("tool:get_forecast", name="get_forecast", description="Weather forecast for a city", parameters=params)
    )
    graph.add_edge("tool:get_forecast", SITE, EdgeKind.TOOL)
    old_params = {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city to look up"},
            "n_days": {"type": "integer", "description": "Number of days"},
        },
    }
    old_tool = {
        "type": "function",
        "function": {"name": "get_weather", "description": "Weather forecast for a city", "parameters": old_params},
    }
    new_tool = {"type": "function", "function": {"name": "get_forecast", "parameters": params}}
    old = [
        rec(
            f"weather in {c} for {i + 1} days",
            tools=[old_tool],
            tool_calls=[{"name": "get_weather", "arguments": json.dumps({"location": c, "n_days": i + 1})}],
        )
        for i, c in enumerate(NAMES[:8])
    ]
    new = [
        rec(f"forecast {c}", tools=[new_tool], tool_calls=[{"name": "get_forecast", "arguments": {"city": c}}])
        for c in NAMES[8:]
    ]
    unit, ctx = _curate(graph, [*old, *new])
    assert len(unit.traces) == 12  # renamed, not dropped as contract breaks
    call = old[0].tool_calls[0]
    assert call["name"] == "get_forecast" and json.loads(call["arguments"]) == {"city": NAMES[0], "days": 1}
    assert old[0].tools[0]["function"]["name"] == "get_forecast"
    assert old[0].tools[0]["function"]["parameters"] == params
    renamed = unit.reports.curation["renamed"][SITE]
    assert renamed["tools"] == {"get_weather": "get_forecast"}
    assert renamed["arguments"] == {"get_forecast": {"location": "city", "n_days": "days"}}
    assert renamed["records"] == 8
    assert unit.reports.curation["contract"][SITE]["broken"] == 0
    assert any(d.code == "I222" and "get_weather -> get_forecast" in d.message for d in ctx.diagnostics)


def test_schema_drift_renames_json_answer_keys_and_the_report_says_so():
    from slmc.report.analyze import build_analysis, render_markdown

    old = [rec(f"order {i}", json.dumps({"customer_name": n, "quantity_ordered": i + 1})) for i, n in enumerate(NAMES)]
    graph = _graph(output_schema=json.dumps(ORDER_SCHEMA))
    unit, _ = _curate(graph, old)
    assert len(unit.traces) == len(old)  # renamed, then they keep the contract
    assert json.loads(old[0].output) == {"customer": NAMES[0], "quantity": 1}
    assert unit.reports.curation["renamed"][SITE]["fields"] == {
        "customer_name": "customer",
        "quantity_ordered": "quantity",
    }
    md = render_markdown(build_analysis(unit.graph, unit.traces, unit.reports))
    assert "## Distillation data" in md and "customer_name → customer" in md


def test_unrelated_names_are_not_renamed():
    graph = _graph(output_schema=json.dumps(ORDER_SCHEMA))
    records = [*_orders(), rec("order z", json.dumps({"customer": "Zoe", "quantity": 1, "gift_wrap": True}))]
    unit, _ = _curate(graph, records)
    assert "renamed" not in unit.reports.curation or SITE not in unit.reports.curation["renamed"]
    assert json.loads(records[-1].output)["gift_wrap"] is True


def test_a_tool_schema_in_bfcl_spelling_is_checked_not_fatal():
    params = {"type": "object", "properties": {"x": {"type": "float"}}, "required": ["x"]}  # BFCL spelling
    tools = [{"type": "function", "function": {"name": "area", "parameters": params}}]
    records = [rec(f"area {i}", tools=tools, tool_calls=[{"name": "area", "arguments": {"x": i}}]) for i in range(12)]
    unit, _ = _curate(AgentGraph(), records)
    assert unit.traces == records
    assert unit.reports.curation["contract"][SITE] == {"kind": "tool-call", "checked": 12, "broken": 0}


def test_a_tool_call_without_a_name_is_left_alone_by_the_drift_renaming() -> None:
    """A bad record (a tool call that is an empty object) is counted as it is, never a crash of the curate pass."""
    from slmc.analysis.distill import SiteSchema, rename_drift

    records = [
        TraceRecord(id="r1", messages=[{"role": "user", "content": "Find flights"}], tool_calls=[{}]),
        TraceRecord(id="r2", messages=[{"role": "user", "content": "Find trains"}], tool_calls=[{"name": "trains"}]),
    ]
    declared = SiteSchema(
        tools={"trains": Tool(id="tool:trains", name="trains", description="rail", parameters={"type": "object"})}
    )
    rename_drift(records, declared)
    assert records[0].tool_calls == [{}] and records[1].tool_calls == [{"name": "trains"}]
