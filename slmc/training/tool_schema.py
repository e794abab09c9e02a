"""Tool schemas read defensively, and the teacher's tool calls turned into what the tool-call head learns.

No torch here (the runtime imports this module to check a request's tools). Every schema is hostile: a tool that is
not an object or has no string name is skipped; a parameter with a missing or unknown type, a nested object, an array
or an enum too large or not of scalars gets the kind ``other`` (its value cannot be predicted: a call that needs one
falls back to the LLM). Accepts the OpenAI shape (``{"type": "function", "function": {...}}``) and the bare one.

Argument kinds: ``span`` (a string copied from the request; a date rewritten in the format the parameter's
description names, ``tool_dates``), ``integer`` / ``number`` (a span of the request,
parsed: thousands commas, a scale word such as ``213 million`` or ``$1.2M``, a number word such as ``five``, a percent
as its fraction when the span takes the sign: ``5%`` -> 0.05, ``5`` of ``5%`` -> 5),
``list`` (an array of strings or numbers written in the request as one span: ``[5, 3, 4]``, ``85, 90 and 88``,
``Santa Barbara and Monterey``; its items are read by ``split_list``), ``options`` (an array whose items are an
enum's values: several options chosen), ``boolean``, ``enum`` (one of the schema's
values; an integer with a small ``minimum``-``maximum`` range too), ``other``. Each parameter of the chosen tool has a status
the head predicts: absent, a value (span / enum / parsed number), true, false, or other (not predictable: fallback).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from slmc.training.tool_dates import date_at, date_format, find_dates, render

MAX_TOOLS = 128  # tools offered in one request beyond this are not scored (the call falls back)
MAX_PARAMS = 64
MAX_ENUM = 32  # an enum with more values is scored as `other` (fallback when present)
MAX_TEXT = 400  # characters of a tool / parameter description kept
STATUSES = ("absent", "value", "true", "false", "other")
KINDS = ("span", "integer", "number", "list", "options", "boolean", "enum", "other")
MAX_LIST = 64  # items of a list argument read from one span
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
# a number as written in text; a unit may follow it ("5C", "100g", "300K"), a word may not hold it ("x2", "v1.2");
# a script written without spaces may ("买10个": Latin letters and digits only are a word here)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\d)")
# a scale right after a number: "213 million", "$1.2M", "5k" (the letter forms only glued to the number)
_SCALE = re.compile(r"(?:\s*(thousand|million|billion|trillion)\b|(k|K|M|B|bn)\b)")
_PERCENT = re.compile(r" ?%|\s*(?:percent|per cent)\b")  # "5%" / "5 percent" read as the fraction 0.05
_CURRENCY = frozenset("$€£¥₹")
_POINTS = re.compile(r"\bpercent(?:age)?s?\b|\bin %|\bas %")
_FRACTION = re.compile(r"\bdecimals?\b|\bfraction|\bratio\b|0\.\d")
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}
_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_WORDS = {w: i for i, w in enumerate((_ONES + " seventeen eighteen nineteen twenty").split(" "))}
_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_WORDS.update({"hundred": 100, "dozen": 12, "a dozen": 12, "a hundred": 100, "a thousand": 1000})
_NUMBER_WORD = re.compile(
    r"\b(?:a (?:dozen|hundred|thousand)|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")\b", re.I
)
_LIST_ITEMS = {"string": "span", "str": "span", "integer": "integer", "int": "integer", "number": "number"}
_LIST_ITEMS["float"] = "number"
_LIST_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bor\b|\n)\s*(?:and\b|or\b)?\s*")
_BRACKETS = {"[": "]", "(": ")", "{": "}"}
_QUOTES = "'\"`“”‘’"
_SENTENCE_END = "?!;:"


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
    item: str = ""  # the kind of a list's items: span, integer or number
    date: str = ""  # a string parameter whose description names a date format: the format (``tool_dates``)

    def text(self, tool: str) -> str:
        kind = self.type_name or "any"
        return f"{tool} . {self.name} ({kind}): {self.description}"

    def enum_text(self, value: Any) -> str:
        return f"{self.name}: {self.description} = {value}"

    def options_text(self, tool: str) -> tuple[str, list[tuple[int, int]]]:
        """``text(tool)`` followed by the enum's options (``| options: a | b``) and each option's characters in it:
        the head reads the parameter, its options and the request in one pass and scores each option there."""
        text = self.text(tool)
        if self.kind not in ("enum", "options") or len(self.enum) < 2:
            return text, []
        text += " | options:"
        places = []
        for value in self.enum:
            shown = value if isinstance(value, str) else repr(value).lower() if isinstance(value, bool) else str(value)
            shown = shown if shown.strip() else '""'
            text += " " if not places else " | "
            places.append((len(text), len(text) + len(shown)))
            text += shown
        return text, places


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
    if type_name.lower() in ("array", "list", "tuple"):
        items = schema.get("items")
        options = _options(items.get("enum")) if isinstance(items, dict) and "properties" not in items else None
        if options is not None:
            # an array of a closed set's values ("amenities": any of Patio / Wi-Fi / ...): a choice of several options
            return Param(name, "options", description, type_name, options, required)
        item_type = items.get("type") if isinstance(items, dict) else None
        item = _LIST_ITEMS.get(item_type.lower(), "") if isinstance(item_type, str) else ""
        if item and not (isinstance(items, dict) and ("enum" in items or "properties" in items)):
            return Param(name, "list", description, type_name, (), required, item)
        return Param(name, "other", description, type_name, (), required)
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "integer" and all(type(v) is int for v in (low, high)) and 1 < high - low + 1 <= MAX_ENUM:
        # a small closed range (a priority 1-3, a rating 1-5) is a choice among its values: the value is seldom
        # written in the request ("Urgency: high" -> priority 1), so it is chosen as an enum, not read as a span
        return Param(name, "enum", description, type_name, tuple(range(low, high + 1)), required)
    date = date_format(description) if kind == "span" else ""
    return Param(name, kind, description, type_name, (), required, date=date)


def _options(enum: Any) -> tuple[Any, ...] | None:
    """An enum's values when usable (a list of 1..MAX_ENUM distinct scalars), else None."""
    ok = (
        isinstance(enum, list)
        and 0 < len(enum) <= MAX_ENUM
        and all(_scalar(v) for v in enum)
        and len({repr(v) for v in enum}) == len(enum)
    )
    return tuple(enum) if ok else None


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
    picks: tuple[int, ...] = ()  # the options an ``options`` argument holds (indices into the parameter's enum)
    items: tuple[tuple[int, int], ...] = ()  # a list of numbers written apart: each item's characters, in order


