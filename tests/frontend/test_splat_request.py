"""A request whose arguments come from a dict built once and splatted (``litellm.completion(**params)`` with
``params = {"model": ..., "messages": ...}``): its prompt and model are read from that dict like keywords."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree


def test_prompt_and_model_read_from_a_splatted_local_dict(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "keys.py": """
                import litellm


                def stalled(output):
                    messages = [
                        {"role": "system", "content": "Say which key unblocks the program, inside <key></key> tags."},
                        {"role": "user", "content": output},
                    ]
                    params = {"model": "gpt-4o-mini", "messages": messages, "temperature": 0}
                    params["stream"] = False
                    return litellm.completion(**params)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "keys.py", 12)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    assert "which key unblocks the program" in " ".join(m.static_text() for m in prompt.messages)
    assert site.model == "gpt-4o-mini"
