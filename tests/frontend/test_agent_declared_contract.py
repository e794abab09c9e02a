"""A run of an agent SDK's agent carries what the agent's construction declares: its instructions (keyword or a
function registered with ``@agent.system_prompt`` / ``@agent.instructions``), its answer type (``output_type=`` or
the second type argument of ``Agent[Deps, Out]``) and its tools (``tools=[...]``, ``@agent.tool``). This holds in
the framework's own repository too, where the examples' ``Agent`` is the tree's own class and ``Runner.run`` a class
method of the tree's runner. An OpenAI Agents SDK agent that another agent hands over to (``handoffs=[...]``,
``handoff(agent)``, ``handoff(agent=agent)``) or runs as a tool (``agent.as_tool(...)``, in its module or another one
importing it) is a framework task at its construction; ``Agent[Ctx](...)`` constructs an ``Agent``. A model name, key
or setting a function hands to the model object is no prompt it forwards."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site

from .trees import analysed_graph, carried_text, line_of, write_tree

_PYDANTIC_DEMO = """
    from pydantic import BaseModel
    from pydantic_ai import Agent


    class Place(BaseModel):
        town: str
        region: str


    locator = Agent("openai:gpt-4o-mini", output_type=Place, instructions="Extract the town and region named.")
    wheel = Agent[None, bool]("openai:gpt-4o-mini", system_prompt="Use the dice tool to say if the guess wins.")
    reporter = Agent("openai:gpt-4o-mini")


    @wheel.tool_plain
    def dice(guess: int) -> bool:
        return guess == 4


    @reporter.system_prompt
    def reporter_prompt() -> str:
        return "Write a long illustrated travel essay about the place the user names."


    def main(text: str) -> None:
        print(locator.run_sync(text).output)
        print(wheel.run_sync(text).output)
        print(reporter.run_sync(text).output)
"""

_OWN_INIT = """
    from .agent import Agent

    __all__ = ["Agent"]
"""

_OWN_AGENT = """
    from typing import Generic, TypeVar

    D = TypeVar("D")
    O = TypeVar("O")


    class Agent(Generic[D, O]):
        def __init__(self, model=None, *, output_type=str, instructions=None, system_prompt=None, tools=()):
            self.model = model
            self.steps: dict = {}

        def run_sync(self, user_prompt: str):
            node = self.steps.get("start")
            while node is not None:
                node = node.step(user_prompt)
            return node

        def tool_plain(self, fn):
            return fn

        def system_prompt(self, fn):
            return fn
"""


def _triaged(root: Path, path: str) -> dict[int, tuple[object, object]]:
    graph = analysed_graph(root)
    multi = multi_task_wrappers(graph)
    return {s.loc.line: (s, triage_site(graph, s, multi), graph) for s in graph.sites() if s.loc.path == path}


def _check_pydantic_runs(found: dict) -> None:
    locate, wheel, report = (
        found[line_of(_PYDANTIC_DEMO, f"{name}.run_sync(")] for name in ("locator", "wheel", "reporter")
    )
    site, triage, graph = locate
    assert "Extract the town and region named." in carried_text(graph, site)
    assert site.output_schema == "Place" and triage.verdict == Verdict.NARROW, (site, triage)
    site, triage, graph = wheel
    assert "dice" in site.tools and site.output_schema == "bool", site
    assert triage.verdict == Verdict.NARROW, triage
    site, triage, graph = report
    assert "travel essay" in carried_text(graph, site)  # the text the registered function returns
    assert triage.verdict == Verdict.OPEN_ENDED, triage


def test_an_installed_agents_run_carries_its_declared_contract(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/demo.py": _PYDANTIC_DEMO})
    _check_pydantic_runs(_triaged(tmp_path, "app/demo.py"))


def test_the_frameworks_own_agent_run_carries_its_declared_contract(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pydantic_ai_slim/pyproject.toml": "[project]\nname = 'pydantic-ai-slim'\n",
            "pydantic_ai_slim/pydantic_ai/__init__.py": _OWN_INIT,
            "pydantic_ai_slim/pydantic_ai/agent.py": _OWN_AGENT,
            "examples/demo.py": _PYDANTIC_DEMO,
        },
    )
    _check_pydantic_runs(_triaged(tmp_path, "examples/demo.py"))


_HANDOFF_DEMO = """
    from agents import Agent, Runner, function_tool, handoff


    @function_tool
    def order_status(order_id: str) -> str:
        return "shipped"


    german = Agent(name="german", instructions="You translate the user's message to German.")
    chatter = Agent(name="chatter", instructions="You only speak Dutch and chat freely with the user.")
    billing = Agent(name="billing", instructions="Answer billing questions.", tools=[order_status])
    unused = Agent(name="unused", instructions="Nobody runs this one.")
    front = Agent(
        name="front",
        instructions="Route the request to the right helper.",
        handoffs=[handoff(chatter)],
        tools=[
            german.as_tool(tool_name="to_german", tool_description="Translate to German"),
            billing.as_tool(tool_name="billing", tool_description="Billing help"),
        ],
    )


    async def main(message: str) -> None:
        result = await Runner.run(front, message)
        print(result.final_output)
