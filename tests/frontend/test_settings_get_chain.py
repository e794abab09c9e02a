"""A TOML settings table read through ``get`` twice (written for these tests): ``get_settings().get(prompt,
{}).get("system", "")`` with ``prompt`` a parameter whose default names the table. The frontend reads ``[table] key``
as it does for ``get_settings().table.key``; a plain dict read the same way is the code's own data, not a settings
file."""

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
    from jinja2 import Environment
    from openai import OpenAI

    from app.config import get_settings

    LOCAL = {"ticket_router": {"system": "Write a long poem about the ticket."}}


    def sort_ticket(ticket: str, prompt: str = "ticket_router") -> str:
        env = Environment()
        system = env.from_string(get_settings().get(prompt, {}).get("system", "")).render({"teams": "a, b"})
        reply = OpenAI().chat.completions.create(
            model="small",
            messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
        )
        return reply.choices[0].message.content


    def own_table(ticket: str) -> str:
        system = LOCAL.get("ticket_router", {}).get("system", "")
        answer = OpenAI().chat.completions.create(
            model="small",
            messages=[{"role": "system", "content": system}, {"role": "user", "content": ticket}],
        )
        return answer.choices[0].message.content
"""

ROUTER_TOML = '''
    [ticket_router]
    system = """Route the support ticket to exactly one team among: {{ teams }}.
    Answer with the team name only."""
'''


def test_a_settings_table_read_through_get(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": SETTINGS,
            "app/tool.py": TOOL,
            "app/settings/router_prompts.toml": ROUTER_TOML,
        },
    )
    graph = analysed_graph(tmp_path)
    routed = site_at(graph, "app/tool.py", line_of(TOOL, "reply = OpenAI().chat.completions.create("))
    assert "Route the support ticket to exactly one team" in carried_text(graph, routed)
    # the module's own dict read with ``get`` twice is its data: its text, not the settings file's
    own = site_at(graph, "app/tool.py", line_of(TOOL, "answer = OpenAI().chat.completions.create("))
    assert "Route the support ticket" not in carried_text(graph, own)
