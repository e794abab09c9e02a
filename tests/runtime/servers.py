"""Real local HTTP servers for the router tests (SLM endpoints, a fake LLM) and manifest helpers."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml


@dataclass
class Reply:
    body: Any = None  # dict -> JSON, bytes -> raw
    status: int = 200
    delay: float = 0.0
    reset: bool = False  # abort the connection with a TCP RST instead of answering
    drip: float = 0.0  # send the whole response (status line, headers, body) in small pieces, this many s apart
    raw: bytes | None = None  # send these bytes instead of an HTTP response, then close


@dataclass
class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 answering POSTs with ``respond(path, body) -> Reply``."""

    respond: Callable[[str, Any], Reply]
    requests: list[tuple[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    body = None
                outer.requests.append((self.path, body))
                reply = outer.respond(self.path, body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if reply.raw is not None:
                    self.wfile.write(reply.raw)
                    self.close_connection = True
                    return
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                if reply.drip:
                    head = f"HTTP/1.1 {reply.status} OK\r\nContent-Type: application/json\r\n"
                    raw = f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload
                    step = max(1, len(raw) // 12)  # ~12 pieces: the whole reply takes ~12 * drip seconds
                    for i in range(0, len(raw), step):
                        self.wfile.write(raw[i : i + step])
                        time.sleep(reply.drip)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as real servers do

            def handle(self) -> None:
                try:
                    super().handle()
                except OSError:
                    pass

            def finish(self) -> None:
                try:
                    super().finish()
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            request_queue_size = 2048

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bodies(self, path_suffix: str = "/chat/completions") -> list[Any]:
        return [b for p, b in self.requests if p.endswith(path_suffix)]


def chat_reply(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    logprob: float | None = -0.05,
    model: str = "slm",
) -> dict[str, Any]:
    """An OpenAI chat completion body, with per-token log-probs when ``logprob`` is given."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for i, c in enumerate(tool_calls)
        ]
    logprobs = None
    if logprob is not None:
        logprobs = {
            "content": [
                {"token": t, "logprob": logprob, "bytes": None, "top_logprobs": []} for t in (content or "x").split()
            ]
        }
    return {
        "id": "chatcmpl-slm",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
                "logprobs": logprobs,
            }
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13},
    }


def llm_reply(path: str, body: Any, text: str) -> Reply:
    """The fake LLM: answers OpenAI chat/completions/responses and Anthropic messages with ``text``."""
    now = int(time.time())
    if path.endswith("/chat/completions"):
        return Reply(chat_reply(text, logprob=None, model=body.get("model", "gpt-x")))
    if path.endswith("/completions"):
        choice = {"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}
        return Reply(
            {"id": "cmpl-1", "object": "text_completion", "created": now, "model": "gpt-x", "choices": [choice]}
        )
    if path.endswith("/responses"):
        content = [{"type": "output_text", "text": text, "annotations": []}]
        output = [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": content}]
        return Reply(
            {
                "id": "resp_1",
                "object": "response",
                "created_at": now,
                "model": "gpt-x",
                "output": output,
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
                "status": "completed",
            }
        )
    if path.endswith("/messages"):
        return Reply(
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-x",
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 3, "output_tokens": 2},
            }
        )
    return Reply({"error": "unknown path"}, status=404)


SITE = "llm:classify@agent.py:42"
LABELS = ["billing", "tech", "other"]


def write_manifest(
    folder: Path,
    url: str | None,
    *,
    target: str = "vllm",
    sites: dict[str, dict[str, Any]] | None = None,
    defaults: dict[str, Any] | None = None,
    name: str = "slmc-manifest.yaml",
    **site_fields: Any,
) -> Path:
    """A manifest with one endpoint ``base-0`` and, unless ``sites`` is given, one label site ``SITE``."""
    endpoint: dict[str, Any] = {"target": target, "base_model": "models/base-0"}
    if url:
        endpoint["url"] = url + "/v1"
    site = {
        "decision": "offload",
        "api": "openai.chat",
        "endpoint": "base-0",
        "task": "task:intent",
        "adapter": {"name": "intent", "path": "adapters/intent", "int_id": 3},
        "contract": {"kind": "label", "labels": LABELS},
        "threshold": None,
        "max_tokens": 16,
        "timeout_s": 2,
        **site_fields,
    }
    data = {
        "version": 1,
        "agent": {"name": "support_agent", "source": "agent.py"},
        "defaults": {"timeout_s": 2, "mode": "serve", **(defaults or {})},
        "endpoints": {"base-0": endpoint},
        "sites": sites if sites is not None else {SITE: site},
    }
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def messages(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Classify the ticket."}, {"role": "user", "content": text}]
