"""Check an SLM answer against a site's output contract, and score agreement of two answers under it.

Contract shapes (``slmc.ir.nodes.Contract.to_dict``): ``{"kind": "json", "schema": {...}}``,
``{"kind": "label", "labels": [...]}``, ``{"kind": "tool-call", "tools": [{"name", "parameters"}]}`` (or
``"tools_per_call": true``: a call is checked against the tools offered in its own request),
``{"kind": "regex", "pattern": "..."}``, ``{"kind": "text", "min_length": 0, "max_length": N}``.
jsonschema is imported on the first schema check only.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from slmc.runtime.types import Answer

_QUOTES = "\"'`“”‘’"
_FENCE = re.compile(r"^```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?```$", re.S)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    error: str | None = None
    answer: Answer | None = None  # the normalised answer to return (canonical label, unfenced JSON, parsed tool calls)


@dataclass
class Contract:
    """A compiled contract: label lookup table, compiled regex, cached schema validators."""

    spec: dict[str, Any]
    kind: str = field(init=False)
    _labels: dict[str, str] = field(init=False, default_factory=dict)
    _pattern: re.Pattern[str] | None = field(init=False, default=None)
    _validators: dict[str, Any] = field(init=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.kind = str(self.spec.get("kind", "text"))
        self._labels = {normalise_label(str(label)): str(label) for label in self.spec.get("labels") or ()}
        if self.kind == "regex":
            self._pattern = re.compile(str(self.spec.get("pattern", "")), re.S)

    # ---- checking ---------------------------------------------------------------------------------------------------
    def check(self, answer: Answer, request_tools: list[dict[str, Any]] | None = None, schema: Any = None) -> Verdict:
        """Validate ``answer``; ``request_tools``/``schema`` come from the request when the contract lacks them."""
        if self.kind == "tool-call":
            return self._check_tools(answer, request_tools or [])
        if answer.tool_calls:
            return Verdict(False, f"expected text ({self.kind}), got a tool call")
        text = answer.content or ""
        if self.kind == "label":
            label = self._labels.get(normalise_label(text))
            if label is None:
                return Verdict(False, f"label {text.strip()[:60]!r} not in the label set")
            return Verdict(True, answer=answer.replace(content=label))
        if self.kind == "json":
            cleaned = strip_fence(text)
            try:
                value = json.loads(cleaned)
            except json.JSONDecodeError as exc:
                return Verdict(False, f"not JSON: {exc.msg}")
            problem = self._schema_error("json", self.spec.get("schema") or schema, value)
            if problem:
                return Verdict(False, problem)
            return Verdict(True, answer=answer.replace(content=cleaned))
        if self.kind == "regex":
            assert self._pattern is not None
            if not self._pattern.fullmatch(text.strip()):
                return Verdict(False, f"answer does not match /{self._pattern.pattern}/")
            return Verdict(True, answer=answer.replace(content=text.strip()))
        min_length = int(self.spec.get("min_length") or 0)
        max_length = self.spec.get("max_length")
        if len(text.strip()) < max(min_length, 1):
            return Verdict(False, f"text shorter than {max(min_length, 1)} characters")
        if max_length is not None and len(text) > int(max_length):
            return Verdict(False, f"text longer than {max_length} characters")
        return Verdict(True, answer=answer)

    def _check_tools(self, answer: Answer, request_tools: list[dict[str, Any]]) -> Verdict:
        calls = answer.tool_calls or tool_calls_from_text(answer.content)
        if not calls:
            return Verdict(False, "expected a tool call, got text")
        known = {t["name"]: t.get("parameters") for t in self._tool_specs(request_tools)}
        if not known and self.spec.get("tools_per_call"):
            return Verdict(False, "the contract checks tool calls against the request's tools, and it offered none")
        parsed: list[dict[str, Any]] = []
        for call in calls:
            name = call.get("name")
            if known and name not in known:
                return Verdict(False, f"tool {name!r} is not one of {sorted(known)}")
            arguments = call.get("arguments")
            if isinstance(arguments, str):
                try:
                    arguments = json.loads(arguments or "{}")
                except json.JSONDecodeError as exc:
                    return Verdict(False, f"tool {name!r} arguments are not JSON: {exc.msg}")
            if not isinstance(arguments, dict):
                return Verdict(False, f"tool {name!r} arguments are not an object")
            problem = self._schema_error(f"tool:{name}", known.get(name), arguments)
            if problem:
                return Verdict(False, f"tool {name!r}: {problem}")
            parsed.append({"id": call.get("id"), "name": name, "arguments": json.dumps(arguments, ensure_ascii=False)})
        return Verdict(True, answer=answer.replace(content=None, tool_calls=parsed, finish_reason="tool_calls"))

    def _tool_specs(self, request_tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
        specs = []
        for tool in list(self.spec.get("tools") or ()) or request_tools:
            if isinstance(tool, str):
                specs.append({"name": tool, "parameters": None})
            elif isinstance(tool, dict):
                fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
                params = fn.get("parameters", fn.get("input_schema"))
                specs.append({"name": fn.get("name"), "parameters": params})
        return specs

    def _schema_error(self, key: str, schema: Any, value: Any) -> str | None:
        if not isinstance(schema, dict) or not schema:
            return None
        validator = self._validators.get(key)
        if validator is None:
            import jsonschema  # lazy: only sites with schemas pay for it

            with self._lock:
                cls = jsonschema.validators.validator_for(schema)
                validator = self._validators.setdefault(key, cls(schema))
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return f"schema: {error.message}" + (f" at /{where}" if where else "")

    # ---- agreement --------------------------------------------------------------------------------------------------
    def agree(self, slm: Answer, llm: Answer) -> bool:
        """Do two answers mean the same under this contract (labels, parsed JSON, tool names + arguments, text)?"""
        return canonical(self.kind, slm) == canonical(self.kind, llm)


def canonical(kind: str, answer: Answer) -> Any:
    """A comparable form of an answer under a contract kind."""
    if kind == "tool-call" or answer.tool_calls:
        calls = answer.tool_calls or tool_calls_from_text(answer.content) or []
        out = []
        for call in calls:
            args = call.get("arguments")
            if isinstance(args, str):
                try:
                    args = json.loads(args or "{}")
                except json.JSONDecodeError:
                    pass
            out.append((call.get("name"), json.dumps(args, sort_keys=True, ensure_ascii=False)))
        return out
    text = answer.content or ""
    if kind == "label":
        return normalise_label(text)
    if kind == "json":
        try:
            return json.dumps(json.loads(strip_fence(text)), sort_keys=True)
        except json.JSONDecodeError:
            return text.strip()
    return " ".join(text.split())


def normalise_label(text: str) -> str:
    """Case, surrounding whitespace, quotes and a trailing full stop do not matter for labels."""
    text = " ".join(text.split()).strip(_QUOTES + " ").rstrip(".").strip(_QUOTES + " ")
    return text.casefold()


def strip_fence(text: str) -> str:
    text = text.strip()
    match = _FENCE.match(text)
    return match.group(1).strip() if match else text


def tool_calls_from_text(text: str | None) -> list[dict[str, Any]]:
    """Tool calls an SLM wrote as text: ``{"name", "arguments"}`` or a list of them (the training target shape)."""
    if not text:
        return []
    try:
        value = json.loads(strip_fence(text))
    except json.JSONDecodeError:
        return []
    items = value if isinstance(value, list) else [value]
    calls = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return []
        args = item.get("arguments", item.get("parameters", {}))
        calls.append({"name": item["name"], "arguments": args if isinstance(args, str) else json.dumps(args)})
    return calls
