"""Prompt files shipped as package resources and read through a helper: ``read_prompt(Path("sort_prompt.txt"))``
joins the name under a ``prompts`` folder and hands it to a resource helper that opens
``importlib.resources.files(package).joinpath(str(Path("resources") / name))``. The file's name is a ``Path`` of a
literal kept in a module constant or passed in place; the call sends that file's text, so a sorting prompt stays
narrow and a code writer is open-ended."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree
from slmc.passes.triage import triage_site

UTILS = """
    from importlib import resources
    from pathlib import Path

    package_name = __name__.split(".")[0]
    resources_path = Path("resources")


    def fetch_resource(resource_path: Path):
        return resources.files(package_name).joinpath(str(resources_path / resource_path))
"""

PROMPTS = """
    from pathlib import Path

    from kit.utils import fetch_resource

    prompts_path = Path("prompts")


    def read_prompt(file_name: Path) -> str:
        resource = fetch_resource(prompts_path / file_name)
        with resource.open("r") as f:
            text = f.read()
        return text
"""

AGENT = """
    from pathlib import Path

    from openai import OpenAI

    from kit.prompts import read_prompt

    sort_prompt_path = Path("sort_prompt.txt")


    class Sorter:
        def __init__(self):
            self.client = OpenAI()
            self.system = read_prompt(sort_prompt_path)

        def sort(self, ticket: str) -> str:
            reply = self.client.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": self.system}, {"role": "user", "content": ticket}],
            )
            return reply.choices[0].message.content


    writer_prompt = read_prompt(Path("writer_prompt.txt"))


    def write(task: str) -> str:
        reply = OpenAI().chat.completions.create(
            model="m",
            messages=[{"role": "system", "content": writer_prompt}, {"role": "user", "content": task}],
        )
        return reply.choices[0].message.content
"""

SORT = "Sort the ticket into exactly one of: billing, outage, other. Answer with the label only.\n"
WRITE = "Write a complete Python program that does what the user asks. Return the whole source file.\n"


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "kit/__init__.py": "",
            "kit/utils.py": UTILS,
            "kit/prompts.py": PROMPTS,
            "kit/agent.py": AGENT,
            "kit/resources/prompts/sort_prompt.txt": SORT,
            "kit/resources/prompts/writer_prompt.txt": WRITE,
        },
    )


def test_resource_prompt_kept_on_the_object(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/agent.py", line_of(AGENT, "reply = self.client.chat.completions.create("))
    assert "exactly one of: billing, outage, other" in carried_text(graph, site)
    assert triage_site(graph, site).verdict.value == "narrow"


def test_resource_prompt_named_in_place(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kit/agent.py", line_of(AGENT, "reply = OpenAI().chat.completions.create("))
    assert "complete Python program" in carried_text(graph, site)
    assert triage_site(graph, site).verdict.value == "open-ended"
