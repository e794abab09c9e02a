"""Azure AI Inference (``azure.ai.inference``) is a client family: ``ChatCompletionsClient.complete(...)`` is a request,
sync or from the ``aio`` module, also on a client imported inside a method under an alias and kept in an attribute;
``EmbeddingsClient.embed`` is a look-alike."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

FOUNDRY = """
    from azure.ai.inference import EmbeddingsClient
    from azure.core.credentials import AzureKeyCredential


    class Foundry:
        def __init__(self, endpoint, key):
            from azure.ai.inference import ChatCompletionsClient as SyncChat
            from azure.ai.inference.aio import ChatCompletionsClient as AsyncChat

            self.chat = SyncChat(endpoint=endpoint, credential=AzureKeyCredential(key))
            self.achat = AsyncChat(endpoint=endpoint, credential=AzureKeyCredential(key))
            self.embedder = EmbeddingsClient(endpoint=endpoint, credential=AzureKeyCredential(key))

        def ask(self, question):
            reply = self.chat.complete(messages=[{"role": "user", "content": question}])
            return reply.choices[0].message.content

        async def aask(self, question):
            reply = await self.achat.complete(messages=[{"role": "user", "content": question}])
            return reply.choices[0].message.content

        def vectors(self, texts):
            return self.embedder.embed(input=texts)
"""


def test_chat_completions_client_complete_is_a_request_and_embed_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"foundry.py": FOUNDRY})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "foundry.py"}
    sync_line = line_of(FOUNDRY, "self.chat.complete(")
    async_line = line_of(FOUNDRY, "self.achat.complete(")
    for line in (sync_line, async_line):
        assert line in found, sorted(found)
        assert str(found[line].site) == "request"
        assert found[line].client == "azure-inference"
    assert found[async_line].is_async
    assert line_of(FOUNDRY, "self.embedder.embed(") not in found
