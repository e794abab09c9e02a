"""A memory that summarises through a model as it stores or reads messages: the summarising call is the site.
The memory's own methods (``add_message`` storing and summarising, ``to_messages`` reading back and summarising
what no longer fits) are no calling API: the caller hands over data and, at most, the model's name and settings,
never a prompt, and a call of them is no wrapper call."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree

_MEMORY = """
    from string import Template
    from typing import List

    from openai import AsyncOpenAI, OpenAI

    client = AsyncOpenAI()


    class Chat:
        def ask(self, prompt: str) -> str:
            out = OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content


    class Memory:
        def add_message(self, lines: List[str]) -> None:
            pass

        async def to_messages(self, keep: int, model: str) -> List[str]:
            return []


    class PlainMemory(Memory):
        lines: List[str] = []

        def add_message(self, lines: List[str]) -> None:
            self.lines += lines

        async def to_messages(self, keep: int, model: str) -> List[str]:
            return self.lines


    class WindowMemory(PlainMemory):
        async def to_messages(self, keep: int, model: str) -> List[str]:
            return self.lines[-keep:]


    class RollingMemory(Memory):
        lines: List[str] = []
        summary: str = ""
        FOLD: str = "Fold the new events into the running summary.\\nSo far: {summary}\\nNew: {events}"

        async def to_messages(self, keep: int, model: str) -> List[str]:
            if len(self.lines) > keep:
                await self.fold(self.lines[:-keep], model=model, limit=200)
            return [self.summary, *self.lines[-keep:]]

        async def fold(self, events: List[str], model: str, limit: int) -> None:
            prompt = self.FOLD.format(summary=self.summary, events="\\n".join(events))
            out = await client.chat.completions.create(
                model=model, max_tokens=limit, messages=[{"role": "user", "content": prompt}]
            )
            self.summary = out.choices[0].message.content


    class DigestMemory(Memory):
        def __init__(self, llm: Chat, template: str):
            self.llm = llm
            self.template = template
            self.digest = ""

        def add_message(self, lines: List[str]) -> None:
            self.update_digest("\\n".join(lines))

        def update_digest(self, new_lines: str) -> None:
            prompt = Template(self.template).safe_substitute(digest=self.digest, new_lines=new_lines)
            self.digest = self.llm.ask(prompt)


    class Agent:
        def __init__(self, memory: Memory, llm: Chat):
            self.memory = memory
            self.llm = llm

        async def turn(self, heard: List[str]) -> str:
            self.memory.add_message(heard)
            history = await self.memory.to_messages(5, model="m")
            return self.llm.ask("\\n".join(history))
"""


def test_the_summarising_calls_are_the_sites(tmp_path: Path) -> None:
    write_tree(tmp_path, {"memory.py": _MEMORY})
    graph = analysed_graph(tmp_path)
    sites = {s.loc.line: s.site for s in graph.sites() if s.loc.path == "memory.py"}
    assert sites.get(51) == SiteKind.REQUEST  # the rolling summary
    assert sites.get(68) == SiteKind.WRAPPER_CALL  # the digest through the chat wrapper
    assert sites.get(11) == SiteKind.WRAPPER and sites.get(79) == SiteKind.WRAPPER_CALL  # the agent's own question
    assert [line for line, kind in sites.items() if kind == SiteKind.WRAPPER] == [11]  # no memory method
    assert 77 not in sites and 78 not in sites  # storing and reading back are no wrapper calls
