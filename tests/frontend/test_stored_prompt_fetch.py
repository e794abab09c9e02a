"""A service often fetches its prompt by name from a prompt store and fills it there
(``messages = await store.payload(task_prompt_name="digest", task_inputs={"text": text})``), then sends the list it
got back. The local is named like a conversation, but the prompt is one the function picks and fills itself: the
site's prompt is that fetch, and triage reads no conversation history into it. The look-alike loads a stored
conversation by its id (``await store.load(conversation_id=cid)``): that is history, and is read as such."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.passes.triage import HISTORY, site_evidence

from .trees import analysed_graph, line_of, site_at, write_tree

_SERVICE = """
    from openai import AsyncOpenAI

    client = AsyncOpenAI()


    class Store:
        async def payload(self, task_prompt_name, task_inputs):
            return [{"role": "user", "content": await self.render(task_prompt_name, task_inputs)}]

        async def render(self, name, inputs):
            return name + str(inputs)

        async def load(self, conversation_id):
            return []


    class Service:
        def __init__(self):
            self.store = Store()

        async def digest(self, text):
            messages = await self.store.payload(task_prompt_name="digest", task_inputs={"text": text})
            reply = await client.chat.completions.create(model="m", messages=messages)
            return reply.choices[0].message.content

        async def resume(self, cid):
            messages = await self.store.load(conversation_id=cid)
            reply = await client.chat.completions.create(model="m", messages=messages)
            return reply.choices[0].message.content
"""


def test_prompt_fetched_by_name_is_no_history(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/service.py": _SERVICE})
    graph = analysed_graph(tmp_path)
    fetched = site_at(graph, "pkg/service.py", line_of(_SERVICE, "messages=messages)"))
    assert "task_prompt_name" in "".join(p.text for m in graph.prompt_of(fetched.id).messages for p in m.parts)
    assert HISTORY not in {e.reason for e in site_evidence(graph, fetched)}
    lines = [i for i, t in enumerate(textwrap.dedent(_SERVICE).splitlines(), 1) if "messages=messages)" in t]
    loaded = site_at(graph, "pkg/service.py", lines[1])
    assert HISTORY in {e.reason for e in site_evidence(graph, loaded)}
