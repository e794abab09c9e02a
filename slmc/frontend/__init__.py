"""Static frontend: find every LLM call site and wrapper in Python source and build the agent graph.

    graph, diagnostics = analyze_paths([Path("agent/")], root=Path("."))
    graph, diagnostics = analyze_source(code, path="agent.py")

See docs/interfaces.md §1 for the output contract.
"""

from __future__ import annotations

from slmc.frontend.project import analyze_paths, analyze_source

__all__ = ["analyze_paths", "analyze_source"]
