"""A conversation class of a library keeps its turns in ``self.messages``; ``ask()`` sends them (the class's calling
API, used by other modules). A public method no code of the tree calls, ``follow_up(user_message=None)``, hands its
caller's text to a method of its own class that appends it to that list, then calls ``ask()``: the prompt travels
through the object, so it forwards its caller's prompt and is part of the library's calling API (a wrapper)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, line_of, site_at, write_tree

CHAT = """
    from openai import OpenAI

    _client = OpenAI()


    class Conversation:
        def __init__(self, system):
            self.messages = [{"role": "system", "content": system}]

        def add_user(self, text):
            self.messages.append({"role": "user", "content": text.strip()})
            return self

        def ask(self):
            reply = _client.chat.completions.create(model="gpt-4o", messages=self.messages)
            answer = reply.choices[0].message.content
            self.messages.append({"role": "assistant", "content": answer})
            return answer

        def follow_up(self, user_message=None):
            if user_message:
                self.add_user(user_message)
            return self.ask()
"""

USE = """
    from kit.chat import Conversation


    def rate(text):
        chat = Conversation("Rate the sentiment of the text from 1 to 5; answer with the number only.")
        chat.add_user(text)
        return int(chat.ask())
"""


def test_an_uncalled_method_feeding_the_conversation_then_asking_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/chat.py": CHAT, "kit/use.py": USE})
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "kit/chat.py", line_of(CHAT, "def ask(")).site == SiteKind.WRAPPER
    assert site_at(graph, "kit/chat.py", line_of(CHAT, "def follow_up(")).site == SiteKind.WRAPPER
