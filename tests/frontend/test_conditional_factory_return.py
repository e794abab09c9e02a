"""A factory method choosing between two engines in one return (``return self.queued() if mode == "q" else
self.looped()``) hands out either, as two returns would: the caller's ``engine.run(...)`` on what it returns (here
fetched through ``asyncio.to_thread``) reaches the ``run`` of each engine. The engine that holds the request makes the
caller's method a wrapper and its call a wrapper-call, although the evaluator's first pick (the queued engine, which
only hands the job to a runner) reaches no model by itself. Fails before: the one return was not taken as two, and
the call kept its first pick, so ``stream_chat`` and the router's call were not found."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, write_tree

ENGINES = """
    import asyncio

    from llama_index.llms.openai import OpenAI


    class LoopEngine:
        def __init__(self, llm):
            self.llm = llm

        async def run(self, request):
            return await self.llm.astream_chat(request)


    class QueuedEngine:
        def __init__(self, runner):
            self.runner = runner

        async def run(self, request):
            return await self.runner.submit(request)


    class ChatService:
        def __init__(self, mode, runner):
            self.llm = OpenAI(model="gpt-4o-mini")
            self.mode = mode
            self.runner = runner

        def queued(self) -> QueuedEngine:
            return QueuedEngine(self.runner)

        def looped(self) -> LoopEngine:
            return LoopEngine(self.llm)

        def build(self):
            return self.queued() if self.mode == "queue" else self.looped()

        async def stream_chat(self, request):
            engine = await asyncio.to_thread(self.build)
            return await engine.run(request)
"""

ROUTER = """
    from engines import ChatService


    async def answer(service: ChatService, messages):
        return await service.stream_chat(messages)
"""


def test_call_on_a_conditionally_built_engine_reaches_each_branch(tmp_path: Path) -> None:
    write_tree(tmp_path, {"engines.py": ENGINES, "router.py": ROUTER})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("engines.py", 11)) == "wrapper"  # LoopEngine.run
    assert found.get(("engines.py", 12)) == "request"
    assert found.get(("engines.py", 38)) == "wrapper"  # ChatService.stream_chat
    assert found.get(("engines.py", 40)) == "wrapper-call"  # engine.run(request) on either engine
    assert found.get(("router.py", 6)) == "wrapper-call"  # service.stream_chat(messages)
