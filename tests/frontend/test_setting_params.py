"""A parameter that only picks the model (or another request setting: temperature, timeout) is no prompt its callers
forward. A handler that packs ``{"model": model, "messages": ...}`` into a keyword dict (and sets
``kwargs["temperature"] = temperature`` after) forwards ``system`` and ``user`` only; its abstract base leaves out
the setting-named parameters no implementation forwards. A tool method that hands the model name it is given to the handler, beside a prompt it renders from its
own templates, is then no wrapper: the tool's prompt site is its handler call, and the method it passes by value to a
model-fallback helper (which calls it once per model name) stays an internal step of the tool."""

from __future__ import annotations

import textwrap
from pathlib import Path

from frontend.trees import analysed_graph, write_tree

HANDLERS = """
    from abc import ABC, abstractmethod

    import litellm


    class Handler(ABC):
        @abstractmethod
        async def complete(self, model: str, system: str, user: str, temperature: float = 0.2):
            ...


    class LitellmHandler(Handler):
        async def complete(self, model: str, system: str, user: str, temperature: float = 0.2):
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            options = {"model": model, "messages": messages, "timeout": 60}
            if temperature:
                options["temperature"] = temperature
            return await self._send(**options)

        async def _send(self, **options):
            if options["model"].startswith("o"):
                options["stream"] = True
                stream = await litellm.acompletion(**options)
                return "".join([chunk async for chunk in stream])
            reply = await litellm.acompletion(**options)
            return reply["choices"][0]["message"]["content"]
"""

FALLBACK = """
    from enum import Enum
    from typing import Callable

    CANDIDATES = ["primary-model", "backup-model"]


    class Tier(str, Enum):
        MAIN = "main"
        CHEAP = "cheap"


    async def over_candidates(step: Callable, tier: Tier = Tier.MAIN):
        last = None
        for model in CANDIDATES:
            try:
                return await step(model)
            except Exception as exc:
                last = exc
        raise RuntimeError("every model failed") from last
"""

TOOL = """
    from functools import partial

    from llm.fallback import Tier, over_candidates
    from llm.handlers import Handler, LitellmHandler


    class Tagger:
        def __init__(self, text: str, templates: dict, handler: partial[Handler,] = LitellmHandler):
            self.text = text
            self.templates = templates
            self.handler = handler()
            self.tags = None

        async def run(self):
            await over_candidates(self._attempt, tier=Tier.CHEAP)
            return self.tags

        async def _attempt(self, model: str):
            body = self.text.strip()
            if body:
                self.tags = await self._ask(model)
            else:
                self.tags = []

        async def _ask(self, model: str):
            system = self.templates["system"]
            user = self.templates["user"] + self.text
            answer = await self.handler.complete(model=model, system=system, user=user, temperature=0.0)
            return answer.split(",")
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def _at(source: str, text: str, nth: int = 0) -> int:
    """The line (1-based, as written by ``write_tree``) of the ``nth`` line of ``source`` holding ``text``."""
    lines = [i + 1 for i, line in enumerate(textwrap.dedent(source).splitlines()) if text in line]
    return lines[nth]


def test_a_model_name_handed_on_is_no_forwarded_prompt(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"llm/__init__.py": "", "llm/handlers.py": HANDLERS, "llm/fallback.py": FALLBACK, "app/tagger.py": TOOL},
    )
    graph = analysed_graph(tmp_path)
    handlers = _kinds(graph, "llm/handlers.py")
    # the interface and its implementation: the calling API of every tool
    assert handlers.get(_at(HANDLERS, "async def complete")) == "wrapper"
    assert handlers.get(_at(HANDLERS, "async def complete", 1)) == "wrapper"
    assert handlers.get(_at(HANDLERS, "await litellm.acompletion")) == "request"
    assert handlers.get(_at(HANDLERS, "await litellm.acompletion", 1)) == "request"
    tool = _kinds(graph, "app/tagger.py")
    assert tool.get(_at(TOOL, "self.handler.complete(")) == "wrapper-call"  # the tool's prompt site
    assert _at(TOOL, "await over_candidates(") not in tool  # handing ``_attempt`` to the fallback helper
    assert _at(TOOL, "def _attempt") not in tool and _at(TOOL, "def _ask") not in tool  # only pass the model on
    assert _at(TOOL, "await self._ask(model)") not in tool  # a call of an internal step
    assert set(tool) == {_at(TOOL, "self.handler.complete(")}
