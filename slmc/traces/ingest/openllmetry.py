"""OpenLLMetry (Traceloop) spans: OTel spans whose content sits in indexed flat attributes
``gen_ai.prompt.{i}.role|content|tool_call_id|tool_calls.{j}.*`` and ``gen_ai.completion.{i}.*`` (older releases:
``llm.prompts.{i}.*``), with ``llm.request.type``, ``llm.request.functions.{i}.*`` and ``traceloop.entity.name``."""

from __future__ import annotations

import re
from typing import Any

from slmc.traces.ingest import otel
from slmc.traces.ingest._common import Skip, maybe_json, openai_messages, openai_tools, parse_arguments, text_of
from slmc.traces.ingest.otel import NO_CONTENT, TRACELOOP_HINT, Deferred, Span, attributes, finish, is_span
from slmc.traces.record import TraceRecord

NAME = "openllmetry"
_MARKERS = (
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "llm.prompts.",
    "llm.completions.",
    "llm.request.type",
    "traceloop.",
)
_INDEXED = re.compile(r"^(?P<prefix>.+?)\.(?P<i>\d+)\.(?P<rest>.+)$")


def matches(doc: Any) -> bool:
    if not is_span(doc):
        return False
    return any(k.startswith(_MARKERS) for k in attributes(doc.get("attributes")))


def indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """``prefix.{i}.field`` attributes as a list of dicts ordered by ``i`` (``field`` may be dotted)."""
    groups: dict[int, dict[str, Any]] = {}
    dot = prefix + "."
    for key, value in attrs.items():
        if not key.startswith(dot):
            continue
        index, _, field = key[len(dot) :].partition(".")
        if index.isdigit() and field:
            groups.setdefault(int(index), {})[field] = value
    return [groups[i] for i in sorted(groups)]


def _calls(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Tool calls of one prompt/completion entry: a JSON ``tool_calls`` string or ``tool_calls.{j}.*`` fields."""
    raw = maybe_json(fields.get("tool_calls"))
    if isinstance(raw, list):
        return [c for c in raw if isinstance(c, dict)]
    return indexed(fields, "tool_calls")


def _content(value: Any) -> str | None:
    parsed = maybe_json(value)
    if isinstance(parsed, list) and all(isinstance(p, dict) and "type" in p for p in parsed):
        return text_of(parsed)
    return text_of(value)


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    if not is_span(doc):  # a log record (read with --format openllmetry): the OTel reader joins it to its span
        return otel.convert(doc, parents)
    span = Span(doc, parents)
    a = span.attrs
    kind = a.get("llm.request.type")
    if kind in ("embedding", "rerank"):
        raise Skip("embedding" if kind == "embedding" else "rerank")
    prompts = indexed(a, "gen_ai.prompt") or indexed(a, "llm.prompts")
    completions = indexed(a, "gen_ai.completion") or indexed(a, "llm.completions")
    if not prompts and not completions:
        if a.get("traceloop.span.kind"):
            raise Skip("non-LLM span")
        raise Deferred(NO_CONTENT, TRACELOOP_HINT, span=(doc, parents), key=span.key)  # content may be in log events
    record = TraceRecord(source=NAME)
    span.fill_common(record)
    messages = []
    for p in prompts:
        message: dict[str, Any] = {"role": p.get("role") or "user", "content": _content(p.get("content"))}
        calls = _calls(p)
        if calls:
            message["tool_calls"] = calls
        if p.get("tool_call_id"):
            message["tool_call_id"] = p["tool_call_id"]
        messages.append(message)
    record.messages = openai_messages(messages)
    if completions:
        first = completions[0]
        record.output = _content(first.get("content"))
        record.tool_calls = [
            {"name": c.get("name"), "arguments": parse_arguments(c.get("arguments"))} for c in _calls(first)
        ]
        if first.get("finish_reason"):
            record.finish_reason = finish(first["finish_reason"])
    functions = indexed(a, "llm.request.functions")
    record.tools = openai_tools(functions or maybe_json(a.get("gen_ai.tool.definitions")) or [])
    entity = a.get("traceloop.entity.name")
    if entity:
        record.workload = str(entity)
    if a.get("traceloop.workflow.name"):
        record.meta["workflow"] = a["traceloop.workflow.name"]
    total = a.get("llm.usage.total_tokens")
    if total is not None and record.input_tokens is None and record.output_tokens is not None:
        record.input_tokens = max(int(total) - record.output_tokens, 0)
    return record
