"""A model layer whose calling API is the object itself: an abstract base declares ``async def __call__`` and each
provider subclass implements it; agents hold the model typed as the base (``model: LanguageModel``) and call
``await self.model(messages)``. The call on the base type reaches every implementation, as a named method's would,
so the base's ``__call__`` is a wrapper and the agent methods above it are found. Toy subclasses in a ``docs``
folder (echo agents of a tutorial) do not make the agent interface a general one; the same toys in the package do.
"""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

WRAPPER = str(SiteKind.WRAPPER)
CALL = str(SiteKind.WRAPPER_CALL)

MODELS = """
    from abc import abstractmethod

    import openai


    class LanguageModel:
        def __init__(self, name: str) -> None:
            self.name = name

        @abstractmethod
        async def __call__(self, messages, **options):
            ...


    class HostedModel(LanguageModel):
        def __init__(self, name: str) -> None:
            super().__init__(name)
            self.api = openai.AsyncOpenAI()

        async def __call__(self, messages, **options):
            return await self.api.chat.completions.create(model=self.name, messages=messages, **options)


    class Renderer:
        @abstractmethod
        def __call__(self, messages):
            ...


    class PlainRenderer(Renderer):
        def __call__(self, messages):
            return "\\n".join(m["content"] for m in messages)


    class MarkdownRenderer(Renderer):
        def __call__(self, messages):
            return "\\n\\n".join("**" + m["role"] + "**: " + m["content"] for m in messages)
"""

AGENTS = """
    from kit.models import LanguageModel, Renderer


    class BaseAgent:
        async def respond(self, *args, **kwargs):
            raise NotImplementedError

        async def __call__(self, *args, **kwargs):
            return await self.respond(*args, **kwargs)


    class HelperAgent(BaseAgent):
        def __init__(self, model: LanguageModel, renderer: Renderer) -> None:
            self.model = model
            self.renderer = renderer
            self.history = []

        async def respond(self, note=None):
            self.history.append(note)
            print(self.renderer(self.history))
            return await self.model([{"role": "system", "content": "Help the user."}, *self.history])
"""

APP = """
    import asyncio

    from kit.agents import HelperAgent
    from kit.models import HostedModel, PlainRenderer


    async def main():
        helper = HelperAgent(HostedModel("large"), PlainRenderer())
        print(await helper({"role": "user", "content": "Suggest a name for my cat."}))


    asyncio.run(main())
"""

TOYS = """
    from kit.agents import BaseAgent


    class EchoAgent(BaseAgent):
        async def respond(self, note=None):
            return note


    class CountingAgent(BaseAgent):
        async def respond(self, note=None):
            return len(str(note))


    class ShoutingAgent(BaseAgent):
        async def respond(self, note=None):
            return str(note).upper()
"""


def _tree(root: Path, toys_at: str | None) -> None:
    files = {
        "kit/__init__.py": "",
        "kit/models.py": MODELS,
        "kit/agents.py": AGENTS,
        "app/main.py": APP,
    }
    if toys_at is not None:
        files[toys_at] = TOYS
    write_tree(root, files)


def test_call_on_a_base_typed_model_object_reaches_the_implementations(tmp_path: Path) -> None:
    _tree(tmp_path, None)
    models = sites_in(tmp_path, "kit/models.py")
    assert (line_of(MODELS, "async def __call__(self, messages, **options):"), WRAPPER) in models
    agents = sites_in(tmp_path, "kit/agents.py")
    assert (line_of(AGENTS, "return await self.model("), CALL) in agents
    assert (line_of(AGENTS, "async def __call__(self, *args, **kwargs):"), WRAPPER) in agents
    assert (line_of(APP, "print(await helper("), CALL) in sites_in(tmp_path, "app/main.py")


def test_callable_objects_reaching_no_model_are_no_sites(tmp_path: Path) -> None:
    _tree(tmp_path, None)
    assert line_of(AGENTS, "print(self.renderer(") not in {line for line, _ in sites_in(tmp_path, "kit/agents.py")}
    renderer_calls = {line_of(MODELS, "def __call__(self, messages):")}
    assert not renderer_calls & {line for line, _ in sites_in(tmp_path, "kit/models.py")}


def test_tutorial_toy_agents_leave_the_agent_interface_a_wrapper(tmp_path: Path) -> None:
    _tree(tmp_path, "docs/tutorial/toy_agents.py")
    agents = sites_in(tmp_path, "kit/agents.py")
    assert (line_of(AGENTS, "async def respond(self, *args, **kwargs):"), WRAPPER) in agents
    assert (line_of(APP, "print(await helper("), CALL) in sites_in(tmp_path, "app/main.py")


def test_toy_agents_in_the_package_make_the_interface_general(tmp_path: Path) -> None:
    _tree(tmp_path, "kit/toys.py")
    agents = sites_in(tmp_path, "kit/agents.py")
    assert (line_of(AGENTS, "async def respond(self, *args, **kwargs):"), WRAPPER) not in agents
