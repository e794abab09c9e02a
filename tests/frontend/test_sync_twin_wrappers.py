"""An agent class offering its step twice, ``astep`` (the one the code calls) and ``step`` (the synchronous twin
no code of the tree calls): both are the class's calling API, so the twin is a wrapper too, as is the abstract
``step`` the base declares beside its abstract ``astep``. A twin that is a bare ``pass`` stub reaches nothing."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree

_AGENTS = """
    from abc import abstractmethod
    from string import Template
    from typing import List

    from openai import OpenAI


    class Model:
        def generate(self, prompt: str) -> str:
            out = OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content

        async def agenerate(self, prompt: str) -> str:
            return self.generate(prompt)


    class BaseAgent:
        def __init__(self, llm: Model, template: str):
            self.llm = llm
            self.template = template

        @abstractmethod
        def step(self, seen: str) -> str:
            pass

        @abstractmethod
        async def astep(self, seen: str) -> str:
            pass


    class Talker(BaseAgent):
        def step(self, seen: str) -> str:
            return self.llm.generate(Template(self.template).safe_substitute(seen=seen))

        async def astep(self, seen: str) -> str:
            return await self.llm.agenerate(Template(self.template).safe_substitute(seen=seen))


    class Judge(BaseAgent):
        def step(self, seen: str) -> str:
            pass

        async def astep(self, seen: str) -> str:
            return await self.llm.agenerate(Template(self.template).safe_substitute(seen=seen))


    async def play(agents: List[BaseAgent], seen: str) -> str:
        return await agents[0].astep(seen)


    async def replay(agents: List[BaseAgent], seen: str) -> str:
        return await agents[-1].astep(seen)
"""


def test_the_uncalled_twin_of_a_wrapper_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agents.py": _AGENTS})
    graph = analysed_graph(tmp_path)
    wrappers = {s.loc.line for s in graph.sites() if s.loc.path == "agents.py" and s.site == SiteKind.WRAPPER}
    assert {24, 28, 33, 36, 44} <= wrappers  # abstract step and astep, Talker's two steps, Judge's astep
    assert 41 not in wrappers  # Judge's ``step`` stub
