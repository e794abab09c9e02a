"""DashScope's async twins (``AioGeneration.call``, ``AioMultiModalConversation.call``, awaited) send a request as
the sync ``Generation.call`` does; the SDK's text-embedding call beside them is no site."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

QWEN = """
    import dashscope
    from dashscope import AioMultiModalConversation


    async def answer(question):
        reply = await dashscope.aigc.generation.AioGeneration.call(
            model="qwen-plus", messages=[{"role": "user", "content": question}], result_format="message"
        )
        return reply.output.choices[0].message.content


    async def caption(url):
        reply = await AioMultiModalConversation.call(
            model="qwen-vl-plus", messages=[{"role": "user", "content": [{"image": url}, {"text": "Caption it."}]}]
        )
        return reply.output.choices[0].message.content


    def vector(text):
        return dashscope.TextEmbedding.call(model="text-embedding-v2", input=text).output["embeddings"][0]
"""


def test_async_dashscope_calls_are_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"qwen.py": QWEN})
    found = sites_in(tmp_path, "qwen.py")
    request = str(SiteKind.REQUEST)
    assert (line_of(QWEN, "await dashscope.aigc.generation.AioGeneration.call("), request) in found
    assert (line_of(QWEN, "await AioMultiModalConversation.call("), request) in found
    assert line_of(QWEN, "dashscope.TextEmbedding.call(") not in {line for line, _ in found}
