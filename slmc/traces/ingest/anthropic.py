"""Anthropic Messages logs: ``{"request": {model, system?, messages, tools?}, "response": Message}``."""

from __future__ import annotations

from typing import Any

from slmc.traces.ingest._common import (
    ANTHROPIC_FINISH,
    ShapeError,
    anthropic_messages,
    anthropic_output,
    as_dict,
    openai_tools,
    params_of,
    to_float,
    to_int,
    to_unix,
)
from slmc.traces.record import TraceRecord

NAME = "anthropic"


def matches(doc: Any) -> bool:
    if not isinstance(doc, dict) or "request" not in doc:
        return False
    response = as_dict(doc.get("response"))
    request = as_dict(doc.get("request"))
    return (
        response.get("type") == "message"
        or "stop_reason" in response
        or ("system" in request and "messages" in request)
    )


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    request, response = as_dict(doc.get("request")), as_dict(doc.get("response"))
    if not request.get("messages"):
        raise ShapeError("Anthropic record has no request.messages")
    record = TraceRecord(id=str(doc.get("id") or response.get("id") or ""), source=NAME, provider="anthropic")
    fill(record, request, response)
    error = doc.get("error")
    if error and not record.error:
        record.error = _error(error)
        record.finish_reason = record.finish_reason or "error"
    record.latency_ms = to_float(doc.get("latency_ms"))
    record.timestamp = to_unix(doc.get("timestamp"))
    return record


def fill(record: TraceRecord, request: dict[str, Any], response: dict[str, Any]) -> None:
    """Set the request and response fields of ``record`` from an Anthropic Messages request and ``Message``."""
    text, calls = anthropic_output(response.get("content"))
    usage = as_dict(response.get("usage"))
    input_tokens = to_int(usage.get("input_tokens"))
    if input_tokens is not None:
        cached = ("cache_creation_input_tokens", "cache_read_input_tokens")
        input_tokens += sum(to_int(usage.get(k)) or 0 for k in cached)
    stop = response.get("stop_reason")
    record.model = response.get("model") or request.get("model")
    record.messages = anthropic_messages(request.get("system"), request.get("messages"))
    record.tools = openai_tools(request.get("tools"))
    record.params = params_of(request)
    record.output, record.tool_calls = text, calls
    record.finish_reason = ANTHROPIC_FINISH.get(stop, stop) if stop else None
    record.input_tokens = input_tokens
    record.output_tokens = to_int(usage.get("output_tokens"))
    if response.get("error"):
        record.error = _error(response["error"])
        record.finish_reason = "error"
    if stop:
        record.meta["stop_reason"] = stop


def _error(error: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('message', '')}".strip()
    return str(error)
