"""Distillation data that teaches the contract (called by ``curate``).

* Schema drift: tool names, tool argument names and JSON answer keys that the current source no longer declares are
  renamed to the declared ones they most resemble (name, description, parameters; one to one, and only a clear
  best match), and the tools offered in a record take the current declaration. The site's evidence is the IR: the
  ``Tool`` nodes linked to it and its ``output_schema``. Nothing is renamed for a site that declares nothing.
* Contract: a site's answers are checked by the router's validator (``slmc.runtime.contracts``) against what the site
  promises: the declared tools (or those offered in the request), a declared JSON schema, a declared label set; or,
  without a declaration, the answer kind that at least ``KIND_SHARE`` of its answers take (tool calls, JSON). A
  site whose answers mix kinds (a wrapper with several tasks) is not checked.
* Near-duplicates: the same prompt and answer once case, punctuation and spacing are normalised.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from slmc.analysis.contracts import KIND_SHARE, _static_schema
from slmc.analysis.shapes import answer_kind, parse_json_answer
from slmc.answers import canonical_json, normalize_label, parse_tool_calls
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import EdgeKind, LLMCall, Tool
from slmc.traces.record import TraceRecord, content_text

MATCH = 0.6  # a drifted name maps to a declared one at this similarity
MARGIN = 0.1  # ... when the second-best candidate is this much less similar


@dataclass
class SiteSchema:
    """What the current source declares for one site."""

    tools: dict[str, Tool] = field(default_factory=dict)
    schema: dict[str, Any] | None = None  # the JSON schema of its answer
    labels: tuple[str, ...] = ()


def site_schema(graph: AgentGraph, site_id: str) -> SiteSchema:
    site = graph.get(site_id)
    if not isinstance(site, LLMCall):
        return SiteSchema()
    anchor = (graph.request_of(site.id) or site).id
    tools = {t.name: t for t in graph.preds(anchor, EdgeKind.TOOL) + graph.preds(site.id, EdgeKind.TOOL)}
    tools = {name: t for name, t in tools.items() if isinstance(t, Tool) and name}
    return SiteSchema(tools=tools, schema=_static_schema([site]), labels=tuple(site.labels))


# ---- schema drift --------------------------------------------------------------------------------------------------
def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)).strip("_").lower()


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _props(schema: Any) -> dict[str, str]:
    """Property name -> description of an object schema."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return {}
    return {
        str(k): str(v.get("description", "")) if isinstance(v, dict) else "" for k, v in schema["properties"].items()
    }


def match_names(old: dict[str, tuple[str, set[str]]], new: dict[str, tuple[str, set[str]]]) -> dict[str, str]:
    """Old names (description, member names) -> the declared name each most resembles, one to one.

    Similarity of two names: the best of their spelling (``getWeather`` ~ ``get_weather``), their descriptions, and
    the overlap of their members (a tool's parameter names); a pair counts at ``MATCH`` with a ``MARGIN`` over the
    next candidate."""
    scored: list[tuple[float, str, str]] = []
    for o, (o_desc, o_members) in old.items():
        row = []
        for n, (n_desc, n_members) in new.items():
            members = len(o_members & n_members) / len(o_members | n_members) if o_members and n_members else 0.0
            score = max(_similar(_norm_name(o), _norm_name(n)), _similar(o_desc.lower(), n_desc.lower()), members)
            row.append((score, n))
        row.sort(reverse=True)
        if row and row[0][0] >= MATCH and (len(row) == 1 or row[0][0] - row[1][0] >= MARGIN):
            scored.append((row[0][0], o, row[0][1]))
    out: dict[str, str] = {}
    for _score, o, n in sorted(scored, reverse=True):
        if n not in out.values():
            out[o] = n
    return out


def _offered(record: TraceRecord) -> dict[str, dict[str, Any]]:
    out = {}
    for tool in record.tools:
        fn = tool.get("function") if isinstance(tool, dict) and isinstance(tool.get("function"), dict) else tool
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            out[fn["name"]] = fn
    return out


def _declared(tool: Tool) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
    }


def _call_args(call: dict[str, Any]) -> Any:
    args = call.get("arguments")
    if isinstance(args, str):
        try:
            return json.loads(args)
        except ValueError:
            return args
    return args


