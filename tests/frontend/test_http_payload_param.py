"""Raw HTTP requests whose payload arrives as a parameter: ``send(data)`` pops the endpoint and key its callers put
in the payload and posts the rest. A caller handing it a payload shaped like a model request (``model`` next to
``messages``) makes it a model request whatever the URL; the connection entries of that payload (key, type,
endpoint) carry no prompt, so a step that writes its own prompt and hands them on is no calling API, while the
transport and a chat helper forwarding its caller's messages are. The address and headers of a request are no
prompt either: a function posting a prompt it writes to a URL its caller gives is no calling API."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree
from slmc.ir import SiteKind

SERVER = """
    import requests

    MODEL = "local-chat"  # any openai-style chat server
    RANK_PROMPT = "Rank these candidates for the request, best first, as a JSON list of ids: "


    def send(data):
        endpoint = data.pop("api_endpoint")
        key = data.pop("api_key")
        kind = data.pop("api_type")
        head = {"Authorization": "Bearer " + key} if kind == "bearer" else None
        reply = requests.post(endpoint, json=data, headers=head)
        return reply.json()["choices"][0]["message"]["content"]


    def chat(messages, api_key, api_type, api_endpoint):
        data = {"model": MODEL, "messages": messages, "api_key": api_key, "api_type": api_type,
                "api_endpoint": api_endpoint}
        return send(data)


    def rank(request, candidates, api_key, api_type, api_endpoint):
        messages = [{"role": "user", "content": RANK_PROMPT + request + " " + str(candidates)}]
        data = {"model": MODEL, "messages": messages, "temperature": 0, "api_key": api_key,
                "api_type": api_type, "api_endpoint": api_endpoint}
        return send(data)


    def serve(messages, api_key, api_type, api_endpoint):
        order = rank(messages[-1]["content"], ["a", "b"], api_key, api_type, api_endpoint)
        if not order:
            return chat(messages, api_key, api_type, api_endpoint)
        return order
"""

CLI = """
    from app.server import chat, serve


    def main():
        history = [{"role": "user", "content": input("> ")}]
        print(serve(history, "k", "bearer", "http://localhost:8000/v1/chat/completions"))
        print(chat(history, "k", "bearer", "http://localhost:8000/v1/chat/completions"))
"""


def test_payload_parameter_with_model_payload_callers(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/server.py": SERVER, "app/cli.py": CLI})
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/server.py", 13).client == "http"  # requests.post(endpoint, json=data, ...)
    kinds = {(s.loc.line, s.site) for s in graph.sites() if s.loc.path == "app/server.py"}
    assert (8, SiteKind.WRAPPER) in kinds  # send: every stage's transport
    assert (17, SiteKind.WRAPPER) in kinds  # chat: forwards its caller's messages
    assert (30, SiteKind.WRAPPER) in kinds  # serve: the entry the CLI calls
    assert (23, SiteKind.WRAPPER) not in kinds  # rank writes its own prompt; key/type/endpoint are no prompt
    assert str(site_at(graph, "app/server.py", 27).site) == "wrapper-call"  # rank's send(data): its prompt site


EVENTS = """
    import requests  # posts build events; the builds use openai models


    def post_event(data):
        url = data.pop("hook")
        return requests.post(url, json=data)


    def notify(build, hook):
        return post_event({"title": "build " + build, "labels": ["ci"], "hook": hook})
"""


def test_payload_parameter_with_other_payloads_is_no_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ci/events.py": EVENTS})
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path == "ci/events.py"]


SYNTH = """
    import json
    import aiohttp


    async def synthesize(url, header, topic, llm):
        prompt = "Write three realistic user requests about the topic below, as a JSON list of strings.\\n" + topic
        payload = json.dumps({"model": llm, "messages": [{"role": "user", "content": prompt}], "temperature": 0.7})
        async with aiohttp.ClientSession() as session:
            async with session.post(url, headers=header, data=payload) as response:
                return (await response.json())["choices"][0]["message"]["content"]


    async def run(topics, api_key):
        url = "http://localhost:4000/v1/chat/completions"
        header = {"Authorization": "Bearer " + api_key}
        return [await synthesize(url, header, t, "gpt-x") for t in topics]
"""


def test_url_and_headers_handed_in_are_no_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"gen/synth.py": SYNTH})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, s.site) for s in graph.sites() if s.loc.path == "gen/synth.py"}
    assert (10, SiteKind.REQUEST) in found
    assert (6, SiteKind.WRAPPER) not in found  # synthesize writes its own prompt
    assert not [line for line, kind in found if kind == SiteKind.WRAPPER_CALL]
