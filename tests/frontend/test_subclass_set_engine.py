"""A base class's step calling ``self.engine.complete(...)`` runs whatever engine the object holds, and a subclass may
set that attribute to another class in its own ``__init__`` (``self.engine = LocalEngine()``): ``self`` may be that
subclass, so the call reaches the subclass's engine method too, which is then a wrapper like the base's own engine
method. The same engine shape held by an unrelated class whose code never calls that method stays unreported."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_ENGINES = """
    import ollama
    from openai import OpenAI


    class RemoteEngine:
        def __init__(self):
            self.client = OpenAI()

        def complete(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return out.choices[0].message.content


    class LocalEngine:
        def complete(self, messages):
            return ollama.chat(model="llama3", messages=messages)["message"]["content"]

        def complete_batch(self, batches):
            return [ollama.chat(model="llama3", messages=m)["message"]["content"] for m in batches]


    class ArchiveEngine:
        def complete(self, messages):
            return ollama.chat(model="phi3", messages=messages)["message"]["content"]

        def complete_batch(self, batches):
            return [ollama.chat(model="phi3", messages=m)["message"]["content"] for m in batches]
"""

_TAGGERS = """
    from .engines import ArchiveEngine, LocalEngine, RemoteEngine


    class Tagger:
        def __init__(self):
            self.engine = RemoteEngine()

        def tag(self, text):
            return self.engine.complete([{"role": "user", "content": f"List the place names in: {text}"}])


    class LocalTagger(Tagger):
        def __init__(self):
            self.engine = LocalEngine()

        def tag_all(self, texts):
            return self.engine.complete_batch([[{"role": "user", "content": f"Places in: {t}"}] for t in texts])


    class Archiver:
        def __init__(self):
            self.engine = ArchiveEngine()

        def file_all(self, notes):
            return self.engine.complete_batch([[{"role": "user", "content": f"File under a topic: {n}"}] for n in notes])
"""

_MAIN = """
    from .taggers import Archiver, LocalTagger, Tagger


    def main(text, notes, local):
        tagger = LocalTagger() if local else Tagger()
        print(tagger.tag(text), Archiver().file_all(notes))
"""


def test_engine_set_by_a_subclass_is_reached_from_the_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "tags/__init__.py": "",
            "tags/engines.py": _ENGINES,
            "tags/taggers.py": _TAGGERS,
            "tags/main.py": _MAIN,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    engines = "tags/engines.py"
    remote, local, archive = [i for i, ln in enumerate(_ENGINES.splitlines(), 1) if "def complete(self, m" in ln]
    assert found[(engines, remote)] == SiteKind.WRAPPER
    assert found[(engines, local)] == SiteKind.WRAPPER  # reached through ``self.engine`` of the base's step
    assert (engines, archive) not in found  # its holder never calls it
    assert found[("tags/taggers.py", line_of(_TAGGERS, "List the place names"))] == SiteKind.WRAPPER_CALL
