"""Capture and the static frontend agree: every recorded call-site id is the id the frontend gives that request site
(single-line, multi-line, attribute-chain and comprehension calls), and the stack holds the wrapper-call sites."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from llm_server import LLMServer

import slmc
from slmc.ir.nodes import site_id
from slmc.traces.ingest import read_traces

pytest.importorskip("openai")
AGENTS = Path(__file__).resolve().parent / "agents"


def test_captured_site_ids_equal_the_frontends(tmp_path, monkeypatch):
    frontend = pytest.importorskip("slmc.frontend")
    graph, problems = frontend.analyze_paths([AGENTS / "linked_agent.py"], root=AGENTS)
    assert problems == []
    requests = {s.id for s in graph.sites() if s.site == "request"}
    wrapper_calls = {s.id for s in graph.sites() if s.site == "wrapper-call"}
    assert len(requests) == 4

    out = tmp_path / "t.jsonl"
    with LLMServer() as server:
        monkeypatch.setenv("LLM_URL", server.url + "/v1")
        with slmc.trace(out, root=AGENTS):
            runpy.run_path(str(AGENTS / "linked_agent.py"), run_name="__main__")
    records, problems = read_traces([out])
    assert problems == [] and len(records) == 4
    assert {r.site_id for r in records} == requests  # attribute chain: the Call node's first line, not `.create(`
    wrapped = {s.id.split("@")[0].removeprefix("llm:") for s in graph.sites() if s.site == "wrapper"}
    for rec in records:
        outer = {site_id(f.function, f.path, f.line) for f in rec.stack[1:]}
        if rec.stack[0].function in wrapped:  # a batch helper (summarise(items)) is not a wrapper: nothing outside
            assert outer & wrapper_calls  # main's call of the wrapper is on the stack
