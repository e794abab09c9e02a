"""A nested function that its defining function installs on a model object in place of the object's calling method
(``setattr(llm, "ainvoke", counted)`` or ``llm.ainvoke = counted``), forwarding the messages to the method it saved:
callers reach it as that method, so it is a wrapper (its call of the saved method is a wrapper-call). A nested
function installed under a name no wrapper has is not."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

CHAT = """
    from openai import AsyncOpenAI


    class Chat:
        def __init__(self, model):
            self.model = model
            self.client = AsyncOpenAI()

        async def ainvoke(self, messages):
            reply = await self.client.chat.completions.create(model=self.model, messages=messages)
            return reply.choices[0].message.content
"""

METER = """
    from chat import Chat


    class Meter:
        def __init__(self):
            self.calls = 0

        def attach(self, llm: Chat):
            before = llm.ainvoke
            meter = self

            async def counted(messages):
                result = await before(messages)
                meter.calls += 1
                return result

            setattr(llm, "ainvoke", counted)
            return llm

        def trace(self, llm: Chat):
            saved = llm.ainvoke

            async def logged(messages):
                print(len(messages))
                return await saved(messages)

            llm.ainvoke = logged

        def label(self, llm: Chat):
            saved = llm.ainvoke

            async def peek(messages):
                return await saved(messages)

            llm.peek = peek
"""

MAIN = """
    from chat import Chat
    from meter import Meter


    async def main(question):
        llm = Meter().attach(Chat("small"))
        return await llm.ainvoke([{"role": "user", "content": question}])
"""


def test_closure_installed_as_the_calling_method_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat.py": CHAT, "meter.py": METER, "main.py": MAIN})
    graph = analysed_graph(tmp_path)
    sites = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "meter.py"}
    assert (13, "wrapper") in sites  # counted, installed with setattr
    assert (14, "wrapper-call") in sites
    assert (24, "wrapper") in sites  # logged, installed by assignment
    assert (33, "wrapper") not in sites  # peek: installed under a name no wrapper has
