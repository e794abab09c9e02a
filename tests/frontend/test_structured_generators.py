"""Structured-generation libraries build a generator over a model and send the request when it is called: Outlines
0.x ``generate.json(model, Schema)`` / ``generate.choice(model, labels)``, 1.x ``Generator(model, type)`` and a 1.x
model object made by ``from_transformers(...)``. Each call of such an object (and its ``stream``) is a request; building
the generator or the model wrapper sends nothing, and a plain callable of the tree called the same way is no site."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "extract/local.py": """
        import outlines.generate as generate
        import outlines.models as models
        from outlines import Generator, from_transformers


        def people(model, tokenizer, texts, schema):
            wrapped = models.Transformers(model, tokenizer)
            pick = generate.json(wrapped, schema)
            return [pick(t, max_tokens=256) for t in texts]


        def mood(wrapped, text):
            label = generate.choice(wrapped, ["glad", "sad"])
            for piece in label.stream(text):
                yield piece


        def titles(hf_model, hf_tokenizer, text, kind):
            model = from_transformers(hf_model, hf_tokenizer)
            gen = Generator(model, kind)
            first = gen(text)
            return first, model(text, kind)
    """,
    "extract/plain.py": """
        def make_counter(start):
            def counter(step):
                return start + step
            return counter


        def count(n):
            bump = make_counter(n)
            return bump(1)
    """,
}


def test_outlines_generators_send_when_called(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    for line in (10, 15, 22, 23):
        site = site_at(graph, "extract/local.py", line)
        assert site.site == SiteKind.REQUEST and site.client == "outlines", (line, site)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    for line in (8, 9, 14, 20, 21):  # the model wrappers and generators being built
        assert ("extract/local.py", line) not in found
    assert not [p for p, _ in found if p == "extract/plain.py"]
