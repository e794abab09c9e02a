"""Triage reads what a person reads in a prompt (issue 13, item 6): one case per rule family, each prompt written for
these tests. The verdict and the reason that carries it are both checked."""

from __future__ import annotations

import pytest

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import field_evidence, triage_site, without_example_sections

from .builders import add_site

N, OPEN, U = Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR

CASES = [
    # picking among the listed items the input gives
    (
        "Below are the files of the repository. Identify which of the listed files hold the database settings and "
        "output their paths as a JSON list.",
        N,
        'prompt says "which of the following"',
    ),
    ("Read the ticket and determine which team should handle it: billing, shipping or accounts.", N, None),
    # a two-way question asked as "tell me if"
    (
        "Here is a note from the support lead. Please tell me if the note asks for a refund or for a replacement.",
        N,
        'prompt says "decide whether"',
    ),
    # a probe: the prompt says it is a connectivity or health check
    ("This is a connectivity test of the model endpoint. Say OK.", N, 'prompt says "a probe"'),
    # a very short answer
    ("Respond with a very short note telling the user what you are working on now.", N, 'prompt says "a short answer"'),
    # a summary of given items, bounded to a range of sentences
    ("Summarize these customer reviews in 2-3 short sentences.", N, 'prompt says "summary of given text"'),
    # the output is the input kept whole: nothing omitted, repetitions deleted, structure kept
    (
        "Convert the recipe below into a numbered list of steps and don't omit any quantity.",
        N,
        'prompt says "output taken from the input"',
    ),
    (
        "You edit text faithfully. Delete the repeated sentences in the article and keep the inline citations.",
        N,
        'prompt says "output taken from the input"',
    ),
    ("Revise the given JSON so that every value is a plain string.", N, 'prompt says "rewrite"'),
    # conversation: chatting, and what someone should say next
    (
        "You are a curious student chatting with a professor about black holes. Ask one good question at a time.",
        OPEN,
        'prompt says "conversation"',
    ),
    ("Given the dialogue above, what should Mia say to Leo next?", OPEN, 'prompt says "conversation"'),
    # free explanation: tell me more, how to fix or build something
    (
        "Please tell me more about the outage that you have not mentioned yet.",
        OPEN,
        'prompt says "advice or explanation"',
    ),
    ("Using the hint, work out what the bug is and how to fix it.", OPEN, 'prompt says "advice or explanation"'),
    # new content: a conclusion of a few paragraphs, continuing code
    (
        "Based on the report below, write a conclusion of 2-3 paragraphs on what the findings imply.",
        OPEN,
        'prompt says "several paragraphs"',
    ),
    (
        "Read your last answer. If it stopped half way, continue with the implementation of the remaining modules; "
        "if it was complete, respond only with `DONE`.",
        OPEN,
        'prompt says "writes code"',
    ),
    # the input names the tool: only its arguments are left; an answer format given as one short line
    (
        "You run tools for the planner. Read the tool name and input from the last message and invoke the named "
        "tool with that input.",
        N,
        'prompt says "argument filling"',
    ),
    (
        "The user gives a stock ticker. Look up its price and reply in the format: TICKER: price",
        N,
        'prompt says "a one-line answer format"',
    ),
    # invented content: an answer made up to match the query
    ("Create a hypothetical answer to the question below, as an expert would.", OPEN, 'prompt says "invented content"'),
    # research that the prompt asks for, not research it describes
    ("Conduct thorough research on the solar panel market.", OPEN, 'prompt says "open research with tools"'),
]


@pytest.mark.parametrize(("prompt", "want", "reason"), CASES)
def test_reads_the_task_as_a_person_does(prompt: str, want: Verdict, reason: str | None) -> None:
    g = AgentGraph()
    site = add_site(g, "handle", 10, system=prompt, user="{text}")
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)
    if reason is not None:
        assert reason in t.reasons, t


def _reasons(system: str, function: str = "handle") -> tuple[str, ...]:
    g = AgentGraph()
    return triage_site(g, add_site(g, function, 10, system=system, user="{text}")).reasons


