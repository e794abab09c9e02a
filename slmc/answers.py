"""What a correct answer is: one meaning for the quality gate (``slmc.training.metrics``) and the router's contract
validator (``slmc.runtime.contracts``), so the gate measures exactly what the router enforces. Stdlib only: the
runtime imports it.

* text: whitespace runs collapse to one space, ends trimmed (``normalize_text``).
* labels: text normalised, then quotes, brackets, ``.:;,!`` and spaces at either end dropped and case folded
  (``"“Billing!”"`` -> ``billing``); the router answers with the label set's own spelling.
* fences: an answer that is one Markdown code fence (any info string, or none) is the fence's content.
* JSON: parsed after fence stripping; two values agree when equal with types and whitespace normalised
  (``values_equal``: ``5 == 5.0 == "5"``, strings compared BFCL-style).
* tool calls (``parse_tool_calls``): OpenAI ``tool_calls`` items (``{"function": {"name", "arguments"}}``, arguments a
  JSON string or an object), bare ``{"name", "arguments" | "parameters"}`` objects, a list of them, an OpenAI message
  ``{"tool_calls": [...]}``, ``<tool_call>…</tool_call>`` blocks (Qwen, Hermes and SmolLM chat templates; text around
  them is ignored), a ``<|python_tag|>`` or ``[TOOL_CALLS]`` lead-in, and each of these inside a fence. Calls agree
  when the multisets agree: same names, every argument equal to an accepted value, no extra argument. Given the
  request's tools, an argument equal to its schema's ``default`` is the argument left out (``f(x, unit="metric")``
  where ``unit`` defaults to ``"metric"`` is ``f(x)``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()  # what ``parse_json`` gives for text that is not JSON

_SPACE = re.compile(r"\s+")
_LABEL_EDGE = "\"'`“”‘’.:;,![]() \t\n\r\f\v"
# A whole answer in one fence: an info string counts only when whitespace follows it (```true``` is the text "true").
_FENCE = re.compile(r"```(?:[A-Za-z][\w+.#-]*(?=\s))?((?:(?!```).)*)```", re.S)
_TOOL_TAG = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)
_CALL_LEAD = ("<|python_tag|>", "[TOOL_CALLS]")
_BFCL_STRIP = re.compile(r"[ ,./\-_*^]")


# ---- text, labels, fences, JSON ------------------------------------------------------------------------------------
def normalize_text(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def normalize_label(text: str) -> str:
    """Case, whitespace, and quotes, brackets or ``.:;,!`` around a label do not matter."""
    return normalize_text(text).strip(_LABEL_EDGE).casefold()


def strip_fence(text: str) -> str:
    """The content of an answer that is one Markdown code fence; other text trimmed."""
    text = text.strip()
    match = _FENCE.fullmatch(text)
    return match.group(1).strip() if match else text


def parse_json(text: Any) -> Any:
    """A JSON value from an answer (fence stripped); ``INVALID`` when it does not parse. Non-text passes through."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(strip_fence(text))
    except (ValueError, RecursionError):
        return INVALID


def canonical_json(value: Any) -> str:
    """One text per JSON value: keys sorted, no escapes beyond what JSON needs."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def values_equal(a: Any, b: Any) -> bool:
    """Equality with types and whitespace normalised (``5 == 5.0 == "5"``, strings BFCL-standardised)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return math.isclose(na, nb, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, str) and isinstance(b, str):
        return _BFCL_STRIP.sub("", a).lower().replace("'", '"') == _BFCL_STRIP.sub("", b).lower().replace("'", '"')
    return a == b


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    return {prefix: value}


def compare_json(prediction: Any, reference: Any) -> tuple[bool, float, bool]:
    """(prediction is JSON, share of leaf fields that agree over both objects, every field agrees)."""
    pred = parse_json(prediction)
    if pred is INVALID:
        return False, 0.0, False
    ref = parse_json(reference)
    if ref is INVALID:
        ref = reference
    try:
        if not isinstance(pred, dict) or not isinstance(ref, dict):
            same = values_equal(pred, ref)
            return True, float(same), same
        flat_pred, flat_ref = _flatten(pred), _flatten(ref)
        keys = set(flat_pred) | set(flat_ref)
        if not keys:
            return True, 1.0, True
        right = sum(1 for k in keys if k in flat_pred and k in flat_ref and values_equal(flat_pred[k], flat_ref[k]))
    except RecursionError:  # nesting deeper than the comparison can follow: not an answer to act on
        return True, 0.0, False
    return True, right / len(keys), right == len(keys)


# ---- tool calls ----------------------------------------------------------------------------------------------------
def _call_items(answer: Any) -> Any:
    if not isinstance(answer, str):
        return answer
    text = strip_fence(answer)
    blocks = _TOOL_TAG.findall(text)
    if blocks:
        return [parse_json(block) for block in blocks]
    for lead in _CALL_LEAD:
        if text.startswith(lead):
            text = text[len(lead) :]
    return parse_json(text)


