"""A provider base whose bodiless private hook (``_send(job)``) is a calling API: besides the base's own retry helpers, a
routing provider hands a job to another provider's hook. Each provider's override of that hook holding a request is
then a wrapper of the family too. A hook only the base's own methods call stays folded into the base's public API, and
an embedding family of the same shape reports nothing."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, sites_in, write_tree

BASE = """
    from abc import abstractmethod


    class ChatBackend:
        def __init__(self, tries=3):
            self.tries = tries

        async def _with_retries(self, job):
            for _ in range(self.tries):
                try:
                    return await self._send(job)
                except RuntimeError:
                    continue
            raise RuntimeError("gave up")

        @abstractmethod
        async def _send(self, job):
            ...

        async def ask(self, messages, settings):
            return await self._with_retries({"messages": messages, "settings": settings})
"""

BACKENDS = """
    import anthropic
    import openai

    from llm.base import ChatBackend


    class GptBackend(ChatBackend):
        def __init__(self):
            super().__init__()
            self.client = openai.AsyncOpenAI()

        async def _send(self, job):
            return await self.client.chat.completions.create(model="gpt-4o", messages=job["messages"])


    class ClaudeBackend(ChatBackend):
        def __init__(self):
            super().__init__()
            self.client = anthropic.AsyncAnthropic()

        async def _send(self, job):
            return await self.client.messages.create(model="claude", max_tokens=512, messages=job["messages"])


    class RoutingBackend(ChatBackend):
        def __init__(self):
            super().__init__()
            self.gpt = GptBackend()
            self.claude = ClaudeBackend()

        def _pick(self, model: str) -> ChatBackend:
            return self.claude if model.startswith("claude") else self.gpt

        async def _send(self, job):
            return await self._pick(job["settings"])._send(job)
"""

SERVICE = """
    from llm.backends import RoutingBackend


    async def answer(question):
        backend = RoutingBackend()
        return await backend.ask([{"role": "user", "content": question}], "gpt-4o")
"""

# the same shape without a router: only the base's own helper calls the hook
SOLO_BASE = """
    from abc import abstractmethod

    import openai


    class Speaker:
        async def _guarded(self, job):
            return await self._send(job)

        @abstractmethod
        async def _send(self, job):
            ...

        async def say(self, messages):
            return await self._guarded({"messages": messages})


    class GptSpeaker(Speaker):
        def __init__(self):
            self.client = openai.AsyncOpenAI()

        async def _send(self, job):
            return await self.client.chat.completions.create(model="gpt-4o", messages=job["messages"])


    async def greet(name):
        return await GptSpeaker().say([{"role": "user", "content": f"Greet {name}"}])
"""

EMBED = """
    from abc import abstractmethod

    import openai


    class Embedder:
        async def _with_retries(self, job):
            return await self._send(job)

        @abstractmethod
        async def _send(self, job):
            ...

        async def vectors(self, texts):
            return await self._with_retries({"input": texts})


    class GptEmbedder(Embedder):
        def __init__(self):
            self.client = openai.AsyncOpenAI()

        async def _send(self, job):
            return await self.client.embeddings.create(model="text-embedding-3-small", input=job["input"])


    class EmbedRouter(Embedder):
        def __init__(self):
            self.inner = GptEmbedder()

        async def _send(self, job):
            return await self.inner._send(job)
"""


def test_overrides_of_a_private_hook_other_providers_call_are_wrappers(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"llm/base.py": BASE, "llm/backends.py": BACKENDS, "app/service.py": SERVICE, "app/embed.py": EMBED},
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    hooks = [i for i, line in enumerate(BACKENDS.splitlines(), 1) if "async def _send" in line]
    assert len(hooks) == 3
    for line in hooks:  # the OpenAI, Anthropic and routing implementations of the hook
        assert found.get(("llm/backends.py", line)) == "wrapper", found
    assert found.get(("llm/backends.py", line_of(BACKENDS, "chat.completions.create"))) == "request"
    assert found.get(("llm/backends.py", line_of(BACKENDS, "messages.create"))) == "request"
    assert found.get(("llm/backends.py", line_of(BACKENDS, "_pick(job"))) == "wrapper-call"
    assert found.get(("llm/base.py", line_of(BASE, "async def ask"))) == "wrapper"
    # the embedding family of the same shape: no site at all
    assert not [k for k in found if k[0] == "app/embed.py"], found


def test_a_hook_only_its_base_calls_stays_folded(tmp_path: Path) -> None:
    write_tree(tmp_path, {"solo.py": SOLO_BASE})
    sites = sites_in(tmp_path, "solo.py")
    assert (line_of(SOLO_BASE, "async def say"), "wrapper") in sites
    assert (line_of(SOLO_BASE, "chat.completions.create"), "request") in sites
    hook_impl = [i for i, line in enumerate(SOLO_BASE.splitlines(), 1) if "async def _send" in line][-1]
    assert (hook_impl, "wrapper") not in sites, sites
