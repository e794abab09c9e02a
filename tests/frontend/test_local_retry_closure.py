"""A request inside a function defined in another one (a retry-decorated ``call_with_backoff(**kw)`` that a provider
method defines and calls once): only its enclosing function can name it, so it is as private as a leading
underscore. It is folded into that method: the request inside it is the site, the method is the calling API, and the
closure's call is no wrapper-call of its own."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

PROVIDER = """
    import functools

    from openai import OpenAI


    def with_retries(fn):
        @functools.wraps(fn)
        def again(*args, **kwargs):
            for _ in range(3):
                try:
                    return fn(*args, **kwargs)
                except TimeoutError:
                    pass
            return fn(*args, **kwargs)

        return again


    class Provider:
        def __init__(self):
            self.client = OpenAI()

        def complete(self, prompt, max_tokens=100):
            @with_retries
            def call_with_backoff(**kwargs):
                sender = self.client.completions.create
                return sender(**kwargs)

            out = call_with_backoff(model="m", prompt=prompt, max_tokens=max_tokens)
            return out.choices[0].text
"""

USE = """
    from provider import Provider


    def headline(text):
        return Provider().complete(f"Write a five-word headline for: {text}")
"""


def test_closure_holding_the_request_is_folded_into_its_method(tmp_path: Path) -> None:
    write_tree(tmp_path, {"provider.py": PROVIDER, "use.py": USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("provider.py", 24)) == "wrapper"  # Provider.complete
    assert found.get(("provider.py", 28)) == "request"
    assert ("provider.py", 26) not in found  # the closure is no wrapper
    assert ("provider.py", 30) not in found  # nor its one call a wrapper-call
    assert found.get(("use.py", 6)) == "wrapper-call"
