"""Two provider shapes of local / managed model servers: an Xinference REST client's ``get_model(uid)`` hands out a
model handle whose ``chat`` is the request (its ``create_embedding`` is no chat); a Bedrock runtime client handed in
by the caller (no ``boto3.client`` in sight) is reached through ``converse``, the Converse API's name. A project
object's own ``converse`` method is no such call."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

XINF = """\
from xinference_client.client.restful.restful_client import Client


class ServerChat:
    def __init__(self, url):
        self.server = Client(base_url=url)

    def reply(self, uid, messages):
        handle = self.server.get_model(uid)
        return handle.chat(messages)["choices"][0]["message"]["content"]

    def vector(self, uid, text):
        handle = self.server.get_model(uid)
        return handle.create_embedding(text)["data"][0]["embedding"]
"""

BEDROCK = """\
class RuntimeChat:
    def __init__(self, runtime_client, model_id):
        self.runtime = runtime_client
        self.model_id = model_id

    def reply(self, messages):
        params = {"modelId": self.model_id, "messages": messages}
        out = self.runtime.converse(**params)
        return out["output"]["message"]["content"][0]["text"]


class Parrot:
    def converse(self, words):
        return words


def echo(words):
    return Parrot().converse(words)
"""


def test_xinference_model_handle_chat_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"xinf.py": XINF})
    found = sites_in(tmp_path, "xinf.py")
    assert (line_of(XINF, "handle.chat("), "request") in found
    assert not any(line == line_of(XINF, "handle.create_embedding(") for line, _ in found)


def test_converse_on_a_handed_in_runtime_client_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"runtime.py": BEDROCK})
    found = sites_in(tmp_path, "runtime.py")
    assert (line_of(BEDROCK, "self.runtime.converse("), "request") in found
    assert not any(line >= line_of(BEDROCK, "class Parrot") for line, _ in found)
