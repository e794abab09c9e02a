"""An agent's run method that adds the messages it is handed to the conversation object it holds (one by one, through
the memory's ``add_message``) and then sends what that memory returns forwards its caller's prompt: it is the agent's
calling API, its callers' calls are wrapper-calls, and the bodiless ``run`` its base declares is the family's
interface (the tests' mocked agents overriding it are no part of that family). An agent that puts a prompt of its own
(a template filled with its argument) into the memory is a task, not an API."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

PROVIDER = """
    import openai


    class Provider:
        def __init__(self):
            self.client = openai.AsyncOpenAI()

        async def chat(self, messages):
            out = await self.client.chat.completions.create(model="gpt-4o", messages=messages)
            return out.choices[0].message.content
"""

AGENTS = """
    from abc import ABC, abstractmethod


    class Transcript:
        def __init__(self):
            self.items = []

        def add_message(self, message):
            self.items.append(message)

        def get_messages(self):
            return list(self.items)


    class BaseAgent(ABC):
        def __init__(self, llm):
            self.llm = llm
            self.conversation = Transcript()

        @abstractmethod
        async def run(self, messages):
            ...


    class LoopAgent(BaseAgent):
        async def run(self, messages):
            for message in messages:
                self.conversation.add_message(message)
            history = self.conversation.get_messages()
            return await self.llm.chat(history)


    class HaikuAgent:
        def __init__(self, llm):
            self.llm = llm
            self.conversation = Transcript()

        async def compose(self, topic):
            self.conversation.add_message({"role": "user", "content": f"Write a haiku about {topic}."})
            history = self.conversation.get_messages()
            return await self.llm.chat(history)
"""

SERVICE = """
    from agents.core import HaikuAgent, LoopAgent
    from llm.provider import Provider


    async def respond(question):
        agent = LoopAgent(Provider())
        return await agent.run([{"role": "user", "content": question}])


    async def poem(topic):
        return await HaikuAgent(Provider()).compose(topic)
"""

TESTS = """
    from agents.core import BaseAgent


    class CannedAgent(BaseAgent):
        async def run(self, messages):
            return "canned"


    async def drive(agent: BaseAgent):
        return await agent.run([{"role": "user", "content": "hi"}])


    async def test_canned():
        assert await drive(CannedAgent(None)) == "canned"
"""


def test_run_forwarding_through_the_agents_memory_is_the_calling_api(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "llm/provider.py": PROVIDER,
            "agents/core.py": AGENTS,
            "app/service.py": SERVICE,
            "tests/test_agents.py": TESTS,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    runs = [i for i, line in enumerate(AGENTS.splitlines(), 1) if "async def run" in line]
    assert len(runs) == 2
    for line in runs:  # the base's bodiless interface and the loop agent's implementation
        assert found.get(("agents/core.py", line)) == "wrapper", found
    assert found.get(("app/service.py", line_of(SERVICE, "agent.run("))) == "wrapper-call", found
    # the haiku agent writes its own prompt into the memory: a task, not an API
    assert ("agents/core.py", line_of(AGENTS, "async def compose")) not in found
    assert found.get(("app/service.py", line_of(SERVICE, ".compose(topic)"))) is None
