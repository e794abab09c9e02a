"""Prompt texts kept one file per key in a prompt folder (often with no suffix) and read at run time into a dict by a
holder: ``texts["outline"]`` with a literal key on a table named for prompts is the text of the file the key names."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, carried_text, site_at, write_tree

HOLDER = """
    from pathlib import Path


    class TextShelf:
        def __init__(self, folder):
            self.folder = Path(folder)

        def all(self):
            return {p.name: p.read_text() for p in self.folder.iterdir()}
"""

AGENT = """
    from openai import OpenAI

    from kit.shelf import TextShelf

    client = OpenAI()


    def send(system, user):
        return client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
        )


    def draft_story(idea, shelf: TextShelf):
        {table} = shelf.all()
        return send({table}["outline"].replace("STYLE", {table}["style"]), idea)
"""

OUTLINE = "Invent a long original story in five chapters from the idea given.\nSTYLE\n"
STYLE = "Write with vivid dialogue and rich description.\n"


def _tree(root: Path, table: str = "story_prompts", folder: str = "kit/story_prompts") -> None:
    write_tree(
        root,
        {
            "kit/__init__.py": "",
            "kit/shelf.py": HOLDER,
            "kit/agent.py": AGENT.replace("{table}", table),
            f"{folder}/outline": OUTLINE,
            f"{folder}/style.txt": STYLE,
        },
    )


def test_literal_key_reads_the_prompt_file_it_names(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    text = carried_text(graph, site_at(graph, "kit/agent.py", 17))
    assert "Invent a long original story in five chapters" in text  # the suffix-less file
    assert "vivid dialogue" in text  # the ``.txt`` file spliced in by ``replace``
    assert "STYLE" not in text


def test_table_not_named_for_prompts_is_left_as_a_hole(tmp_path: Path) -> None:
    _tree(tmp_path, table="settings")
    graph = analysed_graph(tmp_path)
    assert "five chapters" not in carried_text(graph, site_at(graph, "kit/agent.py", 17))


def test_file_outside_a_prompt_folder_is_not_read(tmp_path: Path) -> None:
    _tree(tmp_path, folder="kit/notes")
    graph = analysed_graph(tmp_path)
    assert "five chapters" not in carried_text(graph, site_at(graph, "kit/agent.py", 17))


def test_nearest_prompt_folder_wins(tmp_path: Path) -> None:
    _tree(tmp_path)
    write_tree(tmp_path, {"other/templates/outline": "Reply with one word: yes or no.\n"})
    graph = analysed_graph(tmp_path)
    text = carried_text(graph, site_at(graph, "kit/agent.py", 17))
    assert "five chapters" in text
    assert "yes or no" not in text
