"""A template picked by a conditional expression and then formatted (``(A if strict else B).format(...)``): the
prompt reads one of the templates the code writes, not an unknown hole. Small synthetic tree."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .trees import analysed_graph as _graph
from .trees import site_at as _site
from .trees import write_tree as _write

SRC = """
    from openai import OpenAI

    client = OpenAI()

    STRICT_TEMPLATE = "List the city names mentioned in the note as a JSON array of strings.\\nNote: {note}"
    LOOSE_TEMPLATE = "List the city names mentioned in the note, one per line.\\nNote: {note}"


    def cities(note, strict=False):
        prompt = (STRICT_TEMPLATE if strict else LOOSE_TEMPLATE).format(note=note)
        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return r.choices[0].message.content


    def unknown(note, pick):
        prompt = (pick() if note else pick()).format(note=note)
        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return r.choices[0].message.content
"""


def _line(needle: str, nth: int = 0) -> int:
    hits = [i for i, ln in enumerate(textwrap.dedent(SRC).splitlines(), 1) if needle in ln]
    return hits[nth]


def test_conditional_template_is_read(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": SRC})
    graph = _graph(tmp_path)
    site = _site(graph, "app.py", _line("client.chat.completions.create"))
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    text = prompt.messages[0].static_text()
    assert "List the city names mentioned in the note" in text
    assert any(p.hole and p.text == "note" for p in prompt.messages[0].parts)


def test_conditional_of_unknown_values_stays_a_hole(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": SRC})
    graph = _graph(tmp_path)
    site = _site(graph, "app.py", _line("client.chat.completions.create", 1))
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    assert prompt.messages[0].static_text().strip() == ""
