"""The router judges answers as the quality gate does (slmc.answers): the two disagreements issue 12 names, served
through the real router against local servers, and the tool-call shapes the serving targets produce."""

from __future__ import annotations

import json
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.runtime.contracts import Contract, normalise_label
from slmc.runtime.types import Answer
from slmc.training.metrics import score_rows

from .servers import SITE, Reply, chat_reply, messages, write_manifest

ROUTE = {
    "type": "function",
    "function": {
        "name": "route",
        "parameters": {"type": "object", "properties": {"queue": {"enum": ["billing", "tech"]}}, "required": ["queue"]},
    },
}
QWEN_CALL = '<tool_call>\n{"name": "route", "arguments": {"queue": "billing"}}\n</tool_call>'


def test_label_with_trailing_punctuation_is_the_label_for_router_and_gate():
    # Before: the runtime normalised "Billing!" to "billing!" (not in the set: a contract fallback) while the gate's
    # metric normalised it to "billing" and scored it correct.
    assert normalise_label("Billing!") == "billing"
    contract = Contract({"kind": "label", "labels": ["billing", "tech"]})
    checked = contract.check(Answer(content="Billing!"))
    assert checked.ok and checked.answer is not None and checked.answer.content == "billing"
    assert contract.agree(checked.answer, Answer(content="billing"))
    gate = score_rows("label", ["Billing!"], ["billing"], labels=("billing", "tech"), contract=contract.spec)
    assert gate[0].value == 1.0


def test_router_serves_a_label_with_punctuation_instead_of_falling_back(tmp_path, server_factory, openai_client):
    slm = server_factory(lambda path, body: Reply(chat_reply("“Billing!”")))
    runtime.configure(write_manifest(tmp_path, slm.url))
    resp = runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("x"))
    assert resp.choices[0].message.content == "billing"
    assert runtime.stats()["fallbacks"] == {}


def test_tool_call_block_is_a_tool_call_for_router_and_gate():
    # Before: a <tool_call>…</tool_call> answer (what Qwen/Hermes chat templates make a model write, and what vLLM
    # returns as text without a tool parser) was a tool call to the gate's metric and [] to the runtime.
    contract = Contract({"kind": "tool-call", "tools": [ROUTE]})
    checked = contract.check(Answer(content=QWEN_CALL))
    assert checked.ok, checked.error
    assert checked.answer is not None and checked.answer.finish_reason == "tool_calls"
    assert [(c["name"], json.loads(c["arguments"])) for c in checked.answer.tool_calls] == [
        ("route", {"queue": "billing"})
    ]
    llm = Answer(tool_calls=[{"id": "call_1", "name": "route", "arguments": '{"queue": "billing"}'}])
    assert contract.agree(Answer(content=QWEN_CALL), llm)
    reference = json.dumps([{"name": "route", "arguments": {"queue": "billing"}}])
    assert score_rows("tool-call", [QWEN_CALL], [reference], contract=contract.spec)[0].value == 1.0


def test_router_serves_a_tool_call_written_in_tags(tmp_path, server_factory, openai_client, fake_llm):
    replies = iter(
        [
            Reply(chat_reply("Let me route it.\n" + QWEN_CALL)),  # prose around the block is dropped
            Reply(
                chat_reply(
                    '```json\n[{"type": "function", "function": {"name": "route", "arguments": '
                    '"{\\"queue\\": \\"tech\\"}"}}]\n```'
                )
            ),
            Reply(chat_reply('<tool_call>{"name": "route", "arguments": {"queue": "sales"}}</tool_call>')),
            Reply(chat_reply('<tool_call>{"name": "route", "arguments": {"queue": </tool_call>')),
        ]
    )
    slm = server_factory(lambda path, body: next(replies))
    runtime.configure(write_manifest(tmp_path, slm.url, contract={"kind": "tool-call", "tools": [ROUTE]}))
    create = openai_client.chat.completions.create
    results = [
        runtime.call(SITE, "openai.chat", create, model="m", messages=messages(f"t{i}"), tools=[ROUTE])
        for i in range(4)
    ]
    first, second = (r.choices[0].message.tool_calls[0].function for r in results[:2])
    assert (first.name, json.loads(first.arguments)) == ("route", {"queue": "billing"})
    assert (second.name, json.loads(second.arguments)) == ("route", {"queue": "tech"})
    assert results[0].choices[0].message.content is None and results[0].choices[0].finish_reason == "tool_calls"
    assert [r.choices[0].message.content for r in results[2:]] == ["LLM: t2", "LLM: t3"]  # schema; broken JSON
    assert runtime.stats()["fallbacks"] == {"contract": 2}


