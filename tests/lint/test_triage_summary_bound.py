"""A length bound said as "no more than N" and a summary asked with "add a summary of": the same closed reading as
"at most N" and "write a summary of" (prompts written for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, wording_reasons

BOUND = 'prompt says "bounded length"'
SUMMARY = 'prompt says "summary of given text"'


def test_no_more_than_n_is_a_length_bound() -> None:
    assert BOUND in wording_reasons("Keep the note short: no more than 3 lines.")
    assert BOUND in wording_reasons("The answer must be not longer than 40 characters.")
    assert BOUND not in wording_reasons("The log below has 300 lines; read it carefully.")
    assert BOUND not in wording_reasons("There is no more than one way to read this, think it through.")


def test_adding_a_summary_of_given_changes_is_a_summary() -> None:
    assert SUMMARY in wording_reasons("Add a short summary of the release's changes to the notes file.")
    assert SUMMARY not in wording_reasons("Add a new section to the notes file.")


def test_a_short_entry_summarising_given_changes_reads_narrow() -> None:
    """A log entry: write only what is added, a summary of the given changes, a few lines long; without the two cues
    the 'write the new content' wording alone makes it read as a document."""
    g = AgentGraph()
    site = add_site(
        g,
        "update_release_log",
        10,
        system="Your job is to add a brief summary of this release's changes to the NEWS file. Follow the file's existing format and style. "
        "Write the new content to be added and nothing else, no more than 3 short lines.",
        user="Changes: {changes}",
    )
    t = triage_site(g, site)
    assert t.verdict == Verdict.NARROW, t
