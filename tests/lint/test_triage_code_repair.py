"""A prompt asking for edits that fix a reported problem, or for a complete test reproducing it, writes code; a prompt
asking only which files or places one would edit to fix it does not (prompts written for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, wording_reasons

REPAIR = 'prompt says "repairs code"'
CODE = 'prompt says "writes code"'


def test_edits_that_fix_the_issue_repair_code() -> None:
    assert REPAIR in wording_reasons("Find the fault first, then generate `patch_lines` commands to fix the issue.")
    assert REPAIR in wording_reasons("Produce unified diffs that resolve this crash bug.")
    assert REPAIR in wording_reasons("Write *OLD/NEW* edits to address the failing-build error.")
    assert REPAIR not in wording_reasons("List up to 3 modules one would need to edit to fix the problem.")
    assert REPAIR not in wording_reasons("Name the functions that need changes to fix the bug.")


def test_a_complete_reproduction_test_is_code() -> None:
    assert CODE in wording_reasons("Please write a complete test that shows the reported crash happening.")
    assert CODE in wording_reasons("Generate a regression test for the report below.")
    assert CODE not in wording_reasons("Pick the tests from the list that should not run after the change.")


def test_repair_prompt_reads_open_and_localisation_prompt_narrow() -> None:
    g = AgentGraph()
    repair = add_site(
        g,
        "propose_fix",
        10,
        user="Here is a bug report:\n{report}\nAnd the code:\n{code}\n"
        "Locate the fault, then generate *OLD/NEW* edit blocks to fix the issue. Keep indentation exact.",
    )
    assert triage_site(g, repair).verdict == Verdict.OPEN_ENDED, triage_site(g, repair)
    where = add_site(
        g,
        "where",
        30,
        user="Here is a bug report:\n{report}\nAnd the module list:\n{modules}\n"
        "Which of the following modules would one need to edit to fix the problem? Return at most 3 paths, one a line.",
    )
    assert triage_site(g, where).verdict != Verdict.OPEN_ENDED, triage_site(g, where)
