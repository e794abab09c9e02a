"""A component's private streaming method bound to its arguments with ``functools.partial`` and stored among the
object's outputs (``self.set_output("content", partial(self._stream, prompt, history))``): the code reading the
outputs runs it, so it is used outside its class body (a callback handed to other code, bench/corpus/README.md) and,
forwarding its caller's prompt, is a wrapper. A partial handed to the class's own retry helper stays a step."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

COMP = """
    from functools import partial

    from openai import OpenAI


    class Component:
        def __init__(self):
            self.outputs = {}

        def set_output(self, key, value):
            self.outputs[key] = value

        def output(self, key):
            return self.outputs.get(key)


    class Chat(Component):
        def __init__(self):
            super().__init__()
            self.client = OpenAI()

        def _stream(self, prompt, history):
            for chunk in self.client.chat.completions.create(
                model="m", messages=[{"role": "system", "content": prompt}, *history], stream=True
            ):
                yield chunk.choices[0].delta.content or ""

        def invoke(self, prompt, history, stream):
            if stream:
                self.set_output("content", partial(self._stream, prompt, list(history)))
                return
            out = self.client.chat.completions.create(model="m", messages=[{"role": "system", "content": prompt}, *history])
            self.set_output("content", out.choices[0].message.content)


    class Retrying:
        def __init__(self):
            self.client = OpenAI()

        def _send(self, prompt):
            return self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])

        def _retry(self, call):
            for _ in range(3):
                try:
                    return call()
                except TimeoutError:
                    continue

        def ask(self, prompt):
            return self._retry(partial(self._send, prompt))


    def consume(comp: Component):
        value = comp.output("content")
        if callable(value):
            return "".join(value())
        return value
"""


def test_private_stream_stored_as_an_output_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/comp.py": COMP})
    sites = sites_in(tmp_path, "app/comp.py")
    assert (line_of(COMP, "def _stream("), "wrapper") in sites
    assert (line_of(COMP, "def _send("), "wrapper") not in sites
