"""Oracle Cloud's Generative AI inference client (``GenerativeAiInferenceClient``) is a client family: its ``chat`` is
a request, also from a nested function run in an executor and on a client cached in an attribute behind a getter;
``embed_text`` on the same client is a look-alike."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

ORACLE = """
    import asyncio

    import oci
    from oci.generative_ai_inference import GenerativeAiInferenceClient
    from oci.generative_ai_inference.models import ChatDetails, GenericChatRequest


    class OracleChat:
        def __init__(self, endpoint, compartment):
            self.endpoint = endpoint
            self.compartment = compartment

        def _client(self) -> GenerativeAiInferenceClient:
            if not hasattr(self, "_cached"):
                self._cached = GenerativeAiInferenceClient(config=oci.config.from_file(), service_endpoint=self.endpoint)
            return self._cached

        async def _send(self, messages):
            details = ChatDetails(compartment_id=self.compartment, chat_request=GenericChatRequest(messages=messages))

            def _blocking():
                client = self._client()
                return client.chat(details)

            loop = asyncio.get_event_loop()
            return await loop.run_in_executor(None, _blocking)

        async def ask(self, messages):
            reply = await self._send(messages)
            return reply.data.chat_response.choices[0].message.content[0].text

        def vectors(self, texts):
            return self._client().embed_text(texts)
"""

MAIN = """
    from cloud.oracle import OracleChat


    async def main(question):
        model = OracleChat("https://inference.example", "compartment-1")
        return await model.ask([{"role": "user", "content": question}])
"""


def test_oci_chat_is_a_request_and_embed_text_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cloud/oracle.py": ORACLE, "main.py": MAIN})
    graph = analysed_graph(tmp_path)
    request = site_at(graph, "cloud/oracle.py", 24)
    assert str(request.site) == "request"
    assert request.client == "oci"
    assert str(site_at(graph, "cloud/oracle.py", 29).site) == "wrapper"  # ask
    assert str(site_at(graph, "main.py", 7).site) == "wrapper-call"
    assert not [s for s in graph.sites() if s.loc.path == "cloud/oracle.py" and s.loc.line == 33]  # embed_text
