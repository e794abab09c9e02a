"""Triage hints from names: what a function, its class or the wrapper it calls is named (prompts and names written
for these tests)."""

from __future__ import annotations

from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.passes.triage import feature_kind, name_evidence, triage_site

from .builders import add_site

N, OPEN, U = Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR


def _wrapper_call(g: AgentGraph, wrapper_name: str, caller: str, line: int = 20):
    request = add_site(g, f"{wrapper_name}.send", line - 15, user="{prompt}")
    wrapper = add_site(g, wrapper_name, line - 16, kind=SiteKind.WRAPPER, user=None, target=request.id)
    return add_site(g, caller, line, path="main.py", kind=SiteKind.WRAPPER_CALL, target=wrapper.id, user="{notes}")


def test_compacting_a_context_is_a_closed_task() -> None:
    """``compact_history(...)`` / ``Memory.compaction``: squeezing the context down, like compress or condense."""
    g = AgentGraph()
    site = _wrapper_call(g, "compact_history", "Loop.tick")
    t = triage_site(g, site)
    assert t.verdict == N and "named `compact_history`: a closed task" in t.reasons, t
    g2 = AgentGraph()
    own = add_site(g2, "Memory.compaction", 10, user="{notes}")
    assert [e.reason for e in name_evidence(g2, own)] == ["named `Memory.compaction`: a closed task"]


def test_an_agent_class_named_for_its_transport_gives_no_hint() -> None:
    """``NotesChatAgent.fallback_reply``: *chat* says how the agent reaches the model, not what the method asks; a class
    whose head noun is itself the conversation (``GroupTalk``, ``TalkAction``) still reads as one."""
    g = AgentGraph()
    transport = add_site(g, "NotesChatAgent.fallback_reply", 10, user="{message}")
    assert name_evidence(g, transport) == []
    assert triage_site(g, transport).verdict == U
    # the method's own name is still read, and the class's other words too
    summarise = add_site(g, "NotesChatAgent.summarize_notes", 20, user="{message}")
    assert [e.reason for e in name_evidence(g, summarise)] == ["named `NotesChatAgent.summarize_notes`: a closed task"]
    coder = add_site(g, "CodeChatAgent.reply", 30, user="{message}")
    assert [e.reason for e in name_evidence(g, coder)] == ["named `CodeChatAgent.reply`: writes code"]
    # a class that is a conversation keeps the hint
    for owner in ("GroupTalk", "TalkAction"):
        talk = add_site(g, f"{owner}.reply", 40 + len(owner), user="{message}")
        assert [e.reason for e in name_evidence(g, talk)] == [f"named `{owner}.reply`: writes new content"], owner


def test_a_re_ask_for_a_failed_format_is_a_repair() -> None:
    """Sending the answer back because it broke its format asks for the same answer repaired: narrow."""
    for prompt in (
        "The reply did not match the expected layout {layout}. Please resubmit it with the correct JSON schema.",
        "Your last answer could not be parsed. Retry using the required format, keeping every value you gave.",
        "Your previous attempt to call the booking tool appears to have failed. Respond with the call you intended.",
    ):
        g = AgentGraph()
        t = triage_site(g, add_site(g, "Loop.recover", 10, system=prompt, user="{message}"))
        assert t.verdict == N and 'prompt says "re-ask to repair a failed answer"' in t.reasons, (prompt, t)
    # a failed attempt at writing code, asked again, is still code writing
    g = AgentGraph()
    prompt = "The previous attempt failed because the tests broke. Write the complete Python module again."
    t = triage_site(g, add_site(g, "Loop.recover", 10, system=prompt, user="{message}"))
    assert t.verdict == OPEN, t


