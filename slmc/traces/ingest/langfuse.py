"""Langfuse observation exports (JSON array, JSONL, or API pages ``{"data": [...]}``; traces with embedded
``observations``): ``GENERATION`` observations are LLM calls, other types are skipped."""

from __future__ import annotations

import json
from typing import Any

from slmc.traces.ingest._common import (
    ShapeError,
    Skip,
    as_dict,
    choice_output,
    latency_ms,
    openai_messages,
    openai_tools,
    to_float,
    to_int,
    to_unix,
)
from slmc.traces.record import TraceRecord

NAME = "langfuse"
TYPES = {"GENERATION", "SPAN", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER", "EVALUATOR", "EMBEDDING", "GUARDRAIL"}


def matches(doc: Any) -> bool:
    kind = doc.get("type") if isinstance(doc, dict) else None
    return isinstance(kind, str) and kind in TYPES and ("traceId" in doc or "startTime" in doc)


def _input_messages(value: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(messages, tools) from a generation's ``input``: a message list, ``{messages, tools}``, or plain text."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        return openai_messages(value["messages"]), openai_tools(value.get("tools"))
    if isinstance(value, list):
        return openai_messages(value), []
    if value is None:
        return [], []
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return [{"role": "user", "content": text}], []


def _output(value: Any) -> tuple[str | None, list[dict[str, Any]], str | None]:
    if value is None or isinstance(value, str):
        return value, [], None
    if isinstance(value, list):
        value = value[-1] if value else {}
    value = as_dict(value)
    if isinstance(value.get("choices"), list) and value["choices"]:
        choice = as_dict(value["choices"][0])
        text, calls = choice_output(choice.get("message"))
        return text, calls, choice.get("finish_reason")
    if "content" in value or "tool_calls" in value:
        text, calls = choice_output(value)
        return text, calls, None
    return json.dumps(value, ensure_ascii=False), [], None


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    kind = doc.get("type")
    if kind != "GENERATION":
        raise Skip("embedding" if kind == "EMBEDDING" else f"langfuse {str(kind).lower()}")
    messages, tools = _input_messages(doc.get("input"))
    text, calls, reason = _output(doc.get("output"))
    if not messages and text is None and not calls:
        raise ShapeError("generation has neither input nor output")
    usage = {**as_dict(doc.get("usage")), **as_dict(doc.get("usageDetails"))}
    level = doc.get("level")
    record = TraceRecord(
        id=str(doc.get("id") or ""),
        source=NAME,
        model=doc.get("model") or doc.get("providedModelName"),
        messages=messages,
        tools=tools,
        params={k: v for k, v in as_dict(doc.get("modelParameters")).items() if v is not None},
        output=text,
        tool_calls=calls,
        finish_reason=reason or ("tool_calls" if calls else None),
        error=(doc.get("statusMessage") or "error") if level == "ERROR" else None,
        input_tokens=to_int(usage.get("input", usage.get("promptTokens", usage.get("prompt_tokens")))),
        output_tokens=to_int(usage.get("output", usage.get("completionTokens", usage.get("completion_tokens")))),
        latency_ms=latency_ms(doc.get("startTime"), doc.get("endTime")),
        timestamp=to_unix(doc.get("startTime")),
        workload=doc.get("name"),
        trace_id=doc.get("traceId"),
        span_id=doc.get("id"),
    )
    if record.latency_ms is None and to_float(doc.get("latency")) is not None:
        record.latency_ms = to_float(doc["latency"]) * 1000.0  # seconds in the API's views
    if record.error:
        record.finish_reason = "error"
    for key in ("parentObservationId", "promptName", "metadata"):
        if doc.get(key):
            record.meta[key] = doc[key]
    return record
