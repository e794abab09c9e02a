"""``worker = office.assign(kind)`` on an object of unknown type (a parameter nothing annotates), then
``worker.act(task)``: the call of ``assign`` resolves by name to the tree's one method of that name, annotated
``-> Worker``, so ``worker`` is a ``Worker`` and ``worker.act`` reaches every implementation of that interface (the
name ``act`` alone is ambiguous: an unrelated class has a method of that name too)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_FILES = {
    "team/__init__.py": "",
    "team/workers.py": """
        import abc

        import openai


        class Worker(abc.ABC):
            @abc.abstractmethod
            def act(self, task): ...


        class Drafter(Worker):
            def __init__(self):
                self.client = openai.OpenAI()

            def act(self, task):
                out = self.client.chat.completions.create(
                    model="writer", messages=[{"role": "user", "content": task}]
                )
                return out.choices[0].message.content


        class Checker(Worker):
            def __init__(self):
                self.client = openai.OpenAI()

            def act(self, task):
                out = self.client.chat.completions.create(
                    model="critic", messages=[{"role": "user", "content": "Say PASS or FAIL.\\n" + task}]
                )
                return out.choices[0].message.content
    """,
    "team/office.py": """
        from team.workers import Checker, Drafter, Worker


        class Office:
            def __init__(self):
                self.kinds = {"draft": Drafter, "check": Checker}

            def assign(self, kind) -> Worker:
                return self.kinds[kind]()
    """,
    "team/stage.py": """
        class Actor:
            def act(self, line):
                return line.upper()
    """,
    "team/flow.py": """
        from team.stage import Actor
        from team.workers import Worker


        def label(worker: Worker) -> str:
            return type(worker).__name__


        def shout(line):
            return Actor().act(line)


        def review(office, text):
            worker = office.assign("check")
            return worker.act("Review this paragraph:\\n" + text)
    """,
}


def test_result_of_an_untyped_call_takes_the_annotated_return_type(tmp_path: Path) -> None:
    write_tree(tmp_path, _FILES)
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in analysed_graph(tmp_path).sites()}
    assert ("team/flow.py", 16, str(SiteKind.WRAPPER_CALL)) in found, found
