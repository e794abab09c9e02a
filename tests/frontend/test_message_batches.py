"""Anthropic Message Batches: ``client.messages.batches.create(requests=[...])`` sends a set of generation requests in
one call, so it is a request site; the batch look-ups beside it (``retrieve``, ``results``, ``cancel``) are not, nor
is token counting."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

SOURCE = """
    import anthropic

    client = anthropic.AsyncAnthropic()

    LABEL = "Answer with one word, spam or ham, for the message below."


    async def submit(mails):
        reqs = [
            {
                "custom_id": str(i),
                "params": {
                    "model": "claude-3-5-haiku-latest",
                    "max_tokens": 5,
                    "messages": [{"role": "user", "content": LABEL + "\\n" + m}],
                },
            }
            for i, m in enumerate(mails)
        ]
        return await client.messages.batches.create(requests=reqs)


    async def collect(batch_id):
        batch = await client.beta.messages.batches.retrieve(batch_id)
        out = [r async for r in await client.messages.batches.results(batch.id)]
        await client.messages.batches.cancel(batch_id)
        return out


    async def size(text):
        return await client.messages.count_tokens(model="claude-3-5-haiku-latest", messages=[{"role": "user", "content": text}])
"""


def test_batch_create_is_a_request_and_its_lookups_are_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"mail.py": SOURCE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "mail.py"}
    assert found == {(21, "request")}