def _numbers(text: str, scaled: bool = False) -> list[tuple[int, int, float]]:
    """(start, end, value) of each number written in ``text``, in order; with ``scaled`` a scale word or a percent
    sign after a number is read with it (``213 million`` = 213000000, ``5%`` = 0.05: the span then ends after the
    word or sign) and number words count."""
    out = []
    for m in _NUMBER.finditer(text):
        s = m.group(0)
        if not any(ch.isdigit() for ch in s):
            continue
        value = parse_number(s)
        if value is None:
            continue
        end = m.end()
        if scaled:
            scale = _SCALE.match(text, end)
            percent = _PERCENT.match(text, end)
            if scale is not None and not (scale.group(2) == "K" and not _after_currency(text, m.start())):
                value *= _SCALES[(scale.group(1) or scale.group(2)).lower()]
                end = scale.end()
            elif percent is not None:
                value = round(value / 100, 12)  # 7% -> 0.07, not 0.07000000000000001
                end = percent.end()
        out.append((m.start(), end, value))
    if scaled:
        taken = [(a, b) for a, b, _ in out]
        for m in _NUMBER_WORD.finditer(text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                out.append((m.start(), m.end(), float(_WORDS[m.group(0).lower()])))
        out.sort()
    return out


def _after_currency(text: str, start: int) -> bool:
    """Whether a currency sign is written right before ``start`` (``$5K``): only then is a capital ``K`` glued to a
    number a thousand; elsewhere it is a kelvin temperature (``298K``), a lower-case ``k`` stays a thousand."""
    return text[:start].rstrip(" ")[-1:] in _CURRENCY


def percent_points(param: Param) -> bool:
    """Whether the parameter takes a percent as its points (``5%`` -> 5): its description says the value is a
    percentage ("as a percentage", "in percent") and not a decimal or fraction ("in decimal form, 5% is 0.05")."""
    desc = param.description.lower()
    return bool(_POINTS.search(desc)) and not _FRACTION.search(desc)


def parse_number(text: str) -> float | None:
    """A number written in a span (thousands commas allowed); None when it is not one."""
    cleaned = text.strip().replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def find_span(request: str, value: Any, kind: str, item: str = "") -> tuple[int, int] | None:
    """Where the teacher's value is written in the request, or None: a string's first occurrence that begins and ends
    at word boundaries (``word_bounded``; the case written first, then any case), a number's first reading."""
    if kind == "list":
        return find_list_span(request, value, item)
    if kind in ("integer", "number"):
        if not _is_number(value):
            return None
        for plain in (False, True):  # the number as written first, then with a scale word or as a word
            for start, end, number in _numbers(request, scaled=plain):
                if number == float(value):
                    return start, end
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    for text, needle in ((request, value), (request.lower(), value.lower())):
        index = text.find(needle)
        while index >= 0:
            if word_bounded(request, index, index + len(value)):
                return index, index + len(value)
            index = text.find(needle, index + 1)
    return None


def _word_char(ch: str) -> bool:
    """A letter or digit of a script written with spaces between words (Latin, Greek, Cyrillic, Arabic, Indic ...):
    a value may not begin or end inside such a word; Thai and the scripts from CJK on (U+0E00 up) are written without
    spaces (or glue particles to words, Korean), where a value is a piece of a longer run."""
    return ch.isalnum() and ord(ch) < 0x0E00


def word_bounded(request: str, start: int, end: int) -> bool:
    """Whether ``request[start:end]`` begins and ends at word boundaries: a letter or digit at its edge has no letter
    or digit of the same word beside it outside ("c" of "celsius", "EUR" of "Euros", "apple" of "apples" are not
    values written in the request; the teacher rewrote them)."""
    if start < 0 or end > len(request) or start >= end:
        return False
    if start > 0 and _word_char(request[start]) and _word_char(request[start - 1]):
        return False
    return not (end < len(request) and _word_char(request[end - 1]) and _word_char(request[end]))


def label_argument(request: str, param: Param, present: bool, value: Any) -> ArgLabel:
    """What the head must predict for one parameter given the teacher's call."""
    if not present:
        return ArgLabel("absent")
    if param.kind == "boolean" and isinstance(value, bool):
        return ArgLabel("true" if value else "false")
    if param.kind == "enum":
        index = _option_index(param, value)
        return ArgLabel("other") if index is None else ArgLabel("value", enum_index=index)
    if param.kind == "options":
        indices = [_option_index(param, v) for v in value] if isinstance(value, list) else []
        picks = tuple(i for i in indices if i is not None)
        if not picks or len(picks) != len(indices) or len(set(picks)) != len(picks):
            return ArgLabel("other")  # not a list of distinct options (an empty list is not learnt either)
        return ArgLabel("value", picks=picks)
    if param.kind in ("span", "integer", "number", "list"):
        if param.kind == "integer" and isinstance(value, float) and not value.is_integer():
            return ArgLabel("other")
        span = find_span(request, value, param.kind, param.item)
        if span is None and param.kind == "list" and param.item in ("integer", "number"):
            items = find_number_items(request, value, param.item)
            if items:
                return ArgLabel("value", items=items)
        if span is None and param.date and isinstance(value, str):
            # a date the request writes its own way, rewritten in the format the description asks for
            span = next((ab for *ab, d in find_dates(request) if render(param.date, d) == value.strip()), None)
            span = tuple(span) if span is not None else None
        if span is not None:
            return ArgLabel("value", span=span)
    return ArgLabel("other")


def find_number_items(request: str, value: Any, item: str) -> tuple[tuple[int, int], ...]:
    """Where each number of the teacher's list is written in the request, in order (each after the one before:
    "from x=1 to x=3" for [1, 3]), or () when one is not there."""
    if not isinstance(value, list) or not value or len(value) > MAX_LIST or not all(_is_number(v) for v in value):
        return ()
    if item == "integer" and not all(float(v).is_integer() for v in value):
        return ()
    numbers = _numbers(request, scaled=True)
    out: list[tuple[int, int]] = []
    at = 0
    for v in value:
        hit = next(((a, b) for a, b, n in numbers if a >= at and n == float(v)), None)
        if hit is None:
            return ()
        out.append(hit)
        at = hit[1]
    return tuple(out)


def _option_index(param: Param, value: Any) -> int | None:
    return next((i for i, o in enumerate(param.enum) if o == value and type(o) is type(value)), None)


def argument_value(request: str, start: int, end: int, param: Param) -> Any:
    """The argument ``request[start:end]`` gives ``param``: a date rewritten in the format the parameter's
    description names (its year possibly read elsewhere in the request), else ``value_from_span``."""
    if param.kind == "span" and param.date:
        date = date_at(request, start, end)
        if date is not None:
            return render(param.date, date)
    return value_from_span(request[start:end], param.kind, param.item)


def value_from_span(text: str, kind: str, item: str = "") -> Any:
    """The argument a predicted span gives for its kind; None when a number (or a list's item) does not parse."""
    if kind == "span":
        return text
    if kind == "list":
        return split_list(text, item)
    numbers = _numbers(text, scaled=True)
    if len(numbers) != 1:  # a span holding no number, or several, gives no argument
        return None
    text = text[numbers[0][0] : numbers[0][1]]
    number = numbers[0][2]
    if kind == "integer":
        return int(number) if number.is_integer() else None
    plain = "." not in text and "e" not in text.lower()
    return int(number) if number.is_integer() and plain else number


def split_list(text: str, item: str) -> list[Any] | None:
    """The items of a list written as one span: enclosing brackets dropped, split at commas, semicolons, line breaks,
    ``and`` / ``or``, each item unquoted and read as its kind; None when an item does not parse or none is there."""
    text = text.strip()
    if len(text) >= 2 and text[0] in _BRACKETS and text[-1] == _BRACKETS[text[0]]:
        text = text[1:-1].strip()
    if item in ("integer", "number"):
        numbers = _numbers(text)
        rest = _NUMBER.sub(" ", text)
        if not numbers or len(numbers) > MAX_LIST or _LIST_SPLIT.sub("", rest).strip(" \t") not in ("",):
            return None  # something else than numbers and separators between them
        values = [n for _, _, n in numbers]
        if item == "integer":
            return [int(v) for v in values] if all(v.is_integer() for v in values) else None
        plain = ["." not in text[a:b] for a, b, _ in numbers]
        return [int(v) if v.is_integer() and p else v for v, p in zip(values, plain, strict=True)]
    # an item keeps no sentence punctuation the span took with it ("Apple and Microsoft?")
    parts = [p.strip().rstrip(_SENTENCE_END).strip().strip(_QUOTES).strip() for p in _LIST_SPLIT.split(text)]
    parts = [p for p in parts if p]
    if not parts or len(parts) > MAX_LIST:
        return None
    return parts


def _same_list(got: list[Any] | None, value: list[Any]) -> bool:
    if got is None or len(got) != len(value):
        return False
    for a, b in zip(got, value, strict=True):
        if _is_number(b):
            if not _is_number(a) or not math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif not isinstance(b, str) or not isinstance(a, str) or a.lower() != b.lower():
            return False
    return True


def find_list_span(request: str, value: Any, item: str) -> tuple[int, int] | None:
    """The span of the request whose items (``split_list``) are the teacher's list, or None: from each place the
    first item is written, the later items are looked up in order; enclosing brackets are taken with them."""
    if not isinstance(value, list) or not value or len(value) > MAX_LIST:
        return None
    numeric = item in ("integer", "number")
    if numeric and not all(_is_number(v) for v in value):
        return None
    if not numeric and not all(isinstance(v, str) and v.strip() for v in value):
        return None
    lower = request.lower()

    def places(v: Any, after: int) -> list[tuple[int, int]]:
        if numeric:
            return [(a, b) for a, b, n in _numbers(request) if a >= after and n == float(v)]
        out, at = [], lower.find(v.lower(), after)
        while at >= 0 and len(out) < 8:
            out.append((at, at + len(v)))
            at = lower.find(v.lower(), at + 1)
        return out

    for start, end in places(value[0], 0)[:8]:
        for v in value[1:]:
            nxt = places(v, end)
            if not nxt:
                break
            end = nxt[0][1]
        else:
            a, b = start, end
            while a > 0 and request[a - 1] in _QUOTES:
                a -= 1
            while b < len(request) and request[b] in _QUOTES:
                b += 1
            if a > 0 and request[a - 1] in _BRACKETS and b < len(request) and request[b] == _BRACKETS[request[a - 1]]:
                a, b = a - 1, b + 1
            if _same_list(split_list(request[a:b], item), value):
                return a, b
    return None
