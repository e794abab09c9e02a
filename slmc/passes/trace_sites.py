"""Call sites found by traces: where a record's stack (slmc capture) or code location (OTel ``code.*``) shows a call the
static frontend missed (a client reached through ``getattr`` on a computed name, a plugin module loaded by
``importlib``, a file outside the analysed paths), the site is added to the graph from the frames, marked
``found_by="traces"``, and the records link to it instead of staying unlinked.

* The innermost frame that falls in a Python file under the root names the request: the call expression that starts
  at that line in that function (the frame's function must be the ``def`` around it: a frame of older code is
  stale and adds nothing). Its prompt, model and options are read from the source there by the frontend's own
  extraction: the frontend's classification when it can resolve the call (a file that was not among the analysed
  paths), else the request shape of the API the record was made with (``meta["api"]`` from capture, the provider).
  A prompt whose literal text the records did not send (the code there changed since) adds nothing either.
* A code location (an OTel span's ``code.*``, not capture's exact stack) counts only where the call there carries a
  prompt (or the frontend sees a request in it): a location on an outer call (``main()``) names no site, and such
  records keep their prompt-template link. A location on a ``def`` line names the one prompt-bearing call inside.
* Where the request sits in a *generic* function (several distinct callers in the records' stacks, and its own prompt
  mostly holes, as ``link-traces`` decides for static wrappers), the function becomes a wrapper site and each caller
  frame a wrapper-call site with the prompt its arguments fill in: the per-task site that ``link-traces`` links to,
  with the same id capture's stack frame gives.

Frames are looked up only in ``.py`` files found by walking the root (links out of it are not followed); a record
whose frames cannot be read is left as it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import EdgeKind, LLMCall, Loc, Message, Prompt, SiteKind
from slmc.site_ids import site_id
from slmc.traces.record import Frame, TraceRecord

FOUND_BY_TRACES = "traces"
_PROMPT_KEYWORDS = frozenset({"messages", "prompt", "input", "contents", "system", "message", "prompts", "text"})
_MAX_LITERAL = 100  # as SiteIndex.is_generic: a wrapper whose own prompt has at most this much literal text


@dataclass
class _Call:
    """A call expression found in the source at a frame."""

    relpath: str
    info: Any  # frontend CallInfo
    line: int
    function: str  # the frontend's function name (qualified within the module)
    id: str = ""

    def __post_init__(self) -> None:
        self.id = site_id(self.function, self.relpath, self.line)


@dataclass
class _Request:
    call: _Call
    records: list[TraceRecord] = field(default_factory=list)
    callers: dict[str, _Call] = field(default_factory=dict)  # caller call id -> the call one frame out


class SourceAt:
    """The agent's source under ``root``, read through the static frontend, looked up by frame."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._files: dict[str, Path] | None = None
        self._analysis: Any = None
        self._calls: dict[tuple[str, int, str, int, str], _Call | None] = {}
        self._relpaths: dict[str, str | None] = {}
        self._prompting: dict[str, bool] = {}

    # ---- files -------------------------------------------------------------------------------------------------------
    def files(self) -> dict[str, Path]:
        if self._files is None:
            from slmc.frontend.project import source_files

            found = source_files([self.root], self.root) if self.root.is_dir() else []
            self._files = {f.relpath: f.path for f in found if not f.problem and not f.relpath.startswith("../")}
        return self._files

    def relpath(self, path: str) -> str | None:
        """A recorded path as a ``.py`` file under the root (absolute inside it, relative, or matched by suffix)."""
        if path not in self._relpaths:
            if len(self._relpaths) > 50_000:
                self._relpaths.clear()
            self._relpaths[path] = self._relpath(path)
        return self._relpaths[path]

    def _relpath(self, path: str) -> str | None:
        files = self.files()
        posix = path.replace("\\", "/")
        if posix in files:
            return posix
        if PurePosixPath(posix).is_absolute():
            try:
                rel = Path(path).resolve().relative_to(self.root).as_posix()
            except (ValueError, OSError):
                rel = None
            if rel in files:
                return rel
        tails = [p for p in files if posix.endswith("/" + p)]  # recorded on another machine
        return max(tails, key=len) if tails else None

    def analysis(self) -> Any:
        if self._analysis is None:
            from slmc.frontend.project import Analysis

            self._analysis = Analysis(self.root)
            for rel, path in self.files().items():
                self._analysis.add_file(rel, path)
        return self._analysis

    def module(self, relpath: str) -> Any:
        from slmc.frontend.index import module_name_for

        analysis = self.analysis()
        name, _ = module_name_for(relpath)
        f = analysis.files.get(name)
        if f is None or f.relpath != relpath:  # two files mapping to one module name: registered by path
            name = relpath
        return analysis.project.module(name)

    # ---- calls -------------------------------------------------------------------------------------------------------
    def call_at(self, frame: Frame, exact_function: bool, callee: str | None = None) -> _Call | None:
        """The call expression a frame is executing (None when the source there holds none: stale or not ours)."""
        if not (isinstance(frame.path, str) and isinstance(frame.line, int) and isinstance(frame.end_line, int)):
            return None  # a hand-made record: frames of another shape name nothing
        rel = self.relpath(frame.path) if frame.path else None
        if rel is None or frame.line < 1:
            return None
        function = frame.function if isinstance(frame.function, str) else ""
        frame = Frame(frame.path, frame.line, function, frame.end_line)
        key = (rel, frame.line, function if exact_function else "", frame.end_line, callee or "")
        if key not in self._calls:
            self._calls[key] = self._call_at(rel, frame, exact_function, callee)
        return self._calls[key]

    def _call_at(self, rel: str, frame: Frame, exact_function: bool, callee: str | None) -> _Call | None:
        mod = self.module(rel)
        if mod is None:
            return None
        wanted = (frame.function or "").rsplit(".", 1)[-1]
        known_function = exact_function or wanted not in ("", "<module>")
        rows = []
        for scope in mod.scopes:
            for info in scope.calls:
                pos = mod.pos(info.node)
                if pos is None or pos.start.line != frame.line:
                    continue
                if frame.end_line and pos.end.line != frame.end_line:
                    continue
                if known_function and scope.function_name.rsplit(".", 1)[-1] != wanted:
                    continue
                rows.append((info, pos))
        if not rows:
            return None
        if callee is not None:  # a caller frame: the call of the function one frame in
            named = [(i, p) for i, p in rows if _callee_name(i.node) == callee]
            rows = named or rows
            if len(rows) > 1:
                return None
        else:
            prompting = [(i, p) for i, p in rows if _prompt_bearing(i.node)]
            rows = prompting or rows
        info, pos = min(rows, key=lambda r: (r[1].end.line - r[1].start.line, r[1].end.column - r[1].start.column))
        return _Call(rel, info, frame.line, info.scope.function_name)

    # ---- what the frontend reads there -------------------------------------------------------------------------------
    def carries_prompt(self, call: _Call) -> bool:
        """A code location (not capture's exact stack) names the request only when the call there carries a prompt
        or the frontend sees a request in it; a location on an outer call (``main()``) names no site."""
        if call.id not in self._prompting:
            self._prompting[call.id] = _prompt_bearing(call.info.node) or self._frontend_request(call) is not None
        return self._prompting[call.id]

    def _frontend_request(self, call: _Call) -> Any:
        """The frontend's own ``Site`` for the call when it classifies it as a request or framework task."""
        from slmc.frontend.sites import classify

        try:
            site = classify(self.analysis().ev, call.info)
        except Exception:  # a bug of the frontend on this call
            return None
        return site if site is not None and site.site in (SiteKind.REQUEST, SiteKind.FRAMEWORK_TASK) else None

    def request(self, call: _Call, rec: TraceRecord) -> Any:
        """A frontend ``Site`` for the call: the frontend's own classification when it resolves it, else the request
        shape of the API the record was made with."""
        from slmc.frontend.sites import Site

        analysis = self.analysis()
        site = self._frontend_request(call)
        if site is not None:
            return site
        client = _client_of(rec)
        site = Site(call.info, SiteKind.REQUEST, client=client.family)
        try:
            from slmc.frontend import clients
            from slmc.frontend.resolve import Resolved
            from slmc.frontend.sites import _details

            path = ".".join(p for p in client.path if p not in clients.TRANSPARENT_SEGMENTS)
            site.api = clients.REQUEST_PATHS.get(client.kind, {}).get(path, path)
            _details(analysis.ev, site, client, Resolved(client, list(call.info.node.args)), call.info.scope)
        except Exception:  # the prompt stays what could be read; the site is still added
            pass
        return site

    def substitute(self, messages: tuple[Message, ...], caller: _Call, wrapper_scope: Any) -> tuple[Message, ...]:
        """The wrapper's prompt with its parameters replaced by the caller's arguments (the frontend's rule)."""
        from slmc.frontend.sites import Site

        site = Site(caller.info, SiteKind.WRAPPER_CALL, callee=wrapper_scope.key, args=list(caller.info.node.args))
        try:
            return tuple(self.analysis()._substitute(messages, site, wrapper_scope.key))
        except Exception:  # a bug of the frontend on this call
            return messages

    def loc(self, call: _Call) -> Loc:
        mod = call.info.scope.module
        pos = mod.pos(call.info.node)
        if pos is None:
            return Loc(call.relpath, call.line)
        return Loc(call.relpath, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)


