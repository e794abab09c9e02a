"""An agent often registers its own private methods as tool functions
(``Tool(name="lookup", function=self._lookup)``): the tool runner calls them by the tool's name when the model asks,
so a private method that hands the query it is given on to a model is a calling API all the same, whether or not its
own class also calls it. The look-alike is a private method handed to a helper of the class (``self._retry(
self._send, prompt)``): that is a step of the method that hands it over, not a registration."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_AGENT = """
    from openai import OpenAI

    client = OpenAI()


    class Tool:
        def __init__(self, name, function):
            self.name = name
            self.function = function


    class Researcher:
        def __init__(self):
            self.tools = [Tool(name="lookup", function=self._lookup)]

        def _lookup(self, query):
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": query}])

        def review(self, notes):
            return self._lookup("Review these notes: " + notes)

        def ask(self, prompt):
            return self._retry(self._send, prompt)

        def _retry(self, fn, prompt):
            for _ in range(3):
                try:
                    return fn(prompt)
                except Exception:
                    continue
            return None

        def _send(self, prompt):
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])


    def main():
        r = Researcher()
        print(r.review("a b c"))
        return r.ask("why")
"""


def test_private_method_registered_as_a_tool_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/agent.py": _AGENT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("pkg/agent.py", line_of(_AGENT, "def _lookup"))) == SiteKind.WRAPPER
    assert found.get(("pkg/agent.py", line_of(_AGENT, 'self._lookup("Review'))) == SiteKind.WRAPPER_CALL
    # the look-alike: handed to a retry helper of its class, a step of ``ask``
    assert found.get(("pkg/agent.py", line_of(_AGENT, "def _send"))) != SiteKind.WRAPPER
