"""S1: record every LLM call an agent makes, with no change to its code.

    with slmc.trace("traces.jsonl", root="."):
        run_agent()

or ``slmc trace -- python agent.py`` (a ``sitecustomize`` starts capture in the agent's process and its children).

The SDK methods are patched at class level while a trace is active: OpenAI ``chat.completions.create``/``parse`` and
``responses.create`` (sync and async), Anthropic ``messages.create``/``stream`` (sync and async), LiteLLM
``completion``/``acompletion``. A package is patched only if it is imported (now or later, through an import hook), so
capture never imports an SDK the agent does not use. Streams are wrapped in place: chunks are reassembled (text and
tool-call deltas) and the call is recorded when the stream ends or is closed.

Each record carries the call-site id computed from the caller's stack exactly as the static frontend computes it
(``llm:<function>@<path relative to root>:<first line of the call expression>``) and ``stack``, the in-project frames,
innermost first. Recording never breaks the agent: errors of capture itself are counted and reported once on stderr;
errors of the call are recorded and re-raised. Stdlib only.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import contextvars
import functools
import importlib
import importlib.abc
import importlib.util
import inspect
import linecache
import os
import sys
import sysconfig
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any

from slmc.site_ids import site_id
from slmc.traces.record import Frame, TraceRecord
from slmc.traces.store import TraceStore

ENV_OUT = "SLMC_TRACE_OUT"
ENV_ROOT = "SLMC_TRACE_ROOT"

# (module, class or "" for module functions, attribute, api, kind) — kind: sync | async | stream-manager
PATCHES: dict[str, list[tuple[str, str, str, str]]] = {
    "openai": [
        ("openai.resources.chat.completions.completions", "Completions", "create", "openai.chat"),
        ("openai.resources.chat.completions.completions", "Completions", "parse", "openai.chat"),
        ("openai.resources.chat.completions.completions", "AsyncCompletions", "create", "openai.chat"),
        ("openai.resources.chat.completions.completions", "AsyncCompletions", "parse", "openai.chat"),
        ("openai.resources.responses.responses", "Responses", "create", "openai.responses"),
        ("openai.resources.responses.responses", "AsyncResponses", "create", "openai.responses"),
    ],
    "anthropic": [
        ("anthropic.resources.messages.messages", "Messages", "create", "anthropic.messages"),
        ("anthropic.resources.messages.messages", "AsyncMessages", "create", "anthropic.messages"),
        ("anthropic.resources.messages.messages", "Messages", "stream", "anthropic.messages"),
        ("anthropic.resources.messages.messages", "AsyncMessages", "stream", "anthropic.messages"),
    ],
    "litellm": [
        ("litellm", "", "completion", "litellm.completion"),
        ("litellm", "", "acompletion", "litellm.completion"),
        ("litellm.main", "", "completion", "litellm.completion"),
        ("litellm.main", "", "acompletion", "litellm.completion"),
    ],
}
_PROVIDER = {
    "openai.chat": "openai",
    "openai.responses": "openai",
    "anthropic.messages": "anthropic",
    "litellm.completion": "litellm",
}

_BUSY: contextvars.ContextVar[bool] = contextvars.ContextVar("slmc_capture_busy", default=False)
_STACK: list[Tracer] = []
_STATE_LOCK = threading.RLock()
_ORIGINALS: dict[tuple[int, str], tuple[Any, str, Any]] = {}  # (id(owner), attr) -> (owner, attr, original)
_PATCHED_PACKAGES: set[str] = set()
_FINDER: _PostImportFinder | None = None


# ---- call sites ----------------------------------------------------------------------------------------------------------
class _Roots:
    """Decides which files are the agent's own code and caches their paths relative to the root."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root)
        self.cache: dict[str, str | None] = {}
        excluded = {os.path.dirname(os.path.dirname(os.path.realpath(__file__)))}  # the slmc package
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            path = sysconfig.get_paths().get(key)
            if path:
                excluded.add(os.path.realpath(path))
        self.excluded = tuple(sorted(p.rstrip(os.sep) + os.sep for p in excluded))

    def relpath(self, filename: str) -> str | None:
        hit = self.cache.get(filename, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        rel = None
        if not filename.startswith("<"):
            real = os.path.realpath(filename)
            inside = real.startswith(self.root.rstrip(os.sep) + os.sep)
            foreign = (
                real.startswith(self.excluded)
                or f"{os.sep}site-packages{os.sep}" in real
                or f"{os.sep}dist-packages{os.sep}" in real
            )
            if inside and not foreign:
                rel = os.path.relpath(real, self.root).replace(os.sep, "/")
        self.cache[filename] = rel
        return rel


_MISSING = object()
_CALL_LINES: dict[tuple[CodeType, int], tuple[int, int]] = {}
_CALL_STARTS: dict[str, dict[tuple[int, int], int]] = {}


def _call_starts(filename: str) -> dict[tuple[int, int], int]:
    """(end line, end col) of every call expression in a file -> its first line (what static analysis reports)."""
    starts = _CALL_STARTS.get(filename)
    if starts is None:
        starts = {}
        try:
            tree = ast.parse("".join(linecache.getlines(filename)))
        except (SyntaxError, ValueError):
            tree = None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Call) and node.end_lineno is not None:
                starts.setdefault((node.end_lineno, node.end_col_offset or 0), node.lineno)
        _CALL_STARTS[filename] = starts
    return starts


