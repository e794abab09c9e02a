"""A call through a ``typing.Protocol`` type (``self.sink.put(...)`` where ``sink: Sink``) reaches every class of the
tree that defines the protocol's methods, whatever order the modules are read in (the protocol's module may be loaded
after the classes that meet it). When only one of three or more such implementations reaches a model (a ledger whose
``put`` also writes a model summary on the side), the call is no model call: the data picks that implementation, so
the method making the call is no wrapper. The look-alike: a protocol most of whose implementations ask a model keeps
its call site and its caller stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

LEDGER = """
    from openai import OpenAI

    client = OpenAI()


    class Ledger:
        def __init__(self):
            self.rows = []

        def put(self, owner, text):
            self.rows.append((owner, text))
            if len(self.rows) % 10 == 0:
                self._digest(owner)

        def get(self, owner):
            return [t for o, t in self.rows if o == owner]

        def _digest(self, owner):
            joined = "\\n".join(self.get(owner))
            out = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Sum up:\\n" + joined}]
            )
            self.rows.append((owner, out.choices[0].message.content))
"""

DISKS = """
    import json


    class FileSink:
        def put(self, owner, text):
            with open(owner + ".log", "a") as fh:
                fh.write(text)

        def get(self, owner):
            with open(owner + ".log") as fh:
                return fh.read().splitlines()


    class JsonSink:
        def put(self, owner, text):
            with open(owner + ".json", "a") as fh:
                fh.write(json.dumps(text))

        def get(self, owner):
            with open(owner + ".json") as fh:
                return [json.loads(x) for x in fh]


    class NullSink:
        def put(self, owner, text):
            return None

        def get(self, owner):
            return []
"""

PRUNER = """
    from app.sink import Sink


    class Pruner:
        def __init__(self, sink: Sink):
            self.sink = sink

        def prune(self, owner):
            kept = self.sink.get(owner)[-5:]
            for text in kept:
                self.sink.put(owner, text)
            return len(kept)
"""

SINK = """
    from typing import Protocol


    class Sink(Protocol):
        def put(self, owner, text): ...

        def get(self, owner): ...
"""

MAIN = """
    from app.ledger import Ledger
    from app.disks import FileSink, JsonSink, NullSink
    from app.pruner import Pruner


    def main(kind):
        sink = {"ledger": Ledger, "file": FileSink, "json": JsonSink, "null": NullSink}[kind]()
        return Pruner(sink).prune("me")


    if __name__ == "__main__":
        main("file")
"""

SOLVERS = """
    from typing import Protocol

    import anthropic
    from openai import OpenAI


    class Solver(Protocol):
        def solve(self, task): ...


    class GptSolver:
        def solve(self, task):
            out = OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": task}])
            return out.choices[0].message.content


    class ClaudeSolver:
        def solve(self, task):
            out = anthropic.Anthropic().messages.create(
                model="claude-3-5-haiku-latest", max_tokens=500, messages=[{"role": "user", "content": task}]
            )
            return out.content[0].text


    class EchoSolver:
        def solve(self, task):
            return task


    class Desk:
        def __init__(self, solver: Solver):
            self.solver = solver

        def handle(self, task):
            return self.solver.solve(task)


    def serve(desk: Desk, task):
        return desk.handle(task)
"""


def test_protocol_with_one_model_reaching_implementation_is_no_model_call(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": MAIN,
            "app/ledger.py": LEDGER,
            "app/disks.py": DISKS,
            "app/pruner.py": PRUNER,
            "app/sink.py": SINK,
        },
    )
    assert sites_in(tmp_path, "app/pruner.py") == set()
    assert sites_in(tmp_path, "app/main.py") == set()
    assert (line_of(LEDGER, "client.chat.completions.create("), "request") in sites_in(tmp_path, "app/ledger.py")


def test_protocol_whose_implementations_mostly_reach_a_model_keeps_its_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/solvers.py": SOLVERS})
    found = sites_in(tmp_path, "app/solvers.py")
    assert (line_of(SOLVERS, "return self.solver.solve(task)"), "wrapper-call") in found
    assert (line_of(SOLVERS, "def handle(self, task)"), "wrapper") in found
