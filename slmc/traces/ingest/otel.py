"""OpenTelemetry GenAI spans: OTLP JSON (``resourceSpans[].scopeSpans[].spans[]``), one span per line, or the SDK's
console-exporter JSON.

Attributes may be OTLP key/value lists (``[{key, value: {stringValue|intValue|...}}]``) or plain dicts. Content is read
from every generation of the conventions: ≥1.37 ``gen_ai.input.messages``/``gen_ai.output.messages``/
``gen_ai.system_instructions`` (JSON strings or nested, on the span or on a ``gen_ai.client.inference.operation.details``
event), ≤1.36 per-message events (``gen_ai.user.message``, ..., ``gen_ai.choice``) and the older ``gen_ai.prompt``/
``gen_ai.completion``. ``code.filepath``/``code.lineno``/``code.function`` become the record's ``stack``.

Content sent as log events (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=EVENT_ONLY``/``SPAN_AND_EVENT``, or
``=true`` on the older conventions; OpenLLMetry's ``use_attributes=False``) arrives as OTLP log records
(``resourceLogs[].scopeLogs[].logRecords[]``, or the console exporter's JSON) in the same file or another one:
``EventJoin`` joins them to their span by trace and span id (hex, base64 or ``0x``-hex ids alike). A span whose content
is off raises ``Skip`` with a ``hint`` naming the setting that turns it on.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
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
_ANSWER_EVENTS = frozenset({_DETAILS_EVENT, "gen_ai.choice", "gen_ai.content.completion"})  # a call's last event
_LOG_KEYS = (
    "eventName",
    "event_name",
    "severityNumber",
    "severity_number",
    "observedTimeUnixNano",
    "observed_timestamp",
)
NO_CONTENT = "LLM span without content"
_CAPTURE = (
    "OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental and "
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_ONLY (opentelemetry-instrumentation-openai-v2 and the "
    "other OpenTelemetry GenAI instrumentations record no prompts or answers by default; without the opt-in, older "
    "releases take =true and send the content as log events)"
)
CONTENT_OFF_HINT = f"message content capture was off: run the agent with {_CAPTURE}, then capture again"
CONTENT_MISSING_HINT = (
    f"turn message content capture on: run the agent with {_CAPTURE}, then capture again; if it ran with "
    "EVENT_ONLY (or =true without the opt-in), the content is in the OTLP logs export: give slmc that file too"
)
TRACELOOP_HINT = (
    "OpenLLMetry (Traceloop) recorded no prompts or answers: run the agent with TRACELOOP_TRACE_CONTENT=true "
    "(or without TRACELOOP_TRACE_CONTENT=false), then capture again; if it sent content as log events "
    "(use_attributes=False), give slmc the OTLP logs export too"
)
_TRACELOOP_KEYS = ("traceloop.", "llm.", "gen_ai.is_streaming", "gen_ai.openai.api_base")


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
        if isinstance(kv, dict) and isinstance(kv.get("key"), str):  # a key of another type is dropped
            out[kv["key"]] = any_value(kv.get("value"))
    return out


def is_span(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and "attributes" in doc
        and ("name" in doc or any(k in doc for k in SPAN_KEYS))
        and not is_log_record(doc)
    )


def is_log_record(doc: Any) -> bool:
    """An OTLP log record (``logRecords[]`` element) or the SDK console exporter's log JSON; spans are not."""
    if not isinstance(doc, dict) or "name" in doc or "startTimeUnixNano" in doc or "start_time" in doc:
        return False
    if any(k in doc for k in _LOG_KEYS):
        return True
    return "body" in doc and any(k in doc for k in ("traceId", "trace_id", "timeUnixNano", "timestamp"))