def test_a_wrapper_named_for_fixing_a_format_is_a_repair() -> None:
    """``json_fixes(...)``, ``fix_yaml``: a format fixed is given text repaired; ``fix_code`` is
    code written, and a history handed to the repair is its input."""
    g = AgentGraph()
    request = add_site(g, "send", 5, user="{prompt}")
    fixer = add_site(g, "repair_utils.json_fixes", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    coder = add_site(g, "fix_code", 6, kind=SiteKind.WRAPPER, user=None, target=request.id)
    fix = add_site(g, "Loader.load", 20, path="main.py", kind=SiteKind.WRAPPER_CALL, target=fixer.id, user="{history}")
    t = triage_site(g, fix)
    assert t.verdict == N and "named `json_fixes`: a closed task" in t.reasons, t
    code = add_site(g, "Loader.load", 30, path="main.py", kind=SiteKind.WRAPPER_CALL, target=coder.id, user="{text}")
    assert "named `fix_code`: writes code" in triage_site(g, code).reasons


def test_an_agent_classes_own_run_method_is_its_step() -> None:
    """Frameworks that name the agent's step ``_run`` / ``run`` (``HelperAssistant._run`` sending messages assembled
    from its state): the same loop step as ``_step``; a run method with a closed instruction of its own is read from
    its words, and a ``run`` on a class that is no agent is not read so."""
    g = AgentGraph()
    step = add_site(g, "HelperAssistant._run", 10, user="{state_messages}")
    t = triage_site(g, step)
    assert (
        t.verdict == OPEN
        and "made in `HelperAssistant._run` with messages built at run time: an agent loop step" in (t.reasons)
    ), t
    closed = add_site(g, "HelperAssistant.run", 20, user="Reply yes or no: does the note below name a city? {note}")
    t = triage_site(g, closed)
    assert t.verdict == N and not any("agent loop" in r for r in t.reasons), t
    plain = add_site(g, "NightlyJob._run", 30, user="{state_messages}")
    assert not any("agent loop" in r for r in triage_site(g, plain).reasons), triage_site(g, plain)


def test_the_loop_entry_of_an_interpreter_class_is_an_agent_loop() -> None:
    """A code interpreter (``ShellInterpreter.chat(message)``) runs the model in a loop over code it executes: entering
    that loop with the user's message is an open agent turn; a helper method of the class that is no loop entry is
    read like any call."""
    g = AgentGraph()
    request = add_site(g, "ShellInterpreter.send", 5, user="{messages}")
    chat = add_site(g, "ShellInterpreter.chat", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(g, "main", 20, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=chat.id, user="{user_input}")
    t = triage_site(g, call)
    assert t.verdict == OPEN and "runs `ShellInterpreter.chat`: an agent loop over tools" in t.reasons, t
    helper = add_site(g, "ShellInterpreter.title_for", 6, kind=SiteKind.WRAPPER, user=None, target=request.id)
    plain = add_site(g, "main", 30, path="cli.py", kind=SiteKind.WRAPPER_CALL, target=helper.id, user="{user_input}")
    assert not any("agent loop" in r for r in triage_site(g, plain).reasons)


def test_a_plural_in_a_name_reads_as_its_singular() -> None:
    """``collect_extracts`` / ``Board.gather_summaries`` name the same closed task as ``extract`` / ``summary``; a
    plural whose singular is no cue (``notes``) still says nothing."""
    g = AgentGraph()
    for line, name in ((10, "Reader.collect_extracts"), (20, "Board.gather_summaries"), (30, "Panel.rankings")):
        site = add_site(g, name, line, user="{text}")
        assert [e.reason for e in name_evidence(g, site)] == [f"named `{name}`: a closed task"], name
    stories = add_site(g, "Desk.stories", 40, user="{text}")
    assert [e.reason for e in name_evidence(g, stories)] == ["named `Desk.stories`: writes new content"]
    assert name_evidence(g, add_site(g, "Desk.keep_notes", 50, user="{text}")) == []


def test_the_method_entering_an_agent_loop_gives_no_name_hint() -> None:
    """``ScoreBoard.decide_round`` calling ``player_agent.step(...)``: the caller is named for its own job (running a
    round), the agent's loop is what the call asks; the same method calling a plain wrapper keeps the hint."""
    g = AgentGraph()
    request = add_site(g, "PlayerAgent.send", 5, user="{messages}")
    step = add_site(g, "PlayerAgent.step", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    ask = add_site(g, "ask_model", 6, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(g, "ScoreBoard.decide_round", 20, path="game.py", kind=SiteKind.WRAPPER_CALL, target=step.id)
    t = triage_site(g, call)
    assert t.verdict == OPEN and not any(r.startswith("named `") for r in t.reasons), t
    plain = add_site(g, "ScoreBoard.decide_round", 30, path="game.py", kind=SiteKind.WRAPPER_CALL, target=ask.id)
    assert "named `ScoreBoard.decide_round`: a closed task" in triage_site(g, plain).reasons


def test_a_framework_agent_used_as_a_library_is_its_loop() -> None:
    """``coder.run("...")`` on an aider coder, ``agent.run(task)`` on a smolagents agent: the request enters the
    framework's agent loop (a code agent edits files; an agent steps over tools); other calls of those clients are not
    read so."""
    g = AgentGraph()
    coder = add_site(g, "edit_paper", 10, client="aider", api="run", user="{instructions}")
    t = triage_site(g, coder)
    assert t.verdict == OPEN and "runs `aider.run`: a code agent writes code" in t.reasons, t
    agent = add_site(g, "solve", 20, client="smolagents", api="run", user="{task}")
    t = triage_site(g, agent)
    assert t.verdict == OPEN and "runs `smolagents.run`: an agent loop over tools" in t.reasons, t
    other = add_site(g, "tokens", 30, client="aider", api="count_tokens", user="{task}")
    assert not any("runs `" in r for r in triage_site(g, other).reasons)
    assert feature_kind("runs `aider.run`: a code agent writes code") == "agent:code"


def test_a_browser_use_agent_run_is_its_loop() -> None:
    """``await agent.run(max_steps=...)`` on a browser-use ``Agent(task=..., llm=...)``: the run steps over the
    browser's open action set until the task is done, an agent loop; no message is handed to the run itself."""
    g = AgentGraph()
    agent = add_site(g, "WebTask.go", 10, client="browser-use", api="run")
    t = triage_site(g, agent)
    assert t.verdict == OPEN and "runs `browser-use.run`: an agent loop over tools" in t.reasons, t


def test_a_query_sent_to_the_model_names_the_transport() -> None:
    """``handle_direct_llm_query`` / ``run_model_request``: the noun after *llm* / *model* is the request the method
    sends, no search query it has the model write; ``make_search_query`` keeps its closed-task hint."""
    g = AgentGraph()
    direct = add_site(g, "Server.handle_direct_llm_query", 10, user="{message}")
    assert name_evidence(g, direct) == []
    search = add_site(g, "Planner.make_search_query", 20, user="{message}")
    assert [e.reason for e in name_evidence(g, search)] == ["named `Planner.make_search_query`: a closed task"]


def test_a_function_named_for_sql_writes_one_query() -> None:
    """``generate_sql(question)``: one query in a formal language for the question and the schema handed in, like a
    search query; a function explaining or reviewing given SQL (``explain_sql``) reads it and gets no hint."""
    g = AgentGraph()
    site = _wrapper_call(g, "send_prompt", "Warehouse.generate_sql")
    t = triage_site(g, site)
    assert t.verdict == N and "named `Warehouse.generate_sql`: a closed task" in t.reasons, t
    g2 = AgentGraph()
    read = add_site(g2, "Warehouse.explain_sql", 10, user="{sql}")
    assert name_evidence(g2, read) == []


def test_a_chain_run_is_named_by_the_method_making_it_a_declared_task_is_not() -> None:
    """``Summaries.condense_history`` invoking a retrying chain (reported as a framework task at its ``invoke``) is
    named like any caller; a crew task or served agent declared in ``build_summary_team`` is not asked by that
    builder, so the builder's name says nothing."""
    g = AgentGraph()
    run = add_site(g, "Summaries.condense_history", 10, kind=SiteKind.FRAMEWORK_TASK, api="invoke", user="{notes}")
    assert [e.reason for e in name_evidence(g, run)] == ["named `Summaries.condense_history`: a closed task"]
    declared = add_site(g, "build_summary_team", 30, kind=SiteKind.FRAMEWORK_TASK, api="crewai.Task", user="{notes}")
    assert name_evidence(g, declared) == []
