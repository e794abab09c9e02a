"""A recovery turn: the model's last answer broke the shape the code needs (a schema, a tool call), and the code sends
it back asking for the same answer again in that shape. The output is the earlier answer re-shaped: narrow, like other
JSON repair. Prompts written for these tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site, wording_evidence

from .builders import add_site

REASK = 'prompt says "re-ask to repair a failed answer"'


def _said(prompt: str) -> set[str]:
    return {e.reason for e in wording_evidence([prompt])}


def test_a_resend_in_the_expected_format_is_narrow() -> None:
    g = AgentGraph()
    schema = add_site(
        g,
        "loop.py",
        40,
        user="Your answer could not be read. The reply must fit this JSON schema: {schema}\n"
        "Please send it again in the correct format.",
    )
    assert REASK in _said("Please send it again in the correct format.")
    assert triage_site(g, schema).verdict == Verdict.NARROW
    tool = add_site(
        g,
        "loop.py",
        60,
        user="Your last reply tried to call a tool but could not be parsed. If you meant to call one, answer with "
        "only that tool call and nothing else.",
    )
    assert REASK in _said("Your last reply tried to call a tool but could not be parsed.")
    assert triage_site(g, tool).verdict == Verdict.NARROW


def test_asking_again_for_new_content_is_no_format_repair() -> None:
    # "try again" about the content (not its shape) and a previous attempt that went well say nothing of repair
    assert REASK not in _said("That story was dull. Try again and write a livelier one.")
    assert REASK not in _said("Your previous attempt was good; now write the next chapter.")
    assert REASK not in _said("Do not resubmit in the expected format; explain the error in your own words instead.")


def test_a_failed_attempt_at_the_work_itself_is_no_format_repair() -> None:
    # a failure of the job (a fix that did not work), not of the answer's shape: the re-ask writes new work
    assert REASK not in _said("The previous attempt to fix the failing test failed. Write a new patch for the module.")
