"""A module helper that runs the function it is given off the event loop (``loop.run_in_executor(None,
partial(func, *args, **kwargs))``, ``asyncio.to_thread(func, ...)``, ``pool.submit(func, ...)``) calls that function:
handing it ``requests.post`` with a chat payload is a request, at the line that hands it over; a GET of a page through
the same helper is not, nor is a POST to an image route (``/images/generations``) with a prompt in its body."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, write_tree

BACKEND = """
    import asyncio
    import functools
    from concurrent.futures import ThreadPoolExecutor

    import requests

    POOL = ThreadPoolExecutor(2)


    def off_loop(job, *args, **kwargs):
        loop = asyncio.get_event_loop()
        return loop.run_in_executor(None, functools.partial(job, *args, **kwargs))


    def in_thread(job, *args, **kwargs):
        return asyncio.to_thread(job, *args, **kwargs)


    def pooled(job, *args, **kwargs):
        return POOL.submit(job, *args, **kwargs)


    class Backend:
        def __init__(self, host):
            self.host = host

        async def complete(self, text):
            body = {"model": "small", "messages": [{"role": "user", "content": text}]}
            answer = await off_loop(requests.post, self.host + "/v1/chat/completions", json=body, timeout=60)
            return answer.json()["choices"][0]["message"]["content"]

        async def complete_threaded(self, text):
            body = {"model": "small", "messages": [{"role": "user", "content": text}]}
            answer = await in_thread(requests.post, self.host + "/v1/chat/completions", json=body)
            return answer.json()["choices"][0]["message"]["content"]

        def complete_pooled(self, text):
            body = {"model": "small", "messages": [{"role": "user", "content": text}]}
            answer = pooled(requests.post, self.host + "/v1/chat/completions", json=body).result()
            return answer.json()["choices"][0]["message"]["content"]

        async def page(self, url):
            return await off_loop(requests.get, url, timeout=10)

        async def picture(self, text):
            body = {"model": "flux-small", "prompt": text, "size": "512x512"}
            return await off_loop(requests.post, self.host + "/v1/images/generations", json=body)

        def picture_now(self, text):
            body = {"model": "flux-small", "prompt": text, "size": "512x512"}
            return requests.post(self.host + "/v1/images/generations", json=body)
"""

USE = """
    from kit.backend import Backend

    backend = Backend("http://localhost:8000")


    async def tag(text):
        first = await backend.complete("Label the mood of this text as happy or sad: " + text)
        second = await backend.complete_threaded("Label the mood of this text as happy or sad: " + text)
        third = backend.complete_pooled("Label the mood of this text as happy or sad: " + text)
        page = await backend.page("http://example.com")
        return first, second, third, page, await backend.picture(text), backend.picture_now(text)
"""


def test_post_handed_to_a_runner_helper_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/backend.py": BACKEND, "kit/use.py": USE})
    graph = analysed_graph(tmp_path)
    requests = {s.loc.line for s in graph.sites() if s.loc.path == "kit/backend.py" and s.site.value == "request"}
    handed = {line_of(BACKEND, f"await {h}(requests.post") for h in ("off_loop", "in_thread")}
    assert handed | {line_of(BACKEND, "pooled(requests.post")} <= requests
    assert line_of(BACKEND, "requests.get") not in requests  # the page GET through the same helper
    images = {
        line_of(BACKEND, 'off_loop(requests.post, self.host + "/v1/images'),
        line_of(BACKEND, "return requests.post"),
    }
    assert not images & requests  # an image route, however prompt-like its body
    wrappers = {s.loc.line for s in graph.sites() if s.site.value == "wrapper"}
    assert {
        line_of(BACKEND, f"def {m}(self, text)") for m in ("complete", "complete_threaded", "complete_pooled")
    } <= wrappers
