"""A summariser picks its chat model through a method of its own: the tree's factory builds it, ``with_config`` tags
it, and a small method returns the model it is handed configured again (``return model.with_config(tags=...)``).
The model reaches the call through a parameter of a helper of the same class (``self._invoke(self._model_for(name),
prompt)`` -> ``model.invoke(prompt)``): the call on that parameter is a request of the chat model handed in
(CALLSITES.md: objects built by factories and passed in, duck-typed clients passed as arguments)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, line_of, site_at, write_tree

MODELS = """
    from langchain_openai import ChatOpenAI


    def create_chat_model(name=None):
        return ChatOpenAI(model=name or "gpt-4o")
"""

SUMMARY = """
    from kit.models import create_chat_model


    class Summariser:
        def __init__(self, model_name=None):
            self._name = model_name
            self._cache = {}

        def _tag(self, model):
            tags = list((getattr(model, "config", None) or {}).get("tags") or [])
            return model.with_config(tags=[*tags, "quiet"])

        def _model_for(self, name):
            if name in self._cache:
                return self._cache[name]
            try:
                built = self._tag(create_chat_model(name).with_config(tags=["summary"]))
            except Exception:
                built = None
            self._cache[name] = built
            return built

        def _invoke(self, model, prompt):
            if model is None:
                return None
            try:
                return model.invoke(prompt, config={"metadata": {"source": "summary"}}).content
            except Exception:
                return None

        async def _ainvoke(self, model, prompt):
            return (await model.ainvoke(prompt)).content

        def summarise(self, text):
            prompt = f"Summarise the conversation below in five short bullet points:\\n{text}"
            return self._invoke(self._model_for(self._name), prompt)

        async def asummarise(self, text):
            prompt = f"Summarise the conversation below in five short bullet points:\\n{text}"
            return await self._ainvoke(self._model_for(self._name), prompt)
"""


def test_a_call_on_the_configured_model_handed_to_a_helper_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/models.py": MODELS, "kit/summary.py": SUMMARY})
    graph = analysed_graph(tmp_path)
    for text in ("model.invoke(prompt,", "await model.ainvoke(prompt)"):
        assert site_at(graph, "kit/summary.py", line_of(SUMMARY, text)).site == SiteKind.REQUEST, text
