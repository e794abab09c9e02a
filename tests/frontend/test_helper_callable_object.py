"""An object whose ``__call__`` reaches the model, built with its prompt and handed to a higher-order helper of the tree
that calls what it is given (``with_backups(Asker(client, prompt))`` where ``with_backups`` runs ``job(name)`` once per
model name): the helper calls the object, so ``__call__`` is a wrapper another class reaches and the line handing the
object over is its wrapper-call, one per prompt."""

from __future__ import annotations

import textwrap
from pathlib import Path

from frontend.trees import analysed_graph, write_tree

HELPERS = """
    from typing import Callable

    NAMES = ["first", "second"]


    async def with_backups(job: Callable):
        for name in NAMES:
            try:
                return await job(name)
            except Exception:
                continue
        raise RuntimeError("no model answered")
"""

ASKER = """
    from openai import AsyncOpenAI


    class Asker:
        def __init__(self, system: str, user: str):
            self.client = AsyncOpenAI()
            self.system = system
            self.user = user

        async def __call__(self, name: str) -> str:
            reply = await self.client.chat.completions.create(
                model=name,
                messages=[{"role": "system", "content": self.system}, {"role": "user", "content": self.user}],
            )
            return reply.choices[0].message.content
"""

DOCS = """
    from bot.asker import Asker
    from bot.helpers import with_backups

    PICK = "Pick the one file name below most likely to answer the question. Reply with the file name only."
    ANSWER = "Answer the question using only the documentation below."


    class DocsHelper:
        def __init__(self, question: str, files: str):
            self.question = question
            self.files = files

        async def pick(self):
            return await with_backups(Asker(PICK, self.question + "\\n" + self.files))

        async def answer(self, text: str):
            return await with_backups(Asker(ANSWER, self.question + "\\n" + text))
"""


def _at(source: str, text: str) -> int:
    return next(i + 1 for i, line in enumerate(textwrap.dedent(source).splitlines()) if text in line)


def test_callable_object_handed_to_a_helper_that_calls_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"bot/__init__.py": "", "bot/helpers.py": HELPERS, "bot/asker.py": ASKER, "bot/docs.py": DOCS},
    )
    graph = analysed_graph(tmp_path)
    asker = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "bot/asker.py"}
    assert asker.get(_at(ASKER, "async def __call__")) == "wrapper"
    assert asker.get(_at(ASKER, "await self.client.chat.completions.create(")) == "request"
    docs = {s.loc.line: s for s in graph.sites() if s.loc.path == "bot/docs.py"}
    pick, answer = _at(DOCS, "with_backups(Asker(PICK"), _at(DOCS, "with_backups(Asker(ANSWER")
    assert str(docs[pick].site) == "wrapper-call" and str(docs[answer].site) == "wrapper-call"
    # the helper itself only calls its parameter: no wrapper of its own, its call of ``job`` no site
    helpers = {s.loc.line for s in graph.sites() if s.loc.path == "bot/helpers.py"}
    assert _at(HELPERS, "async def with_backups") not in helpers


HANDLER = """
    from openai import AsyncOpenAI


    class Handler:
        def __init__(self):
            self.client = AsyncOpenAI()

        async def complete(self, model: str, system: str, user: str) -> str:
            reply = await self.client.chat.completions.create(
                model=model, messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
            )
            return reply.choices[0].message.content
"""

HANDLED_ASKER = """
    from bot.handler import Handler


    class Asker:
        def __init__(self, system: str, user: str):
            self.handler = Handler()
            self.system = system
            self.user = user

        async def __call__(self, name: str) -> str:
            return await self.handler.complete(model=name, system=self.system, user=self.user)
"""


def test_callable_object_sending_its_state_through_a_wrapper_with_a_model_name(tmp_path: Path) -> None:
    # ``__call__`` hands the project's chat wrapper the model name it is run with and the prompts its constructor
    # kept: the model name is a request setting, yet the prompts are the object's state its callers chose, so the
    # object stays their way to the model (the setting rule must not take that away)
    write_tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/helpers.py": HELPERS,
            "bot/handler.py": HANDLER,
            "bot/asker.py": HANDLED_ASKER,
            "bot/docs.py": DOCS,
        },
    )
    graph = analysed_graph(tmp_path)
    asker = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "bot/asker.py"}
    assert asker.get(_at(HANDLED_ASKER, "async def __call__")) == "wrapper"
    docs = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "bot/docs.py"}
    assert docs.get(_at(DOCS, "with_backups(Asker(PICK")) == "wrapper-call"
    assert docs.get(_at(DOCS, "with_backups(Asker(ANSWER")) == "wrapper-call"
