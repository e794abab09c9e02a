"""An argument equal to its schema default is the argument left out, for the gate and the router alike: the teacher
wrote ``f(x)``, the head ``f(x, unit="celsius")`` where ``unit`` defaults to ``"celsius"`` (BFCL live_simple: 198 of
258 calls leave out an argument whose default the possible answers also accept; the gate rejected every one)."""

from __future__ import annotations

import json

from slmc.answers import answers_agree, compare_tool_calls, tool_defaults
from slmc.runtime.contracts import Contract as Validator
from slmc.runtime.types import Answer
from slmc.training.metrics import score_rows

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
                    "days": {"type": "integer", "default": 1},
                },
                "required": ["city"],
            },
        },
    },
    {"name": "bare", "parameters": {"properties": {"verbose": {"type": "boolean", "default": False}}}},
]


def call(**arguments) -> list[dict]:
    return [{"name": "get_weather", "arguments": arguments}]


def test_schema_defaults_stand_for_arguments_left_out() -> None:
    assert tool_defaults(TOOLS) == {"get_weather": {"unit": "celsius", "days": 1}, "bare": {"verbose": False}}
    teacher = call(city="Paris")
    assert compare_tool_calls(call(city="Paris", unit="celsius"), teacher, TOOLS)[2]  # filled with the default
    assert compare_tool_calls(call(city="Paris", days=1.0), teacher, TOOLS)[2]  # 1.0 == 1
    assert compare_tool_calls(teacher, call(city="Paris", unit="Celsius", days="1"), TOOLS)[2]  # left out
    # not the default, or no tools given: still a different call
    assert not compare_tool_calls(call(city="Paris", unit="fahrenheit"), teacher, TOOLS)[2]
    assert not compare_tool_calls(call(city="Paris", unit="celsius"), teacher)[2]
    assert not compare_tool_calls(call(city="Paris", hours=1), teacher, TOOLS)[2]  # undeclared argument
    assert not compare_tool_calls(call(unit="celsius"), teacher, TOOLS)[2]  # a required argument missing
    bare = [{"name": "bare", "arguments": {"verbose": False}}]
    assert answers_agree("tool-call", bare, [{"name": "bare", "arguments": {}}], TOOLS)


def test_hostile_tools_are_skipped() -> None:
    hostile = [None, 3, {"name": 5}, {"function": {"name": "x", "parameters": {"properties": {"a": 1}}}}, "t"]
    assert tool_defaults(hostile) == {"x": {}}
    assert tool_defaults("not a list") == {}
    assert not compare_tool_calls(call(city="Paris", unit="celsius"), call(city="Paris"), hostile)[2]


def test_the_gate_and_the_router_score_defaults_alike() -> None:
    contract = {"kind": "tool-call", "tools_per_call": True}
    predictions = [json.dumps(call(city="Oslo", unit="celsius")), json.dumps(call(city="Oslo", unit="fahrenheit"))]
    references = [call(city="Oslo"), call(city="Oslo")]
    scores = score_rows(
        "tool-call", predictions, references, contract=contract, request_tools=[json.dumps(TOOLS), TOOLS]
    )
    assert [s.value for s in scores] == [1.0, 0.0]
    router = Validator(contract)
    slm, llm = Answer(tool_calls=call(city="Oslo", unit="celsius")), Answer(tool_calls=call(city="Oslo"))
    assert router.agree(slm, llm, TOOLS)
    assert not router.agree(Answer(tool_calls=call(city="Oslo", unit="fahrenheit")), llm, TOOLS)
