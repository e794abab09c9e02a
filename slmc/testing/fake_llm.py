"""A local OpenAI-compatible LLM server for offline testing: replays recorded traces, or asks a teacher function.

    with FakeLLM(teacher=my_teacher, replay=["traces.jsonl"]) as llm:
        client = OpenAI(base_url=llm.url, api_key="sk-local")

``/v1/chat/completions`` (JSON and SSE streaming) answers a request from the recorded traces when its messages match a
recorded call exactly (the replay), else from ``teacher(request) -> {"content": str} | {"tool_calls": [{"name",
"arguments"}]}``; with neither it answers 404 so a test sees the miss. ``/v1/models`` and ``/health`` exist for
readiness checks. Stdlib only; binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Teacher = Callable[[dict[str, Any]], dict[str, Any]]


def _messages_key(messages: list[dict[str, Any]]) -> str:
    norm = [{"role": m.get("role"), "content": m.get("content")} for m in messages]
    return hashlib.sha256(json.dumps(norm, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_replay(paths: Iterable[str | Path]) -> dict[str, dict[str, Any]]:
    """Index slmc-format trace files by their request messages."""
    table: dict[str, dict[str, Any]] = {}
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if rec.get("error"):
                    continue
                answer: dict[str, Any] = {"content": rec.get("output")}
                if rec.get("tool_calls"):
                    answer = {"tool_calls": rec["tool_calls"]}
                table[_messages_key(rec.get("messages", []))] = answer
    return table


def completion_body(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.get("content")}
    finish = "stop"
    if answer.get("tool_calls"):
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {
                    "name": c["name"],
                    "arguments": c["arguments"] if isinstance(c["arguments"], str) else json.dumps(c["arguments"]),
                },
            }
            for i, c in enumerate(answer["tool_calls"])
        ]
        finish = "tool_calls"
    prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in request.get("messages", []))
    completion_tokens = len(json.dumps(message).split())
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake-llm"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the default backlog of 5 resets connections under concurrent agents


class FakeLLM:
    def __init__(self, teacher: Teacher | None = None, replay: Iterable[str | Path] = (), port: int = 0) -> None:
        self.teacher = teacher
        self.table = load_replay(replay)
        self.requests: list[dict[str, Any]] = []
        self.misses = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def answer(self, request: dict[str, Any]) -> dict[str, Any] | None:
        hit = self.table.get(_messages_key(request.get("messages", [])))
        if hit is not None:
            return hit
        if self.teacher is not None:
            return self.teacher(request)
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "fake-llm", "object": "model"}]})
                elif self.path.rstrip("/").endswith("/health"):
                    self._send(200, {"status": "ok"})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "invalid JSON body"}})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                with fake._lock:
                    fake.requests.append(request)
                answer = fake.answer(request)
                if answer is None:
                    with fake._lock:
                        fake.misses += 1
                    self._send(404, {"error": {"message": "no recorded answer for this request"}})
                    return
                body = completion_body(request, answer)
                if not request.get("stream"):
                    self._send(200, body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                message = body["choices"][0]["message"]
                delta: dict[str, Any] = {"role": "assistant", "content": message.get("content") or ""}
                if message.get("tool_calls"):
                    delta["tool_calls"] = [dict(tc, index=i) for i, tc in enumerate(message["tool_calls"])]
                chunks = [
                    {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                    {"choices": [{"index": 0, "delta": {}, "finish_reason": body["choices"][0]["finish_reason"]}]},
                ]
                for chunk in chunks:
                    chunk.update(
                        id=body["id"], object="chat.completion.chunk", created=body["created"], model=body["model"]
                    )
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

        return Handler

    def start(self) -> FakeLLM:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
