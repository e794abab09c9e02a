"""A factory walking a registry its class body declares (``_engines = {"a": EngineA, "b": EngineB}`` then ``for name,
engine_cls in Factory._engines.items(): return engine_cls(path)``) builds one of the registered classes: the object
it returns is typed by their common base (CALLSITES.md: dynamic dispatch through a registry), so a call of the
engine's method reaches every implementation even when other classes of the tree define a method of that name."""

from __future__ import annotations

from slmc.frontend import analyze_source
from slmc.ir import SiteKind

_SOURCE = """
from openai import OpenAI
from transformers import AutoModelForCausalLM, AutoTokenizer


class BaseEngine:
    def __init__(self, path):
        self.path = path

    def generate(self, batch, **params):
        raise NotImplementedError


class LocalEngine(BaseEngine):
    def __init__(self, path):
        super().__init__(path)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path)

    def generate(self, batch, **params):
        enc = self.tokenizer(batch, return_tensors="pt", padding=True)
        return self.model.generate(**enc, **params)


class RemoteEngine(BaseEngine):
    def __init__(self, path):
        super().__init__(path)
        self.client = OpenAI()

    def generate(self, batch, **params):
        return [self.client.completions.create(model=self.path, prompt=p, **params) for p in batch]


class EngineFactory:
    _engines = {"local": LocalEngine, "remote": RemoteEngine}

    @staticmethod
    def get_engine(path, kind):
        for name, engine_cls in EngineFactory._engines.items():
            if name == kind:
                return engine_cls(path)
        raise ValueError(kind)


class ImageMaker:
    def generate(self, batch, **params):
        return [b.upper() for b in batch]


class Reader:
    def __init__(self, path, kind):
        self.engine = EngineFactory.get_engine(path, kind)

    def classify(self, texts):
        return self.engine.generate(["Is this text spam? Answer yes or no: " + t for t in texts], max_new_tokens=2)
"""


def test_engine_built_from_a_class_registry_reaches_every_registered_engine() -> None:
    graph, _ = analyze_source(_SOURCE, path="engines.py")
    calls = {s.loc.line: s for s in graph.sites() if s.site == SiteKind.WRAPPER_CALL}
    assert 55 in calls
    prompt = graph.prompt_of(calls[55].id)
    assert prompt is not None and "Is this text spam?" in " ".join(m.template() for m in prompt.messages)
