"""Raw HTTP requests to a model endpoint spelled other than ``/chat/completions``: a served agent's
``/chat_completion`` route, an inference server's ``/chat-completion``, a llama.cpp-style ``/completion``. The
file's text mentions no SDK, so the pre-filter must pick it up by the route alone; a route that only starts like one
(``/completion_stats``) is no model endpoint."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

REMOTE = """
    import aiohttp
    import requests


    class RemoteAssistant:
        def __init__(self, host, port):
            self.base = f"http://{host}:{port}"

        def ask(self, *turns, session=0):
            res = requests.post(
                f"{self.base}/chat_completion",
                json={"turns": list(turns), "session": session},
            )
            return res.json()

        def ask_dashed(self, text):
            return requests.post(self.base + "/v1/inference/chat-completion", json={"text": text}).json()

        def complete(self, text):
            return requests.post(f"{self.base}/completion", json={"prompt": text, "n_predict": 64}).json()

        def stats(self):
            return requests.post(f"{self.base}/completion_stats", json={}).json()


    class AsyncRemoteAssistant(RemoteAssistant):
        async def ask(self, *turns, session=0):
            async with aiohttp.ClientSession() as s:
                async with s.post(f"{self.base}/chat_completion", json={"turns": list(turns)}) as r:
                    return await r.json()
"""

USE = """
    from pkg.remote import AsyncRemoteAssistant, RemoteAssistant

    print(RemoteAssistant("localhost", 8000).ask("name three prime numbers"))
    print(RemoteAssistant("localhost", 8000).ask_dashed("write a limerick"))
    print(RemoteAssistant("localhost", 8000).complete("Once upon a time"))
    print(RemoteAssistant("localhost", 8000).stats())
    AsyncRemoteAssistant("localhost", 8001).ask("hello")
"""


def test_other_spellings_of_a_completion_route_are_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/remote.py": REMOTE, "run.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("pkg/remote.py", 11)) == "request"  # /chat_completion
    assert found.get(("pkg/remote.py", 18)) == "request"  # /chat-completion
    assert found.get(("pkg/remote.py", 21)) == "request"  # /completion
    assert found.get(("pkg/remote.py", 30)) == "request"  # aiohttp session post
    assert ("pkg/remote.py", 24) not in found  # /completion_stats: not a model route
    assert found.get(("pkg/remote.py", 10)) == "wrapper"
    assert found.get(("run.py", 4)) == "wrapper-call"
    assert found.get(("run.py", 6)) == "wrapper-call"
    assert ("run.py", 7) not in found
