"""The tree's own framework-task classes (CALLSITES.md ``framework-task``): ``Task(description=..., expected_output=...,
agent=...)`` objects a team's run hands to an agent's chat are framework tasks at their constructor, and the team's
run is as open as the tasks it was built with."""

from __future__ import annotations

from slmc.frontend import analyze_paths
from slmc.ir import SiteKind
from slmc.passes.triage import triage_site

from .expectations import FIXTURES

CASE = FIXTURES / "pkg_team_tasks"


def _graph():
    graph, diagnostics = analyze_paths([CASE], root=CASE)
    assert diagnostics == []
    return graph


def test_task_constructions_carry_the_task_and_agent_fields() -> None:
    graph = _graph()
    tasks = {s.loc.line: s for s in graph.sites() if s.site == SiteKind.FRAMEWORK_TASK}
    assert sorted(tasks) == [7, 13, 14]
    route = graph.prompt_of(tasks[7].id)
    assert route is not None
    system, user = route.messages
    assert system.role == "system" and "Ticket sorter" in system.template()
    assert "Route the ticket" in user.template() and "one word" in user.template()
    urgent = graph.prompt_of(tasks[14].id)
    assert urgent is not None and "yes or no" in urgent.messages[-1].template()  # passed by position
    assert tasks[14].labels == ("yes", "no")  # the answers the run routes on


def test_team_run_is_as_open_as_its_most_open_task() -> None:
    graph = _graph()
    runs = {s.loc.line: s for s in graph.sites() if s.site == SiteKind.WRAPPER_CALL and s.loc.path == "demos/triage.py"}
    mixed, closed = triage_site(graph, runs[19]), triage_site(graph, runs[21])
    assert str(mixed.verdict) == "open-ended" and "runs 3 framework tasks" in mixed.reasons[0]
    assert str(closed.verdict) == "narrow" and "each narrow" in closed.reasons[0]


def test_an_agent_class_declaring_its_own_description_is_no_task(tmp_path) -> None:
    """An agent class declaring a description and an expected output of its own (it runs itself, handed no agent):
    a team reading ``member.description`` does not make its constructions framework tasks."""
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "__init__.py").write_text("")
    (kit / "agent.py").write_text(
        "from openai import OpenAI\n\n\n"
        "class Agent:\n"
        "    def __init__(self, name, description='', expected_output='', model='gpt-4o-mini'):\n"
        "        self.name, self.description, self.expected_output = name, description, expected_output\n"
        "        self.client, self.model = OpenAI(), model\n\n"
        "    def run(self, prompt):\n"
        "        messages = [{'role': 'system', 'content': self.description}, {'role': 'user', 'content': prompt}]\n"
        "        return self.client.chat.completions.create(model=self.model, messages=messages)\n"
    )
    (kit / "team.py").write_text(
        "from .agent import Agent\n\n\n"
        "class Team:\n"
        "    def __init__(self, lead: Agent, members: list[Agent]):\n"
        "        self.lead, self.members = lead, members\n\n"
        "    def run(self, prompt):\n"
        "        roster = '\\n'.join(m.description for m in self.members)\n"
        "        return self.lead.run(roster + prompt)\n"
    )
    (tmp_path / "main.py").write_text(
        "from kit.agent import Agent\nfrom kit.team import Team\n\n"
        "helper = Agent('helper', description='Answers billing questions.', expected_output='a short answer')\n"
        "print(Team(helper, [helper]).run('Where is my invoice?'))\n"
    )
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    assert [s for s in graph.sites() if s.site == SiteKind.FRAMEWORK_TASK] == []
    assert any(s.site == SiteKind.REQUEST for s in graph.sites())