def rename_drift(records: Sequence[TraceRecord], declared: SiteSchema) -> dict[str, Any]:
    """Renames drifted tool, argument and JSON-key names in ``records`` (one site) in place; what it changed."""
    tool_map: dict[str, str] = {}
    arg_map: dict[str, dict[str, str]] = {}
    field_map: dict[str, str] = {}
    if declared.tools:
        old: dict[str, tuple[str, set[str]]] = {}
        for r in records:
            offered = _offered(r)
            names = {str(c.get("name")) for c in r.tool_calls if isinstance(c, dict)} | set(offered)
            for name in names - set(declared.tools):
                spec = offered.get(name, {})
                old.setdefault(name, (str(spec.get("description", "")), set(_props(spec.get("parameters")))))
        new = {n: (t.description, set(_props(t.parameters))) for n, t in declared.tools.items()}
        tool_map = match_names(old, new)
        for name, tool in declared.tools.items():
            props = _props(tool.parameters)
            if not props:
                continue
            old_args: dict[str, tuple[str, set[str]]] = {}
            for r in records:
                for call in r.tool_calls:
                    if not isinstance(call, dict) or tool_map.get(str(call.get("name")), call.get("name")) != name:
                        continue
                    args = _call_args(call)
                    if not isinstance(args, dict):
                        continue
                    was = _props(_offered(r).get(str(call.get("name")), {}).get("parameters"))
                    for arg in args:
                        if arg not in props:
                            old_args.setdefault(arg, (was.get(arg, ""), set()))
            mapping = match_names(old_args, {k: (d, set()) for k, d in props.items()})
            if mapping:
                arg_map[name] = mapping
    fields = _props(declared.schema)
    if fields:
        old_keys: dict[str, tuple[str, set[str]]] = {}
        for r in records:
            value = parse_json_answer(r.output) if not r.tool_calls else None
            if isinstance(value, dict):
                old_keys.update({k: ("", set()) for k in value if k not in fields})
        field_map = match_names(old_keys, {k: (d, set()) for k, d in fields.items()})

    changed = 0
    for r in records:
        touched = False
        for call in r.tool_calls:
            if not isinstance(call, dict):
                continue
            name = str(call.get("name"))
            if name in tool_map:
                call["name"], touched = tool_map[name], True
            mapping = arg_map.get(str(call.get("name")), {})  # a call without a name (a bad record) renames nothing
            args = _call_args(call)
            if mapping and isinstance(args, dict) and any(k in mapping and mapping[k] not in args for k in args):
                renamed = {mapping[k] if k in mapping and mapping[k] not in args else k: v for k, v in args.items()}
                call["arguments"] = renamed if not isinstance(call.get("arguments"), str) else json.dumps(renamed)
                touched = True
        if r.tools and declared.tools:
            tools = []
            for tool in r.tools:
                fn = tool.get("function") if isinstance(tool, dict) and isinstance(tool.get("function"), dict) else tool
                name = fn.get("name") if isinstance(fn, dict) else None
                current = declared.tools.get(tool_map.get(str(name), str(name)))
                stale = (
                    isinstance(fn, dict)
                    and current is not None
                    and current.parameters is not None
                    and (name != current.name or fn.get("parameters") != current.parameters)
                )
                if stale:  # offered under an old name or schema: offer what the source declares now
                    tools.append(_declared(current))
                    touched = True
                else:
                    tools.append(tool)
            r.tools = tools
        if field_map and not r.tool_calls:
            value = parse_json_answer(r.output)
            if isinstance(value, dict) and any(k in field_map and field_map[k] not in value for k in value):
                value = {
                    field_map[k] if k in field_map and field_map[k] not in value else k: v for k, v in value.items()
                }
                r.output = json.dumps(value, ensure_ascii=False)
                touched = True
        if touched:
            r.meta["schema_drift"] = True
            changed += 1
    out: dict[str, Any] = {}
    if tool_map:
        out["tools"] = dict(sorted(tool_map.items()))
    if arg_map:
        out["arguments"] = {t: dict(sorted(m.items())) for t, m in sorted(arg_map.items())}
    if field_map:
        out["fields"] = dict(sorted(field_map.items()))
    if changed:
        out["records"] = changed
    return out


# ---- contract --------------------------------------------------------------------------------------------------------
def contract_spec(records: Sequence[TraceRecord], declared: SiteSchema) -> dict[str, Any] | None:
    """The contract a site's answers are held to (``slmc.runtime.contracts`` spec), or None when its answers mix
    kinds and it declares nothing."""
    kinds = Counter(answer_kind(r) for r in records)
    n = max(1, sum(kinds.values()) - kinds["empty"])
    if kinds["tool-call"] >= KIND_SHARE * n:
        tools = [{"name": t.name, "parameters": t.parameters} for t in declared.tools.values()]
        return {"kind": "tool-call", "tools": tools} if tools else {"kind": "tool-call"}
    if declared.schema is not None:
        return {"kind": "json", "schema": declared.schema}
    if kinds["json"] >= KIND_SHARE * n:
        return {"kind": "json"}
    if declared.labels:
        known = {normalize_label(label) for label in declared.labels}
        inside = sum(1 for r in records if not r.tool_calls and normalize_label(r.output or "") in known)
        if inside >= KIND_SHARE * n:  # a label list found statically that the teacher really answers from
            return {"kind": "label", "labels": list(declared.labels)}
    return None


def contract_breaks(
    records: Sequence[TraceRecord], spec: dict[str, Any]
) -> tuple[list[tuple[TraceRecord, str]], list[TraceRecord]]:
    """The records whose teacher answer the router's validator rejects under ``spec``, with its reason; and those it
    could not check (a schema the validator cannot use)."""
    from slmc.runtime.contracts import Contract
    from slmc.runtime.types import Answer

    contract = Contract(spec)
    per_call = Contract({"kind": "tool-call", "tools_per_call": True}) if spec["kind"] == "tool-call" else None
    out: list[tuple[TraceRecord, str]] = []
    unchecked: list[TraceRecord] = []
    for r in records:
        answer = Answer(content=r.output, tool_calls=list(r.tool_calls))
        check = contract
        if per_call is not None and r.tools:
            check = per_call  # the tools offered in the request are what the call had to choose from
        try:
            result = check.check(answer, request_tools=list(r.tools) or None)
        except Exception:  # a schema the validator cannot use: left unchecked, counted
            unchecked.append(r)
            continue
        if not result.ok:
            out.append((r, result.error or "breaks the contract"))
    return out, unchecked


# ---- near-duplicates -------------------------------------------------------------------------------------------------
_NOT_WORD = re.compile(r"[^\w]+")


def _loose(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def near_duplicate_key(record: TraceRecord, site: str) -> str:
    """One key for records whose prompt and answer differ only in case, punctuation and spacing."""
    prompt = "\n".join(_loose(content_text(m.get("content"))) for m in record.messages if isinstance(m, dict))
    tools = sorted(_offered(record))
    calls = parse_tool_calls(record.tool_calls) if record.tool_calls else None
    if calls is not None:
        answer = canonical_json(calls)
    else:
        value = parse_json_answer(record.output)
        answer = canonical_json(value) if value is not None else _loose(record.output or "")
    return json.dumps([site, prompt, tools, answer], ensure_ascii=False)
