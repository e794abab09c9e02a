"""A ``string.Template`` filled right before the request (``Template(JUDGE).safe_substitute(a=..., b=...)``, or a
template object kept in a local and ``substitute``d later) is the prompt: the template's text with its ``$x`` and
``${x}`` slots as holes, while literal ``{braces}`` in it stay text (no ``str.format`` ever ran on it)."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "judge.py": """
        from string import Template

        from openai import OpenAI

        client = OpenAI()

        JUDGE = r\"\"\"Which answer fits ${question} better?
        A: ${first}
        B: $second
        Reply as {"pick": "A"} or {"pick": "B"}.\"\"\"


        def judge(question, first, second):
            prompt = Template(JUDGE).safe_substitute(question=question, first=first, second=second)
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])


        def judge_kept(question, first, second):
            tpl = Template(JUDGE)
            prompt = tpl.substitute(question=question, first=first, second=second)
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
    """,
}


def test_template_slots_are_holes_of_the_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    for line in (16, 22):
        prompt = graph.prompt_of(site_at(graph, "judge.py", line).id)
        assert prompt is not None
        parts = [p for m in prompt.messages for p in m.parts]
        assert [p.text for p in parts if p.hole] == ["question", "first", "second"], parts
        text = "".join(p.text for p in parts if not p.hole)
        assert text.startswith("Which answer fits ") and '{"pick": "A"}' in text, text
        assert "$" not in text
