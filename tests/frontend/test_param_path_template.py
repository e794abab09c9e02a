"""Templates a helper reads from a path built out of its own parameters: ``compose("x.system.txt", "x.user.txt",
area="sorting")`` opens ``<helper folder>/../<area>/prompts/<name>`` (the folder chosen by an ``if``/``else`` on the
parameter, ``..`` climbing out of the helper's folder) and returns the rendered messages. Each caller passing constant
names sends the files its own arguments pick, with their slots."""

from __future__ import annotations

from pathlib import Path

from slmc.passes.triage import triage_site
from tests.frontend.trees import analysed_graph, carried_text, site_at, write_tree

COMPOSE = """
    import os

    import chevron


    def compose(system_name, user_name=None, area=None, values={}):
        if area is None:
            folder = "../prompts/"
        else:
            folder = f"../{area}/prompts/"
        base = os.path.join(os.path.dirname(__file__), folder)
        system_path = os.path.join(base, f"{system_name}")
        user_path = os.path.join(base, f"{user_name}")
        out = [{"role": "system", "content": chevron.render(open(system_path).read(), values)}]
        if user_name is not None:
            out.append({"role": "user", "content": chevron.render(open(user_path).read(), values)})
        return out
"""

SORTER = """
    from openai import OpenAI

    from kit.helpers.compose import compose

    client = OpenAI()


    def sort_ticket(ticket):
        msgs = compose("sort.system.txt", "sort.user.txt", area="sorting", values={"ticket": ticket})
        return client.chat.completions.create(model="gpt-4o", messages=msgs)
"""

WRITER = """
    from openai import OpenAI

    from kit.helpers import compose as helpers

    client = OpenAI()


    def tell(idea):
        msgs = helpers.compose(system_name="tell.system.txt", area="writing", values={"idea": idea})
        return client.chat.completions.create(model="gpt-4o", messages=msgs)
"""

SORT_SYSTEM = "You file support tickets into exactly one of: billing, bug, other. Answer with only the label.\n"
SORT_USER = "Ticket:\n{{ticket}}\n"
TELL_SYSTEM = "Write a long original story with rich dialogue and several chapters about this idea: {{idea}}\n"


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "kit/__init__.py": "",
            "kit/helpers/__init__.py": "",
            "kit/helpers/compose.py": COMPOSE,
            "kit/sorting/__init__.py": "",
            "kit/sorting/sorter.py": SORTER,
            "kit/sorting/prompts/sort.system.txt": SORT_SYSTEM,
            "kit/sorting/prompts/sort.user.txt": SORT_USER,
            "kit/writing/__init__.py": "",
            "kit/writing/writer.py": WRITER,
            "kit/writing/prompts/tell.system.txt": TELL_SYSTEM,
            "kit/writing/prompts/sort.system.txt": "Say hello.\n",
        },
    )


def test_caller_constants_pick_the_files_under_the_parameter_folder(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/sorting/sorter.py", 11)
    text = carried_text(graph, site)
    assert "exactly one of: billing, bug, other" in text and "Ticket:" in text
    assert "Say hello" not in text
    assert triage_site(graph, site).verdict.value == "narrow"


def test_keyword_caller_through_module_attribute(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/writing/writer.py", 11)
    text = carried_text(graph, site)
    assert "long original story" in text and "exactly one of" not in text
    assert triage_site(graph, site).verdict.value == "open-ended"
