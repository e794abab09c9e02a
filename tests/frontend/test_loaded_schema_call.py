"""A wrapper-call handing its wrapper a JSON schema the object loaded from a data file (``json_schema=self.shape``)
names no class whose fields can be read: the call's answer schema stays unknown, so a code writer keeps its own
evidence. The look-alike hands a class of the tree under the same keyword: that class is the answer's schema."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.frontend import analyze_paths
from slmc.ir import AgentGraph, LLMCall, SiteKind

WRITER = """
    import json

    from openai import OpenAI
    from pydantic import BaseModel

    client = OpenAI()


    class Snippet(BaseModel):
        language: str
        body: str


    def ask(messages, json_schema=None):
        reply = client.chat.completions.create(model="m", messages=messages)
        return reply.choices[0].message.content


    class ScriptWriter:
        def __init__(self, settings_path):
            with open(settings_path) as f:
                self.shape = json.loads(f.read())["reply_shape"]

        def write_script(self, goal):
            turns = [{"role": "system", "content": "Write a Python script for the goal."}]
            turns += [{"role": "user", "content": goal}]
            return ask(turns, json_schema=self.shape)

        def write_snippet(self, goal):
            turns = [{"role": "system", "content": "Write a short snippet for the goal."}]
            turns += [{"role": "user", "content": goal}]
            return ask(turns, json_schema=Snippet)
"""


def _graph(root: Path) -> AgentGraph:
    (root / "writer.py").write_text(textwrap.dedent(WRITER), encoding="utf-8")
    graph, diags = analyze_paths([root], root=root)
    assert not [d for d in diags if "internal error" in d.message]
    return graph


def _call_in(graph: AgentGraph, function: str) -> LLMCall:
    found = [s for s in graph.sites() if s.function.endswith(function) and s.site == SiteKind.WRAPPER_CALL]
    assert len(found) == 1, [(s.function, str(s.site)) for s in graph.sites()]
    return found[0]


def test_a_schema_loaded_as_data_is_no_answer_schema(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    assert _call_in(graph, "write_script").output_schema is None
    assert _call_in(graph, "write_snippet").output_schema == "Snippet"
