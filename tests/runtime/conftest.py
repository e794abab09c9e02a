"""Fixtures: local servers, OpenAI SDK clients on the fake LLM, a clean runtime and HTTP transport per test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.runtime import http as runtime_http

from .servers import LocalServer, Reply, llm_reply


@pytest.fixture
def server_factory() -> Iterator[Callable[[Callable[[str, Any], Reply]], LocalServer]]:
    servers: list[LocalServer] = []

    def make(respond: Callable[[str, Any], Reply]) -> LocalServer:
        server = LocalServer(respond)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def fake_llm(server_factory: Any) -> LocalServer:
    """A fake LLM answering ``LLM: <last user message>``."""

    def respond(path: str, body: Any) -> Reply:
        messages = body.get("messages") or [{"content": body.get("input") or body.get("prompt")}]
        last = messages[-1].get("content")
        return llm_reply(path, body, f"LLM: {last if isinstance(last, str) else json.dumps(last)}")

    return server_factory(respond)


@pytest.fixture
def openai_client(fake_llm: LocalServer) -> Any:
    openai = pytest.importorskip("openai")
    return openai.OpenAI(base_url=fake_llm.url + "/v1", api_key="sk-test", max_retries=0)


@pytest.fixture
def async_openai_client(fake_llm: LocalServer) -> Any:
    openai = pytest.importorskip("openai")
    return openai.AsyncOpenAI(base_url=fake_llm.url + "/v1", api_key="sk-test", max_retries=0)


@pytest.fixture(autouse=True)
def clean_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("SLMC_MANIFEST", "SLMC_MODE", "SLMC_ROUTER_LOG", "SLMC_ROUTER_LOG_RAW", "SLMC_WARM"):
        monkeypatch.delenv(name, raising=False)
    runtime.reset()
    yield
    runtime.reset()


@pytest.fixture(autouse=True)
def fresh_transport() -> Iterator[None]:
    """A fresh HTTP transport per test (no connection kept from another test's server)."""
    runtime_http.set_transport()
    yield
    runtime_http.set_transport()
