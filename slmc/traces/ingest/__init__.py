"""Trace ingest: auto-detected, streaming readers that turn every common LLM log format into ``TraceRecord``s.

    from slmc.traces.ingest import read_traces, iter_traces, detect_format
    records, problems = read_traces(["traces.jsonl", "otel-export.json"])

Formats (``TraceRecord.source``): ``slmc``, ``openai`` (request/response and Batch API lines), ``openai-ft``
(fine-tuning ``{"messages"}`` rows), ``anthropic``, ``flywheel`` (NVIDIA Data Flywheel / Elasticsearch), ``otel``
(OpenTelemetry GenAI spans, OTLP JSON or one span per line), ``openllmetry``, ``langfuse``, ``langsmith``.
The format is decided per record, so mixed files work; files are never loaded whole.

Problems are ``Diagnostic``s naming file and line, never exceptions:

| code | meaning |
|---|---|
| E101 | malformed JSON (the line is skipped) |
| E102 | a record of no known shape, or a known format missing required fields |
| E103 | incomplete last line (a writer killed mid-write) |
| E104 | unreadable file (missing, not UTF-8, corrupt gzip) |
| E105 | a line longer than the line-size cap (``max_line_bytes``: 16 MiB, ``SLMC_MAX_LINE_BYTES``); skipped unread |
| E106 | a value nested more than ``MAX_DEPTH`` (128) levels deep; skipped |
| E107 | LLM spans without message content (an error when the file gave no record): names the setting to turn on |

Every record that is read is made well-typed (``_shape.normalise``): fields of a wrong shape are converted or dropped,
so whatever ingest yields can be summarised, printed and compiled. A bad record never stops the run.

Records that are valid but not LLM calls (embeddings, tool/chain spans) are counted in ``IngestReport.skipped``.
OTel GenAI log events (OTLP ``resourceLogs``) are joined to their spans by trace/span id across all the files read,
so a span may come out after records read later than it.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from slmc.errors import Diagnostic, Severity
from slmc.traces.bulk import gc_paused
from slmc.traces.ingest._common import ShapeError, Skip
from slmc.traces.ingest._shape import normalise
from slmc.traces.ingest._stream import DEFAULT_MAX_LINE_BYTES, ENV_MAX_LINE_BYTES, Doc, Problem, iter_documents
from slmc.traces.record import TraceRecord

# Checked in this order; the first reader whose ``matches`` accepts a record converts it.
FORMATS: tuple[str, ...] = (
    "slmc",
    "flywheel",
    "anthropic",
    "openai",
    "langsmith",
    "langfuse",
    "openllmetry",
    "otel",
    "openai-ft",
)
_MODULES = {"openai-ft": "openai_ft"}
_READERS: dict[str, ModuleType] = {}
MAX_DIAGNOSTICS_PER_CODE = 50  # per file; the rest are counted
TRACE_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz")


def reader(name: str) -> ModuleType:
    """The reader module of a format (``NAME``, ``matches(doc)``, ``convert(doc, parents)``)."""
    if name not in _READERS:
        if name not in FORMATS:
            raise KeyError(name)
        _READERS[name] = importlib.import_module(f"slmc.traces.ingest.{_MODULES.get(name, name)}")
    return _READERS[name]


def classify(value: Any) -> str | None:
    """The format of one parsed record, or None when no reader knows its shape."""
    for name in FORMATS:
        try:
            if reader(name).matches(value):
                return name
        except (TypeError, ValueError, AttributeError, KeyError):  # a marker field of an odd type: not this format
            continue
    return None


@dataclass
class IngestReport:
    """Counts of what was read: records per format, skipped records per reason, problems as diagnostics."""

    records: Counter[str] = field(default_factory=Counter)  # format -> records
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> records
    malformed: int = 0  # E101 + E103 + E105 + E106
    invalid: int = 0  # E102
    files: dict[str, Counter[str]] = field(default_factory=dict)  # path -> format -> records
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _per_code: Counter[tuple[str, str]] = field(default_factory=Counter)
    no_content: dict[str, Counter[str]] = field(default_factory=dict)  # path -> hint -> LLM spans without content

    @property
    def total(self) -> int:
        return sum(self.records.values())

    def problem(self, path: str, line: int, code: str, message: str) -> None:
        if code in ("E101", "E103", "E105", "E106"):
            self.malformed += 1
        elif code == "E102":
            self.invalid += 1
        self._per_code[(path, code)] += 1
        count = self._per_code[(path, code)]
        if count <= MAX_DIAGNOSTICS_PER_CODE:
            severity = Severity.WARNING if code == "E103" else Severity.ERROR
            self.diagnostics.append(Diagnostic(path, line, 1, code, message, severity=severity, name="trace-ingest"))

    def finish_file(self, path: str) -> None:
        for (p, code), count in sorted(self._per_code.items()):
            if p == path and count > MAX_DIAGNOSTICS_PER_CODE:
                more = count - MAX_DIAGNOSTICS_PER_CODE
                self.diagnostics.append(
                    Diagnostic(
                        path, 0, 1, code, f"... and {more} more {code} problems in this file", name="trace-ingest"
                    )
                )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders become the trace files inside them (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(TRACE_SUFFIXES)))
        else:
            out.append(p)
    return out


def iter_traces(
    paths: Iterable[str | Path],
    report: IngestReport | None = None,
    *,
    format: str | None = None,
    max_line_bytes: int | None = None,
) -> Iterator[TraceRecord]:
    """Stream the records of ``paths`` (files or folders); problems and counts go to ``report``.

    ``format`` forces one reader instead of detecting each record's format. ``max_line_bytes``: the line-size cap
    (default ``SLMC_MAX_LINE_BYTES``, else 16 MiB); a longer line is skipped unread and reported (E105).
    """
    report = report if report is not None else IngestReport()
    forced = reader(format) if format else None
    join = reader("otel").EventJoin()
    for path in expand_paths(paths):
        name = str(path)
        counts = report.files.setdefault(name, Counter())
        for item in iter_documents(path, max_line_bytes):
            if isinstance(item, Problem):
                report.problem(name, item.line, item.code, item.message)
                continue
            record = _convert(item, forced, name, report, join)
            if record is not None:
                counts[record.source] += 1
                report.records[record.source] += 1
                yield record
            if join.ready:
                yield from _joined(join, report)
        report.finish_file(name)
    join.flush()
    yield from _joined(join, report)
    if join.dropped:
        report.skipped[reader("otel").EVENT_OF_READ_SPAN] += join.dropped
    _content_problems(report)


def _joined(join: Any, report: IngestReport) -> Iterator[TraceRecord]:
    """The spans ``join`` completed with their log events (or released without), read by the OTel reader."""
    for doc, parents, path, line in join.take():
        record = _convert(Doc(line, doc, parents), reader("otel"), path, report, None)
        if record is not None:
            report.files.setdefault(path, Counter())[record.source] += 1
            report.records[record.source] += 1
            yield record


def _content_problems(report: IngestReport) -> None:
    """E107 for files with LLM spans that carry no prompts or answers: an error when the file gave no record."""
    for path, hints in report.no_content.items():
        spans = sum(hints.values())
        records = sum(report.files.get(path, Counter()).values())
        hint = "; ".join(hints)
        if records:
            message = f"{spans} LLM spans carry no prompts or answers and were skipped ({records} read); {hint}"
            severity = Severity.WARNING
        else:
            message = f"no usable record: {spans} LLM spans and none carries prompts or answers; {hint}"
            severity = Severity.ERROR
        report.diagnostics.append(Diagnostic(path, 0, 1, "E107", message, severity=severity, name="trace-ingest"))


def _convert(
    doc: Doc, forced: ModuleType | None, path: str, report: IngestReport, join: Any = None
) -> TraceRecord | None:
    fmt = forced.NAME if forced else classify(doc.value)
    if fmt is None:
        report.problem(path, doc.line, "E102", f"record of unknown shape ({_keys(doc.value)})")
        return None
    try:
        record = reader(fmt).convert(doc.value, doc.parents)
    except Skip as skip:
        if join is not None and isinstance(skip, reader("otel").Deferred):
            join.add(skip, path, doc.line)  # a span without content, or a log event: joined to each other later
            return None
        report.skipped[skip.reason] += 1
        if skip.hint:
            report.no_content.setdefault(path, Counter())[skip.hint] += 1
        return None
    except ShapeError as exc:
        report.problem(path, doc.line, "E102", f"{fmt}: {exc}")
        return None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ArithmeticError) as exc:  # unexpected types
        report.problem(path, doc.line, "E102", f"{fmt}: unexpected value ({type(exc).__name__}: {_clip(exc)})")
        return None
    except RecursionError:
        report.problem(path, doc.line, "E106", f"{fmt}: a value nested too deeply")
        return None
    normalise(record, fmt)
    if not record.id:
        record.id = record.content_hash()
    if fmt != "slmc":
        record.meta.setdefault("origin", f"{path}:{doc.line}")
    if join is not None and fmt in _SPAN_FORMATS:
        join.seen(record.trace_id, record.span_id)  # its log events, if any, repeat what it carries
    return record


_SPAN_FORMATS = frozenset({"otel", "openllmetry"})


def _clip(exc: BaseException, width: int = 200) -> str:
    text = str(exc)
    return text if len(text) <= width else text[: width - 1] + "…"


def _keys(value: Any) -> str:
    if isinstance(value, dict):
        keys = list(value)[:6]
        return "keys: " + ", ".join(map(str, keys)) + (", ..." if len(value) > 6 else "")
    return type(value).__name__


def read_traces(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    report: IngestReport | None = None,
    each: Callable[[TraceRecord], None] | None = None,
    max_line_bytes: int | None = None,
) -> tuple[list[TraceRecord], list[Diagnostic]]:
    """All records of ``paths`` and the problems found (``Diagnostic``s with file and line).

    ``each`` is called with every record as it is read (to start work on it early, e.g. a ``DetectionPrefetch``)."""
    report = report if report is not None else IngestReport()
    with gc_paused():
        stream = iter_traces(paths, report, format=format, max_line_bytes=max_line_bytes)
        if each is None:
            records = list(stream)
        else:
            records = []
            for rec in stream:
                each(rec)
                records.append(rec)
    return records, report.diagnostics


def detect_format(path: str | Path, max_records: int = 20) -> str | None:
    """The format of the first recognisable record among the first ``max_records`` of ``path``; None if none."""
    seen = 0
    for item in iter_documents(path):
        if isinstance(item, Problem):
            continue
        fmt = classify(item.value)
        if fmt:
            return fmt
        seen += 1
        if seen >= max_records:
            break
    return None


__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "ENV_MAX_LINE_BYTES",
    "FORMATS",
    "IngestReport",
    "classify",
    "detect_format",
    "iter_traces",
    "read_traces",
    "reader",
]
