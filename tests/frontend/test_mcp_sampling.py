"""MCP sampling: a tool server asks the host's model for a completion through the session it was handed
(``session.create_message(messages=[...], max_tokens=n)``), a request on a client never built in sight. A session
method of the same name that posts a chat message to a channel (no token budget) is not one."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

SOURCE = """
    from typing import Any


    async def label_ticket(session: Any, ticket: str) -> str:
        reply = await session.create_message(
            messages=[{"role": "user", "content": {"type": "text", "text": ticket}}],
            max_tokens=5,
            system_prompt="Answer with one word: bug, feature or question.",
        )
        return reply.content.text


    async def post_to_channel(chat: Any, channel: str, text: str) -> None:
        await chat.create_message(channel=channel, messages=[text])
"""


def test_sampling_create_message_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"server.py": SOURCE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "server.py"}
    assert found == {(6, "request")}
