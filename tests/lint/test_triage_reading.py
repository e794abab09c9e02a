"""Triage reads the prompt as a person does: one case per rule, prompts written for these tests."""

from __future__ import annotations

import pytest

from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site

N, OPEN, U = Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR

CASES = [
    # narrow: the output space is small or rigid and the input decides most of it
    ("Sort this support e-mail into one of the following queues: refunds, shipping, account.", N),
    ("Does the sentence below mention a delivery date? Reply yes or no.", N),
    ("Give the recipe a difficulty score from 1 to 10. Output the number only.", N),
    ("Extract the sender, the due date and the amount owed from the letter.", N),
    ("The JSON below does not parse. Fix the JSON and return valid JSON with the same keys.", N),
    ("Turn the question into three short web search queries.", N),
    ("Summarize the following meeting transcript under the headings Decisions, Owners and Deadlines.", N),
    ("You are a tool that picks the config file from a list of file names. Choose the path from the list below.", N),
    ('Would the customer accept the offer? Answer in "yes" or "no".', N),
    ("On the scale of 1 to 10, where 10 is most urgent, how urgent is this message?", N),
    ("Find the meeting in the e-mail below. Reply with a date.", N),
    ("Merge the two lists below into one, preserving all the details.", N),
    # open-ended: mostly new content or open reasoning
    ("Write the complete Python program for a snake game with a score board.", OPEN),
    ("Write a long, detailed blog article about the history of tea.", OPEN),
    ("You have access to the following tools: browser, shell, editor. Thought: decide what to do next.", OPEN),
    ("Research and gather information on the market, then write a comprehensive report.", OPEN),
    ("Analyze the stock's market position. Your final answer must be an expanded report for the customer.", OPEN),
    # unclear: a judgement call or open content in a fixed frame
    ("Review the pull request against the checklist and say whether it should pass.", U),
    ("Reflect on the failed attempt and describe what went wrong.", U),
    ("Answer the user's question based on the documents provided below.", U),
]


@pytest.mark.parametrize(("prompt", "want"), CASES)
def test_reads_the_task(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=prompt, user="{text}")
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)
    assert t.reasons and t.reasons != ("no static evidence",)


def test_fixed_schema_alone_is_not_narrow_and_large_max_tokens_alone_is_not_open() -> None:
    g = AgentGraph()
    schema_only = add_site(g, "a", 10, user="{text}", options={"response_format": "<Document>"})
    long_limit = add_site(g, "b", 20, user="{text}", options={"max_tokens": 8000})
    assert triage_site(g, schema_only).verdict == U
    assert triage_site(g, long_limit).verdict == U
    # a PRD with fixed keys whose values are essays stays open-ended
    prd = add_site(
        g, "c", 30, system="Write a product requirements document for {idea}.", options={"response_format": "<PRD>"}
    )
    assert triage_site(g, prd).verdict == OPEN
    # a score schema on a grading prompt is narrow, and says so
    grade = add_site(
        g, "d", 40, system="Grade the essay for spelling on a scale of 1-5.", options={"response_format": "<Grade>"}
    )
    t = triage_site(g, grade)
    assert t.verdict == N and "schema `Grade` holds a short closed answer" in t.reasons


def test_a_call_of_a_code_agent_is_open_ended() -> None:
    g = AgentGraph()
    request = add_site(g, "Model.generate", 5, user="{messages}")
    run = add_site(g, "CodeAgent.run", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(g, "<module>", 20, path="main.py", kind=SiteKind.WRAPPER_CALL, target=run.id, user="{task}")
    t = triage_site(g, call)
    assert t.verdict == OPEN and any("code agent" in r for r in t.reasons)
