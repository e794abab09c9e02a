"""The frontend's site ids are the ones trace capture records when the agent really runs (the join key of S1-S6)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from slmc.frontend import analyze_paths

pytest.importorskip("openai")

AGENT = """
from openai import OpenAI


def make(url):
    return OpenAI(base_url=url, api_key="sk-local", max_retries=0)


class Bot:
    def __init__(self, client: OpenAI):
        self.client = client

    def ask(self, q):
        r = self.client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": q}],
        )
        return r.choices[0].message.content


def run(url):
    bot = Bot(make(url))
    first = bot.ask("one")
    more = [bot.ask(q) for q in ["two", "three"]]
    shout = lambda q: bot.client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])
    shout("four")
    client = make(url)
    last = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "five"}]).choices[0]
    return first, more, last
"""


def test_captured_site_ids_and_stacks_are_frontend_sites(tmp_path: Path) -> None:
    from slmc.testing.fake_llm import FakeLLM
    from slmc.traces.capture import trace

    agent_file = tmp_path / "bot_agent.py"
    agent_file.write_text(AGENT, encoding="utf-8")
    graph, diagnostics = analyze_paths([tmp_path], root=tmp_path)
    assert diagnostics == []
    sites = {s.id: s for s in graph.sites()}

    spec = importlib.util.spec_from_file_location("bot_agent", agent_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bot_agent"] = module
    try:
        spec.loader.exec_module(module)
        out = tmp_path / "traces.jsonl"
        with FakeLLM(teacher=lambda request: {"content": "ok"}) as llm, trace(out, root=tmp_path):
            module.run(llm.url)
    finally:
        sys.modules.pop("bot_agent", None)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(records) == 5
    for rec in records:
        assert rec["site_id"] in sites, (rec["site_id"], sorted(sites))
        assert sites[rec["site_id"]].site == "request"
        outer = rec["stack"][-1]
        outer_id = f"llm:{outer['function']}@{outer['path']}:{outer['line']}"
        assert outer_id in sites  # the outermost frame is a wrapper-call (or the request itself)
    wrapper_calls = {
        f"llm:{r['stack'][-1]['function']}@{r['stack'][-1]['path']}:{r['stack'][-1]['line']}" for r in records
    }
    assert {sites[w].site for w in wrapper_calls} == {"wrapper-call", "request"}
