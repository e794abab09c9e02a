"""Tool lists written as dict displays whose values are not all literals (``"parameters": schema`` with ``schema`` a
parameter, ``"function": spec`` built at run time): the request is still reported, without an internal error, and the
tool keeps its static name and description."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree


def test_tool_with_a_parameter_schema_keeps_its_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "probe.py": """
                from openai import OpenAI

                client = OpenAI()


                def try_schema(schema):
                    tools = [
                        {
                            "type": "function",
                            "function": {"name": "open_ticket", "description": "File a ticket", "parameters": schema},
                        }
                    ]
                    return client.chat.completions.create(
                        model="gpt-4o-mini",
                        messages=[{"role": "user", "content": "file one"}],
                        tools=tools,
                    )
            """,
        },
    )
    graph = analysed_graph(tmp_path)  # fails on an internal error
    site = site_at(graph, "probe.py", 14)
    names = [t.name for t in site.tool_nodes] if getattr(site, "tool_nodes", None) else [t.name for t in graph.tools()]
    assert "open_ticket" in names


def test_raw_http_body_with_a_runtime_tool_spec(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "raw.py": """
                import requests


                def send(api_key, spec):
                    data = {
                        "model": "gpt-4o-mini",
                        "messages": [{"role": "system", "content": "Call the tool you were given."}],
                        "tools": [{"type": "function", "function": spec}],
                    }
                    url = "https://api.openai.com/v1/chat/completions"
                    return requests.post(url, headers={"Authorization": api_key}, json=data)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    site_at(graph, "raw.py", 12)
