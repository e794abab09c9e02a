"""Deadlines that hold: ``timeout_s`` bounds the whole SLM attempt on the sync, async and in-process paths, and an
answer that arrives after it is not used."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.runtime import Answer, InMemoryBackend

from .servers import LABELS, SITE, Reply, chat_reply, messages, write_manifest

TIMEOUT_S = 1.0
SLACK_S = 0.1  # what a call may take past the deadline: the fallback itself and scheduling on a busy machine


def _respond(path: str, body: Any) -> Reply:
    """``drip-N``: the reply (status line, headers, body) in ~12 pieces 0.25 s apart, ~3 s in all; else at once."""
    text = body["messages"][-1]["content"]
    return Reply(chat_reply("billing"), drip=0.25 if text.startswith("drip") else 0.0)


def _llm(**kwargs: Any) -> dict[str, Any]:
    return chat_reply("from the LLM", logprob=None)


async def _allm(**kwargs: Any) -> dict[str, Any]:
    return chat_reply("from the LLM", logprob=None)


def _content(resp: Any) -> str:
    return resp["choices"][0]["message"]["content"] if isinstance(resp, dict) else resp.choices[0].message.content


def test_sync_call_to_a_dripping_server_falls_back_at_the_deadline(tmp_path, server_factory):
    slm = server_factory(_respond)
    runtime.configure(write_manifest(tmp_path, slm.url, timeout_s=TIMEOUT_S))
    t0 = time.perf_counter()
    resp = runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("drip-1"))
    elapsed = time.perf_counter() - t0
    # before: each byte arrived within the per-read timeout, so the call took the whole ~3 s and used the SLM answer
    assert _content(resp) == "from the LLM"
    assert elapsed < TIMEOUT_S + SLACK_S, elapsed
    assert runtime.stats()["fallbacks"] == {"timeout": 1}
    # the dripping connection was dropped: the next call on the same thread gets a clean answer
    assert _content(runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("fast"))) == "billing"


def test_async_calls_to_a_dripping_server_fall_back_at_the_deadline(tmp_path, server_factory):
    slm = server_factory(_respond)
    runtime.configure(write_manifest(tmp_path, slm.url, timeout_s=TIMEOUT_S, defaults={"breaker": {"failures": 0}}))

    async def one(n: int) -> tuple[str, float]:
        t0 = time.perf_counter()
        resp = await runtime.acall(SITE, "openai.chat", _allm, model="m", messages=messages(f"drip-{n}"))
        return _content(resp), time.perf_counter() - t0

    async def main() -> list[tuple[str, float]]:
        return list(await asyncio.gather(*(one(n) for n in range(8))))

    results = asyncio.run(main())
    assert [content for content, _ in results] == ["from the LLM"] * 8
    assert max(elapsed for _, elapsed in results) < TIMEOUT_S + SLACK_S, results
    assert runtime.stats()["fallbacks"] == {"timeout": 8}


@pytest.fixture
def slow_backend() -> Iterator[None]:
    def answer(req: Any, site: Any) -> Answer:
        time.sleep(0.5)
        return Answer(content="billing")

    runtime.register_backend("slow-memory", lambda endpoint: InMemoryBackend(endpoint, answer))
    yield
    runtime.unregister_backend("slow-memory")


def test_an_in_process_answer_after_the_deadline_is_not_used(tmp_path, slow_backend):
    runtime.configure(write_manifest(tmp_path, None, target="slow-memory", timeout_s=0.2))
    # before: the answer, 0.3 s past the deadline, was served
    assert _content(runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("a"))) == "from the LLM"
    assert runtime.stats()["fallbacks"] == {"timeout": 1}


class StuckBackend(runtime.Backend):
    """A custom backend that ignores its deadline (not ``inline``)."""

    def complete(self, req: Any, site: Any, timeout: float) -> Answer:
        time.sleep(3.0)
        return Answer(content="billing")


def test_a_custom_backend_that_blocks_is_left_behind_at_the_deadline(tmp_path):
    runtime.register_backend("stuck", StuckBackend)
    try:
        runtime.configure(write_manifest(tmp_path, None, target="stuck", timeout_s=0.3))
        t0 = time.perf_counter()
        resp = runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("a"))
        elapsed = time.perf_counter() - t0
    finally:
        runtime.unregister_backend("stuck")
    # before: the call waited the backend's 3 s out and served its answer
    assert _content(resp) == "from the LLM" and elapsed < 0.3 + SLACK_S, elapsed
    assert runtime.stats()["fallbacks"] == {"timeout": 1}


def test_async_at_concurrency_50_against_an_instant_server_has_no_timeouts(
    tmp_path, server_factory, async_openai_client
):
    # the agent's own SDK client as the fallback, as in a compiled agent (its types are imported already)
    slm = server_factory(lambda path, body: Reply(chat_reply(LABELS[len(body["messages"][-1]["content"]) % 3])))
    # 2 s, not 1: this machine may be shared; the calls take 40-100 ms (p99 < 0.4 s) when it is not
    runtime.configure(write_manifest(tmp_path, slm.url, timeout_s=2.0))
    create = async_openai_client.chat.completions.create

    async def main() -> list[Any]:
        slots = asyncio.Semaphore(50)

        async def one(n: int) -> Any:
            async with slots:
                return await runtime.acall(SITE, "openai.chat", create, model="m", messages=messages(f"r-{n}"))

        return list(await asyncio.gather(*(one(n) for n in range(1000))))

    results = asyncio.run(main())
    # before (httpx's async pool): 5-8 % of these calls timed out
    stats = runtime.stats()
    assert stats["fallbacks"] == {}, stats
    assert [_content(r) for r in results] == [LABELS[len(f"r-{n}") % 3] for n in range(1000)]
