"""Field shapes of an ingested ``TraceRecord``, made well-typed whatever the trace file held.

Every reader hands its record to ``normalise`` before it leaves ingest, so ``slmc traces stats|show`` and the passes
can rely on: text fields (``id``, ``source``, ``model``, ``error``, ...) a ``str`` or None; ``messages`` a list of
dicts with a ``str`` role and a content that is a ``str``, None, or a list of part dicts; ``tool_calls`` and
``tools`` lists of dicts (a tool call's ``name`` a ``str`` or None); ``params`` and ``meta`` dicts; token counts an
``int`` >= 0 or None; ``latency_ms`` and ``timestamp`` a finite ``float`` or ``int``, or None; ``stack`` a list of
``Frame``s with typed fields. Values of the wrong shape are converted when that keeps their meaning (a number as
text) and dropped otherwise. A record already in shape costs a few C-level type checks (this runs on every record).
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from slmc.traces.record import Frame, TraceRecord, content_text, json_safe

_TEXT_FIELDS = ("provider", "model", "finish_reason", "site_id", "workload", "trace_id", "span_id", "split", "task")
_MESSAGE_TEXT_KEYS = ("tool_call_id", "name")

# The fast check: the types of all fields as one tuple (one C-level pass), compared with the signatures already seen.
_NONE = type(None)
_ALLOWED: dict[str, frozenset[type]] = {
    "id": frozenset({str}),
    "source": frozenset({str}),
    **{name: frozenset({str, _NONE}) for name in ("error", "output", *_TEXT_FIELDS)},
    **{name: frozenset({list}) for name in ("messages", "tools", "tool_calls", "stack")},
    **{name: frozenset({dict}) for name in ("params", "meta")},
    **{name: frozenset({int, _NONE}) for name in ("input_tokens", "output_tokens")},
    **{name: frozenset({float, int, _NONE}) for name in ("latency_ms", "timestamp")},
}
_FIELDS = tuple(f.name for f in fields(TraceRecord))  # the order of a record's __dict__ (set by __init__)
_SIGNATURES: dict[tuple[type, ...], bool] = {}
_LAST: list[tuple[type, ...]] = [
    ()
]  # the last good signature (most records have the one of the record before)  # the types of a record's fields, in order -> all allowed
_DICT = frozenset({dict})


def normalise(rec: TraceRecord, source: str) -> TraceRecord:
    """``rec`` with every field in its documented shape (in place); ``source`` is the format it was read with."""
    d = rec.__dict__
    signature = tuple(map(type, d.values()))
    good = True if signature == _LAST[0] else _SIGNATURES.get(signature)  # == first compares by identity: no hash
    if good is None:
        good = tuple(d) == _FIELDS and all(t in _ALLOWED.get(n, (t,)) for n, t in zip(_FIELDS, signature, strict=True))
        if len(_SIGNATURES) < 4096:
            _SIGNATURES[signature] = good
    if good:
        _LAST[0] = signature
    if not good or not d["source"]:
        return _fix(rec, source)
    x, y = d["latency_ms"], d["timestamp"]  # finite (arithmetic on huge numbers gives inf)
    if (type(x) is float and x - x != 0.0) or (type(y) is float and y - y != 0.0):
        return _fix(rec, source)
    x, y = d["input_tokens"], d["output_tokens"]
    if (x is not None and x < 0) or (y is not None and y < 0):
        return _fix(rec, source)
    for m in d["messages"]:
        plain = type(m) is dict and len(m) == 2 and type(m.get("content")) is str and type(m.get("role")) is str
        if not plain and not _message_ok(m):
            rec.messages = _messages(d["messages"])
            break
    if d["tools"] and not set(map(type, d["tools"])) <= _DICT:
        rec.tools = [t for t in d["tools"] if type(t) is dict]
    if d["tool_calls"] and not _tool_calls_ok(d["tool_calls"]):
        rec.tool_calls = [_tool_call(c) for c in d["tool_calls"] if type(c) is dict]
    for f in d["stack"]:
        if type(f) is not Frame or not (
            type(f.path) is str and type(f.line) is int and type(f.function) is str and type(f.end_line) is int
        ):
            rec.stack = _stack(d["stack"])
            break
    return rec


def _tool_calls_ok(calls: list[Any]) -> bool:
    return set(map(type, calls)) <= _DICT and all(type(c.get("name")) in (str, _NONE) for c in calls)


def _message_ok(m: Any) -> bool:
    """A message already in shape (the slow check, for messages with more than a role and a text content)."""
    if type(m) is not dict or type(m.get("role")) is not str or _content(m.get("content")) is not m.get("content"):
        return False
    if "tool_calls" in m:
        calls = m["tool_calls"]
        if type(calls) is not list or not calls or not set(map(type, calls)) <= _DICT:
            return False
    return all(type(m[key]) is str for key in _MESSAGE_TEXT_KEYS if key in m)


def _fix(rec: TraceRecord, source: str) -> TraceRecord:
    d = rec.__dict__
    if type(d["id"]) is not str:
        rec.id = _text(d["id"]) or ""
    if type(d["source"]) is not str or not d["source"]:
        rec.source = source
    for name in _TEXT_FIELDS:
        value = d[name]
        if value is not None and type(value) is not str:
            d[name] = _text(value)
    if d["error"] is not None and type(d["error"]) is not str:
        rec.error = _error(d["error"])
    if d["output"] is not None and type(d["output"]) is not str:
        rec.output = _output(d["output"])
    messages = d["messages"]
    if type(messages) is not list:
        rec.messages = []
    elif not all(_message_ok(m) for m in messages):
        rec.messages = _messages(messages)
    for name in ("tools", "tool_calls"):
        value = d[name]
        if type(value) is not list:
            d[name] = []
        elif value and not all(type(v) is dict for v in value):
            d[name] = [v for v in value if type(v) is dict]
    if d["tool_calls"]:
        rec.tool_calls = [_tool_call(c) for c in d["tool_calls"]]
    for name in ("params", "meta"):
        if type(d[name]) is not dict:
            d[name] = {}
    for name in ("input_tokens", "output_tokens"):
        value = d[name]
        if value is not None and (type(value) is not int or value < 0):
            d[name] = _count(value)
    for name in ("latency_ms", "timestamp"):
        value = d[name]
        if value is not None and type(value) is not int and (type(value) is not float or value - value != 0.0):
            d[name] = _number(value)
    if d["stack"]:
        rec.stack = _stack(d["stack"])
    elif type(d["stack"]) is not list:
        rec.stack = []
    return rec


# ---- scalars ---------------------------------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    """A scalar as text (numbers as JSON writes them); containers, booleans and non-finite numbers: None."""
    if type(value) is str:
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value - value == 0.0 else None
    if isinstance(value, str):
        return str(value)
    return None


def _json_text(value: Any) -> str:
    return json.dumps(json_safe(value), ensure_ascii=False, sort_keys=True)


def _error(value: Any) -> str | None:
    """An error of any shape as one line of text (a dict ``{type, message}`` as ``type: message``)."""
    if not value:
        return None
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        kind = value.get("type") or value.get("code") or "error"
        return f"{_text(kind) or 'error'}: {value['message']}".strip()
    return _text(value) or _json_text(value)


def _output(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(p, dict) for p in value):
        return content_text(value)
    text = _text(value)
    return text if text is not None else _json_text(value)


def _count(value: Any) -> int | None:
    """A token count: an int >= 0 (from an int, an integral float or a digit string) or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdecimal() or len(value) > 30:
            return None
        value = int(value)
    elif isinstance(value, float) and value - value == 0.0 and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return int(value)
    return None


