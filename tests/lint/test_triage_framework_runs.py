"""Triage of agent frameworks' runs (agno, the OpenAI Agents SDK, Google ADK) and of research orders in a prompt."""

from __future__ import annotations

from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.passes.triage import triage_site

from .builders import add_site, wording_reasons

N, OPEN, U = Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR

ENHANCE = (
    "You improve reports. Keep the original structure and add worked examples to every section. "
    "Summarize the report below at the end. {report}"
)


def test_a_framework_agents_run_is_its_loop_not_the_words_of_its_request() -> None:
    """``team.run(msg)`` on an agno agent or ``Runner.run(agent, msg)``: the framework runs the agent's loop over its
    tools, so the closed-sounding words handed in do not make it narrow; the same words sent to a chat completion do."""
    g = AgentGraph()
    for line, client, api in ((10, "agno", "run"), (20, "agno", "print_response"), (30, "openai-agents", "run")):
        t = triage_site(g, add_site(g, "main", line, client=client, api=api, user=ENHANCE))
        assert t.verdict == OPEN and any("an agent loop over tools" in r for r in t.reasons), (client, api, t)
    plain = triage_site(g, add_site(g, "main", 40, user=ENHANCE))
    assert plain.verdict == N and not any("agent loop" in r for r in plain.reasons), plain
    # a method of the framework's agent that is no loop entry (``agent.get_session()``) is read as before
    other = triage_site(g, add_site(g, "main", 50, client="agno", api="get_session", user=ENHANCE))
    assert not any("agent loop" in r for r in other.reasons), other


def test_a_framework_agent_run_whose_answer_is_read_as_data_is_weaker() -> None:
    """An agent run handed a schema for its answer is a sub-task whose answer the program reads: only a lean."""
    g = AgentGraph()
    site = add_site(g, "main", 10, client="agno", api="arun", user="{question}", output_schema="CompanyFacts")
    t = triage_site(g, site)
    assert any("its answer parsed as data" in r for r in t.reasons), t
    assert t.verdict != N, t


def test_an_agent_a_framework_serves_is_its_loop() -> None:
    """``Agent(instructions=...)`` an agno app serves (no run call in the tree) is the agent's loop; a crewAI ``Task``
    declared with the same words is a task read from them."""
    g = AgentGraph()
    words = "Given a script outline, suggest two actors for each main role and check their availability."
    served = add_site(
        g, "<module>", 10, kind=SiteKind.FRAMEWORK_TASK, client="agno", api="agno.agent.Agent", system=words, user=None
    )
    t = triage_site(g, served)
    assert t.verdict == OPEN and any("an agent loop over tools" in r for r in t.reasons), t
    task = add_site(
        g, "<module>", 20, kind=SiteKind.FRAMEWORK_TASK, client="crewai", api="crewai.Task", system=words, user=None
    )
    assert not any("agent loop" in r for r in triage_site(g, task).reasons)


def test_a_sentence_ordering_research_is_open_research() -> None:
    """``Research these tasks thoroughly with sources``: the model finds out what it writes; ``research`` read as a
    noun (``the research paper``) orders nothing."""
    research = 'prompt says "open research with tools"'
    assert research in wording_reasons("Research these tasks thoroughly with sources: {tasks}")
    assert research in wording_reasons("Look at the meeting.\n    Research {company} thoroughly, including its news.")
    assert research in wording_reasons("Investigate all the listed vendors in the region and report anomalies.")
    assert research not in wording_reasons("Read the research paper thoroughly and extract its title and authors.")
    assert research not in wording_reasons("Summarize the research notes below in three bullet points.")


def test_a_summary_of_the_models_own_findings_is_no_summary_of_given_text() -> None:
    """``a comprehensive summary of your findings`` sums up what the model itself found out; ``a summary of the
    findings below`` sums up text handed in."""
    given = 'prompt says "summary of given text"'
    assert given not in wording_reasons("Search the news. Provide a comprehensive summary of your findings.")
    assert given in wording_reasons("Provide a short summary of the findings below. {findings}")


def test_a_check_named_for_the_api_it_tries_names_no_task() -> None:
    """``test_chat`` sending ``Hello!``: a check that the chat API answers, not a conversation; a function named for a
    chat turn still hints at one."""
    g = AgentGraph()
    t = triage_site(g, add_site(g, "test_chat", 10, user="Hello!"))
    assert t.verdict == N and not any(r.startswith("named") for r in t.reasons), t
    turn = triage_site(g, add_site(g, "chat_turn", 20, user="{message}"))
    assert any(r.startswith("named `chat_turn`") for r in turn.reasons), turn


