"""An LLM endpoint marker inside a web API's dotted method name is no model endpoint: Slack's
``https://slack.com/api/chat.postMessage`` contains Ollama's ``/api/chat`` but names the ``chat.postMessage`` method
of another service. The marker still counts where the path goes on as a segment, a query or an ending
(``/api/chat``, ``/api/chat/``, ``/api/chat?stream=false``)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree
from slmc.frontend.clients import llm_url

NOTIFY = """
    import httpx


    async def post_summary(channel, text):
        client = httpx.AsyncClient()
        reply = await client.post(
            "https://slack.com/api/chat.postMessage",
            json={"channel": channel, "text": "Summary of the day: " + text},
        )
        return reply.json()


    def ask(question):
        reply = httpx.post(
            "http://localhost:11434/api/chat",
            json={"model": "llama3", "messages": [{"role": "user", "content": question}], "stream": False},
        )
        return reply.json()["message"]["content"]
"""


def test_a_dotted_method_name_after_a_marker_is_no_model_endpoint() -> None:
    assert not llm_url("https://slack.com/api/chat.postMessage")
    assert not llm_url("https://example.com/api/generate.json_schema")
    for url in ("http://h:11434/api/chat", "http://h/api/chat/", "http://h/api/chat?stream=false", "http://h/generate"):
        assert llm_url(url), url
    assert llm_url("http://h:8080/generate_stream")  # a served model's streaming route


def test_a_post_to_another_services_chat_method_is_no_site(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/notify.py": NOTIFY})
    graph = analysed_graph(tmp_path)
    lines = sorted(s.loc.line for s in graph.sites() if s.loc.path == "app/notify.py")
    assert lines == [15], lines  # the Ollama request in ask(); not the Slack post
