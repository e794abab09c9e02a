"""An agent declared in one module and run in another (``from .agents.planner import planner`` then
``Runner.run(planner, f"Query: {q}")``) carries what its construction declares, as an agent declared beside its run
does: the instructions, the answer type and the (missing) tools. Without them the run read as a bare agent loop over
tools with the caller's one line as its prompt (tree written for this test, in the SDK's own repository layout)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import triage_site

from .trees import analysed_graph, carried_text, line_of, write_tree

RUNNER = """
    class Agent:
        def __init__(self, name, instructions=None, tools=(), handoffs=(), output_type=None, model=None):
            self.name = name


    class Runner:
        @classmethod
        async def run(cls, starting_agent, input):
            node = starting_agent
            while node is not None:
                node = await node.step(input)
            return node
"""

PLANNER = """
    from pydantic import BaseModel

    from agents import Agent

    PROMPT = "Given a topic, come up with a set of web searches to run. Output between 3 and 8 search terms."


    class Searches(BaseModel):
        terms: list[str]


    planner = Agent(name="planner", instructions=PROMPT, output_type=Searches)
"""

MANAGER = """
    from agents import Runner

    from .agents.planner import Searches, planner


    class Manager:
        async def plan(self, topic: str) -> Searches:
            result = await Runner.run(planner, f"Topic: {topic}")
            return result.final_output_as(Searches)
"""


def test_an_imported_agents_run_carries_its_declared_contract(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'openai-agents'\n",
            "src/agents/__init__.py": "from .run import Agent, Runner\n",
            "src/agents/run.py": RUNNER,
            "examples/__init__.py": "",
            "examples/bot/__init__.py": "",
            "examples/bot/agents/__init__.py": "",
            "examples/bot/agents/planner.py": PLANNER,
            "examples/bot/manager.py": MANAGER,
        },
    )
    graph = analysed_graph(tmp_path)
    line = line_of(MANAGER, "await Runner.run(")
    run = next(s for s in graph.sites() if s.loc.path == "examples/bot/manager.py" and s.loc.line == line)
    assert "come up with a set of web searches" in carried_text(graph, run), carried_text(graph, run)
    assert run.output_schema == "Searches", run
    got = triage_site(graph, run)
    assert got.verdict == Verdict.NARROW and not any("agent loop" in r for r in got.reasons), got
