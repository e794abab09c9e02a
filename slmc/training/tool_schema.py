"""Tool schemas read defensively, and the teacher's tool calls turned into what the tool-call head learns.

No torch here (the runtime imports this module to check a request's tools). Every schema is hostile: a tool that is
not an object or has no string name is skipped; a parameter with a missing or unknown type, a nested object, an array
or an enum too large or not of scalars gets the kind ``other`` (its value cannot be predicted: a call that needs one
falls back to the LLM). Accepts the OpenAI shape (``{"type": "function", "function": {...}}``) and the bare one.

Argument kinds: ``span`` (a string copied from the request), ``integer`` / ``number`` (a span of the request,
parsed), ``boolean``, ``enum`` (one of the schema's values; an integer with a small ``minimum``-``maximum`` range too),
``other``. Each parameter of the chosen tool has a status
the head predicts: absent, a value (span / enum / parsed number), true, false, or other (not predictable: fallback).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

MAX_TOOLS = 128  # tools offered in one request beyond this are not scored (the call falls back)
MAX_PARAMS = 64
MAX_ENUM = 32  # an enum with more values is scored as `other` (fallback when present)
MAX_TEXT = 400  # characters of a tool / parameter description kept
STATUSES = ("absent", "value", "true", "false", "other")
KINDS = ("span", "integer", "number", "boolean", "enum", "other")
_TYPES = {
    "string": "span",
    "str": "span",
    "integer": "integer",
    "int": "integer",
    "number": "number",
    "float": "number",
    "boolean": "boolean",
    "bool": "boolean",
}
# a number as written in text; a unit may follow it ("5C", "100g", "300K"), a word may not hold it ("x2", "v1.2")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\d)")


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    description: str = ""
    type_name: str = ""
    enum: tuple[Any, ...] = ()
    required: bool = False

    def text(self, tool: str) -> str:
        kind = self.type_name or "any"
        return f"{tool} . {self.name} ({kind}): {self.description}"

    def enum_text(self, value: Any) -> str:
        return f"{self.name}: {self.description} = {value}"


@dataclass(frozen=True)
class Tool:
    name: str
    description: str = ""
    params: tuple[Param, ...] = field(default_factory=tuple)

    def text(self) -> str:
        return f"{self.name}: {self.description}"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _param(name: str, schema: Any, required: bool) -> Param:
    if not isinstance(schema, dict):
        return Param(name, "other", required=required)
    raw_type = schema.get("type")
    type_name = raw_type if isinstance(raw_type, str) else ""
    kind = _TYPES.get(type_name.lower(), "other")
    description = _text(schema.get("description"))
    enum = schema.get("enum")
    if enum is not None:
        ok = (
            isinstance(enum, list)
            and 0 < len(enum) <= MAX_ENUM
            and all(_scalar(v) for v in enum)
            and len({repr(v) for v in enum}) == len(enum)
        )
        if ok:
            return Param(name, "enum", description, type_name, tuple(enum), required)
        return Param(name, "other", description, type_name, (), required)
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "integer" and all(type(v) is int for v in (low, high)) and 1 < high - low + 1 <= MAX_ENUM:
        # a small closed range (a priority 1-3, a rating 1-5) is a choice among its values: the value is seldom
        # written in the request ("Urgency: high" -> priority 1), so it is chosen as an enum, not read as a span
        return Param(name, "enum", description, type_name, tuple(range(low, high + 1)), required)
    return Param(name, kind, description, type_name, (), required)


def _scalar(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    return isinstance(v, (str, int, bool)) and (not isinstance(v, str) or len(v) <= MAX_TEXT)


def read_tool(raw: Any) -> Tool | None:
    """A tool in the OpenAI shape or bare (``name``, ``description``, ``parameters``), or None when unusable."""
    if not isinstance(raw, dict):
        return None
    fn = raw.get("function") if isinstance(raw.get("function"), dict) else raw
    name = fn.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        return None
    params_schema = fn.get("parameters")
    props = params_schema.get("properties") if isinstance(params_schema, dict) else None
    required_raw = params_schema.get("required") if isinstance(params_schema, dict) else None
    required = {r for r in required_raw if isinstance(r, str)} if isinstance(required_raw, list) else set()
    params = []
    if isinstance(props, dict):
        for pname, pschema in list(props.items())[:MAX_PARAMS]:
            if isinstance(pname, str) and pname:
                params.append(_param(pname[:200], pschema, pname in required))
    return Tool(name, _text(fn.get("description")), tuple(params))


def read_tools(raw: Any) -> list[Tool]:
    """The usable tools of a request (unusable ones skipped, duplicates by name kept once)."""
    if not isinstance(raw, list):
        return []
    out: dict[str, Tool] = {}
    for item in raw[:MAX_TOOLS]:
        tool = read_tool(item)
        if tool is not None and tool.name not in out:
            out[tool.name] = tool
    return list(out.values())


# ---- labels from a teacher's answer -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArgLabel:
    status: str  # one of STATUSES
    span: tuple[int, int] | None = None  # characters of the request, for span / integer / number values
    enum_index: int | None = None


def _numbers(text: str) -> list[tuple[int, int, float]]:
    out = []
    for m in _NUMBER.finditer(text):
        s = m.group(0)
        if not any(ch.isdigit() for ch in s):
            continue
        value = parse_number(s)
        if value is not None:
            out.append((m.start(), m.end(), value))
    return out


def parse_number(text: str) -> float | None:
    """A number written in a span (thousands commas allowed); None when it is not one."""
    cleaned = text.strip().replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def find_span(request: str, value: Any, kind: str) -> tuple[int, int] | None:
    """Where the teacher's value is written in the request (first occurrence), or None."""
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        for start, end, number in _numbers(request):
            if number == float(value):
                return start, end
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    index = request.find(value)
    if index < 0:
        index = request.lower().find(value.lower())
    return (index, index + len(value)) if index >= 0 else None


def label_argument(request: str, param: Param, present: bool, value: Any) -> ArgLabel:
    """What the head must predict for one parameter given the teacher's call."""
    if not present:
        return ArgLabel("absent")
    if param.kind == "boolean" and isinstance(value, bool):
        return ArgLabel("true" if value else "false")
    if param.kind == "enum":
        for i, option in enumerate(param.enum):
            if option == value and type(option) is type(value):
                return ArgLabel("value", enum_index=i)
        return ArgLabel("other")
    if param.kind in ("span", "integer", "number"):
        if param.kind == "integer" and isinstance(value, float) and not value.is_integer():
            return ArgLabel("other")
        span = find_span(request, value, param.kind)
        if span is not None:
            return ArgLabel("value", span=span)
    return ArgLabel("other")


def value_from_span(text: str, kind: str) -> Any:
    """The argument a predicted span gives for its kind; None when a number does not parse."""
    if kind == "span":
        return text
    numbers = _numbers(text)
    if len(numbers) != 1:  # a span holding no number, or several, gives no argument
        return None
    text = text[numbers[0][0] : numbers[0][1]]
    number = numbers[0][2]
    if kind == "integer":
        return int(number) if number.is_integer() else None
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
