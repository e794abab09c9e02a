"""TwelveLabs is a client family of video-language models: ``analyze`` / ``summarize`` on a ``TwelveLabs`` /
``AsyncTwelveLabs`` client have the model answer a prompt over a video (a request), also on a client handed in from
outside when the call names the model and the prompt (``deps.client.analyze(model_name=..., prompt=...)``); its
``search`` and ``embed`` calls are look-alikes."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

VIDEO = """
    import os
    from dataclasses import dataclass

    from twelvelabs import TwelveLabs


    @dataclass
    class Deps:
        client: object
        video: str


    async def describe(deps: Deps, question: str) -> str:
        out = await deps.client.analyze(model_name="pegasus1.2", video_id=deps.video, prompt=question)
        return out.data or ""


    def index_video(client: TwelveLabs, index_id: str, text: str):
        hits = client.search.query(index_id=index_id, query_text=text)
        vec = client.embed.create(model_name="Marengo-retrieval-2.7", text=text)
        return hits, vec


    def summary(video_id: str) -> str:
        client = TwelveLabs(api_key=os.environ["KEY"])
        return client.summarize(video_id=video_id, type="summary", prompt="Summarize in two sentences.").summary
"""


def test_twelvelabs_generation_is_a_request_and_search_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"video.py": VIDEO})
    found = dict(sites_in(tmp_path, "video.py"))
    assert found.get(line_of(VIDEO, "deps.client.analyze(")) == "request"
    assert found.get(line_of(VIDEO, "client.summarize(")) == "request"
    assert line_of(VIDEO, "client.search.query(") not in found
    assert line_of(VIDEO, "client.embed.create(") not in found
