"""A short fixed user turn (``Hi!``) is a probe (a key or health check) unless the call sets the model up with
instructions of its own and shows the reply to the person running the program: then it opens a conversation with
that assistant. A call of a wrapper that reads the console turn after turn and sends the growing conversation starts
a chat session with a person: open, even when the first agent's instructions route. Prompts written for these
tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.passes.triage import SESSION, triage_site

from .builders import add_site

PROBE = "a fixed probe prompt with no input (a key or health check)"


def test_a_greeting_to_an_instructed_assistant_whose_reply_is_shown_is_no_probe() -> None:
    g = AgentGraph()
    demo = add_site(g, "demo", 10, system="You are a cheerful travel guide.", user="Hello there!", consumers=("print",))
    t = triage_site(g, demo)
    assert PROBE not in t.reasons and t.verdict == Verdict.OPEN_ENDED, t


def test_look_alikes_stay_probes() -> None:
    g = AgentGraph()
    # instructions, but the answer is only checked or dropped: a load check
    checked = add_site(g, "check", 10, system="You are an AI assistant. Reply in JSON.", user="Hi!", consumers=())
    assert PROBE in triage_site(g, checked).reasons
    # the reply printed, but no instructions: a key test printing what came back
    bare = add_site(g, "key_test", 20, system=None, user="Hello!", consumers=("print",))
    assert PROBE in triage_site(g, bare).reasons
    # a one-word system label is no set of instructions
    label = add_site(g, "ping", 30, system="assistant", user="ping", consumers=("print",))
    assert PROBE in triage_site(g, label).reasons


def _session_graph(system: str, keeps_history: bool) -> tuple[AgentGraph, object]:
    """``chat_loop(agent)`` reading the console turn after turn around one request; called once from a script."""
    g = AgentGraph()
    user = "{*history}" if keeps_history else '{input("> ")}'
    request = add_site(g, "Runner.run", 5, path="lib/run.py", system=system, user=user)
    loop = add_site(
        g,
        "chat_loop",
        20,
        path="lib/loop.py",
        kind=SiteKind.WRAPPER,
        system=system,
        user='{input("> ")}',
        target=request.id,
    )
    call = add_site(
        g,
        "<module>",
        3,
        path="main.py",
        kind=SiteKind.WRAPPER_CALL,
        system=system,
        user='{input("> ")}',
        target=loop.id,
    )
    return g, call


def test_a_console_chat_session_is_open_whatever_the_first_instructions_say() -> None:
    router = "Pick which of the listed desks should handle the request and hand the user over to it."
    g, call = _session_graph(router, keeps_history=True)
    t = triage_site(g, call)
    assert t.verdict == Verdict.OPEN_ENDED and SESSION in t.reasons, t
    # look-alike: the same loop sending each typed line alone (a classifier at a prompt) stays a closed task
    g, call = _session_graph(router, keeps_history=False)
    t = triage_site(g, call)
    assert SESSION not in t.reasons and t.verdict != Verdict.OPEN_ENDED, t
