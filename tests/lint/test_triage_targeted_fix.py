"""A code agent handed one finding of the program's own check (a name not found, a duplicate) and asked to fix just
that is a targeted edit, not code generation (prompts written for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import TARGETED_FIX, triage_site

from .builders import add_site

N, OPEN = Verdict.NARROW, Verdict.OPEN_ENDED


def test_a_check_finding_handed_to_a_code_agent_is_a_targeted_fix() -> None:
    g = AgentGraph()
    missing = add_site(
        g,
        "check_manual",
        10,
        client="aider",
        api="run",
        user="The anchor {anchor} was not found in glossary.md. If it is spelled differently there, rename the link "
        "to match; otherwise remove the link.",
    )
    t = triage_site(g, missing)
    assert t.verdict == N and TARGETED_FIX in t.reasons, t
    twice = add_site(
        g,
        "check_manual",
        20,
        client="aider",
        api="run",
        user="Duplicate table captions detected: {dups}. Keep one copy of each caption, in the better place.",
    )
    assert triage_site(g, twice).verdict == N


def test_other_code_agent_requests_stay_open() -> None:
    """Writing, rewriting and repairing from an error log are the code agent's own open work; a finding with no fix
    asked, or a fix forbidden, is not read as one."""
    g = AgentGraph()
    for line, text in enumerate(
        (
            "Write the installation chapter of the manual in {fname}.",
            "The build failed with this error: {log}. Please fix the code so that the tests pass.",
            "The anchor {anchor} was not found in glossary.md. Explain in a new section why anchors matter.",
            "Do not worry if a page is not found in the index; rewrite the introduction so it reads well.",
        ),
        start=1,
    ):
        site = add_site(g, "edit_manual", line * 10, client="aider", api="run", user=text)
        t = triage_site(g, site)
        assert t.verdict == OPEN and TARGETED_FIX not in t.reasons, (text, t)
