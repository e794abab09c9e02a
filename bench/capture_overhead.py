"""Capture overhead per LLM call: the same OpenAI SDK call with and without ``slmc.trace``, on an in-process
transport (``httpx.MockTransport``) so only the SDK and capture are timed. Target: < 1 ms per call.

    .venv/bin/python bench/capture_overhead.py [--calls 2000] [--stream]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import slmc
from slmc.traces.capture import _Roots, caller_site

BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1730455200,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "billing"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 58, "completion_tokens": 2, "total_tokens": 60},
}
CHUNKS = (
    "".join(
        f"data: {json.dumps({'id': 'c', 'object': 'chat.completion.chunk', 'created': 1, 'model': 'm', 'choices': [{'index': 0, 'delta': {'content': w}, 'finish_reason': None}]})}\n\n"
        for w in ["bil", "ling"]
    )
    + "data: [DONE]\n\n"
)
MESSAGES = [
    {"role": "system", "content": "You route support tickets to one of: billing, tech, account, other. " * 5},
    {"role": "user", "content": "I was charged twice for my subscription this month, please refund one."},
]


def handler(request: httpx.Request) -> httpx.Response:
    if json.loads(request.content).get("stream"):
        return httpx.Response(200, text=CHUNKS, headers={"content-type": "text/event-stream"})
    return httpx.Response(200, json=BODY)


def agent_call(client: openai.OpenAI, stream: bool) -> None:
    if stream:
        for _ in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0, stream=True):
            pass
    else:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0)


def per_call_us(client: openai.OpenAI, calls: int, stream: bool) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        agent_call(client, stream)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    client = openai.OpenAI(
        api_key="x",
        base_url="http://bench.invalid/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    root = Path(__file__).resolve().parent
    per_call_us(client, 200, args.stream)  # warm up
    plain, traced = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "traces.jsonl"
        for _ in range(args.rounds):  # interleave rounds so machine load affects both alike
            plain.append(per_call_us(client, args.calls, args.stream))
            with slmc.trace(out, root=root) as t:
                traced.append(per_call_us(client, args.calls, args.stream))
        with open(out, encoding="utf-8") as fh:
            lines = sum(1 for _ in fh)
        assert lines == args.rounds * args.calls and t.count == args.calls
    p, q = statistics.median(plain), statistics.median(traced)
    roots = _Roots(root)
    frame = sys._getframe()
    n = 20000
    start = time.perf_counter()
    for _ in range(n):
        caller_site(frame, roots)
    site_us = (time.perf_counter() - start) / n * 1e6
    kind = "streamed" if args.stream else "plain"
    print(f"{kind} chat.completions.create, {args.calls} calls x {args.rounds} rounds (median):")
    print(f"  untraced  {p:8.1f} µs/call")
    print(f"  traced    {q:8.1f} µs/call")
    print(f"  overhead  {q - p:8.1f} µs/call  (target < 1000)")
    print(f"  call-site lookup alone {site_us:.1f} µs/call")


if __name__ == "__main__":
    main()
