"""A client helper whose calling API takes everything as keywords (``create(self, **config)``) and reshapes them before
the request: a copy of the mapping (``{**config}``), split by a private method into two dicts filtered from its
entries (``{k: v for k, v in config.items() if ...}``, unpacked from the tuple it returns) and then completed by
another private method. The ``messages=`` keyword its callers give still reaches the model call: ``create`` is a
wrapper and the agent step's call of it a wrapper-call."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_CLIENT = """
    from abc import ABC, abstractmethod

    from openai import AsyncOpenAI


    class ChatBackend(ABC):
        @abstractmethod
        async def stream(self, request):
            \"\"\"Stream a reply.\"\"\"


    class HostedBackend(ChatBackend):
        def __init__(self):
            self.sdk = AsyncOpenAI()

        async def stream(self, request):
            reply = await self.sdk.chat.completions.create(model="m", messages=request, stream=True)
            async for chunk in reply:
                yield chunk
"""

_HELPER = """
    from .backend import ChatBackend

    _OPTIONS = {"model_name", "trace_id", "on_delta"}


    class ModelGate:
        def __init__(self, backend: ChatBackend):
            self._backend = backend

        def _split(self, settings):
            plain = {k: v for k, v in settings.items() if k not in _OPTIONS}
            options = {k: v for k, v in settings.items() if k in _OPTIONS}
            return plain, options

        def _fill(self, plain, options):
            if not options.get("slots"):
                return plain
            filled = plain.copy()
            filled["messages"] = [dict(m) for m in plain["messages"]]
            return filled

        async def create(self, **settings):
            merged = {**settings}
            plain, options = self._split(merged)
            body = self._fill(plain, options)
            return await self._send(options.get("model_name"), body)

        async def _send(self, model_name, body):
            text = ""
            async for part in self._backend.stream(list(body["messages"])):
                text = part
            return text
"""

_AGENT = """
    from typing import Optional

    from .gate import ModelGate


    class Analyst:
        gate: Optional[ModelGate] = None

        async def reason(self, turns, system=None):
            sent = list(turns)
            if system:
                sent = [{"role": "system", "content": system}] + sent
            return await self.gate.create(messages=sent, model_name="m")
"""


def _tree(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"app/__init__.py": "", "app/backend.py": _CLIENT, "app/gate.py": _HELPER, "app/agent.py": _AGENT},
    )


def test_a_keywords_api_reshaping_its_mapping_is_a_wrapper(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}
    assert ("app/gate.py", line_of(_HELPER, "async def create("), "wrapper") in found, sorted(found)


def test_the_agent_steps_call_of_it_is_a_wrapper_call(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}
    assert ("app/agent.py", line_of(_AGENT, "self.gate.create("), "wrapper-call") in found, sorted(found)
