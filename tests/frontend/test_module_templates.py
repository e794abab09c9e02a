"""Prompt templates kept as Python modules in a folder, one per task, which a manager imports by a computed name at
run time and reads one variable off (``module = importlib.import_module(f"pkg.prompts.{name}")`` then
``module.chat_template``): ``manager.fill(name="labels", text=t)`` hands the model the message list that variable holds
in the module of that file name, its ``${x}`` slots as holes — also when the list is one item of a batch walked by a
loop, or when the name is an f-string whose hole picks among the modules. A manager that imports nothing by name (a
plain table), or a name no module of the folder carries, gives no such prompt."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend import analyze_paths

from .trees import analysed_graph, carried_text, line_of, site_at, write_tree

_MANAGER = """
    import importlib
    import os
    from string import Template


    class Manager:
        def __init__(self):
            self.table = {}
            folder = os.path.join(os.path.dirname(__file__), "prompts")
            for filename in os.listdir(folder):
                stem = filename[:-3]
                module = importlib.import_module(f"kit.prompts.{stem}")
                self.table[stem] = module.chat_template

        def fill(self, name, **slots):
            return [{"role": m["role"], "content": Template(m["content"]).substitute(**slots)} for m in self.table[name]]
"""
_TREE = {
    "kit/__init__.py": "",
    "kit/manager.py": _MANAGER,
    "kit/prompts/__init__.py": "",
    "kit/prompts/labels.py": """
        intro = "Tag each sentence of the review with one label: praise, complaint or neutral. Reply in JSON."

        chat_template = [
            {"role": "system", "content": intro},
            {"role": "user", "content": "${text}"},
        ]
    """,
    "kit/prompts/answer_short.py": """
        chat_template = [
            {"role": "system", "content": "Answer the question from the passages in at most five words."},
            {"role": "user", "content": "${question}"},
        ]
    """,
    "kit/run.py": """
        from openai import OpenAI

        from kit.manager import Manager

        client = OpenAI()
        manager = Manager()


        def ask(messages):
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return reply.choices[0].message.content


        def tag(review):
            messages = manager.fill(name="labels", text=review)
            return ask(messages)


        def answer_all(questions, style):
            batch = []
            for q in questions:
                batch.append(manager.fill(name=f"answer_{style}", question=q))
            return [ask(m) for m in batch]


        def missing(review):
            messages = manager.fill(name="nowhere", text=review)
            return ask(messages)
    """,
}


def _line(text: str) -> int:
    return line_of(_TREE["kit/run.py"], text)


def _last(text: str) -> int:
    lines = _TREE["kit/run.py"].splitlines()
    return max(i for i, line in enumerate(lines, 1) if text in line)


def test_template_module_picked_by_name(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    tag = carried_text(graph, site_at(graph, "kit/run.py", _line("return ask(messages)")))
    assert "one label: praise, complaint or neutral" in tag
    assert "${text}" not in tag  # the slot is a hole
    walked = carried_text(graph, site_at(graph, "kit/run.py", _line("[ask(m)")))  # a batch item, the name an f-string
    assert "at most five words" in walked
    assert "praise" not in carried_text(graph, site_at(graph, "kit/run.py", _last("return ask(messages)")))  # no module of that name


def test_manager_without_imports_by_name_gives_no_template(tmp_path: Path) -> None:
    tree = dict(_TREE)
    tree["kit/manager.py"] = """
        class Manager:
            def __init__(self):
                self.table = {}

            def fill(self, name, **slots):
                return self.table[name]
    """
    write_tree(tmp_path, tree)
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    assert "praise" not in carried_text(graph, site_at(graph, "kit/run.py", _line("return ask(messages)")))
