"""A class whose construction was commented out (``# client = PreviewClient(...)``) and that nothing else names is
dead code: its requests are no sites. A class named by live code, or named nowhere at all (a library's API), keeps
them."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

FILES = {
    "llm.py": """
        from openai import OpenAI


        class PreviewClient:
            def ask(self, text):
                return OpenAI().responses.create(model="gpt-4.1", input=text)


        class StableClient:
            def ask(self, text):
                return OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])


        class LibraryClient:
            def ask(self, text):
                return OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    """,
    "app.py": """
        from llm import StableClient


        def pick():
            # client = PreviewClient()
            return StableClient()
    """,
}


def test_requests_of_a_class_built_only_in_a_comment_are_dead(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "llm.py"}
    assert (7, "request") not in found  # PreviewClient: only in a comment
    assert (12, "request") in found  # StableClient: built by live code
    assert (17, "request") in found  # LibraryClient: named nowhere, kept
