"""A method with no prompt parameter that runs the model over the object's history is an internal step when the only
callers are methods of its own class that put into the history just what they were handed (``ask(question)``
appending ``{"role": "user", "content": question}`` then calling ``self.complete()``): ``ask`` is the wrapper,
``complete`` no wrapper and its call no wrapper-call. A call of a method of the same name on another class's object
(``self.proxy.complete(...)``) does not make it used elsewhere."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_CHAT = """
    from openai import OpenAI

    class Proxy:
        def __init__(self):
            self.client = OpenAI()

        def complete(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o", messages=messages)
            return out.choices[0].message.content


    class Chat:
        def __init__(self):
            self.history = []
            self.proxy = Proxy()

        def ask(self, question):
            self.history.append({"role": "user", "content": question})
            answer = self.complete()
            self.history.append({"role": "assistant", "content": answer})
            return answer

        def complete(self):
            kept = self.history[-20:]

            def attempt():
                return self.proxy.complete(kept)

            return attempt()
"""

_CLI = """
    from .chat import Chat


    def main():
        print(Chat().ask(input("? ")))
"""


def test_state_fed_step_called_only_by_its_class_is_internal(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bot/__init__.py": "", "bot/chat.py": _CHAT, "bot/cli.py": _CLI})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert site_at(graph, "bot/chat.py", 18).site == SiteKind.WRAPPER  # ask
    assert ("bot/chat.py", 24) not in found  # complete: an internal step, no wrapper
    assert ("bot/chat.py", 20) not in found  # so its call is no wrapper-call
    assert site_at(graph, "bot/cli.py", 6).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "bot/chat.py", 8).site == SiteKind.WRAPPER  # Proxy.complete: another class calls it
