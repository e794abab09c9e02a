"""A framework analysed in its own repository: the examples import the framework's entry class by its public name
(``from pydantic_ai import Agent``) and that name resolves to the tree, where ``run`` goes through a graph engine that no
call chain follows. The catalog still knows the class: ``agent.run_sync(q)`` is the framework's wrapper-call, as it is
for an installed framework, also on a generic class parameterised at construction (``Agent[None, bool](...)``). Other
methods of the class, a class of the tree the catalog does not know, and the package's own calls of its class (whose
chains the tree shows) give no site of this rule."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_INIT = """
    from .agent import Agent

    __all__ = ["Agent"]
"""

_AGENT = """
    from __future__ import annotations

    from typing import Generic, TypeVar

    D = TypeVar("D")
    O = TypeVar("O")


    class Agent(Generic[D, O]):
        def __init__(self, model: str, system_prompt: str = "") -> None:
            self.model = model
            self.system_prompt = system_prompt
            self.nodes: dict = {}

        def run_sync(self, user_prompt: str):
            state = {"prompt": user_prompt}
            node = self.nodes.get("start")
            while node is not None:
                node = getattr(node, "step")(state)
            return state

        def override(self, model: str) -> None:
            self.model = model


    class Recorder:
        def run_sync(self, text: str) -> str:
            return text
"""

_INSIDE = """
    from .agent import Agent


    def probe() -> object:
        return Agent("test").run_sync("ping")
"""

_DEMO = """
    from pydantic_ai import Agent
    from pydantic_ai.agent import Recorder

    agent = Agent("openai:gpt-4o-mini", system_prompt="Answer with the capital city only.")
    judge = Agent[None, bool]("openai:gpt-4o-mini", system_prompt="Is the statement true? Answer yes or no.")


    def main() -> None:
        print(agent.run_sync("France?"))
        print(judge.run_sync("Water boils at 100 C at sea level."))
        agent.override("openai:gpt-4o")
        print(Recorder().run_sync("kept"))
"""


def test_own_framework_agent_runs_are_model_calls(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pydantic_ai_slim/pyproject.toml": "[project]\nname = 'pydantic-ai-slim'\n",
            "pydantic_ai_slim/pydantic_ai/__init__.py": _INIT,
            "pydantic_ai_slim/pydantic_ai/agent.py": _AGENT,
            "pydantic_ai_slim/pydantic_ai/probe.py": _INSIDE,
            "examples/demo.py": _DEMO,
            "tests/test_demo.py": _DEMO,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "examples/demo.py"}
    for text in ('agent.run_sync("France?")', "judge.run_sync("):
        site = found.get(line_of(_DEMO, text))
        assert site is not None, (text, sorted(found))
        # reported as it is for an installed framework (the framework's run, its client family kept)
        assert site.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL) and site.client == "pydantic-ai"
    assert line_of(_DEMO, "agent.override(") not in found
    assert line_of(_DEMO, "Recorder().run_sync(") not in found
    # inside the framework's own package the tree's chains decide (here no chain reaches a model)
    assert not [s for s in graph.sites() if s.loc.path.endswith("probe.py")]
    # nor do the framework's tests (they run its agents on test models)
    assert not [s for s in graph.sites() if s.loc.path.startswith("tests/")]
