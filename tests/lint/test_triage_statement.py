"""Triage rules that read what the task statement, a menu of options and the called wrapper's name say; prompts written
for these tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.passes.triage import (
    field_evidence,
    task_statement_evidence,
    triage_site,
    without_field_descriptions,
    wording_evidence,
)

from .builders import add_site

N, OPEN, U = Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR


def _said(prompt: str) -> set[str]:
    return {e.reason for e in wording_evidence([prompt])}


def test_nothing_beside_the_answer_is_an_answer_with_only() -> None:
    g = AgentGraph()
    photo = add_site(g, "f", 10, system="Describe the photo in one clause and do not include any additional text.")
    assert triage_site(g, photo).verdict == N
    assert 'prompt says "answer with only"' in _said("List the colours in the photo. Do not add any other commentary.")
    # "nothing but the final answer" says nothing of how closed the answer is
    assert 'prompt says "answer with only"' not in _said(
        "Combine the drafts into one. Do not include any extra text other than the final answer."
    )


def test_a_one_sentence_description_is_no_document() -> None:
    said = _said("Create a short one sentence description of the notes below saying what kind of facts they hold.")
    assert 'prompt says "writes a document"' not in said
    assert 'prompt says "one-line answer"' in said
    # a description with no such bound is still a piece of writing
    assert 'prompt says "writes a document"' in _said("Write an engaging description of the cottage for the brochure.")


MENU = """You help the owner of a bakery with the message below.
The owner may want one of these:
- `order` - Place an order for flour.
- `essay` - Write a long essay on the history of bread.
- `hours` - Tell a customer the opening hours.
Pick the one the owner wants and reply with its name.
Message: {text}"""


def test_a_menu_of_quoted_options_is_a_choice_and_its_meanings_are_not_the_task() -> None:
    said = _said(MENU)
    assert 'prompt says "a menu of listed options"' in said
    assert 'prompt says "writes a document"' not in said  # "Write a long essay" is what one option stands for
    emptied = without_field_descriptions(MENU)
    assert "- `essay` - \n" in emptied and "history of bread" not in emptied
    # two items are no menu, and an unquoted bullet list is no menu either
    assert 'prompt says "a menu of listed options"' not in _said("- `a` - first\n- `b` - second\n")
    assert 'prompt says "a menu of listed options"' not in _said("- Risks: a\n- Costs: b\n- Gains: c\n")


def test_the_task_statement_leans_one_way() -> None:
    ev = task_statement_evidence("Context follows.\nYour main task is to write a detailed essay about the harbour.\n")
    assert [e.reason for e in ev] == ['the task statement says "writes a document"'] and ev[0].weight < 0
    ev = task_statement_evidence("You are the clerk. Your job is to extract every invoice number from the text.")
    assert [e.reason for e in ev] == ['the task statement says "extract"'] and ev[0].weight > 0
    # a statement that says both, or only a weak word, adds nothing; neither does a prompt with no statement
    assert task_statement_evidence("Your task is to extract the facts and write a long report.") == []
    assert task_statement_evidence("Your task is to write about it.") == []
    assert task_statement_evidence("Write a detailed essay about the harbour.") == []
    g = AgentGraph()
    site = add_site(
        g,
        "f",
        10,
        system="You are the editor of the weekly newsletter. **Task:** write **one full chapter** of the almanac.",
    )
    t = triage_site(g, site)
    assert t.verdict == OPEN and 'prompt says "writes a document"' in t.reasons, t  # read through the ** marks


def test_the_called_wrappers_name_decides_over_the_callers() -> None:
    """``CodeWriter.compose`` calling ``compress_history(...)`` makes a summary call, whatever the caller's class does."""
    g = AgentGraph()
    request = add_site(g, "send", 5, user="{prompt}")
    compress = add_site(g, "compress_rounds", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    chat = add_site(g, "chat", 6, kind=SiteKind.WRAPPER, user=None, target=request.id)
    via_name = add_site(
        g, "CodeWriter.compose", 20, path="main.py", kind=SiteKind.WRAPPER_CALL, target=compress.id, user="{history}"
    )
    via_transport = add_site(
        g, "CodeWriter.compose", 30, path="main.py", kind=SiteKind.WRAPPER_CALL, target=chat.id, user="{history}"
    )
    assert "named `compress_rounds`: a closed task" in triage_site(g, via_name).reasons
    # a wrapper named after the transport says nothing: the caller's own name is the hint
    assert "named `CodeWriter.compose`: writes code" in triage_site(g, via_transport).reasons


def test_an_agent_loop_whose_answer_the_program_parses_is_a_closed_sub_task() -> None:
    g = AgentGraph()
    request = add_site(g, "Agent._call_llm", 5, user="{messages}")
    run = add_site(g, "Agent.run", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    parsed = add_site(
        g,
        "Memory.fetch",
        20,
        path="m.py",
        kind=SiteKind.WRAPPER_CALL,
        target=run.id,
        user="{q}",
        consumers=("json.loads",),
    )
    shown = add_site(g, "Memory.fetch", 30, path="m.py", kind=SiteKind.WRAPPER_CALL, target=run.id, user="{q}")
    t = triage_site(g, parsed)
    assert t.verdict == N and "runs `Agent.run`: an agent loop over tools, its answer parsed as data" in t.reasons, t
    assert triage_site(g, shown).verdict == OPEN


def test_a_conversation_handed_to_a_closed_task_is_its_input() -> None:
    """``compress_history(messages)``: the dialogue so far is what the summary is made of, not a chat to carry on."""
    g = AgentGraph()
    request = add_site(g, "send", 5, user="{prompt}")
    compress = add_site(g, "compress_history", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    plain = add_site(g, "send_turn", 6, kind=SiteKind.WRAPPER, user=None, target=request.id)
    closed = add_site(g, "Bot.tidy", 20, path="m.py", kind=SiteKind.WRAPPER_CALL, target=compress.id, user="{*history}")
    carried = add_site(g, "Bot.tidy", 30, path="m.py", kind=SiteKind.WRAPPER_CALL, target=plain.id, user="{*history}")
    t = triage_site(g, closed)
    assert t.verdict == N and "conversation history passed in as the input of a closed task" in t.reasons, t
    t = triage_site(g, carried)
    assert "conversation history passed in (multi-turn)" in t.reasons and t.verdict != N, t


def test_a_class_name_is_read_by_its_head_noun() -> None:
    """``TeamChatRouter`` is a router (its last word), ``SummarizeChat`` still a summary (a verb comes first)."""
    g = AgentGraph()
    request = add_site(g, "send", 5, user="{prompt}")
    for line, owner in ((20, "TeamChatRouter"), (30, "SummarizeChat"), (40, "ChatWriter")):
        add_site(g, f"{owner}.run", line, path="m.py", kind=SiteKind.WRAPPER_CALL, target=request.id, user="{text}")
    reasons = {s.function: triage_site(g, s).reasons for s in g.sites(SiteKind.WRAPPER_CALL)}
    assert "named `TeamChatRouter.run`: a closed task" in reasons["TeamChatRouter.run"]
    assert "named `SummarizeChat.run`: a closed task" in reasons["SummarizeChat.run"]
    assert "named `ChatWriter.run`: writes new content" in reasons["ChatWriter.run"]


def test_an_agents_act_method_is_an_agent_loop_step() -> None:
    """``browser_agent.act(goal)`` from outside the agent: one open step toward the user's goal."""
    g = AgentGraph()
    request = add_site(g, "BrowserAgent._ask_model", 5, user="{messages}")
    act = add_site(g, "BrowserAgent.act", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    call = add_site(g, "operate", 20, path="main.py", kind=SiteKind.WRAPPER_CALL, target=act.id, user="{goal}")
    t = triage_site(g, call)
    assert t.verdict == OPEN and "runs `BrowserAgent.act`: an agent loop over tools" in t.reasons, t


def test_a_field_label_that_is_itself_an_instruction_to_answer_is_no_closed_field() -> None:
    """``... answer following the rules of the house:`` ends a prompt the way ``Mood:`` does, but asks for an open
    answer; the line as a whole starts with other words, so only the label itself shows it."""
    assert field_evidence(["Notes:\n{notes}\nNow please give your answer following the rules of the house:"]) == []
    closed = field_evidence(["Notes:\n{notes}\nMood of the writer:"])
    assert [e.reason for e in closed] == ["completion fills one field (`Mood of the writer:`)"]
