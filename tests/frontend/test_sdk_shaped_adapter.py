"""An adapter class whose attribute chain mimics an SDK client's (``Gateway().chat.completions.create(...)``, built
from ``self.chat = Chat(...)`` and ``self.completions = Completions(...)``), assigned to the same attribute as the
SDK client in another branch (``self.client = OpenAI()`` or ``self.client = Gateway()``): the request
``self.client.chat.completions.create(...)`` may run the adapter's ``create``, which the model class (another class)
calls with its messages, so ``create`` is a wrapper. The request line stays a request. A class with a ``create`` that
no attribute of a model class may hold (a record's factory) stays no site, and so does an adapter mock in a test."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

GATEWAY = """
    import boto3


    class Completions:
        def __init__(self, runtime):
            self.runtime = runtime

        def create(self, model, messages, **kwargs):
            turns = [{"role": m["role"], "content": [{"text": m["content"]}]} for m in messages]
            out = self.runtime.converse(modelId=model, messages=turns)
            return out["output"]["message"]["content"][0]["text"]


    class Chat:
        def __init__(self, runtime):
            self.completions = Completions(runtime)


    class Gateway:
        def __init__(self):
            self.chat = Chat(boto3.client("bedrock-runtime"))


    class Record:
        def create(self, model, messages):
            return {"model": model, "messages": messages}
"""

MODEL = """
    from openai import OpenAI

    from gateway import Gateway


    class Model:
        def __init__(self, kind):
            if kind == "openai":
                self.client = OpenAI()
            else:
                self.client = Gateway()

        def ask(self, messages):
            out = self.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content


    def main():
        print(Model("aws").ask([{"role": "user", "content": input()}]))
"""


def test_an_sdk_shaped_adapter_method_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"gateway.py": GATEWAY, "model.py": MODEL})
    graph = analysed_graph(tmp_path)
    gateway = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "gateway.py"}
    model = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "model.py"}
    assert gateway.get(9) == "wrapper", gateway  # Completions.create
    assert model.get(15) == "request", model  # the SDK-shaped call stays a request
    assert 27 not in gateway  # Record.create: no model class holds a Record
