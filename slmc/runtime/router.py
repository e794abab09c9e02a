"""The router: resolve a call's site, try the SLM, validate, fall back to the original call; shadow; stats; trace log.

Every routed call returns either the SLM's answer or the original function's result (or its exception, unchanged).
Fallback reasons: ``contract``, ``low-confidence``, ``no-confidence`` (a threshold is set but the backend gave no
log-probs), ``timeout``, ``http-5xx``, ``http-4xx``, ``connection``, ``invalid-json``, ``invalid-response``,
``circuit-open``, ``unsupported``, ``backend-error``, ``no-backend``, ``not-ready`` (an in-process model still loading).

``timeout_s`` is the deadline of the whole SLM attempt, counted from the call's start: the backend gets the time left,
and an answer that arrives after the deadline is not used (fallback ``timeout``), on the sync, async and in-process
paths alike. Models load in ``warm_up`` (``configure(..., warm=True)``), never inside a request.

The SLM reads the request with its PII masked as its training rows were (``slmc.pii.masking``: ``<PHONE_1>`` for the
first phone number); the request's values are put back where its answer copies a placeholder, and an answer holding a
placeholder the request did not have falls back (``contract``). The original call always gets the request unchanged.

The trace log (one ``TraceRecord`` per routed call, ``meta.router``) is what ``slmc traces ingest`` and ``slmc monitor``
read back: ``route`` (``slm`` | ``fallback`` | ``shadow``), ``reason`` (the fallback's cause), ``confidence``, the SLM's
answer when the LLM's was served (``slm_output`` / ``slm_tool_calls``), the LLM's when the SLM's was served and the
call was sampled (``sampled``, ``llm_output`` / ``llm_tool_calls``, ``llm_input_tokens`` / ``llm_output_tokens``,
``sample_usd``; ``slmc.runtime.sampling``), ``agree`` where both answered, ``llm_model``, ``slm_latency_ms`` and
``llm_latency_ms``. The record's own ``output`` is the answer the agent got.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import inspect
import json
import os
import threading
import time
import uuid
import warnings
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.runtime.apis import answer_from_result, build_request, build_response, preload, request_schema
from slmc.runtime.backends import Backend, backend_targets, make_backend
from slmc.runtime.contracts import Contract
from slmc.runtime.manifest import MODES, Manifest, Site
from slmc.runtime.sampling import SamplePolicy, Sampler
from slmc.runtime.types import Answer, EndpointError, SLMRequest, UnsupportedRequest
from slmc.traces.record import TraceRecord

# Wrapper-call ids of the active ``within(...)`` calls, outermost first (a contextvar: per thread and per asyncio task).
STACK: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("slmc_within", default=())
# True while the original function runs as fallback / shadow teacher: calls inside it are not routed again.
PASSTHROUGH: contextvars.ContextVar[bool] = contextvars.ContextVar("slmc_passthrough", default=False)

_PROVIDERS = {
    "openai.chat": "openai",
    "openai.responses": "openai",
    "openai.completions": "openai",
    "anthropic.messages": "anthropic",
    "litellm.completion": "litellm",
    "text": "wrapper",
}
_CHAT_STREAMS = ("openai.chat",)


class Fallback(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# ---- circuit breaker --------------------------------------------------------------------------------------------------
class CircuitBreaker:
    """Opens after ``failures`` consecutive endpoint failures; after ``reset_s`` lets one probe through (half-open)."""

    def __init__(self, failures: int = 5, reset_s: float = 30.0) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self._consecutive = 0
        self._opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()
        self.opened = 0  # how many times it opened

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._probing else "open"

    def allow(self) -> bool:
        if self._opened_at is None:
            return True
        with self._lock:
            if self._opened_at is None:
                return True
            if not self._probing and time.monotonic() - self._opened_at >= self.reset_s:
                self._probing = True
                return True
            return False

    def success(self) -> None:
        if self._consecutive == 0 and self._opened_at is None:
            return
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._probing = False

    def neutral(self) -> None:
        """The attempt said nothing about the endpoint's health (a model still loading): end a probe, if any."""
        if self._probing:
            with self._lock:
                self._probing = False

    def failure(self) -> None:
        if self.failures <= 0:
            return
        with self._lock:
            self._consecutive += 1
            if self._probing or (self._opened_at is None and self._consecutive >= self.failures):
                if self._opened_at is None or self._probing:
                    self.opened += 1
                self._opened_at = time.monotonic()
                self._probing = False


