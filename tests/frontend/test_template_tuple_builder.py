"""A tuple unpacked from a builder of the method's own class that fills templates the object holds
(``head, tail = self.fill(task_description=task_description, draft=draft)`` returning
``Template(self.opening).safe_substitute(**slots)`` and the like): the builder writes the prompt (the object's
template text) and what the method is handed fills its slots, even when a slot is named like a prompt (``task_...``,
``query``). The method is the agent's step, and code handing it data (an orchestrating round) runs an agent: the round
is no wrapper and its call of the agent is the prompt site. Look-alike kept: a builder putting what it is handed into
the messages as it is (``messages, first = self._compose(question)``) still forwards the caller's prompt, so the
method above it stays a wrapper and so does the method of another class handing it its question."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree

_MODEL = """
    from openai import AsyncOpenAI


    class ChatModel:
        async def complete(self, head: str, turns: list, tail: str = ""):
            messages = [{"role": "system", "content": head}, *turns]
            if tail:
                messages.append({"role": "user", "content": tail})
            out = await AsyncOpenAI().chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content
"""

_AGENTS = """
    from abc import ABC, abstractmethod
    from string import Template

    from model import ChatModel


    class Member(ABC):
        def __init__(self, model: ChatModel, opening: str, closing: str):
            self.model = model
            self.opening = opening
            self.closing = closing
            self.heard = []

        def fill(self, **slots):
            return (
                Template(self.opening).safe_substitute(**slots),
                Template(self.closing).safe_substitute(**slots),
            )

        @abstractmethod
        async def astep(self, task_description: str, draft: str = ""):
            ...


    class Worker(Member):
        async def astep(self, task_description: str, draft: str = ""):
            head, tail = self.fill(task_description=task_description, draft=draft)
            return await self.model.complete(head, self.heard, tail)


    class Critic(Member):
        async def astep(self, task_description: str, draft: str = ""):
            head, tail = self.fill(task_description=task_description, draft=draft)
            verdict = await self.model.complete(head, self.heard, tail)
            return verdict.startswith("[Agree]"), verdict


    class Asker:
        def __init__(self, model: ChatModel):
            self.model = model

        def _compose(self, question: str):
            return [{"role": "user", "content": question}], question

        async def ask(self, question: str):
            turns, first = self._compose(question)
            return await self.model.complete("Be brief.", turns)
"""

_ROUND = """
    from agents import Asker, Member


    class Round:
        async def run(self, worker: Member, task_description: str, draft: str):
            return await worker.astep(task_description, draft)


    class Desk:
        def __init__(self, asker: Asker):
            self.asker = asker

        async def answer(self, question: str):
            return await self.asker.ask(question)


    async def main(worker: Member, asker: Asker):
        await Round().run(worker, "plan a trip", "")
        await Desk(asker).answer("what time is it?")
"""


def _sites(tmp_path: Path) -> dict[tuple[str, int], SiteKind]:
    write_tree(tmp_path, {"model.py": _MODEL, "agents.py": _AGENTS, "rounds.py": _ROUND})
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line): s.site for s in graph.sites()}


def test_round_handing_slot_data_to_an_agent_is_no_wrapper(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert sites.get(("agents.py", 27)) == SiteKind.WRAPPER, sites  # Worker.astep: the agent step
    assert ("rounds.py", 6) not in sites, sites  # Round.run: runs an agent, no calling API
    assert sites.get(("rounds.py", 7)) == SiteKind.WRAPPER_CALL, sites  # the agent's turn: the prompt site
    assert ("rounds.py", 19) not in sites, sites  # running the round is no wrapper-call


def test_builder_keeping_the_prompt_still_forwards(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert sites.get(("agents.py", 46)) == SiteKind.WRAPPER, sites  # Asker.ask forwards its question
    assert sites.get(("rounds.py", 14)) == SiteKind.WRAPPER, sites  # Desk.answer hands the question on
