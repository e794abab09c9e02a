"""A declared field's default is the object the class is built to use: ``checker: Prompt = field(default_factory=
FactCheck)`` holds a ``FactCheck`` (the declared type is only the base of it), so ``self.checker.ask(...)`` carries
the instruction that subclass declares, and the method writing its task around that prompt object is no wrapper. A
field declared with no default stays its declared type (the base's own call, no instruction of a subclass)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, messages_at, write_tree

PROMPTS = """
    from openai import OpenAI


    class Prompt:
        instruction: str

        def __init__(self):
            self.client = OpenAI()

        def ask(self, data):
            text = self.instruction + "\\n" + str(data)
            reply = self.client.chat.completions.create(model="m-1", messages=[{"role": "user", "content": text}])
            return reply.choices[0].message.content


    class FactCheck(Prompt):
        instruction = "Say 1 when the claim follows from the passage and 0 when it does not; give one digit only."
"""

METRIC = """
    from dataclasses import dataclass, field

    from lib.prompts import FactCheck, Prompt


    @dataclass
    class Support:
        checker: Prompt = field(default_factory=FactCheck)

        def _check(self, claim, passage):
            return self.checker.ask({"claim": claim, "passage": passage})

        def score(self, row):
            return self._check(row["claim"], row["passage"]) + self._check(row["other"], row["passage"])


    @dataclass
    class Bare:
        checker: Prompt

        def run(self, claim):
            return self.checker.ask({"claim": claim})
"""


def test_field_default_factory_is_the_object_the_field_holds(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/prompts.py": PROMPTS, "app/metric.py": METRIC})
    graph = analysed_graph(tmp_path)
    sent = " ".join(
        t for _, t in messages_at(graph, "app/metric.py", line_of(METRIC, 'self.checker.ask({"claim": claim, '))
    )
    assert "Say 1 when the claim follows" in sent
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "app/metric.py"}
    # ``_check`` writes its task around the prompt object's instruction: no wrapper, and ``score``'s calls of it none
    assert (line_of(METRIC, "def _check("), "wrapper") not in found
    assert (line_of(METRIC, "return self._check("), "wrapper-call") not in found
    # no default: the declared base, whose own call carries no subclass's instruction
    bare = " ".join(
        t for _, t in messages_at(graph, "app/metric.py", line_of(METRIC, 'self.checker.ask({"claim": claim})'))
    )
    assert "Say 1 when the claim follows" not in bare
