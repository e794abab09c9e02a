"""Readings of a closed task that other words around it hid (prompts written for these tests): a case of what the
user may ask for, named inside a rule (``do not search if the user is asking you to write code``), says nothing of
this answer; ``concise but comprehensive`` asks for a short answer; a summary asked "capturing" an outline is a
summary; ``max 40 characters`` and ``a 3-6 word label`` bound the answer's length."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, wording_reasons

CODE = 'prompt says "writes code"'
DETAILED = 'prompt says "detailed content"'
SUMMARY = 'prompt says "summary of given text"'
BOUND = 'prompt says "bounded length"'


def test_what_the_user_may_ask_for_is_no_task_of_this_call() -> None:
    text = (
        "Tell us whether the message needs a calendar lookup.\n"
        "- Skip the lookup when the user is asking you to draft an email, write code, or plan a trip.\n"
        "Reply with only yes or no."
    )
    assert CODE not in wording_reasons(text)
    g = AgentGraph()
    assert triage_site(g, add_site(g, "needs_lookup", 5, user=text + "\nMessage: {m}")).verdict == Verdict.NARROW


def test_code_asked_of_the_model_itself_stays_code() -> None:
    assert CODE in wording_reasons("If the tests fail, write code that fixes the parser, every file in full.")
    assert CODE in wording_reasons("The user wants a parser. Write code for the parser, every file in full.")


def test_concise_but_comprehensive_is_no_request_for_detail() -> None:
    assert DETAILED not in wording_reasons("Keep it concise but comprehensive.")
    assert DETAILED not in wording_reasons("Be brief yet thorough about what changed.")
    assert DETAILED in wording_reasons("Give a comprehensive account of the era.")


def test_a_summary_asked_with_its_outline_is_a_summary() -> None:
    text = "You are writing a running summary capturing:\n1. Goals\n2. Open questions\n\nNotes: {notes}"
    assert SUMMARY in wording_reasons(text)
    assert SUMMARY in wording_reasons("Creating a short summary of the meeting below is your job.\n{meeting}")
    assert SUMMARY not in wording_reasons("Creating a new world for the story is your job.")


def test_length_bounds_in_characters_and_word_ranges() -> None:
    assert BOUND in wording_reasons("Name the folder: max 40 characters.")
    assert BOUND in wording_reasons("Give a 3-6 word label for the ticket.")
    assert BOUND not in wording_reasons("The max 40 users limit applies to the team plan.")
    assert BOUND not in wording_reasons("Read pages 3-6 of the word list first.")
