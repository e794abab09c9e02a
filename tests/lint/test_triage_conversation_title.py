"""A title or short name for a conversation handed in is a label of that text, as a summary's heading is: narrow
(prompts written for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, wording_reasons

TITLE = 'prompt says "title of the given conversation"'


def test_a_name_or_title_for_the_conversation_is_a_title() -> None:
    assert TITLE in wording_reasons("Give a short name (2-4 words) for this chat, from its opening message: {msg}")
    assert TITLE in wording_reasons("You write crisp titles for conversations between users and the helper bot.")
    assert TITLE in wording_reasons("Return the conversation title only.")
    assert TITLE not in wording_reasons("Come up with names for a new coffee brand.")
    assert TITLE not in wording_reasons("Write a conversation between a pirate and a robot.")


def test_naming_a_conversation_from_its_first_message_reads_narrow() -> None:
    """Only a length bound besides: without the title cue a bounded length alone leaves it unclear."""
    g = AgentGraph()
    site = add_site(
        g,
        "name_thread",
        10,
        system=None,
        user="Produce a short name (2-4 words) for this chat, given the opening message: {msg}",
    )
    t = triage_site(g, site)
    assert t.verdict == Verdict.NARROW, t
