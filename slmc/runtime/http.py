"""JSON-over-HTTP for the SLM endpoints, with connection reuse, sync and async.

Two transports, chosen once (env ``SLMC_HTTP=httpx|stdlib`` forces one):

* ``httpx`` (when installed — it comes with the openai SDK): one pooled ``httpx.Client`` for sync calls and one pooled
  ``httpx.AsyncClient`` per event loop for async calls (truly non-blocking); at most 64 connections, kept alive.
* ``stdlib``: ``http.client`` keep-alive connections, one per thread and host. Async calls run the sync client in a
  thread pool (``loop.run_in_executor``, 64 threads): they do not block the event loop, but each in-flight async call
  holds a pool thread.

``SLMC_HTTP_CONNECTIONS`` (default 64) bounds the connections and the async requests in flight per event loop.

Both map failures to ``EndpointError`` reasons: ``timeout``, ``connection``, ``http-5xx``, ``http-4xx``,
``invalid-json``. Timeouts are per operation (connect, each read), as in the underlying clients.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from slmc.runtime.types import EndpointError

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def _decode(status: int, payload: bytes) -> dict[str, Any]:
    if status >= 500:
        raise EndpointError("http-5xx", f"HTTP {status}")
    if status >= 400:
        raise EndpointError("http-4xx", f"HTTP {status}: {payload[:200]!r}")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EndpointError("invalid-json", str(exc)) from None
    if not isinstance(data, dict):
        raise EndpointError("invalid-json", "body is not a JSON object")
    return data


class StdlibTransport:
    """``http.client`` with one keep-alive connection per (thread, host)."""

    name = "stdlib"

    def __init__(self, async_workers: int = 64) -> None:
        self._local = threading.local()
        self._async_workers = async_workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _connection(self, scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
        conns: dict[tuple[str, str], http.client.HTTPConnection] = self._local.__dict__.setdefault("conns", {})
        conn = conns.get((scheme, netloc))
        if conn is None:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            conn = cls(netloc, timeout=timeout)
            conns[(scheme, netloc)] = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _drop(self, scheme: str, netloc: str) -> None:
        conn = self._local.__dict__.get("conns", {}).pop((scheme, netloc), None)
        if conn is not None:
            conn.close()

    def post_json(
        self, url: str, body: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        payload = json.dumps(body).encode("utf-8")
        for attempt in (0, 1):  # a kept-alive connection the server closed meanwhile gets one fresh retry
            conn = self._connection(parts.scheme, parts.netloc, timeout)
            fresh = conn.sock is None
            try:
                conn.request("POST", path, body=payload, headers={**_HEADERS, **headers} if headers else _HEADERS)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    self._drop(parts.scheme, parts.netloc)
                return _decode(response.status, data)
            except TimeoutError as exc:  # socket.timeout is TimeoutError since 3.10
                self._drop(parts.scheme, parts.netloc)
                raise EndpointError("timeout", str(exc)) from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._drop(parts.scheme, parts.netloc)
                if attempt == 0 and not fresh:
                    continue
                raise EndpointError("connection", repr(exc)) from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts.scheme, parts.netloc)
                raise EndpointError("connection", repr(exc)) from None
        raise EndpointError("connection", "retry failed")  # pragma: no cover - the loop returns or raises

    async def apost_json(
        self, url: str, body: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self._async_workers, thread_name_prefix="slmc-http")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.post_json, url, body, timeout, headers)


class HttpxTransport:
    """httpx: a pooled sync client, and one pooled async client per event loop."""

    name = "httpx"

    def __init__(self, max_connections: int = 64) -> None:
        import httpx

        self._httpx = httpx
        self._max = max_connections
        self._limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.Client(limits=self._limits, headers=_HEADERS)
        # per event loop: (AsyncClient, Semaphore). The semaphore keeps at most max_connections requests inside
        # httpcore's pool; the rest wait in FIFO order (their wait counts against the router's deadline).
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[Any, asyncio.Semaphore]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _map(self, exc: Exception) -> EndpointError:
        httpx = self._httpx
        if isinstance(exc, httpx.TimeoutException):
            return EndpointError("timeout", type(exc).__name__)
        return EndpointError("connection", repr(exc))

    def post_json(
        self, url: str, body: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        try:
            response = self._client.post(
                url, content=json.dumps(body).encode("utf-8"), timeout=timeout, headers=headers
            )
        except self._httpx.HTTPError as exc:
            raise self._map(exc) from None
        return _decode(response.status_code, response.content)

    async def apost_json(
        self, url: str, body: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        entry = self._async.get(loop)
        if entry is None:
            with self._lock:
                entry = self._async.get(loop)
                if entry is None:
                    client = self._httpx.AsyncClient(limits=self._limits, headers=_HEADERS)
                    entry = self._async[loop] = (client, asyncio.Semaphore(self._max))
        client, slots = entry
        try:
            async with slots:
                response = await client.post(
                    url, content=json.dumps(body).encode("utf-8"), timeout=timeout, headers=headers
                )
        except self._httpx.HTTPError as exc:
            raise self._map(exc) from None
        return _decode(response.status_code, response.content)


_TRANSPORT: Any = None
_TRANSPORT_LOCK = threading.Lock()


def transport() -> StdlibTransport | HttpxTransport:
    """The process-wide transport (created on first use)."""
    global _TRANSPORT
    if _TRANSPORT is not None:
        return _TRANSPORT
    with _TRANSPORT_LOCK:
        if _TRANSPORT is None:
            _TRANSPORT = make_transport(os.environ.get("SLMC_HTTP", ""))
    return _TRANSPORT


def set_transport(kind: str, max_connections: int | None = None) -> StdlibTransport | HttpxTransport:
    """Use ``httpx`` or ``stdlib`` (``""``: httpx when installed) from now on, with at most ``max_connections``
    async requests in flight (default ``SLMC_HTTP_CONNECTIONS`` or 64)."""
    global _TRANSPORT
    with _TRANSPORT_LOCK:
        _TRANSPORT = make_transport(kind, max_connections)
    return _TRANSPORT


def make_transport(kind: str = "", max_connections: int | None = None) -> StdlibTransport | HttpxTransport:
    limit = max_connections or int(os.environ.get("SLMC_HTTP_CONNECTIONS") or 64)
    if kind == "stdlib":
        return StdlibTransport(async_workers=limit)
    try:
        return HttpxTransport(max_connections=limit)
    except ImportError:
        if kind == "httpx":
            raise
        return StdlibTransport(async_workers=limit)


__all__ = ["HttpxTransport", "StdlibTransport", "make_transport", "set_transport", "transport"]
