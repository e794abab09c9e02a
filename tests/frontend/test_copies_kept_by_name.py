"""Per-name copies of a model-reaching agent kept by item in a dict the object fills in a method
(``self.workers[name] = deepcopy(agent)``), then called as ``self.workers[name].act(...)`` (from a method of the
same name, where a guess by name alone would be recursion): the entry is an instance of the agent's class, so the
call is a wrapper call. A dict of plain values filled the same way is not."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree

_TREE = {
    "worker.py": """
        from openai import OpenAI


        class Worker:
            def __init__(self, duty: str):
                self.duty = duty

            def act(self, task: str) -> str:
                out = OpenAI().chat.completions.create(
                    model="m", messages=[{"role": "system", "content": self.duty}, {"role": "user", "content": task}]
                )
                return out.choices[0].message.content
    """,
    "crew.py": """
        from copy import deepcopy

        from worker import Worker


        class Crew:
            workers: dict = {}
            notes: dict = {}

            def act(self, template: Worker, plan: dict) -> list:
                done = []
                for name, task in plan.items():
                    if name not in self.workers:
                        self.workers[name] = deepcopy(template)
                        self.notes[name] = []
                    done.append(self.workers[name].act(task))
                    self.notes[name].append(task)
                return done
    """,
}


def test_an_entry_copied_from_a_typed_agent_is_that_agent(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    sites = {s.loc.line: s.site for s in graph.sites() if s.loc.path == "crew.py"}
    assert sites.get(17) == SiteKind.WRAPPER_CALL, sites
    assert 18 not in sites  # ``self.notes[name].append(...)``: a list kept by item, no model
