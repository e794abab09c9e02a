"""A class whose base is written subscripted (``class NoteFinder(Finder[str])``, a generic base) derives from that
base: its methods override the base's (an override family), as they would under a plain ``Finder`` base."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend.project import Analysis, source_files

from .trees import write_tree

FINDERS = """
    from typing import Generic, TypeVar

    import openai

    T = TypeVar("T")
    client = openai.OpenAI()


    class Finder(Generic[T]):
        def find(self, query):
            raise NotImplementedError


    class NoteFinder(Finder[str]):
        def find(self, query):
            out = client.chat.completions.create(model="m", messages=[{"role": "user", "content": query}])
            return out.choices[0].message.content


    class Plain:
        def find(self, query):
            return [query]
"""


def test_method_under_a_subscripted_base_overrides_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"finders.py": FINDERS})
    analysis = Analysis(tmp_path)
    for f in source_files([tmp_path], tmp_path):
        analysis.add_file(f.relpath, f.path)
    analysis.run()
    assert analysis.ev.overridden("finders:NoteFinder.find") == ["finders:Finder.find"]
    assert analysis.ev.overridden("finders:Plain.find") == []
