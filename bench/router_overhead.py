"""Microseconds the router adds per routed call, without network.

The SLM endpoint is an ``InMemoryBackend`` registered through ``slmc.runtime.register_backend`` (no monkeypatching),
answering a fixed label at once. Measured per call, p50/p95 over many calls:

* ``direct``: calling the original function (it returns a ready ``ChatCompletion``-shaped dict);
* ``passthrough``: ``slmc.runtime.call`` with no manifest (every call goes to the function);
* ``routed``: ``slmc.runtime.call`` on an offloaded site: resolve, build the SLM request, backend, label contract,
  build the ``openai`` ``ChatCompletion``, counters — and the same with the JSONL trace log on and in ``acall``.

Overhead = routed p50 − direct p50. Target: ≤ 50 µs p50.

    .venv/bin/python bench/router_overhead.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import slmc.runtime as runtime
from slmc.runtime import Answer, InMemoryBackend

SITE = "llm:classify@agent.py:42"
MESSAGES = [{"role": "system", "content": "Classify the ticket."}, {"role": "user", "content": "refund please"}]
LLM_BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "gpt-4o",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "billing"}, "finish_reason": "stop"}],
}


def llm(**kwargs: Any) -> dict[str, Any]:
    return LLM_BODY


async def allm(**kwargs: Any) -> dict[str, Any]:
    return LLM_BODY


def write_manifest(folder: Path) -> Path:
    manifest = {
        "version": 1,
        "agent": {"name": "bench", "source": "agent.py"},
        "defaults": {"timeout_s": 5, "mode": "serve"},
        "endpoints": {"mem": {"target": "memory", "base_model": "none"}},
        "sites": {
            SITE: {
                "decision": "offload",
                "task": "task:intent",
                "api": "openai.chat",
                "endpoint": "mem",
                "adapter": {"name": "intent", "path": "adapters/intent", "int_id": 1},
                "contract": {"kind": "label", "labels": ["billing", "tech", "other"]},
                "threshold": -0.5,
                "max_tokens": 8,
            }
        },
    }
    path = folder / "slmc-manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def timed(fn: Any, calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


async def atimed(fn: Any, calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        await fn()
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    answer = Answer(content="Billing", confidence=-0.05, prompt_tokens=12, completion_tokens=1, model="intent")
    runtime.register_backend("memory", lambda endpoint: InMemoryBackend(endpoint, lambda req, site: answer))

    rows: list[tuple[str, list[float]]] = []
    warm = min(2000, args.calls)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_manifest(Path(tmp))

        def direct() -> Any:
            return llm(model="gpt-4o", messages=MESSAGES, temperature=0)

        def routed() -> Any:
            return runtime.call(SITE, "openai.chat", llm, model="gpt-4o", messages=MESSAGES, temperature=0)

        async def arouted() -> Any:
            return await runtime.acall(SITE, "openai.chat", allm, model="gpt-4o", messages=MESSAGES, temperature=0)

        async def adirect() -> Any:
            return await allm(model="gpt-4o", messages=MESSAGES, temperature=0)

        timed(direct, warm)
        rows.append(("direct call", timed(direct, args.calls)))
        runtime.configure(None)
        timed(routed, warm)
        rows.append(("call(), no manifest", timed(routed, args.calls)))
        runtime.configure(path)
        resp = routed()
        assert resp.choices[0].message.content == "billing", resp
        assert type(resp).__module__.startswith("openai"), type(resp)
        timed(routed, warm)
        rows.append(("call(), routed to SLM", timed(routed, args.calls)))
        runtime.configure(path, log=Path(tmp) / "router.jsonl")
        timed(routed, warm)
        rows.append(("call(), routed + JSONL log", timed(routed, args.calls)))
        runtime.configure(path)

        async def run_async() -> tuple[list[float], list[float]]:
            await atimed(adirect, warm)
            base = await atimed(adirect, args.calls)
            await atimed(arouted, warm)
            return base, await atimed(arouted, args.calls)

        abase, arouted_times = asyncio.run(run_async())
        rows.append(("await direct", abase))
        rows.append(("acall(), routed to SLM", arouted_times))
        stats = runtime.stats()
        runtime.reset()

    direct_p50 = pct(rows[0][1], 0.5)
    print(f"router overhead, {args.calls} calls each, in-memory SLM backend (no network)")
    print(f"{'path':32} {'p50 us':>8} {'p95 us':>8} {'mean us':>8} {'+p50 vs direct':>15}")
    for name, values in rows:
        base = pct(abase, 0.5) if name.startswith("acall") else direct_p50
        extra = pct(values, 0.5) - base
        print(
            f"{name:32} {pct(values, 0.5):8.1f} {pct(values, 0.95):8.1f} {statistics.fmean(values):8.1f} {extra:15.1f}"
        )
    overhead = pct(rows[2][1], 0.5) - direct_p50
    print(f"\nadded per routed call (p50): {overhead:.1f} us  target <= 50 us: {'MET' if overhead <= 50 else 'MISSED'}")
    print(
        f"router counters: calls={stats['calls']} served_by_slm={stats['served_by_slm']} fallbacks={stats['fallbacks']}"
    )


if __name__ == "__main__":
    main()
