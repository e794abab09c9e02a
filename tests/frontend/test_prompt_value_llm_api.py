"""Model objects typed only by their frameworks' base classes, as adapter layers hold them: LangChain's
``BaseLanguageModel`` answers through its prompt-value API too (``llm.generate_prompt([value])`` and the async
``agenerate_prompt``), and LlamaIndex's core ``BaseLLM`` / ``LLM`` types in annotations are its LLM classes
(``complete`` / ``acomplete`` send). ``typing.cast(T, x)`` on a parameter declared as a union names the member the
branch uses: the declared type, unless what is cast is already a known client. Token counting on the same objects
and plain attribute reads stay silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

ADAPTERS = """
    from langchain_core.language_models import BaseLanguageModel
    from llama_index.core.base.llms.base import BaseLLM


    class ChainAdapter:
        def __init__(self, llm: BaseLanguageModel):
            self.llm = llm

        def run(self, prompt_value):
            result = self.llm.generate_prompt([prompt_value], stop=None)
            return result.generations[0][0].text

        def size(self, text):
            return self.llm.get_num_tokens(text)


    class IndexAdapter:
        def __init__(self, llm: BaseLLM):
            self.llm = llm

        async def run(self, text):
            reply = await self.llm.acomplete(text)
            return reply.text

        def window(self):
            return self.llm.metadata.context_window
"""

USE = """
    import typing as t

    from langchain_core.language_models import BaseLanguageModel

    from adapters import ChainAdapter


    async def ask(llm: t.Union[ChainAdapter, BaseLanguageModel], prompt_value, direct: bool):
        if direct:
            chat = t.cast(BaseLanguageModel, llm)
            return await chat.agenerate_prompt([prompt_value])
        return "no answer"
"""


def test_base_typed_framework_models_and_casts(tmp_path: Path) -> None:
    write_tree(tmp_path, {"adapters.py": ADAPTERS, "use.py": USE})
    adapters = sites_in(tmp_path, "adapters.py")
    assert (line_of(ADAPTERS, "self.llm.generate_prompt("), "request") in adapters
    assert (line_of(ADAPTERS, "await self.llm.acomplete("), "request") in adapters
    assert not {s for s in adapters if s[0] in (line_of(ADAPTERS, "get_num_tokens"), line_of(ADAPTERS, "metadata"))}
    use = sites_in(tmp_path, "use.py")
    assert (line_of(USE, "chat.agenerate_prompt("), "request") in use
