"""``getattr(client.chat.completions, endpoint)(**args)``: an SDK method picked at run time by a computed name on a
member path that holds request methods (``create`` or ``parse`` chosen from the caller's options) is a request, and
the method around it is a wrapper. A computed name on a path with no request method (``client.embeddings``) or on
the client itself is no site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

GEN = """
    from typing import Any

    from openai import AsyncOpenAI, OpenAI


    class Generator:
        def __init__(self, model: str = "gpt-4o-mini") -> None:
            self.model = model
            self.client: OpenAI | None = None
            self.async_client: AsyncOpenAI | None = None

        def start(self) -> None:
            if self.client is None:
                self.client = OpenAI()
            if self.async_client is None:
                self.async_client = AsyncOpenAI()

        def _options(self, messages: list, schema: Any = None) -> dict[str, Any]:
            opts: dict[str, Any] = {"model": self.model, "messages": messages}
            if schema is not None:
                return {**opts, "response_format": schema, "which": "parse"}
            return {**opts, "which": "create"}

        def generate(self, messages: list, schema: Any = None) -> list[str]:
            self.start()
            opts = self._options(messages, schema)
            which = opts.pop("which")
            send = getattr(self.client.chat.completions, which)
            reply = send(**opts)
            return [c.message.content for c in reply.choices]

        async def agenerate(self, messages: list) -> list[str]:
            self.start()
            opts = self._options(messages)
            which = opts.pop("which")
            reply = await getattr(self.async_client.chat.completions, which)(**opts)
            return [c.message.content for c in reply.choices]

        def vectors(self, texts: list[str], which: str = "create") -> list:
            self.start()
            embed = getattr(self.client.embeddings, which)
            return [d.embedding for d in embed(model="text-embedding-3-small", input=texts).data]

        def member(self, name: str) -> Any:
            self.start()
            return getattr(self.client, name)()
"""

USE = """
    from pkg.gen import Generator


    def label(text: str) -> str:
        gen = Generator()
        return gen.generate([{"role": "user", "content": f"Answer yes or no: is this spam? {text}"}])[0]
"""


def test_sdk_method_picked_by_computed_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/gen.py": GEN, "pkg/use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("pkg/gen.py", line_of(GEN, "reply = send(**opts)"))) == "request"
    assert found.get(("pkg/gen.py", line_of(GEN, "reply = await getattr("))) == "request"
    assert found.get(("pkg/gen.py", line_of(GEN, "def generate("))) == "wrapper"
    assert found.get(("pkg/use.py", line_of(USE, "gen.generate("))) == "wrapper-call"
    assert ("pkg/gen.py", line_of(GEN, "embed(model=")) not in found
    assert ("pkg/gen.py", line_of(GEN, "getattr(self.client, name)")) not in found