"""

_OWN_RUNNER = """
    class Agent:
        def __init__(self, name, instructions=None, tools=(), handoffs=(), output_type=None):
            self.name = name

        def as_tool(self, tool_name, tool_description):
            return (tool_name, self)


    def handoff(agent, input_filter=None):
        return agent


    def function_tool(fn):
        return fn


    class Runner:
        @classmethod
        async def run(cls, starting_agent, input):
            node = starting_agent
            while node is not None:
                node = await node.step(input)
            return node
"""


def _check_handoffs(found: dict) -> None:
    def at(text: str):
        return found.get(line_of(_HANDOFF_DEMO, text))

    for text, verdict in (("german = Agent(", Verdict.NARROW), ("chatter = Agent(", Verdict.OPEN_ENDED)):
        got = at(text)
        assert got is not None and got[0].site == SiteKind.FRAMEWORK_TASK, (text, sorted(found))
        assert got[1].verdict == verdict, (text, got[1])
        assert not any("agent loop" in r for r in got[1].reasons), got[1]  # no tools: one model call
    billing = at("billing = Agent(")
    assert billing is not None and billing[0].site == SiteKind.FRAMEWORK_TASK and "order_status" in billing[0].tools
    assert any("agent loop" in r for r in billing[1].reasons), billing[1]
    assert at("unused = Agent(") is None and at("front = Agent(") is None  # run directly (or never): no task
    run = at("await Runner.run(")
    assert run is not None and "Route the request" in carried_text(run[2], run[0])


def test_agents_handed_over_or_run_as_tools_are_framework_tasks(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/demo.py": _HANDOFF_DEMO})
    _check_handoffs(_triaged(tmp_path, "app/demo.py"))


def test_the_frameworks_own_agents_handed_over_are_framework_tasks(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "src/agents/__init__.py": "from .core import Agent, Runner, function_tool, handoff\n",
            "src/agents/core.py": _OWN_RUNNER,
            "pyproject.toml": "[project]\nname = 'openai-agents'\n",
            "examples/demo.py": _HANDOFF_DEMO,
        },
    )
    _check_handoffs(_triaged(tmp_path, "examples/demo.py"))


_TASK_DEMO = """
    from pydantic_ai import Agent

    summariser = Agent("openai:gpt-4o-mini", instructions="Summarise the support ticket in two sentences for the log.")


    def summarise(ticket: str) -> str:
        return summariser.run_sync(ticket).output


    def nightly(tickets: list[str]) -> list[str]:
        return [summarise(t) for t in tickets]


    class Helper:
        def __init__(self, persona: str) -> None:
            self.agent = Agent("openai:gpt-4o-mini", system_prompt=persona)

        def ask(self, question: str) -> str:
            return self.agent.run_sync(question).output


    def explain(error: str) -> str:
        return Helper("You explain Python errors.").ask(f"Explain this error in two sentences: {error}")
