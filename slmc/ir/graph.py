"""AgentGraph: the typed agent graph.

Nodes are frozen dataclasses keyed by their id; edges carry an ``EdgeKind``. Passes never mutate a node in place:
they ``replace`` it with an updated copy (``dataclasses.replace``).

The graph is kept in plain adjacency dicts (node id -> node; successors and predecessors with their edge kinds), the
layout of networkx's ``DiGraph``: ``slmc lint`` builds a graph on every run, and importing networkx alone costs more
than linting a small project. ``to_networkx()`` gives a ``networkx.DiGraph`` copy (nodes carry ``node``, edges
``kind``) for graph algorithms; networkx is imported only then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from slmc.ir.nodes import NODE_TYPES, Code, EdgeKind, LLMCall, Node, Prompt, SiteKind, Task, Tool

if TYPE_CHECKING:
    import networkx as nx

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
        self._nodes: dict[str, Node] = {}  # id -> node, in insertion order
        self._succ: dict[str, dict[str, EdgeKind]] = {}  # id -> successor id -> edge kind
        self._pred: dict[str, dict[str, EdgeKind]] = {}  # id -> predecessor id -> edge kind
        self._order: list[str] | None = None  # the ids sorted (``nodes``), until a node is added or removed
        self.meta = meta or GraphMeta()

    # ---- nodes ---------------------------------------------------------------------------------------------------
    def add(self, node: Node) -> Node:
        """Add a node; adding an equal node twice is a no-op, a different node under the same id is an error."""
        old = self._nodes.get(node.id)
        if old is not None:
            if old != node:
                raise IRError(f"duplicate node id {node.id!r} with different content")
            return old
        self._nodes[node.id] = node
        self._order = None
        self._succ[node.id] = {}
        self._pred[node.id] = {}
        return node

    def replace(self, node: Node) -> None:
        if node.id not in self._nodes:
            raise IRError(f"replace of unknown node {node.id!r}")
        self._nodes[node.id] = node

    def update(self, node_id: str, **changes: Any) -> Node:
        new = dataclasses.replace(self.node(node_id), **changes)
        self.replace(new)
        return new

    def remove(self, node_id: str) -> None:
        """Remove a node and its edges."""
        if node_id not in self._nodes:
            raise IRError(f"remove of unknown node {node_id!r}")
        del self._nodes[node_id]
        self._order = None
        for succ in self._succ.pop(node_id):
            del self._pred[succ][node_id]
        for pred in self._pred.pop(node_id):
            del self._succ[pred][node_id]

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise KeyError(f"no node {node_id!r} in the graph") from None

    def get(self, node_id: str) -> Node | None:
        return self._nodes.get(node_id)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def nodes(self, kind: type[N] = Node) -> Iterator[N]:  # type: ignore[assignment]
        """Nodes of one type, in id order (stable)."""
        order = self._order
        if order is None:  # sorted once per set of ids: the passes ask for the sites again and again
            order = self._order = sorted(self._nodes)
        for nid in order:
            n = self._nodes[nid]
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
        """Add the edge ``src -> dst`` (an existing one takes the new kind); both ends must be in the graph."""
        for end in (src, dst):
            if end not in self._nodes:
                raise IRError(f"edge {src} -> {dst}: unknown node {end!r}")
        kind = EdgeKind(kind)
        self._succ[src][dst] = kind
        self._pred[dst][src] = kind

    def edges(self, kind: EdgeKind | None = None) -> list[tuple[str, str, EdgeKind]]:
        out = [(a, b, k) for a, succ in self._succ.items() for b, k in succ.items() if kind is None or k == kind]
        return sorted(out)

    def preds(self, node_id: str, kind: EdgeKind | None = None) -> list[Node]:
        ends = self._adjacent(self._pred, node_id)
        return [self._nodes[p] for p in sorted(ends) if kind is None or ends[p] == kind]

    def succs(self, node_id: str, kind: EdgeKind | None = None) -> list[Node]:
        ends = self._adjacent(self._succ, node_id)
        return [self._nodes[s] for s in sorted(ends) if kind is None or ends[s] == kind]

    @staticmethod
    def _adjacent(adjacency: dict[str, dict[str, EdgeKind]], node_id: str) -> dict[str, EdgeKind]:
        try:
            return adjacency[node_id]
        except KeyError:
            raise IRError(f"no node {node_id!r} in the graph") from None

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
        other._nodes = dict(self._nodes)
        other._succ = {nid: dict(succ) for nid, succ in self._succ.items()}
        other._pred = {nid: dict(pred) for nid, pred in self._pred.items()}
        return other

    def to_networkx(self) -> nx.DiGraph:
        """A ``networkx.DiGraph`` copy of the graph (node attribute ``node``, edge attribute ``kind``) for graph
        algorithms; changing it does not change this graph."""
        import networkx as nx

        out = nx.DiGraph()
        out.add_nodes_from((nid, {"node": node}) for nid, node in self._nodes.items())
        out.add_edges_from((a, b, {"kind": k}) for a, succ in self._succ.items() for b, k in succ.items())
        return out

    def verify(self) -> None:
        """Check the invariants; raise ``IRError`` listing every violation."""
        problems: list[str] = []
        for nid, node in self._nodes.items():
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
                if node.target is not None and node.target not in self._nodes:
                    problems.append(f"{nid}: target {node.target!r} is not in the graph")
                if node.site == SiteKind.WRAPPER_CALL and node.target is None:
                    problems.append(f"{nid}: wrapper-call without a target wrapper")
                if node.loc.line < 1:
                    problems.append(f"{nid}: missing source location")
            if isinstance(node, Task):
                for s in node.sites:
                    if s not in self._nodes:
                        problems.append(f"{nid}: serves unknown site {s!r}")
        for a, succ in self._succ.items():
            for b, k in succ.items():
                if not isinstance(k, EdgeKind):
                    problems.append(f"edge {a} -> {b}: no kind")
        if problems:
            raise IRError("IR verification failed:\n  " + "\n  ".join(sorted(problems)))

    def __repr__(self) -> str:
        return f"AgentGraph({len(self)} nodes, {sum(map(len, self._succ.values()))} edges)"
