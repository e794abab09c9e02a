from __future__ import annotations

import json

import pytest

from slmc.compiler.passmanager import PassContext, parse_pipeline
from slmc.ir import AgentGraph, LLMCall, Loc, Message, Prompt, PromptPart, Tool
from slmc.ir.nodes import EdgeKind
from slmc.ir.unit import CompileUnit
from slmc.passes.scrub_pii import ScrubPII
from slmc.traces import TraceRecord

EMAIL = "olga.petrova@example.org"
CARD = "4111 1111 1111 1111"
KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2


def record(**kw) -> TraceRecord:
    base = dict(source="slmc", site_id="llm:f@a.py:3", messages=[{"role": "user", "content": "hi"}], output="ok")
    base.update(kw)
    return TraceRecord(**base)


def scrub(records: list[TraceRecord], graph: AgentGraph | None = None, **opts) -> CompileUnit:
    return ScrubPII(**opts).run(PassContext(), CompileUnit(graph or AgentGraph(), records))


def test_same_value_same_placeholder_across_prompt_output_and_records() -> None:
    recs = [
        record(
            messages=[
                {"role": "system", "content": "Extract the contact."},
                {"role": "user", "content": f"Reach me at {EMAIL} or {EMAIL.upper()}; card {CARD}."},
            ],
            output=json.dumps({"email": EMAIL, "card": CARD.replace(" ", "")}),
        ),
        record(messages=[{"role": "user", "content": "other: bob@example.com, again " + EMAIL}], output=EMAIL),
    ]
    unit = scrub(recs)
    first, second = recs
    assert first.messages[1]["content"] == "Reach me at <EMAIL_1> or <EMAIL_1>; card <CARD_1>."
    assert json.loads(first.output) == {"email": "<EMAIL_1>", "card": "<CARD_1>"}
    assert second.messages[0]["content"] == "other: <EMAIL_2>, again <EMAIL_1>"
    assert second.output == "<EMAIL_1>"
    report = unit.reports.scrub
    assert report["replacements"] == {"CARD": 2, "EMAIL": 6}
    assert report["distinct_values"] == {"CARD": 1, "EMAIL": 2}
    assert EMAIL not in json.dumps(report)


def test_tool_arguments_are_scrubbed_recursively_and_keys_kept() -> None:
    rec = record(
        tool_calls=[
            {
                "name": "create_ticket",
                "arguments": {
                    "customer": {"email": EMAIL, "phones": ["+44 20 7946 0958"], "name": "Maria Okonkwo"},
                    "api_key": "plainsecretvalue",
                    "note": f"use key {KEY}",
                },
            }
        ],
        output=None,
    )
    scrub([rec])
    call = rec.tool_calls[0]
    assert call["name"] == "create_ticket"
    assert call["arguments"] == {
        "customer": {"email": "<EMAIL_1>", "phones": ["<PHONE_1>"], "name": "<NAME_1>"},
        "api_key": "<SECRET_1>",
        "note": "use key <API_KEY_1>",
    }


def test_message_structure_tool_schemas_params_and_meta() -> None:
    rec = record(
        messages=[
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_Zr8Qm2XkP4vL9sT1wN6yB3cD",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": json.dumps({"email": EMAIL})},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_Zr8Qm2XkP4vL9sT1wN6yB3cD", "content": f"found {EMAIL}"},
            {"role": "user", "content": [{"type": "text", "text": f"my card is {CARD}"}]},
        ],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": f"Look up a customer, e.g. {EMAIL}",
                    "parameters": {"type": "object", "properties": {"email": {"type": "string", "enum": ["a", "b"]}}},
                },
            }
        ],
        params={"temperature": 0, "user": EMAIL},
        meta={"headers": {"authorization": "Bearer abcDEF123456ghiJKL"}, "link": {"method": "site-id"}},
    )
    scrub([rec])
    call = rec.messages[0]["tool_calls"][0]
    assert call["id"] == "call_Zr8Qm2XkP4vL9sT1wN6yB3cD"  # structural ids stay
    assert json.loads(call["function"]["arguments"]) == {"email": "<EMAIL_1>"}
    assert rec.messages[1] == {
        "role": "tool",
        "tool_call_id": "call_Zr8Qm2XkP4vL9sT1wN6yB3cD",
        "content": "found <EMAIL_1>",
    }
    assert rec.messages[2]["content"] == [{"type": "text", "text": "my card is <CARD_1>"}]
    fn = rec.tools[0]["function"]
    assert fn["description"] == "Look up a customer, e.g. <EMAIL_1>"
    assert fn["parameters"]["properties"]["email"] == {"type": "string", "enum": ["a", "b"]}
    assert rec.params == {"temperature": 0, "user": "<EMAIL_1>"}
    assert rec.meta["headers"] == {"authorization": "Bearer <TOKEN_1>"}
    assert rec.meta["link"] == {"method": "site-id"}


