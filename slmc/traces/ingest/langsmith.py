"""LangSmith run exports: runs with ``run_type == "llm"`` are LLM calls (chain, tool, retriever... are skipped).

``inputs.messages`` may be chat dicts, LangChain message dicts (``{"type": "human", "content"}``, ``{"type", "data"}``)
or serialised constructors (``{"lc": 1, "id": [..., "HumanMessage"], "kwargs": {...}}``), possibly nested per batch;
``outputs`` holds LangChain ``generations`` or OpenAI ``choices``.
"""

from __future__ import annotations

from typing import Any

from slmc.traces.ingest._common import (
    ShapeError,
    Skip,
    as_dict,
    choice_output,
    latency_ms,
    openai_messages,
    openai_tool_call,
    openai_tools,
    parse_arguments,
    to_int,
    to_unix,
)
from slmc.traces.record import TraceRecord

NAME = "langsmith"
_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
    "chat": "user",
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "tool",
    "ChatMessage": "user",
    "AIMessageChunk": "assistant",
}
_SKIP_PARAMS = {"model", "model_name", "_type", "stream", "api_key", "base_url", "tools", "functions"}


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and "run_type" in doc


def langchain_message(raw: Any) -> dict[str, Any]:
    """Any LangChain/chat message dict as ``{role, content, tool_calls?, tool_call_id?}`` (OpenAI chat shape)."""
    raw = as_dict(raw)
    if raw.get("lc") and isinstance(raw.get("id"), list):  # serialised constructor
        role = _ROLES.get(str(raw["id"][-1]), "user")
        body = as_dict(raw.get("kwargs"))
    elif "data" in raw and "type" in raw:
        role, body = _ROLES.get(raw["type"], "user"), as_dict(raw["data"])
    else:
        role, body = raw.get("role") or _ROLES.get(raw.get("type", ""), "user"), raw
    if body.get("role") and body.get("type") == "chat":
        role = body["role"]
    calls = body.get("tool_calls") or as_dict(body.get("additional_kwargs")).get("tool_calls") or []
    message: dict[str, Any] = {"role": role, "content": body.get("content")}
    if calls:
        message["tool_calls"] = [openai_tool_call(c) for c in calls]
    if body.get("tool_call_id"):
        message["tool_call_id"] = body["tool_call_id"]
    return openai_messages([message])[0]


def _inputs(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    messages = inputs.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], list):
        messages = messages[0]  # one conversation per batch item: the first is the call's
    if isinstance(messages, list):
        return [langchain_message(m) for m in messages]
    prompts = inputs.get("prompts") or ([inputs["prompt"]] if isinstance(inputs.get("prompt"), str) else [])
    if prompts:
        return [{"role": "user", "content": str(prompts[0])}]
    if isinstance(inputs.get("input"), str):
        return [{"role": "user", "content": inputs["input"]}]
    return []


def _outputs(outputs: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], str | None, dict[str, Any]]:
    """(text, tool calls, finish reason, token usage)."""
    usage = as_dict(as_dict(outputs.get("llm_output")).get("token_usage")) or as_dict(outputs.get("usage"))
    if outputs.get("choices"):
        choice = as_dict(outputs["choices"][0])
        text, calls = choice_output(choice.get("message"))
        return text, calls, choice.get("finish_reason"), usage
    generations = outputs.get("generations")
    if isinstance(generations, list) and generations:
        first = generations[0]
        if isinstance(first, list):
            first = first[0] if first else {}
        first = as_dict(first)
        message = first.get("message")
        info = as_dict(first.get("generation_info"))
        if message:
            msg = langchain_message(message)
            body = as_dict(message.get("kwargs")) if as_dict(message).get("lc") else as_dict(message)
            usage = usage or as_dict(body.get("usage_metadata"))
            calls = [
                {"name": c["function"]["name"], "arguments": parse_arguments(c["function"]["arguments"])}
                for c in msg.get("tool_calls", [])
            ]
            return msg.get("content") or first.get("text") or None, calls, info.get("finish_reason"), usage
        return first.get("text"), [], info.get("finish_reason"), usage
    if isinstance(outputs.get("output"), str):
        return outputs["output"], [], None, usage
    return None, [], None, usage


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    kind = doc.get("run_type")
    if kind != "llm":
        raise Skip("embedding" if kind == "embedding" else f"langsmith {kind} run")
    inputs, outputs = as_dict(doc.get("inputs")), as_dict(doc.get("outputs"))
    messages = _inputs(inputs)
    text, calls, reason, usage = _outputs(outputs)
    if not messages and text is None and not calls and not doc.get("error"):
        raise ShapeError("llm run has neither inputs nor outputs")
    extra = as_dict(doc.get("extra"))
    invocation = as_dict(extra.get("invocation_params"))
    metadata = as_dict(extra.get("metadata"))
    record = TraceRecord(
        id=str(doc.get("id") or ""),
        source=NAME,
        provider=metadata.get("ls_provider"),
        model=invocation.get("model") or invocation.get("model_name") or metadata.get("ls_model_name"),
        messages=messages,
        tools=openai_tools(invocation.get("tools") or invocation.get("functions")),
        params={k: v for k, v in invocation.items() if k not in _SKIP_PARAMS and v is not None},
        output=text,
        tool_calls=calls,
        finish_reason=reason or ("tool_calls" if calls else None),
        error=str(doc["error"]) if doc.get("error") else None,
        input_tokens=to_int(doc.get("prompt_tokens") or usage.get("prompt_tokens") or usage.get("input_tokens")),
        output_tokens=to_int(
            doc.get("completion_tokens") or usage.get("completion_tokens") or usage.get("output_tokens")
        ),
        latency_ms=latency_ms(doc.get("start_time"), doc.get("end_time")),
        timestamp=to_unix(doc.get("start_time")),
        workload=doc.get("name"),
        trace_id=doc.get("trace_id"),
        span_id=doc.get("id"),
    )
    if record.error:
        record.finish_reason = "error"
    for key in ("tags", "parent_run_id", "session_id"):
        if doc.get(key):
            record.meta[key] = doc[key]
    return record
