"""A package that re-exports a module whole (``from .checks import *`` in its ``__init__``) offers that module's public
functions to its users: a public function nobody in the tree calls is the package's API, not dead code, so its call of
the model is a site. A private helper, a name left out of ``__all__``, and the same function in a module the package
does not star-export stay dead."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, write_tree

_MODEL = """
    import litellm

    class ChatModel:
        def __init__(self, model, **kwargs):
            self.model = model
            self.kwargs = kwargs

        def __call__(self, prompt=None, messages=None, **kwargs):
            messages = messages or [{"role": "user", "content": prompt}]
            reply = litellm.completion(model=self.model, messages=messages, **{**self.kwargs, **kwargs})
            return [c.message.content for c in reply.choices]
"""

_CHECKS = """
    from .models import ChatModel
    {all_line}

    def screen_title(title):
        judge = ChatModel("small-model", max_tokens=5)
        verdict = judge(f"Is this title polite? Reply Yes or No. Title: {{title}}")[0]
        return verdict.startswith("Yes")

    def _screen_body(body):
        judge = ChatModel("small-model", max_tokens=5)
        return judge(f"Is this text polite? Reply Yes or No. Text: {{body}}")[0]
"""


def _site_lines(
    tmp_path: Path, init: str, all_line: str = "", app: str = "from .models import ChatModel\n"
) -> set[int]:
    write_tree(
        tmp_path,
        {
            "shop/__init__.py": init,
            "shop/models.py": _MODEL,
            "shop/checks.py": _CHECKS.format(all_line=all_line),
            "shop/app.py": app,
        },
    )
    graph = analysed_graph(tmp_path)
    return {s.loc.line for s in graph.sites() if s.loc.path == "shop/checks.py"}


def test_a_star_exported_public_function_is_the_packages_api(tmp_path: Path) -> None:
    assert _site_lines(tmp_path, "from .models import *\nfrom .checks import *\n") == {7}


def test_all_decides_what_a_star_export_offers(tmp_path: Path) -> None:
    assert _site_lines(tmp_path, "from .checks import *\n", all_line='__all__ = ["something_else"]') == set()
    assert _site_lines(tmp_path / "b", "from .checks import *\n", all_line='__all__ = ["screen_title"]') == {7}


def test_an_uncalled_function_of_an_imported_module_not_star_exported_is_dead(tmp_path: Path) -> None:
    # the module is imported (``from . import checks``), but nothing names its function and the package does not
    # re-export it: dead
    assert _site_lines(tmp_path, "from .models import *\n", app="from . import checks\n") == set()
