"""A chat page streaming an agent server's answer: each chunk carries either a piece of the text or, for a tool step,
the called tool's result (``delta.tool_calls[0].tool_output``), which the page parses with ``json.loads`` to show
images. That parse reads a tool's data, not the form of the model's answer, so it is no consumer of the site (and no
evidence of a closed answer). Parsing the text of the answer itself (``delta.content``) still counts."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

PAGE = """
    import json

    import openai

    client = openai.OpenAI(base_url="http://localhost:7861/v1")


    def chat_page(prompt, show):
        text = ""
        for d in client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], stream=True):
            if d.choices[0].delta.tool_calls:
                tool_output = d.choices[0].delta.tool_calls[0].tool_output
                for url in json.loads(tool_output).get("images", []):
                    show(url)
            else:
                text += d.choices[0].delta.content or ""
                show(text)
        return text


    def color_page(prompt):
        for d in client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], stream=True):
            return json.loads(d.choices[0].delta.content)
"""


def test_tool_output_in_stream_is_no_answer_parse(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pages/chat.py": PAGE})
    graph = analysed_graph(tmp_path)
    assert "json.loads" not in site_at(graph, "pages/chat.py", 11).consumers
    assert "json.loads" in site_at(graph, "pages/chat.py", 23).consumers  # the answer text parsed: counted
