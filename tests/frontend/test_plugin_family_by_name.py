"""Plugin classes found at run time (a directory scan, a name looked up with ``getattr``) that each define the same
method with no base declaring it: ``plugin.complete_text(...)`` on the object a picker returns reaches every plugin
of that family, even when the picker's only static return is the ``return None`` of its empty case."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, write_tree

_BASE = """
    class Plugin:
        KIND = "none"
"""

_ALPHA = """
    import requests

    from plugins.base import Plugin


    class alpha(Plugin):
        KIND = "model"

        async def complete_text(self, prompt: str) -> str:
            body = {"model": "a-1", "messages": [{"role": "user", "content": prompt}]}
            reply = requests.post("https://api.alpha.example/v1/chat/completions", json=body, timeout=30)
            return reply.json()["choices"][0]["message"]["content"]
"""

_BETA = """
    import requests

    from plugins.base import Plugin


    class beta(Plugin):
        KIND = "model"

        async def complete_text(self, prompt: str) -> str:
            reply = requests.post("https://beta.example/v1/messages", json={"prompt": prompt}, timeout=30)
            return reply.json()["text"]
"""

_CORE = """
    import importlib
    import os


    def plugin_classes():
        out = []
        for name in os.listdir("plugins"):
            module = importlib.import_module("plugins." + name[:-3])
            cls = getattr(module, name[:-3], None)
            if getattr(cls, "KIND", "") == "model":
                out.append(cls)
        return out


    class Picker:
        def __init__(self):
            self.table = {}
            for cls in plugin_classes():
                self.table[cls.__name__] = {"instance": cls(), "rank": 1}

        def best(self):
            if not self.table:
                return None
            name = sorted(self.table)[0]
            return self.table[name]["instance"]


    class Agent:
        def __init__(self):
            self.picker = Picker()

        async def complete_text(self, prompt: str) -> str:
            plugin = self.picker.best()
            if plugin is None:
                return ""
            return await plugin.complete_text(prompt=prompt)


    async def label_ticket(agent: Agent, text: str) -> str:
        return await agent.complete_text(f"Answer with one word, bug or feature: {text}")
"""


def _sites(tmp_path: Path, core: str = _CORE) -> set[tuple[str, int, str]]:
    write_tree(
        tmp_path,
        {
            "plugins/__init__.py": "",
            "plugins/base.py": _BASE,
            "plugins/alpha.py": _ALPHA,
            "plugins/beta.py": _BETA,
            "core.py": core,
        },
    )
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}


def test_call_on_picked_plugin_reaches_the_family(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("core.py", 37, "wrapper-call") in sites  # plugin.complete_text(...) inside Agent.complete_text
    assert ("core.py", 33, "wrapper") in sites  # Agent.complete_text: the calling API of the rest of the code
    assert ("core.py", 41, "wrapper-call") in sites  # label_ticket's call through the agent
    # every plugin's method is what the call may run: both are wrappers
    assert ("plugins/alpha.py", 10, "wrapper") in sites
    assert ("plugins/beta.py", 10, "wrapper") in sites


def test_same_name_without_a_model_is_no_site(tmp_path: Path) -> None:
    # the agent calls ``describe`` on the picked plugin: no class of that name reaches a model
    core = _CORE.replace("return await plugin.complete_text(prompt=prompt)", "return plugin.describe(prompt)")
    core += """

    class Echo:
        def describe(self, text):
            return text.upper()


    class Shout:
        def describe(self, text):
            return text + "!"
"""
    sites = _sites(tmp_path, core)
    assert not [s for s in sites if s[0] == "core.py"]


def test_family_where_few_reach_a_model_is_no_site(tmp_path: Path) -> None:
    # four handler classes under one base each define ``complete_text``; only one of them asks a model, so a call on
    # an unknown handler is no model call
    core = (
        _CORE
        + """

    class Handler(Plugin):
        pass


    class Upper(Handler):
        async def complete_text(self, prompt: str) -> str:
            return prompt.upper()


    class Lower(Handler):
        async def complete_text(self, prompt: str) -> str:
            return prompt.lower()


    class Trim(Handler):
        async def complete_text(self, prompt: str) -> str:
            return prompt.strip()
"""
    )
    core = core.replace("import importlib", "import importlib\n\n    from plugins.base import Plugin", 1)
    sites = _sites(tmp_path, core)
    assert ("core.py", 39, "wrapper-call") not in sites  # plugin.complete_text(...): 2 of 5 reach a model
