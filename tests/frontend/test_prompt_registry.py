"""A prompt registry object built by ``setattr`` loops over nested mappings (``library.<group>.<name>(context)``):
``__init__`` sets one attribute per entry of the table it is constructed with, wrapping each group in a registry of
the same kind and each builder in a holder whose ``__call__`` calls it. The call reaches the builder function, so the
prompt it returns is the site's prompt, and a task function filling it with its caller's data is no calling API even
when several modules call it. A function handing on its caller's messages stays a wrapper; a registry class built
twice over different tables is not guessed at."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, carried_text, site_at, write_tree

CLIENT = """
    from openai import OpenAI


    class Brain:
        def __init__(self):
            self.sdk = OpenAI()

        def ask(self, messages, schema=None):
            out = self.sdk.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return out.choices[0].message.content
"""

RECIPES = """
    def ingredients(ctx):
        return [
            {"role": "system", "content": "You list the ingredients a recipe names, one per line, nothing else."},
            {"role": "user", "content": "Recipe:\\n" + ctx["recipe"]},
        ]


    def cuisine(ctx):
        return [
            {"role": "system", "content": "Name the cuisine of the dish: italian, thai, mexican or other."},
            {"role": "user", "content": ctx["recipe"]},
        ]


    table = {"ingredients": ingredients, "cuisine": cuisine}
"""

LIBRARY = """
    from kitchen import recipes


    class Holder:
        def __init__(self, fn):
            self.fn = fn

        def __call__(self, ctx):
            return self.fn(ctx)


    class Group:
        def __init__(self, entries):
            for name, fn in entries.items():
                setattr(self, name, Holder(fn))


    class Library:
        def __init__(self, groups):
            for group, entries in groups.items():
                setattr(self, group, Group(entries))


    library = Library({"recipes": recipes.table})
"""

TASKS = """
    from kitchen.client import Brain
    from kitchen.lib import library


    def list_ingredients(brain: Brain, recipe):
        return brain.ask(library.recipes.ingredients({"recipe": recipe}), schema="Ingredients")


    def relay(brain: Brain, messages):
        return brain.ask(messages)
"""

WEB = """
    from kitchen.tasks import list_ingredients, relay


    def page(brain, recipe):
        return list_ingredients(brain, recipe)


    def chat(brain, turns):
        return relay(brain, turns)
"""

CLI = """
    from kitchen.tasks import list_ingredients, relay


    def main(brain, recipe, turns):
        print(list_ingredients(brain, recipe))
        print(relay(brain, turns))
"""


def _graph(root: Path, library: str = LIBRARY):
    write_tree(
        root,
        {
            "kitchen/__init__.py": "",
            "kitchen/client.py": CLIENT,
            "kitchen/recipes.py": RECIPES,
            "kitchen/lib.py": library,
            "kitchen/tasks.py": TASKS,
            "kitchen/web.py": WEB,
            "kitchen/cli.py": CLI,
        },
    )
    return analysed_graph(root)


def _wrappers(graph) -> set[tuple[str, int]]:
    return {(s.loc.path, s.loc.line) for s in graph.sites() if s.site == SiteKind.WRAPPER}


def test_registry_entry_is_the_builder_and_its_task_no_wrapper(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    site = site_at(graph, "kitchen/tasks.py", 7)
    assert site.site == SiteKind.WRAPPER_CALL
    assert "list the ingredients a recipe names" in carried_text(graph, site)
    wrappers = _wrappers(graph)
    assert ("kitchen/tasks.py", 6) not in wrappers  # fills the registry's prompt with its caller's data: a task
    assert ("kitchen/tasks.py", 10) in wrappers  # hands on its caller's messages: a calling API
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("kitchen/web.py", 6) not in found  # a call of the task, not of a wrapper
    assert ("kitchen/web.py", 10) in found


def test_registry_built_over_two_tables_is_not_guessed(tmp_path: Path) -> None:
    twice = LIBRARY + '\n\nspare = Library({"recipes": {"ingredients": recipes.cuisine}})\n'
    graph = _graph(tmp_path, twice)
    site = site_at(graph, "kitchen/tasks.py", 7)
    text = carried_text(graph, site)
    assert "list the ingredients" not in text and "Name the cuisine" not in text