def call_lines(frame: FrameType) -> tuple[int, int]:
    """(first line, last line) of the call expression a frame is executing: the Call node's own start line."""
    code, lasti = frame.f_code, frame.f_lasti
    hit = _CALL_LINES.get((code, lasti))
    if hit is not None:
        return hit
    line = end_line = frame.f_lineno or 0
    end_col = None
    index = lasti // 2
    for i, position in enumerate(code.co_positions()):
        if i == index:
            start, end, _col, end_col = position
            line, end_line = start or line, end or end_line
            break
    if end_col is not None:
        line = _call_starts(code.co_filename).get((end_line, end_col), line)
    _CALL_LINES[(code, lasti)] = (line, end_line)
    return line, end_line


def function_name(code: CodeType) -> str:
    """The innermost enclosing ``def`` (comprehensions and lambdas belong to theirs), or ``<module>``."""
    name = code.co_name
    if not name.startswith("<") or name == "<module>":
        return name
    for part in reversed(getattr(code, "co_qualname", name).split(".")):
        if not part.startswith("<"):
            return part
    return "<module>"


def caller_site(frame: FrameType | None, roots: _Roots) -> tuple[str | None, list[Frame]]:
    """The call-site id (innermost in-project frame) and the in-project stack, innermost first."""
    stack: list[Frame] = []
    while frame is not None:
        rel = roots.relpath(frame.f_code.co_filename)
        if rel is not None:
            line, end_line = call_lines(frame)
            stack.append(Frame(path=rel, line=line, function=function_name(frame.f_code), end_line=end_line))
        frame = frame.f_back
    if not stack:
        return None, stack
    first = stack[0]
    return site_id(first.function, first.path, first.line), stack


# ---- values ------------------------------------------------------------------------------------------------------------
def _given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in ("NotGiven", "Omit")


