"""OpenTelemetry GenAI spans: OTLP JSON (``resourceSpans[].scopeSpans[].spans[]``), one span per line, or the SDK's
console-exporter JSON.

Attributes may be OTLP key/value lists (``[{key, value: {stringValue|intValue|...}}]``) or plain dicts. Content is read
from every generation of the conventions: ≥1.37 ``gen_ai.input.messages``/``gen_ai.output.messages``/
``gen_ai.system_instructions`` (JSON strings or nested, on the span or on a ``gen_ai.client.inference.operation.details``
event), ≤1.36 per-message events (``gen_ai.user.message``, ..., ``gen_ai.choice``) and the older ``gen_ai.prompt``/
``gen_ai.completion``. ``code.filepath``/``code.lineno``/``code.function`` become the record's ``stack``.
"""

from __future__ import annotations

import json
from typing import Any

from slmc.traces.ingest._common import (
    ANTHROPIC_FINISH,
    Skip,
    as_dict,
    maybe_json,
    openai_messages,
    openai_tool_call,
    openai_tools,
    parse_arguments,
    text_of,
    to_int,
    to_unix,
)
from slmc.traces.record import Frame, TraceRecord

NAME = "otel"
SPAN_KEYS = ("spanId", "span_id", "traceId", "trace_id", "context", "startTimeUnixNano", "start_time", "kind")
NON_LLM_OPERATIONS = {
    "embeddings": "embedding",
    "execute_tool": "tool span",
    "invoke_agent": "agent span",
    "create_agent": "agent span",
}
_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
_DETAILS_EVENT = "gen_ai.client.inference.operation.details"


