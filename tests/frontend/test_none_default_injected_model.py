"""A constructor parameter defaulting to ``None`` (``llm: Any = None``) that the tree's constructions fill with a chat
model (built by a factory function of another module, picked by a conditional) holds that model: the default is no
value of its own, so the request made on it (through a local alias of the attribute) is found."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_FACTORY = """
    from typing import Any


    def make_model(settings) -> Any:
        if settings is None:
            return None
        from langchain.chat_models import init_chat_model

        try:
            return init_chat_model(model=settings.name, model_provider="openai")
        except Exception:
            return None
"""

_NOTES = """
    from typing import Any


    class NoteTaker:
        def __init__(self, settings, llm: Any = None, *, limit: int = 3):
            self._llm = llm
            self._limit = limit

        def take(self, talk):
            messages = [{"role": "user", "content": f"List at most 3 facts from this talk as JSON: {talk}"}]
            chat = self._llm
            return chat.invoke(messages).content
"""

_APP = """
    from .factory import make_model
    from .notes import NoteTaker


    class Memory:
        def __init__(self, settings):
            self._llm = settings.shared if settings.shared is not None else make_model(settings.model)
            self._notes = NoteTaker(settings, self._llm)
"""


def test_a_none_default_parameter_holds_the_model_its_constructions_pass(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/factory.py": _FACTORY, "app/notes.py": _NOTES, "app/memory.py": _APP}
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app/notes.py"}
    assert line_of(_NOTES, "return chat.invoke(messages)") in lines
