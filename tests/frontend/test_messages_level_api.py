"""A module offering a prompt-level convenience over a messages-level function (``ask(prompt, model)`` builds the
one-message list and hands it, with every setting it took, to ``ask_messages(messages, model)``) offers two calling
APIs: both are wrappers, and the convenience's call of the other is an inner wrapper-call. A helper the module's
script entry calls with its own prompt (``main`` -> ``summarise(text)``) stays folded into that entry, and a
keywords-only sender handed the spread request (``_send(model=..., messages=...)``) stays the transport."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_MODEL = """
    import openai


    def send(**kwargs):
        return openai.ChatCompletion.create(**kwargs)


    def ask(prompt, model="gpt-4", n=1):
        messages = [{"role": "user", "content": prompt}]
        return ask_messages(messages, model=model, n=n)


    def ask_messages(messages, model="gpt-4", n=1):
        answers = []
        while n > 0:
            reply = send(model=model, messages=messages, n=min(n, 8))
            answers += [c["message"]["content"] for c in reply["choices"]]
            n -= 8
        return answers
"""

_USE = """
    from .model import ask


    def rate(poem):
        return ask("Rate this poem from 1 to 10, answer with the number only: " + poem)[0]
"""

_SCRIPT = """
    import sys

    from .model import ask


    def summarise(text):
        words = text.split()
        return ask("Summarise in one line: " + " ".join(words[:400]))[0]


    def main():
        print(summarise(open(sys.argv[1]).read()))
"""


def test_prompt_convenience_and_messages_api_are_both_wrappers(tmp_path: Path) -> None:
    write_tree(tmp_path, {"poems/model.py": _MODEL, "poems/use.py": _USE, "poems/script.py": _SCRIPT})
    found = {(s.loc.path, s.loc.line): str(s.site) for s in analysed_graph(tmp_path).sites()}
    assert found[("poems/model.py", line_of(_MODEL, "def ask("))] == SiteKind.WRAPPER
    assert found[("poems/model.py", line_of(_MODEL, "def ask_messages("))] == SiteKind.WRAPPER
    assert found[("poems/model.py", line_of(_MODEL, "return ask_messages("))] == SiteKind.WRAPPER_CALL
    assert found[("poems/model.py", line_of(_MODEL, "return openai.ChatCompletion"))] == SiteKind.REQUEST
    assert ("poems/model.py", line_of(_MODEL, "def send(")) not in found  # the spread request's transport
    assert ("poems/model.py", line_of(_MODEL, "reply = send(")) not in found
    # the script's helper writing its own prompt, called once by the entry: no API of its own
    assert ("poems/script.py", line_of(_SCRIPT, "def summarise(")) not in found
    assert found[("poems/script.py", line_of(_SCRIPT, "return ask("))] == SiteKind.WRAPPER_CALL
