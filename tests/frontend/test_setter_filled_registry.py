"""A module-level table of provider objects filled through a registration function (``_BACKENDS = {}``,
``def add_backend(kind, backend): _BACKENDS[kind] = backend``, ``add_backend("hosted", HostedChat())`` at module
level) and read back by a run-time key behind an accessor (``backend()`` returning ``_BACKENDS[kind]``): a call on
the accessor's result reaches every registered provider (CALLSITES rule 3, dispatch through a registry), so each
``backend().complete(...)`` in the task modules is a wrapper-call. A table filled the same way with objects that
reach no model stays silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

PROVIDERS = """
    import requests
    from openai import AzureOpenAI, OpenAI


    class HostedChat:
        def __init__(self):
            self.sdk = None

        def _connect(self):
            self.sdk = OpenAI()

        def complete(self, messages, temperature=None):
            self._connect()
            out = self.sdk.chat.completions.create(model="m-large", messages=messages, temperature=temperature)
            return out.choices[0].message.content


    class AzureHostedChat(HostedChat):
        def _connect(self):
            self.sdk = AzureOpenAI(azure_endpoint="https://example.invalid", api_version="2024-06-01")


    class LocalChat:
        def complete(self, messages, temperature=None):
            body = {"model": "m-small", "messages": messages, "stream": False}
            return requests.post("http://localhost:11434/v1/chat/completions", json=body).json()["choices"][0]


    class CsvFormatter:
        def render(self, rows):
            return "\\n".join(",".join(r) for r in rows)


    class JsonFormatter:
        def render(self, rows):
            return str(rows)
"""

REGISTRY = """
    import os

    from providers import AzureHostedChat, CsvFormatter, HostedChat, JsonFormatter, LocalChat

    _BACKENDS = {}
    _FORMATTERS = {}


    def add_backend(kind, backend):
        _BACKENDS[kind] = backend


    def _backend_for(kind):
        try:
            return _BACKENDS[kind]
        except KeyError:
            raise ValueError(kind)


    def backend():
        return _backend_for(os.environ.get("LLM_KIND", "hosted"))


    def add_formatter(kind, formatter):
        _FORMATTERS[kind] = formatter


    def formatter():
        return _FORMATTERS[os.environ.get("OUT_KIND", "csv")]


    add_backend("hosted", HostedChat())
    add_backend("azure", AzureHostedChat())
    add_backend("local", LocalChat())
    add_formatter("csv", CsvFormatter())
    add_formatter("json", JsonFormatter())
"""

TASKS = """
    from registry import backend, formatter


    def is_spam(text):
        messages = [{"role": "user", "content": "Is this message spam? Answer yes or no.\\n" + text}]
        reply = backend().complete(messages, temperature=0.0)
        return reply.strip().lower().startswith("yes")


    def report(rows):
        return formatter().render(rows)
"""


def test_calls_on_a_setter_filled_registry_reach_its_providers(tmp_path: Path) -> None:
    write_tree(tmp_path, {"providers.py": PROVIDERS, "registry.py": REGISTRY, "tasks.py": TASKS})
    tasks = sites_in(tmp_path, "tasks.py")
    assert (line_of(TASKS, "backend().complete("), "wrapper-call") in tasks
    # the formatter table holds no model: its dispatch is no site
    assert not {s for s in tasks if s[0] == line_of(TASKS, "formatter().render(")}
    providers = sites_in(tmp_path, "providers.py")
    assert (line_of(PROVIDERS, "def complete(self, messages, temperature=None):"), "wrapper") in providers
    assert not {s for s in providers if s[0] == line_of(PROVIDERS, "def render(self, rows):")}
