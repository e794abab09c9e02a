from __future__ import annotations

from pathlib import Path

import pytest

from slmc.compiler.passmanager import PassContext
from slmc.ir import AgentGraph, LLMCall, Loc, Message, Prompt, PromptPart, SiteKind
from slmc.ir.nodes import EdgeKind
from slmc.ir.unit import CompileUnit
from slmc.passes.link_traces import LinkTraces
from slmc.traces import Frame, TraceRecord

SUMMARY_SYSTEM = "You summarise support tickets in two sentences for the on-call engineer. Mention the product."
ROUTE_USER = (
    "Route the ticket to exactly one queue: payments, logistics, it, accounts.\nTicket: ",
    "\nAnswer: queue name.",
)


def site(sid: str, kind: SiteKind, line: int, end: int = 0, target: str | None = None, fn: str = "") -> LLMCall:
    path = sid.split("@", 1)[1].rsplit(":", 1)[0]
    return LLMCall(
        sid, site=kind, loc=Loc(path, line, 5, end or line, 40), function=fn or sid[4:].split("@")[0], target=target
    )


def add_prompt(graph: AgentGraph, sid: str, *messages: Message) -> None:
    prompt = Prompt("prompt:" + sid[4:], messages=messages)
    graph.add(prompt)
    graph.add_edge(prompt.id, sid, EdgeKind.PROMPT)


@pytest.fixture
def graph() -> AgentGraph:
    g = AgentGraph()
    g.add(site("llm:ask_llm@agent.py:11", SiteKind.REQUEST, 11, 14))
    g.add(site("llm:ask_llm@agent.py:8", SiteKind.WRAPPER, 8, 15, target="llm:ask_llm@agent.py:11"))
    g.add(site("llm:classify@agent.py:20", SiteKind.WRAPPER_CALL, 20, target="llm:ask_llm@agent.py:8"))
    g.add(site("llm:extract@agent.py:30", SiteKind.WRAPPER_CALL, 30, target="llm:ask_llm@agent.py:8"))
    g.add(site("llm:summarize@agent.py:40", SiteKind.REQUEST, 40, 45))
    add_prompt(
        g,
        "llm:summarize@agent.py:40",
        Message("system", (PromptPart(SUMMARY_SYSTEM),)),
        Message(
            "user",
            (
                PromptPart("Ticket #"),
                PromptPart("ticket.id", hole=True),
                PromptPart(": "),
                PromptPart("ticket.text", hole=True),
            ),
        ),
    )
    g.add(site("llm:route@tools/router.py:12", SiteKind.REQUEST, 12, 18))
    add_prompt(
        g,
        "llm:route@tools/router.py:12",
        Message("user", (PromptPart(ROUTE_USER[0]), PromptPart("text", hole=True), PromptPart(ROUTE_USER[1]))),
    )
    return g


def rec(**kw) -> TraceRecord:
    base = dict(source="slmc", messages=[{"role": "user", "content": "hello there"}], output="x", model="gpt-4o")
    base.update(kw)
    return TraceRecord(**base)


def link(graph: AgentGraph, records: list[TraceRecord], root: Path = Path("/proj")) -> tuple[CompileUnit, PassContext]:
    ctx = PassContext(root=root)
    unit = LinkTraces().run(ctx, CompileUnit(graph, records))
    graph.verify()
    return unit, ctx


def test_recorded_id_with_wrapper_call_on_stack_links_to_the_task_specific_wrapper_call(graph: AgentGraph) -> None:
    stack = [
        Frame("/proj/agent.py", 12, "ask_llm"),
        Frame("/proj/agent.py", 20, "classify"),
        Frame("/proj/agent.py", 60, "main"),
    ]
    r1 = rec(site_id="llm:ask_llm@agent.py:11", stack=stack)
    r2 = rec(site_id="llm:ask_llm@agent.py:11", stack=[stack[0], Frame("/proj/agent.py", 30, "extract")])
    r3 = rec(site_id="llm:ask_llm@agent.py:11", stack=[stack[0]])
    link(graph, [r1, r2, r3])
    assert (r1.site_id, r1.meta["link"]) == ("llm:classify@agent.py:20", {"method": "site-id", "confidence": 1.0})
    assert r2.site_id == "llm:extract@agent.py:30"
    assert r3.site_id == "llm:ask_llm@agent.py:11"


