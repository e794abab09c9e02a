"""Reasoning first, then a fixed last line (``end with the line "The answer is {n}"``): what the program reads is that
line, a closed answer, however long the reasoning before it (prompts written for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site, wording_evidence

from .builders import add_site

FIXED = 'prompt says "a fixed literal answer"'


def test_a_fixed_last_line_after_reasoning_reads_narrow() -> None:
    text = (
        "Here are some candidate plans:\n{plans}\nWeigh every plan in detail, decide which plan is best, then finish on the "
        'last line "Plan {k} wins", where k is its number.'
    )
    assert FIXED in {e.reason for e in wording_evidence([text])}
    g = AgentGraph()
    assert triage_site(g, add_site(g, "vote_plan", 4, user=text)).verdict == Verdict.NARROW


def test_a_last_line_with_no_fixed_wording_is_not_closed() -> None:
    assert FIXED not in {e.reason for e in wording_evidence(["Write the poem and end with a striking last line."])}