@pytest.mark.parametrize(
    "calls",
    [
        [{"name": "route", "arguments": "{q"}],
        [{"name": "route", "arguments": "[1]"}],
        [{"name": None, "arguments": "{}"}],
        [{"function": "route"}],
    ],
)
def test_structured_calls_that_do_not_parse_are_rejected_with_a_reason(calls: list[dict[str, Any]]):
    problem = Contract({"kind": "tool-call", "tools": [ROUTE]}).check(Answer(tool_calls=calls))
    assert (
        not problem.ok
        and problem.error
        and ("not JSON" in problem.error or "not an object" in problem.error or "no name" in problem.error)
    )


def test_calls_in_another_order_agree_when_one_argument_is_true_and_another_1():
    """Found by the property test: matching removed a used reference call with ==, and True == 1 in Python."""
    from slmc.answers import compare_tool_calls

    def call(args: str) -> dict[str, Any]:
        return {"name": "route", "arguments": args}

    prediction = [call('{"queue": 1}'), call('{"queue": 0}'), call('{"queue": true}')]
    reference = [call('{"queue": 0}'), call('{"queue": true}'), call('{"queue": 1}')]
    assert compare_tool_calls(prediction, reference) == (True, True, True)
    assert (
        compare_tool_calls(prediction, [call('{"queue": 0}'), call('{"queue": 1}'), call('{"queue": 1}')])[2] is False
    )


def test_tool_schemas_with_python_type_names_are_checked_not_fatal():
    """BFCL-style catalogues write "float", "dict", "tuple", "any": the router checks them as JSON Schema types (it raised
    jsonschema's UnknownType before), and a schema no validator can use leaves the answer unchecked."""
    params = {
        "type": "dict",
        "properties": {
            "x": {"type": "float"},
            "y": {"type": "any"},
            "z": {"type": "tuple", "items": {"type": "integer"}},
        },
        "required": ["x"],
    }
    contract = Contract({"kind": "tool-call", "tools": [{"name": "f", "parameters": params}]})

    def check(arguments: str):
        return contract.check(Answer(content=None, tool_calls=[{"id": "1", "name": "f", "arguments": arguments}]))

    assert check('{"x": 1.5, "y": null, "z": [1]}').ok
    assert "not of type 'number'" in (check('{"x": "a"}').error or "")
    assert "required" in (check('{"z": [1]}').error or "")
    assert Contract({"kind": "json", "schema": {"type": "string", "pattern": "("}}).check(Answer(content='"a"')).ok


def test_one_tool_name_with_two_schemas_in_two_requests_is_checked_against_each():
    """Tools offered per call: the validator cached for the first request's ``lookup`` must not judge the second's."""
    contract = Contract({"kind": "tool-call", "tools_per_call": True})

    def tools(kind: str) -> list[dict[str, Any]]:
        params = {"type": "object", "properties": {"q": {"type": kind}}, "required": ["q"]}
        return [{"type": "function", "function": {"name": "lookup", "parameters": params}}]

    def check(arguments: str, kind: str):
        answer = Answer(content=None, tool_calls=[{"id": "1", "name": "lookup", "arguments": arguments}])
        return contract.check(answer, request_tools=tools(kind))

    assert check('{"q": 3}', "integer").ok
    assert check('{"q": "three"}', "string").ok  # a validator cached by tool name alone said: not an integer
    assert not check('{"q": "three"}', "integer").ok
