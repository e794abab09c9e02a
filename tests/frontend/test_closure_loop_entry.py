"""A chat engine's public ``run`` often drives its model steps through a closure it defines and runs as a task
(``async def drive(): await self._step(job)`` then ``asyncio.create_task(drive())``), handing on what it built from
its input (``job = Job(self.llm, request)``), and the step converts the object it is handed into messages
(``job.request.as_messages()``). That ``run``, called from another class, is the class's calling API. Not when the
closure runs a step that writes its own task prompt (through a local: ``text = "Rate ..." + item`` then
``prompt = Template(text)``): that step's request is the site, and the method looping over it is no wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

ENGINE = """
    import asyncio

    from llama_index.core.llms import LLM
    from llama_index.core.prompts import PromptTemplate


    class Job:
        def __init__(self, llm: LLM, request):
            self.llm = llm
            self.request = request


    class Engine:
        def __init__(self, llm: LLM):
            self._llm = llm

        async def run(self, request):
            job = Job(self._llm, request)

            async def drive():
                await self._step(job)

            task = asyncio.create_task(drive())
            return await task

        async def _step(self, job: Job):
            return await job.llm.achat(job.request.as_messages())


    class Grader:
        def __init__(self, llm: LLM):
            self._llm = llm

        async def grade_all(self, items):
            async def worker(item):
                return await self._grade(item)

            return [await worker(i) for i in items]

        async def _grade(self, item):
            text = "Rate this answer from 1 to 5, reply with the digit only: " + item
            prompt = PromptTemplate(template=text)
            return await self._llm.apredict(prompt)
"""

SERVICE = """
    from engine import Engine, Grader


    class Service:
        def __init__(self, engine: Engine):
            self.engine = engine

        async def answer(self, request):
            return await self.engine.run(request)


    async def grade(grader: Grader, items):
        return await grader.grade_all(items)
"""


def test_closure_driven_engine_run_is_the_calling_api(tmp_path: Path) -> None:
    write_tree(tmp_path, {"engine.py": ENGINE, "service.py": SERVICE})
    engine = sites_in(tmp_path, "engine.py")
    wrappers = {line for line, kind in engine if kind == "wrapper"}
    assert line_of(ENGINE, "async def run(self, request):") in wrappers
    assert line_of(ENGINE, "async def grade_all(") not in wrappers
    assert (line_of(ENGINE, "return await self._llm.apredict(prompt)"), "request") in engine
    assert (line_of(SERVICE, "return await self.engine.run(request)"), "wrapper-call") in sites_in(
        tmp_path, "service.py"
    )
