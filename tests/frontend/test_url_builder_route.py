"""A hand-rolled HTTP provider whose endpoint a URL helper of the tree builds from a base and a route
(``self.chat_url = build_url(base, "v1/chat/completions")`` in ``__init__``), the body built by a method and handed in
as a name: the route argument says the POST goes to a model endpoint, whatever the helper does to join the parts.
A route to a non-text endpoint (``audio/transcriptions``) built the same way stays no request."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_URLS = """
    def build_url(base, route):
        root = (base or "").strip().rstrip("/")
        return f"{root}/{route.strip('/')}"
"""

_PROVIDER = """
    import aiohttp

    from urls import build_url


    class Provider:
        def __init__(self, base):
            self.chat_url = build_url(base, "v1/chat/completions")
            self.audio_url = build_url(base, "v1/audio/transcriptions")

        def _body(self, history):
            return {"model": "m", "messages": history}

        async def _post(self, body):
            async with aiohttp.ClientSession() as session:
                async with session.post(self.chat_url, json=body) as reply:
                    return await reply.json()

        async def chat(self, history):
            return await self._post(self._body(history))

        async def transcribe(self, data):
            async with aiohttp.ClientSession() as session:
                async with session.post(self.audio_url, data=data) as reply:
                    return await reply.json()


    async def main(text, data):
        provider = Provider("http://localhost:8000")
        await provider.chat([{"role": "user", "content": text}])
        await provider.transcribe(data)
"""


def test_route_argument_of_a_url_helper_marks_the_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"urls.py": _URLS, "provider.py": _PROVIDER})
    graph = analysed_graph(tmp_path)
    requests = {s.loc.line for s in graph.sites(SiteKind.REQUEST) if s.loc.path == "provider.py"}
    assert 17 in requests  # session.post(self.chat_url, json=body)
    assert 25 not in requests  # the transcription route
    wrappers = {s.loc.line for s in graph.sites(SiteKind.WRAPPER) if s.loc.path == "provider.py"}
    assert 20 in wrappers  # Provider.chat
