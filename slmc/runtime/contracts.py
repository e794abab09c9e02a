"""Check an SLM answer against a site's output contract, and score agreement of two answers under it.

Contract shapes (``slmc.ir.nodes.Contract.to_dict``): ``{"kind": "json", "schema": {...}}``,
``{"kind": "label", "labels": [...]}``, ``{"kind": "tool-call", "tools": [{"name", "parameters"}]}`` (or
``"tools_per_call": true``: a call is checked against the tools offered in its own request),
``{"kind": "regex", "pattern": "..."}``, ``{"kind": "text", "min_length": 0, "max_length": N}``.
What a correct answer is (label normalisation, fences, JSON, tool-call shapes, agreement) comes from ``slmc.answers``,
the module the quality gate scores with. jsonschema is imported on the first schema check only.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from slmc.answers import answers_agree, normalize_label, parse_tool_calls, strip_fence
from slmc.runtime.types import Answer

normalise_label = normalize_label  # the runtime's spelling, kept for callers


@dataclass(frozen=True)
class CheckResult:
    """The validator's answer for one SLM answer (not the gate's ``Verdict``, a decision with reasons)."""

    ok: bool
    error: str | None = None
    answer: Answer | None = None  # the normalised answer to return (canonical label, unfenced JSON, parsed tool calls)


# Python type names some tool catalogues use (BFCL / Gorilla: "float", "dict", "tuple", "any") -> JSON Schema's
MAX_VALIDATORS = 512
_PY_TYPES = {
    "float": "number",
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "dict": "object",
    "list": "array",
    "tuple": "array",
}


def standard_schema(schema: Any) -> Any:
    """``schema`` with Python type names written as JSON Schema types and ``"any"`` types dropped (a copy; the
    original is not changed), so a catalogue in that dialect is checked instead of crashing the validator."""
    if isinstance(schema, list):
        return [standard_schema(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            if value != "any":  # "any": no type constraint
                out[key] = _PY_TYPES.get(value, value)
        elif key == "type" and isinstance(value, list):
            if "any" not in value:
                out[key] = [_PY_TYPES.get(v, v) if isinstance(v, str) else v for v in value]
        elif key in ("properties", "patternProperties", "definitions", "$defs") and isinstance(value, dict):
            out[key] = {k: standard_schema(v) for k, v in value.items()}
        else:
            literal = key in ("enum", "const", "default", "examples")  # values, not schemas
            out[key] = standard_schema(value) if isinstance(value, dict | list) and not literal else value
    return out


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
        self._labels = {normalize_label(str(label)): str(label) for label in self.spec.get("labels") or ()}
        if self.kind == "regex":
            self._pattern = re.compile(str(self.spec.get("pattern", "")), re.S)

    # ---- checking ---------------------------------------------------------------------------------------------------
    def check(
        self, answer: Answer, request_tools: list[dict[str, Any]] | None = None, schema: Any = None
    ) -> CheckResult:
        """Validate ``answer``; ``request_tools``/``schema`` come from the request when the contract lacks them."""
        if self.kind == "tool-call":
            return self._check_tools(answer, request_tools or [])
        if answer.tool_calls:
            return CheckResult(False, f"expected text ({self.kind}), got a tool call")
        text = answer.content or ""
        if self.kind == "label":
            label = self._labels.get(normalize_label(text))
            if label is None:
                return CheckResult(False, f"label {text.strip()[:60]!r} not in the label set")
            return CheckResult(True, answer=answer.replace(content=label))
        if self.kind == "json":
            cleaned = strip_fence(text)
            try:
                value = json.loads(cleaned)
            except json.JSONDecodeError as exc:
                return CheckResult(False, f"not JSON: {exc.msg}")
            except RecursionError:
                return CheckResult(False, "not JSON: nested too deeply")
            problem = self._schema_error("json", self.spec.get("schema") or schema, value)
            if problem:
                return CheckResult(False, problem)
            return CheckResult(True, answer=answer.replace(content=cleaned))
        if self.kind == "regex":
            assert self._pattern is not None
            if not self._pattern.fullmatch(text.strip()):
                return CheckResult(False, f"answer does not match /{self._pattern.pattern}/")
            return CheckResult(True, answer=answer.replace(content=text.strip()))
        min_length = int(self.spec.get("min_length") or 0)
        max_length = self.spec.get("max_length")
        if len(text.strip()) < max(min_length, 1):
            return CheckResult(False, f"text shorter than {max(min_length, 1)} characters")
        if max_length is not None and len(text) > int(max_length):
            return CheckResult(False, f"text longer than {max_length} characters")
        return CheckResult(True, answer=answer)

    def _check_tools(self, answer: Answer, request_tools: list[dict[str, Any]]) -> CheckResult:
        if not answer.tool_calls and not (answer.content or "").strip():
            return CheckResult(False, "expected a tool call, got an empty answer")
        calls = parse_tool_calls(answer.tool_calls or answer.content)
        if calls is None:
            return CheckResult(
                False, _unparsed_calls(answer.tool_calls) if answer.tool_calls else "expected a tool call, got text"
            )
        known = {t["name"]: t.get("parameters") for t in self._tool_specs(request_tools)}
        if not known and self.spec.get("tools_per_call"):
            return CheckResult(False, "the contract checks tool calls against the request's tools, and it offered none")
        ids = [c.get("id") if isinstance(c, dict) else None for c in answer.tool_calls] or [None] * len(calls)
        parsed: list[dict[str, Any]] = []
        for call, call_id in zip(calls, ids, strict=True):
            name, arguments = call["name"], call["arguments"]
            if known and name not in known:
                return CheckResult(False, f"tool {name!r} is not one of {sorted(map(str, known))}")
            problem = self._schema_error(f"tool:{name}", known.get(name), arguments)
            if problem:
                return CheckResult(False, f"tool {name!r}: {problem}")
            parsed.append({"id": call_id, "name": name, "arguments": json.dumps(arguments, ensure_ascii=False)})
        return CheckResult(True, answer=answer.replace(content=None, tool_calls=parsed, finish_reason="tool_calls"))

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
        # keyed by the schema too: with tools offered per call, two requests may give one tool name two schemas
        try:
            key = f"{key}\x00{json.dumps(schema, sort_keys=True, default=str)}"
        except (TypeError, ValueError, RecursionError):
            return None  # not a JSON schema one can write down: left unchecked
        validator = self._validators.get(key)
        if validator is None:
            import jsonschema  # lazy: only sites with schemas pay for it

            with self._lock:
                schema = standard_schema(schema)
                cls = jsonschema.validators.validator_for(schema)
                try:
                    cls.check_schema(schema)
                    made: Any = cls(schema)
                except (jsonschema.exceptions.SchemaError, RecursionError):
                    made = False  # a schema no validator can use (a bad pattern, ...): the arguments go unchecked
                if len(self._validators) >= MAX_VALIDATORS:
                    self._validators.clear()  # per-call schemas are unbounded: the cache is not
                validator = self._validators.setdefault(key, made)
        if validator is False:
            return None
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return f"schema: {error.message}" + (f" at /{where}" if where else "")

    # ---- agreement --------------------------------------------------------------------------------------------------
    def agree(self, slm: Answer, llm: Answer, request_tools: list[dict[str, Any]] | None = None) -> bool:
        """Does the SLM give the LLM's answer under this contract? The gate's binary metric asks the same question
        (``slmc.answers.answers_agree``): labels normalised, JSON and tool-call arguments compared as values (an
        argument equal to its schema default in the request's tools counts as left out)."""
        if self.kind == "tool-call":
            tools = self._tool_specs(request_tools or [])
            return answers_agree("tool-call", slm.tool_calls or slm.content, llm.tool_calls or llm.content, tools)
        if slm.tool_calls or llm.tool_calls:
            return False
        return answers_agree(self.kind, slm.content or "", llm.content or "")


def _unparsed_calls(calls: list[Any]) -> str:
    """Why structured tool calls do not parse (``parse_tool_calls`` said None), in words."""
    for call in calls:
        fn = call.get("function", call) if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            return "a tool call has no name"
        name, arguments = fn["name"], fn.get("arguments", fn.get("parameters"))
        if isinstance(arguments, str) and arguments:
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                return f"tool {name!r} arguments are not JSON: {exc.msg}"
            except RecursionError:
                return f"tool {name!r} arguments are not JSON: nested too deeply"
        if arguments not in (None, "") and not isinstance(arguments, dict):
            return f"tool {name!r} arguments are not an object"
    return "tool calls do not parse"
