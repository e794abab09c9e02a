"""A no-argument hook that a class's own send step calls on itself (``self.after_answer()``), with an empty body in the
base and an override in a subclass that starts a second model turn from the instance's state: the hook takes nothing
from its caller, so no prompt can pass through it. It is not a wrapper interface, the send step's call of it is no
wrapper-call, and the override is not a wrapper; the base's send step stays the wrapper it is. The same hook taking the
reply as an argument still forms a wrapper interface."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

SESSION = """
    import openai


    class Session:
        def __init__(self):
            self.client = openai.OpenAI()
            self.last = ""

        def ask(self, question):
            out = self.client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": question}]
            )
            self.last = out.choices[0].message.content
            self.after_answer()
            return self.last

        def after_answer(self):
            pass


    class ReviewSession(Session):
        def after_answer(self):
            if self.last:
                self.helper = Session()
                self.helper.ask(self.last)


    def main():
        print(ReviewSession().ask("Plan a trip to the coast."))
"""


def _lines(graph, kind: str) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) == kind}


def test_no_argument_hook_from_own_send_step_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat/session.py": SESSION})
    graph = analysed_graph(tmp_path)
    wrappers = _lines(graph, "wrapper")
    assert 10 in wrappers  # Session.ask forwards its caller's question
    assert 18 not in wrappers  # Session.after_answer: empty hook, nothing handed to it
    assert 23 not in wrappers  # ReviewSession.after_answer: its prompt is the instance's own state
    assert 15 not in _lines(graph, "wrapper-call")  # ask -> self.after_answer()


def test_hook_taking_the_text_stays_an_interface(tmp_path: Path) -> None:
    tree = (
        SESSION.replace("self.after_answer()", "self.after_answer(self.last)")
        .replace("def after_answer(self):", "def after_answer(self, text):")
        .replace("if self.last:", "if text:")
        .replace("self.helper.ask(self.last)", "self.helper.ask(text)")
    )
    write_tree(tmp_path, {"chat/session.py": tree})
    graph = analysed_graph(tmp_path)
    wrappers = _lines(graph, "wrapper")
    assert {10, 18, 23}.issubset(wrappers)
    assert 15 in _lines(graph, "wrapper-call")