# ---- counters ---------------------------------------------------------------------------------------------------------
class Stats:
    """Thread-safe counters; ``calls == served_by_slm + sum(fallbacks) + shadowed`` always holds."""

    def __init__(self, window: int = 10_000) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.served_by_slm = 0
        self.shadowed = 0
        self.llm_errors = 0
        self.fallbacks: Counter[str] = Counter()
        self.shadow: Counter[str] = Counter()
        self.sample: Counter[str] = Counter()  # runs, agree, disagree, errors, budget, dropped, uncopyable
        self.by_site: dict[str, Counter[str]] = {}
        self._latency: deque[float] = deque(maxlen=window)

    def served(self, site: str, by: str, reason: str | None, latency_s: float, llm_error: bool = False) -> None:
        with self._lock:
            self.calls += 1
            counter = self.by_site.setdefault(site, Counter())
            counter["calls"] += 1
            if by == "slm":
                self.served_by_slm += 1
                counter["slm"] += 1
            elif reason == "shadow":
                self.shadowed += 1
                counter["shadow"] += 1
            else:
                self.fallbacks[reason or "unknown"] += 1
                counter["fallback"] += 1
            if llm_error:
                self.llm_errors += 1
            self._latency.append(latency_s)

    def shadow_event(self, name: str) -> None:
        with self._lock:
            self.shadow[name] += 1

    def sample_event(self, name: str) -> None:
        with self._lock:
            self.sample[name] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            latencies = sorted(self._latency)
            fallbacks = dict(self.fallbacks)
            return {
                "calls": self.calls,
                "served_by_slm": self.served_by_slm,
                "served_by_llm": self.calls - self.served_by_slm,
                "fallbacks": fallbacks,
                "fallback_total": sum(fallbacks.values()),
                "shadowed": self.shadowed,
                "shadow": dict(self.shadow),
                "sample": dict(self.sample),
                "llm_errors": self.llm_errors,
                "p50_latency_ms": _percentile(latencies, 0.50) * 1000,
                "p95_latency_ms": _percentile(latencies, 0.95) * 1000,
                "by_site": {k: dict(v) for k, v in self.by_site.items()},
            }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


# ---- trace log --------------------------------------------------------------------------------------------------------
class TraceLog:
    """Appends one ``TraceRecord`` JSON line per routed call (line-buffered, thread-safe).

    The log of a served agent holds its users' prompts: each record is scrubbed first (PII and secrets replaced by
    typed placeholders, consistent within the record; ``slmc.pii``, stdlib only, imported on the first write)
    unless ``raw`` asks for the prompts as they were."""

    def __init__(self, path: str | Path, *, raw: bool = False) -> None:
        self.path = Path(path)
        self.raw = raw
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8", buffering=1)
        except OSError as exc:
            raise SlmcError(
                f"cannot open the router log: {exc}", path=str(path), hint="set SLMC_ROUTER_LOG or manifest log:"
            ) from None
        self._lock = threading.Lock()

    def write(self, record: TraceRecord) -> None:
        if not self.raw:
            _scrub(record)
        line = record.to_json()
        with self._lock:
            if not self._fh.closed:
                self._fh.write(line + "\n")

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def _scrub(record: TraceRecord) -> None:
    """Prompts, answers, tool calls, params and errors scrubbed in place; of the router's own fields (site ids, endpoint
    names, reasons), only the rejected SLM answer and the failure detail."""
    from slmc.pii.scrubber import Scrubber

    scrubber = Scrubber(cache_size=64)
    meta, record.meta = record.meta, {}
    scrubber.record(record)
    router = meta.get("router")
    if isinstance(router, dict):
        for key in ("slm_output", "slm_tool_calls", "llm_output", "llm_tool_calls", "detail", "sample_error"):
            if router.get(key):
                router[key] = scrubber.value(router[key])
    record.meta = meta


