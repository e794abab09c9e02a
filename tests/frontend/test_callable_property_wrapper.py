"""A model facade binds the SDK function with its settings in ``__init__`` (``self._send = partial(litellm.completion,
model=...)``), wraps it in a retrying closure, and hands it out through a property: ``def send(self): return
self._send``. Code calls ``llm.send(messages=...)``, so the property is the calling API: a wrapper at its def line,
and those calls are still found. The look-alike: a property handing out the SDK client object itself
(``def client(self): return self._client``) is no wrapper, the calls on it stay requests."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

FACADE = """
    from functools import partial

    import litellm
    import openai


    class Model:
        def __init__(self, name):
            self.name = name
            self._send = partial(litellm.completion, model=name, temperature=0)
            raw = self._send

            def retrying(*args, **kwargs):
                for _ in range(3):
                    try:
                        return raw(*args, **kwargs)
                    except Exception:
                        continue
                raise RuntimeError("no answer")

            self._send = retrying

        @property
        def send(self):
            return self._send


    class Holder:
        def __init__(self):
            self._client = openai.OpenAI()

        @property
        def client(self):
            return self._client
"""

USE = """
    from facade import Holder, Model


    def title(model: Model, text):
        out = model.send(messages=[{"role": "user", "content": "Give a five-word title for: " + text}])
        return out.choices[0].message.content


    def tag(holder: Holder, text):
        out = holder.client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "One tag for: " + text}]
        )
        return out.choices[0].message.content
"""


def test_property_handing_out_the_bound_sdk_function_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"facade.py": FACADE, "use.py": USE})
    facade = sites_in(tmp_path, "facade.py")
    assert (line_of(FACADE, "def send(self):"), str(SiteKind.WRAPPER)) in facade
    assert line_of(FACADE, "def client(self):") not in {line for line, _ in facade}
    used = {line for line, _ in sites_in(tmp_path, "use.py")}
    assert line_of(USE, "out = model.send(") in used
    assert line_of(USE, "out = holder.client.chat.completions.create(") in used
