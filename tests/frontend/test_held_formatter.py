"""A formatter the object holds (``self.formatter.format(msgs)``) only reshapes the caller's messages for the
provider: a method sending ``await self.model(await self.formatter.format(msgs=msgs))`` forwards its caller's messages,
so it is its class's calling API (a wrapper) and the calls of it that write their prompt are wrapper-calls. An object
held under another name (a ``prompter``) may write a prompt of its own around what it is handed: no forwarding."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

MODEL = """
    import openai


    class ChatModel:
        def __init__(self, name):
            self.client = openai.AsyncOpenAI()
            self.name = name

        async def __call__(self, messages, tools=None):
            return await self.client.chat.completions.create(model=self.name, messages=messages, tools=tools)


    class Formatter:
        async def format(self, *args, **kwargs):
            raise NotImplementedError


    class OpenAIFormatter(Formatter):
        async def format(self, msgs):
            out = []
            for m in msgs:
                out.append({"role": m.role, "content": m.text})
            return out
"""

AGENT = """
    from lib.model import ChatModel, Formatter


    class Msg:
        def __init__(self, role, text):
            self.role = role
            self.text = text


    class Researcher:
        def __init__(self, model: ChatModel, formatter: Formatter):
            self.model = model
            self.formatter = formatter

        async def get_output(self, msgs):
            res = await self.model(await self.formatter.format(msgs=msgs))
            return res.choices[0].message.content

        async def judge(self, snippet):
            return await self.get_output(
                [Msg("system", "Answer yes or no: is the snippet relevant to the question?"), Msg("user", snippet)],
            )

        async def outline(self, topic):
            return await self.get_output([Msg("user", "Write a three-step plan to research the topic: " + topic)])
"""

PROMPTED = """
    from lib.model import ChatModel, Formatter


    class Writer:
        def __init__(self, model: ChatModel, prompter: Formatter):
            self.model = model
            self.prompter = prompter

        async def get_output(self, msgs):
            res = await self.model(await self.prompter.format(msgs=msgs))
            return res.choices[0].message.content

        async def judge(self, snippet):
            return await self.get_output([snippet])
"""


def test_method_sending_through_a_held_formatter_forwards_its_messages(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/model.py": MODEL, "app/agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    kinds = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "app/agent.py"}
    assert kinds.get(line_of(AGENT, "async def get_output")) == "wrapper"
    assert kinds.get(line_of(AGENT, "return await self.get_output(")) == "wrapper-call"  # judge
    assert kinds.get(line_of(AGENT, "Write a three-step plan")) == "wrapper-call"  # outline


def test_object_held_under_another_name_is_no_formatter(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/model.py": MODEL, "app/writer.py": PROMPTED})
    graph = analysed_graph(tmp_path)
    kinds = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "app/writer.py"}
    assert kinds.get(line_of(PROMPTED, "async def get_output")) != "wrapper"
    assert kinds.get(line_of(PROMPTED, "return await self.get_output(")) != "wrapper-call"