def plain(value: Any, depth: int = 0) -> Any:
    """A JSON-able snapshot of a request value; never consumes iterators (they are recorded by type only)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if depth > 20:
        return repr(value)
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items() if _given(v)}
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, type) and hasattr(value, "model_json_schema"):  # a pydantic class (response_format)
        try:
            return {"type": "json_schema", "json_schema": {"name": value.__name__, "schema": value.model_json_schema()}}
        except Exception:
            return value.__name__
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return plain(dump(exclude_none=True), depth + 1)
        except Exception:
            return repr(value)
    return f"<{type(value).__name__}>"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _dump(response: Any) -> dict[str, Any]:
    if isinstance(response, dict):
        return response
    for method in ("model_dump", "to_dict", "dict"):
        fn = getattr(response, method, None)
        if callable(fn):
            try:
                data = fn()
            except Exception:
                continue
            if isinstance(data, dict):
                return data
    return {}


# ---- stream reassembly ----------------------------------------------------------------------------------------------------
class ChatChunks:
    """Reassembles OpenAI/LiteLLM chat completion chunks (text and tool-call deltas) into one ChatCompletion dict."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.meta: dict[str, Any] = {}
        self.finish: str | None = None
        self.usage: Any = None
        self.chunks = 0

    def add(self, chunk: Any) -> None:
        self.chunks += 1
        for key in ("id", "model", "created"):
            if _get(chunk, key) and key not in self.meta:
                self.meta[key] = _get(chunk, key)
        if _get(chunk, "usage"):
            self.usage = _dump(_get(chunk, "usage")) or _get(chunk, "usage")
        for choice in _get(chunk, "choices") or []:
            if (_get(choice, "index") or 0) != 0:
                continue
            delta = _get(choice, "delta")
            if delta is not None:
                if _get(delta, "content"):
                    self.text.append(_get(delta, "content"))
                for call in _get(delta, "tool_calls") or []:
                    slot = self.calls.setdefault(_get(call, "index") or 0, {"id": None, "name": "", "arguments": ""})
                    slot["id"] = slot["id"] or _get(call, "id")
                    fn = _get(call, "function")
                    if fn is not None:
                        slot["name"] = slot["name"] or (_get(fn, "name") or "")
                        slot["arguments"] += _get(fn, "arguments") or ""
            if _get(choice, "finish_reason"):
                self.finish = _get(choice, "finish_reason")

    def response(self) -> dict[str, Any]:
        calls = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for _, c in sorted(self.calls.items())
        ]
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.text) if self.text else None}
        if calls:
            message["tool_calls"] = calls
        out = {**self.meta, "choices": [{"index": 0, "message": message, "finish_reason": self.finish}]}
        if self.usage:
            out["usage"] = self.usage
        return out


class AnthropicEvents:
    """Reassembles Anthropic raw stream events into one ``Message`` dict."""

    def __init__(self) -> None:
        self.message: dict[str, Any] = {"content": []}
        self.blocks: dict[int, dict[str, Any]] = {}
        self.chunks = 0

    def add(self, event: Any) -> None:
        self.chunks += 1
        kind = _get(event, "type")
        if kind == "message_start":
            start = _dump(_get(event, "message"))
            self.message.update({k: v for k, v in start.items() if k != "content"})
        elif kind == "content_block_start":
            block = _dump(_get(event, "content_block"))
            block.setdefault("text", "") if block.get("type") == "text" else None
            block["_json"] = ""
            self.blocks[_get(event, "index") or 0] = block
        elif kind == "content_block_delta":
            block = self.blocks.setdefault(_get(event, "index") or 0, {"type": "text", "text": "", "_json": ""})
            delta = _get(event, "delta")
            if _get(delta, "type") == "text_delta":
                block["text"] = block.get("text", "") + (_get(delta, "text") or "")
            elif _get(delta, "type") == "input_json_delta":
                block["_json"] += _get(delta, "partial_json") or ""
        elif kind == "message_delta":
            delta = _get(event, "delta")
            if _get(delta, "stop_reason"):
                self.message["stop_reason"] = _get(delta, "stop_reason")
            usage = _dump(_get(event, "usage"))
            merged = dict(self.message.get("usage") or {})
            merged.update({k: v for k, v in usage.items() if v is not None})
            self.message["usage"] = merged

    def response(self) -> dict[str, Any]:
        import json

        content = []
        for _, block in sorted(self.blocks.items()):
            raw = block.pop("_json", "")
            if block.get("type") == "tool_use" and raw:
                try:
                    block["input"] = json.loads(raw)
                except ValueError:
                    block["input"] = raw
            content.append(block)
        return {**self.message, "content": content}


class ResponsesEvents:
    """Keeps the final ``Response`` of an OpenAI Responses API event stream."""

    def __init__(self) -> None:
        self.final: dict[str, Any] = {}
        self.chunks = 0

    def add(self, event: Any) -> None:
        self.chunks += 1
        if _get(event, "type") in ("response.completed", "response.incomplete", "response.failed"):
            self.final = _dump(_get(event, "response"))

    def response(self) -> dict[str, Any]:
        return self.final


_ASSEMBLERS: dict[str, type] = {
    "openai.chat": ChatChunks,
    "litellm.completion": ChatChunks,
    "anthropic.messages": AnthropicEvents,
    "openai.responses": ResponsesEvents,
}


