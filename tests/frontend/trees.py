"""Small synthetic source trees for frontend tests: write them, analyse them, find a site by path and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.frontend import analyze_paths
from slmc.frontend.project import Analysis, source_files
from slmc.ir import AgentGraph, LLMCall, SiteKind


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Write ``{relative path: source}`` under ``root``, each source dedented."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")


def analysed_graph(root: Path) -> AgentGraph:
    """The agent graph of the tree under ``root``; no file may end in an internal error."""
    graph, diags = analyze_paths([root], root=root)
    assert not [d for d in diags if "internal error" in d.message]
    return graph


def analysis_of(root: Path) -> Analysis:
    """The analysis of the tree under ``root``, run (its evaluator and scopes open to a test)."""
    analysis = Analysis(root)
    for f in source_files([root], root):
        analysis.add_file(f.relpath, f.path)
    analysis.run()
    return analysis


def site_at(graph: AgentGraph, path: str, line: int) -> LLMCall:
    """The site reported at ``path:line`` (the failure lists every site found)."""
    found = [s for s in graph.sites() if s.loc.path == path and s.loc.line == line]
    assert found, [(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()]
    return found[0]


def wrapper_call_in(graph: AgentGraph, function: str) -> LLMCall:
    """The one wrapper-call site inside ``function`` (the failure lists every site found)."""
    found = [s for s in graph.sites() if s.function == function and s.site == SiteKind.WRAPPER_CALL]
    assert len(found) == 1, [(s.function, str(s.site)) for s in graph.sites()]
    return found[0]


def carried_text(graph: AgentGraph, site: LLMCall) -> str:
    """The static text of a site's prompt and of the prompt of the request it reaches, one message a line."""
    texts: list[str] = []
    for s in (site, graph.request_of(site.id)):
        prompt = graph.prompt_of(s.id) if s is not None else None
        if prompt is not None:
            texts += [m.static_text() for m in prompt.messages]
    return "\n".join(texts)


def line_of(source: str, text: str) -> int:
    """The 1-based line of the dedented ``source`` that first contains ``text``."""
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def sites_in(root: Path, path: str) -> set[tuple[int, str]]:
    """``(line, kind)`` of every site the analysis of ``root`` reports in ``path``."""
    graph = analysed_graph(root)
    return {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == path}


def messages_at(graph: AgentGraph, path: str, line: int) -> list[tuple[str, str]]:
    """``(role, static text)`` of each message of the prompt of the site at ``path:line``."""
    prompt = graph.prompt_of(site_at(graph, path, line).id)
    assert prompt is not None
    return [(m.role, m.static_text()) for m in prompt.messages]
