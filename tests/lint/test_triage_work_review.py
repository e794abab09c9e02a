"""Reviews of work with a verdict, and grounded QA that names its material first (CALLSITES.md, unclear: "reviews
ending in a pass/fail verdict", "grounded QA"). Prompts written for these tests.

- A review of work someone did (code written, a run's output, changes made) that asks for a written assessment and a
  true/false (pass/fail, approve) verdict is the judgement call: the verdict's form is that review's verdict.
- A verdict on a statement or a text (a fact check against a passage) is no review of work: it stays narrow.
- ``Use the provided extracts to answer the question``: grounded QA, however the material is named; ``extracts`` as
  passages handed in is no extraction task.
- ``come up with a rewrite of the question`` asks a rewrite; ``..., nothing else`` says only the answer comes back."""

from __future__ import annotations

import pytest

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import judgement_cues, triage_site

from .builders import add_site

N, OPEN, U = Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR

CODE_REVIEW = """You check the loader a developer wrote for the data set.
The test script ran it and its stdout is given below. Evaluate the loader code and its execution.
Approve the code only if the test passes.
Reply in JSON with these keys, in this order:
  "execution": "Describe how the run went, with any errors.",
  "code": "Assess code quality and whether it follows the spec.",
  "final_decision": <true/false>
"""

CHANGES_REVIEW = """You get a bug report, a request for changes and the last note of the engineer who worked on it.
Based on the changes made, determine if the request has been successfully addressed.
Decide whether the changes fix the report and provide a clear explanation of what was done.
Answer with true or false for success, then the explanation.
--- success
true/false
--- explanation
..."""

CASES = [
    (CODE_REVIEW, U),
    (CHANGES_REVIEW, U),
    ("Use the provided NUMBERED PASSAGES to answer the QUESTION. Say NOT-FOUND when they do not hold it.", U),
    ("Use the provided numbered extracts (with sources) to answer the question.", U),
    ("From the search results below, answer the user's question.", U),
    # a verdict on a statement, with a short reason: a closed answer
    ("Decide whether the statement follows from the passage. Answer yes or no, with a short explanation.", N),
    ("Is the tweet about sports? Reply yes or no.", N),
    # extraction still reads as extraction, however the verb is conjugated
    ("Extract the invoice number and the total from the e-mail.", N),
    # a rewrite named as what is asked, and "nothing else" after a comma: a short templated rewrite
    ("From the chat so far and the last message, come up with a rewrite of the message that stands alone.", N),
    ("Give the corrected sentence, nothing else.", N),
]


@pytest.mark.parametrize(("prompt", "want"), CASES)
def test_reads_reviews_and_grounded_answers(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=prompt, user="{text}")
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)
    assert t.reasons and t.reasons != ("no static evidence",)


def test_the_review_verdict_is_no_closed_answer() -> None:
    """The yes/no the review asks for is named as the review's verdict, weighing nothing."""
    g = AgentGraph()
    site = add_site(g, "f", 10, system=CHANGES_REVIEW, user="{text}")
    reasons = triage_site(g, site).reasons
    assert any(r.endswith("(the review's verdict)") for r in reasons), reasons
    assert 'prompt says "yes or no"' not in reasons


def test_extracts_handed_in_are_grounding() -> None:
    cues = judgement_cues(["Use the given extracts to answer the question."], False)
    assert "grounded question answering" in cues
