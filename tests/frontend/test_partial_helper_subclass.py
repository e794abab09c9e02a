"""A private helper of a model class forwarding ``*args, **kwargs`` to the SDK (``async def _call(self, *args,
**kwargs): return await acompletion(*args, **kwargs)``) held in a ``functools.partial`` with the model options, and
called through a local copy of that partial inside a retrying closure: in its own class and again in a subclass's
``__init__``. Code outside its own class body (the subclass) builds on it, so it is a wrapper (bench/corpus/README.md:
a subclass calling it counts as use), and each call of the partial is a wrapper-call, as are the callers' calls of
the properties handing the closures out. Fails before: the helper was folded as a signature shim and the two calls
through the partial were not reported."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, write_tree

LLM = """\
from functools import partial

from litellm import acompletion


class AsyncLLM:
    def __init__(self, model):
        self.model = model
        self._async_completion = partial(self._call_acompletion, model=model, temperature=0)
        unwrapped = self._async_completion

        async def wrapper(*args, **kwargs):
            resp = await unwrapped(*args, **kwargs)
            return resp

        self._async_completion = wrapper

    async def _call_acompletion(self, *args, **kwargs):
        return await acompletion(*args, **kwargs)

    @property
    def async_completion(self):
        return self._async_completion


class StreamingLLM(AsyncLLM):
    def __init__(self, model):
        super().__init__(model)
        self._stream = partial(self._call_acompletion, model=model, stream=True)
        unwrapped = self._stream

        async def wrapper(*args, **kwargs):
            async for chunk in await unwrapped(*args, **kwargs):
                yield chunk

        self._stream = wrapper

    @property
    def stream(self):
        return self._stream
"""

USE = """\
from llm import AsyncLLM, StreamingLLM


async def ask(q):
    llm = AsyncLLM("gpt-4o")
    return await llm.async_completion(messages=[{"role": "user", "content": q}])


async def ask_stream(q):
    llm = StreamingLLM("gpt-4o")
    async for c in llm.stream(messages=[{"role": "user", "content": q}]):
        print(c)
"""


def test_partial_held_helper_a_subclass_builds_on_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm.py": LLM, "use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("llm.py", 18)) == "wrapper"  # AsyncLLM._call_acompletion
    assert found.get(("llm.py", 19)) == "request"
    assert found.get(("llm.py", 13)) == "wrapper-call"  # through the partial, in its own class
    assert found.get(("llm.py", 33)) == "wrapper-call"  # through the partial, in the subclass
    assert found.get(("use.py", 6)) == "wrapper-call"
    assert found.get(("use.py", 11)) == "wrapper-call"
