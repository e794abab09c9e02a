"""An implementation of a wrapper interface that reaches its model through a closure of its own: ``chat`` defines
``async def run_all()`` gathering ``self._ask(...)`` for each conversation and runs it with ``asyncio.run`` — it
holds the model call as much as one calling ``self._ask`` directly, so it implements the interface (a wrapper).
An override whose closure reaches no model stays out."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

BASE = """
    class ChatModel:
        def chat(self, conversations):
            raise NotImplementedError


    def ask_all(model: ChatModel, conversations):
        return model.chat(conversations)
"""

USE = """
    from base import ask_all
    from impl import Claude, Echo

    print(ask_all(Claude(), [[{"role": "user", "content": "hi"}]]))
    print(ask_all(Echo(), [[{"role": "user", "content": "hi"}]]))
"""

IMPL = """
    import asyncio

    import anthropic

    from base import ChatModel


    class Claude(ChatModel):
        def __init__(self):
            self.client = anthropic.AsyncAnthropic()

        def chat(self, conversations):
            async def run_all():
                return await asyncio.gather(*[self._ask(c) for c in conversations])

            return asyncio.run(run_all())

        async def _ask(self, conversation):
            out = await self.client.messages.create(model="claude-3-5-haiku-latest", max_tokens=512, messages=conversation)
            return out.content[0].text


    class Echo(ChatModel):
        def chat(self, conversations):
            def show():
                return [str(c) for c in conversations]

            return show()
"""


def test_override_reaching_its_model_through_a_closure_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base.py": BASE, "impl.py": IMPL, "use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("base.py", 3)) == "wrapper"
    assert found.get(("impl.py", 13)) == "wrapper"  # Claude.chat
    assert found.get(("impl.py", 20)) == "request"
    assert ("impl.py", 25) not in found  # Echo.chat: its closure reaches no model
