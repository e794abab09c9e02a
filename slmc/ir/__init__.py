"""The typed agent graph (IR): nodes, graph, JSON round-trip, text form."""

from __future__ import annotations

from slmc.ir.graph import AgentGraph, GraphMeta, IRError
from slmc.ir.nodes import (
    Code,
    Contract,
    Decision,
    EdgeKind,
    EvalResult,
    FinetunePlan,
    Input,
    LLMCall,
    Loc,
    Message,
    Node,
    OffloadScore,
    Output,
    Prompt,
    PromptPart,
    SiteKind,
    SLMChoice,
    Task,
    Tool,
    Traffic,
    Triage,
    Verdict,
    parse_site_id,
    site_id,
)
from slmc.ir.serialize import dumps, graph_from_json, graph_to_json, loads, print_graph

__all__ = [
    "AgentGraph", "Code", "Contract", "Decision", "EdgeKind", "EvalResult", "FinetunePlan", "GraphMeta", "IRError",
    "Input", "LLMCall", "Loc", "Message", "Node", "OffloadScore", "Output", "Prompt", "PromptPart", "SLMChoice",
    "SiteKind", "Task", "Tool", "Traffic", "Triage", "Verdict", "dumps", "graph_from_json", "graph_to_json", "loads",
    "parse_site_id", "print_graph", "site_id",
]
