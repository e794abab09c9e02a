"""An agent entry that stores its request in the object through a bookkeeping method of its class
(``self.note("user", request)``, whose body files it in a log object the agent holds) before its loop runs an
abstract step that a subclass writes over that log: the request is the prompt the model gets, so the entry forwards
its caller's prompt. A method of a subclass handing its own parameter to that entry forwards it as well, and a
caller holding the object from a factory typed to return that class reaches it."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

AGENT = """
    from abc import ABC, abstractmethod

    import openai


    class Log:
        def __init__(self):
            self.entries = []

        def add_entry(self, entry):
            self.entries.append(entry)


    class Agent(ABC):
        def __init__(self):
            self.log = Log()
            self.client = openai.OpenAI()

        def note(self, role, text):
            self.log.add_entry({"role": role, "content": text})

        def run(self, request):
            self.note("user", request)
            return [self.advance() for _ in range(3)]

        @abstractmethod
        def advance(self):
            ...


    class Chatter(Agent):
        def advance(self):
            out = self.client.chat.completions.create(model="m", messages=self.log.entries)
            return out.choices[0].message.content


    class Gateway(Chatter):
        def serve(self, question, session):
            answer = self.run(question)
            return {"session": session, "answer": answer}
"""

SERVER = """
    from typing import Callable

    from desk.agent import Gateway


    def handle(make_gateway: Callable[[], Gateway], question):
        gateway = make_gateway()
        return gateway.serve(question, "s1")
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_entry_storing_its_request_forwards_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"desk/agent.py": AGENT, "desk/server.py": SERVER})
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites() if str(s.site) == "wrapper"}
    calls = {(s.loc.path, s.loc.line) for s in graph.sites() if str(s.site) != "wrapper"}
    assert ("desk/agent.py", _line(AGENT, "def run(self, request)")) in wrappers
    assert ("desk/agent.py", _line(AGENT, "def serve(")) in wrappers
    assert ("desk/server.py", _line(SERVER, "gateway.serve(")) in calls
