"""Functions wrapped rather than run. A helper that hands its function parameter back wrapped by a decorator
from outside the tree (``def with_retry(fn, n): return AsyncRetrying(...).wraps(fn)``) gives its caller that
function: calling the result (``send = with_retry(self.send, 3); await send(msgs)``) is a call of it, so the
method doing so reaches the model. A call whose
result is stored back into the very attribute it hands over (``self.send = cached(store)(self.send)``) decorates the
method in place: no call of it, no site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

RETRY = """
    from tenacity import AsyncRetrying, stop_after_attempt


    def with_retry(fn, attempts):
        r = AsyncRetrying(stop=stop_after_attempt(attempts), reraise=True)
        return r.wraps(fn)
"""

CACHE = """
    import functools


    def cached(store):
        def decorator(func):
            @functools.wraps(func)
            async def inner(*args, **kwargs):
                key = repr(args)
                if key not in store:
                    store[key] = await func(*args, **kwargs)
                return store[key]

            return inner

        return decorator
"""

MODEL = """
    from openai import AsyncOpenAI

    from cache import cached
    from retry import with_retry


    class Model:
        def __init__(self, store=None):
            self.client = AsyncOpenAI()
            if store is not None:
                self.send = cached(store)(self.send)

        async def send(self, messages):
            reply = await self.client.chat.completions.create(model="m-1", messages=messages)
            return reply.choices[0].message.content

        async def ask(self, messages):
            send = with_retry(self.send, 3)
            return await send(messages)
"""

USE = """
    from model import Model


    async def rivers():
        return await Model().ask([{"role": "user", "content": "Name three rivers of Spain."}])
"""


def test_returned_parameter_and_in_place_decoration(tmp_path: Path) -> None:
    write_tree(tmp_path, {"retry.py": RETRY, "cache.py": CACHE, "model.py": MODEL, "use.py": USE})
    model = sites_in(tmp_path, "model.py")
    assert not {s for s in model if s[0] == line_of(MODEL, "self.send = cached(store)(self.send)")}
    # ``ask`` reaches the model through the method it had wrapped: the class's calling API (``send``, which only
    # ``ask`` runs, is its internal step)
    assert (line_of(MODEL, "async def ask("), "wrapper") in model
    assert (line_of(MODEL, "chat.completions.create("), "request") in model
    use = sites_in(tmp_path, "use.py")
    assert (line_of(USE, "Model().ask("), "wrapper-call") in use