def _chain(dispatch_callers: int) -> AgentGraph:
    """``ask`` (generic, shared by dispatch and flights) <- ``dispatch`` <- ``plan`` (and maybe ``replan``)."""
    g = AgentGraph()
    g.add(site("llm:ask@a.py:3", SiteKind.REQUEST, 3))
    g.add(site("llm:ask@a.py:1", SiteKind.WRAPPER, 1, 4, target="llm:ask@a.py:3"))
    g.add(site("llm:dispatch@a.py:10", SiteKind.WRAPPER_CALL, 10, target="llm:ask@a.py:1"))
    g.add(site("llm:flights@a.py:14", SiteKind.WRAPPER_CALL, 14, target="llm:ask@a.py:1"))
    g.add(site("llm:dispatch@a.py:9", SiteKind.WRAPPER, 9, 11, target="llm:ask@a.py:1"))
    g.add(site("llm:plan@a.py:20", SiteKind.WRAPPER_CALL, 20, target="llm:dispatch@a.py:9"))
    if dispatch_callers > 1:
        g.add(site("llm:replan@a.py:25", SiteKind.WRAPPER_CALL, 25, target="llm:dispatch@a.py:9"))
    return g


def test_link_moves_out_through_generic_wrappers_only() -> None:
    stack = [Frame("a.py", 3, "ask"), Frame("a.py", 10, "dispatch"), Frame("a.py", 20, "plan")]
    # ask is generic (two callers, no literal prompt); dispatch has one caller: the per-task site is dispatch's call
    r = rec(site_id="llm:ask@a.py:3", stack=stack)
    link(_chain(1), [r], root=Path("."))
    assert r.site_id == "llm:dispatch@a.py:10"
    # dispatch shared by two callers with no prompt text of its own: generic too, so the link moves out to plan
    r = rec(site_id="llm:ask@a.py:3", stack=stack)
    link(_chain(2), [r], root=Path("."))
    assert r.site_id == "llm:plan@a.py:20"
    # a shared wrapper whose own prompt carries the task (long literal instructions) is the per-task site itself
    g = _chain(1)
    add_prompt(g, "llm:ask@a.py:3", Message("system", (PromptPart("Classify the ticket. " * 10),)))
    r = rec(site_id="llm:ask@a.py:3", stack=stack)
    link(g, [r], root=Path("."))
    assert r.site_id == "llm:ask@a.py:3"


def test_location_from_stack_otel_code_attributes_and_stale_ids(graph: AgentGraph) -> None:
    by_suffix = rec(stack=[Frame("/home/ci/checkout/agent.py", 42, "summarize")])  # another machine's absolute path
    relative = rec(stack=[Frame("tools/router.py", 15, "route")])
    otel = rec(meta={"code.filepath": "/proj/tools/router.py", "code.lineno": 12})
    stale = rec(site_id="llm:summarize@agent.py:41")  # code moved by a line since capture
    _unit, ctx = link(graph, [by_suffix, relative, otel, stale])
    assert by_suffix.site_id == "llm:summarize@agent.py:40"
    assert relative.site_id == otel.site_id == "llm:route@tools/router.py:12"
    assert stale.site_id == "llm:summarize@agent.py:40"
    assert {r.meta["link"]["method"] for r in (by_suffix, relative, otel, stale)} == {"location"}
    assert [d.code for d in ctx.diagnostics if d.code == "W201"] == ["W201"]


def test_template_match_with_confidence(graph: AgentGraph) -> None:
    summary = rec(
        messages=[
            {"role": "system", "content": SUMMARY_SYSTEM},
            {"role": "user", "content": "Ticket #4411: the router reboots every hour since the update"},
        ]
    )
    route = rec(messages=[{"role": "user", "content": ROUTE_USER[0] + "I was charged twice" + ROUTE_USER[1]}])
    edited = rec(  # the system prompt was edited slightly in production: still most of the template
        messages=[
            {"role": "system", "content": SUMMARY_SYSTEM.replace("Mention the product.", "Name the product.")},
            {"role": "user", "content": "Ticket #1: hi"},
        ]
    )
    link(graph, [summary, route, edited])
    assert summary.site_id == "llm:summarize@agent.py:40" and summary.meta["link"] == {
        "method": "template",
        "confidence": 1.0,
    }
    assert route.site_id == "llm:route@tools/router.py:12" and route.meta["link"]["confidence"] == 1.0
    assert edited.site_id == "llm:summarize@agent.py:40"
    assert 0.6 <= edited.meta["link"]["confidence"] < 1.0


def test_sites_sharing_a_system_prompt_are_told_apart_by_the_rest_of_the_prompt() -> None:
    """The template found whole in the (cached) system message decides only when nothing else fits better."""
    system = "You are the support assistant of ACME. Answer in English, briefly, and never invent order numbers."
    g = AgentGraph()
    for sid, line in (("llm:answer@agent.py:10", 10), ("llm:translate@agent.py:20", 20)):
        g.add(site(sid, SiteKind.REQUEST, line, line + 4))
    add_prompt(g, "llm:answer@agent.py:10", Message("system", (PromptPart(system),)),
               Message("user", (PromptPart("question", hole=True),)))  # fmt: skip
    add_prompt(g, "llm:translate@agent.py:20", Message("system", (PromptPart(system),)),
               Message("user", (PromptPart("Translate this customer message into English, keep names: "),
                                PromptPart("text", hole=True))))  # fmt: skip
    records = []
    for i in range(6):
        user = (
            f"Where is my parcel number {i}?"
            if i % 2
            else f"Translate this customer message into English, keep names: Hola {i}"
        )
        records.append(rec(messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]))
    link(g, records)
    assert [r.site_id for r in records] == ["llm:translate@agent.py:20", "llm:answer@agent.py:10"] * 3
    assert {r.meta["link"]["confidence"] for r in records} == {1.0}