def _callee_name(call: Any) -> str:
    import libcst as cst

    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _prompt_bearing(call: Any) -> bool:
    return any(a.keyword is not None and a.keyword.value in _PROMPT_KEYWORDS for a in call.args)


def _client_of(rec: TraceRecord) -> Any:
    """The client shape of the API a record was made with (capture's ``meta["api"]``, else the provider)."""
    from slmc.frontend.values import Client

    api = str(rec.meta.get("api") or "")
    provider = str(rec.provider or "").lower()
    if api == "anthropic.messages" or (not api and "anthropic" in provider):
        return Client("anthropic", "anthropic", ("messages", "create"))
    if api == "openai.responses":
        return Client("openai", "openai", ("responses", "create"))
    if api == "litellm.completion" or (not api and provider == "litellm"):
        return Client("litellm", "litellm-module", ("completion",))
    family = provider if provider and provider.replace("-", "").replace("_", "").isalnum() else "openai"
    return Client(family[:40], "openai", ("chat", "completions", "create"))


def _sent_here(messages: tuple[Message, ...], records: list[TraceRecord], least: float = 0.5) -> bool:
    """The prompt read at the place agrees with what the records sent there: at least half of its literal text found
    in order in one of the first records' messages (a prompt of holes agrees with anything)."""
    from slmc.passes.link_traces import _ordered_match, _pieces, _Template
    from slmc.traces.record import content_text

    chunks = [c for m in messages for p in m.parts if not p.hole and p.text.strip() for c in _pieces(p.text)]
    total = sum(len(c) for c in chunks)
    if total < 12:
        return True
    template = _Template("", chunks, total)
    return any(
        _ordered_match(template, "\n".join(content_text(m.get("content")) for m in rec.messages)) >= least
        for rec in records[:5]
    )