"""


def test_a_function_running_an_agent_with_written_instructions_is_a_task(tmp_path: Path) -> None:
    """``summarise(ticket)`` hands its caller's data to an agent whose instructions are written where it is declared:
    a task function (no wrapper, its callers' calls no wrapper-calls), its run the prompt site. ``Helper.ask`` runs an
    agent whose instructions arrive from its own caller: the calling API, a wrapper."""
    write_tree(tmp_path, {"app/__init__.py": "", "app/tasks.py": _TASK_DEMO})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "app/tasks.py"}
    assert line_of(_TASK_DEMO, "summariser.run_sync(") in found
    assert line_of(_TASK_DEMO, "def summarise(") not in found
    assert line_of(_TASK_DEMO, "[summarise(t)") not in found
    assert found[line_of(_TASK_DEMO, "def ask(")].site == SiteKind.WRAPPER
    assert found[line_of(_TASK_DEMO, ").ask(f")].site == SiteKind.WRAPPER_CALL


_UI_DEMO = """
    from pydantic_ai import Agent
    from pydantic_ai.ui.ag_ui import AGUIAdapter

    agent = Agent("openai:gpt-4o-mini", instructions="You are a friendly companion: chat about anything the user likes.")
    ticketer = Agent("openai:gpt-4o-mini", instructions="Fill the support ticket fields from the call.")


    async def serve(request):
        return await AGUIAdapter.dispatch_request(request, agent=agent)


    async def close_call(history):
        return await ticketer.run("Make the ticket for this call.", message_history=history)
"""


def test_a_ui_adapter_runs_the_agent_on_the_chat_and_history_is_carried(tmp_path: Path) -> None:
    """``AGUIAdapter.dispatch_request(request, agent=agent)`` runs the agent on the chat a UI sends (its message
    list, spliced in); ``agent.run(q, message_history=past)`` sends the conversation so far before the turn."""
    write_tree(tmp_path, {"app/__init__.py": "", "app/ui.py": _UI_DEMO})
    found = _triaged(tmp_path, "app/ui.py")
    serve = found.get(line_of(_UI_DEMO, "AGUIAdapter.dispatch_request("))
    assert serve is not None, sorted(found)
    site, triage, graph = serve
    assert "friendly companion" in carried_text(graph, site)
    assert triage.verdict == Verdict.OPEN_ENDED, triage
    site, triage, graph = found[line_of(_UI_DEMO, "ticketer.run(")]
    prompt = graph.prompt_of(site.id)
    assert any(p.hole and p.text == "*history" for m in prompt.messages for p in m.parts), prompt


_KEYWORD_HANDOFF_DEMO = """
    from dataclasses import dataclass

    from agents import Agent, Runner, handoff


    @dataclass
    class Booking:
        ref: str = ""


    refunds = Agent[Booking](name="refunds", instructions="Explain the refund policy for the booking in one paragraph.")
    desk = Agent[Booking](
        name="desk",
        instructions="Send the traveller to the right desk.",
        handoffs=[handoff(agent=refunds, tool_name_override="to_refunds")],
    )


    async def main(message: str) -> None:
        result = await Runner.run(desk, message, context=Booking())
        print(result.final_output)
"""

_TOOL_AGENT_MODULE = """
    from agents import Agent

    glossary_agent = Agent(name="glossary", instructions="Define the finance term given in one sentence.")
"""

_TOOL_USER_MODULE = """
    from agents import Agent, Runner

    from .glossary import glossary_agent


    async def write(topic: str) -> str:
        writer = Agent(
            name="writer",
            instructions="Write a short note on the topic.",
            tools=[glossary_agent.as_tool(tool_name="define", tool_description="Define a term")],
        )
        return (await Runner.run(writer, topic)).final_output
"""


def test_generic_agents_handed_over_by_keyword_or_run_as_tools_elsewhere_are_framework_tasks(tmp_path: Path) -> None:
    """``Agent[Ctx](...)`` constructs an ``Agent``; ``handoff(agent=x)`` hands ``x`` over as ``handoff(x)`` does; and
    ``x.as_tool(...)`` in another module than ``x``'s construction makes that construction a framework task."""
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/desk.py": _KEYWORD_HANDOFF_DEMO,
            "app/glossary.py": _TOOL_AGENT_MODULE,
            "app/writer.py": _TOOL_USER_MODULE,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    refunds = found.get(("app/desk.py", line_of(_KEYWORD_HANDOFF_DEMO, "refunds = Agent[")))
    assert refunds is not None and refunds.site == SiteKind.FRAMEWORK_TASK, sorted(found)
    assert ("app/desk.py", line_of(_KEYWORD_HANDOFF_DEMO, "desk = Agent[")) not in found
    glossary = found.get(("app/glossary.py", line_of(_TOOL_AGENT_MODULE, "glossary_agent = Agent(")))
    assert glossary is not None and glossary.site == SiteKind.FRAMEWORK_TASK, sorted(found)


_MODEL_SETTINGS_DEMO = """
    import asyncio
    import os

    from agents import Agent, Runner
    from agents.extensions.models.litellm_model import LitellmModel


    async def main(model: str, api_key: str) -> None:
        agent = Agent(
            name="poet",
            instructions="Answer in rhyming couplets only.",
            model=LitellmModel(model=model, api_key=api_key),
        )
        result = await Runner.run(agent, "How is the sea today?")
        print(result.final_output)


    if __name__ == "__main__":
        asyncio.run(main(os.environ.get("POET_MODEL", "gpt-4o-mini"), os.environ.get("POET_KEY", "")))
"""


def test_model_name_and_key_parameters_are_no_prompt_forwarded(tmp_path: Path) -> None:
    """``main(model, api_key)`` hands its parameters only to the model object an agent runs on (a setting, under
    ``model=`` / ``api_key=``): it forwards no prompt, so it is no wrapper and its call no wrapper-call; the run is."""
    write_tree(tmp_path, {"app/__init__.py": "", "app/poet.py": _MODEL_SETTINGS_DEMO})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "app/poet.py"}
    assert line_of(_MODEL_SETTINGS_DEMO, "await Runner.run(") in found, sorted(found)
    assert line_of(_MODEL_SETTINGS_DEMO, "async def main(") not in found, sorted(found)
    assert line_of(_MODEL_SETTINGS_DEMO, "asyncio.run(main(") not in found, sorted(found)
