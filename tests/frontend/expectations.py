"""Inline expectations of the frontend fixtures: ``# expect: ...`` comments on the line of each call / def.

    resp = client.chat.completions.create(  # expect: request openai chat.completions.create model=gpt-4o
    client.embeddings.create(input=x)  # expect: none
    def ask(prompt):  # expect: wrapper
    label = ask(text)  # expect: wrapper-call ask consumers=label-set labels=a|b

Items on one line are separated by ``;``. ``key=value`` extras check fields of the found site: ``model``,
``stream``/``async`` (true/false), ``labels``/``tools`` (``|``-separated, exact), ``consumers`` (``|``-separated,
each must be present), ``schema`` (output_schema), ``prompt`` (a substring of the prompt template).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from slmc.ir import AgentGraph, LLMCall, SiteKind

FIXTURES = Path(__file__).parent / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Expected:
    path: str
    line: int
    key: tuple[str, ...]  # (kind, client, api) | ("wrapper",) | ("wrapper-call", target function)
    extras: tuple[tuple[str, str], ...] = field(default=(), compare=False)


def fixture_cases() -> list[Path]:
    """Single-file fixtures (``*.py``) and package fixtures (folders), in name order."""
    return sorted(p for p in FIXTURES.iterdir() if (p.suffix == ".py" or p.is_dir()) and not p.name.startswith("_"))


def expectations(case: Path) -> tuple[list[Expected], int]:
    """Expected sites of a fixture and the number of ``expect: none`` lines."""
    files = sorted([*case.rglob("*.py"), *case.rglob("*.yaml"), *case.rglob("*.yml")]) if case.is_dir() else [case]
    root = case if case.is_dir() else case.parent
    out: list[Expected] = []
    negatives = 0
    for f in files:
        rel = f.relative_to(root).as_posix()
        for lineno, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            m = _EXPECT.search(line)
            if not m:
                continue
            for item in m.group(1).split(";"):
                tokens = item.split()
                if not tokens:
                    continue
                if tokens[0] == "none":
                    negatives += 1
                    continue
                words = [t for t in tokens if "=" not in t]
                extras = tuple(tuple(t.split("=", 1)) for t in tokens if "=" in t)
                out.append(Expected(rel, lineno, tuple(words), extras))  # type: ignore[arg-type]
    return out, negatives


def found_key(graph: AgentGraph, site: LLMCall) -> tuple[str, ...]:
    if site.site == SiteKind.WRAPPER:
        return ("wrapper",)
    if site.site == SiteKind.WRAPPER_CALL:
        target = graph.get(site.target or "")
        name = target.function.rsplit(".", 1)[-1] if isinstance(target, LLMCall) else "?"
        return ("wrapper-call", name)
    return (str(site.site), site.client, site.api)


def found(graph: AgentGraph) -> dict[tuple[str, int, tuple[str, ...]], LLMCall]:
    return {(s.loc.path, s.loc.line, found_key(graph, s)): s for s in graph.sites()}


def check_extras(graph: AgentGraph, site: LLMCall, extras: tuple[tuple[str, str], ...]) -> list[str]:
    """Mismatches between a found site and the ``key=value`` extras of its expectation."""
    problems = []
    prompt = graph.prompt_of(site.id)
    template = "\n".join(m.template() for m in prompt.messages) if prompt else ""
    for key, want in extras:
        if key == "model":
            ok, got = site.model == want, site.model
        elif key in ("stream", "async"):
            got = site.stream if key == "stream" else site.is_async
            ok = got == (want == "true")
        elif key in ("labels", "tools"):
            got = list(getattr(site, key))
            ok = got == want.split("|")
        elif key == "consumers":
            got = list(site.consumers)
            ok = all(c in got for c in want.split("|"))
        elif key == "schema":
            ok, got = site.output_schema == want, site.output_schema
        elif key == "prompt":
            ok, got = want.replace("_", " ") in template, template
        else:
            ok, got = False, f"unknown expectation key {key!r}"
        if not ok:
            problems.append(f"{site.id}: {key} expected {want!r}, got {got!r}")
    return problems