def _literal(messages: tuple[Message, ...]) -> int:
    return sum(len(m.static_text().strip()) for m in messages)


def _request_of(source: SourceAt, frames: list[Frame], capture: bool) -> tuple[_Call | None, _Call | None, bool]:
    """The call a stack names (its innermost frame in the source), the call one frame out (a caller of its function,
    or None), and whether the innermost frame of ours holds no such call (stale)."""
    for i, frame in enumerate(frames):
        call = source.call_at(frame, exact_function=capture)
        if call is None or not (capture or source.carries_prompt(call)):
            if isinstance(frame.path, str) and source.relpath(frame.path) is not None:
                return None, None, call is None  # stale, or an outer frame (``main()``): nothing further out counts
            continue
        outer = [f for f in frames[i + 1 :] if (f.path, f.line) != (frame.path, frame.line)]  # a stale id's copy
        caller = None
        if outer:
            caller = source.call_at(outer[0], exact_function=capture, callee=call.function.rsplit(".", 1)[-1])
            caller = caller if caller is not None and caller.id != call.id else None
        return call, caller, False
    return None, None, False


def add_trace_sites(
    graph: AgentGraph, root: Path, records: list[tuple[TraceRecord, list[Frame]]]
) -> tuple[list[str], int]:
    """Add the call sites the records' frames show and the static graph lacks; returns the ids added (requests,
    wrappers, wrapper calls) and how many records named a place whose source could not be read there."""
    source = SourceAt(root)
    requests: dict[str, _Request] = {}
    unreadable = 0
    seen: dict[tuple[Any, ...], tuple[_Call | None, _Call | None, bool]] = {}  # stacks repeat: each read once
    for rec, frames in records:
        capture = rec.source == "slmc"
        key = (capture, *((f.path, f.line, f.function, f.end_line) for f in frames))
        hit = seen.get(key)
        if hit is None:
            hit = seen[key] = _request_of(source, frames, capture)
        call, caller, stale = hit
        unreadable += stale
        if call is None:
            continue
        request = requests.setdefault(call.id, _Request(call))
        request.records.append(rec)
        if caller is not None and caller.id not in graph:
            request.callers.setdefault(caller.id, caller)
    added: list[str] = []
    for rid, request in sorted(requests.items()):
        if rid in graph:
            continue
        site = source.request(request.call, request.records[0])
        messages = tuple(site.messages)
        if not _sent_here(messages, request.records):
            unreadable += len(request.records)  # the code there changed since: another prompt now
            continue
        node = LLMCall(
            rid,
            site=site.site,
            loc=source.loc(request.call),
            function=request.call.function,
            client=site.client,
            api=site.api,
            model=site.model,
            is_async=site.is_async,
            stream=site.stream,
            options=dict(site.options),
            output_schema=site.output_schema,
            tools=tuple(site.tools),
            labels=tuple(site.labels),
            found_by=FOUND_BY_TRACES,
        )
        _add(graph, node, messages, site.template_file)
        added.append(rid)
        scope = request.call.info.scope.enclosing_function()
        if len(request.callers) < 2 or scope is None or _literal(messages) > _MAX_LITERAL:
            continue  # the request is the per-task site
        wid = site_id(scope.qualname, request.call.relpath, scope.line)
        if wid in graph:
            continue
        pos = scope.module.pos(scope.node)
        shared = {
            f.name: getattr(node, f.name)
            for f in dataclasses.fields(node)
            if f.name in ("client", "api", "model", "stream", "options", "output_schema", "tools", "labels")
        }
        wrapper = dataclasses.replace(
            node,
            id=wid,
            site=SiteKind.WRAPPER,
            loc=Loc(request.call.relpath, scope.line, (pos.start.column + 1) if pos else 1),
            function=scope.qualname,
            is_async=scope.is_async,
            target=rid,
        )
        _add(graph, wrapper, messages, site.template_file)
        graph.add_edge(wid, rid, EdgeKind.CALLS)
        added.append(wid)
        for cid, caller in sorted(request.callers.items()):
            msgs = source.substitute(messages, caller, scope)
            call_node = LLMCall(
                cid,
                site=SiteKind.WRAPPER_CALL,
                loc=source.loc(caller),
                function=caller.function,
                is_async=caller.info.awaited,
                target=wid,
                found_by=FOUND_BY_TRACES,
                **shared,
            )
            _add(graph, call_node, msgs, site.template_file)
            graph.add_edge(cid, wid, EdgeKind.CALLS)
            added.append(cid)
    return added, unreadable


def _add(graph: AgentGraph, node: LLMCall, messages: tuple[Message, ...], template_file: str | None) -> None:
    graph.add(node)
    pid = "prompt:" + node.id[len("llm:") :]
    graph.add(Prompt(pid, messages=messages, template_file=template_file))
    graph.add_edge(pid, node.id, EdgeKind.PROMPT)


__all__ = ["FOUND_BY_TRACES", "SourceAt", "add_trace_sites"]
