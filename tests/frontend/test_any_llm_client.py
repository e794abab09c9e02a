"""any-llm is a client family: ``AnyLLM.create(provider, ...)`` (also imported at run time through
``importlib.import_module("any_llm").AnyLLM`` and cached on the instance) builds a provider whose ``completion`` /
``acompletion`` / ``responses`` / ``aresponses`` and the private ``_aresponses`` send a request; the module's own
``acompletion`` is one too; ``aembedding`` is a look-alike. The Responses call hands its input as ``input_data=``."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, write_tree

MODEL = """
    from __future__ import annotations

    import importlib
    from typing import Any

    try:
        AnyLLM = importlib.import_module("any_llm").AnyLLM
    except ImportError as exc:
        raise ImportError("install any-llm") from exc


    class ProviderModel:
        def __init__(self, provider: str, model: str, api_key: str | None = None):
            self.provider_name = provider
            self.model = model
            self.api_key = api_key
            self._cache: dict[bool, Any] = {}

        def _get_provider(self) -> Any:
            cached = self._cache.get(False)
            if cached is not None:
                return cached
            made = AnyLLM.create(self.provider_name, api_key=self.api_key)
            self._cache[False] = made
            return made

        async def get_response(self, messages: list, tools: list | None = None):
            return await self._get_provider().acompletion(model=self.model, messages=messages, tools=tools)

        async def get_answer(self, question: str):
            provider = self._get_provider()
            return await provider.aresponses(model=self.model, input_data=f"Answer briefly: {question}")

        async def get_answer_raw(self, params: Any, **kw: Any):
            provider = self._get_provider()
            return await provider._aresponses(params, **kw)

        async def embed(self, texts: list):
            return await self._get_provider().aembedding(model=self.model, inputs=texts)
"""

USE = """
    import asyncio

    from any_llm import acompletion


    async def main():
        print(await acompletion(model="openai:gpt-4o", messages=[{"role": "user", "content": "Say hi."}]))


    asyncio.run(main())
"""


def test_any_llm_provider_and_module_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/model.py": MODEL, "pkg/use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    for text in (".acompletion(model=self.model", "provider.aresponses(", "provider._aresponses("):
        site = found.get(("pkg/model.py", line_of(MODEL, text)))
        assert site is not None and str(site.site) == "request" and site.client == "any-llm", text
    assert ("pkg/model.py", line_of(MODEL, ".aembedding(")) not in found
    answer = found[("pkg/model.py", line_of(MODEL, "provider.aresponses("))]
    assert "Answer briefly" in carried_text(graph, answer)
    module = found.get(("pkg/use.py", line_of(USE, "await acompletion(")))
    assert module is not None and str(module.site) == "request" and module.client == "any-llm"