# ---- one routed call --------------------------------------------------------------------------------------------------
@dataclass
class Attempt:
    site: Site
    request_id: str
    api: str
    started: float
    req: SLMRequest | None = None
    stream: bool = False
    stream_usage: bool = False
    slm: Answer | None = None
    slm_ms: float | None = None
    llm_ms: float | None = None
    contract_ok: bool | None = None
    reason: str | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Router:
    """A loaded manifest plus the live state: backends, breakers, counters, log, shadow pool."""

    def __init__(
        self, manifest: Manifest, *, mode: str | None = None, log: str | Path | None = None, log_raw: bool = False
    ) -> None:
        mode = mode or manifest.mode
        if mode not in MODES:
            raise SlmcError(f"mode {mode!r} is not one of {', '.join(MODES)}", hint="SLMC_MODE=off|serve|shadow")
        unknown = sorted({e.target for e in manifest.endpoints.values()} - set(backend_targets()))
        if unknown:
            raise SlmcError(
                f"no backend for endpoint target(s) {', '.join(unknown)}",
                path=str(manifest.path),
                hint=f"known targets: {', '.join(backend_targets())}; or slmc.runtime.register_backend(...)",
            )
        self.manifest = manifest
        self.mode = mode
        self.sites = manifest.sites
        self.contracts = {sid: Contract(site.contract) for sid, site in manifest.sites.items()}
        self.breakers = {
            name: CircuitBreaker(manifest.breaker_failures, manifest.breaker_reset_s) for name in manifest.endpoints
        }
        self.stats = Stats()
        self.log = TraceLog(log, raw=log_raw) if log else None
        self._backends: dict[str, Backend] = {}
        self._backend_lock = threading.Lock()
        self._shadow_pool: ThreadPoolExecutor | None = None
        self._shadow_slots = threading.BoundedSemaphore(manifest.shadow_queue)
        self._shadow_pending = 0
        self._shadow_idle = threading.Condition()
        self.sampler = Sampler(_sample_policy(manifest.sample))
        self._rate_from_env = bool(os.environ.get(SAMPLE_RATE_ENV, "").strip())  # one rate for every site
        self._sample_tasks: set[asyncio.Task[Any]] = set()
        preload({site.api for site in self.sites.values()}, imported_only=True)  # the agent's SDKs: cheap

    # ---- resolution ----------------------------------------------------------------------------------------------
    def resolve(self, request_id: str) -> Site | None:
        """The innermost active ``within`` site present in the manifest, else the request's own site.

        Innermost, as link-traces does: a task-specific wrapper call (``dispatch`` calling a shared ``ask``) is the
        per-task site even when an outer wrapper call (``plan`` calling ``dispatch``) is in the manifest too.
        """
        for site_id in reversed(STACK.get()):
            site = self.sites.get(site_id)
            if site is not None:
                return site
        return self.sites.get(request_id)

    def decision(self, site: Site) -> str | None:
        """offload | shadow | None (pass through)."""
        if self.mode == "off" or site.decision == "keep":
            return None
        return "shadow" if self.mode == "shadow" else site.decision

    def backend(self, site: Site) -> Backend:
        name = site.endpoint or ""
        backend = self._backends.get(name)
        if backend is None:
            with self._backend_lock:
                backend = self._backends.get(name)
                if backend is None:
                    backend = make_backend(self.manifest.endpoints[name])
                    self._backends[name] = backend
        return backend

    # ---- sync ----------------------------------------------------------------------------------------------------
    def route(
        self, site: Site, request_id: str, api: str, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        attempt = Attempt(site, request_id, api, time.perf_counter())
        if self.decision(site) == "shadow":
            return self._shadow(attempt, fn, args, kwargs)
        try:
            self._prepare(attempt, fn, args, kwargs)
            backend = self._backend_or_fallback(site)
            t0 = time.perf_counter()
            answer = self._ask(backend, site, attempt.req, attempt.started + site.timeout_s)  # type: ignore[arg-type]
            attempt.slm_ms = (time.perf_counter() - t0) * 1000
            result = self._accept(attempt, answer)
        except (Fallback, UnsupportedRequest) as exc:
            self._mark(attempt, exc)
            return self._fallback(attempt, fn, args, kwargs)
        copied = self._pick_sample(attempt, args, kwargs)
        self._served(attempt, "slm", attempt.slm, write=copied is None)
        if copied is not None:
            self._submit_sample(attempt, fn, *copied)
        return result

    def _fallback(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        token = PASSTHROUGH.set(True)
        t0 = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
            attempt.llm_ms = (time.perf_counter() - t0) * 1000
        except BaseException as exc:
            self._served(attempt, "llm", None, error=exc)
            raise
        finally:
            PASSTHROUGH.reset(token)
        self._served(attempt, "llm", answer_from_result(attempt.api, result))
        return result

    def _shadow(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        attempt.reason = "shadow"
        try:
            self._prepare(attempt, fn, args, kwargs)
        except UnsupportedRequest as exc:
            attempt.extra["shadow"] = f"unsupported: {exc}"
        token = PASSTHROUGH.set(True)
        t0 = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
            attempt.llm_ms = (time.perf_counter() - t0) * 1000
        except BaseException as exc:
            self._served(attempt, "llm", None, error=exc)
            raise
        finally:
            PASSTHROUGH.reset(token)
        self._after_shadow_teacher(attempt, result)
        return result

    # ---- async ---------------------------------------------------------------------------------------------------
    async def aroute(
        self, site: Site, request_id: str, api: str, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        attempt = Attempt(site, request_id, api, time.perf_counter())
        if self.decision(site) == "shadow":
            return await self._ashadow(attempt, fn, args, kwargs)
        try:
            self._prepare(attempt, fn, args, kwargs)
            backend = self._backend_or_fallback(site)
            t0 = time.perf_counter()
            answer = await self._aask(backend, site, attempt.req, attempt.started + site.timeout_s)  # type: ignore[arg-type]
            attempt.slm_ms = (time.perf_counter() - t0) * 1000
            result = self._accept(attempt, answer)
        except (Fallback, UnsupportedRequest) as exc:
            self._mark(attempt, exc)
            return await self._afallback(attempt, fn, args, kwargs)
        copied = self._pick_sample(attempt, args, kwargs)
        self._served(attempt, "slm", attempt.slm, write=copied is None)
        if copied is not None:
            self._start_async_sample(attempt, fn, *copied)
        return result

    async def _afallback(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        token = PASSTHROUGH.set(True)
        t0 = time.perf_counter()
        try:
            result = await _awaited(fn(*args, **kwargs))
            attempt.llm_ms = (time.perf_counter() - t0) * 1000
        except BaseException as exc:
            self._served(attempt, "llm", None, error=exc)
            raise
        finally:
            PASSTHROUGH.reset(token)
        self._served(attempt, "llm", answer_from_result(attempt.api, result))
        return result

    async def _ashadow(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        attempt.reason = "shadow"
        try:
            self._prepare(attempt, fn, args, kwargs)
        except UnsupportedRequest as exc:
            attempt.extra["shadow"] = f"unsupported: {exc}"
        token = PASSTHROUGH.set(True)
        t0 = time.perf_counter()
        try:
            result = await _awaited(fn(*args, **kwargs))
            attempt.llm_ms = (time.perf_counter() - t0) * 1000
        except BaseException as exc:
            self._served(attempt, "llm", None, error=exc)
            raise
        finally:
            PASSTHROUGH.reset(token)
        self._after_shadow_teacher(attempt, result)
        return result

    # ---- the SLM attempt, within the deadline -----------------------------------------------------------------------
    def _ask(self, backend: Backend, site: Site, req: SLMRequest, deadline: float) -> Answer:
        """The backend's answer by ``deadline`` (``time.perf_counter()`` seconds), else ``Fallback``."""
        breaker = self._allow(site, deadline)
        masked, masking = _masked(req)
        try:
            if backend.inline:
                answer = backend.complete(masked, site, deadline - time.perf_counter())
            else:
                answer = _on_watchdog(backend, masked, site, deadline - time.perf_counter())
        except EndpointError as exc:
            raise self._failed(breaker, exc.reason, exc.detail) from None
        except Exception as exc:  # a broken backend must not lose the call
            raise self._failed(breaker, "backend-error", repr(exc)) from None
        return _unmasked(self._in_time(breaker, site, answer, deadline), masking)

    async def _aask(self, backend: Backend, site: Site, req: SLMRequest, deadline: float) -> Answer:
        breaker = self._allow(site, deadline)
        masked, masking = _masked(req)
        left = deadline - time.perf_counter()
        try:
            answer = await asyncio.wait_for(backend.acomplete(masked, site, left), left)
        except EndpointError as exc:
            raise self._failed(breaker, exc.reason, exc.detail) from None
        except TimeoutError:
            raise self._failed(breaker, "timeout", f"no answer in {site.timeout_s}s") from None
        except Exception as exc:
            raise self._failed(breaker, "backend-error", repr(exc)) from None
        return _unmasked(self._in_time(breaker, site, answer, deadline), masking)

    def _allow(self, site: Site, deadline: float) -> CircuitBreaker:
        breaker = self.breakers[site.endpoint or ""]
        if not breaker.allow():
            raise Fallback("circuit-open")
        if time.perf_counter() >= deadline:
            breaker.neutral()
            raise Fallback("timeout", f"no time left of {site.timeout_s}s")
        return breaker

    @staticmethod
    def _failed(breaker: CircuitBreaker, reason: str, detail: str) -> Fallback:
        if reason == "not-ready":
            breaker.neutral()
        else:
            breaker.failure()
        return Fallback(reason, detail)

    @staticmethod
    def _in_time(breaker: CircuitBreaker, site: Site, answer: Answer, deadline: float) -> Answer:
        late = time.perf_counter() - deadline
        if late > 0:  # the backend overran: its answer is not used
            breaker.failure()
            raise Fallback("timeout", f"answer {late * 1000:.0f} ms after the {site.timeout_s}s deadline")
        breaker.success()
        return answer

    # ---- warm-up -------------------------------------------------------------------------------------------------
    def warm_up(self, wait: bool = True) -> dict[str, str]:
        """Load what the endpoints of offloaded and shadowed sites serve with (in-process models and adapters): now,
        blocking until each loaded or failed, when ``wait``; else in background threads.

        Returns ``{endpoint: "ready" | "loading" | error}``. A failure is also a ``RuntimeWarning``; its sites fall
        back to the LLM. HTTP endpoints have nothing to load here. The SDK types answers are built as are imported too.
        """
        preload({site.api for site in self.sites.values()})
        from slmc.pii.masking import detector  # the SLM's input is masked: the detectors load here, not in a call

        detector().spans("warm-up: call +1 415 555 0100")
        by_endpoint: dict[str, list[Site]] = {}
        for site in self.sites.values():
            if self.decision(site) is not None and (site.endpoint or "") in self.manifest.endpoints:
                by_endpoint.setdefault(site.endpoint or "", []).append(site)
        status: dict[str, str] = {}
        for name, sites in by_endpoint.items():
            try:
                self.backend(sites[0]).warm_up(sites, wait=wait)
                status[name] = "ready" if wait else "loading"
            except Exception as exc:
                status[name] = f"{type(exc).__name__}: {exc}"
                warnings.warn(
                    f"slmc.runtime: endpoint {name!r} did not load ({status[name]}); its sites fall back to the LLM",
                    RuntimeWarning,
                    stacklevel=2,
                )
        return status

    # ---- shared steps --------------------------------------------------------------------------------------------
    def _prepare(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        site = attempt.site
        req = build_request(attempt.api, fn, args, kwargs, site)
        if site.max_tokens:
            req.max_tokens = site.max_tokens
        req.temperature = site.temperature
        req.logprobs = site.threshold is not None
        attempt.req = req
        if attempt.api in _CHAT_STREAMS and kwargs.get("stream") is True:
            attempt.stream = True
            options = kwargs.get("stream_options")
            attempt.stream_usage = bool(isinstance(options, dict) and options.get("include_usage"))

    def _backend_or_fallback(self, site: Site) -> Backend:
        try:
            return self.backend(site)
        except Exception as exc:  # a backend that cannot start (bad url, missing model files)
            raise Fallback("no-backend", repr(exc)) from None

    def _accept(self, attempt: Attempt, answer: Answer) -> Any:
        site, req = attempt.site, attempt.req
        assert req is not None
        attempt.slm = answer
        if site.threshold is not None:
            if answer.confidence is None:
                raise Fallback("no-confidence", "the backend returned no log-probs")
            if answer.confidence < site.threshold:
                raise Fallback("low-confidence", f"{answer.confidence:.3f} < {site.threshold}")
        verdict = self.contracts[site.id].check(answer, req.tools, request_schema(req))
        attempt.contract_ok = verdict.ok
        if not verdict.ok:
            raise Fallback("contract", verdict.error or "")
        assert verdict.answer is not None
        attempt.slm = verdict.answer
        return build_response(
            attempt.api, verdict.answer, req, stream=attempt.stream, stream_usage=attempt.stream_usage
        )

    @staticmethod
    def _mark(attempt: Attempt, exc: Exception) -> None:
        if isinstance(exc, Fallback):
            attempt.reason, attempt.detail = exc.reason, exc.detail
        else:
            attempt.reason, attempt.detail = "unsupported", str(exc)

    def _served(
        self,
        attempt: Attempt,
        by: str,
        answer: Answer | None,
        error: BaseException | None = None,
        *,
        write: bool = True,
    ) -> None:
        elapsed = time.perf_counter() - attempt.started
        attempt.extra["_elapsed"] = elapsed
        self.stats.served(attempt.site.id, by, attempt.reason, elapsed, llm_error=error is not None)
        if self.log is not None and write:
            self.log.write(self._record(attempt, by, answer, elapsed, error))

    # ---- S6 sampling: a share of the SLM-served calls also goes to the LLM, after the agent has its answer ----------
    def _pick_sample(
        self, attempt: Attempt, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
        """A copy of the call's arguments when this served call is to be sampled (the agent may change its own
        objects, such as the message list, as soon as it has its answer), else None."""
        site = attempt.site
        rate = None if self._rate_from_env else site.sample_rate  # None: the policy's rate
        pick = self.sampler.pick(site.id, rate)
        if pick is None or attempt.stream:
            return None
        if pick == "budget":
            self.stats.sample_event("budget")
            attempt.extra["sample_skipped"] = "budget"
            return None
        try:
            return copy.deepcopy((args, kwargs))
        except Exception:  # a client object that will not copy: no sample, never a failed call
            self.stats.sample_event("uncopyable")
            attempt.extra["sample_skipped"] = "uncopyable"
            return None

    def _submit_sample(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not self._shadow_slots.acquire(blocking=False):
            self._sample_dropped(attempt)
            return
        with self._shadow_idle:
            self._shadow_pending += 1
        try:
            self._shadow_executor().submit(self._sample_job, attempt, fn, args, kwargs)
        except RuntimeError:  # interpreter shutting down
            self._shadow_done()
            self._sample_dropped(attempt)

    def _start_async_sample(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The async sample runs as a task on the agent's own event loop (its async client is bound to it)."""
        if not self._shadow_slots.acquire(blocking=False):
            self._sample_dropped(attempt)
            return
        with self._shadow_idle:
            self._shadow_pending += 1
        task = asyncio.get_running_loop().create_task(self._asample_job(attempt, fn, args, kwargs))
        self._sample_tasks.add(task)
        task.add_done_callback(self._sample_tasks.discard)

    def _sample_dropped(self, attempt: Attempt) -> None:
        self.stats.sample_event("dropped")
        attempt.extra["sample_skipped"] = "dropped (queue full)"
        if self.log is not None:
            self.log.write(self._record(attempt, "slm", attempt.slm, attempt.extra.get("_elapsed", 0.0), None))

    def _sample_job(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        token = PASSTHROUGH.set(True)
        t0 = time.perf_counter()
        llm: Answer | None = None
        try:
            llm = answer_from_result(attempt.api, fn(*args, **kwargs))
        except Exception as exc:
            attempt.extra["sample_error"] = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            PASSTHROUGH.reset(token)
        self._sample_finished(attempt, llm, (time.perf_counter() - t0) * 1000)

    async def _asample_job(self, attempt: Attempt, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        token = PASSTHROUGH.set(True)
        t0 = time.perf_counter()
        llm: Answer | None = None
        try:
            llm = answer_from_result(attempt.api, await _awaited(fn(*args, **kwargs)))
        except Exception as exc:
            attempt.extra["sample_error"] = f"{type(exc).__name__}: {exc}"[:300]
        except BaseException:  # the agent's loop ended (cancelled): the slot is freed, the call logged unsampled
            self.stats.sample_event("cancelled")
            attempt.extra["sample_skipped"] = "cancelled (the event loop ended)"
            try:
                if self.log is not None:
                    self.log.write(self._record(attempt, "slm", attempt.slm, attempt.extra.get("_elapsed", 0.0), None))
            finally:
                self._shadow_done()
            raise
        finally:
            PASSTHROUGH.reset(token)
        self._sample_finished(attempt, llm, (time.perf_counter() - t0) * 1000)

    def _sample_finished(self, attempt: Attempt, llm: Answer | None, llm_ms: float) -> None:
        try:
            req = attempt.req
            chars = sum(len(str(m.get("content") or "")) for m in (req.messages if req else []))
            usd = self.sampler.policy.cost(llm, chars) if llm is not None or "sample_error" in attempt.extra else 0.0
            self.sampler.spend(usd)
            self.stats.sample_event("runs")
            attempt.llm_ms = llm_ms
            attempt.extra.update(sampled=True, sample_usd=round(usd, 8))
            if llm is None:
                self.stats.sample_event("errors")
            elif attempt.slm is not None:
                agree = self.contracts[attempt.site.id].agree(attempt.slm, llm, req.tools if req else None)
                attempt.extra["agree"] = agree
                self.stats.sample_event("agree" if agree else "disagree")
            if self.log is not None:
                record = self._record(attempt, "slm", attempt.slm, attempt.extra.get("_elapsed", 0.0), None)
                if llm is not None:
                    router = record.meta["router"]
                    router["llm_output"] = llm.content
                    router["llm_tool_calls"] = _tool_calls(llm)
                    router["llm_input_tokens"] = llm.prompt_tokens or None
                    router["llm_output_tokens"] = llm.completion_tokens or None
                self.log.write(record)
        except Exception:  # a sample never breaks the agent; counted, not raised
            self.stats.sample_event("errors")
        finally:
            self._shadow_done()

    # ---- shadow --------------------------------------------------------------------------------------------------
    def _after_shadow_teacher(self, attempt: Attempt, result: Any) -> None:
        llm = answer_from_result(attempt.api, result)
        elapsed = time.perf_counter() - attempt.started
        self.stats.served(attempt.site.id, "llm", "shadow", elapsed)
        if attempt.req is None or llm is None:
            self.stats.shadow_event("skipped")
            self._log_shadow(attempt, llm, None, elapsed)
            return
        if not self._shadow_slots.acquire(blocking=False):
            self.stats.shadow_event("dropped")
            attempt.extra["shadow"] = "dropped (queue full)"
            self._log_shadow(attempt, llm, None, elapsed)
            return
        with self._shadow_idle:
            self._shadow_pending += 1
        try:
            self._shadow_executor().submit(self._shadow_job, attempt, llm, elapsed)
        except RuntimeError:  # interpreter shutting down
            self._shadow_done()
            self.stats.shadow_event("dropped")

    def _shadow_executor(self) -> ThreadPoolExecutor:
        if self._shadow_pool is None:
            with self._backend_lock:
                if self._shadow_pool is None:
                    self._shadow_pool = ThreadPoolExecutor(
                        self.manifest.shadow_workers, thread_name_prefix="slmc-shadow"
                    )
        return self._shadow_pool

    def _shadow_job(self, attempt: Attempt, llm: Answer, elapsed: float) -> None:
        site = attempt.site
        slm: Answer | None = None
        try:
            t0 = time.perf_counter()
            try:
                backend = self.backend(site)
            except Exception as exc:
                raise Fallback("no-backend", repr(exc)) from None
            slm = self._ask(backend, site, attempt.req, t0 + site.timeout_s)  # type: ignore[arg-type]
            attempt.slm_ms = (time.perf_counter() - t0) * 1000
            contract = self.contracts[site.id]
            verdict = contract.check(slm, attempt.req.tools, request_schema(attempt.req))  # type: ignore[union-attr]
            attempt.contract_ok = verdict.ok
            checked = verdict.answer if verdict.ok and verdict.answer is not None else slm
            agree = verdict.ok and contract.agree(checked, llm, attempt.req.tools if attempt.req else None)
            attempt.extra["agree"] = agree
            if site.threshold is not None and slm.confidence is not None:
                attempt.extra["would_serve"] = verdict.ok and slm.confidence >= site.threshold
            self.stats.shadow_event("agree" if agree else "disagree")
            if not verdict.ok:
                self.stats.shadow_event("contract_fail")
            attempt.slm = checked
        except Fallback as exc:
            attempt.extra["shadow_error"] = exc.reason
            attempt.detail = exc.detail
            self.stats.shadow_event("errors")
        except Exception as exc:  # never let a shadow failure escape into the pool silently
            attempt.extra["shadow_error"] = "internal"
            attempt.detail = repr(exc)
            self.stats.shadow_event("errors")
        finally:
            self.stats.shadow_event("runs")
            try:
                self._log_shadow(attempt, llm, attempt.slm, elapsed)
            finally:
                self._shadow_done()

    def _shadow_done(self) -> None:
        self._shadow_slots.release()
        with self._shadow_idle:
            self._shadow_pending -= 1
            self._shadow_idle.notify_all()

    def _log_shadow(self, attempt: Attempt, llm: Answer | None, slm: Answer | None, elapsed: float) -> None:
        if self.log is None:
            return
        record = self._record(attempt, "llm", llm, elapsed, None)
        router = record.meta["router"]
        if slm is not None:
            router["slm_output"] = slm.content
            router["slm_tool_calls"] = _tool_calls(slm)
            router["slm_confidence"] = slm.confidence
        self.log.write(record)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until queued shadow runs finish; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._shadow_idle:
            while self._shadow_pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._shadow_idle.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> None:
        self.drain(timeout)
        if self._shadow_pool is not None:
            self._shadow_pool.shutdown(wait=False, cancel_futures=True)
        if self.log is not None:
            self.log.close()

    # ---- log records ---------------------------------------------------------------------------------------------
    def _record(
        self, attempt: Attempt, by: str, answer: Answer | None, elapsed: float, error: BaseException | None
    ) -> TraceRecord:
        site, req = attempt.site, attempt.req
        router: dict[str, Any] = {
            "route": "slm" if by == "slm" else ("shadow" if attempt.reason == "shadow" else "fallback"),
            "site": site.id,
            "request_site": attempt.request_id,
            "api": attempt.api,
            "served_by": by,
            "reason": attempt.reason,
            "mode": self.mode,
            "decision": site.decision,
            "endpoint": site.endpoint,
            "adapter": site.adapter.name if site.adapter else None,
            "contract": site.contract.get("kind"),
            "contract_ok": attempt.contract_ok,
            "slm_latency_ms": attempt.slm_ms,
            "llm_latency_ms": attempt.llm_ms,
            "llm_model": req.model if req else None,
        }
        if attempt.detail:
            router["detail"] = attempt.detail[:500]
        if attempt.slm is not None:
            router["confidence"] = attempt.slm.confidence
            if by == "llm" and attempt.reason != "shadow":  # the rejected SLM answer, for the next round
                router["slm_output"] = attempt.slm.content
                router["slm_tool_calls"] = _tool_calls(attempt.slm)
        if attempt.stream:
            router["stream"] = True
        router.update((k, v) for k, v in attempt.extra.items() if not k.startswith("_"))
        params = dict(req.params) if req else {}
        if req and req.response_format:
            params["response_format"] = req.response_format
        return TraceRecord(
            id=uuid.uuid4().hex,
            source="slmc",
            provider=_PROVIDERS.get(attempt.api),
            model=(answer.model if by == "slm" and answer else None) or (req.model if req else None),
            messages=req.messages if req else [],
            tools=req.tools if req else [],
            params=params,
            output=answer.content if answer else None,
            tool_calls=_tool_calls(answer) if answer else [],
            finish_reason=answer.finish_reason if answer else ("error" if error else None),
            error=f"{type(error).__name__}: {error}" if error is not None else None,
            input_tokens=answer.prompt_tokens or None if answer else None,
            output_tokens=answer.completion_tokens or None if answer else None,
            latency_ms=round(elapsed * 1000, 3),
            timestamp=time.time(),
            site_id=site.id,
            task=site.task,
            meta={"router": router},
        )


SAMPLE_RATE_ENV = "SLMC_SAMPLE_RATE"


def _sample_policy(policy: SamplePolicy) -> SamplePolicy:
    """The manifest's policy, its rate replaced by ``SLMC_SAMPLE_RATE`` when the person running the agent sets it."""
    text = os.environ.get(SAMPLE_RATE_ENV, "").strip()
    if not text:
        return policy
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise SlmcError(f"{SAMPLE_RATE_ENV}={text!r} is not a share between 0 and 1", hint="e.g. 0.05 for 5 %")
    return SamplePolicy(rate, policy.budget_usd_per_day, policy.usd_per_1m_input, policy.usd_per_1m_output)


_WATCHDOG: ThreadPoolExecutor | None = None
_WATCHDOG_LOCK = threading.Lock()


def _masked(req: SLMRequest) -> tuple[SLMRequest, Any]:
    """The request as the SLM reads it: PII masked as in its training rows (``slmc.pii.masking``, stdlib only,
    imported on the first SLM attempt or in ``warm_up``); and the masking that gives the values back."""
    from slmc.pii.masking import mask_request

    return mask_request(req)


def _unmasked(answer: Answer, masking: Any) -> Answer:
    """The SLM's answer with the request's own values back where it copied a placeholder; an answer holding a
    placeholder the request did not have falls back (``contract``): it cannot be given to the agent."""
    from slmc.pii.masking import restore_answer

    answer, unknown = restore_answer(answer, masking)
    if unknown:
        raise Fallback("contract", f"the answer holds {', '.join(sorted(set(unknown)))}, which the request did not")
    return answer


def _on_watchdog(backend: Backend, req: SLMRequest, site: Site, left: float) -> Answer:
    """``backend.complete`` on a pool thread, waited for ``left`` seconds at most (it may go on; its answer is lost)."""
    global _WATCHDOG
    if _WATCHDOG is None:
        with _WATCHDOG_LOCK:
            if _WATCHDOG is None:
                _WATCHDOG = ThreadPoolExecutor(64, thread_name_prefix="slmc-backend")
    future = _WATCHDOG.submit(contextvars.copy_context().run, backend.complete, req, site, left)
    try:
        return future.result(timeout=left)
    except FutureTimeout:
        if not future.done():
            future.cancel()
            raise EndpointError("timeout", f"no answer in {left:.3f}s") from None
        raise


def _tool_calls(answer: Answer) -> list[dict[str, Any]]:
    out = []
    for call in answer.tool_calls:
        arguments = call.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                pass
        out.append({"name": call.get("name"), "arguments": arguments})
    return out


async def _awaited(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