def parse_tool_calls(answer: Any) -> list[dict[str, Any]] | None:
    """``[{"name", "arguments": {...}}]`` from an answer in any shape the targets produce (module docstring); None
    when it holds no tool call or any call does not parse (a name that is not text, arguments that are not an
    object)."""
    value = _call_items(answer)
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        return None
    calls = []
    for item in value:
        if not isinstance(item, dict):
            return None
        fn = item.get("function", item)
        if not isinstance(fn, dict):
            return None
        args = fn.get("arguments", fn.get("parameters"))
        if args is None or args == "":
            args = {}
        if isinstance(args, str):
            args = parse_json(args)
        if not isinstance(fn.get("name"), str) or not isinstance(args, dict):
            return None
        calls.append({"name": fn["name"], "arguments": args})
    return calls


Accepted = tuple[str, dict[str, tuple[list[Any], bool]]]  # (name, {argument: (accepted values, may be left out)})


def accepted_calls(reference: Any) -> list[Accepted] | None:
    """A reference as ``[(name, {arg: (accepted values, optional)})]``: calls in any ``parse_tool_calls`` shape (each
    value accepted alone, none optional), or BFCL possible answers (``[{name: {arg: [values]}}]``, where ``""`` marks
    an argument that may be left out)."""
    calls = parse_tool_calls(reference)
    if calls is not None:
        return [(c["name"], {k: ([v], False) for k, v in c["arguments"].items()}) for c in calls]
    value = parse_json(reference) if isinstance(reference, str) else reference
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    out: list[Accepted] = []
    for item in value:
        if not isinstance(item, dict) or len(item) != 1:
            return None
        ((name, args),) = item.items()
        if not isinstance(args, dict):
            return None
        accepted = {}
        for key, values in args.items():
            values = values if isinstance(values, list) else [values]
            accepted[key] = ([v for v in values if v != ""], "" in values or None in values)
        out.append((str(name), accepted))
    return out


_NO_DEFAULT: Any = object()


def tool_defaults(tools: Any) -> dict[str, dict[str, Any]]:
    """``{tool name: {argument: default}}`` of the tools a request offered (OpenAI ``{"type": "function", "function":
    {...}}`` or bare ``{"name", "parameters"}``), from each property's JSON-schema ``default``; anything else skipped."""
    out: dict[str, dict[str, Any]] = {}
    for tool in tools if isinstance(tools, list | tuple) else ():
        fn = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            continue
        params = fn.get("parameters", fn.get("input_schema"))
        props = params.get("properties") if isinstance(params, dict) else None
        if isinstance(props, dict):
            found = {k: p["default"] for k, p in props.items() if isinstance(p, dict) and "default" in p}
            out.setdefault(fn["name"], found)
    return out


def _call_matches(call: dict[str, Any], accepted: Accepted, defaults: dict[str, dict[str, Any]] | None = None) -> bool:
    name, expected = accepted
    if call["name"] != name:
        return False
    args = call["arguments"]
    default = (defaults or {}).get(name, {})
    for key in args:
        if key not in expected and not values_equal(args[key], default.get(key, _NO_DEFAULT)):
            return False
    for key, (values, optional) in expected.items():
        if key not in args:
            if not optional and not any(values_equal(v, default.get(key, _NO_DEFAULT)) for v in values):
                return False
        elif not any(values_equal(args[key], v) for v in values):
            return False
    return True


def compare_tool_calls(prediction: Any, reference: Any, tools: Any = None) -> tuple[bool, bool, bool]:
    """(prediction parses as tool calls, the function names agree as a multiset, every call matches a reference call
    one to one: names and arguments). ``tools``: the request's tools, whose schema defaults stand for arguments
    left out (``tool_defaults``)."""
    calls = parse_tool_calls(prediction)
    ref = accepted_calls(reference)
    defaults = tool_defaults(tools) if tools else None
    if calls is None or ref is None:
        return calls is not None, False, False
    if sorted(c["name"] for c in calls) != sorted(r[0] for r in ref) or len(calls) != len(ref):
        return True, False, False
    unused = list(ref)
    try:
        for call in calls:
            # by position: list.remove compares with ==, and True == 1 in Python would drop the wrong reference call
            match = next((i for i, r in enumerate(unused) if _call_matches(call, r, defaults)), None)
            if match is None:
                return True, True, False
            del unused[match]
    except RecursionError:
        return True, True, False
    return True, True, True


# ---- one verdict per contract kind ---------------------------------------------------------------------------------
def answers_agree(kind: str, prediction: Any, reference: Any, tools: Any = None) -> bool:
    """Does ``prediction`` give the same answer as ``reference`` under a contract kind? The gate's binary metrics and
    the router's shadow agreement both ask this (contract validity is the validator's part). ``tools``: the request's
    tools (tool calls: schema defaults stand for arguments left out)."""
    if kind == "tool-call":
        return compare_tool_calls(prediction, reference, tools)[2]
    if not isinstance(prediction, str):
        return False
    if kind == "label":
        return normalize_label(prediction) == normalize_label(str(reference))
    if kind == "json":
        return compare_json(prediction, reference)[2]
    ref = reference if isinstance(reference, str) else canonical_json(reference)
    return normalize_text(prediction) == normalize_text(ref)
