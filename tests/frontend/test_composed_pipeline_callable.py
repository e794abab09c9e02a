"""A bound method handed as a value to a helper that composes it into a pipeline (a list of filters each wrapping
the next with ``functools.partial``, the innermost being the method) and returns the composed callable, which the
caller later awaits (``pipeline = host.build_pipeline(inner=self._run)`` ... ``await pipeline(ctx)``): calling what
the helper returns runs the method handed in, so that call is a call of the method (a model call when the method
reaches the model): ``Function.invoke`` is a wrapper and ``function.invoke(...)`` elsewhere a call of it. (The
pipeline call itself runs a private hook of its own class: an internal step, no site of its own.)"""

from __future__ import annotations

from pathlib import Path

from .trees import line_of, sites_in, write_tree

_FILTERS = """
    from functools import partial


    class FilterHost:
        def __init__(self):
            self.hooks = []

        def build_pipeline(self, kind, inner):
            chain = [inner]
            for hook in self.hooks:
                chain.insert(0, partial(hook, proceed=chain[0]))
            return chain[0]
"""

_FUNCTIONS = """
    from abc import ABC, abstractmethod

    from openai import AsyncOpenAI


    class Context:
        def __init__(self, function, args):
            self.function = function
            self.args = args
            self.result = None


    class Function(ABC):
        @abstractmethod
        async def _run(self, ctx: Context) -> None: ...

        async def invoke(self, host, args: dict):
            ctx = Context(function=self, args=args)
            pipeline = host.build_pipeline(kind="call", inner=self._run)
            await pipeline(ctx)
            return ctx.result


    class PromptFunction(Function):
        def __init__(self, template: str):
            self.template = template
            self.client = AsyncOpenAI()

        async def _run(self, ctx: Context) -> None:
            prompt = self.template.format(**ctx.args)
            reply = await self.client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": prompt}]
            )
            ctx.result = reply.choices[0].message.content
"""

_MAIN = """
    from .functions import PromptFunction
    from .host import Host


    async def main(topic: str):
        host = Host()
        return await host.invoke(PromptFunction("Write a haiku about {topic}"), {"topic": topic})
"""

_HOST = """
    from .filters import FilterHost
    from .functions import Function


    class Host(FilterHost):
        async def invoke(self, function: Function, args: dict):
            return await function.invoke(self, args)
"""


def test_calling_a_composed_pipeline_runs_the_method_handed_in(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/filters.py": _FILTERS,
            "app/functions.py": _FUNCTIONS,
            "app/host.py": _HOST,
            "app/main.py": _MAIN,
        },
    )
    fsites = sites_in(tmp_path, "app/functions.py")
    assert (line_of(_FUNCTIONS, "async def invoke(self"), "wrapper") in fsites
    hsites = sites_in(tmp_path, "app/host.py")
    assert (line_of(_HOST, "return await function.invoke("), "wrapper-call") in hsites
