"""Hand-rolled HTTP to a Responses-style endpoint: ``httpx``'s ``client.stream("POST", url, ...)`` is a request like
``client.post``, and a URL whose path ends in ``/responses`` (OpenAI's Responses API and the services that copy it)
names a model endpoint, also when it is only the fallback of a configured one."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

SOURCE = """
    import httpx

    BACKEND = "https://backend.example.com/api/agent/responses"


    class Relay:
        async def ask(self, payload, cfg):
            url = cfg.endpoint or BACKEND
            async with httpx.AsyncClient() as client:
                async with client.stream("POST", url, json=payload, timeout=60.0) as response:
                    response.raise_for_status()
                    return [line async for line in response.aiter_lines()]

        async def poll(self, job_id):
            async with httpx.AsyncClient() as client:
                async with client.stream("GET", "https://status.example.com/jobs/" + job_id) as response:
                    return await response.aread()

        async def survey(self, rows):
            async with httpx.AsyncClient() as client:
                return await client.post("https://forms.example.com/survey/responses/export", json=rows)
"""


def test_stream_post_to_a_responses_endpoint_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"relay.py": SOURCE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "relay.py"}
    assert (11, "request") in found
    # a status poll and a URL with ``/responses`` inside its path (not at its end) are no model requests
    assert not any(line in (17, 22) for line, _ in found)
