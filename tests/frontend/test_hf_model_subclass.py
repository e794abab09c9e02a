"""A class of the tree deriving from a transformers generative model class (``class FusionT5(
T5ForConditionalGeneration)``) that overrides ``generate`` around ``super().generate(...)``: that super call is a
local engine's request and the override a wrapper (its callers reach it through ``self.model.generate``; CALLSITES.md:
subclasses of a client family's classes count). A remote-code checkpoint's ``batch_chat`` (several questions at once)
is a request as its ``chat`` is."""

from __future__ import annotations

from slmc.frontend import analyze_source
from slmc.ir import SiteKind

_SOURCE = """
from transformers import AutoModel, AutoTokenizer, T5ForConditionalGeneration


class FusionT5(T5ForConditionalGeneration):
    def generate(self, input_ids, attention_mask, **kwargs):
        return super().generate(
            input_ids=input_ids.view(input_ids.size(0), -1),
            attention_mask=attention_mask.view(attention_mask.size(0), -1),
            **kwargs,
        )


class Reader:
    def __init__(self, path):
        self.model = FusionT5.from_pretrained(path)
        self.tokenizer = AutoTokenizer.from_pretrained(path)

    def read(self, ids, mask):
        return self.model.generate(ids, mask, max_new_tokens=16)


class Viewer:
    def __init__(self, path):
        self.model = AutoModel.from_pretrained(path, trust_remote_code=True)
        self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=True)

    def describe(self, pixels, questions):
        return self.model.batch_chat(self.tokenizer, pixels, questions, generation_config={"max_new_tokens": 64})
"""


def test_generate_override_of_a_transformers_model_subclass() -> None:
    graph, _ = analyze_source(_SOURCE, path="fusion.py")
    kinds = {(s.loc.line, s.site) for s in graph.sites()}
    assert (6, SiteKind.WRAPPER) in kinds
    assert (7, SiteKind.REQUEST) in kinds
    assert (20, SiteKind.REQUEST) in kinds or (20, SiteKind.WRAPPER_CALL) in kinds  # the reader's call


def test_remote_code_batch_chat_is_a_request() -> None:
    graph, _ = analyze_source(_SOURCE, path="fusion.py")
    assert any(s.loc.line == 29 and s.site == SiteKind.REQUEST for s in graph.sites())
