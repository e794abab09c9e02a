"""The one normalised trace record every reader produces and every pass consumes.

Messages use the OpenAI chat shape (``{"role", "content", "tool_calls"?, "tool_call_id"?}``, content a string);
tools use the OpenAI tool shape (``{"type": "function", "function": {"name", "description", "parameters"}}``);
tool calls are ``{"name", "arguments"}`` with ``arguments`` a dict (parsed) or the raw string when it is not JSON.
Import-light: stdlib only (trace capture runs inside the user's agent).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any


@dataclass
class Frame:
    """A frame of the caller's stack at the time of the call (innermost first in ``TraceRecord.stack``)."""

    path: str  # as recorded (absolute or relative); linking relativises it against the analysed root
    line: int
    function: str
    end_line: int = 0


@dataclass
class TraceRecord:
    id: str = ""  # source id, or a content hash when the source has none
    source: str = ""  # format it was read from: slmc | openai | openai-ft | otel | openllmetry | langfuse | langsmith | anthropic | flywheel
    provider: str | None = None  # openai | anthropic | litellm | azure | ...
    model: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # temperature, max_tokens, response_format, tool_choice, ...
    output: str | None = None  # assistant text
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "arguments"}]
    finish_reason: str | None = None  # stop | length | tool_calls | content_filter | error | ...
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    timestamp: float | None = None  # unix seconds
    site_id: str | None = None  # call-site id recorded at capture (llm:f@path:line)
    stack: list[Frame] = field(default_factory=list)  # caller frames inside the agent's code, innermost first
    workload: str | None = None  # workload_id / span or entity name / run name given by the source
    trace_id: str | None = None
    span_id: str | None = None
    split: str | None = None  # train | validation | test (set by curation)
    task: str | None = None  # task id (set by clustering)
    label: Any = None  # ground truth when the dataset has it (benchmarks); never from the LLM
    meta: dict[str, Any] = field(default_factory=dict)

    # ---- views -----------------------------------------------------------------------------------------------------
    def system_text(self) -> str:
        return "\n".join(_text(m.get("content")) for m in self.messages if m.get("role") in ("system", "developer"))

    def user_text(self) -> str:
        """Text of the non-system input messages (what varies from call to call)."""
        return "\n".join(_text(m.get("content")) for m in self.messages if m.get("role") not in ("system", "developer"))

    def prompt_text(self) -> str:
        return "\n".join(_text(m.get("content")) for m in self.messages)

    def answer_text(self) -> str:
        """The answer as one string: the text, or the tool calls as canonical JSON."""
        if self.tool_calls:
            return json.dumps(
                [{"name": c.get("name"), "arguments": c.get("arguments")} for c in self.tool_calls],
                sort_keys=True,
                ensure_ascii=False,
            )
        return self.output or ""

    def content_hash(self) -> str:
        payload = json.dumps(
            {"m": self.messages, "t": self.tools, "o": self.output, "c": self.tool_calls, "model": self.model},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    # ---- JSON ------------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: v for k, v in out.items() if v not in _EMPTY}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TraceRecord:
        known = _FIELD_NAMES.get(cls)
        if known is None:
            known = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
        if not data.keys() <= known:
            data = {k: v for k, v in data.items() if k in known}
        stack = data.get("stack")
        if stack:
            data = {**data, "stack": [Frame(**f) if isinstance(f, dict) else f for f in stack]}
        return cls(**data)

    def to_json(self) -> str:
        """``to_dict`` as one JSON line, without its deep copy (4x faster): dataclasses (stack frames, ...) become
        dicts as the encoder meets them, as ``asdict`` would have made them. Always valid JSON in UTF-8: NaN and
        infinities are written as null, lone surrogates as U+FFFD (``json_safe``)."""
        values = self.__dict__
        return dumps_line({name: values[name] for name in _NAMES if values[name] not in _EMPTY})


_FIELD_NAMES: dict[type, frozenset[str]] = {}  # from_dict is on the ingest hot path
_NAMES = tuple(f.name for f in fields(TraceRecord))
_EMPTY = (None, [], {}, "")  # fields left out of the JSON form


def dumps_line(value: Any) -> str:
    """One line of strict JSON (``allow_nan=False``) that encodes to UTF-8. Values JSON cannot hold are made safe
    (``json_safe``) only when the fast attempt fails, so the common case costs nothing more."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default, allow_nan=False)
        text.encode("utf-8")  # a lone surrogate raises here
        return text
    except (ValueError, UnicodeEncodeError):
        return json.dumps(json_safe(value), ensure_ascii=False, sort_keys=True, default=str, allow_nan=False)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data with every non-finite float as None and every string (keys too) without lone
    surrogates (each becomes U+FFFD); dataclasses become dicts, other objects their ``str``."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value - value == 0.0 else None
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, dict):
        return {_safe_text(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return json_safe(_json_default(value))


def _safe_text(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def _json_default(value: Any) -> Any:
    if type(value) is Frame:  # the common case, without asdict's generic walk
        return {"path": value.path, "line": value.line, "function": value.function, "end_line": value.end_line}
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def _text(content: Any) -> str:
    """Content as text: strings pass; OpenAI/Anthropic part lists are joined by their text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, dict):
                parts.append(str(p.get("text") or p.get("content") or ""))
            else:
                parts.append(str(p))
        return "".join(parts)
    return str(content)


content_text = _text