# ---- OTLP values -----------------------------------------------------------------------------------------------------
def any_value(value: Any) -> Any:
    """An OTLP ``AnyValue`` (``{"stringValue": ...}``, ...) as a plain value; plain values pass."""
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return to_int(value["intValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in as_dict(value["arrayValue"]).get("values") or []]
    if "kvlistValue" in value:
        return attributes(as_dict(value["kvlistValue"]).get("values"))
    return value if value else None


def attributes(raw: Any) -> dict[str, Any]:
    """OTLP ``[{key, value}]`` or a plain dict as one flat dict."""
    if isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {}
    for kv in raw if isinstance(raw, list) else []:
        if isinstance(kv, dict) and "key" in kv:
            out[kv["key"]] = any_value(kv.get("value"))
    return out


def is_span(doc: Any) -> bool:
    return isinstance(doc, dict) and "attributes" in doc and ("name" in doc or any(k in doc for k in SPAN_KEYS))


class Span:
    """The parts of a span every reader needs, whatever its JSON flavour."""

    def __init__(self, doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> None:
        self.doc = doc
        self.name = str(doc.get("name") or "")
        self.attrs = attributes(doc.get("attributes"))
        self.events = [
            (str(e.get("name") or ""), attributes(e.get("attributes")), e)
            for e in doc.get("events") or []
            if isinstance(e, dict)
        ]
        context = as_dict(doc.get("context"))
        self.trace_id = doc.get("traceId") or doc.get("trace_id") or context.get("trace_id")
        self.span_id = doc.get("spanId") or doc.get("span_id") or context.get("span_id")
        self.start = to_unix(doc.get("startTimeUnixNano") or doc.get("start_time") or doc.get("startTime"))
        self.end = to_unix(doc.get("endTimeUnixNano") or doc.get("end_time") or doc.get("endTime"))
        self.resource: dict[str, Any] = {}
        for parent in (*parents, doc):
            if "resource" in parent:
                self.resource.update(attributes(as_dict(parent["resource"]).get("attributes")))

    def error(self) -> str | None:
        status = as_dict(self.doc.get("status"))
        code = status.get("code", status.get("status_code"))
        failed = code in (2, "2", "STATUS_CODE_ERROR", "ERROR", "StatusCode.ERROR")
        for name, attrs, _ in self.events:
            if name == "exception":
                return f"{attrs.get('exception.type', 'Exception')}: {attrs.get('exception.message', '')}".strip()
        if failed or self.attrs.get("error.type"):
            kind = self.attrs.get("error.type") or "error"
            message = status.get("message") or status.get("description") or ""
            return f"{kind}: {message}".strip().rstrip(":")
        return None

    def fill_common(self, record: TraceRecord) -> None:
        a = self.attrs
        record.trace_id = str(self.trace_id) if self.trace_id else None
        record.span_id = str(self.span_id) if self.span_id else None
        record.timestamp = self.start
        if self.start is not None and self.end is not None and self.end >= self.start:
            record.latency_ms = round((self.end - self.start) * 1000.0, 3)
        record.provider = a.get("gen_ai.provider.name") or a.get("gen_ai.system")
        record.model = a.get("gen_ai.response.model") or a.get("gen_ai.request.model")
        record.input_tokens = to_int(a.get("gen_ai.usage.input_tokens", a.get("gen_ai.usage.prompt_tokens")))
        record.output_tokens = to_int(a.get("gen_ai.usage.output_tokens", a.get("gen_ai.usage.completion_tokens")))
        prefix = "gen_ai.request."
        record.params = {
            k[len(prefix) :]: v for k, v in a.items() if k.startswith(prefix) and k != "gen_ai.request.model"
        }
        reasons = a.get("gen_ai.response.finish_reasons")
        reasons = maybe_json(reasons)
        if isinstance(reasons, list) and reasons:
            record.finish_reason = finish(reasons[0])
        elif isinstance(reasons, str):
            record.finish_reason = finish(reasons)
        record.error = self.error()
        if record.error:
            record.finish_reason = record.finish_reason or "error"
        path = a.get("code.filepath") or a.get("code.file.path")
        if path:
            line = to_int(a.get("code.lineno", a.get("code.line.number"))) or 0
            function = str(a.get("code.function") or a.get("code.function.name") or "<module>")
            record.stack = [Frame(path=str(path), line=line, function=function.rsplit(".", 1)[-1])]
        if self.resource.get("service.name"):
            record.meta["service"] = self.resource["service.name"]
        if self.name:
            record.workload = self.name


def finish(reason: Any) -> str | None:
    if reason is None:
        return None
    reason = str(reason)
    return ANTHROPIC_FINISH.get(reason, reason)


# ---- reader ------------------------------------------------------------------------------------------------------------
def matches(doc: Any) -> bool:
    return is_span(doc)


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    span = Span(doc, parents)
    a = span.attrs
    operation = a.get("gen_ai.operation.name")
    if operation in NON_LLM_OPERATIONS:
        raise Skip(NON_LLM_OPERATIONS[operation])
    genai_events = [e for e in span.events if e[0].startswith("gen_ai.")]
    if not any(k.startswith("gen_ai.") for k in a) and not genai_events:
        raise Skip("non-LLM span")
    record = TraceRecord(source=NAME)
    span.fill_common(record)
    details = next((attrs for name, attrs, _ in span.events if name == _DETAILS_EVENT), {})
    content = {**details, **a}
    if any(k in content for k in ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")):
        _from_attributes(record, content)
    elif genai_events:
        _from_events(record, span.events)
    tools = maybe_json(content.get("gen_ai.tool.definitions"))
    if isinstance(tools, list):
        record.tools = openai_tools(tools)
    if not record.messages and record.output is None and not record.tool_calls:
        raise Skip("LLM span without content")
    return record


def _from_attributes(record: TraceRecord, a: dict[str, Any]) -> None:
    """≥1.37: ``gen_ai.system_instructions``, ``gen_ai.input.messages``, ``gen_ai.output.messages`` (parts)."""
    system = maybe_json(a.get("gen_ai.system_instructions"))
    if system:
        text = system if isinstance(system, str) else "".join(_part_text(p) for p in _as_list(system))
        record.messages.append({"role": "system", "content": text})
    for message in _as_list(maybe_json(a.get("gen_ai.input.messages"))):
        record.messages.extend(parts_message(message))
    outputs = _as_list(maybe_json(a.get("gen_ai.output.messages")))
    if outputs:
        first = as_dict(outputs[0])
        text, calls = _parts_output(first.get("parts"), first.get("content"))
        record.output, record.tool_calls = text, calls
        if first.get("finish_reason"):
            record.finish_reason = finish(first["finish_reason"])


def parts_message(message: Any) -> list[dict[str, Any]]:
    """One semconv message ``{role, parts: [...]}`` as OpenAI chat messages (tool responses become tool messages)."""
    message = as_dict(maybe_json(message))
    role = message.get("role") or "user"
    parts = message.get("parts")
    if parts is None:  # already chat-shaped
        return openai_messages([message])
    out: list[dict[str, Any]] = []
    texts, calls = [], []
    for part in _as_list(parts):
        part = as_dict(part)
        kind = part.get("type")
        if kind == "tool_call":
            calls.append(
                openai_tool_call({"id": part.get("id"), "name": part.get("name"), "arguments": part.get("arguments")})
            )
        elif kind == "tool_call_response":
            result = part.get("response", part.get("result"))
            result = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
            out.append({"role": "tool", "tool_call_id": part.get("id"), "content": result})
        elif kind != "reasoning":
            texts.append(_part_text(part))
    if texts or calls or not out:
        item: dict[str, Any] = {"role": role, "content": "".join(texts) if texts or not calls else None}
        if calls:
            item["tool_calls"] = calls
        out.insert(0, item)
    return out


def _parts_output(parts: Any, content: Any = None) -> tuple[str | None, list[dict[str, Any]]]:
    if parts is None:
        return text_of(content), []
    texts, calls = [], []
    for part in _as_list(parts):
        part = as_dict(part)
        if part.get("type") == "tool_call":
            calls.append({"name": part.get("name"), "arguments": parse_arguments(part.get("arguments"))})
        elif part.get("type") != "reasoning":
            texts.append(_part_text(part))
    return ("".join(texts) if texts else None), calls


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    part = as_dict(part)
    if part.get("type") in (None, "text"):
        return str(part.get("content") or part.get("text") or "")
    return f"[{part.get('type')}]"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _event_body(attrs: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The body of a ≤1.36 event: attributes, a ``gen_ai.event.content``/``body`` JSON, or the event's ``body``."""
    for key in ("gen_ai.event.content", "body", "event.body"):
        if key in attrs:
            return as_dict(maybe_json(attrs[key]))
    if "body" in event:
        return as_dict(maybe_json(any_value(event["body"])))
    return attrs


def _from_events(record: TraceRecord, events: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
    """≤1.36 per-message events, and the older ``gen_ai.content.prompt``/``completion`` events."""
    for name, attrs, event in events:
        if name in _EVENT_ROLES:
            body = _event_body(attrs, event)
            message = {"role": body.get("role") or _EVENT_ROLES[name], "content": maybe_json(body.get("content"))}
            for key in ("tool_calls", "id"):
                if body.get(key):
                    message["tool_call_id" if key == "id" else key] = maybe_json(body[key])
            record.messages.extend(openai_messages([message]))
        elif name == "gen_ai.choice":
            body = _event_body(attrs, event)
            if to_int(body.get("index")) not in (None, 0):
                continue
            message = as_dict(maybe_json(body.get("message"))) or body
            record.output = text_of(maybe_json(message.get("content")))
            calls = maybe_json(message.get("tool_calls")) or []
            record.tool_calls = [_record_call(c) for c in _as_list(calls)]
            if body.get("finish_reason"):
                record.finish_reason = finish(body["finish_reason"])
        elif name == "gen_ai.content.prompt":
            prompt = maybe_json(attrs.get("gen_ai.prompt"))
            record.messages.extend(
                openai_messages(prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}])
            )
        elif name == "gen_ai.content.completion":
            completion = maybe_json(attrs.get("gen_ai.completion"))
            first = as_dict(completion[0]) if isinstance(completion, list) and completion else {"content": completion}
            record.output = text_of(first.get("content"))
            record.tool_calls = [_record_call(c) for c in _as_list(maybe_json(first.get("tool_calls")))]


def _record_call(call: Any) -> dict[str, Any]:
    call = as_dict(call)
    fn = as_dict(call.get("function")) or call
    return {"name": fn.get("name"), "arguments": parse_arguments(fn.get("arguments"))}
