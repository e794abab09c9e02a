from __future__ import annotations

from slmc.compiler.passmanager import PassContext, PassManager, pass_class
from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.ir.unit import CompileUnit
from slmc.passes.triage import Triage, triage_site

from .builders import add_site, wrapper_graph


def triage_of(**kwargs):
    g = AgentGraph()
    site = add_site(g, "f", 10, **kwargs)
    return triage_site(g, site)


def test_registered_under_its_name() -> None:
    assert pass_class("triage") is Triage
    assert Triage.provides == ("triage",) and Triage.requires == ("sites",)


def test_structured_output_and_labels_are_narrow_with_reasons() -> None:
    t = triage_of(
        system="Extract the order id and product. Return a JSON object.",
        options={"response_format": {"type": "json_schema", "json_schema": {}}, "temperature": 0, "max_tokens": 80},
        consumers=("json.loads",),
    )
    assert t.verdict == Verdict.NARROW and t.score > 0.9
    assert "response_format=json_schema" in t.reasons  # a fixed schema alone is weak evidence
    assert "answer parsed with json.loads" in t.reasons and "temperature=0" in t.reasons

    t = triage_of(labels=("a", "b", "c", "d", "e"), consumers=("label-set",))
    assert t.verdict == Verdict.NARROW
    assert "answer checked against 5 labels" in t.reasons


def test_open_ended_generation() -> None:
    t = triage_of(
        system="You are a friendly writer. Draft a warm, detailed reply to the customer.",
        options={"temperature": 0.9},
        stream=True,
        consumers=("print",),
    )
    assert t.verdict == Verdict.OPEN_ENDED and t.score < 0.1
    assert "answer streamed" in t.reasons and 'prompt says "conversation"' in t.reasons


def test_no_evidence_is_unclear() -> None:
    t = triage_of(system=None, user="{prompt}")
    assert t.verdict == Verdict.UNCLEAR and t.score == 0.5
    assert t.reasons == ("no static evidence",)


def test_wording_alone_moves_the_score_both_ways() -> None:
    narrow = triage_of(system="Classify the message. Answer with only the category name.")
    open_ = triage_of(system="Write a short story about the user's day.")
    assert narrow.score > 0.65 > 0.35 > open_.score


def test_short_max_tokens_and_int_cast() -> None:
    t = triage_of(
        system="Rate the answer's relevance on a score from 1 to 5.", options={"max_tokens": 2}, consumers=("int",)
    )
    assert t.verdict == Verdict.NARROW
    assert {"max_tokens=2", "answer cast to int", 'prompt says "score on a scale"'} <= set(t.reasons)


def test_wrapper_call_takes_its_own_arguments_and_the_wrappers_request() -> None:
    g = wrapper_graph(
        {
            10: {"user": "Answer yes or no: is this spam? {msg}", "consumers": ("bool",)},
            20: {"user": "Write a long poem about {topic}", "consumers": ("print",)},
        },
        options={"temperature": 0, "max_tokens": 256},
    )
    (classify, poem) = g.sites(SiteKind.WRAPPER_CALL)
    t1, t2 = triage_site(g, classify), triage_site(g, poem)
    assert t1.verdict == Verdict.NARROW and "temperature=0" in t1.reasons  # from the wrapper's request
    assert t2.verdict == Verdict.OPEN_ENDED
    wrapper = g.sites(SiteKind.WRAPPER)[0]
    assert triage_site(g, wrapper).verdict == Verdict.UNCLEAR  # generic forwarding wrapper


def test_pass_sets_triage_on_every_site_through_the_pass_manager() -> None:
    g = wrapper_graph({10: {"user": "Classify {x} into one of: a, b", "labels": ("a", "b")}})
    g.meta.facts.append("sites")
    out = PassManager.from_spec("triage").run(PassContext(), CompileUnit(g)).graph
    assert all(s.triage is not None for s in out.sites())
    assert "triage" in out.meta.facts and out.meta.passes_run == ["triage"]


def test_calls_of_an_orchestrator_are_unclear() -> None:
    """``handle`` makes two LLM calls through ``ask``; calls of ``handle`` carry no single task's evidence."""
    g = AgentGraph()
    request = add_site(g, "ask", 5, user="{prompt}")
    ask = add_site(g, "ask", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    spam = add_site(
        g,
        "handle",
        10,
        path="main.py",
        kind=SiteKind.WRAPPER_CALL,
        target=ask.id,
        user="Answer yes or no: is {x} spam?",
        consumers=("bool",),
    )
    add_site(g, "handle", 11, path="main.py", kind=SiteKind.WRAPPER_CALL, target=ask.id, user="Write a poem on {x}")
    handle = add_site(g, "handle", 9, path="main.py", kind=SiteKind.WRAPPER, user=None, target=spam.id)
    outer = add_site(
        g,
        "<module>",
        30,
        path="main.py",
        kind=SiteKind.WRAPPER_CALL,
        target=handle.id,
        user="{sys.argv[1]}",
        consumers=("bool",),
    )
    t = triage_site(g, outer)
    assert t.verdict == Verdict.UNCLEAR and t.reasons == ("calls `handle`, which makes several LLM calls",)
    assert triage_site(g, spam).verdict == Verdict.NARROW


def test_options_handed_on_from_the_callers_are_no_evidence() -> None:
    # ``create(..., response_format=response_format, tools=tools)`` inside a facade: whatever its caller picks
    handed = triage_of(
        system="Answer the user's question from the memories listed below.",
        options={"response_format": "<response_format>", "tools": "tools", "tool_choice": "tool_choice"},
    )
    assert not any(r.startswith("response_format=") or r.startswith("offers tools") for r in handed.reasons)
    # a schema or a tool list the code names itself still counts
    named = triage_of(
        system="Answer the user's question from the memories listed below.",
        options={"response_format": "<MemoryAnswer>", "tools": "<MEMORY_TOOLS>"},
    )
    assert "response_format=MemoryAnswer" in named.reasons
    assert any(r.startswith("offers tools") for r in named.reasons)
    assert named.score > handed.score
