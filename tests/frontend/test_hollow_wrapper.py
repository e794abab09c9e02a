"""A shared provider interface (``Provider.open`` -> ``self.build(...)``) has one model-backed implementation and one
that hands out a plain store. A getter that opens the store provider (``return config().store.open(key)``) reaches no
model: its only call is on an object answering by itself. The analysis must not break on it (it has no inner prompt
to stand for) and must report neither the getter as a wrapper nor its callers' calls; the model-backed provider and
the interface method stay."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

PROVIDERS = """
    import openai


    class Provider:
        def build(self, key):
            raise NotImplementedError

        def open(self, key):
            return self.build(key)


    class ModelProvider(Provider):
        def build(self, key):
            client = openai.OpenAI()
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": key}])


    class StoreProvider(Provider):
        def build(self, key):
            return {"key": key}


    class Config:
        store: StoreProvider = StoreProvider()
        model: ModelProvider = ModelProvider()


    def config() -> Config:
        return Config()


    def open_store(key):
        return config().store.open(key)


    def handler(key):
        return open_store(key)


    def ask(key):
        return config().model.open(key)


    def route(key):
        return ask(key)
"""


def test_getter_of_a_self_answering_provider_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"providers.py": PROVIDERS})
    found = sites_in(tmp_path, "providers.py")
    lines = {line for line, _ in found}
    assert line_of(PROVIDERS, "def open_store(key):") not in lines
    assert line_of(PROVIDERS, "return open_store(key)") not in lines
    assert (line_of(PROVIDERS, "def open(self, key):"), str(SiteKind.WRAPPER)) in found
    assert (line_of(PROVIDERS, "return ask(key)"), str(SiteKind.WRAPPER_CALL)) in found
