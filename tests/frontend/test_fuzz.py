"""Fuzzing: generated and mutated sources never crash the frontend and always give a graph that verifies."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slmc.frontend import analyze_source

from .expectations import FIXTURES

SNIPPETS = sorted(p.read_text(encoding="utf-8") for p in FIXTURES.glob("*.py"))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- random programs from a small grammar of agent-like code ----------------------------------------------------
NAMES = st.sampled_from(["client", "llm", "openai", "self", "resp", "prompt", "create", "x", "OpenAI", "litellm"])
ATTRS = st.sampled_from(["chat", "completions", "create", "messages", "invoke", "content", "client", "parse"])
STRINGS = st.sampled_from(["gpt-4o", "Classify: {x}", "one of: a, b, c", "/v1/chat/completions", ""])


LEAVES = st.one_of(
    NAMES.map(lambda n: ast.Name(n, ast.Load())),
    STRINGS.map(ast.Constant),
    st.integers(-3, 3).map(ast.Constant),
)
KEYWORDS = st.sampled_from(["model", "messages", "stream", "temperature"])


def _extend(sub: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    return st.one_of(
        st.tuples(sub, ATTRS).map(lambda t: ast.Attribute(t[0], t[1], ast.Load())),
        st.tuples(sub, st.lists(sub, max_size=2), st.lists(st.tuples(KEYWORDS, sub), max_size=3)).map(
            lambda t: ast.Call(t[0], t[1], [ast.keyword(k, v) for k, v in t[2]])
        ),
        st.lists(sub, max_size=3).map(lambda xs: ast.List(xs, ast.Load())),
        st.tuples(sub, sub).map(lambda t: ast.BinOp(t[0], ast.Add(), t[1])),
        st.tuples(sub, sub).map(lambda t: ast.Dict([ast.Constant("role"), ast.Constant("content")], [t[0], t[1]])),
        sub.map(lambda e: ast.JoinedStr([ast.Constant("q: "), ast.FormattedValue(e, -1)])),
        sub.map(ast.Await),
    )


EXPRS = st.recursive(LEAVES, _extend, max_leaves=12)
SIMPLE = st.one_of(
    st.tuples(NAMES, EXPRS).map(lambda t: ast.Assign([ast.Name(t[0], ast.Store())], t[1])),
    EXPRS.map(ast.Expr),
    EXPRS.map(ast.Return),
    st.sampled_from(["openai", "litellm", "anthropic"]).map(lambda m: ast.Import([ast.alias(m)])),
    st.sampled_from(["OpenAI", "AsyncOpenAI"]).map(lambda n: ast.ImportFrom("openai", [ast.alias(n)], 0)),
)


def _compound(body: st.SearchStrategy[ast.stmt]) -> st.SearchStrategy[ast.stmt]:
    block = st.lists(body, min_size=1, max_size=4)
    return st.one_of(
        st.tuples(st.sampled_from(["ask", "run", "step", "classify"]), block, st.booleans()).map(
            lambda t: (ast.AsyncFunctionDef if t[2] else ast.FunctionDef)(
                name=t[0], args=ast.arguments([], [ast.arg("x")], None, [], [], None, []), body=t[1], decorator_list=[]
            )
        ),
        st.tuples(st.sampled_from(["Agent", "Tool"]), block).map(lambda t: ast.ClassDef(t[0], [], [], t[1], [])),
        st.tuples(EXPRS, block).map(lambda t: ast.If(t[0], t[1], [])),
    )


STATEMENTS = st.recursive(SIMPLE, _compound, max_leaves=10)


PROGRAMS = st.lists(STATEMENTS, min_size=1, max_size=8).map(
    lambda body: ast.unparse(ast.fix_missing_locations(ast.Module(body, [])))
)


@SETTINGS
@given(PROGRAMS)
def test_generated_programs_never_crash(code: str) -> None:
    graph, diagnostics = analyze_source(code, "gen.py")
    graph.verify()
    assert all(d.code in ("E001", "E003") and "internal error" not in d.message for d in diagnostics)


# ---- mutated fixtures --------------------------------------------------------------------------------------------
@SETTINGS
@given(
    st.sampled_from(SNIPPETS),
    st.lists(
        st.tuples(st.sampled_from(["cut", "drop", "dup", "insert"]), st.floats(0, 1), st.text(max_size=8)), max_size=4
    ),
)
def test_mutated_fixtures_never_crash(source: str, edits: list[tuple[str, float, str]]) -> None:
    lines = source.splitlines(keepends=True)
    for op, where, text in edits:
        i = int(where * max(len(lines) - 1, 0))
        if op == "cut":
            joined = "".join(lines)
            lines = [joined[: int(where * len(joined))]]
        elif op == "drop" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        else:
            lines.insert(i, text + "\n")
    code = "".join(lines)
    graph, diagnostics = analyze_source(code, "mutated.py")
    graph.verify()
    assert all(d.code in ("E001", "E003") and "internal error" not in d.message for d in diagnostics)
