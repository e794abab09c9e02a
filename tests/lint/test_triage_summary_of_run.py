"""A summary of a run the prompt hands in (``You are summarizing a tool session ...``) is a summary of given text, and a
JSON the prompt forbids (``Do not answer in JSON``) makes no fixed schema: the "next steps" the summary should keep
are no plan asked in a fixed schema, so the site reads as narrow. A list of next steps asked as JSON stays a
judgement call."""

from __future__ import annotations

import pytest

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site

KEEPER = (
    "You are summarizing a coding session so that it can be shortened.\n"
    "Keep the goal, the facts found, the files touched, open problems and next steps.\n"
    "Reply in plain sentences only. Do not answer in JSON or with code blocks."
)


def test_summary_of_a_session_with_json_forbidden_is_narrow() -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=KEEPER, user="<session>\n{log}\n</session>")
    t = triage_site(g, site)
    assert t.verdict == Verdict.NARROW, t
    assert not any("planning" in r for r in t.reasons), t


@pytest.mark.parametrize(
    "phrase",
    ["summarizing an agent run", "summarize the session below", "summarise this episode"],
)
def test_summary_of_a_run_is_a_summary_of_given_text(phrase: str) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=f"You are {phrase}. Keep it short.", user="{log}")
    assert 'prompt says "summary of given text"' in triage_site(g, site).reasons


def test_next_steps_asked_as_json_stay_a_judgement_call() -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system="Read the session and list the next steps as JSON.", user="{log}")
    assert triage_site(g, site).verdict == Verdict.UNCLEAR
