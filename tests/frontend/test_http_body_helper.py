"""Raw HTTP model requests whose body is built by a helper method and handed back in a tuple with the headers
(``headers, body = self._payload(...)``): the body the helper returns decides, whatever the URL. (Each module
mentions a provider name so that the text pre-filter reads it.)"""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

CLIENT = """
    import json
    import requests


    class ChatEndpoint:
        def __init__(self, url, model="openai-small"):
            self.url = url
            self.model = model

        def reply(self, turns):
            head, payload = self.compose(turns, limit=64)
            res = requests.post(self.url, headers=head, data=json.dumps(payload))
            return res.json()["choices"][0]["message"]["content"]

        def compose(self, turns, limit):
            if limit <= 0:
                return "", ""
            head = {"content-type": "application/json"}
            payload = {}
            if self.model.endswith("small"):
                payload = {"model": self.model, "messages": turns, "max_tokens": limit}
            else:
                payload = {"model": self.model, "messages": turns}
            return head, payload
"""

LOOKALIKE = """
    import requests


    class Tracker:  # files issues for failed openai runs
        def __init__(self, url):
            self.url = url

        def push(self, item):
            head, payload = self.compose(item)
            return requests.post(self.url, headers=head, json=payload)

        def compose(self, item):
            return {"x-key": "k"}, {"title": item, "labels": ["bug"]}
"""


def test_body_from_helper_tuple_is_a_model_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/chat.py": CLIENT})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "pkg/chat.py", 13)
    assert str(site.site) == "request"
    assert site.client == "http"


def test_helper_tuple_without_model_payload_is_not_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/track.py": LOOKALIKE})
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path == "pkg/track.py"]


DICT_CALL = """
    import aiohttp


    class Completer:  # talks to a self-hosted openai-compatible server at an address from the config
        def __init__(self, base, alerts, name):
            self.base, self.alerts = base, alerts
            self.name = name

        async def complete(self, text, **params):
            body = dict(model=self.name, prompt=text, stream=False, **params)
            async with aiohttp.ClientSession() as session:
                async with session.post(self.base, json=body) as resp:
                    return (await resp.json())["choices"][0]["text"]

        async def report(self, text):
            note = dict(title=text, severity="low")
            async with aiohttp.ClientSession() as session:
                async with session.post(self.alerts, json=note) as resp:
                    return resp.status
"""


def test_body_built_with_dict_call_is_a_model_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/complete.py": DICT_CALL})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "pkg/complete.py", 13)
    assert str(site.site) == "request"
    assert not [s for s in graph.sites() if s.loc.line == 19]  # the same call with a non-model body
