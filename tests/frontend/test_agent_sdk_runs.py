"""Agent SDKs whose agents run their model steps when a run method is called: an agno ``Agent`` / ``Team``
(``run``, ``arun``, ``print_response``), a Google ADK ``Runner`` (``run_async(new_message=...)``), the OpenAI Agents
SDK's ``Runner.run(agent, input)``, and one turn of the Gemini Interactions API (``client.interactions.create``).
Each run is a framework call (a wrapper-call of the framework's own, reported with the requests) handed the user's turn; polling an interaction, opening a session, a run method
of the tree's own classes and a ``Runner`` of the tree's own ``agents`` package are none."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, messages_at, site_at, write_tree

_AGNO = """
    from agno.agent import Agent
    from agno.models.openai import OpenAIChat
    from agno.team import Team

    from .pipeline import Workflow

    critic = Agent(model=OpenAIChat(id="gpt-4o"), instructions=["Point out weak claims in the draft."])
    editor = Team(model=OpenAIChat(id="gpt-4o"), members=[critic], instructions=["Edit the draft."])


    class Reviewer:
        def __init__(self):
            self.agent = Agent(model=OpenAIChat(id="gpt-4o"), description="You review pull requests.")

        def review(self, diff):
            return self.agent.run(diff).content


    def edit(draft):
        return editor.run(f"Edit this draft for clarity: {draft}", stream=False).content


    def show(topic):
        critic.print_response(input=f"Critique the plan for {topic}")


    def nightly():
        return Workflow().run("cleanup")


    def check(diff):
        return Reviewer().review(diff)
"""

_PIPELINE = """
    class Workflow:
        def run(self, name):
            return name.upper()
"""

_ADK = """
    from google.adk.agents import LlmAgent
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    agent = LlmAgent(name="helper", model="gemini-2.5-flash", instruction="Answer billing questions.")


    async def answer(question):
        service = InMemorySessionService()
        session = await service.create_session(app_name="app", user_id="u")
        runner = Runner(agent=agent, app_name="app", session_service=service)
        message = types.Content(role="user", parts=[types.Part(text=question)])
        async for event in runner.run_async(user_id="u", session_id=session.id, new_message=message):
            if event.is_final_response():
                return event.content
"""

_OPENAI_AGENTS = """
    from agents import Agent, Runner

    writer = Agent(name="writer", instructions="Write a short report on the topic.")


    async def report(topic):
        result = await Runner.run(writer, f"Topic: {topic}")
        return result.final_output
"""

_LOCAL_AGENTS = """
    from agents import Runner


    def start():
        return Runner.run("jobs")
"""

_LOCAL_RUNNER = """
    class Runner:
        @staticmethod
        def run(name):
            return name
"""

_INTERACTIONS = """
    from google import genai

    client = genai.Client()


    def plan(goal):
        turn = client.interactions.create(model="gemini-3-flash-preview", input=f"Make a numbered plan for: {goal}")
        return client.interactions.get(turn.id)
"""


def test_agno_agent_and_team_runs_are_framework_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/agno_app.py": _AGNO, "app/pipeline.py": _PIPELINE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    path = "app/agno_app.py"
    assert (path, line_of(_AGNO, "self.agent.run(diff)")) in found
    assert (path, line_of(_AGNO, "editor.run(f")) in found
    assert (path, line_of(_AGNO, "critic.print_response(")) in found
    edit = messages_at(graph, path, line_of(_AGNO, "editor.run(f"))
    assert ("user", "Edit this draft for clarity: ") in edit
    assert any(role == "system" and "Edit the draft." in text for role, text in edit)  # the team's instructions
    show = messages_at(graph, path, line_of(_AGNO, "critic.print_response("))
    assert any(role == "system" and "Point out weak claims" in text for role, text in show)
    assert site_at(graph, path, line_of(_AGNO, "def review(")).site == SiteKind.WRAPPER
    assert found.get((path, line_of(_AGNO, "Reviewer().review("))) == SiteKind.WRAPPER_CALL
    assert (path, line_of(_AGNO, "Workflow().run(")) not in found


def test_adk_runner_run_is_a_framework_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/adk_app.py": _ADK})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert ("app/adk_app.py", line_of(_ADK, "runner.run_async(")) in found
    assert ("app/adk_app.py", line_of(_ADK, "service.create_session(")) not in found


def test_openai_agents_runner_run_hands_the_input_after_the_agent(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/report.py": _OPENAI_AGENTS})
    graph = analysed_graph(tmp_path)
    line = line_of(_OPENAI_AGENTS, "Runner.run(writer")
    assert site_at(graph, "app/report.py", line).client == "openai-agents"
    sent = messages_at(graph, "app/report.py", line)
    assert ("user", "Topic: ") in sent
    assert any(role == "system" and "Write a short report" in text for role, text in sent)


def test_a_runner_of_the_trees_own_agents_package_is_none(tmp_path: Path) -> None:
    files = {"agents/__init__.py": "from .runner import Runner\n", "agents/runner.py": _LOCAL_RUNNER}
    write_tree(tmp_path, {**files, "main.py": _LOCAL_AGENTS})
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path == "main.py"]


def test_gemini_interaction_turn_is_a_request_and_polling_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/plan.py": _INTERACTIONS})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    line = line_of(_INTERACTIONS, "client.interactions.create(")
    assert found.get(("app/plan.py", line)) == SiteKind.REQUEST
    assert ("user", "Make a numbered plan for: ") in messages_at(graph, "app/plan.py", line)
    assert ("app/plan.py", line_of(_INTERACTIONS, "client.interactions.get(")) not in found


_CREW = """
    from crewai import Agent, Crew, Task

    analyst = Agent(role="Analyst", goal="Summarise the meeting notes", backstory="You take minutes.")
    notes = Task(description="Summarise the notes in five bullets.", expected_output="Five bullets.", agent=analyst)


    def minutes():
        return Crew(agents=[analyst], tasks=[notes]).kickoff()
