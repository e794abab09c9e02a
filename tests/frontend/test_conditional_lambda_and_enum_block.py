"""Two shapes that made a rule crash on a real tree (DB-GPT: nine internal errors, whole phases of call
classification, wrapper discovery and consumers lost): a lambda whose body is a conditional expression
(``lambda msgs: send(msgs) if strict else send(msgs[:1])``; the ``a if c else b`` has a ``body`` of its own, which is
no statement list) and an ``Enum`` class of the tree whose body holds a compound statement (an ``if`` block among the
members) looked up with a model's answer. Both failed before with an internal error; the lambda's model call is now
followed like any other callable attribute."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, write_tree

LAMBDA = """
    from openai import OpenAI

    client = OpenAI()


    def send(messages):
        return client.chat.completions.create(model="m", messages=messages)


    class Bot:
        def __init__(self, strict=False):
            self.post = lambda msgs: send(msgs) if strict else send(msgs[:1])

        def reply(self, text):
            return self.post([{"role": "user", "content": "Say yes or no: " + text}])
"""

ENUM = """
    from enum import Enum

    from openai import OpenAI

    client = OpenAI()


    class Verdict(Enum):
        YES = "yes"
        NO = "no"
        if True:
            UNSURE = "unsure"


    def judge(text):
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Answer yes or no: " + text}]
        )
        return Verdict(reply.choices[0].message.content)
"""


def test_a_lambda_with_a_conditional_body(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bot.py": LAMBDA})
    graph = analysed_graph(tmp_path)
    lines = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "bot.py"}
    assert (line_of(LAMBDA, "return self.post("), "wrapper-call") in lines, lines


def test_an_enum_class_with_a_block_in_its_body(tmp_path: Path) -> None:
    write_tree(tmp_path, {"judge.py": ENUM})
    graph = analysed_graph(tmp_path)
    lines = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "judge.py"}
    assert (line_of(ENUM, "reply = client.chat"), "request") in lines, lines
