"""slmc runtime router: what compiled agents import (docs/interfaces.md §5). Import-light: no torch, no networkx.

    resp = slmc.runtime.call("llm:classify@agent.py:42", "openai.chat", client.chat.completions.create, **request)
    resp = await slmc.runtime.acall(site_id, api, async_fn, **request)
    label = slmc.runtime.within("llm:main@agent.py:30", ask_llm, prompt)     # wrapper-call sites
    label = await slmc.runtime.awithin(site_id, async_wrapper, prompt)

Deadlines and loading: a site's ``timeout_s`` bounds the whole SLM attempt on every path (an answer after it is not
used; the call falls back with reason ``timeout``). In-process models (``target: hf``) load in
``configure(path, warm=True)`` or ``warm_up()`` (``SLMC_WARM=1``, or ``background``, for a manifest named by the
environment), never inside a request: until one has loaded, its calls fall back with reason ``not-ready`` and the
first of them starts loading it in the background.

The manifest comes from ``configure(path)`` or ``SLMC_MANIFEST`` (read on the first call). With none, every call goes
straight to the original function. ``SLMC_MODE=off|serve|shadow`` overrides the manifest's mode and
``SLMC_ROUTER_LOG`` its log path; the log holds prompts and answers with PII and secrets replaced by placeholders
unless ``configure(log_raw=True)`` or ``SLMC_ROUTER_LOG_RAW=1`` asks for them as they were. A manifest named by the environment that cannot be loaded is reported once as a
``RuntimeWarning`` and the agent runs unrouted; ``configure(path)`` raises ``SlmcError`` instead.

Context: ``within`` marks the wrapper-call id in a ``contextvars`` stack, so it follows asyncio tasks and stays
separate per thread (a thread you start inherits nothing unless you run it in ``contextvars.copy_context()``).
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.runtime.backends import (
    Backend,
    InMemoryBackend,
    backend_targets,
    register_backend,
    unregister_backend,
)
from slmc.runtime.manifest import Manifest, load_manifest
from slmc.runtime.router import PASSTHROUGH, STACK, Router, Stats, _awaited
from slmc.runtime.types import Answer, EndpointError, SLMRequest, UnsupportedRequest

_ROUTER: Router | None = None
_LOADED = False
_LOCK = threading.Lock()


def configure(
    path: str | Path | None = None,
    *,
    mode: str | None = None,
    log: str | Path | None = None,
    warm: bool | str | None = None,
    log_raw: bool | None = None,
) -> Router | None:
    """Load a manifest (``path``, else ``SLMC_MANIFEST``, else none) and route by it from now on.

    ``mode`` > ``SLMC_MODE`` > the manifest's ``defaults.mode``; ``log`` > ``SLMC_ROUTER_LOG`` > the manifest's log.
    ``log_raw`` > ``SLMC_ROUTER_LOG_RAW=1``: write prompts to the log unscrubbed (default: scrubbed).
    ``warm=True`` loads the in-process models before returning (``warm_up()``), ``warm="background"`` starts loading
    them in background threads, ``False`` leaves it to the first request (which falls back, ``not-ready``); ``None``:
    ``SLMC_WARM`` (``1`` or ``background``), else ``False``.
    Raises ``SlmcError`` for a missing or malformed manifest.
    """
    global _ROUTER, _LOADED
    if warm not in (None, True, False, "background"):
        raise SlmcError(f"warm={warm!r} is not True, False or 'background'")
    router = _build(path, mode, log, log_raw)
    _warm(router, warm)
    with _LOCK:
        old, _ROUTER, _LOADED = _ROUTER, router, True
    if old is not None:
        old.close()
    return router


def warm_up(wait: bool = True) -> dict[str, str]:
    """Load the active router's in-process models (see ``Router.warm_up``): ``{endpoint: "ready" | "loading" |
    error}``, empty when nothing is routed."""
    active = _ROUTER if _LOADED else active_router()
    return {} if active is None else active.warm_up(wait)


def reset() -> None:
    """Forget the configuration; the next call reads the environment again."""
    global _ROUTER, _LOADED
    with _LOCK:
        old, _ROUTER, _LOADED = _ROUTER, None, False
    if old is not None:
        old.close()


def active_router() -> Router | None:
    """The active router (loading it from the environment on first use); None when calls pass straight through."""
    global _ROUTER, _LOADED
    if _LOADED:
        return _ROUTER
    with _LOCK:
        if not _LOADED:
            try:
                _ROUTER = _build(None, None, None)
                _warm(_ROUTER, None)
            except SlmcError as exc:
                warnings.warn(f"slmc.runtime: {exc}; LLM calls are not routed", RuntimeWarning, stacklevel=3)
                _ROUTER = None
            _LOADED = True
    return _ROUTER


def _warm(router: Router | None, warm: bool | str | None) -> None:
    if warm is None:
        env = os.environ.get("SLMC_WARM", "").strip().lower()
        warm = "background" if env == "background" else env in ("1", "true", "yes")
    if router is not None and warm:
        router.warm_up(wait=warm is True)


def _build(
    path: str | Path | None, mode: str | None, log: str | Path | None, log_raw: bool | None = None
) -> Router | None:
    path = path or os.environ.get("SLMC_MANIFEST") or None
    if path is None:
        return None
    manifest = load_manifest(path)
    mode = mode or os.environ.get("SLMC_MODE") or None
    log = log or os.environ.get("SLMC_ROUTER_LOG") or manifest.log
    if log_raw is None:
        log_raw = os.environ.get("SLMC_ROUTER_LOG_RAW", "").strip().lower() in ("1", "true", "yes")
    return Router(manifest, mode=mode, log=log, log_raw=log_raw)


# ---- the calling convention ---------------------------------------------------------------------------------------------
def call(site_id: str, api: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Serve ``fn(*args, **kwargs)`` (an LLM request of shape ``api``) from the site's SLM, or fall back to it."""
    active = _ROUTER if _LOADED else active_router()
    if active is None or PASSTHROUGH.get():
        return fn(*args, **kwargs)
    site = active.resolve(site_id)
    if site is None or active.decision(site) is None:
        return fn(*args, **kwargs)
    return active.route(site, site_id, api, fn, args, kwargs)


