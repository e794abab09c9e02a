"""Agents share one calling API (``Agent.__call__`` -> ``self.answer(...)``), and a subclass that answers by itself
(a person typing at the console) overrides the hook with a method reaching no model. Awaiting an object built from
that subclass (``person = Person(); await person(msg)``) asks no model, so it is no site; awaiting the model-backed
subclass's object stays a wrapper-call, and so does a call on an object typed only as the base."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

AGENTS = """
    import openai


    class Agent:
        async def answer(self, msg):
            raise NotImplementedError

        async def __call__(self, msg=None):
            return await self.answer(msg)


    class Assistant(Agent):
        def __init__(self):
            self.client = openai.AsyncOpenAI()

        async def answer(self, msg):
            out = await self.client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": msg}]
            )
            return out.choices[0].message.content


    class Person(Agent):
        async def answer(self, msg):
            return input((msg or "") + "\\n> ")
"""

CHAT = """
    import asyncio

    from agents import Agent, Assistant, Person


    async def relay(speaker: Agent, msg):
        return await speaker(msg)


    async def main():
        person, helper = Person(), Assistant()
        msg = None
        while True:
            msg = await person(msg)
            msg = await helper(msg)


    asyncio.run(main())
"""


def test_object_that_answers_by_itself_is_no_site(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agents.py": AGENTS, "chat.py": CHAT})
    found = sites_in(tmp_path, "chat.py")
    call = str(SiteKind.WRAPPER_CALL)
    assert (line_of(CHAT, "msg = await helper(msg)"), call) in found
    assert (line_of(CHAT, "return await speaker(msg)"), call) in found
    assert line_of(CHAT, "msg = await person(msg)") not in {line for line, _ in found}
