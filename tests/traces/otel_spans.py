"""An OTel GenAI instrumentation stand-in for tests: wraps ``Completions.create`` and writes one OTLP-style span per
call, with the code location an SDK that records call locations gives (file, current line, qualified function name).

``pick(frame)`` says whether a frame of the caller's stack belongs to the agent; the span takes the innermost such
frame, or the outermost with ``outermost=True``. ``prefix`` is put before the function's qualified name (its module).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType


class OTelSpans:
    def __init__(self, out: Path, pick: Callable[[FrameType], bool], prefix: str, outermost: bool = False) -> None:
        self.out, self.pick, self.prefix, self.outermost = out, pick, prefix, outermost
        self.n = 0

    def __enter__(self) -> OTelSpans:
        from openai.resources.chat.completions.completions import Completions

        self.owner, self.original = Completions, Completions.create
        spans = self

        def create(client_self, *args, **kwargs):
            frame, found = sys._getframe(1), None
            while frame is not None and (found is None or spans.outermost):
                if spans.pick(frame):
                    found = frame
                frame = frame.f_back
            response = spans.original(client_self, *args, **kwargs)
            spans.write(kwargs, response, found)
            return response

        Completions.create = create
        return self

    def __exit__(self, *exc: object) -> None:
        self.owner.create = self.original

    def write(self, request: dict, response, frame: FrameType) -> None:
        self.n += 1
        choice = response.choices[0]
        parts = [{"role": m["role"], "parts": [{"type": "text", "content": m["content"]}]} for m in request["messages"]]
        answer = [{"role": "assistant", "parts": [{"type": "text", "content": choice.message.content}]}]
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": request["model"],
            "gen_ai.response.model": response.model,
            "gen_ai.input.messages": json.dumps(parts),
            "gen_ai.output.messages": json.dumps(answer),
            "gen_ai.response.finish_reasons": [choice.finish_reason],
            "code.file.path": frame.f_code.co_filename,
            "code.line.number": frame.f_lineno,
            "code.function.name": f"{self.prefix}.{frame.f_code.co_qualname}",
        }
        span = {
            "traceId": f"{self.n:032x}",
            "spanId": f"{self.n:016x}",
            "name": f"chat {request['model']}",
            "kind": 3,
            "startTimeUnixNano": str(1_731_000_000_000_000_000 + self.n),
            "endTimeUnixNano": str(1_731_000_000_100_000_000 + self.n),
            "attributes": attrs,
        }
        with open(self.out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(span) + "\n")
