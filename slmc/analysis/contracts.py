"""Output contracts inferred from teacher answers, plus static evidence from the call site.

Order of checks on a task's answers (empty answers ignored):

1. tool calls in >= 90 % of answers -> ``tool-call``: the tool names and an argument schema per tool (the static
   ``Tool.parameters`` when the IR has it, else inferred). More than ``MAX_TOOLS`` names, or none known: the tool set
   is per call (``tools_per_call``: the runtime checks a call against the tools offered in its own request).
2. JSON in >= 90 % -> ``json``: an inferred JSON schema (types, keys present in >= 99 % required, enums for
   low-cardinality string fields).
3. a closed label set: the most frequent distinct short answers cover >= 98 % and repeat (>= 3 answers per label),
   or the site names its labels statically -> ``label``.
4. one generalised character-class pattern covers >= 98 % of short answers -> ``regex``.
5. otherwise ``text`` with length bounds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from slmc.analysis.shapes import answer_kind, parse_json_answer
from slmc.ir.nodes import Contract, LLMCall, Tool
from slmc.traces.record import TraceRecord

KIND_SHARE = 0.90  # share of answers of one kind needed to call the task that kind
REQUIRED_SHARE = 0.99  # a key present in this share of objects is required
LABEL_COVER = 0.98  # the label set must cover this share of answers
LABEL_REPEAT = 3.0  # answers per distinct label, on average, for a closed set
MAX_LABELS = 200
ENUM_MAX = 12  # string fields with at most this many distinct values (and repeats) become enums
MAX_TOOLS = 20

_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    type(None): "null",
    dict: "object",
    list: "array",
}


def _type_of(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "string")


def infer_schema(values: Sequence[Any]) -> dict[str, Any]:
    """A JSON schema that every value in ``values`` satisfies."""
    types = sorted({_type_of(v) for v in values})
    if "integer" in types and "number" in types:
        types.remove("integer")
    schema: dict[str, Any] = {"type": types[0] if len(types) == 1 else types}
    objects = [v for v in values if isinstance(v, dict)]
    if objects:
        keys = Counter(k for o in objects for k in o)
        schema["properties"] = {k: infer_schema([o[k] for o in objects if k in o]) for k in sorted(keys)}
        required = sorted(k for k, n in keys.items() if n >= REQUIRED_SHARE * len(objects))
        if required:
            schema["required"] = required
    arrays = [v for v in values if isinstance(v, list)]
    items = [x for a in arrays for x in a]
    if items:
        schema["items"] = infer_schema(items)
    strings = [v for v in values if isinstance(v, str)]
    distinct = set(strings)
    if len(strings) >= 20 and len(distinct) <= ENUM_MAX and len(distinct) <= len(strings) / 4:
        schema["enum"] = sorted(distinct) + ([None] if "null" in types else [])
    return schema


def constrained_share(schema: dict[str, Any]) -> float:
    """Share of leaf fields whose value is pinned down (enum, boolean, number, null) rather than free text."""
    leaves: list[bool] = []

    def walk(s: dict[str, Any]) -> None:
        if "properties" in s:
            for sub in s["properties"].values():
                walk(sub)
            return
        if "items" in s:
            walk(s["items"])
            return
        types = s.get("type")
        types = types if isinstance(types, list) else [types]
        leaves.append("enum" in s or all(t in ("boolean", "integer", "number", "null") for t in types))

    walk(schema)
    return sum(leaves) / len(leaves) if leaves else 0.0


def generalise(text: str) -> str:
    """A regex of the answer's character classes: ``AB-1234`` -> ``[A-Z]+\\-\\d+``."""
    out = []
    for run in re.finditer(r"\d+|[A-Z]+|[a-z]+|\s+|.", text):
        piece = run.group(0)
        if piece.isdigit():
            cls = r"\d+"
        elif piece.isalpha() and piece.isupper():
            cls = "[A-Z]+"
        elif piece.isalpha():
            cls = "[a-z]+"
        elif piece.isspace():
            cls = r"\s+"
        else:
            cls = re.escape(piece)
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def _label_set(answers: Sequence[str], static: Iterable[str]) -> tuple[str, ...] | None:
    static = tuple(static)
    counts = Counter(a.strip() for a in answers)
    if static and sum(n for a, n in counts.items() if a in static) >= LABEL_COVER * max(1, len(answers)):
        return tuple(sorted(set(static)))
    if not answers:
        return tuple(sorted(set(static))) or None
    covered, labels = 0, []
    for label, n in counts.most_common():
        if covered >= LABEL_COVER * len(answers):
            break
        labels.append(label)
        covered += n
    short = all(len(a) <= 48 and len(a.split()) <= 4 for a in labels)
    if short and len(labels) <= MAX_LABELS and len(answers) / len(labels) >= LABEL_REPEAT:
        return tuple(sorted(set(labels) | set(static)))
    return None


