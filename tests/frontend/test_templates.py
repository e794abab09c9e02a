"""Prompts outside Python: template files reached by static, ``__file__``-relative and loader-derived paths, with each
slot syntax attached to the site's prompt as holes."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend import analyze_paths
from slmc.frontend.templates import slot_parts
from slmc.ir import SiteKind

from .trees import write_tree as _write


def _prompt(root: Path, line: int):
    graph, diags = analyze_paths([root], root=root)
    assert not [d for d in diags if "internal error" in d.message]
    (site,) = [s for s in graph.sites(SiteKind.REQUEST) if s.loc.line == line]
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    return prompt


def test_slot_syntaxes_become_holes() -> None:
    cases = {
        "Hi {{ name }}, rate {{item.title}}.": ["name", "item.title"],
        "Task: <$task$> given <$context$>": ["task", "context"],
        "Persona !<INPUT 0>! meets !<INPUT 1>!": ["INPUT 0", "INPUT 1"],
        "Dear $user, see ${doc}.": ["user", "doc"],
        "Sort {items} by {key}; keep {{literal}} braces": ["items", "key", "literal"],
    }
    for text, holes in cases.items():
        assert [p.text for p in slot_parts(text) if p.hole] == holes, text
    # once .format() substituted {x}, what is left in braces is literal text
    assert [p.text for p in slot_parts("JSON like {answer} stays", formatted=True) if p.hole] == []
    assert "".join(p.text for p in slot_parts("price $5 and 50%")) == "price $5 and 50%"


def test_loader_joining_folder_name_and_suffix(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "pkg/prompts/judge.txt": "Decide whether <$claim$> holds. Answer yes or no.\n",
            "pkg/utils.py": """
                import os

                HERE = os.path.dirname(os.path.abspath(__file__))

                def load_prompt(name):
                    with open(os.path.join(HERE, "prompts", name + ".txt")) as fh:
                        return fh.read()
            """,
            "pkg/agent.py": """
                from openai import OpenAI
                from pkg.utils import load_prompt

                client = OpenAI()

                def judge(claim):
                    system = load_prompt("judge")
                    return client.chat.completions.create(
                        model="gpt-4o", messages=[{"role": "system", "content": system}, {"role": "user", "content": claim}]
                    )
            """,
        },
    )
    prompt = _prompt(tmp_path, 9)
    system = prompt.messages[0]
    assert system.origin == "template-file"
    assert "Answer yes or no" in system.static_text()
    assert [p.text for p in system.parts if p.hole] == ["claim"]


def test_file_relative_path_and_yaml_key(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app/config/prompts.yaml": """
                tagger:
                  system: "Tag the ticket with one of: billing, bug, other."
                  user: "Ticket: {{ ticket }}"
            """,
            "app/notes.md": "Summarise !<INPUT 0>! for $reader in three bullet points.\n",
            "app/run.py": """
                from pathlib import Path

                import yaml
                from openai import OpenAI

                client = OpenAI()
                CFG = yaml.safe_load((Path(__file__).parent / "config" / "prompts.yaml").read_text())
                NOTES = (Path(__file__).resolve().parent / "notes.md").read_text()

                def tag(ticket):
                    p = CFG["tagger"]
                    return client.chat.completions.create(
                        model="gpt-4o",
                        messages=[{"role": "system", "content": p["system"]}, {"role": "user", "content": p["user"]}],
                    )

                def notes():
                    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": NOTES}])
            """,
        },
    )
    tagger = _prompt(tmp_path, 13)
    assert "one of: billing, bug, other" in tagger.messages[0].static_text()
    assert [p.text for p in tagger.messages[1].parts if p.hole] == ["ticket"]
    summary = _prompt(tmp_path, 19)
    assert [p.text for p in summary.messages[0].parts if p.hole] == ["INPUT 0", "reader"]


def test_paths_out_of_the_tree_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Classify the secret.\n", encoding="utf-8")
    root = tmp_path / "proj"
    _write(
        root,
        {
            "agent.py": """
                import os
                from openai import OpenAI

                client = OpenAI()
                TEXT = open(os.path.join(os.path.dirname(__file__), "..", "secret.txt")).read()

                def go():
                    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": TEXT}])
            """,
        },
    )
    prompt = _prompt(root, 9)
    assert "secret" not in prompt.messages[0].static_text()


def test_config_attribute_naming_a_yaml_file(tmp_path: Path) -> None:
    """crewAI style: ``tasks_config = "config/tasks.yaml"`` used as a mapping; a whole entry reads as its fields."""
    _write(
        tmp_path,
        {
            "crew/config/tasks.yaml": """
                digest:
                  description: Condense the notes in {notes} into five bullet points.
                  expected_output: Five bullet points.
            """,
            "crew/crew.py": """
                from openai import OpenAI

                client = OpenAI()


                class NotesCrew:
                    tasks_config = "config/tasks.yaml"

                    def digest(self):
                        return client.chat.completions.create(
                            model="gpt-4o",
                            messages=[
                                {"role": "system", "content": self.tasks_config["digest"]["description"]},
                                {"role": "user", "content": self.tasks_config["digest"]},
                            ],
                        )
            """,
        },
    )
    prompt = _prompt(tmp_path, 11)
    system, user = prompt.messages
    assert system.static_text().startswith("Condense the notes in ")
    assert [p.text for p in system.parts if p.hole] == ["notes"]
    assert "expected_output: Five bullet points." in user.static_text()
