"""Streamed answers arrive as events (``{"type": "code", "content": ...}``): code that dispatches the pieces on
their kind field (``chunk["type"] in ["code", "console"]``) is not checking the answer against labels; a check of
the answer's own text is."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
import litellm


def ask(text):
    return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])


def show(question):
    for chunk in ask(question):
        if chunk["type"] in ["code", "console"]:
            print(chunk["content"])
        elif chunk.get("role") in ("assistant", "tool"):
            print(chunk)


def route(question):
    answer = ask("Answer billing, bug or other for: " + question)
    if answer in ("billing", "bug", "other"):
        return answer
    return "other"
"""


def test_event_kind_dispatch_is_no_label_check() -> None:
    graph, _ = analyze_source(_SOURCE, path="chat.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    assert by_line[10].labels == ()
    assert "label-set" not in by_line[10].consumers
    assert by_line[18].labels == ("billing", "bug", "other")
    assert "label-set" in by_line[18].consumers


_ATTRIBUTE_SOURCE = """
import litellm


def ask(text):
    return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}], stream=True)


def relay(question, wanted):
    for piece in ask(question):
        if piece.message_type in wanted:
            yield piece


def pick(question):
    reply = ask("Reply yes or no: " + question)
    if reply.content in ("yes", "no"):
        return reply.content
    return "no"
"""


def test_event_kind_read_as_an_attribute_is_no_label_check() -> None:
    """``piece.message_type in wanted``: the kind of a streamed piece, read as an attribute (``*_type`` or a known
    kind field), filters the pieces; a check of the reply's content still is a label check."""
    graph, _ = analyze_source(_ATTRIBUTE_SOURCE, path="relay.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    assert "label-set" not in by_line[10].consumers
    assert "label-set" in by_line[16].consumers
