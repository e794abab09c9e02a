"""Triage reads the prompt as a person does: one case per rule, prompts written for these tests."""

from __future__ import annotations

import pytest

from slmc.ir import AgentGraph, EdgeKind, LLMCall, Message, Prompt, SiteKind, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, parts, wording_reasons

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
    ("Summarize the content of each file below in one sentence.", N),
    ("The full text of a web page is pasted below. Summarize the page in one or two paragraphs.", N),
    ("Convert an action description to an emoji (use three or less emojis).", N),
    ('Your core task is to determine whether the next step is "CLEAN" or "VISUALIZE" based on the report.', N),
    ("You are a helpful assistant. Respond with 'Option A'", N),
    ("Which port does the service listen on? Do not reply with anything else but the port.", N),
    ("Name the capital of the country in the note below and nothing else.", N),
    ("Task -- given the context and three options, determine which option is the most acceptable.", N),
    ("请把下面的工单分类，只输出类别名称。", N),
    ("整合所有部门结果，总结成一段回答。不添加新信息，不篡改内容。", N),
    ("Please format the draft below to a strict YAML mapping. Do not change the meaning of any entry.", N),
    ("Organize these answers to each sub-question and form one final answer to the question.", N),
    ("Translate the product review below into German.", N),
    # open-ended: mostly new content or open reasoning
    ("Write the complete Python program for a snake game with a score board.", OPEN),
    ("Output the full content of each file the project needs, one fenced block per file.", OPEN),
    ("Write a long, detailed blog article about the history of tea.", OPEN),
    ("You have access to the following tools: browser, shell, editor. Thought: decide what to do next.", OPEN),
    ("Research and gather information on the market, then write a comprehensive report.", OPEN),
    ("Analyze the stock's market position. Your final answer must be an expanded report for the customer.", OPEN),
    ("You are Programmer. You can write/create computer software or applications. Save or edit the codes.", OPEN),
    ("You are an editor, skilled at polishing and expanding articles based on feedback from users.", OPEN),
    ("你是技术实现专家，负责所有可落地的技术任务：写代码、写脚本、写命令。", OPEN),
    ("Format the answer to the user's question as a long, detailed essay with a story in each part.", OPEN),
    ("Combine the findings into a comprehensive, detailed report for the board.", OPEN),
    ("Translate the user's wish into a detailed description that the illustrator can draw from.", OPEN),
    ("You are a helpful assistant. You need to answer the user's question. Question: {question} Output:", OPEN),
    # unclear: a judgement call or open content in a fixed frame
    ("Review the pull request against the checklist and say whether it should pass.", U),
    ("Reflect on the failed attempt and describe what went wrong.", U),
    ("Answer the user's question based on the documents provided below.", U),
    ("You are a helpful assistant. Use the context below to answer the user's question. {context}", U),
    ("You are a helpful assistant. Please answer the question: {q} The scanned data are as follows: {scan}", U),
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


