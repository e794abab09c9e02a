"""What a transport shared by many callers writes for each of them is no evidence about one caller's task; what the
caller hands in is. Agent written for these tests.

- A wrapper-call handing its wrapper no tools (``tools=None`` by keyword or by position) sends none: the request's
  expression for the tools the caller gives (``tool_specs if tool_specs else NOT_GIVEN``) is no offer of tools.
- The sampling temperature a request reached by many callers sets is the transport's choice (like its streaming): it
  does not pull each caller's task towards narrow. A temperature a caller hands in itself still counts."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, wrapper_call_in, write_tree
from slmc.ir import AgentGraph
from slmc.passes.triage import site_evidence

AGENT = """
    from openai import NOT_GIVEN, OpenAI

    client = OpenAI()


    def _specs(tools):
        return [{"type": "function", "function": {"name": t}} for t in tools or []]


    def complete(messages, model, tools, **options):
        tool_specs = _specs(tools)
        settings = {"temperature": 0, **options}
        return client.chat.completions.create(
            model=model, messages=messages, tools=tool_specs if tool_specs else NOT_GIVEN, **settings
        )


    def reply(history, tools):
        return complete(history, "gpt-4o", tools)


    def headline(text):
        msgs = [{"role": "user", "content": f"Summarize the following text in one line: {text}"}]
        return complete(msgs, "gpt-4o", None)


    def keywords(text):
        msgs = [{"role": "user", "content": f"List keywords of the text: {text}"}]
        return complete(msgs, "gpt-4o", tools=[])


    def cold(text):
        msgs = [{"role": "user", "content": f"Give the mood of the text: {text}"}]
        return complete(msgs, "gpt-4o", tools=None, temperature=0.1)
"""


def _graph(root: Path) -> AgentGraph:
    write_tree(root, {"agent.py": AGENT})
    return analysed_graph(root)


def test_tools_handed_as_none_are_no_offer(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    by_position = wrapper_call_in(graph, "headline")
    assert by_position.options.get("tools") is None
    for fn in ("headline", "keywords"):
        reasons = [e.reason for e in site_evidence(graph, wrapper_call_in(graph, fn))]
        assert not any(r.startswith("offers ") for r in reasons), (fn, reasons)
    handed = [e.reason for e in site_evidence(graph, wrapper_call_in(graph, "reply"))]
    assert any(r.startswith("offers ") for r in handed), handed


def test_the_shared_transport_temperature_is_no_evidence(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    for fn in ("headline", "keywords", "reply"):
        reasons = [e.reason for e in site_evidence(graph, wrapper_call_in(graph, fn))]
        assert "temperature=0" not in reasons, (fn, reasons)
    own = [e.reason for e in site_evidence(graph, wrapper_call_in(graph, "cold"))]
    assert "temperature=0.1" in own, own
