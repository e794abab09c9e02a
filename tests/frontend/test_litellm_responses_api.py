"""LiteLLM's Responses API (``litellm.responses`` / ``litellm.aresponses``, and the same methods of a ``Router``)
sends a model request like its chat completions: each call is a request and its ``input`` / ``instructions`` are the
prompt. The embedding call on the same module beside it stays no site."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, messages_at, sites_in, write_tree

SOURCE = """\
import litellm

router = litellm.Router(model_list=[])


def headline(article):
    reply = litellm.responses(
        model="openai/gpt-4.1-mini",
        instructions="Write one headline for the article.",
        input=article,
    )
    return reply.output_text


async def headline_async(article):
    reply = await router.aresponses(model="fast", input=article)
    return reply.output_text


def vector(article):
    return litellm.embedding(model="text-embedding-3-small", input=[article])


if __name__ == "__main__":
    print(headline("x"), headline_async("x"), vector("x"))
"""


def test_litellm_responses_calls_are_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"news.py": SOURCE})
    found = sites_in(tmp_path, "news.py")
    assert (line_of(SOURCE, "litellm.responses("), "request") in found
    assert (line_of(SOURCE, "router.aresponses("), "request") in found
    assert not any(line == line_of(SOURCE, "litellm.embedding(") for line, _ in found)
    messages = messages_at(analysed_graph(tmp_path), "news.py", line_of(SOURCE, "litellm.responses("))
    assert any("one headline" in text for _, text in messages)