def hex_id(value: Any) -> str | None:
    """A trace or span id as lower-case hex, whether written as hex (OTLP JSON, the collector), base64 (protobuf's
    JSON mapping) or ``0x``-hex (the SDK console exporter); any other value as its text."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    text = str(value)
    bare = text[2:] if text[:2] in ("0x", "0X") else text
    if len(bare) in (16, 32):
        try:
            int(bare, 16)
            return bare.lower()
        except ValueError:
            pass
    if len(text) in (12, 24) and text.endswith("="):
        try:
            raw = base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error):
            return text
        if len(raw) in (8, 16):
            return raw.hex()
    return text


class Span:
    """The parts of a span every reader needs, whatever its JSON flavour."""

    def __init__(self, doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> None:
        self.doc = doc
        self.name = str(doc.get("name") or "")
        self.attrs = attributes(doc.get("attributes"))
        self.events = [
            (str(e.get("name") or ""), attributes(e.get("attributes")), e)
            for e in (doc.get("events") if isinstance(doc.get("events"), list) else [])
            if isinstance(e, dict)
        ]
        context = as_dict(doc.get("context"))
        self.trace_id = hex_id(doc.get("traceId") or doc.get("trace_id") or context.get("trace_id"))
        self.span_id = hex_id(doc.get("spanId") or doc.get("span_id") or context.get("span_id"))
        self.start = to_unix(doc.get("startTimeUnixNano") or doc.get("start_time") or doc.get("startTime"))
        self.end = to_unix(doc.get("endTimeUnixNano") or doc.get("end_time") or doc.get("endTime"))
        self.key: tuple[str, str] | None = (self.trace_id, self.span_id) if self.trace_id and self.span_id else None
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
    return _FINISH.get(reason, reason)


_FINISH = {**ANTHROPIC_FINISH, "tool_call": "tool_calls"}  # semconv says tool_call; OpenAI, slmc: tool_calls


# ---- reader ------------------------------------------------------------------------------------------------------------
def matches(doc: Any) -> bool:
    return is_span(doc) or is_log_record(doc)


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    if is_log_record(doc):
        raise log_event(doc)
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
        raise Deferred(NO_CONTENT, content_hint(span, joined=bool(genai_events)), span=(doc, parents), key=span.key)
    return record


def content_hint(span: Span, *, joined: bool) -> str:
    """What to turn on so that spans like this one carry prompts and answers."""
    if any(k.startswith(_TRACELOOP_KEYS) for k in span.attrs):
        return TRACELOOP_HINT
    return CONTENT_OFF_HINT if joined else CONTENT_MISSING_HINT


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
    for raw in _as_list(parts):
        part = as_dict(raw)
        if part.get("type") == "tool_call":
            calls.append({"name": part.get("name"), "arguments": parse_arguments(part.get("arguments"))})
        elif part.get("type") != "reasoning":
            texts.append(_part_text(raw))  # a bare string part is its text
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
            content = maybe_json(body.get("content"))
            calls = _content_calls(body.get("tool_calls"))
            if content is None and not calls:  # content capture off: the event says only that a message was there
                continue
            message = {"role": body.get("role") or _EVENT_ROLES[name], "content": content}
            if calls:
                message["tool_calls"] = calls
            if body.get("id"):
                message["tool_call_id"] = maybe_json(body["id"])
            record.messages.extend(openai_messages([message]))
        elif name == "gen_ai.choice":
            body = _event_body(attrs, event)
            if to_int(body.get("index")) not in (None, 0):
                continue
            message = as_dict(maybe_json(body.get("message"))) or body
            record.output = text_of(maybe_json(message.get("content")))
            calls = _content_calls(message.get("tool_calls") or body.get("tool_calls"))  # OpenLLMetry: on the body
            record.tool_calls = [_record_call(c) for c in calls]
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


def _content_calls(calls: Any) -> list[Any]:
    """Tool calls that carry their arguments (with content capture off, events keep only the function's name)."""
    out = []
    for call in _as_list(maybe_json(calls)):
        fn = as_dict(as_dict(call).get("function")) or as_dict(call)
        if "arguments" in fn:
            out.append(call)
    return out


def _record_call(call: Any) -> dict[str, Any]:
    call = as_dict(call)
    fn = as_dict(call.get("function")) or call
    return {"name": fn.get("name"), "arguments": parse_arguments(fn.get("arguments"))}


# ---- log events joined to their spans ---------------------------------------------------------------------------------
Key = tuple[str, str]
Pending = tuple[dict[str, Any], tuple[dict[str, Any], ...], str, int]  # span doc, parents, path, line
# Spans and events held in memory for a join; past it they wait in a temporary file (an export of content-off spans,
# or spans and logs in separate files, may hold every span until the end).
MAX_PENDING = 20_000
MAX_DONE = 1_000_000  # hashes of the ids of spans already read, to drop the events that repeat their content
EVENT_OF_READ_SPAN = "log event repeating its span's content"


class Deferred(Skip):
    """A span without content, or a GenAI log event: held by ``EventJoin`` until span and events meet.

    Read without a join it is an ordinary ``Skip``."""

    def __init__(
        self,
        reason: str,
        hint: str | None = None,
        *,
        span: tuple[dict[str, Any], tuple[dict[str, Any], ...]] | None = None,
        event: dict[str, Any] | None = None,
        key: Key | None = None,
    ) -> None:
        super().__init__(reason, hint)
        self.span = span
        self.event = event
        self.key = key


def log_event(doc: dict[str, Any]) -> Skip:
    """The exception ``convert`` raises for a log record: a ``Deferred`` GenAI event, or a ``Skip``."""
    attrs = attributes(doc.get("attributes"))
    name = doc.get("eventName") or doc.get("event_name") or attrs.get("event.name") or ""
    if not isinstance(name, str) or not name.startswith("gen_ai."):
        return Skip("non-LLM log record")
    context = as_dict(doc.get("context"))
    trace_id = hex_id(doc.get("traceId") or doc.get("trace_id") or context.get("trace_id"))
    span_id = hex_id(doc.get("spanId") or doc.get("span_id") or context.get("span_id"))
    times = ("timeUnixNano", "timestamp", "observedTimeUnixNano", "observed_timestamp")
    when = next((doc[k] for k in times if (to_unix(doc.get(k)) or 0) > 0), None)  # OTLP writes an unset time as 0
    event = {"name": name, "attributes": attrs, "body": doc.get("body"), "timeUnixNano": when}
    if not (trace_id and span_id):
        if name != _DETAILS_EVENT:  # one message of a call that cannot be told apart from others
            return Skip("GenAI log event without a span id")
        return Deferred("GenAI log event without its span", event=event)
    return Deferred("GenAI log event without its span", event=event, key=(trace_id, span_id))


class _OnDisk(tuple):
    """(offset, length) of a value held in ``_Disk``."""


class _Disk:
    """Values held past ``MAX_PENDING``: JSON in an anonymous temporary file, gone when closed."""

    def __init__(self) -> None:
        self.fh = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the join
        self.end = 0

    def put(self, value: Any) -> _OnDisk:
        data = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        self.fh.seek(self.end)
        self.fh.write(data)
        where = _OnDisk((self.end, len(data)))
        self.end += len(data)
        return where

    def get(self, where: _OnDisk) -> Any:
        self.fh.seek(where[0])
        return json.loads(self.fh.read(where[1]).decode("utf-8", "surrogatepass"))


class EventJoin:
    """Joins GenAI log events to their spans by (trace id, span id), across lines and files.

    ``add`` takes what ``convert`` deferred; a span is released (to ``ready``, with its events appended to the span's
    own) as soon as its events hold the answer, the rest at ``flush``. Events whose span never came become records of
    their own. Events of a span that carried its content itself (``SPAN_AND_EVENT``) are dropped (``dropped``).
    Past ``MAX_PENDING`` held values, new ones wait on disk: memory stays bounded, nothing is lost."""

    def __init__(self, max_pending: int | None = None) -> None:
        self.max_pending = max_pending or MAX_PENDING
        self.spans: dict[Key, Pending] = {}
        self.events: dict[Key, list[Any]] = {}
        self.event_origin: dict[Key, tuple[str, int]] = {}
        self.answered: set[Key] = set()
        self.done: dict[int, None] = {}  # hash of the key: a span read with its content or joined to its events
        self.ready: list[Pending] = []
        self.dropped: int = 0
        self.in_memory = 0
        self.disk: _Disk | None = None

    def add(self, item: Deferred, path: str, line: int) -> None:
        key = item.key
        if key is None:  # no ids: nothing to join with
            self.ready.append(self._alone(item, path, line))
            return
        if hash(key) in self.done:
            if item.event is not None:
                self.dropped += 1
            else:
                self.ready.append((*item.span, path, line))
            return
        if item.span is not None:
            doc, parents = item.span
            self.spans[key] = (self._hold(doc), parents, path, line)
        else:
            self.events.setdefault(key, []).append(self._hold(item.event))
            self.event_origin.setdefault(key, (path, line))
            if item.event["name"] in _ANSWER_EVENTS:
                self.answered.add(key)
        if key in self.spans and key in self.answered:
            self._join(key)

    def seen(self, trace_id: str | None, span_id: str | None) -> None:
        """A span read with its content: its log events (before or after) repeat it."""
        if not trace_id or not span_id:
            return
        key = (trace_id, span_id)
        if key in self.events:
            self.dropped += len([self._back(e) for e in self.events.pop(key)])
            self.event_origin.pop(key, None)
            self.answered.discard(key)
        self._done(key)

    def flush(self) -> None:
        """Release everything held: spans with whatever events they got, events whose span never came."""
        for key in list(self.spans):
            self._join(key)
        for key in list(self.events):
            self._orphan(key)
        if self.disk is not None:
            self.disk.fh.close()
            self.disk = None

    def take(self) -> list[Pending]:
        ready, self.ready = self.ready, []
        return ready

    # ---- internals ---------------------------------------------------------------------------------------------------
    def _hold(self, value: Any) -> Any:
        if self.in_memory < self.max_pending:
            self.in_memory += 1
            return value
        if self.disk is None:
            self.disk = _Disk()
        return self.disk.put(value)

    def _back(self, value: Any) -> Any:
        if isinstance(value, _OnDisk):
            return self.disk.get(value) if self.disk is not None else {}
        self.in_memory -= 1
        return value

    def _join(self, key: Key) -> None:
        held, parents, path, line = self.spans.pop(key)
        doc = self._back(held)
        events = [self._back(e) for e in self.events.pop(key, [])]
        self.event_origin.pop(key, None)
        self.answered.discard(key)
        if not events:
            self.ready.append((doc, parents, path, line))
            return
        own = doc.get("events")
        merged = {**doc, "events": [*(own if isinstance(own, list) else []), *events]}
        self._done(key)
        self.ready.append((merged, parents, path, line))

    def _orphan(self, key: Key) -> None:
        events = [self._back(e) for e in self.events.pop(key)]
        path, line = self.event_origin.pop(key)
        self.answered.discard(key)
        self._done(key)
        self.ready.append((event_span(key, events), (), path, line))

    def _alone(self, item: Deferred, path: str, line: int) -> Pending:
        if item.span is not None:
            return (*item.span, path, line)
        return (event_span(None, [item.event]), (), path, line)

    def _done(self, key: Key) -> None:
        self.done[hash(key)] = None
        if len(self.done) > MAX_DONE:
            del self.done[next(iter(self.done))]


def event_span(key: Key | None, events: list[dict[str, Any]]) -> dict[str, Any]:
    """A span made of GenAI log events whose span is not in the input: the call's attributes come from the details
    event (or the first event), its time from the earliest event."""
    details = next((e for e in events if e["name"] == _DETAILS_EVENT), None)
    attrs = dict(attributes((details or events[0]).get("attributes")))
    for key_name in ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"):
        attrs.pop(key_name, None)  # content is read from the event itself
    times = [t for t in (to_unix(e.get("timeUnixNano")) for e in events) if t is not None]
    doc: dict[str, Any] = {"name": "", "attributes": attrs, "events": events}
    operation, model = attrs.get("gen_ai.operation.name"), attrs.get("gen_ai.request.model")
    if isinstance(operation, str) and isinstance(model, str):
        doc["name"] = f"{operation} {model}"
    if key is not None:
        doc["traceId"], doc["spanId"] = key
    if times:
        doc["startTimeUnixNano"] = str(int(min(times) * 1e9))
    return doc
