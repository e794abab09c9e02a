"""A task interface: a bodiless method (``Checker.check(report)``) whose implementations each write the prompt they
send around the data they are handed is a task the caller asks for, not a calling API, even when

- an implementation writes its prompt in a private step of its own (``self._verdict(task=report)``, the step taking
  a ``task: Report`` object of the tree, which is data and no request text),
- an implementation sends a follow-up built from the model's earlier answer (``"Explain ..." + first``),
- a composite implementation runs the interface again on its parts (``p.check(report, notes)``).

Neither the interface nor its implementations are wrappers, and their calls of the model API stay wrapper-calls.
The look-alike: one more implementation sending what its caller handed it (``LLM().ask(notes)``) makes the
interface a calling API again."""

from __future__ import annotations

import textwrap
from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

TREE = """
    from abc import ABC, abstractmethod

    from openai import OpenAI


    class LLM:
        def __init__(self):
            self.client = OpenAI()

        def ask(self, user, system="You are helpful."):
            msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            out = self.client.chat.completions.create(model="m-1", messages=msgs)
            return out.choices[0].message.content


    class Report:
        def __init__(self, code, log):
            self.code = code
            self.log = log


    class Checker(ABC):
        @abstractmethod
        def check(self, report: Report, notes: str = "") -> str:
            raise NotImplementedError


    class StyleChecker(Checker):
        def check(self, report: Report, notes: str = "") -> str:
            prompt = "Review the style of this code and answer PASS or FAIL with one reason.\\n" + report.code
            return LLM().ask(prompt)


    class LogChecker(Checker):
        def check(self, report: Report, notes: str = "") -> str:
            first = self._verdict(task=report)
            if "FAIL" in first:
                return LLM().ask("Explain in two short sentences, for the engineer on call, why it failed:\\n" + first)
            return first

        def _verdict(self, task: Report) -> str:
            return LLM().ask(
                "Read this run log of the nightly build and say PASS or FAIL on the first line, then why.\\n" + task.log
            )


    class AllChecks(Checker):
        def __init__(self, parts: list[Checker]):
            self.parts = parts

        def check(self, report: Report, notes: str = "") -> str:
            return "\\n".join(p.check(report, notes) for p in self.parts)


    def review(checker: Checker, code: str, log: str) -> str:
        return checker.check(Report(code, log))
"""

FORWARDING = (
    TREE
    + """

    class NotesChecker(Checker):
        def check(self, report: Report, notes: str = "") -> str:
            return LLM().ask(notes)
"""
)


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def _lines(source: str, text: str) -> list[int]:
    return [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line]


def test_implementations_writing_their_prompts_make_a_task_interface(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": TREE})
    kinds = _kinds(analysed_graph(tmp_path), "agent.py")
    assert kinds.get(line_of(TREE, "def ask(")) == "wrapper"
    checks = _lines(TREE, "def check(")
    assert len(checks) == 4
    assert [kinds.get(n) for n in checks] == [None] * 4  # the interface, two implementations, the composite
    assert kinds.get(line_of(TREE, "def _verdict(")) is None
    assert kinds.get(line_of(TREE, "return LLM().ask(prompt)")) == "wrapper-call"
    assert kinds.get(line_of(TREE, "why it failed")) == "wrapper-call"
    assert kinds.get(line_of(TREE, "Read this run log") - 1) == "wrapper-call"  # in the private step
    assert kinds.get(line_of(TREE, "p.check(report, notes)")) is None
    assert kinds.get(line_of(TREE, "return checker.check(")) is None


def test_an_implementation_forwarding_its_callers_text_keeps_the_api(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": FORWARDING})
    kinds = _kinds(analysed_graph(tmp_path), "agent.py")
    assert kinds.get(_lines(FORWARDING, "def check(")[0]) == "wrapper"
    assert kinds.get(line_of(FORWARDING, "return LLM().ask(notes)")) == "wrapper-call"
    assert kinds.get(line_of(FORWARDING, "return checker.check(")) == "wrapper-call"
