"""S6 (1): the router's log is a trace source. ``slmc traces ingest`` reads it as teacher data: the record of a call
the SLM served keeps the SLM's answer aside and has no answer of its own (curation drops it), fallback and shadow
records keep the LLM's answer, and every record stays on the site it was routed for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import slmc.runtime as runtime
from slmc.passes.curate import _reject_reason
from slmc.traces.ingest import read_traces

from .servers import SITE, Reply, chat_reply, messages, write_manifest

ROOT = Path(__file__).resolve().parents[2]


def _run_three_routes(tmp_path: Path, server_factory: Any, openai_client: Any) -> Path:
    """One call served by the SLM, one fallback (contract), one in shadow mode on a second site."""
    answers = {"wifi": "tech", "money": "refund me", "shadowed": "billing"}
    slm = server_factory(lambda path, body: Reply(chat_reply(answers[body["messages"][-1]["content"]], logprob=-0.1)))
    shadow_site = "llm:route@agent.py:60"
    base = {
        "api": "openai.chat",
        "endpoint": "base-0",
        "task": "task:intent",
        "contract": {"kind": "label", "labels": ["billing", "tech", "other"]},
        "timeout_s": 2,
    }
    sites = {SITE: {**base, "decision": "offload"}, shadow_site: {**base, "decision": "shadow"}}
    log = tmp_path / "router.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url, sites=sites), log=log)
    create = openai_client.chat.completions.create
    assert runtime.call(SITE, "openai.chat", create, model="gpt-4o", messages=messages("wifi")).choices[0].message
    runtime.call(SITE, "openai.chat", create, model="gpt-4o", messages=messages("money"))
    runtime.call(shadow_site, "openai.chat", create, model="gpt-4o", messages=messages("shadowed"))
    assert runtime.drain(10)
    runtime.reset()
    return log


def test_router_log_records_the_route_and_both_answers(tmp_path, server_factory, openai_client):
    log = _run_three_routes(tmp_path, server_factory, openai_client)
    raw = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    by_route = {r["meta"]["router"]["route"]: r for r in raw}
    assert set(by_route) == {"slm", "fallback", "shadow"}
    served, fallback, shadow = by_route["slm"], by_route["fallback"], by_route["shadow"]
    assert served["output"] == "tech" and served["meta"]["router"]["confidence"] == -0.1
    assert fallback["meta"]["router"]["reason"] == "contract" and fallback["output"] == "LLM: money"
    assert fallback["meta"]["router"]["slm_output"] == "refund me"
    assert fallback["meta"]["router"]["llm_model"] == "gpt-4o" and fallback["meta"]["router"]["llm_latency_ms"] > 0
    assert shadow["output"] == "LLM: shadowed" and shadow["meta"]["router"]["slm_output"] == "billing"
    # the fake LLM reports usage: the log can cost the LLM's calls
    assert (fallback["input_tokens"], fallback["output_tokens"]) == (11, 2)


def test_traces_ingest_reads_the_router_log_as_teacher_data(tmp_path, server_factory, openai_client):
    log = _run_three_routes(tmp_path, server_factory, openai_client)
    out = tmp_path / "ingested.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "slmc", "traces", "ingest", str(log), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "3  slmc" in done.stdout and "wrote 3 records" in done.stdout
    for path in (log, out):  # the raw log and what ingest wrote read the same (idempotent)
        records, problems = read_traces([path])
        assert not problems
        by_route = {r.meta["router"]["route"]: r for r in records}
        served = by_route["slm"]
        assert served.output is None and served.tool_calls == [] and served.model == "gpt-4o"
        assert served.meta["router"]["slm_output"] == "tech" and served.meta["no_teacher"]
        assert _reject_reason(served) == "slm-answer"
        assert by_route["fallback"].output == "LLM: money" and _reject_reason(by_route["fallback"]) is None
        assert by_route["shadow"].output == "LLM: shadowed" and _reject_reason(by_route["shadow"]) is None
        assert {r.site_id for r in records} == {SITE, "llm:route@agent.py:60"}  # the sites they were routed for


def test_a_sampled_record_reads_with_the_llm_answer(tmp_path):
    """A record the SLM served whose call was also sampled: its answer is the LLM's, the SLM's is kept aside."""
    router = {"route": "slm", "served_by": "slm", "site": SITE, "sampled": True, "llm_output": "billing"}
    router |= {"llm_model": "gpt-4o", "llm_input_tokens": 20, "llm_output_tokens": 1, "agree": False}
    line = {"source": "slmc", "site_id": SITE, "output": "tech", "model": "slm-base", "input_tokens": 9}
    line |= {"messages": messages("hello"), "meta": {"router": router}}
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    (record,), problems = read_traces([path])
    assert not problems
    assert (record.output, record.model, record.input_tokens, record.output_tokens) == ("billing", "gpt-4o", 20, 1)
    assert record.meta["router"]["slm_output"] == "tech" and record.meta["router"]["slm_model"] == "slm-base"
    assert "no_teacher" not in record.meta and _reject_reason(record) is None
