""" "Intent" is a label only where the prompt names it as a thing to classify (``Intent:``, ``classify the intent of the
message``, ``identify the user's intent``); the person's wish the answer serves (``write the program based on their
intent``) is no label set. Prompts written for these tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site, wording_evidence

from .builders import add_site

LABEL = 'prompt says "label"'


def _said(prompt: str) -> set[str]:
    return {e.reason for e in wording_evidence([prompt])}


def test_an_intent_to_classify_is_a_label() -> None:
    assert LABEL in _said("Read the ticket and classify the intent of the customer.")
    assert LABEL in _said("Identify the user's intent from their message.")
    assert LABEL in _said("Message: {text}\nIntent:")


def test_the_persons_intent_served_by_the_answer_is_no_label() -> None:
    assert LABEL not in _said("You build websites for people based on their intent.")
    assert LABEL not in _said("Write the whole module that matches the user's intent, return only the code.")
    g = AgentGraph()
    site = add_site(
        g,
        "make_module",
        12,
        system="You are a developer writing a program for the user based on their intent.",
        user="Now write only the code for the file {name}. Return only the code, no explanation.",
    )
    assert triage_site(g, site).verdict == Verdict.OPEN_ENDED
