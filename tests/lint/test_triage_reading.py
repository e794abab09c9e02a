"""Triage reads the prompt as a person does: one case per rule, prompts written for these tests."""

from __future__ import annotations

import pytest

from slmc.ir import AgentGraph, EdgeKind, Message, Prompt, SiteKind, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, parts

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
    ("Convert an action description to an emoji (use three or less emojis).", N),
    ('Your core task is to determine whether the next step is "CLEAN" or "VISUALIZE" based on the report.', N),
    ("You are a helpful assistant. Respond with 'Option A'", N),
    ("Task -- given the context and three options, determine which option is the most acceptable.", N),
    ("请把下面的工单分类，只输出类别名称。", N),
    ("整合所有部门结果，总结成一段回答。不添加新信息，不篡改内容。", N),
    # open-ended: mostly new content or open reasoning
    ("Write the complete Python program for a snake game with a score board.", OPEN),
    ("Write a long, detailed blog article about the history of tea.", OPEN),
    ("You have access to the following tools: browser, shell, editor. Thought: decide what to do next.", OPEN),
    ("Research and gather information on the market, then write a comprehensive report.", OPEN),
    ("Analyze the stock's market position. Your final answer must be an expanded report for the customer.", OPEN),
    ("You are Programmer. You can write/create computer software or applications. Save or edit the codes.", OPEN),
    ("You are an editor, skilled at polishing and expanding articles based on feedback from users.", OPEN),
    ("你是技术实现专家，负责所有可落地的技术任务：写代码、写脚本、写命令。", OPEN),
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


@pytest.mark.parametrize(
    ("function", "template", "want"),
    [
        ("WritePRD._is_related", None, N),  # a predicate method: a yes/no question
        ("ExtractReadme._extract_install", None, N),
        ("WebBrowseAndSummarize._summarize_content", None, N),
        ("WriteCode.run", None, OPEN),  # the method says nothing; its class does
        ("run_gpt_prompt_next_line", "prompts/generate_next_convo_line_v1.txt", OPEN),
        ("run_gpt_prompt_triple", "prompts/generate_event_triple_v1.txt", N),
    ],
)
def test_names_around_an_unread_prompt_are_a_hint(function: str, template: str | None, want: Verdict) -> None:
    """A prompt that could not be read (a hole) leaves the names a person reads: the function, the template file."""
    g = AgentGraph()
    site = add_site(g, function, 10, user=None)
    prompt = Prompt("prompt:x", messages=(Message("user", parts("{context}")),), template_file=template)
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    t = triage_site(g, site)
    assert t.verdict == want, t
    assert any(r.startswith("named `") for r in t.reasons)


def test_the_wrappers_transport_message_list_is_no_conversation() -> None:
    """``ask(prompt)`` sends ``messages=[...]`` built from its parameter: that list is the transport, not a history."""
    g = AgentGraph()
    request = add_site(g, "LLM._chat", 5, user=None)
    transport = Prompt("prompt:chat", messages=(Message("user", parts("{messages}"), origin="dynamic"),))
    g.add(transport)
    g.add_edge(transport.id, request.id, EdgeKind.PROMPT)
    wrapper = add_site(g, "LLM.ask", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(
        g,
        "Role.think",
        20,
        path="role.py",
        kind=SiteKind.WRAPPER_CALL,
        target=wrapper.id,
        user="Which natural language must you respond in? Output only the language name. {goal}",
    )
    t = triage_site(g, call)
    assert t.verdict == N, t
    assert "conversation history passed in (multi-turn)" not in t.reasons


FEW_SHOT_TRIPLE = """Task: Turn the input into (subject, predicate, object).

Input: Sam Johnson is eating breakfast.
Output: (Sam Johnson, eat, breakfast)
---
Input: Michael Bernstein is writing email on a computer.
Output: (Michael Bernstein, write, email)
---
Input: Percy Liang is teaching students in a classroom.
Output: (Percy Liang, teach, students)
---
Input: {name} is {action}.
Output: ({name},"""


def test_few_shot_examples_are_examples_not_instructions() -> None:
    """Words inside the examples (``write``, ``teach``) are no instructions; short example answers say narrow."""
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=FEW_SHOT_TRIPLE)
    t = triage_site(g, site)
    assert t.verdict == N, t
    assert "few-shot examples with short answers" in t.reasons
    assert not any(r in t.reasons for r in ('prompt says "write"', 'prompt says "advice or explanation"'))


@pytest.mark.parametrize(
    ("prompt", "want"),
    [
        ("{identity}\nIn general, {lifestyle}\n{name}'s wake up hour:", N),  # one field to fill
        ("Convert the action to emojis.\nAction description: {action}\nEmoji:", N),
        ("You have access to the following tools: {tools}\nQuestion: {q}\nThought:", OPEN),  # a reasoning field
    ],
)
def test_a_completion_prompt_ending_in_one_field(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == want, t
    assert any(r.startswith("completion fills one field") for r in t.reasons) == (want == N)


def test_an_agents_own_method_calling_its_step_is_read_not_taken_for_an_agent_loop() -> None:
    """``SearchAgent.summarize_text`` calling ``self.step(...)`` is that agent's one task; a run from outside is a loop."""
    g = AgentGraph()
    request = add_site(g, "ChatAgent._step", 5, user="{messages}")
    step = add_site(g, "ChatAgent.step", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    own = add_site(
        g,
        "SearchAgent.summarize_text",
        20,
        path="search_agent.py",
        kind=SiteKind.WRAPPER_CALL,
        target=step.id,
        user="Extract the sentences relevant to the query from the text below. Reply with only those sentences. {text}",
    )
    outside = add_site(g, "<module>", 30, path="main.py", kind=SiteKind.WRAPPER_CALL, target=step.id, user="{task}")
    t = triage_site(g, own)
    assert t.verdict == N and not any("agent loop" in r for r in t.reasons), t
    assert any("an agent loop over tools" in r for r in triage_site(g, outside).reasons)


def test_the_task_handed_to_an_agent_loop_is_a_request_not_an_answer_format() -> None:
    """``agent.run("Convert 5000 dollars to Euros")``: the words of the user's request do not close the output."""
    g = AgentGraph()
    request = add_site(g, "MultiStepAgent._step", 5, user="{messages}")
    run = add_site(g, "MultiStepAgent.run", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(
        g,
        "<module>",
        30,
        path="main.py",
        kind=SiteKind.WRAPPER_CALL,
        target=run.id,
        user="Convert 5000 dollars to Euros",
    )
    t = triage_site(g, call)
    assert t.verdict == OPEN and not any(r == 'prompt says "rewrite"' for r in t.reasons), t
