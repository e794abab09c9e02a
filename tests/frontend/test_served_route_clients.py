"""Client scripts of the tree posting to a route its own web app serves (``requests.post("http://localhost:9000/ask",
json=...)``, the app declaring ``app.add_api_route("/ask", run, methods=["POST"])`` or ``@app.post("/answer")``
over a handler that reaches the model): the request runs the served agent, so it is a request site (CALLSITES.md:
an HTTP call to a model endpoint, here the tree's own), whether the script was read in the first round (it names a
model client somewhere) or only once the routes were known. A route whose handler reaches no model (``/health``)
and a path the app does not serve are no sites."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, line_of, site_at, write_tree

SERVER = """
    from fastapi import FastAPI
    from openai import OpenAI

    app = FastAPI()
    client = OpenAI()


    def run(payload: dict):
        messages = [{"role": "system", "content": "You are a research agent."}, {"role": "user", "content": payload["q"]}]
        return client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message.content


    @app.post("/answer")
    def answer(payload: dict):
        return run(payload)


    @app.get("/health")
    def health():
        return {"ok": True}


    app.add_api_route("/ask", run, methods=["POST"])
"""

UI = """
    import json

    import requests


    def send(question):
        url = "http://localhost:9000/ask"
        reply = requests.post(url, data=json.dumps({"q": question}), timeout=30)
        return reply.json()


    def healthy():
        return requests.post("http://localhost:9000/health", timeout=5).ok


    def other(question):
        return requests.post("http://localhost:9000/unknown", json={"q": question}, timeout=5).json()
"""

CLI = """
    # a command line client of the openai-backed server
    import requests

    ENDPOINT = "http://127.0.0.1:9000/answer/"


    def main():
        print(requests.post(ENDPOINT, json={"q": input("> ")}, timeout=30).json())
"""


def test_posts_to_the_trees_served_routes_are_requests(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"app/__init__.py": "", "app/server.py": SERVER, "clients/ui.py": UI, "clients/cli.py": CLI},
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "clients/ui.py", line_of(UI, "reply = requests.post(")).site == SiteKind.REQUEST
    assert site_at(graph, "clients/cli.py", line_of(CLI, "requests.post(ENDPOINT")).site == SiteKind.REQUEST
    found = {s.loc.line for s in graph.sites() if s.loc.path == "clients/ui.py"}
    assert line_of(UI, "/health") not in found
    assert line_of(UI, "/unknown") not in found
