"""A registry kept in an attribute whose annotation names its entries (``self.backends: dict[str, Backend] =
{b.name: b for b in ALL}``), indexed by a name the run picks: ``self.backends[name].answer(...)`` is a call on the
base class, so it reaches every implementation. Streaming providers (async generators consumed with ``async for``)
are the usual shape: the manager method handing the caller's messages on and the app method above it are wrappers,
the endpoint's call a wrapper-call. A registry annotated with a class that reaches no model stays silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, site_at, sites_in, write_tree

BASE = """
    class Backend:
        name = "base"

        async def answer(self, messages):
            raise NotImplementedError


    class Loader:
        name = "base"

        async def load(self, path):
            raise NotImplementedError
"""

PROVIDERS = """
    import aiohttp

    from base import Backend, Loader


    class HostedBackend(Backend):
        name = "hosted"

        async def answer(self, messages):
            body = {"model": "m-large", "stream": True, "messages": messages}
            async with aiohttp.ClientSession() as session:
                async with session.post("https://api.example.com/v1/chat/completions", json=body) as resp:
                    async for line in resp.content:
                        yield line.decode()


    class LocalBackend(Backend):
        name = "local"

        async def answer(self, messages):
            body = {"model": "m-small", "messages": messages}
            async with aiohttp.ClientSession() as session:
                async with session.post("http://localhost:11434/api/chat", json=body) as resp:
                    async for line in resp.content:
                        yield line.decode()


    class Grader:
        async def answer(self, messages):
            body = {"model": "grader", "messages": messages}
            async with aiohttp.ClientSession() as session:
                async with session.post("https://api.example.com/v1/chat/completions", json=body) as resp:
                    return await resp.json()


    class FileLoader(Loader):
        name = "file"

        async def load(self, path):
            async with aiohttp.ClientSession() as session:
                async with session.get("https://files.example.com/" + path) as resp:
                    return await resp.text()
"""

MANAGER = """
    import os

    from base import Backend, Loader
    from providers import FileLoader, HostedBackend, LocalBackend

    if os.getenv("OFFLINE"):
        BACKENDS = [LocalBackend()]
    else:
        BACKENDS = [HostedBackend(), LocalBackend()]
    LOADERS = [FileLoader()]


    class BackendManager:
        def __init__(self):
            self.backends: dict[str, Backend] = {b.name: b for b in BACKENDS}
            self.loaders: dict[str, Loader] = {x.name: x for x in LOADERS}

        async def answer(self, config, messages):
            picked = config["backend"]
            async for piece in self.backends[picked].answer(messages):
                yield piece

        async def load(self, config, path):
            return await self.loaders[config["loader"]].load(path)


    class App:
        def __init__(self):
            self.manager = BackendManager()

        async def stream_answer(self, config, messages):
            async for piece in self.manager.answer(config, messages):
                yield piece
"""

SERVER = """
    from manager import App

    app = App()


    async def handle(socket, payload):
        async for piece in app.stream_answer(payload.config, payload.messages):
            await socket.send(piece)
        text = await app.manager.load(payload.config, payload.path)
        return text
"""


def test_registry_attribute_annotated_with_its_entries_reaches_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base.py": BASE, "providers.py": PROVIDERS, "manager.py": MANAGER, "server.py": SERVER})
    manager = sites_in(tmp_path, "manager.py")
    assert (line_of(MANAGER, "async def answer("), "wrapper") in manager
    assert (line_of(MANAGER, "self.backends[picked].answer("), "wrapper-call") in manager
    # the call is one on the declared base (every backend the run may pick), not on the first entry of one list
    call = site_at(analysed_graph(tmp_path), "manager.py", line_of(MANAGER, "self.backends[picked].answer("))
    assert call.target is not None and "@base.py:" in call.target
    assert (line_of(MANAGER, "async def stream_answer("), "wrapper") in manager
    # the loader registry holds no model: its dispatch is no site
    assert not {s for s in manager if s[0] in (line_of(MANAGER, "async def load("), line_of(MANAGER, "].load(path)"))}
    server = sites_in(tmp_path, "server.py")
    assert (line_of(SERVER, "app.stream_answer("), "wrapper-call") in server
    assert (line_of(SERVER, "app.manager.load("), "wrapper-call") not in server
    base = sites_in(tmp_path, "base.py")
    assert (line_of(BASE, "async def answer("), "wrapper") in base
