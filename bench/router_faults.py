"""The router under faults: no call lost, no wrong answer, no call past its deadline.

Each run makes ``--calls`` routed calls (default 1,000) at concurrency ``--concurrency`` (default 50), once from a
thread pool (``slmc.runtime.call``) and once from asyncio tasks (``slmc.runtime.acall``), against:

* ``faults 30%``: a fake SLM server (``tests/runtime/servers.py``) on 127.0.0.1, in its own process, where 30 % of
  the requests (5 % each) get a 500, a hang (no answer for 3 s), a dripped reply (status line, headers and body in
  ~12 pieces 0.25 s apart, ~3 s in all), garbage that is not HTTP, a body that is not JSON, or a label outside the
  site's set; the others get the right label at once;
* ``server down``: a port on 127.0.0.1 where nothing listens.

The fallback (the agent's LLM) answers ``llm-<n>`` at once. Printed per run: lost calls (an exception or no result),
wrong answers (anything but the request's own label or its fallback, or a faulty reply served), fallbacks by cause,
p50/p99/max call time and deadline overruns: calls that took longer than ``timeout_s`` + 50 ms.
Target: 0 lost, 0 wrong, 0 overruns. The circuit breaker is off, so that every fault reaches the transport.

    .venv/bin/python bench/router_faults.py [--calls 1000] [--concurrency 50] [--timeout 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import slmc.runtime as runtime  # noqa: E402
from tests.runtime.servers import LABELS, SITE, LocalServer, Reply, chat_reply, write_manifest  # noqa: E402

OVERRUN_S = 0.050
FAULTS = ("http-5xx", "hang", "drip", "garbage", "invalid-json", "off-label")  # n % 20 < 6: 30 %
CAUSES = {  # the fallback reason each fault must give
    "http-5xx": "http-5xx",
    "hang": "timeout",
    "drip": "timeout",
    "garbage": "connection",
    "invalid-json": "invalid-json",
    "off-label": "contract",
}


def fault(n: int) -> str | None:
    return FAULTS[n % 20] if n % 20 < len(FAULTS) else None


def respond(path: str, body: Any) -> Reply:
    n = int(body["messages"][-1]["content"].split("-")[1])
    kind = fault(n)
    if kind == "http-5xx":
        return Reply({"error": "overloaded"}, status=500)
    if kind == "hang":
        return Reply(chat_reply(LABELS[n % 3]), delay=3.0)
    if kind == "drip":
        return Reply(chat_reply(LABELS[n % 3]), drip=0.25)
    if kind == "garbage":
        return Reply(raw=b"\x00\xff\xfe not http at all \r\n\r\n")
    if kind == "invalid-json":
        return Reply(b'{"choices": [')
    if kind == "off-label":
        return Reply(chat_reply("refund"))
    return Reply(chat_reply(LABELS[n % 3]))


def serve() -> None:
    """The fake SLM server, in its own process (its threads must not take the router's GIL): prints its URL, serves
    until stdin closes."""
    server = LocalServer(respond)
    print(server.url, flush=True)
    sys.stdin.read()
    server.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def llm_answer(kwargs: dict[str, Any]) -> dict[str, Any]:
    n = kwargs["messages"][-1]["content"].split("-")[1]
    return chat_reply(f"llm-{n}", logprob=None)


def llm(**kwargs: Any) -> dict[str, Any]:
    return llm_answer(kwargs)


async def allm(**kwargs: Any) -> dict[str, Any]:
    return llm_answer(kwargs)


def request(n: int) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": f"req-{n}"}]}


def run_threads(calls: int, concurrency: int) -> list[tuple[Any, float]]:
    def one(n: int) -> tuple[Any, float]:
        t0 = time.perf_counter()
        try:
            result = runtime.call(SITE, "openai.chat", llm, **request(n))
        except Exception as exc:
            result = exc
        return result, time.perf_counter() - t0

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(calls)))


def run_async(calls: int, concurrency: int) -> list[tuple[Any, float]]:
    async def main() -> list[tuple[Any, float]]:
        slots = asyncio.Semaphore(concurrency)

        async def one(n: int) -> tuple[Any, float]:
            async with slots:
                t0 = time.perf_counter()
                try:
                    result = await runtime.acall(SITE, "openai.chat", allm, **request(n))
                except Exception as exc:
                    result = exc
                return result, time.perf_counter() - t0

        return list(await asyncio.gather(*(one(n) for n in range(calls))))

    return asyncio.run(main())


def content(result: Any) -> str | None:
    try:
        if isinstance(result, dict):
            return result["choices"][0]["message"]["content"]
        return result.choices[0].message.content
    except Exception:
        return None


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def measure(name: str, url: str, mode: str, args: argparse.Namespace, folder: Path, faulty: bool) -> dict[str, Any]:
    manifest = write_manifest(folder, url, timeout_s=args.timeout, defaults={"breaker": {"failures": 0}})
    runtime.configure(manifest, log=folder / f"{name}-{mode}.jsonl".replace(" ", "_").replace("%", ""), warm=True)
    t0 = time.perf_counter()
    results = (run_threads if mode == "threads" else run_async)(args.calls, args.concurrency)
    wall = time.perf_counter() - t0
    stats = runtime.stats()
    router = runtime.active_router()
    assert router is not None
    router.close()
    log = [json.loads(line) for line in router.log.path.read_text(encoding="utf-8").splitlines()]  # type: ignore[union-attr]
    runtime.reset()

    lost = wrong = slm = misattributed = 0
    for n, (result, _) in enumerate(results):
        text = content(result)
        if isinstance(result, Exception) or text is None:
            lost += 1
        elif text == f"llm-{n}":
            continue
        elif text == LABELS[n % 3] and not (faulty and fault(n)):
            slm += 1
        else:
            wrong += 1
    for record in log:  # a faulty reply falls back for its own cause (or timeout, when the machine is slow)
        meta = record["meta"]["router"]
        n = int(record["messages"][-1]["content"].split("-")[1])
        kind = fault(n) if faulty else None
        if kind and meta["served_by"] == "llm" and meta["reason"] not in (CAUSES[kind], "timeout"):
            misattributed += 1
    times = [elapsed for _, elapsed in results]
    return {
        "run": f"{name} / {mode}",
        "calls": len(results),
        "lost": lost + (args.calls - len(results)),
        "wrong": wrong,
        "slm": slm,
        "fallbacks": dict(sorted(stats["fallbacks"].items())),
        "misattributed": misattributed,
        "p50_ms": pct(times, 0.50) * 1000,
        "p99_ms": pct(times, 0.99) * 1000,
        "max_ms": max(times) * 1000,
        "overruns": sum(t > args.timeout + OVERRUN_S for t in times),
        "wall_s": wall,
        "logged": len(log),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=1.0, help="the site's timeout_s")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        down = f"http://127.0.0.1:{free_port()}"
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for name, target, faulty in (("faults 30%", url, True), ("server down", down, False)):
                for mode in ("threads", "asyncio"):
                    rows.append(measure(name, target, mode, args, Path(tmp), faulty))
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(10)

    print(
        f"router under faults: {args.calls} calls per run at concurrency {args.concurrency}, timeout_s "
        f"{args.timeout}, fake SLM server on 127.0.0.1 in its own process, circuit breaker off"
    )
    print(
        f"{'run':24} {'lost':>4} {'wrong':>5} {'slm':>4} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'overruns':>8} {'wall s':>6}  fallbacks by cause"
    )
    for r in rows:
        causes = ", ".join(f"{k} {v}" for k, v in r["fallbacks"].items())
        print(
            f"{r['run']:24} {r['lost']:4d} {r['wrong']:5d} {r['slm']:4d} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
            f"{r['max_ms']:7.1f} {r['overruns']:8d} {r['wall_s']:6.2f}  {causes}"
        )
    lost = sum(r["lost"] for r in rows)
    wrong = sum(r["wrong"] for r in rows)
    overruns = sum(r["overruns"] for r in rows)
    misattributed = sum(r["misattributed"] for r in rows)
    unlogged = sum(r["calls"] - r["logged"] for r in rows)
    print(
        f"\ntotal: {sum(r['calls'] for r in rows)} calls, {lost} lost, {wrong} wrong answers, {overruns} overruns past "
        f"timeout_s + {OVERRUN_S * 1000:.0f} ms, {misattributed} faults falling back for another cause, "
        f"{unlogged} calls missing from the router log"
    )
    met = lost == 0 and wrong == 0 and overruns == 0
    print(f"target 0 lost, 0 wrong, 0 overruns: {'MET' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
