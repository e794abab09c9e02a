"""CAMEL used as a library, its package outside the analysed tree: an application builds backends with
``ModelFactory.create``, hands them to ``ChatAgent`` objects and drives them. A chat agent's ``step`` / ``astep``, a
role-playing society's turn, a workforce's ``process_task``, a backend's ``run`` and a vision toolkit's question are
the framework's own wrappers (calls of them are call sites); the factory, the constructors and the other methods of
those objects send nothing. A turn of an agent or a workforce is an agent loop over tools: open-ended."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site

from .trees import analysed_graph, site_at, write_tree

_CALLS = (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)
_TREE = {
    "crew/duo.py": """
        from camel.agents import ChatAgent
        from camel.models import ModelFactory
        from camel.societies import RolePlaying


        class PairSession:
            def __init__(self, backend):
                self.writer = ChatAgent("You draft release notes.", model=backend)
                self.editor = ChatAgent("You edit release notes.", model=backend)
                self.writer.reset()

            def turn(self, note):
                reply = self.writer.step(note)
                return self.editor.astep(reply.msg)


        def ping(platform, messages):
            backend = ModelFactory.create(model_platform=platform, model_type="some-model")
            return backend.run(messages)


        def debate(topic):
            society = RolePlaying(assistant_role_name="pro", user_role_name="con", task_prompt=topic)
            first = society.init_chat()
            return society.step(first)
    """,
    "crew/team.py": """
        from camel.agents import TaskSpecifyAgent
        from camel.societies.workforce import Workforce
        from camel.tasks import Task
        from camel.toolkits import ImageAnalysisToolkit


        def solve(question, coordinator, planner):
            team = Workforce("team", coordinator_agent=coordinator, task_agent=planner)
            team.add_single_agent_worker("searcher", worker=coordinator)
            return team.process_task(Task(content=question))


        def sharpen(idea, model):
            specifier = TaskSpecifyAgent(model=model)
            return specifier.run(task_prompt=idea)


        def objects_seen(path, model):
            vision = ImageAnalysisToolkit(model=model)
            return vision.ask_question_about_image(path, "List the objects in the picture.")
    """,
    "crew/plain.py": """
        class Stepper:
            def step(self, n):
                return n + 1


        def advance(stepper: Stepper, n):
            return stepper.step(n)
    """,
}


def test_framework_wrappers_of_camel_are_call_sites(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    for path, line in (("crew/duo.py", 14), ("crew/duo.py", 15), ("crew/duo.py", 20), ("crew/duo.py", 26)):
        site = site_at(graph, path, line)
        assert site.site in _CALLS and site.client == "camel", (path, line, site)
    site = site_at(graph, "crew/team.py", 11)
    assert site.site in _CALLS and site.client == "camel", site
    vision = site_at(graph, "crew/team.py", 21)
    task = site_at(graph, "crew/team.py", 16)  # a task agent of the framework asked once
    assert task.site in _CALLS and task.client == "camel"
    assert vision.site in _CALLS and vision.client == "camel"
    found = {(s.loc.path, s.loc.line) for s in graph.sites() if s.site in _CALLS}
    for line in (9, 10, 11, 19, 24, 25):  # constructors, reset, the factory, the society's opening: nothing sent
        assert ("crew/duo.py", line) not in found
    for line in (9, 10, 15, 20):  # the workforce, its worker registration, the task agent, the toolkit: built
        assert ("crew/team.py", line) not in found
    assert not [p for p, _ in found if p == "crew/plain.py"]  # a ``step`` of the tree's own plain class


def test_an_agent_turn_is_an_open_ended_loop(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    multi = multi_task_wrappers(graph)
    for path, line in (("crew/duo.py", 14), ("crew/duo.py", 26), ("crew/team.py", 11)):
        t = triage_site(graph, site_at(graph, path, line), multi)
        assert t.verdict == Verdict.OPEN_ENDED, (path, line, t)
        assert any("an agent loop over tools" in r for r in t.reasons), t
    listed = triage_site(graph, site_at(graph, "crew/team.py", 21), multi)
    assert listed.verdict != Verdict.OPEN_ENDED, listed  # a vision question is read by its words, no agent loop
