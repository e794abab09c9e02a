"""A request helper of a third-party library (``send_tgi_request(url, json=payload)``) called with a model endpoint
for its URL and a request body is a raw HTTP model request, as ``requests.post`` would be. The same helper posting to
another endpoint, a library function not named for requests, a call without a body and a request class's
constructor are not."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_CLIENT = """
    from textgen_kit.transport import send_tgi_request, fetch_page, make_request, ModelRequest


    class Served:
        def __init__(self, base):
            self.base = base

        def complete(self, prompt):
            body = {"inputs": prompt, "parameters": {"max_new_tokens": 64}}
            reply = send_tgi_request(f"{self.base}/generate", json=body, timeout=30)
            return reply.json()["generated_text"]

        def lookup(self, words):
            return send_tgi_request(f"{self.base}/search", json={"q": words})

        def page(self, prompt):
            return fetch_page(f"{self.base}/generate", json={"inputs": prompt})

        def health(self):
            return make_request(url=f"{self.base}/generate")

        def build(self, prompt):
            return ModelRequest(f"{self.base}/generate", json={"inputs": prompt})
"""


def test_library_request_helper_posting_to_a_model_endpoint_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"served.py": _CLIENT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    sent = found.get(("served.py", 11))
    assert sent is not None and sent.site == SiteKind.REQUEST and sent.client == "http"
    assert ("served.py", 15) not in found  # a search endpoint: no model
    assert ("served.py", 18) not in found  # not a request helper by name
    assert ("served.py", 21) not in found  # no body: a probe, not a request
    assert ("served.py", 24) not in found  # a class builds the request object; it sends nothing
