"""Rewrite the agent's accepted call sites to go through the slmc runtime (docs/interfaces.md §5), with libcst.

A request site ``client.chat.completions.create(model=..., messages=...)`` becomes
``_slmc_runtime.call("<site id>", "openai.chat", client.chat.completions.create, model=..., messages=...)``
(``acall`` when awaited or async); a wrapper-call ``ask_llm(p)`` becomes ``_slmc_runtime.within("<site id>", ask_llm, p)``
(``awithin``). ``import slmc.runtime as _slmc_runtime`` is added once after the docstring, ``__future__`` and leading
imports. Formatting and comments are kept; nothing else changes. Sites are matched on the ORIGINAL source (the site id's
function, path and first line, plus the callee); rewriting a rewritten file changes nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Decision, LLMCall, SiteKind, parse_site_id, site_id
from slmc.safety import UnsafePathError, safe_join

RUNTIME_ALIAS = "_slmc_runtime"
RUNTIME_MODULE = "slmc.runtime"
HELPERS = {"call", "acall", "within", "awithin"}


@dataclass(frozen=True)
class SiteRewrite:
    """How to rewrite one accepted site."""

    site_id: str
    kind: SiteKind  # REQUEST or WRAPPER_CALL
    api: str = "text"  # runtime API shape (request sites)
    callee: str | None = (
        None  # dotted suffix the called expression must end with ("chat.completions.create", "ask_llm")
    )
    is_async: bool = False
    col: int = 0  # 1-based start column the call must have (0: any); a site found by traces is matched by place


@dataclass(frozen=True)
class Change:
    site_id: str
    path: str
    line: int
    action: str  # wrapped | already-wrapped | not-found | skipped
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.action} {self.site_id}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class RewriteResult:
    path: str  # relative to the agent root
    original: str
    code: str
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.code != self.original

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.code.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


# ---- which sites --------------------------------------------------------------------------------------------------
def rewrites_from_graph(
    graph: AgentGraph, decisions: Mapping[str, Decision | str] | None = None, api: Mapping[str, str] | None = None
) -> dict[str, SiteRewrite]:
    """Rewrites for the accepted (offload or shadow) request and wrapper-call sites of a gated graph.

    ``decisions``/``api`` override the graph's (e.g. the bundle's plan after demotions); ``api`` maps site id -> shape.
    """
    from slmc.targets.base import api_of_site

    out: dict[str, SiteRewrite] = {}
    for s in graph.sites(SiteKind.REQUEST, SiteKind.WRAPPER_CALL):
        decision = Decision(decisions[s.id]) if decisions is not None and s.id in decisions else s.decision
        if decision not in (Decision.OFFLOAD, Decision.SHADOW):
            continue
        shape = (api or {}).get(s.id) or api_of_site(graph, s)
        if shape is None:
            continue
        by_place = s.site == SiteKind.REQUEST and s.found_by == "traces"
        out[s.id] = SiteRewrite(s.id, s.site, shape, _callee(graph, s), s.is_async, s.loc.col if by_place else 0)
    return out


def _callee(graph: AgentGraph, s: LLMCall) -> str | None:
    if s.site == SiteKind.REQUEST:
        # a request found by traces is reached through a name the static analysis could not follow
        # (``getattr(client.chat.completions, verb)(...)``): matched by its place, not by the SDK path
        return None if s.found_by == "traces" else (s.api or None)
    wrapper = graph.get(s.target) if s.target else None
    if isinstance(wrapper, LLMCall):
        return wrapper.function.rsplit(".", 1)[-1]
    return None


# ---- libcst helpers -----------------------------------------------------------------------------------------------
def dotted(expr: cst.BaseExpression) -> str:
    """``client.chat.completions.create`` for an attribute chain; calls inside the chain read ``name()``."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{dotted(expr.value)}.{expr.attr.value}"
    if isinstance(expr, cst.Call):
        return f"{dotted(expr.func)}()"
    return "?"


def _matches(func: cst.BaseExpression, callee: str | None) -> bool:
    if callee is None:
        return True
    name = dotted(func)
    return name == callee or name.endswith("." + callee)


