"""A system prompt's list of what the assistant is able to do (prompts written for these tests).

``The assistant can summarize documents, extract tables and critique code`` says what the assistant may be asked,
not what this call asks: its words are left out of the reading in both directions and of the judgement cues. A
constraint written the same way (``the assistant can only answer yes or no``) and an instruction to the model in the
second person (``You can extract ...``) stay."""

from __future__ import annotations

from slmc.passes.triage import judgement_cues

from .builders import wording_reasons

CODE = 'prompt says "writes code"'
EXTRACT = 'prompt says "extract"'
YES_NO = 'prompt says "yes or no"'

_SYSTEM = (
    "You are a data helper running Python in a notebook.\n"
    "- Reports: the assistant can analyze, summarize, or extract information from long documents.\n"
    "- Reviews: the assistant can critique code and tell whether it passes.\n"
    "Write code that loads {file} and plots its columns."
)


def test_a_list_of_capabilities_is_not_the_task() -> None:
    reasons = wording_reasons(_SYSTEM)
    assert EXTRACT not in reasons
    assert CODE in reasons  # the instruction after the list is read
    assert judgement_cues([_SYSTEM], structured=False) == []


def test_the_same_words_asked_of_the_model_are_read() -> None:
    assert EXTRACT in wording_reasons("Extract the invoice number and the total from {document}.")
    assert EXTRACT in wording_reasons("You can extract the invoice number and the total from {document}.")


def test_a_constraint_said_of_the_assistant_stays() -> None:
    assert YES_NO in wording_reasons("The assistant can only answer yes or no: is {claim} supported by {source}?")


def test_a_case_of_what_the_assistant_can_do_is_no_list() -> None:
    """``... or if the assistant can respond directly``: a condition inside the task statement, read with it."""
    text = "The assistant needs to decide if the input merits a web search, or if the assistant can respond directly."
    assert 'prompt says "decide whether"' in wording_reasons(text)
