"""Functions a framework registers by decorator and runs by name: other registered functions reach the model helper
as an attribute of the registry object (``hub.ask_model(...)``, answered by a ``__getattr__`` that hands back a
callable running whatever is registered under that name) or as a bare global the runner injects (``ask_model(...)``
with no import in the module); the helper itself may use an SDK module the runner injects (``litellm`` unbound)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_CORE = """
    class Hub:
        def __init__(self):
            self.table = {}

        def register(self, **meta):
            def add(fn):
                self.table[fn.__name__] = (fn, meta)
                return fn

            return add

        def run(self, name, *args, **kwargs):
            return self.table[name][0](*args, **kwargs)

        def __getattr__(self, name):
            if name in self.table:
                return lambda *args, **kwargs: self.run(name, *args, **kwargs)
            raise AttributeError(name)


    class Plain:
        def __getattr__(self, name):
            raise AttributeError(name)


    hub = Hub()
    plain = Plain()
"""

_MODEL = """
    from reg.core import hub


    @hub.register(imports=["litellm"])
    def ask_model(prompt):
        msgs = [{"role": "user", "content": prompt}]
        return litellm.completion(model="gpt-4o-mini", messages=msgs)["choices"][0]["message"]["content"]
"""

_MOOD = """
    from reg.core import hub, plain


    @hub.register(dependencies=["ask_model"])
    def label_mood(text):
        plain.ask_model("unused " + text)
        return hub.ask_model("Answer happy or sad only: " + text)
"""

_TITLE = """
    from reg.core import hub


    @hub.register(dependencies=["ask_model"])
    def title(text):
        return ask_model("Give a five-word title for: " + text)
"""


def test_registry_dispatch_and_injected_names_reach_the_helper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"reg/core.py": _CORE, "reg/packs/model.py": _MODEL, "reg/packs/mood.py": _MOOD, "reg/packs/title.py": _TITLE},
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "reg/packs/model.py", 8).site == SiteKind.REQUEST  # injected litellm
    assert site_at(graph, "reg/packs/model.py", 6).site == SiteKind.WRAPPER
    assert site_at(graph, "reg/packs/mood.py", 8).site == SiteKind.WRAPPER_CALL  # hub.ask_model(...)
    assert site_at(graph, "reg/packs/title.py", 7).site == SiteKind.WRAPPER_CALL  # injected ask_model(...)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("reg/packs/mood.py", 7) not in found  # a __getattr__ that answers nothing dispatches nothing


def test_two_registrations_of_one_name_pick_neither(tmp_path: Path) -> None:
    # two registered functions share the name: the injected global could be either, so no site is claimed for it
    other = _MODEL.replace("def ask_model(prompt):", "def ask_model(prompt):  # second pack").replace(
        'return litellm.completion(model="gpt-4o-mini", messages=msgs)["choices"][0]["message"]["content"]',
        "return prompt.upper()",
    )
    write_tree(
        tmp_path, {"reg/core.py": _CORE, "reg/packs/model.py": _MODEL, "reg/other.py": other, "reg/t.py": _TITLE}
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("reg/packs/model.py", 8) in found
    assert ("reg/t.py", 7) not in found


def test_star_import_keeps_an_unbound_name_unresolved(tmp_path: Path) -> None:
    starred = _TITLE.replace("from reg.core import hub", "from reg.core import hub\nfrom somewhere_else import *")
    write_tree(tmp_path, {"reg/core.py": _CORE, "reg/packs/model.py": _MODEL, "reg/packs/title.py": starred})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("reg/packs/title.py", 8) not in found  # the name may come from the star import