def test_a_format_or_an_input_is_not_what_the_task_writes() -> None:
    # "a valid JSON document" is the answer's format, not a document to write
    assert 'prompt says "the answer is a document"' not in _reasons(
        "Describe what the module imports. Your response must be a valid JSON document with the key imports."
    )
    # "the draft article" is the input handed in
    assert 'prompt says "writes a document"' not in _reasons(
        "Remove the duplicated lines.\nThe draft article: {article}\nCorrected article:"
    )
    # a research agent described, not asked for: picking the better of its answers stays narrow
    described = "The assistant was built to conduct deep research. Pick the better of its two answers, A or B."
    assert 'prompt says "open research with tools"' not in _reasons(described)


def test_a_list_of_actionable_steps_converted_from_the_input_is_no_plan() -> None:
    """``actionable`` is not ``actions``: converting a given answer into steps is a rewrite, not a plan to make."""
    reasons = _reasons("Take your previous answer and convert it into a list of actionable steps in JSON.")
    assert not any(r.startswith("prompt reads as a judgement call") for r in reasons), reasons
    assert 'prompt says "rewrite"' in reasons


def test_a_boolean_field_is_weaker_than_a_yes_no_answer() -> None:
    # (braces would be read as template holes here: the answer format is said in words)
    reasons = _reasons("Answer in JSON with the key reply (what you say to the guest) and the key done (a boolean).")
    assert 'prompt says "a true/false field"' in reasons
    assert 'prompt says "yes or no"' not in reasons


def test_a_field_that_is_an_instruction_or_an_open_answer_is_no_closed_field() -> None:
    assert field_evidence(["The report: {report}\nWrite the conclusion:"]) == []
    assert field_evidence(["Topic: {topic}\nNext question for the guest you are talking with:"]) == []
    closed = field_evidence(["Text: {text}\nLanguage:"])
    assert closed and closed[0].reason == "completion fills one field (`Language:`)"


def test_delimited_examples_are_not_the_task() -> None:
    text = (
        "Classify the message as spam or not spam.\n"
        "-----start_of_example_1-----\nWrite a poem about the sea.\n-----end_of_example_1-----\n"
        "<example>Compose an essay.</example>\nAnswer:"
    )
    kept = without_example_sections(text)
    assert "poem" not in kept and "essay" not in kept and "Classify the message" in kept
    assert not any("creative" in r or "write" in r for r in _reasons(text))


def test_a_name_hint_yields_to_a_prompt_that_reads_clearly_the_other_way() -> None:
    """``CodeHelper.describe``: the class names code, the prompt asks for names copied out of the input."""
    prompt = "Extract the imported module names from the file below and return them only as a JSON list."
    g = AgentGraph()
    t = triage_site(g, add_site(g, "CodeHelper.describe", 10, system=prompt, user="{text}"))
    assert t.verdict == N, t
    assert not any(r.startswith("named `") for r in t.reasons), t
    # where the prompt says nothing, the name is still read
    g2 = AgentGraph()
    hint = triage_site(g2, add_site(g2, "CodeHelper.describe", 10, system=None, user="{text}"))
    assert any(r.startswith("named `CodeHelper.describe`") for r in hint.reasons), hint


def test_a_summary_with_sections_is_no_document() -> None:
    """Producing a summary laid out in named sections is a summary of the given text: the sections belong to it, no
    document is written; ``write a summary that captures ...`` says the same as ``a summary of``."""
    prompt = (
        "The older turns below are about to be dropped from memory. Write a concise summary that captures what was "
        "decided in them.\nYou MUST use these sections:\n1. Aims\n2. Decisions\n3. Open questions\n"
        "Generate the summary with each section as listed, and nothing else."
    )
    reasons = _reasons(prompt)
    assert 'prompt says "writes a document"' not in reasons
    assert 'prompt says "summary of given text"' in reasons
    g = AgentGraph()
    assert triage_site(g, add_site(g, "handle", 10, system=prompt, user="{text}")).verdict == N
    # a report still is a document, summary or not around it
    assert 'prompt says "writes a document"' in _reasons("Generate a full market report on the sector described below.")
