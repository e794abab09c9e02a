"""A manager method that sends the model a message list whose system message a builder of its own class writes
(``[self.get_system_note(known), Note(role="user", content=task)]``, or the handed messages after it) asks its own
task about the data it is handed: the builder's text is its prompt, so the method is no wrapper and neither is the
public method of its class that hands it the caller's data, nor are their calls wrapper-calls (CALLSITES.md
granularity, task methods). A builder that only wraps its parameter in a message writes nothing: a method sending
that stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, line_of, write_tree

MODEL = """
    from dataclasses import dataclass
    from typing import Any, List, Optional

    from openai import OpenAI


    @dataclass
    class Note:
        role: str
        content: str


    class Model:
        def invoke(self, notes: List[Note]) -> Any:
            raise NotImplementedError

        def respond(self, notes: List[Note], tools: Optional[list] = None) -> str:
            for _ in range(3):
                out = self.invoke(notes)
                if out:
                    return out
            return ""


    class ChatModel(Model):
        def invoke(self, notes: List[Note]) -> Any:
            sent = [{"role": n.role, "content": n.content} for n in notes]
            return OpenAI().chat.completions.create(model="m", messages=sent).choices[0].message.content
"""

KEEPER = """
    from typing import List, Optional

    from kit.model import Model, Note


    class Digester:
        def __init__(self, model: Model):
            self.model = model
            self.custom: Optional[str] = None

        def get_system_note(self, talk: List[Note]) -> Note:
            if self.custom is not None:
                text = self.custom
            else:
                text = (
                    "Read the talk between a person and a helper below and write a short digest of it, "
                    "naming every subject that came up, in at most five sentences.\\n"
                )
            text += "<talk>" + "\\n".join(f"{n.role}: {n.content}" for n in talk) + "</talk>"
            return Note(role="system", content=text)

        def _prepare_notes(self, talk: List[Note]) -> Optional[List[Note]]:
            if not talk:
                return None
            system = self.get_system_note(talk=talk)
            return [system, Note(role="user", content="Give the digest now.")]

        def make_digest(self, talk: List[Note]) -> str:
            notes = self._prepare_notes(talk)
            if notes is None:
                return ""
            return self.model.respond(notes=notes)


    class Keeper:
        def __init__(self, model: Model):
            self.model = model
            self.facts: List[str] = []

        def get_system_note(self, known: List[str]) -> Note:
            lines = [
                "You keep facts about the person. Decide from the latest messages whether a fact must be added, "
                "changed or dropped, and call the matching tool; do nothing when no fact is worth keeping.",
                "<known>",
            ]
            for k in known:
                lines.append(f"Fact: {k}")
            lines.append("</known>")
            return Note(role="system", content="\\n".join(lines))

        def as_note(self, text: str) -> Note:
            return Note(role="user", content=text)

        def update_facts(self, messages: List[Note], known: List[str]) -> str:
            sent = [self.get_system_note(known=known), *messages]
            return self.model.respond(notes=sent, tools=[self.add_fact])

        def run_fact_task(self, task: str, known: List[str]) -> str:
            sent = [self.get_system_note(known), Note(role="user", content=task)]
            return self.model.respond(notes=sent, tools=[self.add_fact])

        def relay_step(self, task: str) -> str:
            sent = [self.as_note(task)]
            return self.model.respond(notes=sent)

        def add_fact(self, fact: str) -> None:
            self.facts.append(fact)

        def remember(self, message: Optional[str] = None, messages: Optional[List[Note]] = None) -> str:
            if message:
                messages = [Note(role="user", content=message)]
            return self.update_facts(messages=messages or [], known=self.facts)

        def apply_task(self, task: str) -> str:
            return self.run_fact_task(task=task, known=self.facts)

        def relay(self, task: str) -> str:
            return self.relay_step(task=task)
"""

AGENT = """
    from kit.keeper import Digester, Keeper
    from kit.model import ChatModel, Note


    class Agent:
        def __init__(self):
            self.model = ChatModel()
            self.keeper = Keeper(self.model)
            self.digester = Digester(self.model)
            self.talk = []

        def run(self, message: str) -> str:
            out = self.model.respond(notes=[Note(role="user", content=message)])
            self.keeper.remember(message=message)
            self.digester.make_digest(self.talk)
            return out

        def close(self) -> str:
            return self.digester.make_digest(self.talk)

        def chore(self, what: str) -> str:
            return self.keeper.apply_task(task=what)

        def pass_on(self, what: str) -> str:
            return self.keeper.relay(task=what)


    def main() -> None:
        agent = Agent()
        print(agent.run("hello"))
        print(agent.chore("forget my address"))
        print(agent.pass_on("say hi"))
        print(agent.digester.make_digest([Note(role="user", content="hi")]))
"""


def _kinds(tmp_path: Path) -> dict[str, set[tuple[int, str]]]:
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/model.py": MODEL, "kit/keeper.py": KEEPER, "kit/agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    out: dict[str, set[tuple[int, str]]] = {}
    for s in graph.sites():
        out.setdefault(s.loc.path, set()).add((s.loc.line, str(s.site)))
    return out


def test_methods_sending_a_builder_written_system_note_are_no_wrappers(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path)
    keeper, agent = kinds["kit/keeper.py"], kinds["kit/agent.py"]
    for name in ("def run_fact_task", "def apply_task", "def update_facts", "def remember", "def make_digest"):
        assert (line_of(KEEPER, name), "wrapper") not in keeper
    assert (line_of(AGENT, "def chore"), "wrapper") not in agent
    for call in (
        "self.keeper.apply_task(",
        "agent.chore(",
        "self.digester.make_digest(",
        "agent.digester.make_digest(",
    ):
        assert not any(line == line_of(AGENT, call) for line, _ in agent)
    # the prompt sites stay: the calls of the model's calling API inside the task methods
    for call in (
        "return self.model.respond(notes=sent, tools=[self.add_fact])",
        "return self.model.respond(notes=notes)",
    ):
        assert (line_of(KEEPER, call), str(SiteKind.WRAPPER_CALL)) in keeper


def test_a_builder_writing_no_text_leaves_the_prompt_the_callers(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path)
    keeper, agent = kinds["kit/keeper.py"], kinds["kit/agent.py"]
    assert (line_of(KEEPER, "def relay("), "wrapper") in keeper
    assert (line_of(AGENT, "def pass_on"), "wrapper") in agent
    assert (line_of(AGENT, "def run"), "wrapper") in agent
