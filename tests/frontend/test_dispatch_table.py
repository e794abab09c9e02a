"""A dispatch table of bound methods: an object lists its responders as ``(key, self.method)`` pairs (a method
returning the list, ``dict(...)`` over it, or a dict literal, kept in an attribute, annotated or not), and a runner
calls whichever entry a run-time key picks (``handler = self.table[who]; handler(msg)``, ``self.direct[who](msg)``).
Such a call reaches every entry, so it is a wrapper-call of the one that sends a model request, even when the first
entry is a plain local step. A direct call of a local step by its own name stays no site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

DESK = """
    from typing import Callable, Dict

    from openai import OpenAI


    class Who:
        TOOL = "tool"
        MODEL = "model"
        PERSON = "person"


    class Desk:
        def __init__(self):
            self.api = OpenAI()

        def run_tool(self, note):
            return note.upper()

        def ask_model(self, note):
            reply = self.api.chat.completions.create(model="m", messages=[{"role": "user", "content": note}])
            return reply.choices[0].message.content

        def ask_person(self, note):
            return input(note)

        def handlers(self):
            return [(Who.TOOL, self.run_tool), (Who.MODEL, self.ask_model), (Who.PERSON, self.ask_person)]


    class Loop:
        def __init__(self, desk: Desk):
            self.desk = desk
            pairs = desk.handlers()
            self.table: Dict[str, Callable] = dict(pairs)
            self.short = {"tool": desk.run_tool, "model": desk.ask_model}

        def one(self, who, note):
            handler = self.table[who]
            return handler(note)

        def quick(self, who, note):
            return self.short[who](note)

        def local(self, note):
            return self.desk.run_tool(note)
"""


def test_call_through_a_table_of_bound_methods_reaches_the_model_entry(tmp_path: Path) -> None:
    write_tree(tmp_path, {"desk.py": DESK})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "desk.py"}
    assert str(found[21].site) == "request"
    assert str(found[20].site) == "wrapper"  # ask_model
    for line in (40, 43):  # handler(note), self.short[who](note)
        assert line in found, sorted(found)
        assert str(found[line].site) == "wrapper-call"
        assert found[line].target == found[20].id
    assert 46 not in found  # run_tool called by its own name: a local step
