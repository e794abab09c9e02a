"""A LangChain chat-model integration's own request method below the ``_generate`` hooks (``ChatAnthropic._create``,
``_acreate``: send the payload the integration built) overridden in a subclass that calls ``super()._create(payload)``:
that call is the request, and the override is a hook of the model's override family (a wrapper), as ``_generate``."""

from __future__ import annotations

from pathlib import Path

from slmc.ir.nodes import SiteKind

from .trees import analysed_graph, line_of, write_tree

_CHAT = """
    from typing import Any

    from langchain_anthropic import ChatAnthropic


    class TokenChat(ChatAnthropic):
        def _create(self, payload: dict) -> Any:
            payload.pop("cache_control", None)
            return super()._create(payload)

        async def _acreate(self, payload: dict) -> Any:
            payload.pop("cache_control", None)
            return await super()._acreate(payload)
"""


def test_the_create_hook_of_a_chat_model_subclass_is_the_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/chat.py": _CHAT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, s.site) for s in graph.sites() if s.loc.path == "app/chat.py"}
    assert (line_of(_CHAT, "return super()._create(payload)"), SiteKind.REQUEST) in found
    assert (line_of(_CHAT, "return await super()._acreate(payload)"), SiteKind.REQUEST) in found
    assert (line_of(_CHAT, "def _create(self"), SiteKind.WRAPPER) in found
    assert (line_of(_CHAT, "async def _acreate(self"), SiteKind.WRAPPER) in found
