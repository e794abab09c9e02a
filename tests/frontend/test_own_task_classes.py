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


def _tool_team(root, demo: str):
    """A small own framework (an agent given ``tools=``, a task, a team handing each task's description to its agent's
    chat) and ``demo`` using it."""
    kit = root / "teamkit"
    kit.mkdir()
    (kit / "__init__.py").write_text("from .agent import Agent\nfrom .task import Task\nfrom .team import Team\n")
    (kit / "agent.py").write_text(
        "from openai import OpenAI\n\n\n"
        "class Agent:\n"
        "    def __init__(self, name, role='', goal='', instructions='', tools=None):\n"
        "        self.name, self.role, self.goal, self.instructions = name, role, goal, instructions\n"
        "        self.tools, self.client = tools or [], OpenAI()\n\n"
        "    def chat(self, prompt):\n"
        "        system = f'You are {self.role}. Your goal: {self.goal}. {self.instructions}'\n"
        "        messages = [{'role': 'system', 'content': system}, {'role': 'user', 'content': prompt}]\n"
        "        specs = [{'type': 'function', 'function': {'name': t.__name__}} for t in self.tools]\n"
        "        out = self.client.chat.completions.create(model='gpt-4o-mini', messages=messages, tools=specs)\n"
        "        return out.choices[0].message.content or ''\n"
    )
    (kit / "task.py").write_text(
        "class Task:\n"
        "    def __init__(self, description, expected_output='', agent=None, name=None):\n"
        "        self.description, self.expected_output, self.agent = description, expected_output, agent\n"
        "        self.name = name\n"
    )
    (kit / "team.py").write_text(
        "from .task import Task\n\n\n"
        "class Team:\n"
        "    def __init__(self, agents, tasks: list[Task]):\n"
        "        self.agents, self.tasks = agents, tasks\n\n"
        "    def start(self):\n"
        "        out = ''\n"
        "        for task in self.tasks:\n"
        "            out = task.agent.chat(f'{task.description}\\nExpected output: {task.expected_output}\\n{out}')\n"
        "        return out\n"
    )
    (root / "demo.py").write_text(demo)
    graph, _ = analyze_paths([root], root=root)
    tasks = {s.loc.line: s for s in graph.sites() if s.site == SiteKind.FRAMEWORK_TASK and s.loc.path == "demo.py"}
    return tasks, graph


def test_a_task_ordering_what_its_agents_one_tool_does_relays_to_that_tool(tmp_path) -> None:
    """A task whose agent is given one tool and whose description orders what the tool's name says (``Score the new
    lead`` for an agent given ``score_lead``) relays the request to that tool: tool-argument filling, narrow. A task
    asking only about the tool's subject, one asking something open beside it, or an agent given two tools stay."""
    demo = (
        "from teamkit import Agent, Task, Team\n\n\n"
        "def score_lead(company):\n    return len(company) % 10\n\n\n"
        "def fetch_invoice():\n    return {'id': 7}\n\n\n"
        "def send_payment_reminder(to):\n    return 'sent'\n\n\n"
        "scorer = Agent('Scorer', role='Lead scoring', goal='Score leads', tools=[score_lead])\n"
        "clerk = Agent('Clerk', role='Billing clerk', goal='Handle invoices', tools=[fetch_invoice])\n"
        "nudger = Agent('Nudger', role='Dunning', goal='Chase payments', tools=[send_payment_reminder])\n"
        "both = Agent('Both', role='Billing', goal='Billing', tools=[fetch_invoice, score_lead])\n"
        "t1 = Task(description='Score the new lead', expected_output='The score', agent=scorer)\n"
        "t2 = Task(description='Fetch the latest invoice', expected_output='Invoice details', agent=clerk)\n"
        "t3 = Task(description='Send a payment reminder', expected_output='Status', agent=nudger)\n"
        "t4 = Task(description='Why did the invoice total rise this year?', expected_output='Reasons', agent=clerk)\n"
        "t5 = Task(description='Fetch the invoice, then write a long essay on billing history', agent=clerk)\n"
        "t6 = Task(description='Fetch the latest invoice', expected_output='Invoice details', agent=both)\n"
        "print(Team([scorer, clerk, nudger, both], [t1, t2, t3, t4, t5, t6]).start())\n"
    )
    tasks, graph = _tool_team(tmp_path, demo)
    assert sorted(tasks) == [20, 21, 22, 23, 24, 25]
    assert tasks[20].tools == ("score_lead",) and len(tasks[25].tools) == 2
    for line in (20, 21, 22):
        t = triage_site(graph, tasks[line])
        assert str(t.verdict) == "narrow" and any("one tool does" in r for r in t.reasons), (line, t)
    for line in (23, 24, 25):
        t = triage_site(graph, tasks[line])
        assert str(t.verdict) != "narrow" and not any("one tool does" in r for r in t.reasons), (line, t)
