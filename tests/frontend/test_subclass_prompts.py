"""A subclass that overrides only the prompt a base-class method reads through ``self`` (a class-level template):
its call of that base method (``super().step(...)``, ``self.step(...)``) sends the subclass's own prompt, not the
base's text. Small synthetic trees."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.ir import AgentGraph

from .trees import analysed_graph as _graph
from .trees import site_at as _site
from .trees import write_tree as _write

WORKER = """
    from abc import ABC, abstractmethod

    from openai import OpenAI


    class Agent(ABC):
        def __init__(self):
            self.client = OpenAI()

        def run(self, messages, lang="en"):
            return self._run(messages, lang=lang)

        def send(self, messages):
            out = self.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content

        @abstractmethod
        def _run(self, messages, lang="en"): ...


    class Worker(Agent):
        TEMPLATE = {
            "en": "Rewrite the user's sentence in plain English, keeping its meaning.",
            "de": "Schreibe den Satz in einfachem Deutsch um.",
        }

        def _run(self, messages, lang="en"):
            messages = [{"role": "system", "content": self.TEMPLATE[lang]}, *messages]
            return self.send(messages)
"""

GRADER = """
    from pkg.worker import Worker


    class Grader(Worker):
        TEMPLATE = {
            "en": "Grade the user's essay from 1 to 5 and answer with only the number.",
            "de": "Bewerte den Aufsatz von 1 bis 5, nur die Zahl.",
        }

        def _run(self, messages, lang="en"):
            answer = super()._run(messages, lang=lang)
            return int(answer.strip())


    class Shouter(Worker):
        def _run(self, messages, lang="en"):
            return super()._run(messages, lang=lang).upper()
"""

APP = """
    from pkg.grader import Grader, Shouter
    from pkg.worker import Worker


    def plain(text):
        return Worker().run([{"role": "user", "content": text}])


    def raw(question):
        return Worker().send([{"role": "user", "content": question}])


    def grade(essay):
        return Grader().run([{"role": "user", "content": essay}])


    def loud(text):
        return Shouter().run([{"role": "user", "content": text}])
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in ln)


def _text(graph: AgentGraph, path: str, line: int) -> str:
    site = _site(graph, path, line)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    return " ".join(m.static_text() for m in prompt.messages)


def test_super_call_reads_the_subclass_template(tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "", "pkg/worker.py": WORKER, "pkg/grader.py": GRADER, "pkg/app.py": APP})
    graph = _graph(tmp_path)
    graded = _text(graph, "pkg/grader.py", _line(GRADER, "answer = super()._run(messages"))
    assert "Grade the user" in graded and "Rewrite the user" not in graded


def test_reading_one_subclass_leaves_the_others_alone(tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "", "pkg/worker.py": WORKER, "pkg/grader.py": GRADER, "pkg/app.py": APP})
    graph = _graph(tmp_path)
    # the subclass that overrides nothing does not pick up the other subclass's template, nor does the base
    shouted = _text(graph, "pkg/grader.py", _line(GRADER, "super()._run(messages, lang=lang).upper()"))
    assert "Grade the user" not in shouted
    base = _text(graph, "pkg/worker.py", _line(WORKER, "return self.send(messages)"))
    assert "Rewrite the user" in base and "Grade the user" not in base
