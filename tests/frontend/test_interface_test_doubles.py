"""An abstract ``run`` whose implementations reach the model is the interface its wrappers implement, unless most
of its kinds reach none (a generic step). The tests' doubles (a mock agent returning a canned reply) are no kinds of
it: however many the tests define, the interface stays the calling API. Look-alike kept: when most production
implementations reach no model, the interface is still a generic step."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_BASE = """
    from abc import ABC, abstractmethod


    class Agent(ABC):
        @abstractmethod
        def run(self, messages):
            pass


    class Step(ABC):
        @abstractmethod
        def go(self, text):
            pass
"""

_IMPL = """
    from openai import OpenAI

    from .base import Agent, Step

    client = OpenAI()


    class ChatAgent(Agent):
        def run(self, messages):
            return client.chat.completions.create(model="m", messages=messages)


    class Shout(Step):
        def go(self, text):
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])


    class Upper(Step):
        def go(self, text):
            return text.upper()


    class Lower(Step):
        def go(self, text):
            return text.lower()


    def pick(name):
        return {"chat": ChatAgent}[name]()


    def pick_step(name):
        return {"shout": Shout, "upper": Upper, "lower": Lower}[name]()


    def serve(name, messages):
        print(pick_step(name).go("hi"))
        return pick(name).run(messages)
"""

_MOCKS = """
    from pkg.base import Agent


    class EchoAgent(Agent):
        def run(self, messages):
            return messages[-1]


    class EmptyAgent(Agent):
        def run(self, messages):
            return ""


    def test_echo():
        assert EchoAgent().run(["a"]) == "a"
        assert EmptyAgent().run(["a"]) == ""
"""


def test_test_doubles_are_no_kinds_of_an_interface(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/base.py": _BASE, "pkg/impl.py": _IMPL, "tests/test_agents.py": _MOCKS},
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("pkg/impl.py", line_of(_IMPL, "def run"))) == SiteKind.WRAPPER
    assert found.get(("pkg/base.py", line_of(_BASE, "def run"))) == SiteKind.WRAPPER  # two mocks beside one kind
    assert found.get(("pkg/base.py", line_of(_BASE, "def go"))) != SiteKind.WRAPPER  # one kind of three reaches
