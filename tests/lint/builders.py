"""Hand-built agent graphs for rule and triage unit tests (independent of the frontend)."""

from __future__ import annotations

from typing import Any

from slmc.ir import AgentGraph, EdgeKind, LLMCall, Loc, Message, Prompt, PromptPart, SiteKind, site_id


def parts(template: str) -> tuple[PromptPart, ...]:
    """``"Classify: {ticket}"`` -> literal and hole parts."""
    out: list[PromptPart] = []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        hole, _, rest = tail.partition("}")
        if before:
            out.append(PromptPart(before))
        out.append(PromptPart(hole, hole=True))
    if rest:
        out.append(PromptPart(rest))
    return tuple(out)


def add_site(
    graph: AgentGraph,
    function: str,
    line: int,
    *,
    path: str = "agent.py",
    kind: SiteKind = SiteKind.REQUEST,
    system: str | None = None,
    user: str | None = "{text}",
    end_line: int | None = None,
    **fields: Any,
) -> LLMCall:
    """Add an LLMCall (+ its Prompt) at ``path:line``; ``fields`` are LLMCall fields (options, labels, ...)."""
    fields.setdefault("client", "openai")
    fields.setdefault("api", "chat.completions.create" if kind == SiteKind.REQUEST else "")
    if kind == SiteKind.REQUEST:
        fields.setdefault("model", "gpt-4o-2024-08-06")
    site = LLMCall(
        id=site_id(function, path, line),
        site=kind,
        loc=Loc(path, line, 5, end_line or line, 40),
        function=function,
        **fields,
    )
    graph.add(site)
    messages = []
    if system is not None:
        messages.append(Message("system", parts(system)))
    if user is not None:
        messages.append(Message("user", parts(user), origin="f-string"))
    if messages:
        prompt = Prompt(id=f"prompt:{function}@{path}:{line}", messages=tuple(messages))
        graph.add(prompt)
        graph.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    if site.target:
        graph.add_edge(site.id, site.target, EdgeKind.CALLS)
    return site


def wrapper_graph(call_prompts: dict[int, dict[str, Any]], **request_fields: Any) -> AgentGraph:
    """``ask(prompt)`` wrapping one request at line 5, called at the given lines with the given fields."""
    g = AgentGraph()
    request = add_site(g, "ask", 5, user="{prompt}", **request_fields)
    wrapper = add_site(g, "ask", 4, kind=SiteKind.WRAPPER, user=None, target=request.id)
    for line, fields in call_prompts.items():
        add_site(g, "main", line, path="main.py", kind=SiteKind.WRAPPER_CALL, target=wrapper.id, **fields)
    return g


def wording_reasons(text: str) -> set[str]:
    """The reasons triage's wording evidence gives for one prompt text."""
    from slmc.passes.triage import wording_evidence

    return {e.reason for e in wording_evidence([text])}