def _number(value: Any) -> float | None:
    """A finite float (from a number or a numeric string) or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if number - number == 0.0 else None


# ---- containers ------------------------------------------------------------------------------------------------------
def _content(value: Any) -> str | list[dict[str, Any]] | None:
    """Message content: a str, None, or a list of part dicts whose ``text`` (when given) is a str; else its text."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, list) and all(
        isinstance(p, dict) and ("text" not in p or isinstance(p["text"], str)) for p in value
    ):
        return value
    if isinstance(value, list | dict):
        return content_text(value if isinstance(value, list) else [value])
    return _text(value) or _json_text(value)


def _messages(messages: list[Any]) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        if isinstance(m, str):
            out.append({"role": "user", "content": m})
            continue
        if not isinstance(m, dict):
            continue  # null, numbers, lists: nothing a message can be made of
        m = dict(m)
        m["role"] = _text(m.get("role")) or "user"
        m["content"] = _content(m.get("content"))
        if "tool_calls" in m:
            calls = m["tool_calls"]
            calls = [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
            if calls:
                m["tool_calls"] = calls
            else:
                del m["tool_calls"]
        for key in _MESSAGE_TEXT_KEYS:
            if key in m and type(m[key]) is not str:
                text = _text(m[key])
                if text is None:
                    del m[key]
                else:
                    m[key] = text
        out.append(m)
    return out


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    name = call.get("name")
    if name is None or type(name) is str:
        return call
    return {**call, "name": _text(name)}


def _stack(stack: Any) -> list[Frame]:
    if type(stack) is not list:
        return []
    out = []
    for f in stack:
        if type(f) is Frame:
            if type(f.path) is str and type(f.line) is int and type(f.function) is str and type(f.end_line) is int:
                out.append(f)
                continue
            f = {"path": f.path, "line": f.line, "function": f.function, "end_line": f.end_line}
        if not isinstance(f, dict):
            continue
        path = _text(f.get("path"))
        if not path:
            continue
        out.append(
            Frame(
                path=path,
                line=_count(f.get("line")) or 0,
                function=_text(f.get("function")) or "",
                end_line=_count(f.get("end_line")) or 0,
            )
        )
    return out
