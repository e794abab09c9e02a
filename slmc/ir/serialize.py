"""JSON round-trip and the stable text form of the agent graph."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from functools import cache
from typing import Any

from slmc.ir.graph import AgentGraph, GraphMeta
from slmc.ir.nodes import NODE_TYPES, EdgeKind, Loc, Message, Node

FORMAT_VERSION = 1


# ---- generic dataclass <-> JSON ----------------------------------------------------------------------------------
def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` (dataclass, enum, tuple[...], X | None, dict, scalar) from JSON data."""
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return from_jsonable(args[0], data)
        return data
    if origin is tuple:
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return tuple(from_jsonable(inner, v) for v in data)
    if origin is list:
        (inner,) = typing.get_args(tp) or (Any,)
        return [from_jsonable(inner, v) for v in data]
    if origin is dict or tp is dict:
        return dict(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {f.name: from_jsonable(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    return data


# ---- graph <-> JSON ----------------------------------------------------------------------------------------------
def graph_to_json(graph: AgentGraph) -> dict[str, Any]:
    return {
        "format": "slmc.ir",
        "version": FORMAT_VERSION,
        "meta": to_jsonable(graph.meta),
        "nodes": [to_jsonable(n) for n in graph.nodes()],
        "edges": [[a, b, str(k)] for a, b, k in graph.edges()],
    }


def graph_from_json(data: dict[str, Any]) -> AgentGraph:
    if data.get("format") != "slmc.ir":
        raise ValueError("not an slmc IR document (missing format: slmc.ir)")
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"unsupported slmc IR version {data.get('version')!r} (this slmc reads {FORMAT_VERSION})")
    graph = AgentGraph(from_jsonable(GraphMeta, data.get("meta", {})))
    for raw in data["nodes"]:
        prefix = raw["id"].split(":", 1)[0]
        cls = NODE_TYPES.get(prefix)
        if cls is None:
            raise ValueError(f"unknown node kind {prefix!r} in id {raw['id']!r}")
        graph.add(from_jsonable(cls, raw))
    for a, b, k in data["edges"]:
        graph.add_edge(a, b, EdgeKind(k))
    return graph


def dumps(graph: AgentGraph) -> str:
    return json.dumps(graph_to_json(graph), indent=1, sort_keys=True, ensure_ascii=False)


def loads(text: str) -> AgentGraph:
    return graph_from_json(json.loads(text))


# ---- text form ---------------------------------------------------------------------------------------------------
_KIND_ORDER = {k: i for i, k in enumerate(["code", "llm", "prompt", "tool", "input", "output", "task"])}


def _fmt(value: Any) -> str:
    if isinstance(value, Loc):
        return str(value) + (f"-{value.end_line}:{value.end_col}" if value.end_line else "")
    if isinstance(value, tuple) and value and all(isinstance(v, Message) for v in value):
        return (
            "["
            + ", ".join(f"{m.role}<{m.origin}>: {json.dumps(m.template(), ensure_ascii=False)}" for m in value)
            + "]"
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        defaults = _defaults(type(value))
        value = {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in defaults or getattr(value, f.name) != defaults[f.name]
        }
    return json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False)


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            out[f.name] = f.default_factory()  # type: ignore[misc]
    return out


def print_node(node: Node) -> list[str]:
    lines = [f"{node.kind} {node.id}"]
    defaults = _defaults(type(node))
    for f in dataclasses.fields(node):
        if f.name == "id":
            continue
        value = getattr(node, f.name)
        if f.name in defaults and value == defaults[f.name]:
            continue
        lines.append(f"  {f.name} = {_fmt(value)}")
    return lines


def print_graph(graph: AgentGraph) -> str:
    """Stable, readable text of the graph: used by golden tests, ``slmc ir`` and ``--print-ir-after-all``."""
    out = [f"slmc.ir v{FORMAT_VERSION}"]
    if graph.meta.facts:
        out.append(f"facts {' '.join(graph.meta.facts)}")
    nodes = sorted(graph.nodes(), key=lambda n: (_KIND_ORDER.get(n.kind, 99), n.id))
    for n in nodes:
        out.extend(print_node(n))
    for a, b, k in graph.edges():
        out.append(f"edge {a} -{k}-> {b}")
    return "\n".join(out) + "\n"
