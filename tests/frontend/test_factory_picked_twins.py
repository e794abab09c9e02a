"""A call on an object whose class is picked at run time (``crew = self.builders[self.mode](); crew.solve(question)``)
reaches the same-named method of each class it may hold: when one of them is a wrapper, that call is the caller's one
calling API, so every twin that reaches the model is a wrapper too, even one that runs task steps of its own class
(their prompts stay the sites). A twin family none of whose members is a wrapper (each writes its own prompt around
the data: task methods) stays unreported. A callable object's ``__call__`` that hands its prompt to such a wrapper
of its class is a wrapper as well; one that writes a prompt around what it is given is not."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_MODEL = """
    from openai import OpenAI

    _client = OpenAI()


    def chat(prompt):
        reply = _client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        return reply.choices[0].message.content
"""

_SOLVERS = """
    from .model import chat


    class Direct:
        def solve(self, question):
            return chat(question)


    class Debate:
        def __init__(self, rounds=2):
            self.rounds = rounds

        def argue(self, question, notes):
            return chat(f"Argue for one answer to the question below, given the notes.\\n{question}\\n{notes}")

        def settle(self, question, notes):
            return chat(f"Pick the best-supported answer among these arguments.\\n{question}\\n{notes}")

        def solve(self, question):
            notes = ""
            for _ in range(self.rounds):
                notes += self.argue(question, notes)
            return self.settle(question, notes)

        def __call__(self, question):
            return self.solve(question)


    class Brief:
        def shorten(self, text):
            return chat(f"Summarise in one line: {text}")


    class Outline:
        def shorten(self, text):
            return chat(f"Turn into a bullet outline: {text}")

        def __call__(self, text):
            return self.shorten(f"Focus on dates. {text}")
"""

_ROUTER = """
    from .solvers import Brief, Debate, Direct, Outline


    class Router:
        def __init__(self, mode, short):
            self.mode = mode
            self.short = short
            self.builders = {"direct": self._direct, "debate": self._debate}

        def _direct(self):
            return Direct()

        def _debate(self):
            return Debate()

        def pick(self):
            return self.builders[self.mode]()

        def run(self, question):
            crew = self.pick()
            return crew.solve(question)

        def digest(self, text):
            writer = Brief() if self.short else Outline()
            return writer.shorten(text)
"""

_MAIN = """
    from .router import Router


    def main(question, text):
        router = Router("debate", short=True)
        print(router.run(question), router.digest(text))
"""


def _second_line(source: str, text: str) -> int:
    """The 1-based line of the dedented ``source`` that is the second to contain ``text``."""
    hits = [i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line]
    return hits[1]


def _graph(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "team/__init__.py": "from .solvers import Debate, Outline\n",
            "team/model.py": _MODEL,
            "team/solvers.py": _SOLVERS,
            "team/router.py": _ROUTER,
            "team/main.py": _MAIN,
        },
    )
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line): s.site for s in graph.sites()}


def test_twin_of_a_wrapper_is_a_wrapper(tmp_path: Path) -> None:
    found = _graph(tmp_path)
    solvers = "team/solvers.py"
    assert found[(solvers, line_of(_SOLVERS, "def solve(self, question):"))] == SiteKind.WRAPPER  # Direct.solve
    # Debate.solve: the twin the router's call reaches
    assert found[(solvers, _second_line(_SOLVERS, "def solve(self, question):"))] == SiteKind.WRAPPER
    assert found[(solvers, line_of(_SOLVERS, "def __call__(self, question):"))] == SiteKind.WRAPPER
    assert found[(solvers, line_of(_SOLVERS, "return self.solve(question)"))] == SiteKind.WRAPPER_CALL
    # the task steps it runs keep their own prompt sites, and are no wrappers
    assert (solvers, line_of(_SOLVERS, "def argue(")) not in found
    assert found[(solvers, line_of(_SOLVERS, "Argue for one answer"))] == SiteKind.WRAPPER_CALL
    assert found[(solvers, line_of(_SOLVERS, "Pick the best-supported"))] == SiteKind.WRAPPER_CALL


def test_twins_that_write_their_own_prompts_stay_tasks(tmp_path: Path) -> None:
    found = _graph(tmp_path)
    solvers = "team/solvers.py"
    assert (solvers, line_of(_SOLVERS, "def shorten(self, text):")) not in found  # Brief.shorten: a task method
    # Outline.shorten: its twin, a task method too
    assert (solvers, _second_line(_SOLVERS, "def shorten(self, text):")) not in found
    assert (solvers, line_of(_SOLVERS, "def __call__(self, text):")) not in found  # writes a prompt around its input
    assert ("team/router.py", line_of(_ROUTER, "return writer.shorten(text)")) not in found
