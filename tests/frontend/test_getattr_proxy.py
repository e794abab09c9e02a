"""A module-level proxy object whose ``__getattr__`` loads an SDK module on first use (``importlib.import_module``)
and forwards every missing name to it: ``proxy.completion(...)`` in any module importing the proxy is that SDK's
request. A ``__getattr__`` that answers something else (no forwarding ``getattr(held, name)``) reaches nothing."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_PROXY = """
    import importlib


    class Deferred:
        _mod = None

        def __getattr__(self, attr):
            self._load()
            return getattr(self._mod, attr)

        def _load(self):
            if self._mod is None:
                self._mod = importlib.import_module("litellm")


    engine = Deferred()


    class Stub:
        def __getattr__(self, attr):
            return lambda *a, **k: None


    stub = Stub()
"""


def test_attribute_forwarded_by_getattr_reaches_the_loaded_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/lazy.py": _PROXY,
            "app/ask.py": """
                from app.lazy import engine, stub


                def rhyme(word):
                    msgs = [{"role": "user", "content": "Give one rhyme for " + word}]
                    out = engine.completion(model="gpt-4o-mini", messages=msgs)
                    stub.completion(model="gpt-4o-mini", messages=msgs)
                    return out.choices[0].message.content
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "app/ask.py", 7)
    assert site.site == SiteKind.REQUEST
    assert site.client.startswith("litellm")
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/ask.py", 8) not in found  # the stub's __getattr__ forwards to nothing


def test_proxies_forwarding_to_each_other_end(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "loop/p.py": """
                class A:
                    def __init__(self):
                        self.other = B(self)

                    def __getattr__(self, name):
                        return getattr(self.other, name)


                class B:
                    def __init__(self, a):
                        self.a = a

                    def __getattr__(self, name):
                        return getattr(self.a, name)


                def go():
                    return A().completion(messages=[])
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert not list(graph.sites())
