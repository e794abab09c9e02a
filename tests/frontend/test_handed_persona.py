"""An agent another agent hands the conversation over to, declared with instructions that only say who it is
(``You only speak Danish.``) and no tools, answer type or turn of its own: each run answers whatever the person said,
free conversation (CALLSITES: open-ended), not a probe with no input. A handoff target whose instructions state a
closed task stays as its wording reads (demo written for this test)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import HANDED_PERSONA, multi_task_wrappers, triage_site

from .trees import analysed_graph, line_of, write_tree

DEMO = """
    from agents import Agent, Runner


    danish = Agent(name="danish", instructions="You only speak Danish.")
    tagger = Agent(name="tagger", instructions="Classify the message as spam or not spam. Answer with one word.")
    desk = Agent(
        name="desk",
        instructions="Hand the person over to the helper that suits their message.",
        handoffs=[danish, tagger],
    )


    async def main(message: str) -> None:
        result = await Runner.run(desk, message)
        print(result.final_output)
"""


def test_a_handed_over_persona_carries_on_the_conversation(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/demo.py": DEMO})
    graph = analysed_graph(tmp_path)
    multi = multi_task_wrappers(graph)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "app/demo.py"}
    persona = found.get(line_of(DEMO, "danish = Agent("))
    assert persona is not None and persona.site == SiteKind.FRAMEWORK_TASK, sorted(found)
    got = triage_site(graph, persona, multi)
    assert got.verdict == Verdict.OPEN_ENDED and HANDED_PERSONA in got.reasons, got
    assert not any("probe" in r for r in got.reasons), got
    closed = triage_site(graph, found[line_of(DEMO, "tagger = Agent(")], multi)
    assert closed.verdict == Verdict.NARROW and HANDED_PERSONA not in closed.reasons, closed