async def acall(site_id: str, api: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Async ``call``: ``fn`` is the async SDK method (its result is awaited)."""
    active = _ROUTER if _LOADED else active_router()
    if active is None or PASSTHROUGH.get():
        return await _awaited(fn(*args, **kwargs))
    site = active.resolve(site_id)
    if site is None or active.decision(site) is None:
        return await _awaited(fn(*args, **kwargs))
    return await active.aroute(site, site_id, api, fn, args, kwargs)


def within(site_id: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Run a wrapper call under ``site_id``: requests inside are routed by its manifest entry.

    A site with ``api: text`` is served here directly: the SLM answers from the wrapper's arguments (through
    ``prompt_template``) and ``fn`` runs only as the fallback.
    """
    active = _ROUTER if _LOADED else active_router()
    if active is None or PASSTHROUGH.get():
        return fn(*args, **kwargs)
    outer = STACK.get()
    token = STACK.set((*outer, site_id))
    try:
        site = active.sites.get(site_id)
        if site is not None and site.api == "text" and active.decision(site):
            return active.route(site, site_id, "text", fn, args, kwargs)
        return fn(*args, **kwargs)
    finally:
        STACK.reset(token)


async def awithin(site_id: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Async ``within``: ``fn`` is an async wrapper."""
    active = _ROUTER if _LOADED else active_router()
    if active is None or PASSTHROUGH.get():
        return await _awaited(fn(*args, **kwargs))
    outer = STACK.get()
    token = STACK.set((*outer, site_id))
    try:
        site = active.sites.get(site_id)
        if site is not None and site.api == "text" and active.decision(site):
            return await active.aroute(site, site_id, "text", fn, args, kwargs)
        return await _awaited(fn(*args, **kwargs))
    finally:
        STACK.reset(token)


# ---- observation --------------------------------------------------------------------------------------------------------
def stats() -> dict[str, Any]:
    """Counters of the active router: calls, served_by_slm, served_by_llm, fallbacks by reason, shadow, p50/p95 ms."""
    active = _ROUTER if _LOADED else active_router()
    if active is None:
        return Stats().snapshot()
    return active.stats.snapshot()


def drain(timeout: float = 30.0) -> bool:
    """Wait for queued shadow runs to finish (tests, shutdown); False on timeout."""
    active = _ROUTER if _LOADED else None
    return True if active is None else active.drain(timeout)


__all__ = [
    "Answer",
    "Backend",
    "EndpointError",
    "InMemoryBackend",
    "Manifest",
    "Router",
    "SLMRequest",
    "UnsupportedRequest",
    "acall",
    "active_router",
    "awithin",
    "backend_targets",
    "call",
    "configure",
    "drain",
    "register_backend",
    "reset",
    "stats",
    "unregister_backend",
    "warm_up",
    "within",
]