def _helper_site(call: cst.Call) -> str | None:
    """The site id of an already-wrapped call ``_slmc_runtime.call("<id>", ...)``; None otherwise."""
    f = call.func
    if not (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == RUNTIME_ALIAS):
        return None
    if f.attr.value not in HELPERS or not call.args:
        return None
    first = call.args[0].value
    if isinstance(first, cst.SimpleString):
        value = first.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _is_runtime_import(stmt: cst.CSTNode) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                if (
                    dotted(alias.name) == RUNTIME_MODULE
                    and alias.asname is not None
                    and isinstance(alias.asname.name, cst.Name)
                    and alias.asname.name.value == RUNTIME_ALIAS
                ):
                    return True
    return False


class _Collector(cst.CSTVisitor):
    """Find, on the original tree, the Call node of each wanted site and the calls already wrapped."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, wanted: Mapping[str, SiteRewrite]) -> None:
        self.path = path
        self.wanted = wanted
        self.functions: list[str] = []
        self.found: dict[str, cst.Call] = {}
        self.awaited: set[int] = set()
        self.await_targets: set[int] = set()  # ids of expressions directly under ``await``
        self.wrapped: dict[str, int] = {}
        self.has_import = False

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if _is_runtime_import(node):
            self.has_import = True

    def visit_Await(self, node: cst.Await) -> None:
        self.await_targets.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        start = self.get_metadata(PositionProvider, node).start
        line = start.line
        wrapped = _helper_site(node)
        if wrapped is not None:
            self.wrapped.setdefault(wrapped, line)
            return
        sid = site_id(self.functions[-1] if self.functions else "<module>", self.path, line)
        site = self.wanted.get(sid)
        if site is None or sid in self.found or not _matches(node.func, site.callee):
            return
        if site.col and start.column + 1 != site.col:
            return
        self.found[sid] = node
        if id(node) in self.await_targets:
            self.awaited.add(id(node))


class _Wrapper(cst.CSTTransformer):
    def __init__(self, targets: dict[int, tuple[SiteRewrite, bool]]) -> None:
        self.targets = targets
        self.count = 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        hit = self.targets.get(id(original_node))
        if hit is None:
            return updated_node
        site, asynchronous = hit
        self.count += 1
        return wrap_call(updated_node, site, asynchronous)


def wrap_call(call: cst.Call, site: SiteRewrite, asynchronous: bool) -> cst.Call:
    """``f(args)`` -> ``_slmc_runtime.<helper>("<id>"[, "<api>"], f, args)``, keeping the original whitespace."""
    request = site.kind == SiteKind.REQUEST
    helper = ("acall" if asynchronous else "call") if request else ("awithin" if asynchronous else "within")
    ws = call.whitespace_before_args
    if isinstance(ws, cst.ParenthesizedWhitespace):  # multi-line call: original args keep their own lines
        after_func: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), empty_lines=(), indent=ws.indent, last_line=ws.last_line
        )
    else:
        after_func = cst.SimpleWhitespace(" ")
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    lead = [cst.Arg(cst.SimpleString(json.dumps(site.site_id, ensure_ascii=False)), comma=space)]
    if request:
        lead.append(cst.Arg(cst.SimpleString(json.dumps(site.api)), comma=space))
    func = call.func
    lead.append(cst.Arg(func, comma=cst.Comma(whitespace_after=after_func) if call.args else cst.MaybeSentinel.DEFAULT))
    return call.with_changes(
        func=cst.Attribute(value=cst.Name(RUNTIME_ALIAS), attr=cst.Name(helper)),
        args=(*lead, *call.args),
    )


def _import_index(body: list[cst.BaseStatement]) -> int:
    i = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1:
        first = body[0].body[0]
        if isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString | cst.ConcatenatedString):
            i = 1
    while (
        i < len(body)
        and isinstance(body[i], cst.SimpleStatementLine)
        and all(isinstance(s, cst.Import | cst.ImportFrom) for s in body[i].body)
    ):
        i += 1
    return i


def _add_import(module: cst.Module) -> cst.Module:
    body = list(module.body)
    index = _import_index(body)
    stmt = cst.parse_statement(f"import {RUNTIME_MODULE} as {RUNTIME_ALIAS}\n")
    after_docstring_only = index == 1 and not (
        isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Import | cst.ImportFrom)
    )
    if after_docstring_only:
        stmt = stmt.with_changes(leading_lines=(cst.EmptyLine(),))
    body.insert(index, stmt)
    return module.with_changes(body=body)


# ---- public API ---------------------------------------------------------------------------------------------------
def rewrite_source(code: str, path: str, decisions: Mapping[str, SiteRewrite]) -> tuple[str, list[Change]]:
    """Rewrite the accepted sites of one module; ``path`` is the module's path in site ids (relative to the root).

    Returns the new source and one ``Change`` per site of ``decisions`` that belongs to ``path``.
    """
    wanted = {sid: s for sid, s in decisions.items() if (p := parse_site_id(sid)) is not None and p[1] == path}
    if not wanted:
        return code, []
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError as exc:
        raise SlmcError(f"cannot parse for rewriting: {exc.message}", path=path, line=exc.raw_line) from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    collector = _Collector(path, wanted)
    wrapper.visit(collector)

    changes: list[Change] = []
    targets: dict[int, tuple[SiteRewrite, bool]] = {}
    for sid, site in sorted(wanted.items(), key=lambda kv: parse_site_id(kv[0])[2]):  # type: ignore[index]
        line = parse_site_id(sid)[2]  # type: ignore[index]
        if sid in collector.wrapped:
            changes.append(Change(sid, path, collector.wrapped[sid], "already-wrapped"))
        elif collector.has_import:
            changes.append(
                Change(sid, path, line, "skipped", "module was already rewritten by slmc; rewrite the original source")
            )
        elif sid not in collector.found:
            expected = f"a call of {site.callee}" if site.callee else "a call"
            changes.append(Change(sid, path, line, "not-found", f"no {expected} at this line in this function"))
        else:
            node = collector.found[sid]
            asynchronous = id(node) in collector.awaited or site.is_async
            targets[id(node)] = (site, asynchronous)
            helper = (
                ("acall" if asynchronous else "call")
                if site.kind == SiteKind.REQUEST
                else ("awithin" if asynchronous else "within")
            )
            changes.append(Change(sid, path, line, "wrapped", f"_slmc_runtime.{helper}"))
    if not targets:
        return code, changes
    transformer = _Wrapper(targets)
    new_module = wrapper.module.visit(transformer)
    if not collector.has_import:
        new_module = _add_import(new_module)
    return new_module.code, changes


def _inside(folder: Path, path: str) -> Path:
    """``folder / path`` for a file about to be written; a site path climbing out of ``folder`` is refused."""
    try:
        return safe_join(folder, path)
    except UnsafePathError as exc:
        raise SlmcError(f"refusing to write outside {folder}: {exc}", path=path) from None


def rewrite_file(
    root: Path, path: str, decisions: Mapping[str, SiteRewrite], out_dir: Path | None = None, in_place: bool = False
) -> RewriteResult:
    """Rewrite ``root/path``; write the result under ``out_dir`` (mirrored) or over the original when ``in_place``."""
    source = root / path
    try:
        original = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SlmcError(
            "source file of accepted sites not found", path=str(source), hint="run from the agent root"
        ) from None
    except UnicodeDecodeError:
        raise SlmcError("source file is not UTF-8", path=str(source)) from None
    code, changes = rewrite_source(original, path, decisions)
    result = RewriteResult(path, original, code, changes)
    if in_place:
        if result.changed:
            _inside(root, path).write_text(code, encoding="utf-8")
    elif out_dir is not None:
        target = _inside(out_dir, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    return result


def rewrite_agent(
    root: Path,
    decisions: Mapping[str, SiteRewrite],
    out_dir: Path | None = None,
    patch: Path | None = None,
    in_place: bool = False,
) -> list[RewriteResult]:
    """Rewrite every file holding accepted sites: mirrored under ``out_dir``, as a unified diff ``patch``, or in place."""
    if out_dir is None and patch is None and not in_place:
        raise SlmcError("nowhere to write the rewritten agent", hint="give an output folder, a patch path or in_place")
    files = sorted({p[1] for sid in decisions if (p := parse_site_id(sid)) is not None})
    results = [rewrite_file(root, f, decisions, out_dir=out_dir, in_place=in_place) for f in files]
    if patch is not None:
        write_patch(results, patch)
    return results


def write_patch(results: Iterable[RewriteResult], patch: Path) -> Path:
    """One unified diff for all rewritten files (apply with ``git apply`` or ``patch -p1`` in the agent root)."""
    patch.parent.mkdir(parents=True, exist_ok=True)
    patch.write_text("".join(r.diff() for r in results if r.changed), encoding="utf-8")
    return patch
