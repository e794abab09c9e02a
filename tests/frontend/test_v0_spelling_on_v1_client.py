"""A half-migrated call: the v0 async spelling ``acreate`` left on a v1 client's ``chat.completions`` (a module-level
client imported under another name). The code means a model request there, so it is a request site; the v1
client's real look-alikes (embeddings) stay out."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree


def test_acreate_on_a_v1_client_is_a_request(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "clients.py": """
                from openai import OpenAI

                SHARED = OpenAI()
            """,
            "notes.py": """
                from clients import SHARED as shared_client


                async def condense(events: str) -> str:
                    prompt = "Condense these events into three short bullet points:\\n" + events
                    out = await shared_client.chat.completions.acreate(
                        model="m", messages=[{"role": "user", "content": prompt}]
                    )
                    return out.choices[0].message.content


                def vector(text: str):
                    return shared_client.embeddings.create(model="e", input=text)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    sites = {s.loc.line: s for s in graph.sites() if s.loc.path == "notes.py"}
    assert sites[7].site == SiteKind.REQUEST and sites[7].client == "openai"
    assert 14 not in sites
