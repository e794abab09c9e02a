"""A backend method that builds its messages through a helper falling back on a settings default system prompt when
its caller passes none (``DEFAULT if system is None else system``, ``system or DEFAULT``) still forwards its caller's
prompt: the default is no text the method writes, so the method stays the calling API (a wrapper) and its callers'
calls stay wrapper-calls. A method that picks between two texts it writes itself (``JSON_TEXT if strict else
PLAIN_TEXT``) authors its prompt: a task, no wrapper."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_SETTINGS = """
    class Settings:
        fallback_system = "You are a careful assistant that answers the questions of the user politely and in full."


    SETTINGS = Settings()
"""

_BACKEND = """
    from openai import OpenAI

    from .settings import SETTINGS

    client = OpenAI()


    class Backend:
        def _compose(self, question, system=None):
            {fallback}
            return [{{"role": "system", "content": system}}, {{"role": "user", "content": question}}]

        def complete(self, question, system=None, **options):
            messages = self._compose(question, system)
            return self._send(messages=messages, **options)

        def _send(self, messages, **options):
            out = client.chat.completions.create(model="gpt-4o", messages=messages, **options)
            return out.choices[0].message.content
"""

_CALLER = """
    from .backend import Backend


    def label(text):
        return Backend().complete(text, system="Label the text as spam or ham; answer with one word.")
"""


@pytest.mark.parametrize(
    "fallback",
    [
        "system = SETTINGS.fallback_system if system is None else system",
        "system = system or SETTINGS.fallback_system",
        "system = system if system is not None else SETTINGS.fallback_system",
    ],
)
def test_fallback_default_keeps_the_forwarding_method_a_wrapper(tmp_path: Path, fallback: str) -> None:
    backend = _BACKEND.format(fallback=fallback)
    write_tree(
        tmp_path,
        {"app/__init__.py": "", "app/settings.py": _SETTINGS, "app/backend.py": backend, "app/caller.py": _CALLER},
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/backend.py", line_of(backend, "def complete")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/caller.py", line_of(_CALLER, "Backend().complete")).site == SiteKind.WRAPPER_CALL


_TASK = """
    from openai import OpenAI

    client = OpenAI()

    STRICT = "Grade the essay from 1 to 10 and answer with the number only, nothing else at all."
    LOOSE = "Grade the essay from 1 to 10 and give one short sentence explaining the grade you chose."


    class Grader:
        def _compose(self, essay, strict=False):
            system = STRICT if strict else LOOSE
            return [{"role": "system", "content": system}, {"role": "user", "content": essay}]

        def grade(self, essay, strict=False, **options):
            messages = self._compose(essay, strict)
            return self._send(messages=messages, **options)

        def _send(self, messages, **options):
            out = client.chat.completions.create(model="gpt-4o", messages=messages, **options)
            return out.choices[0].message.content
"""

_TASK_CALLER = """
    from .grader import Grader


    def score(essay):
        return Grader().grade(essay, strict=True)
"""


def test_choice_between_written_texts_is_still_authored(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/grader.py": _TASK, "app/score.py": _TASK_CALLER})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/grader.py", line_of(_TASK, "def grade")) not in found  # a task method, no calling API
    assert ("app/score.py", line_of(_TASK_CALLER, "Grader().grade")) not in found
    assert site_at(graph, "app/grader.py", line_of(_TASK, "client.chat.completions.create")).site == SiteKind.REQUEST
