"""``from pkg import helper`` where ``pkg/__init__.py`` says ``from .helper import helper``: the package rebinds the
name of its submodule to the object the submodule makes, and Python's import reads the package's attribute. So
``helper(...)`` elsewhere calls that object (a module-level instance whose ``__call__`` reaches a model), not the
submodule."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_HELPER = """
    import openai


    class Helper:
        def __init__(self):
            self.client = openai.OpenAI()

        def __call__(self, prompt):
            out = self.client.chat.completions.create(
                model="small", messages=[{"role": "user", "content": prompt}]
            )
            return out.choices[0].message.content


    helper = Helper()
"""

_CALLER = """
    from tools import helper


    def sentiment(review):
        return helper("Reply positive or negative only.\\n" + review)
"""


def _sites(graph) -> set[tuple[str, int, str]]:
    return {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}


def test_package_attribute_shadows_the_submodule_of_the_same_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"tools/__init__.py": "from .helper import Helper, helper\n", "tools/helper.py": _HELPER, "app.py": _CALLER},
    )
    found = _sites(analysed_graph(tmp_path))
    assert ("app.py", 6, str(SiteKind.WRAPPER_CALL)) in found, found


def test_package_that_only_imports_the_submodule_leaves_it_a_module(tmp_path: Path) -> None:
    # ``from . import helper`` binds the submodule itself: ``helper(...)`` would call a module, no model
    write_tree(
        tmp_path,
        {"tools/__init__.py": "from . import helper\n", "tools/helper.py": _HELPER, "app.py": _CALLER},
    )
    found = _sites(analysed_graph(tmp_path))
    assert ("app.py", 6, str(SiteKind.WRAPPER_CALL)) not in found, found
