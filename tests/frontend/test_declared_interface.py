"""A model class implementing a method its family's base declares without a body (``def stream(self, text): raise
NotImplementedError``) that holds the request itself, even when only the class's own methods call it
(``complete`` draining ``self.stream(...)``): the method is the family's calling API, a wrapper, and so is the
declaration; its own methods' calls of it are wrapper-calls. A public helper no base declares stays folded into
the methods that call it (its request is the site)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

FAMILY = """
    class Engine:
        def complete(self, text):
            raise NotImplementedError

        def stream(self, text):
            \"\"\"Yield the answer piece by piece.\"\"\"
            raise NotImplementedError
"""

LOCAL = """
    from transformers import AutoModelForCausalLM, AutoTokenizer, TextIteratorStreamer

    from family import Engine


    class LocalEngine(Engine):
        def __init__(self, path):
            self.tok = AutoTokenizer.from_pretrained(path)
            self.model = AutoModelForCausalLM.from_pretrained(path)

        def complete(self, text):
            out = ""
            for piece in self.stream(text):
                out += piece
            return out

        def stream(self, text):
            ids = self.tok(text, return_tensors="pt").input_ids
            streamer = TextIteratorStreamer(self.tok)
            self.model.generate(ids, streamer=streamer, max_new_tokens=256)
            yield from streamer


    class PlainEngine(Engine):
        def __init__(self, path):
            self.tok = AutoTokenizer.from_pretrained(path)
            self.model = AutoModelForCausalLM.from_pretrained(path)

        def complete(self, text):
            return "".join(self.decode_all(text))

        def decode_all(self, text):
            ids = self.tok(text, return_tensors="pt").input_ids
            yield self.tok.decode(self.model.generate(ids, max_new_tokens=256)[0])
"""

USE = """
    from local import LocalEngine, PlainEngine

    print(LocalEngine("tiny").complete("Write a haiku about rain"))
    print(PlainEngine("tiny").complete("Write a haiku about snow"))
"""


def test_implementation_of_a_declared_method_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"family.py": FAMILY, "local.py": LOCAL, "use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("local.py", 18)) == "wrapper"  # LocalEngine.stream
    assert found.get(("local.py", 14)) == "wrapper-call"  # self.stream(text) in complete
    assert found.get(("family.py", 6)) == "wrapper"  # the declaration
    assert found.get(("local.py", 12)) == "wrapper"  # LocalEngine.complete
    # a helper no base declares: folded, its request is the site
    assert ("local.py", 33) not in found
    assert ("local.py", 31) not in found
    assert found.get(("local.py", 35)) == "request"
