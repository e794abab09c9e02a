"""Shadow mode, the JSONL trace log (TraceRecord shape) and the per-endpoint circuit breaker."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import slmc.runtime as runtime
from slmc.runtime.router import CircuitBreaker
from slmc.traces.record import TraceRecord

from .servers import SITE, Reply, chat_reply, messages, write_manifest


def _records(path) -> list[TraceRecord]:
    return [TraceRecord.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def test_shadow_serves_llm_scores_slm_and_logs_both(tmp_path, server_factory, openai_client, fake_llm):
    answers = {"agree": "billing", "differ": "tech", "broken": "nonsense"}

    def respond(path: str, body: Any) -> Reply:
        return Reply(chat_reply(answers[body["messages"][-1]["content"]]))

    slm = server_factory(respond)
    log = tmp_path / "router.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url, decision="shadow"), log=log)

    def llm(**kwargs: Any) -> Any:  # the real SDK call, with a fixed LLM answer for the agreement check
        resp = openai_client.chat.completions.create(**kwargs)
        resp.choices[0].message.content = "billing"
        return resp

    for text in answers:
        resp = runtime.call(SITE, "openai.chat", llm, model="gpt-4o", messages=messages(text))
        assert resp.choices[0].message.content == "billing"  # always the LLM's answer
    assert runtime.drain(10)
    s = runtime.stats()
    assert (s["calls"], s["shadowed"], s["served_by_slm"]) == (3, 3, 0)
    assert s["shadow"] == {"runs": 3, "agree": 1, "disagree": 2, "contract_fail": 1}
    assert len(fake_llm.requests) == 3 and len(slm.requests) == 3

    by_text = {r.messages[-1]["content"]: r for r in _records(log)}
    assert set(by_text) == set(answers)
    agree = by_text["agree"]
    assert agree.source == "slmc" and agree.site_id == SITE and agree.task == "task:intent"
    assert agree.output == "billing" and agree.meta["router"]["served_by"] == "llm"
    assert agree.meta["router"]["reason"] == "shadow" and agree.meta["router"]["agree"] is True
    assert agree.meta["router"]["slm_output"] == "billing"
    assert (
        by_text["differ"].meta["router"]["slm_output"] == "tech" and by_text["differ"].meta["router"]["agree"] is False
    )
    assert by_text["broken"].meta["router"]["contract_ok"] is False


def test_shadow_never_delays_the_agent_and_drops_when_the_queue_is_full(tmp_path, server_factory):
    release = threading.Event()

    def respond(path: str, body: Any) -> Reply:
        release.wait(10)
        return Reply(chat_reply("billing"))

    slm = server_factory(respond)
    runtime.configure(
        write_manifest(tmp_path, slm.url, timeout_s=15, defaults={"shadow": {"workers": 1, "queue": 2}}), mode="shadow"
    )

    def llm(**kwargs: Any) -> dict[str, Any]:
        return chat_reply("billing", logprob=None)

    started = time.perf_counter()
    results = [runtime.call(SITE, "openai.chat", llm, model="m", messages=messages(f"q{i}")) for i in range(5)]
    elapsed = time.perf_counter() - started
    release.set()
    assert runtime.drain(10)
    assert elapsed < 1.0  # the SLM is blocked, the agent is not
    assert all(r["choices"][0]["message"]["content"] == "billing" for r in results)
    shadow = runtime.stats()["shadow"]
    assert shadow["dropped"] == 3 and shadow["runs"] == 2 and shadow["agree"] == 2


def test_log_records_served_and_fallback_calls(tmp_path, server_factory, openai_client, monkeypatch):
    replies = iter([Reply(chat_reply("tech", logprob=-0.2)), Reply(chat_reply("refund me"))])
    slm = server_factory(lambda path, body: next(replies))
    log = tmp_path / "logs" / "routed.jsonl"
    monkeypatch.setenv("SLMC_ROUTER_LOG", str(log))
    runtime.configure(write_manifest(tmp_path, slm.url))
    create = openai_client.chat.completions.create
    runtime.call(SITE, "openai.chat", create, model="gpt-4o", messages=messages("wifi"), temperature=0.3)
    runtime.call(SITE, "openai.chat", create, model="gpt-4o", messages=messages("money"))

    served, fallback = _records(log)
    assert served.meta["router"]["served_by"] == "slm" and served.output == "tech"
    assert served.meta["router"]["confidence"] == -0.2 and served.meta["router"]["contract_ok"] is True
    assert served.params["temperature"] == 0.3 and served.latency_ms > 0
    assert (
        fallback.meta["router"] | {"served_by": "llm", "reason": "contract", "slm_output": "refund me"}
        == fallback.meta["router"]
    )
    assert fallback.output == "LLM: money" and fallback.model == "gpt-4o"
    assert "detail" in fallback.meta["router"]


def test_log_records_llm_errors(tmp_path, server_factory):
    slm = server_factory(lambda path, body: Reply(status=500, body={}))
    log = tmp_path / "r.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"log": "r.jsonl"}))

    def llm(**kwargs: Any) -> Any:
        raise ConnectionError("llm down")

    try:
        runtime.call(SITE, "openai.chat", llm, model="m", messages=messages("x"))
    except ConnectionError:
        pass
    (record,) = _records(log)
    assert record.error == "ConnectionError: llm down" and record.meta["router"]["reason"] == "http-5xx"


def test_breaker_opens_goes_straight_to_fallback_then_probes(tmp_path, server_factory):
    healthy = threading.Event()

    def respond(path: str, body: Any) -> Reply:
        return Reply(chat_reply("billing")) if healthy.is_set() else Reply({"e": 1}, status=500)

    slm = server_factory(respond)
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"breaker": {"failures": 3, "reset_s": 0.3}}))

    def llm(**kwargs: Any) -> dict[str, Any]:
        return chat_reply("other", logprob=None)

    for _ in range(6):
        assert (
            runtime.call(SITE, "openai.chat", llm, model="m", messages=messages("x"))["choices"][0]["message"][
                "content"
            ]
            == "other"
        )
    assert len(slm.requests) == 3  # after 3 failures the endpoint is not asked any more
    assert runtime.stats()["fallbacks"] == {"http-5xx": 3, "circuit-open": 3}
    breaker = runtime.active_router().breakers["base-0"]
    assert breaker.state == "open"

    time.sleep(0.35)
    healthy.set()
    resp = runtime.call(SITE, "openai.chat", llm, model="m", messages=messages("x"))
    assert resp.choices[0].message.content == "billing"  # the half-open probe succeeded
    assert breaker.state == "closed" and len(slm.requests) == 4


def test_breaker_half_open_allows_a_single_probe():
    breaker = CircuitBreaker(failures=2, reset_s=0.05)
    breaker.failure()
    assert breaker.allow() and breaker.state == "closed"
    breaker.failure()
    assert not breaker.allow() and breaker.state == "open"
    time.sleep(0.06)
    assert breaker.allow() and breaker.state == "half-open"
    assert not breaker.allow()  # only one probe at a time
    breaker.failure()  # the probe failed: open again for another reset_s
    assert not breaker.allow() and breaker.opened == 2
    time.sleep(0.06)
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.allow()
