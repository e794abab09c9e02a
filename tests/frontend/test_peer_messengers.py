"""Agents of one family passing messages to each other (``send(self, message, recipient: Agent) -> None`` calling
``recipient.receive(message=message, sender=self)``, ``receive(...) -> None`` answering through the model and
delivering the reply with ``self.send(reply, sender)``) give their caller nothing back: the model's answer goes to
the peer, so neither is a calling API (no wrapper, their calls no wrapper-calls), nor is a chat opener that only
sends (``initiate_chat(self, recipient: Agent, text)``). The model call the receiver makes
(``self.generate_reply(...)``) stays a wrapper-call, and ``generate_reply``, which returns the answer, a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_AGENT = """
    from __future__ import annotations

    from abc import ABC, abstractmethod
    from typing import Optional


    class Peer(ABC):
        @abstractmethod
        async def send(self, note: str, to: Peer, want_answer: Optional[bool] = True) -> None:
            \"\"\"Deliver a note to another peer.\"\"\"

        @abstractmethod
        async def receive(self, note: str, origin: Peer, want_answer: Optional[bool] = None) -> None:
            \"\"\"Take a note from another peer.\"\"\"

        @abstractmethod
        async def answer(self, note: str, origin: Peer) -> str:
            \"\"\"Answer a note through the model.\"\"\"
"""

_CHAT = """
    from __future__ import annotations

    from typing import Optional

    from openai import AsyncOpenAI

    from .peer import Peer

    client = AsyncOpenAI()


    class ChatPeer(Peer):
        def __init__(self, name: str, system: str):
            self.name = name
            self.system = system
            self.inbox: list[str] = []

        async def send(self, note: str, to: Peer, want_answer: Optional[bool] = True) -> None:
            await to.receive(note=note, origin=self, want_answer=want_answer)

        async def receive(self, note: str, origin: Peer, want_answer: Optional[bool] = None) -> None:
            self.inbox.append(note)
            if not want_answer:
                return
            reply = await self.answer(note=note, origin=origin)
            if reply is not None:
                await self.send(reply, origin)

        async def answer(self, note: str, origin: Peer) -> str:
            out = await client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "system", "content": self.system}, {"role": "user", "content": note}],
            )
            return out.choices[0].message.content

        async def open_chat(self, to: Peer, text: str):
            await self.send(text, to)
"""

_MAIN = """
    import asyncio

    from .chat import ChatPeer


    async def main(question):
        user = ChatPeer("user", "You relay questions.")
        helper = ChatPeer("helper", "You answer questions about the weather briefly.")
        await user.open_chat(helper, question)
        return await helper.answer(note=question, origin=user)


    def run(question):
        return asyncio.run(main(question))
"""


def test_peers_passing_messages_are_no_calling_api(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/peer.py": _AGENT, "app/chat.py": _CHAT, "app/main.py": _MAIN})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    for path, source, text in [
        ("app/peer.py", _AGENT, "async def send"),
        ("app/peer.py", _AGENT, "async def receive"),
        ("app/chat.py", _CHAT, "async def send"),
        ("app/chat.py", _CHAT, "async def receive"),
        ("app/chat.py", _CHAT, "await to.receive("),
        ("app/chat.py", _CHAT, "await self.send(reply"),
        ("app/chat.py", _CHAT, "async def open_chat"),
        ("app/main.py", _MAIN, "await user.open_chat("),
    ]:
        assert (path, line_of(source, text)) not in found, text
    assert site_at(graph, "app/chat.py", line_of(_CHAT, "await self.answer(")).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "app/chat.py", line_of(_CHAT, "async def answer")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/main.py", line_of(_MAIN, "await helper.answer(")).site == SiteKind.WRAPPER_CALL
