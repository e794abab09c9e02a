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


_NOTES = """
    from dataclasses import dataclass
    from typing import Callable

    from openai import OpenAI

    _client = OpenAI()


    @dataclass
    class Note:
        text: str


    def ask_model(notes: list[Note]) -> Note:
        out = _client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": n.text} for n in notes]
        )
        return Note(out.choices[0].message.content)


    def second_look(draft: str, ask: Callable[[list[Note]], Note]) -> str:
        verdict = ask([Note(f"Is this draft sound? {draft}")])
        return verdict.text


    def review(draft: str) -> str:
        return second_look(draft, ask_model)
"""


def test_callable_fed_an_input_is_no_factory(tmp_path: Path) -> None:
    """``Callable[[list[Note]], Note]`` maps an input to a ``Note``: it is a step handed in (here the LLM invoker), not a
    factory of ``Note``, so calling it reaches what was passed."""
    write_tree(tmp_path, {"rev/__init__.py": "", "rev/notes.py": _NOTES})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    path = "rev/notes.py"
    assert found[(path, line_of(_NOTES, 'verdict = ask([Note(f"Is this draft sound? {draft}")])'))] == (
        SiteKind.WRAPPER_CALL
    )
