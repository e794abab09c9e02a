"""``slmc traces ingest|stats|show FILES...``: normalise, summarise and look at trace files of any supported format.

slmc traces ingest otel.json langfuse.json --out traces.jsonl   # -> slmc JSONL, counts per format, problems
slmc traces stats traces.jsonl [--json]                         # calls per site / workload / model, tokens, errors
slmc traces show traces.jsonl --site 'llm:classify@agent.py:12' --limit 5
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from slmc.compiler.diagnostics import Severity, SlmcError
from slmc.traces.ingest import FORMATS, IngestReport, expand_paths, iter_traces
from slmc.traces.record import TraceRecord


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="+", type=Path, help="trace files or folders (format auto-detected)")
    common.add_argument("--format", choices=FORMATS, default=None, help="read every record with this reader")

    ingest = sub.add_parser("ingest", parents=[common], help="normalise trace files into slmc JSONL")
    ingest.add_argument("--out", "-o", type=Path, required=True, help="slmc JSONL file to write")
    ingest.add_argument("--append", action="store_true", help="append to --out instead of replacing it")

    stats = sub.add_parser("stats", parents=[common], help="calls per site, workload and model; tokens; errors")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--top", type=int, default=20, help="rows per table (default 20)")

    show = sub.add_parser("show", parents=[common], help="print records")
    show.add_argument("--site", default=None, help="only records of this call-site id (or workload)")
    show.add_argument("--limit", "-n", type=int, default=10, help="at most N records (default 10; 0 = all)")
    show.add_argument("--json", action="store_true", help="print slmc JSONL")


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.files if not p.exists()]
    if missing:
        raise SlmcError(f"trace file not found: {missing[0]}", path=str(missing[0]), hint="check the path")
    if not expand_paths(args.files):
        raise SlmcError("no trace files found in the given folders", hint="trace files end in .jsonl, .json or .gz")
    return {"ingest": _ingest, "stats": _stats, "show": _show}[args.action](args)


def _records(args: argparse.Namespace, report: IngestReport) -> Iterator[TraceRecord]:
    from tqdm import tqdm

    stream = iter_traces(args.files, report, format=args.format)
    yield from tqdm(stream, desc="reading traces", unit=" rec", file=sys.stderr, disable=None, leave=False)


def _print_problems(report: IngestReport) -> None:
    for diag in report.diagnostics:
        print(diag.concise(), file=sys.stderr)


def _ingest(args: argparse.Namespace) -> int:
    from slmc.traces.store import TraceStore

    out: Path = args.out
    inputs = {p.resolve() for p in expand_paths(args.files)}
    if out.resolve() in inputs:
        raise SlmcError(f"--out {out} is also an input", hint="write to a new file")
    if out.exists() and not args.append:
        out.unlink()
    report = IngestReport()
    with TraceStore(out) as store:
        written = store.append_many(_records(args, report))
    _print_problems(report)
    for fmt, count in report.records.most_common():
        print(f"{count:8d}  {fmt}")
    for reason, count in report.skipped.most_common():
        print(f"{count:8d}  skipped: {reason}")
    if report.malformed or report.invalid:
        print(f"{report.malformed:8d}  malformed lines\n{report.invalid:8d}  records of unknown or invalid shape")
    print(f"wrote {written} records to {out}")
    if any(d.code == "E107" and d.severity is Severity.ERROR for d in report.diagnostics):
        return 1  # a file gave nothing because message content was off: the E107 line names the setting
    return 0 if written or not report.diagnostics else 1


def summarise(records: Iterator[TraceRecord]) -> dict[str, Any]:
    """Counts per site, workload, model and source; tokens; errors; latency percentiles."""
    sites: Counter[str] = Counter()
    workloads: Counter[str] = Counter()
    models: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    total = tokens_in = tokens_out = 0
    for rec in records:
        total += 1
        sites[rec.site_id or "-"] += 1
        workloads[rec.workload or "-"] += 1
        models[rec.model or "-"] += 1
        sources[rec.source or "-"] += 1
        tokens_in += rec.input_tokens or 0
        tokens_out += rec.output_tokens or 0
        if rec.error:
            errors[rec.error.split(":", 1)[0]] += 1
        if rec.latency_ms is not None:
            latencies.append(rec.latency_ms)
    latencies.sort()

    def pct(q: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None

    return {
        "records": total,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "errors": sum(errors.values()),
        "error_types": dict(errors.most_common()),
        "latency_ms": {"p50": pct(0.5), "p95": pct(0.95)},
        "sites": dict(sites.most_common()),
        "workloads": dict(workloads.most_common()),
        "models": dict(models.most_common()),
        "sources": dict(sources.most_common()),
    }


def _stats(args: argparse.Namespace) -> int:
    report = IngestReport()
    summary = summarise(_records(args, report))
    summary["skipped"] = dict(report.skipped)
    summary["malformed"] = report.malformed
    summary["invalid"] = report.invalid
    if args.json:
        summary["problems"] = [d.concise() for d in report.diagnostics]
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    _print_problems(report)
    lat = summary["latency_ms"]
    print(
        f"{summary['records']} calls, {summary['input_tokens']} input / {summary['output_tokens']} output tokens, "
        f"{summary['errors']} errors, latency p50 {lat['p50']} ms p95 {lat['p95']} ms"
    )
    for title in ("sites", "workloads", "models", "sources"):
        table = summary[title]
        if set(table) == {"-"}:
            continue
        print(f"\n{title}:")
        for name, count in list(table.items())[: args.top]:
            print(f"  {count:8d}  {name}")
        if len(table) > args.top:
            print(f"  ... and {len(table) - args.top} more")
    if summary["skipped"]:
        print("\nskipped: " + ", ".join(f"{k} {v}" for k, v in summary["skipped"].items()))
    return 0


def _show(args: argparse.Namespace) -> int:
    report = IngestReport()
    shown = 0
    for rec in iter_traces(args.files, report, format=args.format):
        if args.site and args.site not in (rec.site_id, rec.workload):
            continue
        if args.json:
            print(rec.to_json())
        else:
            _print_record(rec)
        shown += 1
        if args.limit and shown >= args.limit:
            break
    _print_problems(report)
    if not shown:
        print("no matching records", file=sys.stderr)
    return 0


def _clip(text: str, width: int = 300) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_record(rec: TraceRecord) -> None:
    head = [rec.id, rec.site_id or rec.workload or "-", rec.model or "-"]
    if rec.latency_ms is not None:
        head.append(f"{rec.latency_ms:.0f} ms")
    if rec.input_tokens is not None or rec.output_tokens is not None:
        head.append(f"{rec.input_tokens or 0}+{rec.output_tokens or 0} tok")
    print("── " + "  ".join(head))
    for message in rec.messages:
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        if message.get("tool_calls"):
            text = f"{text or ''} tool_calls={json.dumps(message['tool_calls'], ensure_ascii=False)}"
        print(f"  {message.get('role', '?'):>9}: {_clip(text or '')}")
    if rec.error:
        print(f"  {'error':>9}: {_clip(rec.error)}")
    else:
        print(f"  {'→':>9}: {_clip(rec.answer_text())}" + (f"  [{rec.finish_reason}]" if rec.finish_reason else ""))
