"""Trace ingest + link + scrub throughput, and ingest memory against file size.

Generates a realistic trace file (slmc JSONL or OpenAI request/response JSONL) of an agent with six call sites: static
system prompts of 300-900 characters, user messages of 80-500 characters (about one in five carries PII: e-mails,
phones, cards, IBANs, names), answers that are labels, JSON objects, tool calls or short replies, stacks from capture
for most records (the rest link by prompt text). Then times, on this machine:

* ingest: ``slmc.traces.ingest.read_traces`` (auto-detected format, streaming), feeding each record's texts to the
          ``scrub-pii`` pass's ``DetectionPrefetch`` (PII detection in ``--workers`` - 1 processes meanwhile), as
          ``slmc compile`` does
* link:   the ``link-traces`` pass against a hand-built graph of the six sites
* scrub:  the ``scrub-pii`` pass (takes the prefetched spans, then replaces values in this process)

and prints records/s per stage and overall (target >= 20,000 records/s), plus the peak memory of a streaming ingest
pass (tracemalloc, in a fresh process) for the small and the large file: flat in file size.

    .venv/bin/python bench/ingest_speed.py [--records 100000] [--small 10000] [--format slmc|openai] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slmc.compiler.passmanager import PassContext  # noqa: E402
from slmc.ir import AgentGraph, LLMCall, Loc, Message, Prompt, PromptPart, SiteKind  # noqa: E402
from slmc.ir.nodes import EdgeKind  # noqa: E402
from slmc.passes.link_traces import LinkTraces  # noqa: E402
from slmc.passes.scrub_pii import ScrubPII  # noqa: E402
from slmc.traces.record import TraceRecord  # noqa: E402

RULES = (
    " Follow the company policy strictly. Never invent order numbers, tracking codes or amounts; if a value is not in"
    " the message, use null. Keep the customer's wording for product names. Do not add explanations."
)
SITES = {
    "llm:classify@agent.py:40": ("classify", "You are a support triage assistant for an online electronics shop. Classify "
                                 "the customer message into exactly one of: refund, shipping, technical, account, billing, "
                                 "other. Answer with the label only." + RULES),
    "llm:extract_fields@agent.py:62": ("extract_fields", "Extract fields from the customer message. Return a JSON object "
                                       'with keys "order_id" (string like "AB-12345" or null), "product" (string or null), '
                                       '"urgency" (one of "low", "medium", "high") and "contact" (string or null).' + RULES * 2),
    "llm:route@agent.py:88": ("route", "Route the ticket to a work queue with the route_ticket tool. Queues: payments, "
                              "logistics, it, accounts. Priority 1 is the most urgent." + RULES),
    "llm:sentiment@agent.py:110": ("sentiment", "Rate the sentiment of the customer message as positive, neutral or "
                                   "negative. Answer with one word." + RULES),
    "llm:summarize@agent.py:131": ("summarize", "Summarise the customer's problem in one sentence for the on-call "
                                   "engineer. Mention the product and what the customer expects us to do." + RULES * 3),
    "llm:draft_reply@agent.py:150": ("draft_reply", "Write a short, friendly reply to the customer. Apologise when we "
                                     "made a mistake, explain the next step, and sign as the ACME support team." + RULES * 2),
}  # fmt: skip
PRODUCTS = [
    "wireless headphones",
    "USB-C charger",
    "4K monitor",
    "mechanical keyboard",
    "router",
    "smart watch",
    "laptop",
]
PROBLEMS = [
    "my {p} arrived broken and I would like a refund",
    "the {p} I ordered on {d} still has not arrived, the tracking page shows no update for a week",
    "I was charged twice for the {p}, please check the invoice {o}",
    "after the latest firmware update the {p} keeps disconnecting every few minutes",
    "I cannot log into my account since I changed my password yesterday",
    "can you tell me when the {p} will be back in stock? I need it before {d}",
    "the {p} works but the box was damaged and the manual is missing",
]
PII = [
    "You can reach me at {first}.{last}@example.com.",
    "Call me back on +1 415 555 {n4} please.",
    "My card ending 4111 1111 1111 1111 was charged.",
    "Refund to DE89 3704 0044 0532 0130 00.",
    "Regards,\n{First} {Last}",
]
FIRST = ["anna", "li", "jose", "olga", "priya", "tom", "zoe", "kwame"]
LAST = ["smith", "garcia", "chen", "kowalski", "okafor", "dubois"]


def build_graph() -> AgentGraph:
    graph = AgentGraph()
    for sid, (fn, system) in SITES.items():
        line = int(sid.rsplit(":", 1)[1])
        graph.add(LLMCall(sid, site=SiteKind.REQUEST, loc=Loc("agent.py", line, 12, line + 8, 5), function=fn))
        prompt = Prompt(
            "prompt:" + sid[4:],
            messages=(Message("system", (PromptPart(system),)), Message("user", (PromptPart("ticket", hole=True),))),
        )
        graph.add(prompt)
        graph.add_edge(prompt.id, sid, EdgeKind.PROMPT)
    return graph


def make_record(i: int, rng: random.Random) -> TraceRecord:
    sid = rng.choice(list(SITES))
    fn, system = SITES[sid]
    product = rng.choice(PRODUCTS)
    order = f"AB-{rng.randint(10000, 99999)}"
    date = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    text = " ".join(
        rng.choice(PROBLEMS).format(p=product, d=date, o=order).capitalize() + "." for _ in range(rng.randint(1, 3))
    )
    text = f"Order {order}. {text}"
    if rng.random() < 0.2:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        text += " " + rng.choice(PII).format(
            first=first, last=last, First=first.title(), Last=last.title(), n4=f"{rng.randint(0, 9999):04d}"
        )
    rec = TraceRecord(
        id=f"rec-{i}",
        source="slmc",
        provider="openai",
        model="gpt-4o-2024-08-06",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": text}],
        params={"temperature": 0, "max_tokens": 256},
        input_tokens=len(system + text) // 4,
        output_tokens=rng.randint(1, 120),
        latency_ms=rng.uniform(200, 2500),
        timestamp=1_780_000_000 + i,
        finish_reason="stop",
    )
    if fn == "route":
        rec.tools = [{"type": "function", "function": {"name": "route_ticket", "description": "Send the ticket to a queue.",
                      "parameters": {"type": "object", "properties": {"queue": {"type": "string"},
                                                                      "priority": {"type": "integer"}}}}}]  # fmt: skip
        rec.tool_calls = [
            {"name": "route_ticket", "arguments": {"queue": rng.choice(["payments", "it"]), "priority": 2}}
        ]
        rec.finish_reason = "tool_calls"
    elif fn == "extract_fields":
        rec.output = json.dumps({"order_id": order, "product": product, "urgency": "medium", "contact": None})
    elif fn in ("summarize", "draft_reply"):
        rec.output = f"The customer reports a problem with the {product} (order {order}) and expects a fix. " * (
            1 if fn == "summarize" else 3
        )
    else:
        rec.output = rng.choice(["refund", "shipping", "technical", "positive", "negative"])
    if rng.random() < 0.8:  # recorded by slmc capture: site id and the caller's stack
        line = int(sid.rsplit(":", 1)[1])
        rec.site_id = sid
        rec.stack = [{"path": "/srv/app/agent.py", "line": line, "function": fn},
                     {"path": "/srv/app/agent.py", "line": 200, "function": "handle"}]  # fmt: skip
    return rec


def openai_line(rec: TraceRecord) -> str:
    message: dict = {"role": "assistant", "content": rec.output}
    if rec.tool_calls:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": f"call_{i}", "type": "function",
                 "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                for i, c in enumerate(rec.tool_calls)
            ],
        }  # fmt: skip
    request = {"model": rec.model, "messages": rec.messages, **rec.params}
    if rec.tools:
        request["tools"] = rec.tools
    response = {
        "id": rec.id,
        "object": "chat.completion",
        "created": int(rec.timestamp or 0),
        "model": rec.model,
        "choices": [{"index": 0, "finish_reason": rec.finish_reason, "message": message}],
        "usage": {"prompt_tokens": rec.input_tokens, "completion_tokens": rec.output_tokens},
    }
    return json.dumps({"request": request, "response": response})


def write_traces(path: Path, n: int, fmt: str, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            rec = make_record(i, rng)
            if fmt == "slmc":
                fh.write(rec.to_json() + "\n")
            else:
                fh.write(openai_line(rec) + "\n")


def stream_peak(path: str, queue: mp.Queue) -> None:
    """In a fresh process: stream every record of ``path`` without keeping them; report the traced peak."""
    from slmc.traces.ingest import IngestReport, iter_traces

    tracemalloc.start()
    count = sum(1 for _ in iter_traces([path], IngestReport()))
    _, peak = tracemalloc.get_traced_memory()
    queue.put((count, peak))


def measure_stream_peak(path: Path) -> tuple[int, int]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=stream_peak, args=(str(path), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def run_pipeline(path: Path, workers: int) -> dict[str, float]:
    """What ``slmc compile`` does: read the traces while PII detection runs in workers, link, then scrub."""
    from slmc.traces.ingest import read_traces

    times: dict[str, float] = {}
    scrub = ScrubPII(workers=workers)
    start = time.perf_counter()
    prefetch = scrub.prefetch()  # None with --workers 1: detection in this process, in the scrub stage
    records, problems = read_traces([path], each=prefetch.feed if prefetch else None)
    times["ingest"] = time.perf_counter() - start
    if problems:
        print(f"  ingest problems: {len(problems)} (first: {problems[0].concise()})")
    graph = build_graph()
    ctx = PassContext(root=Path("/srv/app"), traces=records, services={"pii-prefetch": prefetch} if prefetch else {})
    start = time.perf_counter()
    graph = LinkTraces().run(ctx, graph)
    times["link"] = time.perf_counter() - start
    start = time.perf_counter()
    scrub.run(ctx, graph)
    times["scrub"] = time.perf_counter() - start
    times["records"] = len(records)
    stats = ctx.artifacts["link_stats"]
    print(
        f"  linked {stats['linked']}/{stats['records']} ({stats['methods']}); scrubbed {ctx.artifacts['scrub_report']['replacements']}"
    )
    return times


def _cores() -> int:
    """Cores this process may run on (``taskset`` limits count), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--format", choices=("slmc", "openai"), default="slmc")
    parser.add_argument("--workers", type=int, default=min(2, _cores()))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="slmc-ingest-bench-") as tmp:
        small, large = Path(tmp, "small.jsonl"), Path(tmp, "large.jsonl")
        start = time.perf_counter()
        write_traces(small, args.small, args.format)
        write_traces(large, args.records, args.format)
        size = large.stat().st_size
        print(f"generated {args.small:,} + {args.records:,} {args.format} records in {time.perf_counter() - start:.1f}s "
              f"({size / args.records:.0f} bytes/record, {size / 2**20:.0f} MiB)")  # fmt: skip
        print(f"cpu cores usable: {_cores()}, scrub workers: {args.workers}")

        for label, path in (("small", small), ("large", large)):
            n, peak = measure_stream_peak(path)
            print(f"streaming ingest peak memory, {label} file ({n:,} records, "
                  f"{path.stat().st_size / 2**20:.0f} MiB): {peak / 2**20:.1f} MiB")  # fmt: skip

        times = run_pipeline(large, args.workers)
        n = times["records"]
        total = times["ingest"] + times["link"] + times["scrub"]
        for stage in ("ingest", "link", "scrub"):
            print(f"{stage:>7}: {times[stage]:6.2f}s  {n / times[stage]:10,.0f} records/s")
        verdict = "meets" if n / total >= 20_000 else "BELOW"
        print(f"  total: {total:6.2f}s  {n / total:10,.0f} records/s  ({verdict} the 20,000 records/s target)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"pipeline process max RSS (all {n:,} records held in memory): {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
