"""A framework's agent object built in a launcher (aider's ``Coder.create(...)``) and handed to stage functions kept in
other modules, which only ever see it as an untyped parameter: each ``coder.run(prompt)`` there is a call of the
framework's own wrapper, also two hops down (stage -> helper in a third module). Other methods of the object, and
the same method name on an unrelated object passed the same way, are no sites."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_CALLS = (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)  # the framework's wrapper runs out of sight: a call either way
_TREE = {
    "lab/stages.py": """
        from lab.tidy import tidy_up


        def draft_report(topic, coder, rounds=2):
            coder.run(f"Write a short report on {topic} into report.md.")
            for _ in range(rounds):
                coder.run("Tighten the wording of report.md.")
            coder.abort_pending()
            tidy_up(coder)
    """,
    "lab/tidy.py": """
        def tidy_up(editor):
            editor.run("Remove trailing spaces from report.md.")
    """,
    "lab/jobs.py": """
        def start(worker):
            worker.run("nightly")
    """,
    "launch.py": """
        from aider.coders import Coder
        from aider.models import Model

        from lab.jobs import start
        from lab.stages import draft_report


        class Scheduler:
            def run(self, name):
                return name


        def main(topic):
            coder = Coder.create(main_model=Model("gpt-4o"), fnames=["report.md"])
            draft_report(topic, coder)
            start(Scheduler())
    """,
}


def test_framework_object_passed_to_another_module_is_called_there(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    for line in (6, 8):
        site = site_at(graph, "lab/stages.py", line)
        assert site.site in _CALLS
        assert site.client == "aider"
    hop = site_at(graph, "lab/tidy.py", 3)  # a second hop, through the stage's own parameter
    assert hop.site in _CALLS
    assert hop.client == "aider"
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("lab/stages.py", 9) not in found  # not a request method of the object
    assert ("lab/jobs.py", 3) not in found  # the same method name on a plain object
    assert not [p for p, _ in found if p == "launch.py"]  # the stage functions are no wrappers


def test_same_stage_without_a_framework_object_has_no_site(tmp_path: Path) -> None:
    tree = dict(_TREE)
    tree["launch.py"] = """
        import openai

        from lab.stages import draft_report


        class Editor:
            def run(self, text):
                return text

            def abort_pending(self):
                pass


        def main(topic):
            draft_report(topic, Editor())
            openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": topic}])
    """
    write_tree(tmp_path, tree)
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "launch.py", 17).site == SiteKind.REQUEST  # the tree is analysed
    assert not [s for s in graph.sites() if s.loc.path.startswith("lab/")]
