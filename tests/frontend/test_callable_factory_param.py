"""An object handed a factory typed ``Callable[[], Awaitable[Assistant]]`` (or ``Callable[..., Assistant]``) builds
its agent by calling it: the object it gets is an ``Assistant``, so ``self.assistant.reply(...)`` afterwards is a call
of that class's wrapper. A callable typed to return plain text (a formatter) is no factory of the tree's classes: its
call is no site."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_ASSISTANT = """
    from openai import AsyncOpenAI

    _client = AsyncOpenAI()


    class Assistant:
        async def reply(self, question):
            out = await _client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": question}]
            )
            return out.choices[0].message.content


    class Echo:
        async def reply(self, question):
            return question


    class Critic:
        async def reply(self, draft):
            out = await _client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": f"Point out one flaw in: {draft}"}]
            )
            return out.choices[0].message.content
"""

_SERVER = """
    from typing import Awaitable, Callable

    from .assistant import Assistant


    class Handler:
        def __init__(self, make_assistant: Callable[[], Awaitable[Assistant]], tidy: Callable[[str], str]):
            self.make_assistant = make_assistant
            self.tidy = tidy

        async def handle(self, text):
            self.assistant = await self.make_assistant()
            answer = await self.assistant.reply(text)
            return self.tidy(answer)


    class SyncHandler:
        def __init__(self, make_assistant: Callable[..., Assistant]):
            self.make_assistant = make_assistant

        async def handle(self, text):
            helper = self.make_assistant()
            return await helper.reply(text)
"""


def test_factory_typed_callable_builds_its_class(tmp_path: Path) -> None:
    write_tree(tmp_path, {"svc/__init__.py": "", "svc/assistant.py": _ASSISTANT, "svc/server.py": _SERVER})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    server = "svc/server.py"
    assert found[(server, line_of(_SERVER, "answer = await self.assistant.reply(text)"))] == SiteKind.WRAPPER_CALL
    assert found[(server, line_of(_SERVER, "return await helper.reply(text)"))] == SiteKind.WRAPPER_CALL
    assert (server, line_of(_SERVER, "return self.tidy(answer)")) not in found  # a text formatter, no factory
    assert (
        server,
        line_of(_SERVER, "self.assistant = await self.make_assistant()"),
    ) not in found  # builds, asks nothing
