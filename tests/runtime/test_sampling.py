"""S6 (4): a share of the calls the SLM serves also goes to the LLM in shadow, within a $-per-day budget; against a
real SLM server and a real fake LLM server on 127.0.0.1 (the OpenAI SDK's own client)."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.errors import SlmcError
from slmc.runtime.manifest import load_manifest
from slmc.runtime.sampling import SamplePolicy, Sampler
from slmc.runtime.types import Answer

from .servers import SITE, Reply, chat_reply, llm_reply, messages, write_manifest

SLM_SAYS = {"wifi": "tech", "invoice": "billing", "alice@example.com wants a refund": "billing"}
LLM_SAYS = {"wifi": "tech", "invoice": "other", "alice@example.com wants a refund": "refund for alice@example.com"}


@pytest.fixture
def servers(server_factory: Any) -> tuple[Any, Any]:
    slm = server_factory(lambda path, body: Reply(chat_reply(SLM_SAYS.get(body["messages"][-1]["content"], "tech"))))
    llm = server_factory(
        lambda path, body: llm_reply(path, body, LLM_SAYS.get(body["messages"][-1]["content"], "tech"))
    )
    return slm, llm


def _client(llm: Any, cls: str = "OpenAI") -> Any:
    openai = pytest.importorskip("openai")
    return getattr(openai, cls)(base_url=llm.url + "/v1", api_key="sk-test", max_retries=0)


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line)["meta"]["router"] | {"_rec": json.loads(line)} for line in path.read_text().splitlines()]


def test_a_share_of_served_calls_goes_to_the_llm_and_is_logged_with_both_answers(tmp_path, servers):
    slm, llm = servers
    log = tmp_path / "router.jsonl"
    sample = {"rate": 0.25, "usd_per_1m_input": 2.5, "usd_per_1m_output": 10.0}
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"sample": sample}), log=log)
    client = _client(llm)
    texts = ["wifi"] * 4 + ["invoice"] * 4  # one of calls 1-4 and one of calls 5-8 is sampled
    for text in texts:
        resp = runtime.call(
            SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages(text)
        )
        assert resp.choices[0].message.content == SLM_SAYS.get(text, "tech")  # the agent always gets the SLM's answer
    assert runtime.drain(10)
    # exactly 25 %, one per block; the samples run in the background, so they may reach the LLM in either order
    assert sorted(b["messages"][-1]["content"] for b in llm.bodies()) == ["invoice", "wifi"]
    stats = runtime.stats()
    assert stats["served_by_slm"] == 8 and stats["sample"] == {"runs": 2, "agree": 1, "disagree": 1}
    records = _log(log)
    assert len(records) == 8 and all(r["route"] == "slm" for r in records)
    sampled = {r["_rec"]["messages"][-1]["content"]: r for r in records if r.get("sampled")}
    assert set(sampled) == {"wifi", "invoice"}
    assert sampled["wifi"]["agree"] is True and sampled["invoice"]["agree"] is False
    assert sampled["invoice"]["llm_output"] == "other" and sampled["invoice"]["_rec"]["output"] == "billing"
    assert (sampled["invoice"]["llm_input_tokens"], sampled["invoice"]["llm_output_tokens"]) == (11, 2)
    assert sampled["invoice"]["sample_usd"] == pytest.approx((11 * 2.5 + 2 * 10.0) / 1e6)
    assert runtime.active_router().sampler.spent_usd == pytest.approx(2 * (11 * 2.5 + 2 * 10.0) / 1e6)


@pytest.mark.parametrize("rate", [0.5, 0.25, 0.3, 1.0])
def test_the_share_is_exact_and_does_not_line_up_with_traffic_that_cycles(rate):
    """Traffic that alternates (or cycles through a few kinds of input, as a loop over two lists does) is sampled
    across its kinds: a sample at a fixed place in each block would see only one kind."""
    sampler = Sampler(SamplePolicy(rate=rate), seed=3)
    picks = [i for i in range(1, 1201) if sampler.pick(SITE) == "sample"]
    assert len(picks) == round(1200 * rate)  # exact share
    blocks = [math.floor(i * rate - 1e-9) for i in picks]
    assert len(set(blocks)) == len(blocks)  # one per block, none skipped
    for period in (2, 4):  # every kind of a cycle is sampled, each near its share
        kinds = Counter(i % period for i in picks)
        assert len(kinds) == period or rate == 1.0 or len(picks) < period
        assert max(kinds.values()) - min(kinds.values()) <= 0.5 * len(picks) / period


def test_the_daily_budget_stops_sampling_until_the_next_utc_day(tmp_path, servers):
    slm, llm = servers
    log = tmp_path / "router.jsonl"
    # $1.10 a sampled call (11 prompt tokens at $0.1 each); $2 a day: two samples, then none until tomorrow
    sample = {"rate": 1.0, "budget_usd_per_day": 2.0, "usd_per_1m_input": 100_000.0, "usd_per_1m_output": 0.0}
    router = runtime.configure(write_manifest(tmp_path, slm.url, defaults={"sample": sample}), log=log)
    now = [1_700_000_000.0]
    router.sampler = Sampler(router.sampler.policy, clock=lambda: now[0])
    client = _client(llm)

    def call(text: str) -> None:
        runtime.call(SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages(text))
        assert runtime.drain(10)

    for i in range(5):
        call(f"day1-{i}")
    assert len(llm.bodies()) == 2 and runtime.stats()["sample"]["budget"] == 3
    assert router.sampler.spent_usd == pytest.approx(2.2)
    now[0] += 86_400  # the next UTC day: a fresh budget
    call("day2-0")
    assert len(llm.bodies()) == 3 and router.sampler.spent_usd == pytest.approx(1.1)
    skipped = [r for r in _log(log) if r.get("sample_skipped") == "budget"]
    assert len(skipped) == 3 and not any(r.get("sampled") for r in skipped)


def test_the_sample_sees_the_arguments_as_they_were_when_the_agent_called(tmp_path, servers):
    slm, llm = servers
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"sample": {"rate": 1.0}}))
    client = _client(llm)
    history = messages("wifi")
    resp = runtime.call(SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=history)
    history.append({"role": "assistant", "content": resp.choices[0].message.content})  # the agent goes on at once
    history.append({"role": "user", "content": "and now?"})
    assert runtime.drain(10)
    (body,) = llm.bodies()
    assert [m["content"] for m in body["messages"]] == ["Classify the ticket.", "wifi"]


def test_sampled_llm_answers_are_scrubbed_in_the_log(tmp_path, servers):
    slm, llm = servers
    log = tmp_path / "router.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"sample": {"rate": 1.0}}), log=log)
    client = _client(llm)
    text = "alice@example.com wants a refund"
    runtime.call(SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages(text))
    assert runtime.drain(10)
    raw = log.read_text(encoding="utf-8")
    assert "alice@example.com" not in raw
    (record,) = _log(log)
    assert record["sampled"] and "refund for" in record["llm_output"] and record["agree"] is False


def test_async_calls_are_sampled_on_the_agents_own_loop(tmp_path, servers):
    slm, llm = servers
    log = tmp_path / "router.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"sample": {"rate": 0.5}}), log=log)

    async def main() -> list[str]:
        client = _client(llm, "AsyncOpenAI")
        out = []
        for text in ("wifi", "wifi", "invoice", "invoice"):
            resp = await runtime.acall(
                SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages(text)
            )
            out.append(resp.choices[0].message.content)
        router = runtime.active_router()
        await asyncio.gather(*list(router._sample_tasks))
        return out

    assert asyncio.run(main()) == ["tech", "tech", "billing", "billing"]
    # one call of each input sampled; the background samples race each other, so their order is not the calls' order
    assert sorted(b["messages"][-1]["content"] for b in llm.bodies()) == ["invoice", "wifi"]
    assert runtime.stats()["sample"] == {"runs": 2, "agree": 1, "disagree": 1}
    assert sum(1 for r in _log(log) if r.get("sampled")) == 2


def test_per_site_rate_and_the_operators_override(tmp_path, servers, monkeypatch):
    slm, llm = servers
    path = write_manifest(tmp_path, slm.url, defaults={"sample": {"rate": 0.0}}, sample_rate=1.0)
    runtime.configure(path)
    client = _client(llm)
    runtime.call(SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages("wifi"))
    assert runtime.drain(10) and len(llm.bodies()) == 1  # the site's own rate
    monkeypatch.setenv("SLMC_SAMPLE_RATE", "0")
    runtime.configure(path)  # the person running the agent turns sampling off for every site
    runtime.call(SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages("wifi"))
    assert runtime.drain(10) and len(llm.bodies()) == 1
    monkeypatch.setenv("SLMC_SAMPLE_RATE", "lots")
    with pytest.raises(SlmcError, match="SLMC_SAMPLE_RATE"):
        runtime.configure(path)


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ({"rate": 1.5}, "between 0 and 1"),
        ({"rate": 0.1, "budget_usd_per_day": 3}, "price"),
        ({"rate": "often"}, "must be a number"),
        ({"rate": 0.1, "usd_per_1m_input": -1}, ">= 0"),
    ],
)
def test_a_bad_sampling_policy_is_a_clear_error(tmp_path, sample, message):
    with pytest.raises(SlmcError, match=message):
        load_manifest(write_manifest(tmp_path, "http://127.0.0.1:9", defaults={"sample": sample}))


def test_policy_cost_counts_characters_when_usage_is_not_reported():
    policy = SamplePolicy(1.0, None, 1_000_000.0, 2_000_000.0)  # $1 an input token, $2 an output token
    assert policy.cost(Answer(content="abcdefgh", prompt_tokens=3, completion_tokens=5)) == 3 + 10
    assert policy.cost(Answer(content="abcdefgh"), prompt_chars=40) == 10 + 2 * 2


def test_an_async_sample_cut_off_by_the_end_of_the_loop_frees_its_slot_and_logs_the_call(tmp_path, server_factory):
    slm = server_factory(lambda path, body: Reply(chat_reply("tech")))
    slow_llm = server_factory(lambda path, body: Reply(chat_reply("tech", logprob=None), delay=3.0))
    log = tmp_path / "router.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url, defaults={"sample": {"rate": 1.0}}), log=log)

    async def main() -> str:
        client = _client(slow_llm, "AsyncOpenAI")
        resp = await runtime.acall(
            SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages("wifi")
        )
        await asyncio.sleep(0.2)  # the sample is in flight when the agent's loop ends
        return resp.choices[0].message.content

    assert asyncio.run(main()) == "tech"
    started = time.perf_counter()
    assert runtime.drain(2)  # nothing left pending: shutting down does not wait for a sample that cannot finish
    assert time.perf_counter() - started < 0.5
    assert runtime.stats()["sample"] == {"cancelled": 1}
    (record,) = _log(log)
    assert record["route"] == "slm" and record["sample_skipped"].startswith("cancelled")
