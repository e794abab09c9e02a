"""Router under fault: 1,200 concurrent calls (threads and asyncio) against an SLM server failing 30 % of the time."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import slmc.runtime as runtime
from slmc.runtime import http as runtime_http

from .servers import LABELS, SITE, Reply, chat_reply, write_manifest

N_THREADS = 600
N_ASYNC = 600
FAULTS = {
    0: "http-5xx",
    3: "invalid-json",
    5: "connection",
    7: "timeout",
}  # n % 10 -> fault (n % 10 == 3 or 5 alternate)
TIMEOUT_S = 1.0


def _fault(n: int) -> str | None:
    kind = FAULTS.get(n % 10)
    if kind in ("invalid-json", "connection"):  # together 10 %: alternate the two
        return kind if (n // 10) % 2 == (0 if kind == "invalid-json" else 1) else None
    return kind


def _respond(path: str, body: Any) -> Reply:
    n = int(body["messages"][-1]["content"].split("-")[1])
    fault = _fault(n)
    if fault == "http-5xx":
        return Reply({"error": "overloaded"}, status=500)
    if fault == "invalid-json":
        return Reply(b'{"choices": [')
    if fault == "connection":
        return Reply(reset=True)
    if fault == "timeout":
        return Reply(chat_reply(LABELS[n % 3]), delay=TIMEOUT_S + 1.0)
    return Reply(chat_reply(LABELS[n % 3]))


def _request(n: int) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": f"req-{n}"}]}


def _llm_answer(kwargs: dict[str, Any]) -> dict[str, Any]:
    n = kwargs["messages"][-1]["content"].split("-")[1]
    return chat_reply(f"llm-{n}", logprob=None)


def test_no_call_lost_under_thirty_percent_faults(tmp_path, server_factory):
    faulted = [n for n in range(N_THREADS + N_ASYNC) if _fault(n)]
    assert 0.29 < len(faulted) / (N_THREADS + N_ASYNC) < 0.31
    # the test server is Python, one thread per connection: past ~16 busy connections its threads starve each
    # other (and this process's event loop) of the GIL on a 2-core machine, so the router's pool is kept at 16 here
    runtime_http.set_transport(max_connections=16)
    slm = server_factory(_respond)
    log = tmp_path / "routed.jsonl"
    runtime.configure(
        write_manifest(tmp_path, slm.url, timeout_s=TIMEOUT_S, defaults={"breaker": {"failures": 10_000}}), log=log
    )

    def llm(**kwargs: Any) -> dict[str, Any]:
        return _llm_answer(kwargs)

    async def allm(**kwargs: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return _llm_answer(kwargs)

    def one(n: int) -> Any:
        return runtime.call(SITE, "openai.chat", llm, **_request(n))

    async def many() -> list[Any]:
        # the agent keeps as many calls in flight as the router has connections (as the thread phase keeps 64 threads):
        # 600 fired at once would queue behind the calls the server stalls, and a queued call's deadline counts from
        # the moment it was made, so on a loaded 2-core machine every async call could fall back (CI saw 0 of 420)
        # before one reached the server; tests/runtime/test_deadlines.py covers the deadline itself
        gate = asyncio.Semaphore(16)

        async def bounded(n: int) -> Any:
            async with gate:
                return await runtime.acall(SITE, "openai.chat", allm, **_request(n))

        return list(await asyncio.gather(*(bounded(n) for n in range(N_THREADS, N_THREADS + N_ASYNC))))

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(one, range(N_THREADS)))
    results += asyncio.run(many())

    assert len(results) == N_THREADS + N_ASYNC
    served = Counter()
    for n, resp in enumerate(results):
        content = (
            resp["choices"][0]["message"]["content"] if isinstance(resp, dict) else resp.choices[0].message.content
        )
        phase = "async" if n >= N_THREADS else "threads"
        if content == f"llm-{n}":
            served["llm"] += 1
        else:
            assert content == LABELS[n % 3], (n, content)  # the SLM's answer to this very request, never another's
            assert _fault(n) is None, n  # a faulty reply is never served
            served["slm"] += 1
            served[phase] += 1
    assert served["threads"] > 0 and served["async"] > 0

    stats = runtime.stats()
    assert stats["calls"] == N_THREADS + N_ASYNC
    assert stats["served_by_slm"] == served["slm"] and stats["fallback_total"] == served["llm"]
    assert served["llm"] >= len(faulted)

    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(records) == stats["calls"]
    reasons = Counter()
    for record in records:
        router = record["meta"]["router"]
        if router["served_by"] == "slm":
            continue
        reasons[router["reason"]] += 1
        n = int(record["messages"][-1]["content"].split("-")[1])
        # a burst on a busy machine also queues past the deadline, and a kept-alive connection can drop: those two
        # reasons may hit any request; every other reason must be the fault the server injected
        assert router["reason"] in {_fault(n), "timeout", "connection"}, (n, router)
    assert dict(reasons) == stats["fallbacks"]
    assert {"http-5xx", "invalid-json", "connection", "timeout"} <= set(reasons)
