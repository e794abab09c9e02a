"""A method named with the ``-ing`` form of a closed task's verb (``_history_condensing``, ``classifying``) names that
task as the plain verb does: with the conversation handed in as its input, the call is that closed task. An ``-ing``
word of no closed verb (``thinking``, ``writing``) stays no hint."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import _name_words, triage_site

from .builders import add_site


def test_the_ing_form_names_the_verb() -> None:
    assert _name_words("_history_condensing") == ["history", "condense"]
    assert _name_words("classifying") == ["classify"]
    assert _name_words("tagging_rows") == ["tag", "rows"]
    assert _name_words("thinking") == ["thinking"]
    assert _name_words("setting") == ["setting"]


def test_a_condensing_method_over_the_history_is_a_closed_task() -> None:
    g = AgentGraph()
    site = add_site(g, "Helper._history_condensing", 30, user="{*history}")
    result = triage_site(g, site)
    assert result.verdict == Verdict.NARROW, result
    other = add_site(g, "Helper._history_thinking", 60, user="{*history}")
    assert triage_site(g, other).verdict != Verdict.NARROW
