"""Orchestrators that run agents are no calling API of the model. An agent's ``astep`` writes its own prompt (its
template filled with what it is handed, its memory) and sends it through its model; a meeting round, a stage rule or
an environment that hands agents their turn (``agent.astep(plan, notes)``, ``self.members[i].astep(...)``) reaches
the model only by running them: its calls of the agents are the wrapper-calls, the orchestrator itself is no wrapper,
and neither is the interface its kinds implement. Its class name (``DecisionRound``) says what the round settles,
not what each member is asked, so triage does not read a turn by it. A method that hands another object's API a
prompt it was given (``self.model.complete(question)``) still forwards it, and stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site
from tests.frontend.trees import analysed_graph, site_at, write_tree

_MODEL = """
    from abc import ABC, abstractmethod

    from openai import AsyncOpenAI


    class ChatModel(ABC):
        @abstractmethod
        async def complete(self, system: str, turns: list, closing: str = ""):
            ...


    class OpenAIModel(ChatModel):
        async def complete(self, system: str, turns: list, closing: str = ""):
            messages = [{"role": "system", "content": system}, *turns]
            if closing:
                messages.append({"role": "user", "content": closing})
            out = await AsyncOpenAI().chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content
"""

_AGENTS = """
    from abc import ABC, abstractmethod
    from string import Template

    from model import ChatModel


    class TeamAgent(ABC):
        def __init__(self, model: ChatModel, opening: str, closing: str):
            self.model = model
            self.opening = opening
            self.closing = closing
            self.heard = []

        @abstractmethod
        async def astep(self, plan: str, notes: str = "", topic: str = ""):
            ...

        def fill(self, **slots):
            return (
                Template(self.opening).safe_substitute(**slots),
                Template(self.closing).safe_substitute(**slots),
            )


    class DraftAgent(TeamAgent):
        async def astep(self, plan: str, notes: str = "", topic: str = ""):
            first, last = self.fill(plan=plan, notes=notes, topic=topic)
            return await self.model.complete(first, self.heard, last)


    class ReviewAgent(TeamAgent):
        async def astep(self, plan: str, notes: str = "", topic: str = ""):
            first, last = self.fill(plan=plan, notes=notes, topic=topic)
            verdict = await self.model.complete(first, self.heard, last)
            return verdict.startswith("[Agree]"), verdict
"""

_ROUNDS = """
    import asyncio
    from abc import ABC, abstractmethod
    from typing import List

    from agents import TeamAgent


    class Round(ABC):
        @abstractmethod
        async def astep(self, members: List[TeamAgent], topic: str, plan: str = "", notes: str = ""):
            ...


    class DecisionRound(Round):
        async def astep(self, members: List[TeamAgent], topic: str, plan: str = "", notes: str = ""):
            reviews = await asyncio.gather(*[m.astep(plan, notes, topic) for m in members[1:]])
            notes = "\\n".join(text for ok, text in reviews if not ok)
            return await members[0].astep(plan, notes, topic)


    class TakeTurns(Round):
        async def astep(self, members: List[TeamAgent], topic: str, plan: str = "", notes: str = ""):
            for member in members:
                plan = await member.astep(plan, notes, topic)
            return plan


    class Stage:
        def __init__(self, round: Round):
            self.round = round

        async def deliberate(self, topic: str, members: List[TeamAgent], plan: str) -> str:
            return await self.round.astep(members=members, topic=topic, plan=plan)
"""

_ROOM = """
    import asyncio
    from typing import List

    from agents import TeamAgent
    from model import ChatModel
    from rounds import Stage


    class Room:
        members: List[TeamAgent]

        def __init__(self, members: List[TeamAgent], stage: Stage, model: ChatModel):
            self.members = members
            self.stage = stage
            self.model = model

        async def step(self):
            said = await asyncio.gather(*[self.members[i].astep("", "") for i in range(len(self.members))])
            return said

        async def settle(self, topic: str):
            return await self.stage.deliberate(topic, self.members, "")

        async def ask(self, question: str):
            return await self.model.complete("Answer briefly.", [], question)


    def main(room: Room):
        asyncio.run(room.step())
        asyncio.run(room.settle("pick a venue"))
        asyncio.run(room.ask("what time is it?"))
