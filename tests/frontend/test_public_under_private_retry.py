"""A public method that hands its caller's messages to the model (``ask(messages)``) and that only a private retry loop
of its own class calls (``_ask_until_valid``, re-asking with a reminder when the answer is empty): the public method
is the class's calling API and stays a wrapper (its calls in the retry loop are wrapper-calls), rather than being
folded into the private loop. A public helper that one method of its own class calls, where that method is public,
is still folded (its own model call is the site)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

MODEL = """
    from openai import OpenAI


    class Model:
        def __init__(self, name):
            self.name = name
            self.client = OpenAI()

        def complete(self, messages):
            reply = self.client.chat.completions.create(model=self.name, messages=messages)
            return reply.choices[0].message.content
"""

PLANNER = """
    from model import Model


    class Planner:
        def __init__(self, model: Model):
            self.model = model
            self.notes = []

        def ask(self, messages):
            answer = self.model.complete(messages)
            self.notes.append(answer)
            return answer

        def _ask_until_valid(self, messages):
            answer = self.ask(messages)
            if not answer:
                answer = self.ask(messages + [{"role": "user", "content": "Answer with one plan step."}])
            return answer

        def plan(self, goal):
            history = [{"role": "user", "content": goal}]
            return self._ask_until_valid(history)
"""

FOLDED = """
    from model import Model


    class Greeter:
        def __init__(self, model: Model):
            self.model = model

        def hello(self, messages):
            text = self.model.complete(messages)
            return text.strip()

        def greet(self, name):
            return self.hello([{"role": "user", "content": "Say hello to " + name}])
"""

MAIN = """
    from model import Model
    from planner import Planner
    from greeter import Greeter


    def main(goal, name):
        model = Model("small")
        print(Planner(model).plan(goal))
        print(Greeter(model).greet(name))
"""


def _sites(tmp_path: Path) -> set[tuple[str, int, str]]:
    write_tree(tmp_path, {"model.py": MODEL, "planner.py": PLANNER, "greeter.py": FOLDED, "main.py": MAIN})
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}


def test_public_method_under_private_retry_loop_is_the_wrapper(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("planner.py", 10, "wrapper") in sites  # ask
    assert ("planner.py", 11, "wrapper-call") in sites  # ask -> model.complete
    assert ("planner.py", 16, "wrapper-call") in sites  # first ask in the retry loop
    assert ("planner.py", 18, "wrapper-call") in sites  # the re-ask with a reminder


def test_public_helper_under_public_method_stays_folded(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("greeter.py", 9, "wrapper") not in sites  # hello: folded into the one public method calling it
    assert ("greeter.py", 10, "wrapper-call") in sites  # its model call is the site
