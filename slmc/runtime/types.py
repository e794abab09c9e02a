"""Plain data passed between the router, API shapes and backends (stdlib only)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SLMRequest:
    """A request to an SLM in OpenAI chat form (what every backend accepts)."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)  # OpenAI chat tool shape
    tool_choice: Any = None
    response_format: dict[str, Any] | None = None
    max_tokens: int | None = None
    temperature: float = 0.0
    stop: Any = None
    logprobs: bool = False  # ask for token log-probs (a confidence threshold is set)
    model: str | None = None  # the model the agent asked for (logged, never sent)
    params: dict[str, Any] = field(default_factory=dict)  # the agent's other request options (logged)


@dataclass(frozen=True)
class Answer:
    """An answer in a neutral form: text or tool calls (``arguments`` a JSON string), plus what the server reported."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "name", "arguments"}]
    finish_reason: str | None = "stop"
    confidence: float | None = None  # mean token log-prob, or the classifier's top-class log-prob
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None

    def replace(self, **changes: Any) -> Answer:
        return dataclasses.replace(self, **changes)


class EndpointError(Exception):
    """The SLM endpoint failed; ``reason`` is the fallback reason (timeout, http-5xx, connection, invalid-json, ...)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class UnsupportedRequest(Exception):
    """The request cannot be served by an SLM (images, n > 1, a streaming shape the router does not rebuild)."""
