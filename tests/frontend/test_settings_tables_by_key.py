"""Prompt tables of TOML settings files gathered into a dict attribute by the object's constructor
(``self.tables[name.lower()] = get_settings()[name]`` over the settings' table names), then picked by a parameter in
a render method (``self.tables[name].system``) that a caller names with a literal, often through
``functools.partial(self._ask, prompt="...")``. The prompt the call sends is that table's entries, so each caller's
site reads its own table: a closed sorting task stays narrow, a whole-program writer is open-ended."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree
from slmc.passes.triage import triage_site

SETTINGS = """
    from types import SimpleNamespace

    _loaded = SimpleNamespace()


    def get_settings():
        return _loaded
"""

RUNNER = """
    from jinja2 import Environment
    from openai import AsyncOpenAI

    from app.config import get_settings
    from app.stages import sort_stage, write_stage


    class Handler:
        def __init__(self):
            self.client = AsyncOpenAI()

        async def chat(self, model: str, system: str, user: str, temperature: float = 0.2):
            reply = await self.client.chat.completions.create(
                model=model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                temperature=temperature,
            )
            return reply.choices[0].message.content


    class Runner:
        def __init__(self):
            self.tables = {}
            for name in get_settings():
                if "task_" in name.lower():
                    self.tables[name.lower()] = get_settings()[name]
            self.handler = Handler()

        def render(self, values, which: str):
            env = Environment()
            system = env.from_string(self.tables[which].system).render(values)
            user = env.from_string(self.tables[which].user).render(values)
            return system, user

        async def ask(self, model, values, prompt: str = "task_sort"):
            system, user = self.render(values, prompt)
            return await self.handler.chat(model=model, system=system, user=user)

        async def run(self, values):
            await sort_stage(self, values)
            return await write_stage(self, values)
"""

STAGES = """
    import functools


    async def with_fallback(f):
        for model in ("small", "large"):
            try:
                return await f(model)
            except Exception:
                continue


    async def sort_stage(self, values):
        f = functools.partial(self.ask, values=values, prompt="task_sort")
        return await with_fallback(f)


    async def write_stage(self, values):
        f = functools.partial(self.ask, values=values, prompt="task_write")
        answer = await with_fallback(f)
        return answer
"""

MAIN = """
    import asyncio

    from app.runner import Runner


    def main(values):
        return asyncio.run(Runner().run(values))
"""

SORT_TOML = '''
    [task_sort]
    system = """Sort the ticket into exactly one of: billing, outage, other. Answer with the label only."""
    user = """Ticket: {{ ticket }}"""
'''

WRITE_TOML = '''
    [task_write]
    system = ""
    user = """Write a complete Python program that solves this problem: {{ problem }}
    Return the whole source file."""
'''


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "app/__init__.py": "",
            "app/config.py": SETTINGS,
            "app/runner.py": RUNNER,
            "app/stages.py": STAGES,
            "app/main.py": MAIN,
            "app/settings/task_sort.toml": SORT_TOML,
            "app/settings/task_write.toml": WRITE_TOML,
        },
    )


def test_caller_named_table_is_read(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "app/stages.py", line_of(STAGES, "answer = await with_fallback(f)"))
    text = carried_text(graph, site)
    assert "complete Python program" in text and "exactly one of" not in text
    assert triage_site(graph, site).verdict.value == "open-ended"


def test_partial_named_table_is_read(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "app/stages.py", line_of(STAGES, "return await with_fallback(f)"))
    text = carried_text(graph, site)
    assert "exactly one of: billing, outage, other" in text and "complete Python program" not in text
    assert triage_site(graph, site).verdict.value == "narrow"
