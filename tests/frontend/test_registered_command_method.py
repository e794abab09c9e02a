"""A public method that no code calls but that its own class hands out as a bound method (a command table built in
``__init__``, a tool list) is called by whatever runs the registered callables: when it forwards its prompt
parameter to the model it is a calling API (a wrapper). A method registered the same way that reaches no model, and
one that nothing calls or registers, are no wrapper."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, write_tree

_SRC = """
    import requests


    class Hosted:
        def __init__(self, key: str):
            self.key = key
            self.commands = {
                "Ask the hosted model": self.ask_command,
                "Show the key length": self.key_length_command,
            }

        def complete(self, prompt: str) -> str:
            body = {"model": "h-2", "messages": [{"role": "user", "content": prompt}]}
            reply = requests.post("https://api.hosted.example/v1/chat/completions", json=body, timeout=30)
            return reply.json()["choices"][0]["message"]["content"]

        def ask_command(self, prompt: str) -> str:
            return self.complete(prompt=prompt)

        def key_length_command(self, text: str) -> str:
            return str(len(self.key) + len(text))

        def unused_helper(self, prompt: str) -> str:
            return self.complete(prompt=prompt)
"""


def test_command_table_method_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"hosted.py": _SRC})
    graph = analysed_graph(tmp_path)
    sites = {(s.loc.line, str(s.site), s.function) for s in graph.sites()}
    assert (18, "wrapper", "Hosted.ask_command") in sites
    assert (15, "request", "Hosted.complete") in sites
    assert not [s for s in sites if s[2] in ("Hosted.key_length_command", "Hosted.unused_helper") and s[1] == "wrapper"]
