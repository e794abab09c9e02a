"""A class assembled from mixins is one object: a public method of one mixin that nothing in the tree calls, handing
its caller's prompt to ``self.<wrapper>(...)`` defined in a sibling mixin (``execute(task)`` -> ``self.chat(prompt)``
where ``Agent(ChatPart, RunPart)``), is a convenience over that object's own calling API, as it is when both methods
live in one class (a library's public API, bench/corpus/README.md). A mixin method taking no prompt stays none. A
private method that a sibling mixin calls on ``self`` is used outside its class body (by another class's code, which
the object both are mixed into lets reach it), not poked at from outside: a wrapper like one a subclass calls."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_CHAT = """
    from openai import OpenAI


    class ChatPart:
        def chat(self, prompt):
            messages = [{"role": "user", "content": prompt}]
            out = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=messages)
            return out.choices[0].message.content

        def iter_stream(self, prompt):
            for piece in self._stream(prompt):
                yield piece

        def _stream(self, prompt):
            messages = [{"role": "user", "content": prompt}]
            for chunk in OpenAI().chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True):
                yield chunk.choices[0].delta.content or ""
"""

_RUN = """
    class RunPart:
        def execute(self, task, context=None):
            if isinstance(task, str):
                prompt = task
            else:
                prompt = getattr(task, "description", "")
            return self.chat(prompt)

        def ping(self):
            return self.chat("Reply with pong.")

        def start(self, prompt, stream=False):
            if stream:
                return self._stream(prompt)
            return self.chat(prompt)
"""

_AGENT = """
    from .chat import ChatPart
    from .run import RunPart


    class Agent(ChatPart, RunPart):
        def __init__(self, name):
            self.name = name
"""

_USER = """
    from lib.agent import Agent


    def answer(question):
        return Agent("helper").chat(question)


    def begin(question):
        return Agent("starter").start(question)


    def follow(question):
        return list(Agent("streamer").iter_stream(question))
"""


def test_mixin_convenience_over_a_sibling_mixins_wrapper_is_a_library_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "lib/__init__.py": "from .agent import Agent\n",
            "lib/chat.py": _CHAT,
            "lib/run.py": _RUN,
            "lib/agent.py": _AGENT,
            "app.py": _USER,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("lib/chat.py", 6)) == SiteKind.WRAPPER  # chat: called from app.py
    assert found.get(("app.py", 6)) == SiteKind.WRAPPER_CALL
    assert found.get(("lib/run.py", 3)) == SiteKind.WRAPPER  # execute: convenience over the sibling mixin's chat
    assert found.get(("lib/run.py", 8)) == SiteKind.WRAPPER_CALL
    assert ("lib/run.py", 10) not in found  # ping: no prompt to forward
    assert found.get(("lib/run.py", 13)) == SiteKind.WRAPPER  # start: called from app.py
    # _stream: private, but the sibling mixin's start calls it on self beside iter_stream: used outside its class body
    assert found.get(("lib/chat.py", 15)) == SiteKind.WRAPPER
    assert found.get(("lib/run.py", 15)) == SiteKind.WRAPPER_CALL
