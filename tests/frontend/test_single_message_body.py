"""A raw HTTP chat request whose body carries the user's turn as one ``message`` next to the model it names
(Cohere's v1 chat route, ``{"model": ..., "message": ..., "chat_history": [...]}``) at a base URL from the
environment: a request, whatever the route. A POST with a ``message`` field and no model named (a log line) is none."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

CHAT = """
    import os

    import aiohttp


    class CohereChat:
        def __init__(self):
            self.url = os.getenv("CHAT_BASE_URL", "https://api.cohere.com/v1")

        async def reply(self, message, history):
            data = {"model": "command-r", "message": message, "chat_history": history, "stream": True}
            async with aiohttp.ClientSession() as session:
                async with session.post(self.url + "/chat", json=data) as resp:
                    async for line in resp.content:
                        yield line

        async def log(self, message):
            data = {"message": message, "level": "info", "stream": "app"}
            async with aiohttp.ClientSession() as session:
                async with session.post(self.url + "/logs", json=data) as resp:
                    return resp.status
"""


def test_single_message_chat_body_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat.py": CHAT})
    found = sites_in(tmp_path, "chat.py")
    assert (line_of(CHAT, 'session.post(self.url + "/chat"'), "request") in found
    assert not {s for s in found if s[0] == line_of(CHAT, 'session.post(self.url + "/logs"')}
