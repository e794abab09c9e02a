"""A function declared to return an agent (``def assign(self, task) -> Worker``, where ``Worker`` reaches the model)
hands out an object to run, not the model's answer: no wrapper, and its calls are no wrapper-calls, even when it has
the model write the new agent's instructions on the way (that call stays a site). A function returning the model's
answer (a plain ``str``, or a result record) stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

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
