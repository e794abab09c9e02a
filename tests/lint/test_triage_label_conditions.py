"""The labels of a closed answer listed one a line, each with the condition that picks it (``- "OK" if ...`` /
``- "REJECT: [why]" if ...``): the answer is one of them, a short reason at most after it (prompts written for these
tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site, wording_evidence

from .builders import add_site

RULES = 'prompt says "listed labels, each with its condition"'

CHECK = (
    "You look over a draft for a release checklist.\n"
    "Checklist: {rules}\n"
    "Draft:\n{draft}\n"
    "Look at whether the draft satisfies the checklist. Reply with:\n"
    '1. "OK" if every item is satisfied\n'
    '2. "REJECT: [what is missing]" if an item is not\n'
    "Reply:"
)


def test_labels_listed_with_their_conditions_read_as_a_closed_answer() -> None:
    assert RULES in {e.reason for e in wording_evidence([CHECK])}
    g = AgentGraph()
    assert triage_site(g, add_site(g, "check_draft", 9, user=CHECK)).verdict == Verdict.NARROW


def test_one_quoted_word_with_a_condition_is_no_label_set() -> None:
    text = 'Write a short story for the reader.\n- "Alice" if the reader likes cats, anyone else otherwise'
    assert RULES not in {e.reason for e in wording_evidence([text])}
