"""Spice is a client family: a ``Spice()`` client (kept on an object and reached through it) sends a chat request in
``get_response`` and in its streaming twin ``stream_response``; ``get_embeddings_sync`` and ``get_transcription`` are
look-alikes. The handler method other code calls with its messages is the calling API (a wrapper), its calls are
wrapper-calls."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

HANDLER = """
    from spice import Spice


    class Handler:
        def __init__(self):
            self.spice = Spice()

        async def call_model(self, messages, model, stream=False):
            if not stream:
                return await self.spice.get_response(model=model, messages=messages, temperature=0.2)
            return await self.spice.stream_response(model=model, messages=messages, temperature=0.2)

        def embed(self, texts):
            return self.spice.get_embeddings_sync(texts, "text-embedding-3-small")

        async def transcribe(self, path):
            return await self.spice.get_transcription(path, model="whisper-1")
"""

USE = """
    from pkg.handler import Handler

    handler = Handler()


    async def pick_files(listing):
        messages = [
            {"role": "system", "content": "Pick the files needed to answer; reply with one path a line."},
            {"role": "user", "content": listing},
        ]
        return (await handler.call_model(messages, "gpt-4o")).text


    async def chat(history):
        return await handler.call_model(history, "gpt-4o", stream=True)
"""


def test_spice_requests_wrapper_and_look_alikes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/handler.py": HANDLER, "pkg/use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    for text in ("self.spice.get_response(", "self.spice.stream_response("):
        site = found.get(("pkg/handler.py", line_of(HANDLER, text)))
        assert site is not None and str(site.site) == "request" and site.client == "spice", text
    for text in ("get_embeddings_sync(", "get_transcription("):
        assert ("pkg/handler.py", line_of(HANDLER, text)) not in found, text
    wrapper = found.get(("pkg/handler.py", line_of(HANDLER, "async def call_model(")))
    assert wrapper is not None and str(wrapper.site) == "wrapper"
    for text in ("handler.call_model(messages", "handler.call_model(history"):
        call = found.get(("pkg/use.py", line_of(USE, text)))
        assert call is not None and str(call.site) == "wrapper-call", text
