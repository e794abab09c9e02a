"""A body-less hook (``prepare(self, log: RunLog)``) whose implementations each write the prompt they send: one asks
the shared backend with its own template, another hands the run-log object (a class of the tree) to a helper together
with a text it writes. The log object is data the implementation reads, not a prompt passed on, so the hook is a
task, not a calling API: no wrapper, and the base's ``self.prepare(log)`` no wrapper-call. The look-alike takes the
user's text (``topic: str``) and hands it on to the helper as it is: there the hook is a wrapper interface."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

PLANNERS = """
    from abc import abstractmethod

    import openai


    NOTES = "Summarise the {n} earlier rounds in three short lines, one finding a line."


    class RunLog:
        def __init__(self):
            self.rounds = []


    class Backend:
        def __init__(self):
            self.client = openai.OpenAI()

        def ask(self, user_prompt, system_prompt="You plan experiments."):
            out = self.client.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": system_prompt}, {"role": "user", "content": user_prompt}],
            )
            return out.choices[0].message.content


    def recall(log: RunLog, instruction: str) -> str:
        return Backend().ask(instruction + " Rounds so far: " + str(len(log.rounds)))


    class Planner:
        @abstractmethod
        def prepare(self, log: RunLog) -> dict: ...

        def plan(self, log: RunLog) -> str:
            ctx = self.prepare(log)
            return "focus: " + ctx["focus"]


    class PickingPlanner(Planner):
        def prepare(self, log: RunLog) -> dict:
            pick = Backend().ask("Pick the next area to test, answer factor or model. Rounds: " + str(len(log.rounds)))
            return {"focus": pick}


    class NotedPlanner(Planner):
        def prepare(self, log: RunLog) -> dict:
            notes = NOTES.format(n=len(log.rounds))
            return {"focus": recall(log, notes)}


    def main():
        print(PickingPlanner().plan(RunLog()))
        print(NotedPlanner().plan(RunLog()))
"""


def _lines(graph, kind: str) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) == kind}


def test_hook_handed_a_project_object_is_a_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"plan/planners.py": PLANNERS})
    graph = analysed_graph(tmp_path)
    wrappers = _lines(graph, "wrapper")
    assert 19 in wrappers  # Backend.ask stays the calling API
    assert 33 not in wrappers  # Planner.prepare: a task hook
    assert 35 not in wrappers  # Planner.plan only reads what the task returned
    assert 36 not in _lines(graph, "wrapper-call")  # plan -> self.prepare(log)


def test_hook_handing_on_the_callers_text_is_an_interface(tmp_path: Path) -> None:
    tree = PLANNERS.replace(
        "def prepare(self, log: RunLog) -> dict:\n            return",
        "def prepare(self, topic: str) -> dict:\n            return",
    )
    tree = tree.replace("recall(log, notes)", "recall(RunLog(), topic)").replace(
        "NOTES.format(n=len(log.rounds))", '""'
    )
    write_tree(tmp_path, {"plan/planners.py": tree})
    graph = analysed_graph(tmp_path)
    assert 33 in _lines(graph, "wrapper")
    assert 36 in _lines(graph, "wrapper-call")