def test_the_loop_of_a_class_named_a_coder_is_a_code_agent() -> None:
    """``EditCoder.run(request)``: a coding agent's loop writes code, however the user's request reads; a ``Decoder``
    is no coder, and a coder's helper method that is no loop entry is read like any call."""
    g = AgentGraph()
    request = add_site(g, "EditCoder.send", 5, user="{messages}")
    run = add_site(g, "EditCoder.run", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(g, "main", 20, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=run.id, user="{args.message}")
    t = triage_site(g, call)
    assert t.verdict == OPEN and any("code agent" in r for r in t.reasons), t
    for owner in ("Decoder.run", "EditCoder.count_tokens"):
        other = add_site(g, owner, 30 + len(owner), path="x.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
        plain = add_site(g, "main", 60 + len(owner), path="cli.py", kind=SiteKind.WRAPPER_CALL, target=other.id)
        assert not any("code agent" in r for r in triage_site(g, plain).reasons), owner


@pytest.mark.parametrize(
    ("function", "template", "want"),
    [
        ("WritePRD._is_related", None, N),  # a predicate method: a yes/no question
        ("ExtractReadme._extract_install", None, N),
        ("ResumeReader.parse_resume", None, N),  # parsing a named input: extraction
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


def _triage_named(function: str):
    """Triage of a call in ``function`` whose prompt is only the data it is handed (``{context}``): names decide."""
    g = AgentGraph()
    site = add_site(g, function, 10, user=None)
    prompt = Prompt("prompt:x", messages=(Message("user", parts("{context}")),))
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    return triage_site(g, site)


@pytest.mark.parametrize(
    ("function", "want"), [("ReviewBot.annotate_code", U), ("Helper.explain_code", U), ("Helper.generate_code", OPEN)]
)
def test_code_a_name_reads_is_not_code_it_writes(function: str, want: Verdict) -> None:
    """``annotate_code`` / ``explain_code``: the code is what the call reads, so the name says nothing of writing code;
    ``generate_code`` still does."""
    t = _triage_named(function)
    assert t.verdict == want, t
    assert not any("writes code" in r for r in t.reasons) or want == OPEN


@pytest.mark.parametrize("function", ["PlanAgent.parse", "Worker.format", "parser"])
def test_a_bare_parse_method_names_no_task(function: str) -> None:
    """``agent.parse(...)``: a method named only ``parse`` (or ``format``) is an object's usual step, with no input
    named that a closed task would read; it says nothing of the task (``parse_resume`` still does)."""
    t = _triage_named(function)
    assert t.verdict == U, t
    assert not any(r.startswith("named `") for r in t.reasons)


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


def test_an_agent_object_called_as_a_function_enters_its_loop() -> None:
    """``helper(message)`` on an agent class (``__call__`` handing on to ``forward``) is the agent loop entered, from
    outside and from another agent's own loop passing each turn's message on; an agent's ``run`` that writes its own
    instruction is still that one task, read from its words."""
    g = AgentGraph()
    request = add_site(g, "Planner.generate", 5, user="{history}")
    entry = add_site(g, "ToolAgent.__call__", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    outside = add_site(
        g, "<module>", 20, path="main.py", kind=SiteKind.WRAPPER_CALL, target=entry.id, user="{question}"
    )
    t = triage_site(g, outside)
    assert t.verdict == OPEN and any("an agent loop over tools" in r for r in t.reasons), t
    # a loop agent's own ``forward`` handing the message it got to its inner agent, turn after turn
    turn = add_site(
        g, "LoopAgent.forward", 30, path="loop.py", kind=SiteKind.WRAPPER_CALL, target=entry.id, user="{message}"
    )
    t = triage_site(g, turn)
    assert t.verdict == OPEN and any("an agent loop over tools" in r for r in t.reasons), t
    # an agent's ``run`` that authors its own closed instruction: read as that task, not as a loop
    own = add_site(
        g,
        "TaggingAgent.run",
        40,
        path="tagging.py",
        kind=SiteKind.WRAPPER_CALL,
        target=entry.id,
        user="Classify the ticket below into one of the following queues: billing, bugs, other. {ticket}",
    )
    t = triage_site(g, own)
    assert t.verdict == N and not any("agent loop" in r for r in t.reasons), t
    # a method named ``forward`` on a class that is no agent is not an agent loop
    layer = add_site(g, "Encoder.forward", 50, path="enc.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
    plain = add_site(g, "<module>", 60, path="main.py", kind=SiteKind.WRAPPER_CALL, target=layer.id, user="{question}")
    assert not any("agent loop" in r for r in triage_site(g, plain).reasons)


# ---- template notes, completion fields, probes, debug prints, wording (corpus-measured rules) -----------------------
NOTED_TEMPLATE = """refund_check_v1.txt

Variables:
{INPUT 0} -- a detailed essay the customer wrote
{INPUT 1} -- customer name

<commentblockmarker>###</commentblockmarker>
Does the message below from {INPUT 1} ask for a refund? Answer yes or no.
Message: {INPUT 0}"""


def test_a_templates_own_notes_are_not_read_as_the_task() -> None:
    """The comment block a loader cuts at its marker and the ``slot -- what it holds`` lines are not sent."""
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=NOTED_TEMPLATE)
    t = triage_site(g, site)
    assert t.verdict == N, t
    assert not any(r in t.reasons for r in ('prompt says "creative writing"', 'prompt says "detailed content"'))


def test_a_completion_field_opened_with_a_quote_and_a_lone_thought_field() -> None:
    """``Statement: "`` is the one field to fill; a quoted ``Thought:`` input with no Action/Observation is no agent step."""
    g = AgentGraph()
    site = add_site(
        g,
        "f",
        10,
        system=None,
        user='Translate the thought into a statement about {name}.\nThought: "{thought}"\nStatement: "',
    )
    t = triage_site(g, site)
    assert t.verdict == N, t
    assert "completion fills one field (`Statement:`)" in t.reasons
    assert 'prompt says "agent step over tools"' not in t.reasons
    react = add_site(
        g, "g", 20, system=None, user="Question: {q}\nThought: {t}\nAction: {a}\nObservation: {o}\nThought:"
    )
    assert 'prompt says "agent step over tools"' in triage_site(g, react).reasons


def test_a_fixed_probe_prompt_is_narrow_but_not_a_short_creative_request() -> None:
    g = AgentGraph()
    probe = add_site(g, "check_key", 10, system="You are an AI assistant. Give response in JSON format", user="Hi!")
    t = triage_site(g, probe)
    assert t.verdict == N and "a fixed probe prompt with no input (a key or health check)" in t.reasons, t
    poem = add_site(g, "poem", 20, system=None, user="Write a poem.")
    assert "a fixed probe prompt with no input (a key or health check)" not in triage_site(g, poem).reasons
    data = add_site(g, "ask", 30, system=None, user="Hi {name}")  # the program's data reaches the model
    assert "a fixed probe prompt with no input (a key or health check)" not in triage_site(g, data).reasons


def test_a_debug_print_of_an_answer_the_program_uses_says_nothing() -> None:
    g = AgentGraph()
    prompt = "Rate the safety of the message on a scale of 1 to 10. Message: {text}"
    used = add_site(g, "f", 10, system=None, user=prompt, consumers=("print", "return"))
    shown = add_site(g, "g", 20, system=None, user="Tell me about {topic}.", consumers=("print",))
    t = triage_site(g, used)
    assert t.verdict == N and "answer printed" not in t.reasons, t
    assert "answer printed" in triage_site(g, shown).reasons


@pytest.mark.parametrize(
    ("prompt", "want"),
    [
        ("Analyze the tool output and respond with one of the below outputs: {options}", N),
        ("Based on the statements above, summarize the relationship of {a} and {b}.\n{statements}", N),
        ("Organize the notes below into the format of Summary + Actions + Risks.\n{notes}", N),
        ("Summarize the web page in a concise summary that preserves the most important information. {page}", N),
        ("The line below was sent to a chatbot. Rate on a scale of 1 to 10 how personal it is. {line}", N),
        ("You are {name}, talking face-to-face with {other}. Say your next line.", OPEN),
        ("Please generate unit tests based on the following specification: {spec}", OPEN),
        ("You are an engineer who writes the Python code for the feature described below. {feature}", OPEN),
    ],
)
def test_reads_more_of_the_task(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)


def test_a_narrow_verb_in_a_name_decides_over_the_noun_it_works_on() -> None:
    """``agent_chat_summarize_relationship`` summarizes a chat: a closed task, not a conversation."""
    g = AgentGraph()
    site = add_site(g, "run_prompt_agent_chat_summarize_relationship", 10, user=None)
    prompt = Prompt("prompt:x", messages=(Message("user", parts("{context}")),))
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    t = triage_site(g, site)
    assert t.verdict == N and any(r.startswith("named `") and "closed task" in r for r in t.reasons), t


def test_extracting_as_one_step_of_an_open_task_is_no_extraction() -> None:
    g = AgentGraph()
    site = add_site(
        g, "think", 10, system=None, user="Perform the task by understanding the problem, extracting variables. {task}"
    )
    assert 'prompt says "extract"' not in triage_site(g, site).reasons
    asked = add_site(g, "pull", 20, system=None, user="Extract the invoice number from the e-mail. {mail}")
    assert 'prompt says "extract"' in triage_site(g, asked).reasons


def test_a_config_field_whose_value_is_a_document() -> None:
    """crewAI-style ``expected_output: A report that includes ...`` (keys joined as headings) is a document."""
    g = AgentGraph()
    task = "description: Collect the recent news about {company}.\nexpected_output: A report that includes the news.\n"
    site = add_site(g, "crew", 10, system=None, user=task, kind=SiteKind.FRAMEWORK_TASK)
    t = triage_site(g, site)
    assert t.verdict == OPEN and 'prompt says "the answer is a document"' in t.reasons, t


def test_grounded_generation_is_no_grounded_question_answering() -> None:
    """ "Based on the following specification" with no question to answer is generation from a given input."""
    g = AgentGraph()
    gen = add_site(g, "f", 10, system=None, user="Generate the migration script based on the following schema: {s}")
    qa = add_site(g, "g", 20, system=None, user="Answer the question based on the following documents: {docs} {q}")
    cue = "prompt reads as a judgement call: grounded question answering"
    assert cue not in triage_site(g, gen).reasons
    assert cue in triage_site(g, qa).reasons


@pytest.mark.parametrize(
    ("prompt", "want"),
    [
        # "reflect" meaning "show" is no self-reflection; "writing code" is code
        ("Update the home page so that it reflects the product below. Keep the imports. {product}", U),
        ("Before writing code, load the data file. Make the chart labels readable. {spec}", OPEN),
        # a note of one sentence, "write down" / "write the response" are no composition
        ("{talk}\nWrite down anything from the talk that {name} must remember, in a full sentence.", N),
        # a tool that writes code is a code writer, not a closed tool
        ("You are a tool that generates the service code described below. {spec}", OPEN),
    ],
)
def test_reads_the_task_without_false_cues(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)


def test_a_cue_for_reflection_only_where_the_model_reflects() -> None:
    g = AgentGraph()
    shows = add_site(g, "f", 10, system=None, user="Rewrite the status so that it reflects the notes. {notes}")
    looks_back = add_site(g, "g", 20, system=None, user="Reflect on the failed attempt. {attempt}")
    cue = "prompt reads as a judgement call: self-reflection"
    assert cue not in triage_site(g, shows).reasons
    assert cue in triage_site(g, looks_back).reasons


def test_parsing_code_out_of_the_answer_does_not_make_code_writing_closed() -> None:
    """A regex pulling code out of its fences (or ``json.loads`` of a JSON of files) carries the code, it does not
    close the answer; the same parse on a classification still counts."""
    g = AgentGraph()
    tests = add_site(
        g, "f", 10, system=None, user="Please generate unit tests for the spec below. {spec}", consumers=("regex",)
    )
    named = add_site(g, "ImproveCodeTool.execute", 20, user="{prompt}", consumers=("regex", "return"))
    label = add_site(g, "h", 30, system=None, user="Classify the ticket. {ticket}", consumers=("regex",))
    assert triage_site(g, tests).verdict == OPEN
    assert "answer matched with a regex" not in triage_site(g, tests).reasons
    assert triage_site(g, named).verdict == OPEN, triage_site(g, named)
    assert "answer matched with a regex" in triage_site(g, label).reasons


def test_an_agent_classes_own_step_over_the_conversation_is_open() -> None:
    """``SearchAgent._step_stream`` sending the memory as messages is a step of an agent loop; reading tool calls out
    of its answer (json, a set of tool names) does not make it closed."""
    g = AgentGraph()
    plain = add_site(g, "ToolAgent._step_stream", 10, user="{*memory_messages}")
    parsed = add_site(g, "ToolAgent.step", 20, user="{*memory_messages}", consumers=("json.loads", "label-set"))
    helper = add_site(g, "ToolAgent.summarize", 30, user="{*memory_messages}", consumers=("json.loads",))
    assert triage_site(g, plain).verdict == OPEN, triage_site(g, plain)
    assert triage_site(g, parsed).verdict == OPEN, triage_site(g, parsed)
    assert triage_site(g, helper).verdict != OPEN  # not the step method: read as before


def test_an_agent_classes_own_step_with_messages_built_at_run_time_is_open() -> None:
    """``ToolAgent._step`` sending a request whose messages are all assembled from the agent's state (no text of its
    own anywhere) is a step of the agent loop; a helper method sending the same is not read so, and a step method
    that writes its own closed instruction is read from its words."""
    g = AgentGraph()
    step = add_site(g, "ToolAgent._step", 10, user="{request_data}")
    helper = add_site(g, "ToolAgent.rename", 20, user="{request_data}")
    own = add_site(g, "ToolAgent.step_once", 30, user="Answer yes or no: is the ticket below about billing? {ticket}")
    t = triage_site(g, step)
    assert t.verdict == OPEN and any("messages built at run time" in r for r in t.reasons), t
    assert triage_site(g, helper).verdict == U, triage_site(g, helper)
    t = triage_site(g, own)
    assert t.verdict == N and not any("agent loop" in r for r in t.reasons), t


def test_a_step_method_calling_a_wrapper_named_for_a_closed_task_makes_that_task() -> None:
    """``ToolAgent.step`` handing the conversation to ``condense_history(messages)`` asks for that summary, not for the
    loop's next step; the same step handing it to a wrapper with a transport's name is the step."""
    g = AgentGraph()
    request = add_site(g, "send", 5, user="{*messages}")
    condense = add_site(g, "condense_history", 4, path="memory.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
    ask = add_site(g, "ask_model", 4, path="client.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
    summary = add_site(g, "ToolAgent.step", 20, kind=SiteKind.WRAPPER_CALL, target=condense.id, user="{*messages}")
    turn = add_site(g, "ToolAgent.step", 30, kind=SiteKind.WRAPPER_CALL, target=ask.id, user="{*messages}")
    t = triage_site(g, summary)
    assert t.verdict != OPEN and not any("agent loop step" in r for r in t.reasons), t
    t = triage_site(g, turn)
    assert t.verdict == OPEN and any("agent loop step" in r for r in t.reasons), t


def test_a_closures_enclosing_function_name_is_no_hint() -> None:
    """``build_router.<locals>.handle``: the factory that made the closure says nothing of the task; the closure's own
    name still does (``make_tools.<locals>.classify_ticket``)."""
    g = AgentGraph()
    handle = add_site(g, "build_router.<locals>.handle", 10, user="{body}")
    own = add_site(g, "make_tools.<locals>.classify_ticket", 20, user="{body}")
    t = triage_site(g, handle)
    assert t.verdict == U and not any(r.startswith("named") for r in t.reasons), t
    t = triage_site(g, own)
    assert t.verdict == N and "named `make_tools.<locals>.classify_ticket`: a closed task" in t.reasons, t


def test_a_formatting_method_is_a_closed_task_and_a_code_name_says_code() -> None:
    g = AgentGraph()
    fmt = add_site(g, "Agent.format_response_if_needed", 10, user=None)
    prompt = Prompt("prompt:fmt", messages=(Message("user", parts("{content}")),))
    g.add(prompt)
    g.add_edge(prompt.id, fmt.id, EdgeKind.PROMPT)
    assert triage_site(g, fmt).verdict == N
    twin = add_site(g, "Agent._aformat_response_if_needed", 30, user=None)  # the async twin reads the same
    g.add_edge(prompt.id, twin.id, EdgeKind.PROMPT)
    assert triage_site(g, twin).verdict == N, triage_site(g, twin)
    code = add_site(g, "write_code", 20, user="{req}")
    assert any(r.endswith("writes code") for r in triage_site(g, code).reasons)


def test_a_greeting_sent_as_the_only_system_message_is_a_probe() -> None:
    g = AgentGraph()
    probe = add_site(g, "check", 10, system="Hey!", user=None)
    assert triage_site(g, probe).verdict == N, triage_site(g, probe)


@pytest.mark.parametrize(
    ("prompt", "want"),
    [
        # labels listed in capitals are a choice among them
        ("Read the last message, think briefly, then give its kind: GREETING, BUG, FEATURE, or OTHER. {msg}", N),
        # free-form planning of a day is open
        ("{bio}\nToday is {date}. Write {name}'s daily plan, from waking up to going to bed.", OPEN),
        # what a prompt forbids is not what it asks
        ("You are {a}, talking with {b}. Do not write your own name as a label. Say your next line.", OPEN),
    ],
)
def test_reads_choices_plans_and_prohibitions(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)


def test_a_prohibited_word_is_no_cue_but_an_asked_one_is() -> None:
    g = AgentGraph()
    banned = add_site(g, "f", 10, system=None, user="Tell {b} about your day. Never use a label or a category.")
    asked = add_site(g, "g", 20, system=None, user="Give the label of the review. {review}")
    assert 'prompt says "label"' not in triage_site(g, banned).reasons
    assert 'prompt says "label"' in triage_site(g, asked).reasons


@pytest.mark.parametrize(
    ("prompt", "want"),
    [
        # a comprehensive summary of given text is still a summary
        ("Use the notes below. Provide a comprehensive summary of the notes. {notes}", N),
        ("You get an old recap and new messages. Create a summary based on both; keep the main points. {msgs}", N),
        # information gathered from a given text is extraction, not research
        ("Gather information from this text that bears on the question. question: {q} text: {t}", N),
        # the answer's form is fixed
        ("Read the log and give the result. Your answer should be a number, with no units. {log}", N),
        # open agent steps name their command set
        ("{history}\nYou may use any of the available commands to reach the goal. Commands: {commands}", OPEN),
    ],
)
def test_reads_summaries_answers_and_command_steps(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)


@pytest.mark.parametrize(
    ("prompt", "want"),
    [
        ("You are the writer. Using the notes, provide a first draft of the campaign. {notes}", OPEN),
        ("Work the problem out yourself and provide a descriptive response. {problem}", OPEN),
        ("Write one chapter of the report. You must call the tools to save it. {outline}", OPEN),
        ("Given the draft and the reviewer's notes, write a new draft that answers every note. {draft} {notes}", OPEN),
    ],
)
def test_reads_drafts_prose_and_tool_use(prompt: str, want: Verdict) -> None:
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == want, (prompt, t)


def test_a_markdown_example_section_is_not_the_task() -> None:
    """``# Example`` sections show other inputs and answers (here ones that ask for code): the task is what follows."""
    g = AgentGraph()
    prompt = (
        "# Example\nInput: write me a snake game program in python\nOutput: [Language] English\n----\n"
        "# Input\n{request}\n# Instruction\nExtract the language the request is written in. Output only the name."
    )
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == N and 'prompt says "writes code"' not in t.reasons, t


def test_reordering_given_items_is_closed() -> None:
    g = AgentGraph()
    prompt = (
        "Prioritize these steps for the goal {goal}: {steps}. Order them from most to least urgent. Do not drop any."
    )
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == N, t
    story = add_site(g, "g", 20, system=None, user="Write a story about {topic}, its scenes sorted by theme.")
    assert 'prompt says "rank or compare given answers"' not in triage_site(g, story).reasons


def test_source_code_handed_in_is_input_not_the_task() -> None:
    """A fenced block of program source is the code to work on: its string literals (``return "Too cold."``) are no
    fixed answer. A fenced answer format without program statements still counts."""
    g = AgentGraph()
    code = (
        "Rewrite the module below with type hints and write the complete code for the new file.\n"
        "## Current file\n```python\nimport random\n\ndef guess(n: int) -> str:\n"
        '    if n < random.randint(1, 9):\n        return "Too cold."\n    return "Warm."\n```\n'
    )
    site = add_site(g, "f", 10, system=None, user=code)
    t = triage_site(g, site)
    assert t.verdict == OPEN and 'prompt says "a fixed literal answer"' not in t.reasons, t
    fmt = "Tell whether the review below is spam. Answer in this form:\n```\nspam: yes or no\n```\n{review}"
    kept = triage_site(g, add_site(g, "g", 20, system=None, user=fmt))
    assert kept.verdict == N and 'prompt says "yes or no"' in kept.reasons, kept


def test_a_table_of_condition_answer_rules_decides_the_answer() -> None:
    """Three or more listed ``If <condition>: <answer>`` rules map the input onto a fixed answer: a closed task."""
    g = AgentGraph()
    rules = (
        "You help a gardener. Given the soil moisture reading, say what to do.\n"
        "- If the reading is under 20%: Water the bed today.\n"
        "- If the reading is between 20% and 60%: Leave it for now.\n"
        "- If the reading is over 60%: Open the drainage channel.\n"
        "Reading: {reading}"
    )
    t = triage_site(g, add_site(g, "f", 10, system=None, user=rules))
    assert t.verdict == N and 'prompt says "answer decided by listed rules"' in t.reasons, t
    two = "Tend the garden.\n- If it rains: stay inside.\n- If it is sunny: mow the lawn.\n{weather}"
    assert 'prompt says "answer decided by listed rules"' not in triage_site(g, add_site(g, "g", 20, user=two)).reasons


def test_an_answer_spelled_out_after_a_colon_is_a_fixed_literal() -> None:
    """``Output: "Backup done."`` on its own line gives the answer word for word; a placeholder or a JSON object after
    the colon is a format, not the answer."""
    g = AgentGraph()
    fixed = (
        "Look at the backup folder listing below.\n"
        "If the newest archive is from today:\n    Output: \"Backup done.\"\nOtherwise:\n    Output: 'Backup missing.'\n"
        "{listing}"
    )
    t = triage_site(g, add_site(g, "f", 10, system=None, user=fixed))
    assert 'prompt says "a fixed literal answer"' in t.reasons and t.verdict == N, t
    shape = 'Read the ticket below and reply.\nOutput: "<your reply to the customer>"\n{ticket}'
    assert 'prompt says "a fixed literal answer"' not in triage_site(g, add_site(g, "g", 20, user=shape)).reasons


def test_a_placeholder_in_a_json_answer_format_is_no_task_wording() -> None:
    prompt = (
        "Select the most relevant two datasets from the list below for the question.\n"
        "Catalogue: {catalogue}\nQuestion: {question}\n"
        'Return JSON: {"picked": [{"index": 0, "why": "Detailed explanation of the fit"}], '
        '"summary_of_choice": "Overall strategy behind the selection"}'
    )
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user=prompt)
    t = triage_site(g, site)
    assert t.verdict == N, t
    assert not any("detailed content" in r or "advice or explanation" in r for r in t.reasons), t
    # the same words as the task itself still count
    g = AgentGraph()
    site = add_site(g, "f", 10, system=None, user="Write a detailed explanation of the strategy behind {plan}.")
    assert any("detailed content" in r for r in triage_site(g, site).reasons)


def _history_site(g: AgentGraph, function: str, line: int, extra: tuple[Message, ...] = ()) -> LLMCall:
    site = add_site(g, function, line, user=None)
    prompt = Prompt(f"prompt:{function}", messages=(*extra, Message("user", parts("{history}"), origin="dynamic")))
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    return site


def test_a_bare_conversation_with_no_instruction_of_its_own_reads_open() -> None:
    """Only the running dialogue is sent, with no text of the caller's own: the model carries the talk on, an open
    task; the same dialogue under a fixed instruction of the caller's stays for that instruction to decide."""
    g = AgentGraph()
    bare = triage_site(g, _history_site(g, "Helper.reply", 10))
    assert bare.verdict == OPEN, bare
    assert "conversation history passed in (multi-turn)" in bare.reasons
    note = (Message("system", parts("Keep it polite.")),)
    guided = triage_site(g, _history_site(g, "Helper.respond", 30, note))
    assert guided.verdict == U, guided
    assert guided.score > bare.score


def test_a_prohibition_ends_where_a_new_instruction_follows_its_comma() -> None:
    """``Never add greetings, notes or apologies, reply with only the total``: the list after the prohibition is still
    prohibited, but the instruction after the comma is asked again; a comma list with no new instruction stays
    prohibited."""
    g = AgentGraph()
    asked = add_site(
        g, "f", 10, system=None, user="Never add greetings, notes or apologies, reply with only the total. {bill}"
    )
    assert 'prompt says "answer with only"' in triage_site(g, asked).reasons
    banned = add_site(g, "g", 20, system=None, user="Tell me about {town}. Do not use a label, a score or a category.")
    reasons = triage_site(g, banned).reasons
    assert 'prompt says "label"' not in reasons and 'prompt says "score"' not in reasons, reasons


@pytest.mark.parametrize(("hole", "history"), [("chat_history", True), ("screen_messages_content", False)])
def test_one_messages_content_named_after_messages_is_no_history(hole: str, history: bool) -> None:
    """A user message that is one hole named like a history (``chat_history``) carries the conversation on; one named
    as a message's content (``screen_messages_content``: an instruction plus screenshots) is a single turn."""
    g = AgentGraph()
    site = add_site(g, "Locator.locate", 12, user=None, options={"tool_choice": "required", "tools": "self.tools"})
    prompt = Prompt("prompt:locate", messages=(Message("user", parts("{" + hole + "}"), origin="dynamic"),))
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    t = triage_site(g, site)
    assert ("conversation history passed in (multi-turn)" in t.reasons) is history, t
    if not history:
        assert t.verdict == N, t  # a forced tool call over one turn: argument filling


def test_a_runner_method_handing_the_prompt_to_an_agent_loop_is_that_loop() -> None:
    """``runner.run_once(args.prompt)``, where the runner's method only hands the prompt to ``self.agent.run``: the
    call runs the agent loop; a runner method whose own calls are no agent loop gives no such evidence."""
    g = AgentGraph()
    request = add_site(g, "Model.complete", 5, user="{messages}")
    run = add_site(g, "ShellAgent.run", 4, path="agent.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
    once = add_site(g, "Runner.run_once", 10, path="cli.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
    add_site(g, "Runner.run_once", 11, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=run.id, user="{prompt}")
    call = add_site(g, "main", 30, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=once.id, user="{args.prompt}")
    t = triage_site(g, call)
    assert t.verdict == OPEN and any("hands it to an agent loop" in r for r in t.reasons), t
    # the same runner shape over a plain model method: nothing said about a loop
    plain = add_site(g, "Runner.ask", 40, path="cli.py", kind=SiteKind.WRAPPER, user=None, target=request.id)
    add_site(g, "Runner.ask", 41, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=request.id, user="{prompt}")
    other = add_site(g, "main", 50, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=plain.id, user="{args.prompt}")
    assert not any("agent loop" in r for r in triage_site(g, other).reasons)


def test_a_purpose_clause_is_not_a_question_to_answer() -> None:
    from slmc.passes.triage import OPEN_QUESTION, open_question_evidence

    split = "To answer this question more fully, break it down into up to three sub-questions.\nQuestion: {q}"
    asked = "You need to answer the user's question.\nQuestion: {q}"
    assert open_question_evidence([split], []) == []  # the task is the break-down that follows the clause
    assert [e.reason for e in open_question_evidence([asked], [])] == [OPEN_QUESTION]


def test_a_chat_name_still_names_a_conversation() -> None:
    from slmc.passes.triage import name_evidence

    g = AgentGraph()
    chat = add_site(g, "chat_with_tools", 10, user="{message}")
    assert [e.weight < 0 for e in name_evidence(g, chat)] == [True]  # a conversation: open-ended
    asked = add_site(g, "Helper.ask", 20, user="{message}")
    assert name_evidence(g, asked) == []  # ``ask`` alone: how the model is reached


def test_words_to_echo_after_reply_with_exactly_are_the_answer() -> None:
    """``Reply with exactly: the check passed`` spells out the whole answer after the colon (a smoke test of a
    connection); a description of what to reply with, or a placeholder after the colon, leaves the answer open."""
    g = AgentGraph()
    echo = triage_site(g, add_site(g, "f", 10, system=None, user="Reply with exactly: the nightly check passed"))
    assert echo.verdict == N and 'prompt says "a fixed literal answer"' in echo.reasons, echo
    story = add_site(g, "g", 20, system=None, user="Reply with a short poem about {season}, exactly four lines.")
    assert 'prompt says "a fixed literal answer"' not in triage_site(g, story).reasons
    slot = add_site(g, "h", 30, system=None, user="Reply with exactly: {answer_text}")
    assert 'prompt says "a fixed literal answer"' not in triage_site(g, slot).reasons


@pytest.mark.parametrize(
    ("function", "want"),
    [("code_repair", OPEN), ("Solver.repair_code", OPEN), ("fix_code", OPEN), ("repair_json", N), ("fix_yaml", N)],
)
def test_a_repair_of_code_writes_code_and_a_repair_of_a_format_is_closed(function: str, want: Verdict) -> None:
    """``code_repair(code, error)``: the program is written again, whole (open-ended, like any code generation); the
    repair verb makes a closed task only of a format (``repair_json``: the given text reshaped)."""
    t = _triage_named(function)
    assert t.verdict == want, t
    if want == OPEN:
        assert any("writes code" in r for r in t.reasons), t


WRITES_DOC = 'prompt says "writes a document"'


def test_a_readme_is_a_document_to_write() -> None:
    """``generate a readme.md for the repository``: a README is documentation written anew, not a label of the input."""
    assert WRITES_DOC in wording_reasons("Your goal is to generate a README.md for the project from the notes.")
    assert WRITES_DOC in wording_reasons("Write the readme for this package.")
    assert WRITES_DOC not in wording_reasons("Does the README mention a license? Answer yes or no.")


def _sent(g: AgentGraph, function: str, line: int, *messages: Message) -> LLMCall:
    site = add_site(g, function, line, user=None)
    prompt = Prompt(f"prompt:{function}", messages=messages)
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    return site


def test_an_opening_user_turn_before_the_history_is_no_instruction_about_it() -> None:
    """``[Message("user", opener)] + messages``: the model carries the conversation on (a simulated user), as with the
    history alone; an instruction after the history closes the task it asks for. ``message_sequence`` / ``msgs`` name
    a message list as ``messages`` does."""
    g = AgentGraph()
    history = Message("user", parts("{messages}"), origin="dynamic")
    opener = _sent(g, "Simulator.speak", 10, Message("user", parts("Play a customer of the shop. Begin!")), history)
    t = triage_site(g, opener)
    assert t.verdict == OPEN and "conversation history passed in (multi-turn)" in t.reasons, t
    closing = Message("user", parts("Answer yes or no: did the customer ask for a refund in the messages above?"))
    asked = _sent(g, "Checker.refund_asked", 20, history, closing)
    assert triage_site(g, asked).verdict != OPEN, triage_site(g, asked)
    for name in ("message_sequence", "msgs"):
        bare = _sent(g, f"Loop.step_{name}", 30, Message("user", parts("{" + name + "}"), origin="dynamic"))
        t = triage_site(g, bare)
        assert "conversation history passed in (multi-turn)" in t.reasons, (name, t)


def test_only_the_final_choices_asked_for_is_a_closed_answer() -> None:
    """``Only give me the final choices.`` under a question with its examples: a multiple-choice answer, the picked
    option alone; ``Only give me the answer`` (any answer, however long) is not read this way."""
    g = AgentGraph()
    picked = add_site(
        g,
        "f",
        10,
        system=None,
        user="{examples}\nUsing the examples, answer the question. Only give me the final "
        "choices.\nQuestion: {question}\nAnswer: ",
    )
    got = triage_site(g, picked)
    assert 'prompt says "answer with only"' in got.reasons and got.verdict == Verdict.NARROW, got
    free = add_site(g, "g", 20, system=None, user="Explain the history of {town}. Only give me the answer.")
    assert 'prompt says "answer with only"' not in triage_site(g, free).reasons
