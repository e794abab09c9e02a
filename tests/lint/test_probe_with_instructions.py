"""A short fixed user turn (``Hi!``) is a probe (a key or health check) unless the call sets the model up with
instructions of its own and shows the reply to the person running the program: then it opens a conversation with
that assistant. Prompts written for these tests."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

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
