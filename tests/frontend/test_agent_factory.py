"""A function declared to return an agent (``def assign(self, task) -> Worker``, where ``Worker`` reaches the model)
hands out an object to run, not the model's answer: no wrapper, and its calls are no wrapper-calls, even when it has
the model write the new agent's instructions on the way (that call stays a site). A function returning the model's
answer (a plain ``str``, or a result record) stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_CREW = """
    from openai import OpenAI

    client = OpenAI()


    def complete(system, user) -> str:
        out = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
        )
        return out.choices[0].message.content


    class Worker:
        def __init__(self, instructions):
            self.instructions = instructions

        def work(self, item) -> str:
            return complete(self.instructions, item)


    class Foreman:
        def __init__(self, style):
            self.style = style

        def assign(self, task) -> Worker:
            notes = complete(self.style, task)
            return Worker(notes)

        def ask(self, question) -> str:
            return complete(self.style, question)
"""

_MAIN = """
    from .crew import Foreman


    def main(task, question):
        boss = Foreman("terse")
        worker = boss.assign(task)
        print(worker.work("first item"), boss.ask(question))
"""


def test_function_returning_an_agent_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"crew/__init__.py": "", "crew/crew.py": _CREW, "crew/main.py": _MAIN})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert ("crew/crew.py", 26) not in found  # assign: hands out a Worker
    assert ("crew/main.py", 7) not in found  # so its call is no wrapper-call
    assert site_at(graph, "crew/crew.py", 27).site == SiteKind.WRAPPER_CALL  # the instructions it has written
    assert site_at(graph, "crew/crew.py", 30).site == SiteKind.WRAPPER  # ask: returns the answer
    assert site_at(graph, "crew/main.py", 8).site == SiteKind.WRAPPER_CALL


# a module function declared to return one of several things, an agent among them (``Union[...]`` / ``A | B``),
# that may also run the agent it built before returning: a factory too; ``-> Union[str, Report]`` is an answer
_BUILDERS = """
    from typing import List, Optional, Union

    from .crew import Worker, complete


    class Report:
        def __init__(self, text):
            self.text = text


    def build(spec: str, run_it: bool = False) -> Union[Worker, List[Worker], str]:
        worker = Worker(spec)
        if run_it:
            return worker.work(spec)
        return worker


    def build_new(spec: str, run_it: bool = False) -> Optional[Worker] | str:
        worker = Worker(spec)
        return worker.work(spec) if run_it else worker


    def summary(spec: str) -> Union[str, Report]:
        return Report(complete("Summarise the spec in one line.", spec))
"""

_BUILD_MAIN = """
    from .builders import build, build_new, summary


    def main(spec):
        print(build(spec, run_it=True), build_new(spec, run_it=True), summary(spec))
"""


def test_function_declared_to_return_an_agent_among_others_is_no_wrapper(tmp_path: Path) -> None:
    files = {"crew/__init__.py": "", "crew/crew.py": _CREW, "crew/builders.py": _BUILDERS, "crew/main.py": _BUILD_MAIN}
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert ("crew/builders.py", line_of(_BUILDERS, "def build(")) not in found
    assert ("crew/builders.py", line_of(_BUILDERS, "def build_new(")) not in found
    assert found.get(("crew/builders.py", line_of(_BUILDERS, "def summary("))) == SiteKind.WRAPPER  # an answer