def _tool_contract(records: Sequence[TraceRecord], tools: dict[str, Tool]) -> Contract:
    calls = [c for r in records for c in r.tool_calls[:1]]
    names = Counter(str(c.get("name")) for c in calls) or Counter(dict.fromkeys(tools, 0))  # no call: the static tools
    if len(names) > MAX_TOOLS or not names:  # too many to list, or none known: the tools offered per request
        return Contract(
            kind="tool-call",
            schema={"type": "object", "required": ["name", "arguments"]},
            strictness=0.6,
            tools_per_call=True,
        )
    specs, shares = [], []
    for name in sorted(names):
        static = tools.get(name)
        if static is not None and static.parameters:
            params = static.parameters
        else:
            args = [c.get("arguments") for c in calls if c.get("name") == name and isinstance(c.get("arguments"), dict)]
            params = infer_schema(args) if args else {"type": "object"}
        specs.append({"name": name, "parameters": params})
        shares.append(constrained_share(params))
    strictness = 0.7 + 0.3 * (sum(shares) / len(shares) if shares else 0.0)
    return Contract(kind="tool-call", tools=tuple(specs), strictness=round(strictness, 3))


_SCHEMA_TYPES = ("object", "array", "string", "number", "integer", "boolean")


def _static_schema(sites: Sequence[LLMCall]) -> dict[str, Any] | None:
    import json

    for site in sites:
        if site.output_schema and site.output_schema.strip().startswith("{"):
            try:
                value = json.loads(site.output_schema)
            except ValueError:
                continue
            if isinstance(value, dict):
                if value.get("type") in ("json_object", "text"):
                    continue  # JSON mode without a schema: the answers tell the shape
                value = value.get("json_schema", value)  # an OpenAI response_format
                value = value.get("schema", value)
                if isinstance(value, dict) and ("properties" in value or value.get("type") in _SCHEMA_TYPES):
                    return value
    return None


def infer_contract(
    records: Sequence[TraceRecord], sites: Sequence[LLMCall] = (), tools: dict[str, Tool] | None = None
) -> Contract:
    """The contract of one task from its teacher answers and the static evidence of the sites serving it."""
    tools = tools or {}
    answered = [r for r in records if answer_kind(r) != "empty"]
    kinds = Counter(answer_kind(r) for r in answered)
    n = max(1, len(answered))
    static_labels = [label for s in sites for label in s.labels]
    static_tools = {t for s in sites for t in s.tools}

    if kinds["tool-call"] >= KIND_SHARE * n and answered:
        return _tool_contract([r for r in answered if r.tool_calls], tools)
    if not answered and static_tools:
        return _tool_contract([], {k: v for k, v in tools.items() if k in static_tools})

    static_schema = _static_schema(sites)
    if (kinds["json"] >= KIND_SHARE * n and answered) or (static_schema and not answered):
        values = [parse_json_answer(r.output) for r in answered if answer_kind(r) == "json"]
        schema = static_schema or infer_schema(values)
        return Contract(kind="json", schema=schema, strictness=round(0.5 + 0.5 * constrained_share(schema), 3))

    texts = [(r.output or "").strip() for r in answered]
    labels = _label_set(texts, static_labels)
    if labels:
        return Contract(kind="label", labels=labels, strictness=1.0)

    lengths = sorted(len(t) for t in texts) or [0]
    if texts and max(lengths) <= 64:
        patterns = Counter(generalise(t) for t in texts)
        pattern, count = patterns.most_common(1)[0]
        if count >= LABEL_COVER * len(texts):
            return Contract(kind="regex", pattern=f"^{pattern}$", max_length=max(lengths), strictness=0.8)
    words = sorted(len(t.split()) for t in texts) or [0]
    p90 = words[min(len(words) - 1, int(0.9 * len(words)))]
    strictness = 0.3 if p90 <= 16 else 0.15 if p90 <= 64 else 0.05
    return Contract(
        kind="text",
        min_length=min(lengths),
        max_length=math.ceil(max(lengths) * 1.2) if texts else None,
        strictness=strictness,
    )
