"""Two readings of a prompt that asks for a small record: an answer schema (written as typed class fields) whose fields
are mostly numbers and flags, and a command or text to hand back "identical to the original" but for one change. Both
are read off the input: narrow. A schema of free-text fields, or one holding a list of items the model makes up, is
no such record. Prompts written for these tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site, typed_record_evidence, wording_evidence

from .builders import add_site

RECORD = "the answer is a record of number / flag fields"
TAKEN = 'prompt says "output taken from the input"'

COUNTS = """You are given a spreadsheet export below.
{sheet}
Reply with a YAML object of type $SheetFacts, per these Pydantic definitions:
class SheetFacts(BaseModel):
    sheet_name: str = Field(description="name of the sheet")
    row_count: int = Field(description="how many data rows there are")
    header_row: int = Field(description="the line holding the column headers")
    has_totals: bool = Field(description="whether a totals row closes the sheet")
"""

ESSAYS = """Plan a newsletter issue about {topic}.
Reply with a YAML object of type $Issue:
class Issue(BaseModel):
    headline: str = Field(description="a catchy headline")
    body: str = Field(description="the full article text")
    word_count: int
"""

LISTED = """Suggest reading material for {topic}.
class Pick(BaseModel):
    title: str
    year: int
class Picks(BaseModel):
    count: int
    picks: List[Pick]
"""


def test_a_record_of_counts_and_flags_is_narrow() -> None:
    assert [e.reason for e in typed_record_evidence(COUNTS)] == [RECORD]
    g = AgentGraph()
    site = add_site(g, "facts.py", 12, user=COUNTS)
    assert triage_site(g, site).verdict == Verdict.NARROW


def test_free_text_fields_or_lists_are_no_record() -> None:
    assert typed_record_evidence(ESSAYS) == []  # two of three fields are prose
    assert typed_record_evidence(LISTED) == []  # a list of invented items
    assert typed_record_evidence("ratio: 3 to 1\nnote: keep it short") == []  # no declared types


def test_the_given_text_handed_back_changed_a_little_is_taken_from_the_input() -> None:
    said = {
        e.reason
        for e in wording_evidence(
            [
                "Return the build command. It must be identical to the original "
                "command, but with the verbose flag removed."
            ]
        )
    }
    assert TAKEN in said
    said = {e.reason for e in wording_evidence(["Adapt the query while maintaining all other original filters."])}
    assert TAKEN in said
    # an original piece of work is not one handed back
    said = {e.reason for e in wording_evidence(["Write an original short story about a lighthouse keeper."])}
    assert TAKEN not in said


ONLY = 'prompt says "answer with only"'
PICK = 'prompt says "pick among listed items"'


def test_the_noun_answer_before_only_is_no_closed_answer() -> None:
    # "a concise answer only" asks for nothing beside the answer; it says nothing of how closed the answer is
    assert ONLY not in _said("Using the passages, respond with a concise answer only.")
    assert ONLY not in _said("Give your final answer only, no preamble.")
    # the verb still reads as a closed answer form
    assert ONLY in _said("Answer only with the ticket number.")
    assert ONLY in _said("You should output only the team name.")
    assert ONLY in _said("Return only the label.")


def test_indices_of_given_items_pick_among_them() -> None:
    assert PICK in _said("Reply with a python list of indices of the passages that back the claim.")
    assert PICK in _said("Return an array of the row indexes to keep.")
    assert PICK not in _said("Build an index of the main topics covered in the book.")


def _said(prompt: str) -> set[str]:
    return {e.reason for e in wording_evidence([prompt])}


def test_a_method_named_only_for_how_it_reaches_the_model_says_no_task() -> None:
    from slmc.passes.triage import name_evidence

    g = AgentGraph()
    asked = add_site(g, "HopAgent.query", 30, user="{documents}\n{question}")
    assert name_evidence(g, asked) == []  # ``query`` alone: the agent is queried, no query is written
    rewritten = add_site(g, "HopAgent.rewrite_query", 50, user="{question}")
    assert [e.weight > 0 for e in name_evidence(g, rewritten)] == [True]  # a search query rewritten: closed


def test_nothing_else_after_a_format_only_rules_out_prose() -> None:
    assert ONLY not in _said("Reply with the new test functions (should be a valid YAML, and nothing else).")
    assert ONLY not in _said("Return the records as JSON and nothing else.")
    assert ONLY in _said("Reply with the category name and nothing else.")


def test_a_case_of_the_input_is_not_the_task() -> None:
    doc = 'prompt says "writes a document"'
    gaps = (
        "Given the question and the passages found so far, list up to three more search queries as a JSON list, or "
        "an empty list when nothing is missing. If the original query is to write a report, prefer more queries."
    )
    assert doc not in _said(gaps)
    assert 'prompt says "query generation"' in _said(gaps)
    # the task itself still reads as writing
    assert doc in _said("Write a report on the findings below. If the question is unclear, say so first.")
