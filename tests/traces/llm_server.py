"""A real OpenAI- and Anthropic-compatible HTTP server on 127.0.0.1 for capture tests (stdlib ``http.server``).

Answers deterministically: with tools offered it calls the first tool with ``{"queue": "billing"}``; otherwise it
answers ``"echo: <last user text>"``. ``model="fail"`` answers HTTP 400. ``stream: true`` answers server-sent events.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOOL_ARGS = '{"queue": "billing"}'


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content)
    return ""


def _pieces(text: str, n: int = 3) -> list[str]:
    step = max(1, len(text) // n)
    return [text[i : i + step] for i in range(0, len(text), step)]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that hangs up mid-stream is expected
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LLMServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LLMServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: list[tuple[str | None, dict[str, Any] | str]]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                for name, body in events:
                    text = body if isinstance(body, str) else json.dumps(body)
                    head = f"event: {name}\n" if name else ""
                    self.wfile.write(f"{head}data: {text}\n\n".encode())
                    self.wfile.flush()
                self.close_connection = True

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                path = self.path.split("?")[0].rstrip("/")
                outer.requests.append((path, body))
                if body.get("model") == "fail":
                    self._json(
                        400, {"error": {"message": "model 'fail' does not exist", "type": "invalid_request_error"}}
                    )
                elif path.endswith("/chat/completions"):
                    self._chat(body)
                elif path.endswith("/responses"):
                    self._responses(body)
                elif path.endswith("/messages"):
                    self._anthropic(body)
                else:
                    self._json(404, {"error": {"message": f"no route {path}"}})

            # ---- OpenAI chat ------------------------------------------------------------------------------------------
            def _chat(self, body: dict[str, Any]) -> None:
                text = "echo: " + _last_user_text(body.get("messages") or [])
                tools = body.get("tools") or []
                usage = {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
                base = {"id": "chatcmpl-test", "created": 1730455200, "model": body.get("model")}
                if not body.get("stream"):
                    message: dict[str, Any] = {"role": "assistant", "content": None if tools else text}
                    if tools:
                        name = tools[0]["function"]["name"]
                        message["tool_calls"] = [
                            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": TOOL_ARGS}}
                        ]
                    choice = {"index": 0, "message": message, "finish_reason": "tool_calls" if tools else "stop"}
                    self._json(200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage})
                    return
                chunk = {**base, "object": "chat.completion.chunk"}
                events: list[tuple[str | None, Any]] = []
                if tools:
                    name = tools[0]["function"]["name"]
                    first = {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                    events.append(
                        (
                            None,
                            {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [first]}}]},
                        )
                    )
                    for piece in _pieces(TOOL_ARGS):
                        delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                        events.append((None, {**chunk, "choices": [{"index": 0, "delta": delta}]}))
                    finish = "tool_calls"
                else:
                    for piece in _pieces(text):
                        events.append((None, {**chunk, "choices": [{"index": 0, "delta": {"content": piece}}]}))
                    finish = "stop"
                events.append((None, {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}))
                if (body.get("stream_options") or {}).get("include_usage"):
                    events.append((None, {**chunk, "choices": [], "usage": usage}))
                events.append((None, "[DONE]"))
                self._sse(events)

            # ---- OpenAI responses ---------------------------------------------------------------------------------------
            def _responses(self, body: dict[str, Any]) -> None:
                items = body.get("input")
                text = "echo: " + (items if isinstance(items, str) else _last_user_text(items or []))
                response = {
                    "id": "resp_test",
                    "object": "response",
                    "created_at": 1730455200,
                    "model": body.get("model"),
                    "status": "completed",
                    "output": [
                        {
                            "type": "message",
                            "id": "msg_1",
                            "role": "assistant",
                            "status": "completed",
                            "content": [{"type": "output_text", "text": text, "annotations": []}],
                        }
                    ],
                    "parallel_tool_calls": True,
                    "tool_choice": "auto",
                    "tools": [],
                    "usage": {
                        "input_tokens": 9,
                        "output_tokens": 4,
                        "total_tokens": 13,
                        "input_tokens_details": {"cached_tokens": 0},
                        "output_tokens_details": {"reasoning_tokens": 0},
                    },
                }
                if not body.get("stream"):
                    self._json(200, response)
                    return
                created = {**response, "status": "in_progress", "output": []}
                events = [
                    ("response.created", {"type": "response.created", "sequence_number": 0, "response": created}),
                    ("response.completed", {"type": "response.completed", "sequence_number": 1, "response": response}),
                ]
                self._sse(events)

            # ---- Anthropic messages --------------------------------------------------------------------------------------
            def _anthropic(self, body: dict[str, Any]) -> None:
                tools = body.get("tools") or []
                text = "echo: " + _last_user_text(body.get("messages") or [])
                usage = {"input_tokens": 21, "output_tokens": 6}
                if tools:
                    content = [
                        {"type": "tool_use", "id": "toolu_1", "name": tools[0]["name"], "input": json.loads(TOOL_ARGS)}
                    ]
                    stop = "tool_use"
                else:
                    content = [{"type": "text", "text": text}]
                    stop = "end_turn"
                message = {
                    "id": "msg_test",
                    "type": "message",
                    "role": "assistant",
                    "model": body.get("model"),
                    "stop_sequence": None,
                }
                if not body.get("stream"):
                    self._json(200, {**message, "content": content, "stop_reason": stop, "usage": usage})
                    return
                start = {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 21, "output_tokens": 1},
                }
                events: list[tuple[str | None, Any]] = [("message_start", {"type": "message_start", "message": start})]
                if tools:
                    block = {**content[0], "input": {}}
                    events.append(
                        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block})
                    )
                    for piece in _pieces(TOOL_ARGS):
                        delta = {"type": "input_json_delta", "partial_json": piece}
                        events.append(
                            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
                        )
                else:
                    block = {"type": "text", "text": ""}
                    events.append(
                        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block})
                    )
                    for piece in _pieces(text):
                        delta = {"type": "text_delta", "text": piece}
                        events.append(
                            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
                        )
                events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
                events.append(
                    (
                        "message_delta",
                        {
                            "type": "message_delta",
                            "delta": {"stop_reason": stop, "stop_sequence": None},
                            "usage": {"output_tokens": 6},
                        },
                    )
                )
                events.append(("message_stop", {"type": "message_stop"}))
                self._sse(events)

        return Handler
