"""An agent's run often copies the messages it is handed into a memory object it holds
(``for m in messages: await self.conversation.add_message(m)``) and then sends what it reads back from that object
(``await self.conversation.get_messages()``): the caller's messages reach the model through the object's memory, so
the run forwards them and is the calling API. The look-alike adds a note of its own to the memory (not the caller's
messages) before the same request: what it is handed goes nowhere near the model, so it forwards nothing."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_AGENT = """
    from openai import AsyncOpenAI

    client = AsyncOpenAI()


    class Transcript:
        def __init__(self):
            self.items = []

        async def add_message(self, message):
            self.items.append(message)

        async def get_messages(self):
            return list(self.items)


    class Llm:
        async def complete(self, messages):
            return await client.chat.completions.create(model="m", messages=messages)


    class Agent:
        def __init__(self):
            self.llm = Llm()
            self.conversation = Transcript()

        async def run(self, messages):
            self.conversation = Transcript()
            for message in messages:
                await self.conversation.add_message(message)
            turns = await self.conversation.get_messages()
            return await self.llm.complete(turns)

        async def tally(self, messages):
            self.conversation = Transcript()
            await self.conversation.add_message({"role": "user", "content": "Say how many notes are kept."})
            turns = await self.conversation.get_messages()
            print(len(messages))
            return await self.llm.complete(turns)


    async def serve(messages):
        agent = Agent()
        print(await agent.tally(messages))
        return await agent.run(messages)
"""


def test_messages_copied_into_memory_are_forwarded(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/agent.py": _AGENT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("pkg/agent.py", line_of(_AGENT, "async def run(self"))) == SiteKind.WRAPPER
    assert found.get(("pkg/agent.py", line_of(_AGENT, "await agent.run(messages)"))) == SiteKind.WRAPPER_CALL
    # the look-alike: the memory holds the agent's own note, the caller's messages are only counted
    assert found.get(("pkg/agent.py", line_of(_AGENT, "async def tally"))) != SiteKind.WRAPPER
