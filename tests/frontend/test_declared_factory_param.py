"""A factory handed in as a parameter declared ``Callable[[], Awaitable[Helper]]`` (or ``Callable[..., Helper]``):
calling it gives an object of the declared class, so ``(await self.make())(...)``'s method calls resolve on that
class. A server executor that builds its agent this way and runs it on the user's question makes a wrapper-call of
the agent's ``answer``, which is then other code's way to the model (a wrapper). A ``Callable[[str], str]`` (a plain
text function) stays no site, and so does a call of another class's ``answer`` (the name alone decides nothing).
"""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

HELPER = """
    from openai import AsyncOpenAI

    client = AsyncOpenAI()


    class Helper:
        async def reply(self, messages):
            out = await client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content

        async def answer(self, question, session):
            return await self.reply([{"role": "user", "content": question}])


    class Quiz:
        def answer(self, question, session):
            return session.lookup(question)
"""

SERVER = """
    from typing import Awaitable, Callable

    from helper import Helper


    class Executor:
        def __init__(self, make: Callable[[], Awaitable[Helper]], tidy: Callable[[str], str]):
            self.make = make
            self.tidy = tidy

        async def execute(self, request):
            question = self.tidy(request.text)
            self.agent = await self.make()
            return await self.agent.answer(question, request.session)
"""


def test_a_declared_factory_parameter_builds_its_declared_class(tmp_path: Path) -> None:
    write_tree(tmp_path, {"helper.py": HELPER, "server.py": SERVER})
    graph = analysed_graph(tmp_path)
    server = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "server.py"}
    helper = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "helper.py"}
    assert server.get(15) == "wrapper-call", server  # self.agent.answer(question, ...)
    assert helper.get(12) == "wrapper", helper  # Helper.answer: the executor's way to the model
    assert 13 not in server  # self.tidy(...): a text function, no model
