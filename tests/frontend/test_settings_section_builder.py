"""A prompt builder that picks a TOML settings table by the name its caller passes (``self._render("sort_ticket",
ticket=t)`` over ``table = get_settings().get(section)``, then ``table.system`` / ``table.user`` rendered with jinja)
and returns them as a ``{"system": ..., "user": ...}`` dict that a model-calling class turns into messages
(``prompt["system"]``, ``prompt["user"]``). Each task method names its own table, so the prompt it sends is that
table's text: the call in the task method carries it, and the task methods (and their abstract interface) are not
calling APIs. A builder given a name no settings file holds stays unknown. (A canned implementation of the same
interface reaches no model.)"""

from __future__ import annotations

import textwrap
from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree
from slmc.ir import SiteKind

CONFIG = """
    from types import SimpleNamespace

    _merged = SimpleNamespace()


    def get_settings():
        return _merged
"""

CALLER = """
    import litellm


    class ModelCaller:
        def __init__(self, model: str):
            self.model = model

        def ask(self, prompt: dict, stream=False):
            if not prompt["system"]:
                messages = [{"role": "user", "content": prompt["user"]}]
            else:
                messages = [
                    {"role": "system", "content": prompt["system"]},
                    {"role": "user", "content": prompt["user"]},
                ]
            reply = litellm.completion(model=self.model, messages=messages, stream=stream)
            return reply.choices[0].message.content
"""

TASKS = """
    from abc import ABC, abstractmethod

    from jinja2 import Environment

    from desk.caller import ModelCaller
    from desk.config import get_settings


    class TaskSet(ABC):
        @abstractmethod
        def sort(self, ticket: str) -> str:
            ...

        @abstractmethod
        def draft(self, ticket: str) -> str:
            ...


    class DefaultTasks(TaskSet):
        def __init__(self, caller: ModelCaller):
            self.caller = caller

        def _render(self, section: str, **values) -> dict:
            env = Environment()
            table = get_settings().get(section)
            system = env.from_string(table.system).render(**values)
            user = env.from_string(table.user).render(**values)
            return {"system": system, "user": user}

        def sort(self, ticket: str) -> str:
            prompt = self._render("sort_ticket", ticket=ticket)
            return self.caller.ask(prompt)

        def draft(self, ticket: str) -> str:
            prompt = self._render(section="missing_table", ticket=ticket)
            return self.caller.ask(prompt)


    class CannedTasks(TaskSet):
        def sort(self, ticket: str) -> str:
            return "other"

        def draft(self, ticket: str) -> str:
            return "Thanks, we are on it."
"""

DIRECT = """
    from jinja2 import Environment

    from desk.config import get_settings


    def quick_sort(caller, ticket: str) -> str:
        env = Environment()
        system = env.from_string(get_settings().sort_ticket.system).render(ticket=ticket)
        user = env.from_string(get_settings().sort_ticket.user).render(ticket=ticket)
        return caller.ask(prompt={"system": system, "user": user}, stream=False)
"""

DESK = """
    from desk.caller import ModelCaller
    from desk.tasks import CannedTasks, DefaultTasks, TaskSet


    class Desk:
        def __init__(self, tasks: TaskSet):
            self.tasks = tasks

        def handle(self, ticket: str) -> str:
            team = self.tasks.sort(ticket)
            return team + self.tasks.draft(ticket)


    def main(ticket: str, offline: bool) -> str:
        tasks = CannedTasks() if offline else DefaultTasks(ModelCaller("small"))
        return Desk(tasks).handle(ticket)
"""

PROMPTS = '''
    [sort_ticket]
    system = """You route customer support tickets to exactly one team: billing, outage or other."""
    user = """Ticket:
    {{ ticket }}
    Answer with the team name only."""
'''


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "desk/__init__.py": "",
            "desk/config.py": CONFIG,
            "desk/caller.py": CALLER,
            "desk/tasks.py": TASKS,
            "desk/direct.py": DIRECT,
            "desk/desk.py": DESK,
            "desk/settings/sort_ticket.toml": PROMPTS,
        },
    )


def test_builder_picks_the_settings_table_its_caller_names(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    sorted_at = line_of(TASKS, 'prompt = self._render("sort_ticket"') + 1
    text = carried_text(graph, site_at(graph, "desk/tasks.py", sorted_at))
    assert "route customer support tickets to exactly one team" in text
    assert "Answer with the team name only." in text
    # a table name no settings file holds: nothing is read for it
    drafted = carried_text(graph, site_at(graph, "desk/tasks.py", line_of(TASKS, 'section="missing_table"') + 1))
    assert "route customer support" not in drafted


def test_role_keyed_dict_argument_fills_the_callers_messages(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "desk/direct.py", line_of(DIRECT, "return caller.ask("))
    text = carried_text(graph, site)
    assert "route customer support tickets" in text and "Answer with the team name only." in text


def test_task_methods_naming_their_table_are_no_calling_api(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites() if s.site == SiteKind.WRAPPER}
    assert ("desk/caller.py", line_of(CALLER, "def ask(")) in wrappers
    task_defs = {i + 1 for i, line in enumerate(textwrap.dedent(TASKS).splitlines()) if "def sort(" in line}
    assert len(task_defs) == 3 and not {("desk/tasks.py", n) for n in task_defs} & wrappers
    # the desk hands its ticket to a task: no site of its own
    assert not [s for s in graph.sites() if s.loc.path == "desk/desk.py" and s.loc.line == line_of(DESK, "team =")]
    # the draft task names a table no settings file holds: its prompt is unknown, so it stays as it was
    assert ("desk/tasks.py", line_of(TASKS, "def draft(")) in wrappers
