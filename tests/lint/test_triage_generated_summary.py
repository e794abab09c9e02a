"""``Generate a summary of the notes below`` asks for a summary of given text, as ``write`` / ``create`` / ``produce``
a summary of it do (prompts written for these tests); a summary of the model's own findings is not."""

from __future__ import annotations

from .builders import wording_reasons

SUMMARY = 'prompt says "summary of given text"'


def test_generating_a_summary_of_given_text_is_a_summary() -> None:
    assert SUMMARY in wording_reasons(
        "You are responsible for generating a concise summary of the records listed below."
    )
    assert SUMMARY in wording_reasons("Generate a short summary of the following ticket thread:\n{thread}")


def test_generating_a_summary_of_own_findings_is_not_one_of_given_text() -> None:
    assert SUMMARY not in wording_reasons("Research the market, then generate a summary of your findings.")


def test_key_points_heading_a_brief_ask_for_no_summary() -> None:
    """``Key points to focus on:`` heads the writer's own brief (what to argue), not a request for the key points of
    a given text."""
    assert SUMMARY not in wording_reasons(
        "You argue for the proposal in the debate.\nKey points to focus on:\n- Benefits\n- Costs\nReply to: {last}"
    )
    assert SUMMARY in wording_reasons("List the key points of the meeting notes below.\n{notes}")
