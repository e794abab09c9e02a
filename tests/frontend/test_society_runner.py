"""A role-playing society (two agents taking turns on one task) is an agent loop: a helper that runs the society
turn after turn (``run_turns(society)`` calling ``society.step(msg)``) hands the caller's task to that loop, so the
call of the helper is an open agent run, not a call with no evidence."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree
from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import triage_site

SOCIETY = """
    from openai import OpenAI

    client = OpenAI()


    class Speaker:
        def __init__(self, persona):
            self.persona = persona

        def reply(self, text):
            out = client.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": self.persona}, {"role": "user", "content": text}],
            )
            return out.choices[0].message.content


    class DuoRolePlaying:
        def __init__(self, task):
            self.task = task
            self.guide = Speaker("You instruct.")
            self.doer = Speaker("You carry out the instructions.")

        def step(self, msg):
            order = self.guide.reply(msg)
            return self.doer.reply(order), order


    def run_turns(society: DuoRolePlaying, rounds=5):
        msg = society.task
        for _ in range(rounds):
            msg, _order = society.step(msg)
        return msg


    def solve(question):
        society = DuoRolePlaying(question)
        return run_turns(society)


    def solve_briefly(question):
        return run_turns(DuoRolePlaying(question), rounds=2)
"""


def test_a_call_of_a_society_runner_is_an_open_agent_run(tmp_path: Path) -> None:
    write_tree(tmp_path, {"duo.py": SOCIETY})
    graph = analysed_graph(tmp_path)
    calls = [s for s in graph.sites() if s.function == "solve" and s.site == SiteKind.WRAPPER_CALL]
    assert len(calls) == 1, [(s.function, str(s.site), s.loc.line) for s in graph.sites()]
    result = triage_site(graph, calls[0])
    assert result.verdict == Verdict.OPEN_ENDED, result
    assert any("agent loop" in r for r in result.reasons)
