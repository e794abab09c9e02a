"""A provider's forwarding API that defines its send as a nested, retry-decorated function and runs it once
(``complete(messages)`` -> ``@backoff.on_exception(...) def _send_with_retry(messages, ...)`` -> the project's own
signed HTTP client): the nested function is the API's own body, no calling API of its own, whether it holds the
request itself or a call of the project's client. Its call in the enclosing function is no wrapper-call."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

SIGNED = """
    import http.client
    import json


    class SignedModelClient:
        def __init__(self, host, model_id):
            self.host = host
            self.model_id = model_id

        def create(self, messages, system, temperature=1.0, max_tokens=1000):
            conn = http.client.HTTPSConnection(self.host)
            body = json.dumps({"system": system, "messages": messages, "max_tokens": max_tokens})
            conn.request("POST", f"/model/{self.model_id}/invoke", body, {"Content-Type": "application/json"})
            data = json.loads(conn.getresponse().read().decode())
            conn.close()
            return data
"""

PROVIDER = """
    import backoff

    from kit.signed import SignedModelClient


    class RemoteProvider:
        def __init__(self, host, model_id):
            self.client = SignedModelClient(host, model_id)

        def complete(self, messages, temperature=0.0, max_tokens=512):
            @backoff.on_exception(backoff.constant, (TimeoutError,), max_tries=3, interval=5)
            def _send_with_retry(messages, temperature, max_tokens):
                system = ""
                for i, m in enumerate(messages):
                    if m["role"] == "system":
                        system = m["content"]
                        messages.pop(i)
                        break
                reply = self.client.create(messages=messages, system=system, temperature=temperature, max_tokens=max_tokens)
                return reply["content"][0]["text"]

            return _send_with_retry(messages, temperature, max_tokens)
"""

STEPS = """
    from kit.provider import RemoteProvider

    provider = RemoteProvider("models.example.org", "m1")


    def label_mood(text):
        msgs = [
            {"role": "system", "content": "Classify the mood of the text as happy, sad or angry. Answer with one word."},
            {"role": "user", "content": text},
        ]
        return provider.complete(msgs)
"""


def test_a_retry_closure_over_the_projects_client_is_a_step_of_its_api(tmp_path: Path) -> None:
    """Failed before: the nested ``_send_with_retry`` (holding a call of the project's own client, not a request) was
    reported as a wrapper of its own and its call in ``complete`` as a wrapper-call (BAAI-Agents/Cradle: 4 false
    positives on its signed-HTTP provider, none on the twin provider whose closure holds the SDK request)."""
    write_tree(
        tmp_path, {"kit/__init__.py": "", "kit/signed.py": SIGNED, "kit/provider.py": PROVIDER, "kit/steps.py": STEPS}
    )
    found = sites_in(tmp_path, "kit/provider.py")
    assert found == {
        (line_of(PROVIDER, "def complete("), "wrapper"),
        (line_of(PROVIDER, "reply = self.client.create("), "wrapper-call"),
    }, found
    assert sites_in(tmp_path, "kit/steps.py") == {(line_of(STEPS, "return provider.complete("), "wrapper-call")}