# ---- the tracer ---------------------------------------------------------------------------------------------------------
class Tracer:
    """Turns intercepted calls into records and appends them to the store."""

    def __init__(self, out: str | Path, root: str | Path | None = None) -> None:
        self.path = Path(out)
        self.store = TraceStore(self.path)
        self.roots = _Roots(Path(root) if root is not None else Path.cwd())
        self.count = 0
        self.capture_errors = 0

    def close(self) -> None:
        self.store.close()

    def record(
        self, call: _Call, response: Any = None, error: BaseException | None = None, assembled: Any = None
    ) -> None:
        try:
            rec = call.to_record(response, error, assembled)
            self.store.append(rec)
            self.count += 1
        except Exception as exc:  # capture must never break the agent
            self.capture_errors += 1
            if self.capture_errors == 1:
                print(f"slmc trace: could not record an LLM call ({type(exc).__name__}: {exc})", file=sys.stderr)


class _Call:
    """One intercepted call: what was asked, where from, when."""

    __slots__ = ("api", "done", "request", "site", "stack", "start", "t0", "tracer")

    def __init__(self, tracer: Tracer, api: str, request: dict[str, Any], frame: FrameType | None) -> None:
        self.tracer = tracer
        self.api = api
        self.request = request
        self.site, self.stack = caller_site(frame, tracer.roots)
        self.start = time.time()
        self.t0 = time.perf_counter()
        self.done = False

    def to_record(self, response: Any, error: BaseException | None, assembled: Any) -> TraceRecord:
        from slmc.traces.ingest import anthropic as anthropic_reader
        from slmc.traces.ingest import openai as openai_reader

        latency = round((time.perf_counter() - self.t0) * 1000.0, 3)
        body = assembled.response() if assembled is not None else _dump(response)
        rec = TraceRecord(source="slmc", provider=_PROVIDER.get(self.api))
        if self.api == "anthropic.messages":
            anthropic_reader.fill(rec, self.request, body)
        else:
            openai_reader.fill(rec, self.request, body)
        rec.id = str(body.get("id") or "")
        rec.timestamp = self.start
        rec.latency_ms = latency
        rec.site_id = self.site
        rec.stack = self.stack
        rec.meta["api"] = self.api
        if assembled is not None:
            rec.meta["stream"] = True
            if body.get("choices") and not body["choices"][0].get("finish_reason") and not rec.error:
                rec.meta["stream_incomplete"] = True
        if error is not None:
            rec.error = f"{type(error).__name__}: {error}"
            rec.finish_reason = "error"
        if not rec.id:
            rec.id = f"{rec.content_hash()}-{int(self.start * 1e6)}"
        return rec


def _active() -> Tracer | None:
    return _STACK[-1] if _STACK else None


