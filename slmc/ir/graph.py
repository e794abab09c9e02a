"""AgentGraph: the typed agent graph on networkx.

Nodes are frozen dataclasses keyed by their id; edges carry an ``EdgeKind``. Passes never mutate a node in place:
they ``replace`` it with an updated copy (``dataclasses.replace``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx

from slmc.ir.nodes import NODE_TYPES, Code, EdgeKind, LLMCall, Node, Prompt, SiteKind, Task, Tool

N = TypeVar("N", bound=Node)


@dataclass
class GraphMeta:
    root: str = "."  # the analysed root; node paths are relative to it
    files: list[str] = field(default_factory=list)  # files analysed (relative)
    trace_sources: list[str] = field(default_factory=list)
    passes_run: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # what the passes run so far provide (see passmanager)
    # an emitted plan: its build folder (datasets/, models/), relative to the plan file's folder ("": not recorded)
    build: str = ""


class IRError(ValueError):
    """The graph breaks an invariant (raised by ``verify``)."""


class AgentGraph:
    def __init__(self, meta: GraphMeta | None = None) -> None:
        self.g: nx.DiGraph = nx.DiGraph()
        self.meta = meta or GraphMeta()

    # ---- nodes ---------------------------------------------------------------------------------------------------
    def add(self, node: Node) -> Node:
        """Add a node; adding an equal node twice is a no-op, a different node under the same id is an error."""
        if node.id in self.g:
            old = self.g.nodes[node.id]["node"]
            if old != node:
                raise IRError(f"duplicate node id {node.id!r} with different content")
            return old
        self.g.add_node(node.id, node=node)
        return node

    def replace(self, node: Node) -> None:
        if node.id not in self.g:
            raise IRError(f"replace of unknown node {node.id!r}")
        self.g.nodes[node.id]["node"] = node

    def update(self, node_id: str, **changes: Any) -> Node:
        new = dataclasses.replace(self.node(node_id), **changes)
        self.replace(new)
        return new

    def remove(self, node_id: str) -> None:
        self.g.remove_node(node_id)

    def node(self, node_id: str) -> Node:
        try:
            return self.g.nodes[node_id]["node"]
        except KeyError:
            raise KeyError(f"no node {node_id!r} in the graph") from None

    def get(self, node_id: str) -> Node | None:
        data = self.g.nodes.get(node_id)
        return data["node"] if data else None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.g

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def nodes(self, kind: type[N] = Node) -> Iterator[N]:  # type: ignore[assignment]
        """Nodes of one type, in id order (stable)."""
        for nid in sorted(self.g.nodes):
            n = self.g.nodes[nid]["node"]
            if isinstance(n, kind):
                yield n

    def sites(self, *kinds: SiteKind) -> list[LLMCall]:
        return [s for s in self.nodes(LLMCall) if not kinds or s.site in kinds]

    def tasks(self) -> list[Task]:
        return list(self.nodes(Task))

    def tools(self) -> list[Tool]:
        return list(self.nodes(Tool))

    def functions(self) -> list[Code]:
        return list(self.nodes(Code))

    # ---- edges ---------------------------------------------------------------------------------------------------
    def add_edge(self, src: str, dst: str, kind: EdgeKind) -> None:
        for end in (src, dst):
            if end not in self.g:
                raise IRError(f"edge {src} -> {dst}: unknown node {end!r}")
        self.g.add_edge(src, dst, kind=EdgeKind(kind))

    def edges(self, kind: EdgeKind | None = None) -> list[tuple[str, str, EdgeKind]]:
        out = [(a, b, d["kind"]) for a, b, d in self.g.edges(data=True) if kind is None or d["kind"] == kind]
        return sorted(out)

    def preds(self, node_id: str, kind: EdgeKind | None = None) -> list[Node]:
        return [
            self.node(p)
            for p in sorted(self.g.predecessors(node_id))
            if kind is None or self.g.edges[p, node_id]["kind"] == kind
        ]

    def succs(self, node_id: str, kind: EdgeKind | None = None) -> list[Node]:
        return [
            self.node(s)
            for s in sorted(self.g.successors(node_id))
            if kind is None or self.g.edges[node_id, s]["kind"] == kind
        ]

    def prompt_of(self, site_id: str) -> Prompt | None:
        ps = [p for p in self.preds(site_id, EdgeKind.PROMPT) if isinstance(p, Prompt)]
        return ps[0] if ps else None

    def request_of(self, site_id: str) -> LLMCall | None:
        """Follow ``target`` links from a wrapper-call / wrapper down to the request it reaches."""
        seen: set[str] = set()
        cur = self.get(site_id)
        while isinstance(cur, LLMCall) and cur.site != SiteKind.REQUEST and cur.target and cur.id not in seen:
            seen.add(cur.id)
            cur = self.get(cur.target)
        return cur if isinstance(cur, LLMCall) else None

    # ---- whole graph ---------------------------------------------------------------------------------------------
    def copy(self) -> AgentGraph:
        other = AgentGraph(dataclasses.replace(self.meta))
        other.meta.files = list(self.meta.files)
        other.meta.trace_sources = list(self.meta.trace_sources)
        other.meta.passes_run = list(self.meta.passes_run)
        other.meta.facts = list(self.meta.facts)
        other.g = self.g.copy()
        return other

    def verify(self) -> None:
        """Check the invariants; raise ``IRError`` listing every violation."""
        problems: list[str] = []
        for nid, data in self.g.nodes(data=True):
            node = data.get("node")
            if not isinstance(node, Node):
                problems.append(f"{nid}: no node object")
                continue
            if node.id != nid:
                problems.append(f"{nid}: node id {node.id!r} differs from its key")
            prefix = nid.split(":", 1)[0]
            expected = NODE_TYPES.get(prefix)
            if expected is None or type(node) is not expected:
                problems.append(f"{nid}: id prefix {prefix!r} does not match type {type(node).__name__}")
            if isinstance(node, LLMCall):
                if node.target is not None and node.target not in self.g:
                    problems.append(f"{nid}: target {node.target!r} is not in the graph")
                if node.site == SiteKind.WRAPPER_CALL and node.target is None:
                    problems.append(f"{nid}: wrapper-call without a target wrapper")
                if node.loc.line < 1:
                    problems.append(f"{nid}: missing source location")
            if isinstance(node, Task):
                for s in node.sites:
                    if s not in self.g:
                        problems.append(f"{nid}: serves unknown site {s!r}")
        for a, b, d in self.g.edges(data=True):
            if not isinstance(d.get("kind"), EdgeKind):
                problems.append(f"edge {a} -> {b}: no kind")
        if problems:
            raise IRError("IR verification failed:\n  " + "\n  ".join(sorted(problems)))

    def __repr__(self) -> str:
        return f"AgentGraph({len(self)} nodes, {self.g.number_of_edges()} edges)"
