"""Wording that says nothing of the task: the stock persona line beside a closed answer form, the names in a listed
run of options, the idiom "turn out to be". And a user-facing reply asked "in a friendly tone" is a conversation.
Each prompt is written for these tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site, without_option_names

from .builders import add_site


def _triage(system: str, user: str = "{text}", function: str = "handle"):
    g = AgentGraph()
    return triage_site(g, add_site(g, function, 10, system=system, user=user))


def test_stock_persona_beside_a_closed_answer_form_is_no_evidence() -> None:
    t = _triage(
        "You are a helpful assistant.",
        "Here are the reviewers on duty: {reviewers}\nThe change: {change}\n"
        "You must ONLY output the id of the reviewer in a parsable JSON format.",
    )
    assert 'prompt says "helpful assistant"' not in t.reasons
    assert t.verdict == Verdict.NARROW, t


def test_stock_persona_alone_still_counts() -> None:
    t = _triage("You are a helpful assistant.", "{question}")
    assert 'prompt says "helpful assistant"' in t.reasons


def test_option_names_are_no_task() -> None:
    text = (
        'Each step names its kind, which must be one of "summarization", "translation", "image-to-text", '
        '"text-to-speech". Return the steps as JSON.'
    )
    masked = without_option_names(text)
    assert "translation" not in masked and "summarization" not in masked
    assert 'prompt says "translate"' not in _triage(text).reasons
    # an instruction that is a translation stays one
    assert 'prompt says "translate"' in _triage("Translate the note into German.").reasons


def test_turn_out_to_be_is_no_rewrite() -> None:
    t = _triage("Some of the tool results may turn out to be wrong; weigh them before you answer.")
    assert 'prompt says "rewrite"' not in t.reasons
    assert 'prompt says "rewrite"' in _triage("Turn the notes into a bulleted list.").reasons


def test_reply_in_a_friendly_tone_is_a_conversation() -> None:
    t = _triage("Answer my request from the results, then describe what you did in your friendly tone.")
    assert 'prompt says "conversation"' in t.reasons
