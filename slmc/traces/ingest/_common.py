"""Helpers shared by the readers: message, tool and tool-call normalisation, times, numbers. Stdlib only."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from slmc.traces.ingest._stream import loads
from slmc.traces.record import content_text

_NUMBER = re.compile(r"\d+(\.\d*)?")


class ShapeError(ValueError):
    """A record of a known format that lacks what the format requires (reported as ``E102``)."""


class Skip(Exception):
    """A record that is valid but not an LLM call (embedding, tool span, chain run): counted, not reported.

    ``hint`` says what would have made it usable (the setting that turns message content on); files that yield no
    record and only such skips get an ``E107`` problem with the hint."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def maybe_json(value: Any) -> Any:
    """A JSON string decoded; anything else as is (attributes often carry nested values as JSON strings)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return loads(value)
        except ValueError:
            return value
    return value


def parse_arguments(value: Any) -> Any:
    """Tool-call arguments: a dict when they are a JSON object, else the raw value."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return {} if value is None else value


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):  # "inf", 1e999
            return None


def to_float(value: Any) -> float | None:
    """A finite float, or None (NaN and infinities included)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number - number == 0.0 else None


def to_unix(value: Any) -> float | None:
    """Seconds since the epoch from seconds/ms/µs/ns numbers (or digit strings) or an ISO-8601 text (UTC if naive)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        number = float(value)
        if number > 1e17:  # nanoseconds (OTLP)
            return number / 1e9
        if number > 1e14:  # microseconds
            return number / 1e6
        if number > 1e11:  # milliseconds
            return number / 1e3
        return number
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:  # fromisoformat wants 3 or 6 fractional digits on older Pythons: normalise
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{(digits + '000000')[:6]}{zone}"
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    except (ValueError, OverflowError):  # not a date; a date outside what a timestamp can hold
        return None


def latency_ms(start: Any, end: Any) -> float | None:
    a, b = to_unix(start), to_unix(end)
    if a is None or b is None or b < a:
        return None
    return round((b - a) * 1000.0, 3)


# ---- OpenAI shapes ---------------------------------------------------------------------------------------------------
def text_of(content: Any) -> str | None:
    """Message content as one string (text parts joined; other parts as ``[type]``); None stays None."""
    if content is None or type(content) is str:
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in (None, "text", "input_text", "output_text") and "text" not in part:
                parts.append(f"[{kind}]")
                continue
            parts.append(content_text([part]))
        return "".join(parts)
    if isinstance(content, dict):
        return content_text([content])
    return content_text(content)


def openai_tool_call(call: Any) -> dict[str, Any]:
    """An OpenAI-shape tool call ``{id?, type: function, function: {name, arguments: str}}`` from any common shape."""
    call = as_dict(call)
    fn = as_dict(call.get("function")) or call
    arguments = fn.get("arguments", fn.get("args", fn.get("input")))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    out: dict[str, Any] = {"type": "function", "function": {"name": fn.get("name"), "arguments": arguments}}
    if call.get("id"):
        out["id"] = call["id"]
    return out


def record_tool_call(call: Any) -> dict[str, Any]:
    """The record's tool-call shape ``{name, arguments}`` (arguments parsed when JSON)."""
    call = as_dict(call)
    fn = as_dict(call.get("function")) or call
    return {"name": fn.get("name"), "arguments": parse_arguments(fn.get("arguments", fn.get("args", fn.get("input"))))}


def openai_messages(messages: Any) -> list[dict[str, Any]]:
    """Messages in the OpenAI chat shape with string content (legacy ``function_call`` becomes ``tool_calls``)."""
    out = []
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, str):
            out.append({"role": "user", "content": message})
            continue
        message = as_dict(message)
        item: dict[str, Any] = {"role": message.get("role") or "user", "content": text_of(message.get("content"))}
        calls = message.get("tool_calls") or ([message["function_call"]] if message.get("function_call") else [])
        if calls:
            item["tool_calls"] = [openai_tool_call(c) for c in calls]
        elif item["content"] is None:
            item["content"] = ""
        for key in ("tool_call_id", "name"):
            if message.get(key):
                item[key] = message[key]
        out.append(item)
    return out


def openai_tools(tools: Any) -> list[dict[str, Any]]:
    """Tools in the OpenAI shape from OpenAI chat, Responses (flat), Anthropic (``input_schema``) or legacy functions."""
    out = []
    for tool in tools if isinstance(tools, list) else []:
        tool = as_dict(maybe_json(tool))
        if not tool:
            continue
        fn = as_dict(tool.get("function")) or tool
        if (
            tool.get("type") not in (None, "function", "custom")
            and "function" not in tool
            and "input_schema" not in tool
        ):
            out.append(tool)  # a built-in tool (web_search, ...): kept as given
            continue
        spec: dict[str, Any] = {"name": fn.get("name")}
        if fn.get("description"):
            spec["description"] = fn["description"]
        parameters = fn.get("parameters", fn.get("input_schema"))
        if parameters is not None:
            spec["parameters"] = maybe_json(parameters)
        out.append({"type": "function", "function": spec})
    return out


