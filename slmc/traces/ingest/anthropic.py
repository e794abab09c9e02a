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
    text, calls = anthropic_output(response.get("content"))
    usage = as_dict(response.get("usage"))
    input_tokens = to_int(usage.get("input_tokens"))
    if input_tokens is not None:
        input_tokens += sum(
            to_int(usage.get(k)) or 0 for k in ("cache_creation_input_tokens", "cache_read_input_tokens")
        )
    stop = response.get("stop_reason")
    error = response.get("error") or doc.get("error")
    record = TraceRecord(
        id=str(doc.get("id") or response.get("id") or ""),
        source=NAME,
        provider="anthropic",
        model=response.get("model") or request.get("model"),
        messages=anthropic_messages(request.get("system"), request.get("messages")),
        tools=openai_tools(request.get("tools")),
        params=params_of(request),
        output=text,
        tool_calls=calls,
        finish_reason=ANTHROPIC_FINISH.get(stop, stop) if stop else ("error" if error else None),
        error=(
            f"{as_dict(error).get('type', 'error')}: {as_dict(error).get('message', '')}"
            if isinstance(error, dict)
            else error
        )
        or None,
        input_tokens=input_tokens,
        output_tokens=to_int(usage.get("output_tokens")),
        latency_ms=to_float(doc.get("latency_ms")),
        timestamp=to_unix(doc.get("timestamp")),
    )
    if stop:
        record.meta["stop_reason"] = stop
    return record