def test_graph_literal_text_is_scrubbed_consistently_with_traces() -> None:
    graph = AgentGraph()
    site = LLMCall("llm:f@a.py:3", loc=Loc("a.py", 3), options={"api_key": KEY, "temperature": 0})
    graph.add(site)
    prompt = Prompt(
        "prompt:f@a.py:3",
        messages=(Message("system", (PromptPart(f"Escalate to {EMAIL}. Ticket: "), PromptPart("ticket", hole=True))),),
    )
    graph.add(prompt)
    graph.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    graph.add(Tool("tool:notify", name="notify", description=f"Mail {EMAIL}"))
    rec = record(messages=[{"role": "system", "content": f"Escalate to {EMAIL}. Ticket: broken"}])
    scrub([rec], graph)
    assert graph.prompt_of(site.id).messages[0].template() == "Escalate to <EMAIL_1>. Ticket: {ticket}"
    assert rec.messages[0]["content"] == "Escalate to <EMAIL_1>. Ticket: broken"
    assert graph.node("tool:notify").description == "Mail <EMAIL_1>"
    assert graph.node(site.id).options == {"api_key": "<API_KEY_1>", "temperature": 0}
    graph.verify()


def test_scrubbing_is_idempotent_and_options_work() -> None:
    rec = record(messages=[{"role": "user", "content": "Dear Maria, token Zr8Qm2XkP4vL9sT1wN6yB3cD ok"}])
    scrub([rec], names=False, entropy=False)
    assert rec.messages[0]["content"] == "Dear Maria, token Zr8Qm2XkP4vL9sT1wN6yB3cD ok"
    scrub([rec])
    once = rec.messages[0]["content"]
    assert once == "Dear <NAME_1>, token <TOKEN_1> ok"
    scrub([rec])
    assert rec.messages[0]["content"] == once


def test_parallel_detection_gives_the_same_result_as_serial() -> None:
    def batch() -> list[TraceRecord]:
        return [
            record(
                messages=[{"role": "user", "content": f"order {i}: mail user{i % 50}@example.com, card {CARD}"}],
                output=f"user{i % 50}@example.com",
            )
            for i in range(6000)
        ]

    serial, parallel = batch(), batch()
    scrub(serial, workers=1)
    scrub(parallel, workers=2)
    assert [r.messages for r in serial] == [r.messages for r in parallel]
    assert [r.output for r in serial] == [r.output for r in parallel]
    assert serial[51].output == "<EMAIL_2>"


def _mixed_batch() -> list[TraceRecord]:
    """Records whose texts repeat, vary, hold nothing, hold PII, are short or are not strings."""
    out = []
    for i in range(900):
        content: object = f"order {i}: mail user{i % 40}@example.com, card {CARD}" if i % 3 else f"plain text {i % 7}"
        if i % 5 == 0:
            content = f"My name is Olga Petrova and I wait for order {i}."
        if i % 50 == 0:
            content = [{"type": "text", "text": f"part user{i % 40}@example.com"}]
        messages = [{"role": "system", "content": "You triage tickets."}, {"role": "user", "content": content}]
        if i % 11 == 0:
            messages.append({"role": "user", "content": "ok", "name": "Olga Petrova"})
        out.append(record(messages=messages, output=f"user{i % 40}@example.com" if i % 2 else "no", meta={"k": "v"}))
    return out


@pytest.mark.parametrize("batch", [100, 100_000])  # the workers started / never started (a small trace set)
def test_detection_prefetched_while_reading_gives_the_same_result_as_serial(batch: int) -> None:
    serial, fed = _mixed_batch(), _mixed_batch()
    scrub(serial, workers=1)
    pass_ = ScrubPII(workers=2)
    assert ScrubPII(workers=1).prefetch(PassContext()) is None  # no core to spare: detection stays in the scrub stage
    prefetch = pass_.prefetch(PassContext())
    assert prefetch is not None and prefetch.workers == 1  # the reading process keeps the other core
    prefetch.batch = batch
    for rec in fed:
        prefetch.feed(rec)
    assert prefetch._seen  # the texts fed, waiting for the scrub stage
    unit = pass_.run(PassContext(prefetched=prefetch), CompileUnit(AgentGraph(), fed))
    assert prefetch._pool is None and not prefetch._seen  # taken (its results read) and shut down
    assert [r.to_dict() for r in fed] == [r.to_dict() for r in serial]
    assert unit.reports.scrub["replacements"]["EMAIL"] > 0
    assert fed[5].messages[1]["content"].startswith("My name is <NAME_1>")


def test_a_prefetch_started_with_other_options_is_not_used() -> None:
    serial, fed = _mixed_batch(), _mixed_batch()
    scrub(serial, names=False, workers=1)
    prefetch = ScrubPII(workers=2).prefetch(PassContext())  # names on: its spans would hold names this run must keep
    prefetch.batch = 100
    for rec in fed:
        prefetch.feed(rec)
    ScrubPII(names=False, workers=1).run(PassContext(prefetched=prefetch), CompileUnit(AgentGraph(), fed))
    assert [r.to_dict() for r in fed] == [r.to_dict() for r in serial]
    assert "Olga Petrova" in fed[5].messages[1]["content"]  # names off: kept
    assert prefetch._pool is None  # shut down


def test_pipeline_option_parsing() -> None:
    (p,) = parse_pipeline("scrub-pii{names=false,min-token-length=32,workers=1}")
    assert p == ScrubPII(names=False, min_token_length=32, workers=1)
