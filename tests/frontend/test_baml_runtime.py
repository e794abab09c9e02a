"""A BAML client generated into the tree: its runtime (``baml_py.BamlRuntime.from_files(...)``) runs the BAML
functions, each an LLM call, so ``runtime.call_function(...)`` is the request and the generated client's methods are
the wrappers user code calls (``b.ClassifyTicket(text)``). Building the HTTP request without sending it
(``build_request``) and parsing a reply (``parse_llm_response``) are not requests."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

GLOBALS = """
    from baml_py import BamlRuntime

    RUNTIME = BamlRuntime.from_files("baml_src", {"main.baml": "..."}, {})
"""

CLIENT = """
    from .globals import RUNTIME


    class Client:
        async def ClassifyTicket(self, text: str) -> str:
            return await RUNTIME.call_function(function_name="ClassifyTicket", args={"text": text})

        async def ClassifyTicketRequest(self, text: str):
            return await RUNTIME.build_request(function_name="ClassifyTicket", args={"text": text})

        def ParseTicket(self, raw: str) -> str:
            return RUNTIME.parse_llm_response(function_name="ClassifyTicket", llm_response=raw)


    b = Client()
"""

USER = """
    from gen.client import b


    async def triage(ticket: str) -> str:
        return await b.ClassifyTicket(ticket)
"""


def test_generated_baml_client(tmp_path: Path) -> None:
    write_tree(tmp_path, {"gen/__init__.py": "", "gen/globals.py": GLOBALS, "gen/client.py": CLIENT, "app.py": USER})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}
    assert {f for f in found if f[0] == "gen/client.py"} == {
        ("gen/client.py", 6, "wrapper"),
        ("gen/client.py", 7, "request"),
    }
    assert ("app.py", 6, "wrapper-call") in found
