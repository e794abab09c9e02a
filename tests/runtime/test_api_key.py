"""The runtime sends ``Authorization: Bearer $<api_key_env>`` to SLM endpoints that ask for a key (issue 11, item 10).

The key lives only in the environment: the manifest names the variable (``api_key_env``), never the key.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

import slmc.runtime as runtime
from slmc.errors import SlmcError
from slmc.runtime.manifest import load_manifest

from .servers import SITE, chat_reply, messages, write_manifest

KEY = "s3cret-key_123"


class KeyedServer:
    """An SLM endpoint on 127.0.0.1 that, like ``vllm serve --api-key``, answers 401 without the right bearer token."""

    def __init__(self, key: str) -> None:
        self.seen: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization")
                outer.seen.append(auth)
                ok = auth == f"Bearer {key}"
                payload = json.dumps(chat_reply("billing") if ok else {"error": "Unauthorized"}).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def keyed() -> Iterator[KeyedServer]:
    server = KeyedServer(KEY)
    yield server
    server.close()


def _manifest(tmp_path: Path, url: str, **endpoint: Any) -> Path:
    path = write_manifest(tmp_path, url)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["endpoints"]["base-0"].update(endpoint)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_bearer_header_from_the_environment_sync_and_async(
    tmp_path, keyed, openai_client, async_openai_client, fake_llm, monkeypatch
):
    monkeypatch.setenv("SLMC_API_KEY", KEY)
    manifest = _manifest(tmp_path, keyed.url, api_key_env="SLMC_API_KEY")
    assert KEY not in manifest.read_text(encoding="utf-8")
    runtime.configure(manifest)

    resp = runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"))

    async def one() -> Any:
        create = async_openai_client.chat.completions.create
        return await runtime.acall(SITE, "openai.chat", create, model="m", messages=messages("b"))

    aresp = asyncio.run(one())
    assert resp.choices[0].message.content == "billing" and aresp.choices[0].message.content == "billing"
    assert keyed.seen == [f"Bearer {KEY}", f"Bearer {KEY}"]
    assert fake_llm.requests == []  # both served by the keyed SLM endpoint


def test_no_key_in_the_environment_sends_no_header_and_falls_back(
    tmp_path, keyed, openai_client, fake_llm, monkeypatch
):
    monkeypatch.delenv("SLMC_API_KEY", raising=False)
    runtime.configure(_manifest(tmp_path, keyed.url, api_key_env="SLMC_API_KEY"))
    resp = runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"))
    assert keyed.seen == [None]
    assert resp.choices[0].message.content == "LLM: a"  # 401 -> the LLM answers


def test_without_api_key_env_the_key_is_never_sent(tmp_path, keyed, openai_client, fake_llm, monkeypatch):
    monkeypatch.setenv("SLMC_API_KEY", KEY)
    runtime.configure(_manifest(tmp_path, keyed.url))
    runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"))
    assert keyed.seen == [None]


def test_a_key_that_would_split_the_header_is_not_sent(tmp_path, keyed, openai_client, fake_llm, monkeypatch):
    monkeypatch.setenv("SLMC_API_KEY", "abc\r\nX-Injected: 1")
    runtime.configure(_manifest(tmp_path, keyed.url, api_key_env="SLMC_API_KEY"))
    resp = runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"))
    assert keyed.seen == [] and resp.choices[0].message.content == "LLM: a"


@pytest.mark.parametrize("bad", ["SLMC API KEY", "$(touch x)", 5, ""])
def test_api_key_env_must_be_a_variable_name(tmp_path, bad):
    with pytest.raises(SlmcError, match="api_key_env"):
        load_manifest(_manifest(tmp_path, "http://127.0.0.1:9", api_key_env=bad))
