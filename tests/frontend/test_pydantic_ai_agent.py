"""A pydantic-ai ``Agent(model, system_prompt=...)`` runs its model steps when called with ``run`` / ``run_sync`` /
``run_stream``: that call is a model call, and a method of the tree handing its caller's question to it is the calling
API (a wrapper). ``run_sync`` on an object of the tree's own (a job runner) is none."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_AGENT = """
    from pydantic_ai import Agent

    from .jobs import Runner


    class Helper:
        def __init__(self, model, system_prompt):
            self.agent = Agent(model, system_prompt=system_prompt)

        def ask(self, question):
            result = self.agent.run_sync(question)
            return result.output

        async def ask_async(self, question):
            result = await self.agent.run(question)
            return result.output


    def explain(model, error):
        return Helper(model, "You explain Python errors.").ask(f"Explain this error in two sentences: {error}")


    def nightly():
        return Runner().run_sync("cleanup")
"""

_JOBS = """
    class Runner:
        def run_sync(self, name):
            return name.upper()
"""


def test_pydantic_ai_agent_run_is_a_model_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/agent.py": _AGENT, "app/jobs.py": _JOBS})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert ("app/agent.py", line_of(_AGENT, "self.agent.run_sync(")) in found
    assert ("app/agent.py", line_of(_AGENT, "await self.agent.run(")) in found
    assert site_at(graph, "app/agent.py", line_of(_AGENT, "def ask(")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/agent.py", line_of(_AGENT, ").ask(f")).site == SiteKind.WRAPPER_CALL
    assert ("app/agent.py", line_of(_AGENT, "Runner().run_sync(")) not in found
