"""A module-level name typed first by a placeholder lambda (``send: Callable = lambda *a, **k: None``) and bound to an
SDK callable in the branches of a config switch (``send = litellm.completion`` / ``send = client.chat.completions.create``):
its calls are requests of that SDK. And a base method holding that request which a subclass override extends through
``super()`` (adding saved history around it) is the family's calling API: a wrapper, its calls wrapper-calls."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_SWITCHED = """
    import os
    from typing import Any, Callable

    send: Callable[..., Any] = lambda *args, **kwargs: None

    if os.environ.get("BACKEND") == "proxy":
        import litellm

        send = litellm.completion
    else:
        from openai import OpenAI

        client = OpenAI()
        send = client.chat.completions.create


    def translate(text):
        msgs = [{"role": "user", "content": "Translate to French: " + text}]
        return send(model="gpt-4o-mini", messages=msgs)
"""

_ONLY_LAMBDAS = """
    import os

    send = lambda *args, **kwargs: None
    if os.environ.get("LOUD"):
        send = lambda *args, **kwargs: print(args)


    def translate(text):
        return send(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
"""


def test_placeholder_lambda_gives_way_to_the_sdk_callable(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tr/switch.py": _SWITCHED})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "tr/switch.py", 20)
    assert site.site == SiteKind.REQUEST


def test_lambdas_alone_reach_no_model(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tr/quiet.py": _ONLY_LAMBDAS})
    graph = analysed_graph(tmp_path)
    assert not list(graph.sites())


_FAMILY = """
    from openai import OpenAI

    client = OpenAI()


    class Asker:
        def __init__(self, persona):
            self.persona = persona

        def stream(self, model, messages):
            out = client.chat.completions.create(model=model, messages=messages, stream=True)
            for chunk in out:
                yield chunk.choices[0].delta.content or ""

        def ask(self, question, model):
            msgs = [{"role": "system", "content": self.persona}, {"role": "user", "content": question}]
            return "".join(self.stream(model=model, messages=msgs))


    class RememberingAsker(Asker):
        saved = []

        def stream(self, **kwargs):
            kwargs["messages"] = self.saved + kwargs["messages"]
            yield from super().stream(**kwargs)
"""

_CLI = """
    from ask.core import Asker, RememberingAsker


    def main(question, keep):
        if keep:
            return RememberingAsker("You answer shell questions.").ask(question, model="gpt-4o")
        return Asker("Name the command in one word.").ask(question, model="gpt-4o")
"""


def test_base_method_extended_through_super_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ask/core.py": _FAMILY, "ask/cli.py": _CLI})
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "ask/core.py", 11).site == SiteKind.WRAPPER  # Asker.stream
    assert site_at(graph, "ask/core.py", 12).site == SiteKind.REQUEST
    assert site_at(graph, "ask/core.py", 18).site == SiteKind.WRAPPER_CALL  # self.stream(...) in ask
    assert site_at(graph, "ask/core.py", 26).site == SiteKind.WRAPPER_CALL  # super().stream(...)
    assert site_at(graph, "ask/cli.py", 7).site == SiteKind.WRAPPER_CALL


def test_base_method_no_override_extends_stays_folded(tmp_path: Path) -> None:
    # the subclass replaces ``stream`` outright (no super() call): the base method stays its class's own step
    replaced = _FAMILY.replace("yield from super().stream(**kwargs)", 'yield "cached"')
    write_tree(tmp_path, {"ask/core.py": replaced, "ask/cli.py": _CLI})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("ask/core.py", 12)) == SiteKind.REQUEST
    assert found.get(("ask/core.py", 11)) != SiteKind.WRAPPER