def test_the_labels_of_a_data_set_are_no_labelling_task() -> None:
    """A spec for code that reads ``train label data`` or ``the target label column`` asks for no label; ``assign a
    label to each ticket`` does."""
    label = 'prompt says "label"'
    assert label not in wording_reasons("Function inputs:\n- `X`: train features.\n- `y`: Train label data.")
    assert label not in wording_reasons("Check that the validation label array matches the predictions in length.")
    assert label in wording_reasons("Assign a label to each ticket below: bug, feature or question.")


def test_a_transcript_ending_in_the_answering_sides_label_is_a_conversation() -> None:
    """``Customer: {question}`` then ``Support Agent:``: the model writes the agent's next reply in a chat, no field
    of a record; ``Ticket: {text}`` then ``Team:`` (or a customer's line then ``Intent:``) is a field to fill."""
    g = AgentGraph()
    chat = "You answer for an electronics shop.\nPast notes: {notes}\n\nCustomer: {question}\nSupport Agent:"
    t = triage_site(g, add_site(g, "handle_query", 10, user=chat))
    assert t.verdict == OPEN and 'prompt says "conversation"' in t.reasons, t
    for line, closed in ((20, "Which team owns the ticket?\nTicket: {text}\nTeam:"), (30, "Customer: {text}\nIntent:")):
        t = triage_site(g, add_site(g, "main", line, user=closed))
        assert t.verdict == N and any(r.startswith("completion fills one field") for r in t.reasons), t


def test_a_lagent_agent_called_is_its_step_and_its_models_chat_is_read_as_a_request() -> None:
    """``self.agent(message)`` on a lagent agent: the framework's agent step (tools among its answers), open whatever
    closed-sounding words it is handed; ``llm.chat(...)`` on the same framework's model is a request, read as one."""
    g = AgentGraph()
    step = triage_site(g, add_site(g, "Loop.forward", 10, client="lagent", api="__call__", user=ENHANCE))
    assert step.verdict == OPEN and any("an agent loop over tools" in r for r in step.reasons), step
    chat = triage_site(g, add_site(g, "main", 20, client="lagent", api="chat", user=ENHANCE))
    assert chat.verdict == N and not any("agent loop" in r for r in chat.reasons), chat


def test_an_agent_declared_without_tools_answers_in_one_call() -> None:
    """``Runner.run(agent, msg)`` on an agent whose construction declares instructions and no tools (nor agents to
    hand over to) is one model call on those instructions: read them. The same run on an agent with tools, or with
    no declared instructions in sight, is its loop over tools."""
    g = AgentGraph()
    words = "You translate the user's message to French."
    plain = add_site(g, "main", 10, client="openai-agents", api="run", system=words, user="{msg}")
    t = triage_site(g, plain)
    assert t.verdict == N and not any("agent loop" in r for r in t.reasons), t
    tooled = add_site(g, "main", 20, client="openai-agents", api="run", system=words, user="{msg}", tools=("lookup",))
    t = triage_site(g, tooled)
    assert any("agent loop" in r for r in t.reasons), t
    assert not any(r.startswith("offers ") for r in t.reasons), t  # the tools are what the loop runs over
    handing = add_site(
        g, "main", 30, client="openai-agents", api="run", system=words, user="{msg}", options={"handoffs": "[a, b]"}
    )
    assert any("agent loop" in r for r in triage_site(g, handing).reasons)
    unseen = add_site(g, "main", 40, client="openai-agents", api="run", user="{msg}")
    assert any("agent loop" in r for r in triage_site(g, unseen).reasons)


