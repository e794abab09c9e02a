"""A ``def`` nested in an internal step of a class (a private method only its own class calls, passing on what it was
handed) and only called there (``dispatch(params)`` first, then again with retry settings) is part of that step:
no wrapper, its calls no wrapper-calls; the public method reaching the step stays the wrapper. A nested helper of
a function other code calls keeps its rules. Sources written for these tests."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_CHAT = """
    from openai import OpenAI


    class Chat:
        def __init__(self, model):
            self.model = model
            self.client = OpenAI()

        def ask(self, messages, stream=False):
            return self._complete(messages, stream)

        def _complete(self, messages, stream):
            params = {"model": self.model, "messages": messages}

            def dispatch(p):
                if stream:
                    return self._streamed(p)
                return self._plain(p)

            try:
                return dispatch(params)
            except ValueError:
                return dispatch({**params, "temperature": 0})

        def _plain(self, p):
            out = self.client.chat.completions.create(**p)
            return out.choices[0].message.content

        def _streamed(self, p):
            parts = self.client.chat.completions.create(stream=True, **p)
            return "".join(c.choices[0].delta.content or "" for c in parts)
"""

_USE = """
    from kit.chat import Chat


    def label(note):
        return Chat("m").ask([{"role": "user", "content": f"Is this note urgent? Answer yes or no.\\n{note}"}])
"""


def test_closure_called_only_inside_an_internal_step_is_part_of_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/chat.py": _CHAT, "kit/use.py": _USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "kit/chat.py"}
    assert (line_of(_CHAT, "def ask("), str(SiteKind.WRAPPER)) in found
    assert not any(line == line_of(_CHAT, "def dispatch(") for line, _ in found)
    assert not any(line == line_of(_CHAT, "return dispatch(params)") for line, _ in found)
    assert not any(line == line_of(_CHAT, "return dispatch({**params") for line, _ in found)
