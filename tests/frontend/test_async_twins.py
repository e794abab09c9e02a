"""An agent often offers its step twice, once per calling mode: ``reply`` beside ``areply``, ``generate`` beside
``generate_async``. The tree may only ever run one of them (every runner awaits ``areply``), yet the other is the
same API for whoever drives the object the other way: an uncalled public method is a wrapper when its twin on the
class (or on a base it inherits the twin from; a stub twin, ``async def areply(self): pass``, defers to the base's
declaration) is one, and it reaches the model through the project's wrappers, or is declared without a body on an
interface whose implementations do. Not wrappers: an uncalled method with no twin, a private twin, the twin of a
method that is no wrapper, and a transport twin sending the request itself (``send`` beside the ``asend`` the code
moved to, or ``run`` driving its own ``arun``: what is left behind is no API the code offers)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_BASE = """
    from abc import ABC, abstractmethod


    class Speaker(ABC):
        @abstractmethod
        def reply(self, topic):
            pass

        @abstractmethod
        async def areply(self, topic):
            pass
"""

_MODEL = """
    import asyncio

    from openai import AsyncOpenAI, OpenAI

    sync_client = OpenAI()
    async_client = AsyncOpenAI()


    class Model:
        def chat(self, messages):
            return sync_client.chat.completions.create(model="m", messages=messages)

        async def achat(self, messages):
            return await async_client.chat.completions.create(model="m", messages=messages)


    class Line:
        def send(self, payload):
            return sync_client.chat.completions.create(**payload)

        async def asend(self, payload):
            return await async_client.chat.completions.create(**payload)

        def run(self, payload):
            return asyncio.run(self.arun(payload))

        async def arun(self, payload):
            return await self.asend(payload)
"""

_POET = """
    from .base import Speaker
    from .model import Model

    VERSE = "Answer in four lines of verse."


    class Poet(Speaker):
        def __init__(self):
            self.model = Model()

        def reply(self, topic):
            return self.model.chat([{"role": "system", "content": VERSE}, {"role": "user", "content": topic}])

        async def areply(self, topic):
            return await self.model.achat([{"role": "system", "content": VERSE}, {"role": "user", "content": topic}])

        def recite(self, topic):
            return self.model.chat([{"role": "user", "content": "Recite a line about " + topic}])

        def _reply(self, topic):
            return self.model.chat([{"role": "user", "content": topic}])


    class Judge(Speaker):
        def __init__(self):
            self.model = Model()

        def reply(self, topic):
            return self.model.chat([{"role": "user", "content": topic}])

        async def areply(self, topic):
            pass


    class Counter:
        def __init__(self):
            self.model = Model()

        def count(self, text):
            return self.model.chat([{"role": "user", "content": "Count the words: " + text}])

        async def acount(self, text):
            return len(text.split())
"""

_STAGE = """
    import asyncio

    from .model import Line, Model
    from .poet import Poet


    async def round_of(topic):
        poet = Poet()
        return await poet.areply("Write about " + topic)


    async def forward(messages):
        return await Line().asend({"model": "m", "messages": messages})


    async def forward_twice(messages):
        return await Line().arun({"model": "m", "messages": messages})


    def ask(question):
        return Model().chat([{"role": "user", "content": question}])


    async def aask(question):
        return await Model().achat([{"role": "user", "content": question}])


    def main():
        asyncio.run(forward([{"role": "user", "content": "hello"}]))
        asyncio.run(forward_twice([{"role": "user", "content": "hello"}]))
        print(ask("why"), asyncio.run(aask("how")))
        return asyncio.run(round_of("rain"))
"""


def test_uncalled_twin_of_a_wrapper_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": _BASE,
            "pkg/model.py": _MODEL,
            "pkg/poet.py": _POET,
            "pkg/stage.py": _STAGE,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("pkg/poet.py", 15)) == SiteKind.WRAPPER  # areply: the stage awaits it
    assert found.get(("pkg/poet.py", 12)) == SiteKind.WRAPPER  # reply: its sync twin, nothing calls it
    assert found.get(("pkg/poet.py", 13)) == SiteKind.WRAPPER_CALL
    assert found.get(("pkg/base.py", 7)) == SiteKind.WRAPPER  # the declared sync interface beside areply
    assert ("pkg/poet.py", 18) not in found  # recite: uncalled, no twin
    assert ("pkg/poet.py", 21) not in found  # _reply: private
    assert found.get(("pkg/poet.py", 29)) == SiteKind.WRAPPER  # Judge.reply: its areply is a stub, the base's decides
    assert ("pkg/poet.py", 40) not in found  # count: its twin acount reaches no model, nothing calls either
    assert found.get(("pkg/model.py", 22)) == SiteKind.WRAPPER  # asend: the stage hands it a request
    assert ("pkg/model.py", 19) not in found  # send: a transport twin nothing calls, sending a whole request
    assert found.get(("pkg/model.py", 20)) == SiteKind.REQUEST
    assert found.get(("pkg/model.py", 28)) == SiteKind.WRAPPER  # arun: the stage runs it
    assert ("pkg/model.py", 25) not in found  # run: nothing calls it, it only drives its own twin
