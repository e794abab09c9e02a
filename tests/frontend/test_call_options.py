"""A wrapper-call's own request options (tools, tool_choice, response_format, limits) reach the call's facts and its
triage: the wrapper forwards them for that call, whatever its request writes for every call."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, wrapper_call_in, write_tree
from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

AGENT = """
    from openai import OpenAI

    client = OpenAI()

    WEATHER_TOOLS = [
        {"type": "function", "function": {"name": "get_forecast", "parameters": {"type": "object", "properties": {}}}},
    ]


    def ask_model(messages, tools=None, tool_choice=None, max_tokens=None, **kwargs):
        return client.chat.completions.create(
            model="gpt-4o", messages=messages, tools=tools, tool_choice=tool_choice, max_tokens=max_tokens, **kwargs
        )


    def forecast_call(city):
        msgs = [{"role": "user", "content": f"Look up the weather for {city}."}]
        return ask_model(msgs, tools=WEATHER_TOOLS, tool_choice="required", max_tokens=12)


    def plain_call(city):
        msgs = [{"role": "user", "content": f"Look up the weather for {city}."}]
        return ask_model(msgs)
"""


def _graph(root: Path) -> AgentGraph:
    write_tree(root, {"agent.py": AGENT})
    return analysed_graph(root)


def test_wrapper_call_options_reach_the_site(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    forced = wrapper_call_in(graph, "forecast_call")
    assert forced.options["tool_choice"] == "required"
    assert forced.options["max_tokens"] == 12
    assert forced.tools == ("get_forecast",)
    plain = wrapper_call_in(graph, "plain_call")
    assert plain.options.get("tool_choice") != "required"
    assert not plain.tools


def test_forced_tool_call_through_a_wrapper_reads_as_argument_filling(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    forced = triage_site(graph, wrapper_call_in(graph, "forecast_call"))
    assert forced.verdict == Verdict.NARROW, forced
    assert any("tool_choice" in r for r in forced.reasons)
    assert any("max_tokens=12" in r for r in forced.reasons)
    plain = triage_site(graph, wrapper_call_in(graph, "plain_call"))
    assert not any("tool_choice" in r or "max_tokens" in r for r in plain.reasons), plain
