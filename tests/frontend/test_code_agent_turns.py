"""A coding assistant used as a library (aider's ``Coder``) is handed the user's turn as an argument
(``coder.run(prompt)``, ``coder.run(with_message=...)``): that text is the site's prompt, read like any other
(an f-string built just before the call, a module-level template filled at the call). Each such call is one turn of
an agent that edits the files it was given, so triage reads it as open-ended whatever closed-sounding words the
request holds, except one finding of the program's own check handed over with the fix it asks (a targeted edit); a
plain model call with the same request is still read by its wording."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import TARGETED_FIX, multi_task_wrappers, triage_site

from .trees import analysed_graph, carried_text, site_at, write_tree

_TREE = {
    "steps.py": """
        REVISE = "Now revise only the {part} you just wrote; keep the same structure and answer in edit blocks."


        def tidy(coder, missing):
            for key in missing:
                ask = f"Citation {key} is missing from refs.bib. Rename it to the closest key or delete it."
                coder.run(ask)


        def draft(coder, part):
            coder.run(with_message=f"Fill in the {part} of notes.md from the results table.")
            coder.run(REVISE.format(part=part))
    """,
    "plain.py": """
        from openai import OpenAI


        def label(text):
            out = OpenAI().chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": f"Keep the same structure and fix the spelling only: {text}"}],
            )
            return out.choices[0].message.content
    """,
    "launch.py": """
        from aider.coders import Coder
        from aider.models import Model

        from steps import draft, tidy


        def main():
            coder = Coder.create(main_model=Model("gpt-4o"), fnames=["notes.md", "refs.bib"])
            tidy(coder, ["smith20"])
            draft(coder, "summary")
    """,
}


def test_the_turn_handed_to_the_coder_is_the_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    local = site_at(graph, "steps.py", 8)
    assert local.client == "aider" and local.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)
    assert "is missing from refs.bib" in carried_text(graph, local)
    assert "Fill in the" in carried_text(graph, site_at(graph, "steps.py", 12))  # the keyword aider names it by
    assert "revise only the" in carried_text(graph, site_at(graph, "steps.py", 13))  # a module template filled


def test_a_coder_turn_is_open_ended_a_model_call_is_read(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    multi = multi_task_wrappers(graph)
    for line in (12, 13):
        t = triage_site(graph, site_at(graph, "steps.py", line), multi)
        assert t.verdict == Verdict.OPEN_ENDED, (line, t)
        assert any("a code agent" in r for r in t.reasons), t
    # one finding of the program's own check (a key missing from the bibliography) with the fix it asks (rename or
    # delete): a targeted edit the finding decides, not the coder's open work
    fix = triage_site(graph, site_at(graph, "steps.py", 8), multi)
    assert fix.verdict == Verdict.NARROW and TARGETED_FIX in fix.reasons, fix
    plain = triage_site(graph, site_at(graph, "plain.py", 6), multi)
    assert plain.verdict != Verdict.OPEN_ENDED, plain
    assert not any("code agent" in r for r in plain.reasons), plain
