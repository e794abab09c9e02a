"""Templates a caller picks by name: a reader opens ``<run-time folder>/texts/<group>/<name>.md`` from its parameters,
and a wrapper-call passing ``name="..."`` as a literal sends that file (its text and slots), with the wrapper's own
default for the group. The call is then the task its template says, even where the wrapper makes other calls too."""

from __future__ import annotations

from pathlib import Path

from slmc.passes.triage import triage_site
from tests.frontend.trees import analysed_graph, carried_text, site_at, write_tree

SHELF = """
    import os


    class Shelf:
        def fetch(self, name, group="basic"):
            path = os.path.join(os.getcwd(), "texts", group, f"{name}.md")
            with open(path) as handle:
                return handle.read()
"""

HELPER = """
    from openai import OpenAI

    from kit.shelf import Shelf

    client = OpenAI()


    class Helper:
        def __init__(self):
            self.shelf = Shelf()

        def answer(self, question, name="Plain", group="basic", **fields):
            wanted = self.shelf.fetch(name=name, group=group)
            text = wanted.format(question=question, **fields)
            reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
            check = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "Is this reply polite? Say yes or no.\\n" + str(reply)}],
            )
            return reply, check
"""

USES = """
    from kit.helper import Helper

    helper = Helper()


    def route(ticket):
        return helper.answer(ticket, name="Sort Tickets")


    def tell(idea):
        return helper.answer(idea, name="write story", group="fun")


    def other(text):
        return helper.answer(text, name="Nowhere")
"""

SORT = "Put the ticket below into one of: billing, bug, other. Answer with only the label.\n\n{question}\n"
STORY = "Write a long original story with rich dialogue and several chapters about the idea below.\n\n{question}\n"


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "kit/__init__.py": "",
            "kit/shelf.py": SHELF,
            "kit/helper.py": HELPER,
            "kit/uses.py": USES,
            "kit/texts/basic/Sort Tickets.md": SORT,
            "kit/texts/fun/Write Story.md": STORY,
            "kit/texts/basic/Write Story.md": "Say hello.\n",
        },
    )


def test_literal_name_sends_the_template_it_names(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/uses.py", 8)
    assert "Put the ticket below into one of" in carried_text(graph, site)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None and prompt.template_file == "kit/texts/basic/Sort Tickets.md"
    assert triage_site(graph, site).verdict.value == "narrow"


def test_group_literal_picks_the_folder_and_case_is_forgiven(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/uses.py", 12)
    text = carried_text(graph, site)
    assert "long original story" in text and "Say hello" not in text
    assert triage_site(graph, site).verdict.value == "open-ended"


def test_name_with_no_file_is_left_unresolved(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/uses.py", 16)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None and prompt.template_file is None
    assert "Put the ticket" not in carried_text(graph, site)
