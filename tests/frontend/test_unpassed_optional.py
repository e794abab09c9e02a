"""A wrapper that adds a message only for an optional parameter (``image=None``) the caller leaves out: the prompt
carried to that caller's call holds the caller's text, not a hole for the missing parameter."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree


def test_optional_parameter_left_out_adds_no_hole(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "helper.py": """
                import litellm


                class Helper:
                    def chat(self, text, image=None):
                        messages = [{"role": "user", "content": text}]
                        if image:
                            messages.append({"role": "user", "content": image})
                        return litellm.completion(model="gpt-4o-mini", messages=messages)


                def warm_up():
                    return Helper().chat("Reply with the single word pong.")


                def look(picture):
                    return Helper().chat("Describe this picture in five words.", image=picture)
            """,
        },
    )
    graph = analysed_graph(tmp_path)

    def holes(line: int) -> list[str]:
        prompt = graph.prompt_of(site_at(graph, "helper.py", line).id)
        assert prompt is not None
        return [p.text for m in prompt.messages for p in m.parts if p.hole]

    assert "image" not in holes(14)
    assert "picture" in holes(18) or "image" in holes(18)
