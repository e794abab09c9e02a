"""A caller that adds what it was handed to the memory object its agent holds (``self.memory.add(msg)``), then runs
a step that takes no prompt but reads that memory back (``self._think()`` sending ``self.memory.get()``), hands its
prompt on through the object: the step forwards it, and a subclass's call of it is a wrapper-call. A set the object
holds (``self.seen.add(msg)``) is no memory: the step stays silent."""

from __future__ import annotations

import textwrap
from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

AGENT = """
    from openai import OpenAI


    class Memory:
        def __init__(self):
            self.items = []

        def add(self, msg):
            self.items.append(msg)

        def get(self):
            return list(self.items)


    class Agent:
        def __init__(self, system):
            self.client = OpenAI()
            self.system = system
            self.memory = Memory()

        def reply(self, msg):
            self.memory.add(msg)
            return self._think()

        def _think(self):
            messages = [{"role": "system", "content": self.system}, *self.memory.get()]
            out = self.client.chat.completions.create(model="m-1", messages=messages)
            return out.choices[0].message.content


    class Researcher(Agent):
        def reply(self, msg):
            self.memory.add({"role": "user", "content": "Plan the next search for: " + str(msg)})
            return self._think()
"""

SEEN = """
    from openai import OpenAI


    class Agent:
        def __init__(self, system):
            self.client = OpenAI()
            self.system = system
            self.seen = set()
            self.notes = []

        def reply(self, msg):
            self.seen.add(msg)
            return self._think()

        def _think(self):
            messages = [{"role": "system", "content": self.system}, *self.notes, *sorted(self.seen)]
            out = self.client.chat.completions.create(model="m-1", messages=messages)
            return out.choices[0].message.content


    class Researcher(Agent):
        def reply(self, msg):
            self.seen.add(msg)
            return self._think()
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_step_reading_the_memory_its_callers_fill_forwards_their_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": AGENT})
    kinds = _kinds(analysed_graph(tmp_path), "agent.py")
    assert kinds.get(line_of(AGENT, "def _think(")) == "wrapper"
    calls = [n for n, line in enumerate(textwrap.dedent(AGENT).splitlines(), 1) if "return self._think()" in line]
    assert len(calls) == 2
    assert all(kinds.get(n) == "wrapper-call" for n in calls)  # the agent's own reply and the subclass's


def test_a_set_the_object_holds_is_no_memory(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": SEEN})
    kinds = _kinds(analysed_graph(tmp_path), "agent.py")
    assert kinds.get(line_of(SEEN, "def _think(")) != "wrapper"
