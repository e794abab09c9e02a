"""OpenAI fine-tuning JSONL: ``{"messages": [system, user, ..., assistant], "tools"?}``; the last assistant message is
the output, everything before it the input (NeMo Customizer and Azure use the same rows)."""

from __future__ import annotations

from typing import Any

from slmc.traces.ingest._common import ShapeError, choice_output, openai_messages, openai_tools
from slmc.traces.record import TraceRecord

NAME = "openai-ft"


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("messages"), list) and "source" not in doc


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    raw = doc["messages"]
    if not raw or not isinstance(raw[-1], dict) or raw[-1].get("role") != "assistant":
        raise ShapeError("fine-tuning row must end with an assistant message (the answer)")
    text, calls = choice_output(raw[-1])
    record = TraceRecord(
        source=NAME,
        messages=openai_messages(raw[:-1]),
        tools=openai_tools(doc.get("tools") or doc.get("functions")),
        output=text if text or not calls else None,
        tool_calls=calls,
        finish_reason="tool_calls" if calls else "stop",
    )
    if "weight" in raw[-1]:
        record.meta["weight"] = raw[-1]["weight"]
    for key in ("model", "workload", "label"):
        if key in doc:
            setattr(record, key, doc[key])
    return record
