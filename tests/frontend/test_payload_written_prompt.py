"""A request body received or loaded at run time, its message overwritten with the function's own text before it is
sent (``body["messages"][0]["content"] = text``), carries that text as the prompt. The text may be picked in an
``if`` / ``else`` and then filled in place (``text = text.replace("<slot>", value)``). A write of a request setting
(``body["model"] = ...``) holds no prompt."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
import json

import requests

URL = "https://api.openai.com/v1/chat/completions"


def repair(body, broken, strict):
    body = json.loads(body)
    if strict:
        text = "Put the broken record into strict CSV with three columns. Record: <RECORD>"
    else:
        text = "Put the broken record into CSV. Record: <RECORD>"
    text = text.replace("<RECORD>", broken)
    body["model"] = "gpt-4o-mini"
    body["messages"][0]["content"] = text
    body = json.dumps(body)
    return requests.post(URL, data=body).json()


def relay(body):
    body = json.loads(body)
    body["model"] = "gpt-4o-mini"
    body = json.dumps(body)
    return requests.post(URL, data=body).json()
"""


def _text(graph, site) -> str:
    prompt = graph.prompt_of(site.id)
    return "\n".join(m.static_text() for m in prompt.messages) if prompt is not None else ""


def test_message_written_into_a_loaded_body_is_the_prompt() -> None:
    graph, _ = analyze_source(_SOURCE, path="repair.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    text = _text(graph, by_line[19])
    assert "Put the broken record into CSV" in text
    assert "gpt-4o-mini" not in text
    assert "Put the broken record" not in _text(graph, by_line[26])


_CALLER_TEXT = """
from openai import OpenAI


def respond(message, failed):
    text = message
    if failed:
        text = "Send the same answer again as strict JSON. <NOTE>"
    text = text.replace("<NOTE>", "")
    return OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
"""


def test_a_branch_text_beside_the_callers_text_is_not_the_prompt() -> None:
    """``text = message`` (the caller's), then one branch's own text, then a rewrite: the function's own text reaches
    the call on one path only, so it is not read as the prompt."""
    graph, _ = analyze_source(_CALLER_TEXT, path="respond.py")
    (site,) = [s for s in graph.sites() if s.loc.line == 10]
    assert "strict JSON" not in _text(graph, site)
