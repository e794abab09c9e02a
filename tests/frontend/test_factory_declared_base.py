"""A static factory annotated with the base class it builds (``-> Optional["Backend"]``) whose returns the evaluator
only partly knows: a test double built directly (``return Canned(cfg)``) and the real provider picked from a table
(``picked = dict(remote=Remote).get(cfg.name, Remote); return picked(cfg)``). The object it returns is any ``Backend``:
a call on it reaches every implementation, the remote one holding the request, and not only the stub that happened to
resolve. A factory whose every return is known keeps what it returns."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

BACKENDS = """
    from abc import ABC, abstractmethod
    from typing import Optional


    class Backend(ABC):
        def __init__(self, cfg):
            self.cfg = cfg

        @staticmethod
        def build(cfg) -> Optional["Backend"]:
            from backends import Canned, Remote

            if cfg is None:
                return None
            if cfg.name == "canned":
                return Canned(cfg)
            picked = dict(remote=Remote).get(cfg.name, Remote)
            return picked(cfg)

        @abstractmethod
        def ask(self, text):
            ...
"""

IMPLS = """
    from openai import OpenAI

    from base import Backend


    class Canned(Backend):
        def ask(self, text):
            return "fixed reply"


    class Remote(Backend):
        def __init__(self, cfg):
            super().__init__(cfg)
            self.api = OpenAI()

        def ask(self, text):
            out = self.api.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
            return out.choices[0].message.content
"""

ASSISTANT = """
    from base import Backend


    class Assistant:
        def __init__(self, cfg):
            self.backend = Backend.build(cfg)

        def reply(self, question):
            return self.backend.ask(question)


    def classify(cfg, ticket):
        return Assistant(cfg).reply(f"Answer yes or no: is this ticket a bug report? {ticket}")
"""

STUB_ONLY = """
    from typing import Optional

    from base import Backend
    from backends import Canned


    def make_stub(cfg) -> Optional[Backend]:
        if cfg is None:
            return None
        return Canned(cfg)


    def dry_run(cfg, text):
        return make_stub(cfg).ask(text)
"""


def test_partly_known_factory_returns_its_declared_base(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base.py": BACKENDS, "backends.py": IMPLS, "assistant.py": ASSISTANT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("backends.py", 18)) == "request"
    assert found.get(("assistant.py", 10)) == "wrapper-call"  # self.backend.ask(...) reaches Remote.ask
    assert found.get(("assistant.py", 14)) == "wrapper-call"


def test_factory_with_every_return_known_keeps_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base.py": BACKENDS, "backends.py": IMPLS, "stub.py": STUB_ONLY})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert ("stub.py", 15) not in found  # only the canned double: no model behind it