"""


def test_an_agent_run_beside_a_crew_sends_its_own_prompt_not_the_crews(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/crew_app.py": _CREW, "app/agno_app.py": _AGNO, "app/pipeline.py": _PIPELINE}
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    sent = messages_at(graph, "app/agno_app.py", line_of(_AGNO, "editor.run(f"))
    assert not any("Summarise" in text for _, text in sent)
    assert any("Edit the draft." in text for _, text in sent)


_SERVED = """
    from agno.agent import Agent
    from agno.os import AgentOS
    from agno.team import Team

    scout = Agent(name="Scout", instructions=["List three search terms for the topic."])
    lead = Team(members=[scout, Agent(name="Scribe", description="You write the final answer.")])
    desk = Agent(name="Desk", description="You answer questions about stocks.")
    app = AgentOS(agents=[desk]).get_app()
    solo = Agent(name="Solo", description="You greet people.")


    def ask(topic):
        return lead.run(topic)


    def greet(name):
        return solo.run(f"Greet {name}")
"""

_ADK_ROOT = """
    from google.adk.agents import LlmAgent
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService

    root_agent = LlmAgent(name="consultant", model="gemini-2.5-flash", instruction="Advise on market entry.")
    runner = Runner(agent=root_agent, app_name="consultant", session_service=InMemorySessionService())
"""

_ADK_RUN_BY_HELPER = """
    from google.adk.agents import LlmAgent

    from .runtime import run_agent

    root_agent = LlmAgent(name="cards", model="gemini-2.5-flash", instruction="Return insight cards as JSON.")


    def cards(transcript):
        return run_agent(root_agent, f"Make cards for: {transcript}")
"""

_RUNTIME = """
    async def run_agent(agent, prompt):
        return prompt
"""


def test_agents_a_team_or_serving_app_runs_are_framework_tasks(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/served.py": _SERVED})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    path = "app/served.py"
    assert found.get((path, line_of(_SERVED, "scout = Agent("))) == SiteKind.FRAMEWORK_TASK
    assert found.get((path, line_of(_SERVED, "desk = Agent("))) == SiteKind.FRAMEWORK_TASK
    assert found.get((path, line_of(_SERVED, "lead = Team("))) == SiteKind.FRAMEWORK_TASK  # the inline member
    assert ("system", "List three search terms for the topic.") in messages_at(
        graph, path, line_of(_SERVED, "scout = Agent(")
    )
    assert (path, line_of(_SERVED, "solo = Agent(")) not in found  # run by the tree: its run is the site
    assert (path, line_of(_SERVED, "solo.run(")) in found


def test_adk_root_agent_is_a_framework_task_unless_the_tree_runs_it(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/agent.py": _ADK_ROOT, "cards/__init__.py": ""}
    write_tree(tmp_path, {**files, "cards/agent.py": _ADK_RUN_BY_HELPER, "cards/runtime.py": _RUNTIME})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("app/agent.py", line_of(_ADK_ROOT, "root_agent = LlmAgent("))) == SiteKind.FRAMEWORK_TASK
    assert ("cards/agent.py", line_of(_ADK_RUN_BY_HELPER, "root_agent = LlmAgent(")) not in found


_MAF = """
    import os

    from agent_framework import Agent, Executor, WorkflowBuilder, WorkflowContext, handler
    from agent_framework.openai import OpenAIChatClient


    class GradeExecutor(Executor):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            client = OpenAIChatClient(model=os.environ["DEPLOYMENT"], api_key=os.environ["KEY"])
            self._agent = Agent(client=client, name="grader", instructions="Grade the answer from 1 to 5.")

        @handler
        async def grade(self, answer: str, ctx: WorkflowContext[int]) -> None:
            reply = await self._agent.run(f"Answer: {answer}\\nGrade:")
            await ctx.yield_output(int(reply.text.strip()[:1] or 0))


    async def main():
        workflow = WorkflowBuilder(start_executor=GradeExecutor(id="grade")).build()
        return await workflow.run("forty-two")
"""


def test_agent_framework_agent_run_is_a_framework_call_and_a_workflow_run_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/grading.py": _MAF})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    path = "app/grading.py"
    assert (path, line_of(_MAF, "self._agent.run(f")) in found
    sent = messages_at(graph, path, line_of(_MAF, "self._agent.run(f"))
    assert any(role == "user" and text.startswith("Answer: ") for role, text in sent)
    assert (path, line_of(_MAF, "workflow.run(")) not in found


def test_a_teams_members_are_kept_apart_from_its_tools(tmp_path: Path) -> None:
    """A ``Team(members=[...])`` run carries its members' names among its tools (each a turn it may hand over) and
    the ``members=`` expression itself, so that triage can tell agents handed the work from function tools; an agent
    given only function tools carries no such field."""
    write_tree(tmp_path, {"app/__init__.py": "", "app/agno_app.py": _AGNO, "app/pipeline.py": _PIPELINE})
    graph = analysed_graph(tmp_path)
    team = site_at(graph, "app/agno_app.py", line_of(_AGNO, "editor.run(f"))
    assert "critic" in team.tools and team.options.get("members") == "[critic]", (team.tools, team.options)
    single = site_at(graph, "app/agno_app.py", line_of(_AGNO, "critic.print_response("))
    assert "members" not in single.options, single.options
