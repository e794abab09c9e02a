"""A package renamed while scripts beside it still import it by its old name (``from oldkit import Chain``,
``from oldkit.agents.helpers import make_agent`` in a tree whose package is ``newkit/``): every submodule path the
scripts name exists under that one package of the tree, so the old name is that package, and the calls the scripts
make of its wrappers are wrapper-calls. A package the tree does not hold at all (an installed library whose
submodule paths match nothing in the tree, or match only once) is left alone."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, line_of, site_at, write_tree

CORE = """
    from openai import OpenAI


    class Chain:
        def __init__(self):
            self.client = OpenAI()

        def run(self, agent, messages):
            full = [{"role": "system", "content": agent["instructions"]}, *messages]
            return self.client.chat.completions.create(model=agent["model"], messages=full)
"""

HELPERS = """
    def make_agent(instructions):
        return {"model": "gpt-4o", "instructions": instructions}
"""

SCRIPT = """
    from oldkit import Chain
    from oldkit.agents.helpers import make_agent
    from oldkit.core import Chain as SameChain
    from otherlib.things import thing


    def solve(problem):
        agent = make_agent("Solve the math problem step by step and end with the final answer in a box.")
        reply = Chain().run(agent, [{"role": "user", "content": problem}])
        return reply.choices[0].message.content, SameChain, thing
"""


def test_calls_through_the_old_package_name_are_found(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "newkit/__init__.py": "from .core import Chain\n",
            "newkit/core.py": CORE,
            "newkit/agents/__init__.py": "",
            "newkit/agents/helpers.py": HELPERS,
            "evaluation/solve.py": SCRIPT,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "newkit/core.py", line_of(CORE, "def run(")).site == SiteKind.WRAPPER
    call = site_at(graph, "evaluation/solve.py", line_of(SCRIPT, "Chain().run("))
    assert call.site == SiteKind.WRAPPER_CALL