def test_unrelated_text_does_not_match_a_template(graph: AgentGraph) -> None:
    r = rec(
        messages=[{"role": "user", "content": "Summarise the ticket for the engineer please, route it to payments."}]
    )
    unit, _ctx = link(graph, [r])
    assert r.site_id is None and "link" not in r.meta
    assert r.meta["group"].startswith("prompt:")
    assert unit.reports.link["unlinked"] == 1


def test_workload_hint_and_unlinked_groups(graph: AgentGraph) -> None:
    hinted = rec(workload="support_agent.summarize")
    framework = [
        rec(messages=[{"role": "system", "content": "LangChain agent scratchpad"}, {"role": "user", "content": str(i)}])
        for i in range(3)
    ]
    named = rec(workload="retriever.rerank")
    unit, _ctx = link(graph, [hinted, *framework, named])
    assert hinted.site_id == "llm:summarize@agent.py:40" and hinted.meta["link"]["method"] == "workload"
    groups = {r.meta["group"] for r in framework}
    assert len(groups) == 1 and groups.pop().startswith("system:")
    assert named.meta["group"] == "workload:retriever.rerank"
    stats = unit.reports.link
    assert stats["linked"] == 1 and stats["unlinked"] == 4 and len(stats["unlinked_groups"]) == 2


def test_traffic_is_filled_for_every_site(graph: AgentGraph) -> None:
    records = [
        rec(site_id="llm:summarize@agent.py:40", input_tokens=100, output_tokens=10, latency_ms=300.0, model="gpt-4o"),
        rec(
            site_id="llm:summarize@agent.py:40",
            input_tokens=120,
            output_tokens=20,
            latency_ms=500.0,
            model="gpt-4o-mini",
        ),
        rec(site_id="llm:summarize@agent.py:40", input_tokens=80, output_tokens=0, latency_ms=100.0, error="timeout"),
        rec(messages=[{"role": "system", "content": SUMMARY_SYSTEM}, {"role": "user", "content": "Ticket #9: x"}]),
    ]
    unit, ctx = link(graph, records)
    traffic = graph.node("llm:summarize@agent.py:40").traffic
    assert traffic.calls == 4 and traffic.input_tokens == 300 and traffic.output_tokens == 30
    assert traffic.errors == 1 and traffic.models == ("gpt-4o", "gpt-4o-mini")
    assert traffic.latency_ms_p50 == 300.0
    assert traffic.link_methods == ("site-id", "template") and traffic.link_confidence == 1.0
    for s in graph.sites():
        assert s.traffic is not None
    assert graph.node("llm:route@tools/router.py:12").traffic.calls == 0
    info = [d for d in ctx.diagnostics if d.code == "I201"]
    assert len(info) == 1 and "linked 4 of 4" in info[0].message
    assert "llm:route@tools/router.py:12" in unit.reports.link["sites_without_traffic"]


def test_no_traces_is_not_an_error(graph: AgentGraph) -> None:
    unit, _ctx = link(graph, [])
    assert unit.reports.link["records"] == 0
    assert all(s.traffic.calls == 0 for s in graph.sites())


def test_a_location_at_the_caller_or_the_def_line_links_to_the_request_inside() -> None:
    """An OTel code location at the agent's module-level call (or a function's ``def`` line) names a caller: the link
    is the request inside it, the site capture records (``llm:classify@agent.py:8``, not ``llm:<module>@...``)."""
    g = AgentGraph()
    g.add(site("llm:classify@agent.py:8", SiteKind.REQUEST, 8, 9))
    g.add(site("llm:classify@agent.py:7", SiteKind.WRAPPER, 7, 9, target="llm:classify@agent.py:8"))
    g.add(site("llm:<module>@agent.py:12", SiteKind.WRAPPER_CALL, 12, target="llm:classify@agent.py:7"))
    outer = rec(stack=[Frame("/proj/agent.py", 12, "<module>")])
    def_line = rec(meta={"code.filepath": "agent.py", "code.lineno": 7})
    captured = rec(
        site_id="llm:classify@agent.py:8", stack=[Frame("agent.py", 8, "classify"), Frame("agent.py", 12, "<module>")]
    )
    link(g, [outer, def_line, captured])
    assert outer.site_id == def_line.site_id == captured.site_id == "llm:classify@agent.py:8"
