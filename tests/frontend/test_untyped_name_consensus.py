"""A facade holding a model the code picks from a registry it fills at run time (``inspect.getmembers`` over a
module of provider classes): ``self.model.chat(...)`` on that untyped object, or the method fetched first and bound in
a ``functools.partial`` (``fn = self.model.chat; partial(fn, system, msgs)(**kw)``), even behind a ``hasattr``
probe, runs one of the tree's interfaces of that name. Unrelated classes define ``chat`` here (text providers, vision
providers, the facade itself), so no one interface is picked by name; but every one of them asks a model (the facade
only forwards to what it holds), so the call reaches a model whichever object it is: the facade's methods are
wrappers and the calls of them wrapper-calls. A name that some unrelated class answers without a model gives no such
consensus."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_TEXT = """
    from openai import AsyncOpenAI


    class TextBase:
        def __init__(self, key, model):
            self.client = AsyncOpenAI(api_key=key)
            self.model = model

        async def chat(self, system, history, conf=None):
            msgs = [{"role": "system", "content": system}, *history]
            out = await self.client.chat.completions.create(model=self.model, messages=msgs, **(conf or {}))
            return out.choices[0].message.content

        async def summarize_rows(self, rows):
            return "\\n".join(rows)


    class FastText(TextBase):
        pass
"""

_VISION = """
    from openai import AsyncOpenAI


    class VisionBase:
        def __init__(self, key, model):
            self.client = AsyncOpenAI(api_key=key)
            self.model = model

        async def chat(self, system, history, conf=None, images=None):
            msgs = [{"role": "system", "content": system}, *history]
            out = await self.client.chat.completions.create(model=self.model, messages=msgs)
            return out.choices[0].message.content
"""

_REGISTRY = """
    import importlib
    import inspect

    Providers = globals().get("Providers", {})
    for _name, _cls in inspect.getmembers(importlib.import_module("providers.text")):
        if inspect.isclass(_cls):
            Providers[_name] = _cls
"""

_FACADE = """
    from functools import partial

    from providers import Providers


    class Facade:
        def __init__(self, factory, key, model):
            self.model = Providers[factory](key, model)

        async def chat(self, system, history, conf=None, **kwargs):
            if hasattr(self.model, "chat"):
                fn = self.model.chat
            else:
                raise RuntimeError("no chat")
            bound = partial(fn, system, history, conf)
            return await bound(**kwargs)

        async def ask(self, system, history):
            return await self.model.chat(system, history)

        async def rows(self, rows):
            return await self.model.summarize_rows(rows)


    class Table:
        async def summarize_rows(self, rows):
            return ", ".join(rows)
"""

_TASKS = """
    from services.facade import Facade


    async def keywords(facade, text):
        return await facade.chat("List three keywords of the text.", [{"role": "user", "content": text}])


    async def headline(facade, text):
        return await facade.ask("Write a five-word headline.", [{"role": "user", "content": text}])


    async def main(text):
        facade = Facade("FastText", "key", "m")
        await keywords(facade, text)
        await headline(facade, text)
        await facade.rows([text])
"""


def test_untyped_call_of_a_name_every_interface_answers_with_a_model(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "providers/__init__.py": _REGISTRY,
            "providers/text.py": _TEXT,
            "providers/vision.py": _VISION,
            "services/__init__.py": "",
            "services/facade.py": _FACADE,
            "tasks.py": _TASKS,
        },
    )
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER)}
    assert ("services/facade.py", 11) in wrappers  # Facade.chat: partial of the fetched method, behind hasattr
    assert ("services/facade.py", 19) in wrappers  # Facade.ask: direct call on the untyped model
    assert ("providers/text.py", 10) in wrappers  # TextBase.chat, reached through the facade
    calls = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER_CALL)}
    assert ("services/facade.py", 17) in calls  # bound(**kwargs)
    assert ("services/facade.py", 20) in calls
    assert ("tasks.py", 6) in calls
    assert ("tasks.py", 10) in calls
    # ``summarize_rows`` is answered by a class without a model as well: no consensus, no site
    assert ("services/facade.py", 23) not in calls
    assert ("services/facade.py", 22) not in wrappers
