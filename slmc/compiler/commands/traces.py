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

from slmc.errors import Severity, SlmcError
from slmc.traces.ingest import (
    DEFAULT_MAX_LINE_BYTES,
    ENV_MAX_LINE_BYTES,
    FORMATS,
    IngestReport,
    expand_paths,
    iter_traces,
)
from slmc.traces.record import TraceRecord


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="+", type=Path, help="trace files or folders (format auto-detected)")
    common.add_argument("--format", choices=FORMATS, default=None, help="read every record with this reader")
    common.add_argument(
        "--max-line-bytes",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"skip (and report) lines longer than N bytes (default ${ENV_MAX_LINE_BYTES} or {DEFAULT_MAX_LINE_BYTES})",
    )

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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _line_cap(args: argparse.Namespace) -> int:
    from slmc.traces.ingest._stream import max_line_bytes

    return max_line_bytes(args.max_line_bytes)  # checks SLMC_MAX_LINE_BYTES (SlmcError) before anything is read


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.files if not p.exists()]
    if missing:
        raise SlmcError(f"trace file not found: {missing[0]}", path=str(missing[0]), hint="check the path")
    if not expand_paths(args.files):
        raise SlmcError("no trace files found in the given folders", hint="trace files end in .jsonl, .json or .gz")
    args.max_line_bytes = _line_cap(args)  # a bad SLMC_MAX_LINE_BYTES fails here, before --out is touched
    return {"ingest": _ingest, "stats": _stats, "show": _show}[args.action](args)


def _records(args: argparse.Namespace, report: IngestReport) -> Iterator[TraceRecord]:
    from tqdm import tqdm

    stream = iter_traces(args.files, report, format=args.format, max_line_bytes=args.max_line_bytes)
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
    for rec in records:  # ingest makes fields well-typed; read defensively all the same (records built in code)
        total += 1
        sites[_name(rec.site_id)] += 1
        workloads[_name(rec.workload)] += 1
        models[_name(rec.model)] += 1
        sources[_name(rec.source)] += 1
        tokens_in += _tokens(rec.input_tokens)
        tokens_out += _tokens(rec.output_tokens)
        if rec.error:
            errors[_name(rec.error).split(":", 1)[0]] += 1
        latency = _finite(rec.latency_ms)
        if latency is not None:
            latencies.append(latency)
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


def _name(value: Any) -> str:
    """A table key: the text of a field, ``-`` when empty."""
    if value is None or value == "":
        return "-"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _tokens(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value - value == 0 else None


def _text(value: Any) -> str:
    """Any field as one printable string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _stats(args: argparse.Namespace) -> int:
    report = IngestReport()
    summary = summarise(_records(args, report))
    summary["skipped"] = dict(report.skipped)
    summary["malformed"] = report.malformed
    summary["invalid"] = report.invalid
    if not summary["records"]:
        print(_nothing_readable(args.files, report), file=sys.stderr)
        return 1
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


def _nothing_readable(files: list[Path], report: IngestReport) -> str:
    """One message for files that hold no trace record: empty, or not traces at all (counts, the first problem)."""
    names = ", ".join(str(f) for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    counts = [
        f"{n} {what}"
        for n, what in (
            (report.malformed, "malformed JSON line(s)"),
            (report.invalid, "record(s) of unknown shape"),
            (sum(report.skipped.values()), "record(s) skipped"),
        )
        if n
    ]
    if report.skipped:  # why: the reasons, most frequent first
        why = sorted(report.skipped.items(), key=lambda kv: -kv[1])
        counts[-1] += ": " + ", ".join(reason if len(why) == 1 else f"{reason} {n}" for reason, n in why[:3])
    if not counts and not report.diagnostics:
        what = "is empty" if len(files) == 1 else "are empty"
        text = f"slmc traces stats: error: {names} {what}: no trace records"
    else:
        text = f"slmc traces stats: error: no trace records in {names} ({', '.join(counts) or 'nothing readable'})"
        if report.diagnostics:
            text += f"\n  first problem: {report.diagnostics[0].concise()}"
    if any(d.code == "E107" for d in report.diagnostics[:1]):  # LLM spans, but message content capture was off
        return text + "\n  hint: the file holds LLM spans without prompts or answers: turn on the setting above"
    return text + (
        "\n  hint: is this a trace file? Record one with `slmc trace -- python agent.py`, or name its reader with "
        f"--format ({', '.join(FORMATS)})"
    )


def _show(args: argparse.Namespace) -> int:
    report = IngestReport()
    shown = 0
    for rec in iter_traces(args.files, report, format=args.format, max_line_bytes=args.max_line_bytes):
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
    head = [_text(rec.id), _name(rec.site_id or rec.workload), _name(rec.model)]
    latency = _finite(rec.latency_ms)
    if latency is not None:
        head.append(f"{latency:.0f} ms")
    if rec.input_tokens is not None or rec.output_tokens is not None:
        head.append(f"{_tokens(rec.input_tokens)}+{_tokens(rec.output_tokens)} tok")
    print(_clip("── " + "  ".join(head), 400))
    for message in rec.messages if isinstance(rec.messages, list) else ():
        if not isinstance(message, dict):
            print(f"  {'?':>9}: {_clip(_text(message))}")
            continue
        text = _text(message.get("content"))
        if message.get("tool_calls"):
            text = f"{text} tool_calls={_text(message['tool_calls'])}"
        print(f"  {_clip(_text(message.get('role', '?')), 40):>9}: {_clip(text)}")
    if rec.error:
        print(f"  {'error':>9}: {_clip(_text(rec.error))}")
    else:
        answer = _text(rec.output) if not rec.tool_calls else _text(_answer(rec))
        reason = f"  [{_clip(_text(rec.finish_reason), 40)}]" if rec.finish_reason else ""
        print(f"  {'→':>9}: {_clip(answer)}{reason}")


def _answer(rec: TraceRecord) -> Any:
    try:
        return rec.answer_text()
    except (TypeError, ValueError, AttributeError):  # tool calls that are not dicts (a record built in code)
        return rec.tool_calls
