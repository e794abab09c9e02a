"""A property of code named is no code written (prompts written for these tests).

``suggestions that improve code style`` or ``improve code quality`` names a quality of code being judged; the answer
need not hold code. Asking to improve or write the code itself stays a code-writing task."""

from __future__ import annotations

from .builders import wording_reasons

CODE = 'prompt says "writes code"'


def test_a_property_of_code_named_is_no_code_written() -> None:
    text = "Score each suggestion 0-10; give moderate scores to suggestions that improve code style or readability."
    assert CODE not in wording_reasons(text)
    assert CODE not in wording_reasons("Rate how well the change helps improve code quality, from 1 to 5.")
    assert CODE in wording_reasons("Improve the code of {file} and return the whole file.")
    assert CODE in wording_reasons("Write code that follows the code style of the project.")


def test_the_whole_code_handed_back_is_code_written() -> None:
    """``Return full updated code``: the program rewritten in full; a full review of the code is not."""
    assert CODE in wording_reasons("Check that {snippet} follows the rules. Return full updated code, no placeholders.")
    assert CODE in wording_reasons("Respond with the complete fixed program.")
    assert CODE not in wording_reasons("Return the full code review as a list of findings about {snippet}.")
