"""Prompts kept in TOML settings files that a settings object merges (Dynaconf and the like): code reads them as
``get_settings().<table>.<key>`` and renders them with jinja. The frontend reads ``[table] key`` from the tree's TOML
files (build manifests left out), so the prompt the call sends is the file's text; an entry two files give differently
stays unknown, and a table of no TOML file stays as it was."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree

SETTINGS = """
    from types import SimpleNamespace

    _loaded = SimpleNamespace()


    def get_settings():
        return _loaded
"""

TOOL = """
    from jinja2 import Environment, StrictUndefined
    from openai import OpenAI

    from app.config import get_settings


    def sort_ticket(ticket: str) -> str:
        env = Environment(undefined=StrictUndefined)
        system = env.from_string(get_settings().ticket_router.system).render({"teams": "billing, outage, other"})
        user = env.from_string(get_settings().ticket_router.user).render({"ticket": ticket})
        reply = OpenAI().chat.completions.create(
            model="small",
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        )
        return reply.choices[0].message.content


    def greet(name: str) -> str:
        text = get_settings().greeting.user
        reply = OpenAI().chat.completions.create(model="small", messages=[{"role": "user", "content": text + name}])
        return reply.choices[0].message.content


    def unknown(name: str) -> str:
        text = get_settings().nowhere.user
        reply = OpenAI().chat.completions.create(model="small", messages=[{"role": "user", "content": text + name}])
        return reply.choices[0].message.content
"""

ROUTER_TOML = '''
    [ticket_router]
    system = """Route the support ticket to exactly one team among: {{ teams }}.
    Answer with the team name only."""
    user = """Ticket:
    {{ ticket }}"""
'''

GREETING_A = """
    [greeting]
    user = "Say hello warmly to "
"""

GREETING_B = """
    [greeting]
    user = "Write a long poem about "
"""

PYPROJECT = """
    [nowhere]
    user = "not a settings file"
"""


def test_prompts_read_from_toml_settings_tables(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": SETTINGS,
            "app/tool.py": TOOL,
            "app/settings/router_prompts.toml": ROUTER_TOML,
            "app/settings/greeting.toml": GREETING_A,
            "app/settings/other/greeting.toml": GREETING_B,
            "pyproject.toml": PYPROJECT,
        },
    )
    graph = analysed_graph(tmp_path)
    routed = site_at(graph, "app/tool.py", line_of(TOOL, "reply = OpenAI().chat.completions.create("))
    text = carried_text(graph, routed)
    assert "Route the support ticket to exactly one team" in text
    assert "Ticket:" in text
    # ``[greeting] user`` differs between two files: no text is picked; the build manifest is no settings file
    greeted = site_at(graph, "app/tool.py", line_of(TOOL, 'reply = OpenAI().chat.completions.create(model="small"'))
    assert "hello" not in carried_text(graph, greeted) and "poem" not in carried_text(graph, greeted)
    lines = [s.loc.line for s in graph.sites() if s.loc.path == "app/tool.py"]
    last = max(lines)
    assert "not a settings file" not in carried_text(graph, site_at(graph, "app/tool.py", last))
