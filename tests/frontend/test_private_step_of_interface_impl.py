"""A provider class implementing its family's calling API (``invoke`` declared on the base) that first converts the
messages and then hands them to a private helper picking the structured-output route, which in turn calls one of two
private helpers holding the requests: the helper is a step of the implementation (one caller, its own class), no
wrapper of its own, and its call in ``invoke`` is no site; the requests and the implementation are."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

PROVIDER = """
    import json

    from groq import AsyncGroq


    class ChatBase:
        async def invoke(self, messages, schema=None):
            raise NotImplementedError


    def to_wire(messages):
        return [{"role": m["role"], "content": m["text"]} for m in messages]


    class FastChat(ChatBase):
        def __init__(self, model):
            self.model = model
            self.client = AsyncGroq()

        async def invoke(self, messages, schema=None):
            wire = to_wire(messages)
            if schema is None:
                return await self._plain(wire)
            return await self._structured(wire, schema)

        async def _plain(self, wire):
            reply = await self.client.chat.completions.create(model=self.model, messages=wire)
            return reply.choices[0].message.content

        async def _structured(self, wire, schema):
            if "tools" in schema:
                reply = await self._with_tool(wire, schema)
            else:
                reply = await self._with_json(wire, schema)
            return json.loads(reply.choices[0].message.content)

        async def _with_tool(self, wire, schema):
            return await self.client.chat.completions.create(model=self.model, messages=wire, tools=schema["tools"])

        async def _with_json(self, wire, schema):
            return await self.client.chat.completions.create(
                model=self.model, messages=wire, response_format={"type": "json_object"}
            )


    async def ask(question, chat: ChatBase):
        return await chat.invoke([{"role": "user", "text": question}])
"""


def test_private_route_picker_under_an_interface_implementation_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"providers/fast.py": PROVIDER})
    graph = analysed_graph(tmp_path)
    sites = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "providers/fast.py"}
    assert (21, "wrapper") in sites  # FastChat.invoke
    assert {line for line, kind in sites if kind == "request"} == {28, 39, 42}
    assert (31, "wrapper") not in sites  # _structured: a step of invoke
    assert not [line for line, kind in sites if line == 25]  # invoke's call of _structured
    assert (48, "wrapper-call") in sites
