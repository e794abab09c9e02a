"""A chat turn reached through a session-context holder: ``SESSION: ContextVar[SessionContext]`` declared in one module
(imported by others, read with ``SESSION.get()``: the declared item), whose fields name the handler and the
conversation. ``Conversation.get_model_response()`` (called by the session loop, another class) builds the messages
from the object's state and hands them to a private streaming step that only it calls, which passes them, with the
model and settings read off the context (``ctx.model``, ``response_format=...``), to the handler's call API: the
public method is the class's calling API (a wrapper) and the loop's call a wrapper-call; the private step is folded
into it (no wrapper), its call of the handler stays a wrapper-call."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

CONTEXT = """
    from __future__ import annotations

    from contextvars import ContextVar
    from typing import TYPE_CHECKING

    import attr

    if TYPE_CHECKING:
        from app.conversation import Conversation
        from app.handler import Handler

    SESSION: ContextVar[SessionContext] = ContextVar("session")


    @attr.define()
    class SessionContext:
        handler: Handler = attr.field()
        conversation: Conversation = attr.field()
        model: str = attr.field()
        reply_format: str = attr.field()
"""

HANDLER = """
    from openai import AsyncOpenAI


    class Handler:
        def __init__(self):
            self.client = AsyncOpenAI()

        async def call_model(self, messages, model, stream=False, response_format=None):
            return await self.client.chat.completions.create(
                model=model, messages=messages, stream=stream, response_format=response_format
            )
"""

CONVERSATION = """
    from app.context import SESSION

    SYSTEM = "You are a coding assistant. Reply with the edits to make, in the edit format described below."


    class Conversation:
        def __init__(self):
            self.messages = []

        def add_user_message(self, text):
            self.messages.append({"role": "user", "content": text})

        def get_messages(self):
            return [{"role": "system", "content": SYSTEM}, *self.messages]

        async def _stream_reply(self, messages):
            ctx = SESSION.get()
            handler = ctx.handler
            print("sending", len(messages), "messages")
            reply = await handler.call_model(
                messages, ctx.model, stream=True, response_format={"type": ctx.reply_format}
            )
            text = "".join([c async for c in reply])
            self.messages.append({"role": "assistant", "content": text})
            return text

        async def get_model_response(self):
            snapshot = self.get_messages()
            return await self._stream_reply(snapshot)
"""

SESSION_LOOP = """
    from app.context import SESSION


    class Session:
        async def main(self, inputs):
            ctx = SESSION.get()
            conversation = ctx.conversation
            for text in inputs:
                conversation.add_user_message(text)
                await conversation.get_model_response()
"""


def test_turn_through_context_holder_is_the_calling_api(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/context.py": CONTEXT,
            "app/handler.py": HANDLER,
            "app/conversation.py": CONVERSATION,
            "app/session.py": SESSION_LOOP,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("app/conversation.py", line_of(CONVERSATION, "async def get_model_response("))) == "wrapper"
    assert found.get(("app/session.py", line_of(SESSION_LOOP, "conversation.get_model_response()"))) == "wrapper-call"
    assert found.get(("app/conversation.py", line_of(CONVERSATION, "handler.call_model("))) == "wrapper-call"
    assert ("app/conversation.py", line_of(CONVERSATION, "async def _stream_reply(")) not in found
    assert ("app/conversation.py", line_of(CONVERSATION, "self._stream_reply(snapshot)")) not in found
