"""A LangChain agent that LangGraph's server runs: ``langgraph.json`` names a graph under ``graphs`` (a dotted module
and a factory, ``"app.graphs:make_agent"``, or a file and a module-level name, ``"./main.py:graph"``). The
``create_agent(...)`` call the factory returns (through a lazy-import shim returning another function's call) or the
name is bound to is a framework task: the server runs the agent, with no call expression of the tree's in sight. An
agent built by a factory nothing serves is no site (its caller's run is)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.ir.nodes import SiteKind

from .trees import analysed_graph, line_of, write_tree

_SHIM = """
    def make_agent(config):
        from .lead import build as factory

        return factory(config)
"""

_LEAD = """
    from langchain.agents import create_agent
    from langchain.chat_models import init_chat_model

    PROMPT = "You are a research lead. Plan, search and write the report."


    def build(config):
        model = init_chat_model("openai:gpt-4o")
        if config.get("bootstrap"):
            return create_agent(model=model, tools=[], system_prompt="Help the user set up a new agent.")
        return create_agent(
            model=model,
            tools=[],
            system_prompt=PROMPT,
        )


    def unserved(config):
        return create_agent(model=init_chat_model("openai:gpt-4o"), tools=[], system_prompt=PROMPT)
"""

_MAIN = """
    from langchain.agents import create_agent

    agent = create_agent(model="openai:gpt-4o-mini", tools=[], system_prompt="Answer questions about the docs.")
    graph = agent
"""


def test_agents_a_langgraph_config_serves_are_framework_tasks(tmp_path: Path) -> None:
    files = {
        "backend/langgraph.json": '{"graphs": {"lead": "app.graphs:make_agent"}}',
        "backend/app/__init__.py": "",
        "backend/app/graphs/__init__.py": _SHIM,
        "backend/app/graphs/lead.py": _LEAD,
        "demo/langgraph.json": '{"graphs": {"docs": "./main.py:graph"}}',
        "demo/main.py": _MAIN,
    }
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    tasks = {(s.loc.path, s.loc.line) for s in graph.sites() if s.site == SiteKind.FRAMEWORK_TASK}
    lead = "backend/app/graphs/lead.py"
    assert (lead, line_of(_LEAD, 'return create_agent(model=model, tools=[], system_prompt="Help')) in tasks
    multi = next(i for i, t in enumerate(textwrap.dedent(_LEAD).splitlines(), 1) if t.strip() == "return create_agent(")
    assert (lead, multi) in tasks
    assert ("demo/main.py", line_of(_MAIN, "agent = create_agent(")) in tasks
    assert (lead, line_of(_LEAD, "return create_agent(model=init_chat_model")) not in tasks  # nothing serves it


_TEMPLATED = """
    from langchain.agents import create_agent
    from langchain.chat_models import init_chat_model

    TEMPLATE = "You are {name}, a research lead. Plan, search and write the report in {language}."


    def render(name, language):
        return TEMPLATE.format(name=name, language=language)


    def build(config):
        return _build(config, language=config.get("language", "English"))


    def _build(config, *, language):
        name = config["configurable"]["agent_name"]
        return create_agent(model=init_chat_model("openai:gpt-4o"), tools=[], system_prompt=render(name, language))
"""


def test_the_factories_building_a_served_agent_are_no_wrappers(tmp_path: Path) -> None:
    files = {
        "backend/langgraph.json": '{"graphs": {"lead": "app.graphs:make_agent"}}',
        "backend/app/__init__.py": "",
        "backend/app/graphs/__init__.py": _SHIM,
        "backend/app/graphs/lead.py": _TEMPLATED,
    }
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    reported = {(s.loc.path, s.loc.line, s.site) for s in graph.sites()}
    shim = "backend/app/graphs/__init__.py"
    assert not any(path == shim for path, _, _ in reported)  # ``return factory(config)`` builds, runs nothing
    assert not [s for s in reported if s[2] == SiteKind.WRAPPER]


_KWARGS = """
    from langchain.agents import create_agent
    from langchain_openai import ChatOpenAI


    class Client:
        def __init__(self):
            self._agent = None

        def _ensure(self, name):
            kwargs = {
                "model": ChatOpenAI(model=name),
                "tools": [],
                "system_prompt": "You are a helpful research assistant with web tools.",
            }
            self._agent = create_agent(**kwargs)

        def stream(self, text):
            self._ensure("gpt-4o")
            for item in self._agent.stream({"messages": [("user", text)]}, stream_mode="values"):
                yield item
"""


def test_an_agent_built_from_a_kwargs_dict_is_run_where_its_class_streams_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/client.py": _KWARGS})
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app/client.py"}
    assert line_of(_KWARGS, "for item in self._agent.stream(") in lines


_CLOSED_SOUNDING = """
    from langchain.agents import create_agent
    from langchain.chat_models import init_chat_model

    SYSTEM = (
        "You are a research lead. Decide whether each request needs a search, extract the key facts, "
        "classify the sources as primary or secondary, and answer with only the final report."
    )


    def build(config):
        return create_agent(model=init_chat_model("openai:gpt-4o"), tools=config["tools"], system_prompt=SYSTEM)
"""


def test_a_served_agent_is_an_open_ended_agent_loop(tmp_path: Path) -> None:
    from slmc.ir.nodes import Verdict
    from slmc.passes.triage import multi_task_wrappers, triage_site

    files = {"langgraph.json": '{"graphs": {"lead": "./app/lead.py:build"}}', "app/lead.py": _CLOSED_SOUNDING}
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    site = next(s for s in graph.sites() if s.site == SiteKind.FRAMEWORK_TASK)
    result = triage_site(graph, site, multi_task_wrappers(graph))
    assert result.verdict == Verdict.OPEN_ENDED, result
    assert any("an agent loop over tools" in r for r in result.reasons), result


def test_a_langgraph_config_linked_from_outside_the_tree_is_not_read(tmp_path: Path) -> None:
    """A ``langgraph.json`` that is a symlink to a file outside the analysed tree is not read (the one tree gate):
    the agent it would name stays unserved; the same config as a file of the tree serves it."""
    outside = tmp_path / "outside.json"
    outside.write_text('{"graphs": {"docs": "./main.py:graph"}}')
    root = tmp_path / "tree"
    write_tree(root, {"demo/main.py": _MAIN})
    (root / "demo" / "langgraph.json").symlink_to(outside)
    served = ("demo/main.py", line_of(_MAIN, "agent = create_agent("))
    tasks = {(s.loc.path, s.loc.line) for s in analysed_graph(root).sites() if s.site == SiteKind.FRAMEWORK_TASK}
    assert served not in tasks
    (root / "demo" / "langgraph.json").unlink()
    (root / "demo" / "langgraph.json").write_text(outside.read_text())
    tasks = {(s.loc.path, s.loc.line) for s in analysed_graph(root).sites() if s.site == SiteKind.FRAMEWORK_TASK}
    assert served in tasks