def _request(api: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request as a plain dict; SDK methods take keywords only (``args`` is ``self``), LiteLLM may take
    ``model`` and ``messages`` positionally."""
    if api == "litellm.completion" and args:
        kwargs = {**dict(zip(("model", "messages"), args, strict=False)), **kwargs}
    request = plain(kwargs)
    return request if isinstance(request, dict) else {}


def _is_stream(api: str, kwargs: dict[str, Any], attr: str) -> bool:
    return attr == "stream" or kwargs.get("stream") is True


# ---- wrappers -------------------------------------------------------------------------------------------------------------
def _wrap_sync(original: Callable[..., Any], api: str, attr: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = _active()
        if tracer is None or _BUSY.get():
            return original(*args, **kwargs)
        try:
            call = _Call(tracer, api, _request(api, args, kwargs), sys._getframe(1))
        except Exception:
            tracer.capture_errors += 1
            return original(*args, **kwargs)
        token = _BUSY.set(True)
        try:
            result = original(*args, **kwargs)
        except BaseException as exc:
            tracer.record(call, error=exc)
            raise
        finally:
            _BUSY.reset(token)
        if attr == "stream":
            return _StreamManager(result, call, api)
        if _is_stream(api, kwargs, attr):
            return _wrap_stream(result, call, api)
        tracer.record(call, result)
        return result

    wrapper.__slmc_original__ = original  # type: ignore[attr-defined]
    return wrapper


def _wrap_async(original: Callable[..., Any], api: str, attr: str) -> Callable[..., Any]:
    """A plain function returning a coroutine: the call site is read when the coroutine is created, in the caller."""

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = _active()
        if tracer is None or _BUSY.get():
            return original(*args, **kwargs)
        try:
            call = _Call(tracer, api, _request(api, args, kwargs), sys._getframe(1))
        except Exception:
            tracer.capture_errors += 1
            return original(*args, **kwargs)
        return _run_async(original, args, kwargs, call, tracer, api, attr)

    if hasattr(inspect, "markcoroutinefunction"):
        inspect.markcoroutinefunction(wrapper)
    else:  # Python 3.11: asyncio.iscoroutinefunction looks for this marker
        wrapper._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
    wrapper.__slmc_original__ = original  # type: ignore[attr-defined]
    return wrapper


async def _run_async(
    original: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    call: _Call,
    tracer: Tracer,
    api: str,
    attr: str,
) -> Any:
    call.start, call.t0 = time.time(), time.perf_counter()
    token = _BUSY.set(True)
    try:
        result = await original(*args, **kwargs)
    except BaseException as exc:
        tracer.record(call, error=exc)
        raise
    finally:
        _BUSY.reset(token)
    if _is_stream(api, kwargs, attr):
        return _wrap_stream(result, call, api)
    tracer.record(call, result)
    return result


def _finisher(call: _Call, assembler: Any) -> Callable[[BaseException | None], None]:
    def finish(error: BaseException | None = None) -> None:
        if call.done:
            return
        call.done = True
        call.tracer.record(call, error=error, assembled=assembler)

    return finish


def _wrap_stream(stream: Any, call: _Call, api: str) -> Any:
    """Record the call when the stream is exhausted or closed. SDK streams are patched in place (their type stays)."""
    assembler = _ASSEMBLERS[api]()
    finish = _finisher(call, assembler)
    inner = getattr(stream, "_iterator", None)
    if inner is None:
        return _StreamProxy(stream, assembler, finish)
    # ``close`` is overridden on the instance through a weak reference: no cycle keeps the stream (and its HTTP
    # connection) alive after the agent drops it.
    ref, cls_close = weakref.ref(stream), type(stream).close
    if hasattr(inner, "__anext__"):
        stream._iterator = _async_tap(inner, assembler, finish)

        async def aclose() -> None:
            try:
                target = ref()
                if target is not None:
                    await cls_close(target)
            finally:
                finish(None)

        stream.close = aclose
    else:
        stream._iterator = _tap(inner, assembler, finish)

        def sclose() -> None:
            try:
                target = ref()
                if target is not None:
                    cls_close(target)
            finally:
                finish(None)

        stream.close = sclose
    return stream


def _tap(inner: Any, assembler: Any, finish: Callable[[BaseException | None], None]) -> Any:
    try:
        for item in inner:
            assembler.add(item)
            yield item
    except GeneratorExit:
        finish(None)
        raise
    except BaseException as exc:
        finish(exc)
        raise
    finish(None)


async def _async_tap(inner: Any, assembler: Any, finish: Callable[[BaseException | None], None]) -> Any:
    try:
        async for item in inner:
            assembler.add(item)
            yield item
    except GeneratorExit:
        finish(None)
        raise
    except BaseException as exc:
        finish(exc)
        raise
    finish(None)


class _StreamProxy:
    """Wraps a non-SDK stream (LiteLLM's ``CustomStreamWrapper``): iteration is tapped, everything else delegated."""

    def __init__(self, inner: Any, assembler: Any, finish: Callable[[BaseException | None], None]) -> None:
        self._inner, self._assembler, self._finish = inner, assembler, finish
        self._sync: Any = None
        self._async: Any = None

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> Any:
        if self._sync is None:
            self._sync = _tap(iter(self._inner), self._assembler, self._finish)
        return next(self._sync)

    def __aiter__(self) -> Any:
        return self

    async def __anext__(self) -> Any:
        if self._async is None:
            self._async = _async_tap(self._inner.__aiter__(), self._assembler, self._finish)
        return await self._async.__anext__()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish(None)
        closer = getattr(self._inner, "close", None)
        if callable(closer):
            closer()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._finish(None)


class _StreamManager:
    """Anthropic ``messages.stream(...)``: records the SDK's accumulated message when the ``with`` block ends."""

    def __init__(self, manager: Any, call: _Call, api: str) -> None:
        self._manager, self._call, self._stream = manager, call, None

    def _record(self, error: BaseException | None) -> None:
        if self._call.done:
            return
        self._call.done = True
        snapshot = None
        try:
            snapshot = self._stream.current_message_snapshot if self._stream is not None else None
        except Exception:
            snapshot = None
        self._call.tracer.record(self._call, snapshot, error)

    def __enter__(self) -> Any:
        self._call.start, self._call.t0 = time.time(), time.perf_counter()
        self._stream = self._manager.__enter__()
        return self._stream

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        self._record(exc)
        return self._manager.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> Any:
        self._call.start, self._call.t0 = time.time(), time.perf_counter()
        self._stream = await self._manager.__aenter__()
        return self._stream

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        self._record(exc)
        return await self._manager.__aexit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


# ---- patching -------------------------------------------------------------------------------------------------------------
def _patch_package(package: str) -> None:
    """Patch every target of an imported SDK package (idempotent)."""
    if package in _PATCHED_PACKAGES:
        return
    _PATCHED_PACKAGES.add(package)
    for module_name, owner_name, attr, api in PATCHES[package]:
        try:
            module = importlib.import_module(module_name)
        except Exception:
            continue
        owner = getattr(module, owner_name, None) if owner_name else module
        original = getattr(owner, attr, None) if owner is not None else None
        if original is None or hasattr(original, "__slmc_original__"):
            continue
        # SDK async methods are wrapped by plain decorators, so the class name tells; ``stream`` returns a manager.
        is_async = attr != "stream" and (owner_name.startswith("Async") or inspect.iscoroutinefunction(original))
        wrapped = (_wrap_async if is_async else _wrap_sync)(original, api, attr)
        setattr(owner, attr, wrapped)
        _ORIGINALS[(id(owner), attr)] = (owner, attr, original)


def _unpatch_all() -> None:
    for owner, attr, original in _ORIGINALS.values():
        setattr(owner, attr, original)
    _ORIGINALS.clear()
    _PATCHED_PACKAGES.clear()


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Patches an SDK right after the agent imports it, so capture never imports an SDK by itself."""

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> Any:
        if fullname not in PATCHES or fullname in _PATCHED_PACKAGES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _PatchingLoader(spec.loader, fullname)
                return spec
            if spec is not None:
                return spec
        return None


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, package: str) -> None:
        self.loader, self.package = loader, package

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        if _STACK:
            with _STATE_LOCK:
                _patch_package(self.package)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


def _install() -> None:
    global _FINDER
    for package in PATCHES:
        if package in sys.modules:
            _patch_package(package)
    if _FINDER is None:
        _FINDER = _PostImportFinder()
        sys.meta_path.insert(0, _FINDER)


def _uninstall() -> None:
    global _FINDER
    _unpatch_all()
    if _FINDER is not None and _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    _FINDER = None


def start(out: str | Path = "traces.jsonl", root: str | Path | None = None) -> Tracer:
    """Start recording to ``out`` (until ``stop``); ``root`` is the project folder call sites are relative to."""
    tracer = Tracer(out, root)
    with _STATE_LOCK:
        _STACK.append(tracer)
        if len(_STACK) == 1:
            _install()
    return tracer


def stop(tracer: Tracer) -> None:
    with _STATE_LOCK:
        if tracer in _STACK:
            _STACK.remove(tracer)
        if not _STACK:
            _uninstall()
    tracer.close()


class trace:
    """Record the LLM calls made inside the block: ``with slmc.trace("traces.jsonl", root=".") as t: ...``.

    ``t.count`` is the number of calls recorded, ``t.path`` the trace file.
    """

    def __init__(self, out: str | Path = "traces.jsonl", root: str | Path | None = None) -> None:
        self.path = Path(out)
        self.root = Path(root) if root is not None else None
        self.tracer: Tracer | None = None
        self.count = 0

    def __enter__(self) -> trace:
        self.tracer = start(self.path, self.root)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tracer is not None:
            self.count = self.tracer.count
            stop(self.tracer)
            self.tracer = None

    async def __aenter__(self) -> trace:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)


def start_from_env() -> Tracer | None:
    """Start capture when ``SLMC_TRACE_OUT`` is set (used by ``slmc trace`` through ``sitecustomize``)."""
    out = os.environ.get(ENV_OUT)
    if not out:
        return None
    tracer = start(out, os.environ.get(ENV_ROOT) or None)
    atexit.register(stop, tracer)
    return tracer
