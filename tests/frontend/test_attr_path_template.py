"""Templates an object reads from a path built out of attributes its constructor sets: ``Chat("sort.txt")`` stores
the name in ``__init__`` (``self.system_name = system_name``) and ``ask`` opens
``os.path.join(os.path.dirname(__file__), "prompts", self.system_name)``. A helper method handed
``self.user_name`` reads the user file the same way. Each call through an instance built with constant names sends
the files that instance's arguments pick, with their slots."""

from __future__ import annotations

from pathlib import Path

from slmc.passes.triage import triage_site
from tests.frontend.trees import analysed_graph, carried_text, site_at, write_tree

CHAT = """
    import os

    from openai import OpenAI

    client = OpenAI()


    class Chat:
        def __init__(self, system_name, user_name="ask.user.txt", temperature=0.2):
            self.system_name = system_name
            self.user_name = user_name
            self.temperature = temperature
            self.messages = []

        def _read(self, name, values):
            path = os.path.join(os.path.dirname(__file__), "prompts", name)
            return open(path).read().format(**values)

        def ask(self, **values):
            if not self.messages:
                path = os.path.join(os.path.dirname(__file__), "prompts", self.system_name)
                self.messages = [
                    {"role": "system", "content": open(path).read().format(**values)},
                    {"role": "user", "content": self._read(self.user_name, values)},
                ]
            reply = client.chat.completions.create(
                model="gpt-4o", messages=self.messages, temperature=self.temperature
            )
            return reply.choices[0].message.content
"""

SORTER = """
    from kit.chat import Chat


    def sort_ticket(ticket):
        chat = Chat(system_name="sort.system.txt", user_name="sort.user.txt")
        return chat.ask(ticket=ticket)
"""

WRITER = """
    from kit.chat import Chat


    def tell(idea):
        chat = Chat("tell.system.txt", temperature=0.9)
        return chat.ask(idea=idea)
"""

SORT_SYSTEM = "You file support tickets into exactly one of: billing, bug, other. Answer with only the label.\n"
SORT_USER = "Ticket:\n{ticket}\n"
TELL_SYSTEM = "Write a long original story with rich dialogue and several chapters about this idea: {idea}\n"


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "kit/__init__.py": "",
            "kit/chat.py": CHAT,
            "kit/prompts/sort.system.txt": SORT_SYSTEM,
            "kit/prompts/sort.user.txt": SORT_USER,
            "kit/prompts/tell.system.txt": TELL_SYSTEM,
            "kit/prompts/ask.user.txt": "{idea}\n",
            "kit/sorter.py": SORTER,
            "kit/writer.py": WRITER,
        },
    )


def test_construction_constants_pick_the_files_the_method_reads(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/sorter.py", 7)
    text = carried_text(graph, site)
    assert "exactly one of: billing, bug, other" in text and "Ticket:" in text
    assert "long original story" not in text
    assert triage_site(graph, site).verdict.value == "narrow"


def test_another_construction_sends_its_own_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/writer.py", 7)
    text = carried_text(graph, site)
    assert "long original story" in text and "exactly one of" not in text
    assert triage_site(graph, site).verdict.value == "open-ended"