def test_an_agent_run_whose_task_names_its_one_tool_fills_that_tools_arguments() -> None:
    """An agent given one or two tools whose task names the tool (its identifier, the words of its name, or ``use the
    tool``) runs one step: it fills that tool's arguments from the request (tool-argument filling, narrow). The same
    agent handed a greeting, or an open goal over the tool (research, a conversation), stays its loop."""
    g = AgentGraph()
    orders = (
        (
            "Whenever asked, call the post_notice tool.",
            "Post a notice titled 'Lunch' saying 'at noon'.",
            ("post_notice",),
        ),
        ("Be brief. Do not ask the user to confirm.", "Use the roll dice tool: 20 faces.", ("roll_dice", "flip_coin")),
        ("Look up 'solar panels' using the lookup tool and return the hits.", "{x}", ("lookup_tool",)),
        ("You dispatch work. Always call the tool with the fields it needs.", "Convert 3 miles to km.", None),
    )
    for i, (system, user, tools) in enumerate(orders):
        fields = {"tools": tools} if tools else {"options": {"tools": '[converter.as_tool(tool_name="convert")]'}}
        site = add_site(g, "main", 10 + i, client="openai-agents", api="run", system=system, user=user, **fields)
        t = triage_site(g, site)
        assert t.verdict == N and any("names the tool" in r for r in t.reasons), (system, t)
    stays = (
        ("Be brief.", "Hi, my name is Ada.", ("roll_dice",)),  # no tool named: a conversation turn
        ("Research the market for 'solar panels' thoroughly with the lookup tool.", "{x}", ("lookup_tool",)),
        ("Use the search tool to chat with the user about anything.", "{x}", ("search_tool",)),
        ("Call the roll_dice tool when asked.", "Roll a dice.", ("roll_dice", "flip_coin", "draw_card")),  # 3 tools
        ("Be brief.", "What's the weather in Oslo?", ("get_weather",)),  # the tool's subject asked, no order to call it
        ("Use the faq tool to answer the question.", "{question}", ("faq_tool",)),  # grounded QA
        ("Ask the customer for the seat, then use the update_seat tool.", "{x}", ("update_seat",)),  # a dialogue
    )
    for i, (system, user, tools) in enumerate(stays):
        site = add_site(g, "main", 50 + i, client="openai-agents", api="run", system=system, user=user, tools=tools)
        t = triage_site(g, site)
        assert t.verdict != N and not any("names the tool" in r for r in t.reasons), (system, t)


def test_an_agent_loop_over_one_or_two_named_tools_is_a_judgement_call() -> None:
    """An agent run over one or two named function tools, no agents to hand over to and instructions asking nothing
    open (a support agent over a balance lookup, a forecast helper over two lookups) picks among a closed set of
    actions and answers from what they return: a judgement call (unclear), not an open loop. An open tool (the web,
    code run), a third tool, a handoff, or instructions asking for verse or for sub-agents of its own stay open."""
    g = AgentGraph()
    closed = (
        ("You are a helpful forecast helper. Answer using the available tools.", ("fetch_forecast", "read_tide")),
        ("You are a helpful agent.", ("account_balance",)),
        ("Help with card questions.", ("card_status",)),
    )
    for i, (system, tools) in enumerate(closed):
        site = add_site(
            g,
            "main",
            10 + i,
            client="openai-agents",
            api="run",
            system=system,
            user="{q}",
            tools=tools,
            consumers=("print",),
        )
        t = triage_site(g, site)
        assert t.verdict == U and any("closed set of named tools" in r for r in t.reasons), (system, t)
    stays = (
        ("You are a helpful agent.", ("web_search",), {}),
        ("You are a helpful agent.", ("run_python",), {}),
        ("You are a helpful agent.", ("account_balance", "card_status", "open_ticket"), {}),
        ("You are a helpful agent.", ("account_balance",), {"handoffs": "[billing_agent]"}),
        ("You only reply in haikus.", ("fetch_forecast",), {}),
        ("Create two subagents, give each one proposal to inspect, then compare.", ("read_proposal",), {}),
    )
    # the same closed agent greeted by a person introducing themselves: a conversation turn
    greeted = add_site(
        g,
        "main",
        90,
        client="openai-agents",
        api="run",
        system="Be brief.",
        user="Hi, my name is Ada.",
        tools=("roll_dice",),
    )
    t = triage_site(g, greeted)
    assert t.verdict == OPEN and 'prompt says "conversation"' in t.reasons, t
    for i, (system, tools, options) in enumerate(stays):
        site = add_site(
            g,
            "main",
            50 + i,
            client="openai-agents",
            api="run",
            system=system,
            user="{q}",
            tools=tools,
            options=options,
            consumers=("print",),
        )
        t = triage_site(g, site)
        assert t.verdict == OPEN and not any("closed set" in r for r in t.reasons), (system, tools, options, t)
