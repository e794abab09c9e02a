"""A script that binds one name to an instance of one class and later to an instance of another
(``bot = Plain(...)``, ... ``bot = Streaming(...)``): a call of the name (``bot(text)``) or of a method on it
(``bot.ask(text)``) reaches each class's method, not only the one of the class both derive from, so an async mixin's
``__call__`` that only such calls use is a calling API too. (The module mentions a provider so that the text
pre-filter reads it.)"""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

BOTS = """
    import openai


    class Plain:
        def __init__(self, model="gpt-4o-mini"):
            self.client = openai.OpenAI()
            self.model = model

        def __call__(self, text):
            out = self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
            return out.choices[0].message.content

        def ask(self, text):
            return self(text)


    class AsyncMixin:
        async def __call__(self, text):
            out = await openai.AsyncOpenAI().chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": text}]
            )
            return out.choices[0].message.content

        async def ask(self, text):
            return await self(text)


    class Streaming(AsyncMixin, Plain):
        pass
"""

SCRIPT = """
    import asyncio

    from bots import Plain, Streaming

    bot = Plain()
    print(bot("tell me a joke"))
    bot = Streaming()
    print(asyncio.run(bot("tell me another joke")))
    print(asyncio.run(bot.ask("and a third one")))
"""


def test_calls_of_a_rebound_name_reach_each_class(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bots.py": BOTS, "script.py": SCRIPT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("bots.py", 10)) == "wrapper"  # Plain.__call__
    assert found.get(("bots.py", 19)) == "wrapper"  # AsyncMixin.__call__, reached only through ``bot`` rebound
    assert found.get(("bots.py", 25)) == "wrapper"  # AsyncMixin.ask
    assert found.get(("script.py", 7)) == "wrapper-call"
    assert found.get(("script.py", 9)) == "wrapper-call"
    assert found.get(("script.py", 10)) == "wrapper-call"


def test_one_class_per_name_adds_nothing(tmp_path: Path) -> None:
    script = """
        from bots import Plain

        bot = Plain()
        print(bot("tell me a joke"))
    """
    write_tree(tmp_path, {"bots.py": BOTS, "script.py": script})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("script.py", 5)) == "wrapper-call"
    assert ("bots.py", 19) not in found  # the mixin's __call__: no caller reaches it
