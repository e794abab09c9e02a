"""A subclass of a framework's component often hands its model to the base constructor (``super().__init__(llm=llm)``)
and then uses the attribute the base keeps it under (``self._llm.apredict(...)``), which no code of the tree assigns.
The parameter handed over stands for that attribute, so the calls on it are requests. An attribute the tree's own
base sets, or one the framework base keeps from a parameter that is no model (a callback manager), stays as it was."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

SYNTH = """
    from llama_index.core.llms import LLM
    from llama_index.core.response_synthesizers import BaseSynthesizer


    class Condense(BaseSynthesizer):
        def __init__(self, llm: LLM | None = None, callback_manager=None, template=None):
            super().__init__(llm=llm, callback_manager=callback_manager)
            self._template = template

        async def aget_response(self, query_str, text_chunks, **kwargs):
            return await self._llm.apredict(self._template, context_str="\\n".join(text_chunks), query_str=query_str)

        def get_response(self, query_str, text_chunks, **kwargs):
            self._callback_manager.on_event_start("synthesize")
            return self._llm.predict(self._template, context_str="\\n".join(text_chunks), query_str=query_str)


    class Local:
        def __init__(self, store):
            self._store = store


    class Reader(Local):
        def __init__(self, store, llm: LLM):
            super().__init__(store=store)
            self.model = llm

        def read(self, key):
            return self._store.predict(key)
"""


def test_attribute_kept_by_a_framework_base(tmp_path: Path) -> None:
    write_tree(tmp_path, {"synth.py": SYNTH})
    requests = {line for line, kind in sites_in(tmp_path, "synth.py") if kind == "request"}
    assert requests == {line_of(SYNTH, "self._llm.apredict("), line_of(SYNTH, "self._llm.predict(")}
