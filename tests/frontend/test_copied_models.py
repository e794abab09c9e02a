"""A manager that works on a copy of its configured model (``model_copy = deepcopy(self.model)``, ``copy.copy``) so
that tools bound for one task do not leak into the shared object: the copy is the same model, and calling it reaches
the model's API."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

FILES = {
    "kit/__init__.py": "",
    "kit/llm.py": """
        from openai import OpenAI


        class Model:
            def __init__(self, name):
                self.name = name
                self.client = OpenAI()

            def reply(self, messages, tools=None):
                out = self.client.chat.completions.create(model=self.name, messages=messages, tools=tools)
                return out.choices[0].message.content
    """,
    "kit/notes.py": """
        import copy
        from copy import deepcopy
        from typing import Optional

        from kit.llm import Model


        class NoteKeeper:
            def __init__(self, model: Optional[Model] = None):
                self.model = model

            def tag(self, note):
                model_copy = deepcopy(self.model)
                return model_copy.reply([{"role": "user", "content": "One topic word for: " + note}])

            def title(self, note):
                shallow = copy.copy(self.model)
                return shallow.reply([{"role": "user", "content": "A three-word title for: " + note}])


        def main():
            keeper = NoteKeeper(Model("gpt-4o-mini"))
            print(keeper.tag("bought milk"), keeper.title("bought milk"))
    """,
}


def test_calls_on_a_copied_model_reach_its_api(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES)
    graph = analysed_graph(tmp_path)
    for line in (15, 19):
        site = site_at(graph, "kit/notes.py", line)
        assert str(site.site) == "wrapper-call"
        assert graph.request_of(site.id) is not None
