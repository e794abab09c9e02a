"""Two client classes of the tree with the same completion API, handed out in turn by one factory function (a
backend switch), are drop-in twins: the pipeline's call, typed by an annotation naming one of them, reaches the
same-named method of the other as well, so both are wrappers. A third class with that method name, which no factory
hands out, stays out."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

LOCAL = """\
import requests


class LocalClient:
    def __init__(self, host):
        self.url = host + "/api/generate"

    def complete(self, model, prompt):
        reply = requests.post(self.url, json={"model": model, "prompt": prompt, "stream": False}, timeout=60)
        return reply.json()["response"]

    async def complete_async(self, model, prompt):
        import httpx

        async with httpx.AsyncClient() as http:
            reply = await http.post(self.url, json={"model": model, "prompt": prompt, "stream": False})
            return reply.json()["response"]
"""

HOSTED = """\
class HostedClient:
    def __init__(self, key):
        from ibm_watsonx_ai.foundation_models import ModelInference

        self.engine = ModelInference
        self.key = key

    def complete(self, model, prompt):
        runner = self.engine(model_id=model, credentials={"apikey": self.key})
        return runner.generate(prompt=prompt)["results"][0]["generated_text"]

    async def complete_async(self, model, prompt):
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: self.complete(model, prompt))
"""

OTHER = """\
class Archive:
    def complete(self, model, prompt):
        return {"model": model, "prompt": prompt, "done": True}
"""

FACTORY = """\
import os

from pkg.hosted import HostedClient
from pkg.local import LocalClient


def make_client():
    if os.environ.get("BACKEND") == "hosted":
        client = HostedClient(os.environ["KEY"])
        return client, {"model": "granite"}
    return LocalClient("http://localhost:11434"), {"model": "qwen"}
"""

PIPELINE = """\
from pkg.local import LocalClient


class Labeller:
    def __init__(self, client: LocalClient, model: str):
        self.client = client
        self.model = model

    def label(self, text):
        prompt = "Answer with one word, positive or negative, for the sentiment of this review: " + text
        return self.client.complete(self.model, prompt)

    async def check(self, claim):
        prompt = "Reply yes or no: is the following claim about the product supported by the manual? " + claim
        return await self.client.complete_async(self.model, prompt)
"""

MAIN = """\
from pkg.factory import make_client
from pkg.pipeline import Labeller

client, cfg = make_client()
print(Labeller(client, cfg["model"]).label(input()))
"""


def test_twin_handed_out_by_the_same_factory_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/local.py": LOCAL,
            "pkg/hosted.py": HOSTED,
            "pkg/other.py": OTHER,
            "pkg/factory.py": FACTORY,
            "pkg/pipeline.py": PIPELINE,
            "main.py": MAIN,
        },
    )
    assert (line_of(LOCAL, "def complete"), "wrapper") in sites_in(tmp_path, "pkg/local.py")
    hosted = sites_in(tmp_path, "pkg/hosted.py")
    assert (line_of(HOSTED, "def complete"), "wrapper") in hosted
    assert (line_of(HOSTED, "runner.generate("), "request") in hosted
    assert (line_of(HOSTED, "async def complete_async"), "wrapper") in hosted
    assert not sites_in(tmp_path, "pkg/other.py")


PERSON = """\
from pkg.local import LocalClient


class PersonClient(LocalClient):
    def __init__(self):
        super().__init__("")

    def complete(self, model, prompt):
        try:
            return input(prompt + " > ")
        except KeyboardInterrupt:
            print("interrupted, asking again")
            return self.complete(model, prompt)
"""

SWITCH = """\
import os

from pkg.local import LocalClient
from pkg.person import PersonClient


def make_client():
    if os.environ.get("BACKEND") == "person":
        return PersonClient(), {"model": "you"}
    return LocalClient("http://localhost:11434"), {"model": "qwen"}
"""


def test_twin_calling_itself_reaches_no_other_twin(tmp_path: Path) -> None:
    """A twin's call of its own method (``self.complete(...)`` re-asking a person after an interrupt) is on that very
    class, not on the factory's other classes: the person-typed twin holds no model call."""
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/local.py": LOCAL,
            "pkg/person.py": PERSON,
            "pkg/factory.py": SWITCH,
            "pkg/pipeline.py": PIPELINE,
            "main.py": MAIN,
        },
    )
    assert (line_of(LOCAL, "def complete"), "wrapper") in sites_in(tmp_path, "pkg/local.py")
    assert not sites_in(tmp_path, "pkg/person.py")
