"""``typing.cast(T, value)`` is the value itself: a run loop that narrows its caller's input with ``cast`` before handing
it down (``raw = cast(list, input)``, ``original = copy_items(raw)``, ``run_turn(original_input=original)``) still
forwards that input, so the run method is the calling API (a wrapper) and a script's ``Runner.run(agent, "...")`` of
it is a wrapper-call (CALLSITES.md: a wrapper is what other code uses to reach the model). The same loop without a
model below it is none."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_MODEL = """
    from openai import AsyncOpenAI


    class ChatModel:
        def __init__(self):
            self._client = AsyncOpenAI()

        async def respond(self, instructions, input):
            return await self._client.responses.create(model="gpt-4o", instructions=instructions, input=input)
"""

_LOOP = """
    import copy
    from typing import Any, cast

    from .model import ChatModel


    def copy_items(items):
        return copy.deepcopy(items) if isinstance(items, list) else items


    async def run_turn(agent, original_input, model):
        return await model.respond(agent.instructions, copy_items(original_input))


    class Runner:
        async def run(self, agent, input, state=None):
            if state is not None:
                original_input = copy_items(state.original_input)
            else:
                raw_input = cast(Any, input)
                for_state = raw_input
                original_input = copy_items(for_state)
            model = agent.model or ChatModel()
            while True:
                result = await run_turn(agent, original_input=original_input, model=model)
                if result is not None:
                    return result
"""

_SCRIPT = """
    import asyncio

    from app.loop import Runner


    class Checker:
        instructions = "Is the text about sports? Answer yes or no."
        model = None


    async def main():
        print(await Runner().run(Checker(), "The match ended 2-1."))


    asyncio.run(main())
"""

_PLAIN_LOOP = """
    from typing import Any, cast


    def shout(text):
        return text.upper()


    class Runner:
        def run(self, input):
            raw_input = cast(Any, input)
            return shout(raw_input)
"""

_PLAIN_SCRIPT = """
    from app.plain import Runner

    print(Runner().run("hello"))
"""


def test_input_narrowed_by_cast_is_still_forwarded(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"app/__init__.py": "", "app/model.py": _MODEL, "app/loop.py": _LOOP, "scripts/check.py": _SCRIPT},
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("app/loop.py", line_of(_LOOP, "async def run(self"))) == SiteKind.WRAPPER
    assert found.get(("scripts/check.py", line_of(_SCRIPT, "Runner().run("))) == SiteKind.WRAPPER_CALL


def test_cast_of_input_with_no_model_below_is_none(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/plain.py": _PLAIN_LOOP, "scripts/hello.py": _PLAIN_SCRIPT})
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path in ("app/plain.py", "scripts/hello.py")]