def choice_output(message: Any) -> tuple[str | None, list[dict[str, Any]]]:
    """(text, tool calls) of an assistant message in the OpenAI shape."""
    message = as_dict(message)
    calls = message.get("tool_calls") or ([message["function_call"]] if message.get("function_call") else [])
    text = text_of(message.get("content"))
    if text is None and message.get("refusal"):
        text = str(message["refusal"])
    return text, [record_tool_call(c) for c in calls]


def responses_input(instructions: Any, items: Any) -> list[dict[str, Any]]:
    """OpenAI Responses API ``instructions`` + ``input`` as chat messages."""
    messages: list[dict[str, Any]] = []
    if instructions:
        messages.append({"role": "system", "content": text_of(instructions)})
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
        return messages
    for item in items if isinstance(items, list) else []:
        item = as_dict(item)
        kind = item.get("type")
        if kind == "function_call":
            call = {
                "id": item.get("call_id"),
                "function": {"name": item.get("name"), "arguments": item.get("arguments")},
            }
            messages.append({"role": "assistant", "content": None, "tool_calls": [openai_tool_call(call)]})
        elif kind == "function_call_output":
            messages.append(
                {"role": "tool", "tool_call_id": item.get("call_id"), "content": text_of(item.get("output"))}
            )
        elif kind in (None, "message"):
            messages.append({"role": item.get("role") or "user", "content": text_of(item.get("content")) or ""})
    return messages


def responses_output(response: Any) -> tuple[str | None, list[dict[str, Any]], str | None]:
    """(text, tool calls, finish reason) of an OpenAI Responses API ``Response``."""
    response = as_dict(response)
    texts, calls = [], []
    for item in response.get("output") or []:
        item = as_dict(item)
        if item.get("type") == "message":
            texts.append(text_of(item.get("content")) or "")
        elif item.get("type") == "function_call":
            calls.append({"name": item.get("name"), "arguments": parse_arguments(item.get("arguments"))})
    status = response.get("status")
    finish = (
        "tool_calls" if calls else {"completed": "stop", "incomplete": "length", "failed": "error"}.get(status, status)
    )
    text = "".join(texts) if texts else response.get("output_text")
    return text, calls, finish


# ---- Anthropic shapes ------------------------------------------------------------------------------------------------
ANTHROPIC_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def anthropic_messages(system: Any, messages: Any) -> list[dict[str, Any]]:
    """Anthropic ``system`` + ``messages`` (text, tool_use, tool_result blocks) as OpenAI chat messages."""
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": text_of(system)})
    for message in messages if isinstance(messages, list) else []:
        message = as_dict(message)
        role, content = message.get("role") or "user", message.get("content")
        if not isinstance(content, list):
            out.append({"role": role, "content": text_of(content) or ""})
            continue
        texts, calls = [], []
        for block in content:
            block = as_dict(block)
            kind = block.get("type")
            if kind == "tool_use":
                calls.append(
                    openai_tool_call({"id": block.get("id"), "name": block.get("name"), "input": block.get("input")})
                )
            elif kind == "tool_result":
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": block.get("tool_use_id"),
                        "content": text_of(block.get("content")) or "",
                    }
                )
            elif kind in ("text", None):
                texts.append(str(block.get("text") or ""))
            elif kind not in ("thinking", "redacted_thinking"):
                texts.append(f"[{kind}]")
        if texts or calls:
            item: dict[str, Any] = {"role": role, "content": "".join(texts) if texts else None}
            if calls:
                item["tool_calls"] = calls
            out.append(item)
    return out


def anthropic_output(content: Any) -> tuple[str | None, list[dict[str, Any]]]:
    texts, calls = [], []
    for block in content if isinstance(content, list) else []:
        block = as_dict(block)
        if block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "tool_use":
            calls.append({"name": block.get("name"), "arguments": parse_arguments(block.get("input"))})
    return ("".join(texts) if texts else None), calls


REQUEST_SKIP = frozenset(
    {
        "messages",
        "tools",
        "functions",
        "model",
        "input",
        "instructions",
        "system",
        "stream",
        "stream_options",
        "extra_headers",
        "extra_query",
        "extra_body",
        "timeout",
        "api_key",
        "api_base",
        "base_url",
    }
)


def params_of(request: dict[str, Any]) -> dict[str, Any]:
    """Sampling and format options of a request (everything but the payload and transport settings)."""
    return {k: v for k, v in request.items() if k not in REQUEST_SKIP and v is not None}
