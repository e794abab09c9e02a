"""A function that drives an object its caller built (``run_rounds(team)``: a fixed kick-off turn, then the
object's own turns in a loop) is that object's calling API: a wrapper, and the calls handing it the object are
wrapper-calls. A function looping over a list of conversations its caller hands in and sending each as it is
(``for case in cases: runner.run(agent, case["turns"])``) is a batch runner: a wrapper too. Look-alikes that stay
no wrapper: a function handed a model client that writes a task around the caller's data, and a loop that fills
each item into a template of its own."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

TEAM = """
    import openai
    from societies import Society


    class Team(Society):
        def __init__(self, goal):
            super().__init__(goal)
            self.client = openai.OpenAI()

        def step(self, messages):
            out = self.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content
"""

DRIVER = """
    from crew.team import Team


    def run_rounds(team, limit=5):
        kickoff = "Begin now. Plan the first move toward the goal, then carry it out one turn at a time."
        msgs = team.init_chat(kickoff)
        answer = ""
        for _ in range(limit):
            answer = team.step(msgs)
            msgs = msgs + [{"role": "assistant", "content": answer}]
        return answer


    def summarise_with(model, notes):
        return model.step([{"role": "user", "content": "Summarise these notes in one line: " + notes}])


    def run_cases(team, cases):
        results = []
        for case in cases:
            results.append(team.step(case["turns"]))
        return results


    def grade_all(team, essays):
        return [team.step([{"role": "user", "content": "Grade this essay from 1 to 5: " + e}]) for e in essays]
"""

APP_ONE = """
    from crew.driver import run_rounds, summarise_with, run_cases, grade_all
    from crew.team import Team


    def plan_trip():
        return run_rounds(Team("Plan a three-day trip to Lisbon for two people."))


    def digest(model, notes):
        return summarise_with(model, notes)
"""

APP_TWO = """
    from crew.driver import run_rounds, run_cases, grade_all
    from crew.team import Team


    def write_report():
        return run_rounds(Team("Write a market report on electric bikes."))


    def evaluate(cases):
        return run_cases(Team("Answer the customer."), cases)


    def mark(essays):
        return grade_all(Team("You are a strict teacher."), essays)


    def mark_again(essays):
        return grade_all(Team("You are a kind teacher."), essays)
"""


def _crew_graph(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "crew/__init__.py": "",
            "crew/team.py": TEAM,
            "crew/driver.py": DRIVER,
            "app/__init__.py": "",
            "app/one.py": APP_ONE,
            "app/two.py": APP_TWO,
        },
    )
    return analysed_graph(tmp_path)


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_a_driver_of_a_handed_object_and_a_batch_runner_are_wrappers(tmp_path: Path) -> None:
    graph = _crew_graph(tmp_path)
    driver = _kinds(graph, "crew/driver.py")
    assert driver.get(5) == "wrapper", driver  # run_rounds: drives the team its caller built
    assert driver.get(19) == "wrapper", driver  # run_cases: each conversation handed on as it is
    assert _kinds(graph, "app/one.py").get(7) == "wrapper-call"
    assert _kinds(graph, "app/two.py").get(7) == "wrapper-call"
    assert _kinds(graph, "app/two.py").get(11) == "wrapper-call"


def test_look_alikes_stay_task_functions(tmp_path: Path) -> None:
    graph = _crew_graph(tmp_path)
    driver = _kinds(graph, "crew/driver.py")
    assert driver.get(15) != "wrapper", driver  # summarise_with: writes its task around the caller's notes
    assert driver.get(26) != "wrapper", driver  # grade_all: fills each essay into a template of its own


LOADER = """
    import json


    def resume(team, path):
        team.history = json.load(open(path))
        team.step()


    def start(team):
        team.step()
"""

LOADER_APP = """
    from crew.loader import resume, start
    from crew.team import Team


    def again(path):
        return resume(Team("Help the user."), path)


    def fresh():
        return start(Team("Help the user."))
"""


def test_a_function_setting_the_object_up_itself_is_no_driver(tmp_path: Path) -> None:
    team = TEAM.replace("def step(self, messages):", "def step(self, messages=None):")
    write_tree(
        tmp_path,
        {
            "crew/__init__.py": "",
            "crew/team.py": team,
            "crew/loader.py": LOADER,
            "app/__init__.py": "",
            "app/one.py": LOADER_APP,
        },
    )
    graph = analysed_graph(tmp_path)
    loader = _kinds(graph, "crew/loader.py")
    assert loader.get(5) != "wrapper", loader  # resume: fills the history itself, then runs the object
    assert loader.get(10) != "wrapper", loader  # start: hands the object no turn


HUB = """
    import openai


    class Helper:
        def __init__(self, brief: str):
            self.brief = brief
            self.client = openai.OpenAI()

        def ask(self, text: str) -> str:
            msgs = [{"role": "system", "content": self.brief}, {"role": "user", "content": text}]
            out = self.client.chat.completions.create(model="m", messages=msgs)
            return out.choices[0].message.content


    class Hub:
        def __init__(self):
            self.client = openai.OpenAI()

        def pick(self, skill: str, note: str) -> Helper:
            msgs = [{"role": "user", "content": note}]
            brief = self.client.chat.completions.create(model="m", messages=msgs).choices[0].message.content
            return Helper(brief)
"""

REVIEW = """
    from desk.hub import Hub


    def review(hub, draft):
        critic = hub.pick("critic", "Write a brief for a careful reviewer.")
        return critic.ask("List the three weakest claims in this draft: " + draft)


    def first_pass(draft):
        return review(Hub(), draft)


    def second_pass(draft):
        return review(Hub(), draft.upper())
"""


def test_a_function_asking_a_handed_factory_for_a_helper_is_no_driver(tmp_path: Path) -> None:
    write_tree(tmp_path, {"desk/__init__.py": "", "desk/hub.py": HUB, "desk/review.py": REVIEW})
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "desk/review.py")
    # review: the hub only hands out a helper; the task is the template this function writes for it
    assert kinds.get(5) != "wrapper", kinds
    assert kinds.get(11) != "wrapper-call", kinds
    assert kinds.get(7) == "wrapper-call", kinds  # the helper's call with the review task
