"""An engine typed only by a ``typing.Protocol`` (``engine: Engine`` where ``class Engine(Protocol)`` declares
``run``): the classes of the tree that define every method the protocol declares implement it without naming it as a
base, so a call on the protocol type reaches them as it would reach subclasses. The protocol's method is the calling
API the service uses, the implementation holding the request implements it; a class meeting another protocol whose
implementation reaches no model (a store) stays silent, and so does a class defining only part of the engine's
methods."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

ENGINES = """
    from typing import Protocol

    from llama_index.llms.openai import OpenAI


    class Engine(Protocol):
        async def run(self, messages): ...

        async def cancel(self, rid: str) -> bool: ...


    class LoopEngine:
        def __init__(self):
            self.llm = OpenAI(model="gpt-4o")

        async def run(self, messages):
            return await self.llm.astream_chat(messages)

        async def cancel(self, rid: str) -> bool:
            return True


    class HalfEngine:
        async def run(self, messages):
            return list(messages)


    class Store(Protocol):
        def save(self, item): ...


    class DiskStore:
        def save(self, item):
            with open("log.txt", "a") as fh:
                fh.write(item)


    class Service:
        def __init__(self, engine: Engine, store: Store):
            self.engine = engine
            self.store = store

        async def answer(self, messages):
            self.store.save(str(messages))
            return await self.engine.run(messages)


    async def endpoint(service: Service, body):
        return await service.answer(body["messages"])
"""


def test_protocol_typed_engine_reaches_its_implementations(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/engines.py": ENGINES})
    found = sites_in(tmp_path, "app/engines.py")
    wrappers = {line for line, kind in found if kind == "wrapper"}
    assert wrappers == {
        line_of(ENGINES, "async def run(self, messages): ..."),
        line_of(ENGINES, "return await self.llm") - 1,  # LoopEngine.run
        line_of(ENGINES, "async def answer("),
    }
    calls = {line for line, kind in found if kind == "wrapper-call"}
    assert calls == {line_of(ENGINES, "await self.engine.run("), line_of(ENGINES, "await service.answer(")}
    assert (line_of(ENGINES, "self.llm.astream_chat("), "request") in found
