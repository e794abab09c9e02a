"""A change record (a commit message, a pull request's description, a changelog entry) and a description asked to
reflect what the given input holds are summaries of given text; a description invented from a brief is new content
(prompts written for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, wording_reasons

SUMMARY = 'prompt says "summary of given text"'
DOCUMENT = 'prompt says "writes a document"'


def test_a_description_reflecting_the_given_changes_is_a_summary() -> None:
    said = wording_reasons("Produce a release description which covers all edits listed below.\n{edits}")
    assert SUMMARY in said and DOCUMENT not in said
    said = wording_reasons("Write a merge request description that describes the changes in this branch: {diff}")
    assert SUMMARY in said and DOCUMENT not in said


def test_a_description_invented_from_a_brief_stays_a_document() -> None:
    said = wording_reasons("Write a product description that captures the mood of a summer evening for our new lamp.")
    assert DOCUMENT in said and SUMMARY not in said
    assert DOCUMENT in wording_reasons("Write a detailed description for the fantasy kingdom in the story.")


def test_change_records_are_summaries_of_the_diff() -> None:
    assert SUMMARY in wording_reasons(
        "Here is the staged diff:\n{diff}\nSuggest a commit message in the imperative mood."
    )
    assert SUMMARY in wording_reasons("Draft the PR title for these edits: {edits}")
    assert SUMMARY in wording_reasons("Add a changelog entry for the work below.\n{work}")
    assert SUMMARY not in wording_reasons("Commit to the plan and write the program in full.")


def test_a_shorter_commit_message_reads_narrow() -> None:
    g = AgentGraph()
    site = add_site(
        g,
        "shorten_message",
        12,
        user='The commit message "{msg}" is over the limit. Give a shorter commit message than that one.',
        options={"temperature": 0.1},
    )
    assert triage_site(g, site).verdict == Verdict.NARROW


def test_a_pull_request_description_with_an_outline_reads_narrow() -> None:
    g = AgentGraph()
    site = add_site(
        g,
        "describe_branch",
        20,
        system="You are a careful engineer who writes a pull request description for the changes of a branch.",
        user="Write a pull request description that reflects every change in this branch.\n<diff>\n{diff}\n</diff>\n"
        "Answer in these tags:\n<body>\n# Overview\nOne line.\n# Details\nA few bullets.\n</body>",
    )
    assert triage_site(g, site).verdict == Verdict.NARROW


def test_a_story_with_a_fixed_outline_stays_open() -> None:
    g = AgentGraph()
    site = add_site(
        g,
        "tell_story",
        30,
        user="Write a story about a lighthouse keeper for children, in several paragraphs.\n"
        "Answer in these tags:\n<body>\n# Title\n# Story\n</body>",
    )
    assert triage_site(g, site).verdict == Verdict.OPEN_ENDED


ADVICE = 'prompt says "advice or explanation"'


def test_explaining_what_a_given_change_did_is_no_advice() -> None:
    assert ADVICE not in wording_reasons(
        "<diff>\n{diff}\n</diff>\nExplain how the behaviour of the module has changed."
    )
    assert ADVICE not in wording_reasons(
        "Explain what was changed in the schema below, one bullet per table.\n{schema}"
    )
    assert ADVICE in wording_reasons("Explain how a hash map works to a new programmer.")
    assert ADVICE in wording_reasons("Explain why the weather changes with the seasons.")
