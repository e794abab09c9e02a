"""A provider class that builds its SDK client in a helper handed the client *class*: ``load_model`` picks the sync
or async class (imported at the top, or from a module loaded lazily by a helper that hands its argument to
``import_module``) and calls ``self._build_client(sdk.AsyncAnthropic)``, whose body returns ``cls(**kw)`` (inside a
``try`` that retries without an option older SDKs reject). The object ``cls(**kw)`` builds is that SDK's client, so
``client.messages.create(...)`` / ``client.chat(...)`` on what ``load_model`` returns are requests and the methods
sending them are the provider's wrappers. A helper handed a class of the tree builds no client; an embeddings call
on a client built the same way stays a look-alike."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree
from slmc.ir import SiteKind

DEPS = """
    from importlib import import_module
    from typing import Any, Optional


    def optional_sdk(module_name: str, *, label: str, hint: Optional[str] = None) -> Any:
        try:
            return import_module(module_name)
        except ImportError as exc:
            raise RuntimeError(f"{label} needs {hint or module_name}") from exc
"""

CLAUDE = """
    from pkg.deps import optional_sdk


    class ClaudeJudge:
        def __init__(self, name: str, key: str):
            self.name = name
            self.key = key

        def load_model(self, async_mode: bool = False):
            sdk = optional_sdk("anthropic", label="ClaudeJudge")
            if not async_mode:
                return self._make_client(sdk.Anthropic)
            return self._make_client(sdk.AsyncAnthropic)

        def _make_client(self, cls):
            kw = dict(api_key=self.key, max_retries=0)
            try:
                return cls(**kw)
            except TypeError as e:
                if "max_retries" in str(e):
                    kw.pop("max_retries", None)
                    return cls(**kw)
                raise

        def generate(self, prompt: str):
            client = self.load_model()
            args = dict(max_tokens=512, messages=[{"role": "user", "content": prompt}], model=self.name)
            reply = client.messages.create(**args)
            return reply.content[0].text

        async def a_generate(self, prompt: str):
            client = self.load_model(async_mode=True)
            reply = await client.messages.create(max_tokens=512, messages=[{"role": "user", "content": prompt}], model=self.name)
            return reply.content[0].text
"""

LOCAL = """
    from ollama import AsyncClient, Client


    class Settings:
        def __init__(self, host: str):
            self.host = host


    class LocalJudge:
        def __init__(self, name: str, host: str):
            self.name = name
            self.host = host

        def load_model(self, async_mode: bool = False):
            if not async_mode:
                return self._make_client(Client)
            return self._make_client(AsyncClient)

        def _make_client(self, cls):
            return cls(host=self.host)

        def settings(self):
            return self._wrap(Settings)

        def _wrap(self, kind):
            return kind(self.host)

        def generate(self, prompt: str):
            reply = self.load_model().chat(model=self.name, messages=[{"role": "user", "content": prompt}])
            return reply.message.content

        def embed(self, text: str):
            return self.load_model().embed(model=self.name, input=text)
"""

USE = """
    from pkg.claude import ClaudeJudge
    from pkg.local import LocalJudge


    def grade(answer: str) -> str:
        judge = ClaudeJudge("claude-x", "k")
        verdict = judge.generate(f"Answer yes or no: is this answer polite?\\n{answer}")
        local = LocalJudge("llama", "http://localhost:11434")
        return verdict + local.generate(f"Answer yes or no: is this answer short?\\n{answer}")
"""


def test_a_client_class_handed_to_a_builder_makes_that_client(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/deps.py": DEPS,
            "pkg/claude.py": CLAUDE,
            "pkg/local.py": LOCAL,
            "pkg/use.py": USE,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    for path, source, text, client in (
        ("pkg/claude.py", CLAUDE, "reply = client.messages.create(**args)", "anthropic"),
        ("pkg/claude.py", CLAUDE, "reply = await client.messages.create(", "anthropic"),
        ("pkg/local.py", LOCAL, "reply = self.load_model().chat(", "ollama"),
    ):
        site = found.get((path, line_of(source, text)))
        assert site is not None and site.site == SiteKind.REQUEST and site.client == client, text
    for path, source, text in (
        ("pkg/claude.py", CLAUDE, "def generate("),
        ("pkg/claude.py", CLAUDE, "async def a_generate("),
        ("pkg/local.py", LOCAL, "def generate("),
    ):
        site = found.get((path, line_of(source, text)))
        assert site is not None and site.site == SiteKind.WRAPPER, text
    assert ("pkg/local.py", line_of(LOCAL, ".embed(model=")) not in found
    assert ("pkg/local.py", line_of(LOCAL, "return kind(self.host)")) not in found
