"""New content asked in words the wording rules missed: a program named with an exclamation mark
(``write a Hello World! program``) is code to write; enhancing / enriching / elaborating a given report adds new
content to it (CALLSITES.md: reports and chapters are open-ended). Prompts written for these tests."""

from __future__ import annotations

import pytest

from .builders import wording_reasons

WRITES_CODE = 'prompt says "writes code"'
WRITES_DOC = 'prompt says "writes a document"'


@pytest.mark.parametrize(
    "text",
    [
        "Write a tiny Hello World! program in Rust. Output code only.",
        "Please create a small Yahtzee! game for the terminal.",
    ],
)
def test_a_program_named_with_an_exclamation_mark_is_code(text: str) -> None:
    assert WRITES_CODE in wording_reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "You improve drafts. Enhance the market report by adding worked cases and deeper insight.",
        "Please enrich this travel article with local anecdotes and history.",
        "Elaborate on the chapter below with more scenes and dialogue.",
    ],
)
def test_enhancing_a_given_report_writes_a_document(text: str) -> None:
    assert WRITES_DOC in wording_reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "Say Hello World! to the user and nothing else.",
        "Does the article below enhance the reader's trust? Answer yes or no.",
    ],
)
def test_no_new_content_without_the_verb_on_its_object(text: str) -> None:
    reasons = wording_reasons(text)
    assert WRITES_CODE not in reasons and WRITES_DOC not in reasons


SUMMARY_OF_GIVEN = 'prompt says "summary of given text"'


@pytest.mark.parametrize(
    "text",
    ["Summarize the sales call below as a ticket with fixed fields.", "Summarize this interview for the recruiter."],
)
def test_a_call_or_interview_summarised_is_a_summary_of_given_text(text: str) -> None:
    """A call or an interview held is a record handed in; its summary is a summary of given text (narrow)."""
    assert SUMMARY_OF_GIVEN in wording_reasons(text)


ONLY = 'prompt says "answer with only"'
SHORT = 'prompt says "a short closed answer"'


def test_a_numerical_answer_without_reasoning_is_closed() -> None:
    """``return the final numerical answer only, without any accompanying explanation``: a number and nothing beside
    it (CALLSITES.md: scores, short closed answers are narrow)."""
    reasons = wording_reasons(
        "Work out the sum of the bill below. Give the final numerical answer, without any reasoning."
    )
    assert ONLY in reasons and SHORT in reasons


def test_without_a_word_of_no_explanation_is_no_closed_answer() -> None:
    assert ONLY not in wording_reasons("Explain the proof to a child without jargon.")
    # the older prohibition keeps its exception: "nothing other than the answer" says nothing of how closed it is
    assert ONLY not in wording_reasons("Do not include any additional text other than the answer.")
