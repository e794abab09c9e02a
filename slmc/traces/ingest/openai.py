"""OpenAI request/response logs: ``{"request": {...}, "response": ChatCompletion | Response}`` per record.

Also the Batch API shapes: ``{"custom_id", "body": request, "response": {"status_code", "body": ChatCompletion}}``
(a batch input line joined with its output) and output-only lines. Chat Completions and the Responses API are both
read; embedding requests are skipped. The SDK's own objects fit as they are: ``{"request": create_kwargs, "response":
completion.model_dump()}``. A response object alone (``completion.model_dump()``, a stream chunk) is recognised and
reported (E102) with what to log instead: without the request there is no prompt to learn from.
"""

from __future__ import annotations

from typing import Any

from slmc.traces.ingest._common import (
    ShapeError,
    Skip,
    as_dict,
    choice_output,
    openai_messages,
    openai_tools,
    params_of,
    responses_input,
    responses_output,
    to_float,
    to_int,
    to_unix,
)
from slmc.traces.record import TraceRecord

NAME = "openai"


_RESPONSE_OBJECTS = {
    "chat.completion": "choices",
    "chat.completion.chunk": "choices",
    "text_completion": "choices",
    "response": "output",
}
_LOG_BOTH = 'log {"request": <the create() arguments>, "response": <the response>.model_dump()} per line'


def matches(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "request" in doc and "response" in doc:
        return True
    if "custom_id" in doc and ("body" in doc or "response" in doc):
        return True
    kind = doc.get("object")
    return isinstance(kind, str) and kind in _RESPONSE_OBJECTS and _RESPONSE_OBJECTS[kind] in doc


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    if "request" not in doc and "custom_id" not in doc:
        kind = doc.get("object")
        if kind == "chat.completion.chunk":
            raise ShapeError(
                "a streamed chunk alone has neither the prompt nor the whole answer; log the final completion "
                f"(stream.get_final_completion()) with its request: {_LOG_BOTH}"
            )
        raise ShapeError(f"an OpenAI {kind} object without the request that produced it (no prompt); {_LOG_BOTH}")
    request = as_dict(doc.get("request") or doc.get("body"))
    response = as_dict(doc.get("response"))
    if "body" in response and "choices" not in response and "output" not in response:  # batch output
        response = as_dict(response.get("body"))
    if not request and not response:
        raise ShapeError("OpenAI record has neither a request nor a response")
    record = TraceRecord(source=NAME, provider=doc.get("provider") or "openai")
    fill(record, request, response)
    record.id = str(doc.get("id") or doc.get("custom_id") or response.get("id") or "")
    record.error = record.error or _error(doc.get("error"))
    record.latency_ms = to_float(doc.get("latency_ms", doc.get("duration_ms")))
    if record.latency_ms is None and to_float(doc.get("latency")) is not None:
        record.latency_ms = to_float(doc["latency"]) * 1000.0
    record.timestamp = to_unix(doc.get("timestamp")) or record.timestamp
    for key in ("site_id", "workload"):
        if isinstance(doc.get(key), str):
            setattr(record, key, doc[key])
    if record.error:
        record.finish_reason = record.finish_reason or "error"
    return record


def fill(record: TraceRecord, request: dict[str, Any], response: dict[str, Any]) -> None:
    """Set the request and response fields of ``record`` from an OpenAI chat or Responses API pair."""
    if _is_embedding(request, response):
        raise Skip("embedding")
    is_responses = response.get("object") == "response" or ("input" in request and "messages" not in request)
    if is_responses:
        record.messages = responses_input(request.get("instructions"), request.get("input"))
    else:
        record.messages = openai_messages(request.get("messages"))
    record.tools = openai_tools(request.get("tools") or request.get("functions"))
    record.params = params_of(request)
    record.model = response.get("model") or request.get("model")
    record.timestamp = to_unix(response.get("created") or response.get("created_at"))
    record.error = _error(response.get("error"))
    if is_responses:
        record.output, record.tool_calls, record.finish_reason = responses_output(response)
    else:
        choices = response.get("choices") or []
        if choices:
            choice = as_dict(choices[0])
            message = choice.get("message") or {"content": choice.get("text")}
            record.output, record.tool_calls = choice_output(message)
            record.finish_reason = choice.get("finish_reason")
            if len(choices) > 1:
                record.meta["n_choices"] = len(choices)
    usage = as_dict(response.get("usage"))
    record.input_tokens = to_int(usage.get("prompt_tokens", usage.get("input_tokens")))
    record.output_tokens = to_int(usage.get("completion_tokens", usage.get("output_tokens")))


def _is_embedding(request: dict[str, Any], response: dict[str, Any]) -> bool:
    if "messages" in request:
        return False
    model = str(request.get("model") or response.get("model") or "")
    data = response.get("data") if isinstance(response.get("data"), list) else []
    return "embed" in model or any("embedding" in as_dict(d) for d in data)


def _error(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, dict):
        kind = value.get("type") or value.get("code") or "error"
        return f"{kind}: {value.get('message') or ''}".strip()
    return str(value)
