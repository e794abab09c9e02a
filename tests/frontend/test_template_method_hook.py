"""A template method's hook under a public name: ``BaseShaper.shape`` (the entry point every caller uses) runs
``self.do_shape(prompt)``, which the base declares ``@abstractmethod`` and each provider overrides with its request.
Only the base's own entry point calls the hook, handing on what it was handed, so the hook is an internal step of that
entry point, as a private hook of an override family is (``CALLSITES.md`` granularity, bench/corpus/README.md): the
declaration and its overrides are no wrappers and the entry point's call of it is no wrapper-call; the requests in the
overrides stay (transport, ``n/a``). A method an interface declares that a class *deriving* from it calls
(``Agent.think`` under ``BaseAgent.reply``, extended by ``super().think(...)``) is not such a hook and stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

SHAPERS = """
    from abc import ABC, abstractmethod

    from openai import AsyncOpenAI


    class Shaper(ABC):
        @abstractmethod
        async def shape(self, prompt: str) -> str: ...


    class BaseShaper(Shaper):
        async def shape(self, prompt: str) -> str:
            started = 1
            result = await self.do_shape(prompt)
            return result

        @abstractmethod
        async def do_shape(self, prompt: str) -> str: ...


    class RemoteShaper(BaseShaper):
        def __init__(self) -> None:
            self._client = AsyncOpenAI()

        async def do_shape(self, prompt: str) -> str:
            reply = await self._client.chat.completions.create(messages=[{"role": "user", "content": prompt}], model="m")
            return reply.choices[0].message.content


    class LocalShaper(BaseShaper):
        def __init__(self) -> None:
            self._client = AsyncOpenAI(base_url="http://localhost:8000/v1")

        async def do_shape(self, prompt: str) -> str:
            reply = await self._client.chat.completions.create(messages=[{"role": "system", "content": prompt}], model="n")
            return reply.choices[0].message.content


    class Judge:
        def __init__(self, shaper: Shaper) -> None:
            self._shaper = shaper

        async def judge(self, rule: str) -> str:
            return await self._shaper.shape("Answer yes or no: does the rule hold? " + rule)
"""

AGENTS = """
    from abc import ABC, abstractmethod
    from typing import Optional

    from openai import AsyncOpenAI


    class Caller:
        def __init__(self) -> None:
            self._client = AsyncOpenAI()

        async def create(self, messages: list) -> str:
            reply = await self._client.chat.completions.create(messages=messages, model="m")
            return reply.choices[0].message.content


    class Agent(ABC):
        @abstractmethod
        async def reply(self, messages: list) -> str: ...

        @abstractmethod
        async def think(self, messages: list, prompt: Optional[str] = None) -> str: ...


    class BaseAgent(Agent):
        caller: Optional[Caller] = None

        async def reply(self, messages: list) -> str:
            built = [m for m in messages]
            return await self.think(built)

        async def think(self, messages: list, prompt: Optional[str] = None) -> str:
            if prompt:
                messages = [{"role": "system", "content": prompt}] + messages
            return await self.caller.create(messages)


    class SheetAgent(BaseAgent):
        async def think(self, messages: list, prompt: Optional[str] = None) -> str:
            return await super().think(messages, prompt="You read sheets.")


    class Team:
        async def run(self, agent: Agent, task: str) -> str:
            return await agent.reply([{"role": "user", "content": task}])
"""


def test_a_public_hook_only_its_base_entry_point_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shapers.py": SHAPERS})
    found = sites_in(tmp_path, "shapers.py")
    assert not [s for s in found if s[0] == line_of(SHAPERS, "async def do_shape")], found
    assert not [s for s in found if s[1] == "wrapper" and s[0] > line_of(SHAPERS, "class RemoteShaper")], found
    assert (line_of(SHAPERS, "result = await self.do_shape"), "wrapper-call") not in found
    assert (line_of(SHAPERS, 'model="m")'), "request") in found
    assert (line_of(SHAPERS, "return await self._shaper.shape("), "wrapper-call") in found
    assert (line_of(SHAPERS, "started = 1") - 1, "wrapper") in found


def test_an_interface_method_a_derived_class_calls_stays_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agents.py": AGENTS})
    found = sites_in(tmp_path, "agents.py")
    for text in (
        "async def think(self, messages: list, prompt: Optional[str] = None) -> str: ...",
        "return await super().think(",
    ):
        line = line_of(AGENTS, text)
        assert any(s[0] == line for s in found), (text, found)
    assert (line_of(AGENTS, "return await self.think(built)"), "wrapper-call") in found
