"""``bool(answer)`` only asks whether the model said anything (``bool("no")`` is True), so it is no parse of the answer
and says nothing about its form; ``int(answer)`` still reads a number out of it. Sources written for these tests."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "loop.py": """
        from openai import OpenAI

        client = OpenAI()


        def step(history, tools):
            out = client.chat.completions.create(model="m", messages=history, tools=tools)
            calls = out.choices[0].message.tool_calls
            return bool(calls)


        def rating(review):
            out = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": f"Rate this review from 1 to 5, digits only: {review}"}]
            )
            return int(out.choices[0].message.content)
    """,
}


def test_a_truth_test_is_no_cast_but_int_is(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    assert "bool" not in site_at(graph, "loop.py", 8).consumers
    assert "int" in site_at(graph, "loop.py", 14).consumers