"""


def _sites(tmp_path: Path) -> dict[tuple[str, int], SiteKind]:
    write_tree(tmp_path, {"model.py": _MODEL, "agents.py": _AGENTS, "rounds.py": _ROUNDS, "room.py": _ROOM})
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line): s.site for s in graph.sites()}


def test_agents_and_models_are_the_wrappers(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    wrappers = sorted(k for k, kind in sites.items() if kind == SiteKind.WRAPPER)
    assert wrappers == [
        ("agents.py", 16),  # TeamAgent.astep, the interface the agents implement
        ("agents.py", 27),  # DraftAgent.astep
        ("agents.py", 33),  # ReviewAgent.astep
        ("model.py", 9),  # ChatModel.complete
        ("model.py", 14),  # OpenAIModel.complete
        ("room.py", 25),  # Room.ask hands the model the question it was given
    ]


def test_rounds_and_rooms_call_the_agents(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    for line in (17, 19, 25):  # the members' turns inside the rounds are the prompt sites
        assert sites.get(("rounds.py", line)) == SiteKind.WRAPPER_CALL
    assert sites.get(("room.py", 19)) == SiteKind.WRAPPER_CALL  # the room's members speaking
    assert sites.get(("room.py", 32)) == SiteKind.WRAPPER_CALL  # the question through Room.ask
    # running a round, a stage or the room is no call of a calling API
    assert ("rounds.py", 34) not in sites and ("room.py", 23) not in sites
    assert ("room.py", 30) not in sites and ("room.py", 31) not in sites


def test_a_turn_is_not_read_by_the_orchestrator_name(tmp_path: Path) -> None:
    # ``DecisionRound`` names what the round settles, not what each member it runs is asked: the turn reads as an
    # agent's open step, not as the closed task the class name would suggest
    write_tree(tmp_path, {"model.py": _MODEL, "agents.py": _AGENTS, "rounds.py": _ROUNDS, "room.py": _ROOM})
    graph = analysed_graph(tmp_path)
    multi = multi_task_wrappers(graph)
    for line in (17, 19):
        t = triage_site(graph, site_at(graph, "rounds.py", line), multi)
        assert not any("DecisionRound" in r for r in t.reasons), t
        assert any("an agent loop" in r for r in t.reasons), t
        assert t.verdict == Verdict.OPEN_ENDED, t


_RUNNER = """
    from model import ChatModel


    class ToolAgent:
        def __init__(self, model: ChatModel):
            self.model = model
            self.steps = []

        async def run(self, task: str, reset: bool = True):
            if reset:
                self.steps = []
            self.steps.append({"role": "user", "content": task})
            return await self.model.complete("Solve the task with your tools.", self.steps)


    async def run_and_show(agent: ToolAgent, task: str):
        answer = await agent.run(task, reset=False)
        print(answer)
        return answer
"""

_APP = """
    from runner import ToolAgent, run_and_show


    async def flights(agent: ToolAgent):
        return await run_and_show(agent, "find the cheapest flight to Oslo")


    async def hotels(agent: ToolAgent):
        return await run_and_show(agent, "find a quiet hotel near the station")
"""


def test_handing_an_agent_its_task_forwards_it(tmp_path: Path) -> None:
    # ``agent.run(task)``: the helper hands the agent the request itself, so it is a calling API of its callers
    write_tree(tmp_path, {"model.py": _MODEL, "runner.py": _RUNNER, "app.py": _APP})
    graph = analysed_graph(tmp_path)
    sites = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert sites.get(("runner.py", 17)) == SiteKind.WRAPPER, sites  # run_and_show
    assert sites.get(("app.py", 6)) == SiteKind.WRAPPER_CALL and sites.get(("app.py", 10)) == SiteKind.WRAPPER_CALL
