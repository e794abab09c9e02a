"""A request written with an empty prompt (``ollama.chat(model=name, messages=[])``) only loads or wakes the model:
nothing a caller hands reaches it, so the method around it is no calling API and its callers make no model call;
the request itself stays a site, triaged narrow when its answer is dropped. A request whose message list is built
before the call (``msgs = []`` then appended to) is no such ping."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import triage_site
from tests.frontend.trees import analysed_graph, line_of, write_tree

PROVIDER = """
    import abc

    import ollama
    from openai import OpenAI


    class Engine(abc.ABC):
        @abc.abstractmethod
        def prepare(self): ...

        @abc.abstractmethod
        def ask(self, messages): ...


    class Local(Engine):
        def __init__(self, name):
            self.name = name

        def prepare(self):
            try:
                self.load_model()
            except TimeoutError:
                print("the local server does not answer")

        def load_model(self):
            ollama.chat(model=self.name, messages=[])

        def ask(self, messages):
            reply = ollama.chat(model=self.name, messages=messages)
            return reply["message"]["content"]

        def chat_once(self, text):
            msgs = []
            msgs.append({"role": "user", "content": text})
            reply = ollama.chat(model=self.name, messages=msgs)
            return reply["message"]["content"]


    class Remote(Engine):
        def __init__(self):
            self.client = None

        def prepare(self):
            self.client = OpenAI()

        def ask(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o", messages=messages)
            return out.choices[0].message.content


    HUB = {"local": Local("llama3"), "remote": Remote()}
    ENGINE: Engine


    def select(kind):
        global ENGINE
        ENGINE = HUB[kind]
        ENGINE.prepare()
"""

MAIN = """
    from bot import provider


    def main(question, kind):
        provider.select(kind)
        provider.ENGINE.prepare()
        print(provider.HUB["local"].chat_once(question))
        return provider.ENGINE.ask([{"role": "user", "content": question}])
"""


def _graph(tmp_path: Path):
    write_tree(tmp_path, {"bot/__init__.py": "", "bot/provider.py": PROVIDER, "bot/main.py": MAIN})
    return analysed_graph(tmp_path)


def test_a_method_around_an_empty_ping_is_no_calling_api(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    wrappers = {s.function for s in graph.sites(SiteKind.WRAPPER)}
    assert {"Engine.ask", "Local.ask", "Local.chat_once"} <= wrappers
    assert not {"Engine.prepare", "Local.prepare", "Local.load_model"} & wrappers
    calls = {s.loc.line for s in graph.sites() if s.loc.path == "bot/main.py"}
    assert line_of(MAIN, "ENGINE.prepare()") not in calls
    assert line_of(MAIN, "ENGINE.ask(") in calls


def test_the_ping_stays_a_request_triaged_narrow(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    line = line_of(PROVIDER, "messages=[])")
    ping = [s for s in graph.sites(SiteKind.REQUEST) if s.loc.path == "bot/provider.py" and s.loc.line == line]
    assert ping
    assert triage_site(graph, ping[0]).verdict == Verdict.NARROW, triage_site(graph, ping[0])
