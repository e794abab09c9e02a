"""SLM backends and their registry: one backend per endpoint ``target``.

Built in: ``vllm`` (adapter chosen by ``model=<adapter name>``; a sequence classifier by ``POST /classify``), ``tensorrt-llm`` (``model=<base>`` plus a top-level
``lora_request: {lora_name, lora_int_id, lora_path}``, the ``extra_body`` form trtllm-serve reads), ``llamacpp``
(llama-server, ``lora: [{"id": N, "scale": 1.0}]``), all OpenAI-compatible ``/chat/completions`` over HTTP, and ``hf``
(in-process transformers + peft, imported on first use). ``register_backend(target, factory)`` adds or replaces one;
``InMemoryBackend`` answers from a Python function (tests, benchmarks, custom serving code).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from slmc.runtime.http import transport
from slmc.runtime.manifest import Endpoint, Site
from slmc.runtime.types import Answer, EndpointError, SLMRequest
from slmc.traces.record import content_text


class Backend:
    """Serves SLM requests for one endpoint. Subclasses implement ``complete``; ``acomplete`` defaults to a thread.

    ``timeout`` is the time left (seconds) of the call's whole deadline: answer by then or raise
    ``EndpointError("timeout")``; the router does not use an answer that arrives later. Load models in ``warm_up``,
    never inside ``complete`` (a model not loaded yet: start loading it and raise ``EndpointError("not-ready")``).

    ``inline``: the router calls ``complete`` in the caller's thread, trusting it to keep the deadline (the built-in
    backends do). False (the default for other subclasses): it runs on a watchdog thread and the call goes on without
    it at the deadline.
    """

    inline = False

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def warm_up(self, sites: list[Site], wait: bool = True) -> None:
        """Load what serving ``sites`` needs: before returning when ``wait``, else in the background (raises on a
        failure when ``wait``). Nothing to load by default (HTTP servers load their own models)."""

    def complete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        raise NotImplementedError

    async def acomplete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        return await asyncio.get_running_loop().run_in_executor(None, self.complete, req, site, timeout)


BackendFactory = Callable[[Endpoint], Backend]
_REGISTRY: dict[str, BackendFactory] = {}
_LOCK = threading.Lock()


def register_backend(target: str, factory: BackendFactory) -> None:
    """Serve endpoints whose ``target`` is ``target`` with ``factory(endpoint)`` (replaces an existing one)."""
    with _LOCK:
        _REGISTRY[target] = factory


def unregister_backend(target: str) -> None:
    with _LOCK:
        _REGISTRY.pop(target, None)


def backend_targets() -> list[str]:
    return sorted(_REGISTRY)


def make_backend(endpoint: Endpoint) -> Backend:
    factory = _REGISTRY.get(endpoint.target)
    if factory is None:
        raise KeyError(endpoint.target)
    return factory(endpoint)


# ---- OpenAI-compatible HTTP servers -----------------------------------------------------------------------------------
class OpenAICompatBackend(Backend):
    """POST ``{url}/chat/completions``; subclasses say how the adapter is selected."""

    inline = True  # the transport keeps the deadline

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(endpoint)
        if not endpoint.url:
            raise ValueError(f"endpoint {endpoint.name!r} ({endpoint.target}) needs a url")
        self.url = endpoint.url + "/chat/completions"

    def body(self, req: SLMRequest, site: Site) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model(site), "messages": req.messages, "temperature": req.temperature}
        if req.max_tokens:
            body["max_tokens"] = req.max_tokens
        if req.tools:
            body["tools"] = req.tools
        if req.tool_choice is not None:
            body["tool_choice"] = req.tool_choice
        if req.response_format:
            body["response_format"] = req.response_format
        if req.stop:
            body["stop"] = req.stop
        if req.logprobs:
            body["logprobs"] = True
        self.select_adapter(body, site)
        return body

    def model(self, site: Site) -> str:
        return self.endpoint.model or "default"

    def select_adapter(self, body: dict[str, Any], site: Site) -> None:
        """Add the adapter selection to the request body."""

    def headers(self) -> dict[str, str] | None:
        """``Authorization: Bearer $<api_key_env>`` when the manifest names a key variable and it is set."""
        return auth_headers(self.endpoint)

    def complete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        body = self.body(req, site)
        return parse_chat_completion(transport().post_json(self.url, body, timeout, headers=self.headers()))

    async def acomplete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        body = self.body(req, site)
        return parse_chat_completion(await transport().apost_json(self.url, body, timeout, headers=self.headers()))


def auth_headers(endpoint: Endpoint) -> dict[str, str] | None:
    """The bearer header of an endpoint, read from the environment on every call (never from a file)."""
    if not endpoint.api_key_env:
        return None
    key = os.environ.get(endpoint.api_key_env, "").strip()
    if not key:
        return None
    if any(not (0x21 <= ord(ch) <= 0x7E) for ch in key):  # a header value must stay one header
        raise EndpointError("config", f"{endpoint.api_key_env} holds characters an HTTP header cannot carry")
    return {"Authorization": f"Bearer {key}"}


class VLLMBackend(OpenAICompatBackend):
    """vLLM ``--enable-lora``: every adapter is a model id. A ``classifier-head`` site is a sequence classifier on a
    ``--runner pooling`` server: ``POST /classify`` (at the server root) with the text the in-process classifier
    reads, the label answered, its log-probability as the confidence (as the hf backend computes it)."""

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(endpoint)
        root = endpoint.url or ""
        self.classify_url = (root[: -len("/v1")] if root.endswith("/v1") else root) + "/classify"

    def model(self, site: Site) -> str:
        return site.adapter.name if site.adapter else super().model(site)

    def classify_body(self, req: SLMRequest, site: Site) -> dict[str, Any]:
        return {"model": self.endpoint.model or "default", "input": classifier_text(req)}

    def complete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        if not _classifies(site):
            return super().complete(req, site, timeout)
        body = self.classify_body(req, site)
        return parse_classification(
            transport().post_json(self.classify_url, body, timeout, headers=self.headers()), site
        )

    async def acomplete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        if not _classifies(site):
            return await super().acomplete(req, site, timeout)
        body = self.classify_body(req, site)
        data = await transport().apost_json(self.classify_url, body, timeout, headers=self.headers())
        return parse_classification(data, site)


def _classifies(site: Site) -> bool:
    return site.adapter is not None and site.adapter.kind == "classifier-head"


def classifier_text(req: SLMRequest) -> str:
    """What a sequence classifier reads: the request's non-system message texts, one per line (as in-process)."""
    return "\n".join(
        content_text(m.get("content")) for m in req.messages if m.get("role") not in ("system", "developer")
    )


def parse_classification(data: dict[str, Any], site: Site) -> Answer:
    """A vLLM ``ClassificationResponse`` as an ``Answer``: the label (the contract's label by index when the model
    only knows ``LABEL_i``), confidence the log of its probability; a malformed one is ``invalid-response``."""
    rows = data.get("data")
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        raise EndpointError("invalid-response", "no classification data")
    probs = rows[0].get("probs")
    if not isinstance(probs, list) or not probs or not all(isinstance(p, int | float) for p in probs):
        raise EndpointError("invalid-response", "no class probabilities")
    best = max(range(len(probs)), key=lambda i: probs[i])
    labels = [str(label) for label in site.contract.get("labels") or ()]
    label = rows[0].get("label")
    if not isinstance(label, str) or (labels and label not in labels):
        label = labels[best] if best < len(labels) else str(best)
    usage = data.get("usage") or {}
    return Answer(
        content=label,
        confidence=math.log(probs[best]) if probs[best] > 0 else float("-inf"),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=1,
        model=data.get("model"),
    )


class TensorRTLLMBackend(OpenAICompatBackend):
    """trtllm-serve: the base model by name, the adapter in ``lora_request``."""

    def select_adapter(self, body: dict[str, Any], site: Site) -> None:
        if site.adapter is None:
            return
        if site.adapter.lora_request:  # the bundle's own form, with the path as the server sees it
            body["lora_request"] = site.adapter.lora_request
            return
        body["lora_request"] = {
            "lora_name": site.adapter.name,
            "lora_int_id": site.adapter.int_id,
            "lora_path": site.adapter.path,
        }


class LlamaCppBackend(OpenAICompatBackend):
    """llama-server started with ``--lora`` files: adapters by id, unlisted ones get scale 0."""

    def select_adapter(self, body: dict[str, Any], site: Site) -> None:
        if site.adapter is not None:
            body["lora"] = [{"id": site.adapter.int_id, "scale": 1.0}]


def parse_chat_completion(data: dict[str, Any]) -> Answer:
    """An OpenAI chat completion body as an ``Answer``; a malformed one is an ``invalid-response`` endpoint error."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise EndpointError("invalid-response", "no choices")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise EndpointError("invalid-response", "no message")
    calls = []
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        arguments = fn.get("arguments")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments if arguments is not None else {})
        calls.append({"id": call.get("id"), "name": fn.get("name"), "arguments": arguments})
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise EndpointError("invalid-response", "content is not text")
    usage = data.get("usage") or {}
    return Answer(
        content=content,
        tool_calls=calls,
        finish_reason=choice.get("finish_reason"),
        confidence=mean_logprob(choice.get("logprobs")),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        model=data.get("model"),
    )


def mean_logprob(logprobs: Any) -> float | None:
    """Mean token log-prob from an OpenAI ``logprobs`` object (``content[].logprob``); None when absent."""
    if not isinstance(logprobs, dict):
        return None
    values = [t.get("logprob") for t in logprobs.get("content") or [] if isinstance(t, dict)]
    values = [float(v) for v in values if isinstance(v, int | float)]
    return sum(values) / len(values) if values else None


# ---- in-process -------------------------------------------------------------------------------------------------------
class InMemoryBackend(Backend):
    """Answers from ``answer(request, site) -> Answer`` (or an awaitable for ``aanswer``), in the calling thread
    (an answer after the deadline is not used; a sync ``answer`` cannot be interrupted, so keep it quick)."""

    inline = True

    def __init__(
        self,
        endpoint: Endpoint,
        answer: Callable[[SLMRequest, Site], Answer],
        aanswer: Callable[[SLMRequest, Site], Awaitable[Answer]] | None = None,
    ) -> None:
        super().__init__(endpoint)
        self._answer = answer
        self._aanswer = aanswer

    def complete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        return self._answer(req, site)

    async def acomplete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        if self._aanswer is not None:
            return await self._aanswer(req, site)
        return self._answer(req, site)


def _hf_backend(endpoint: Endpoint) -> Backend:
    from slmc.runtime.hf import HFBackend  # lazy: pulls torch/transformers/peft on first use only

    return HFBackend(endpoint)


register_backend("vllm", VLLMBackend)
register_backend("tensorrt-llm", TensorRTLLMBackend)
register_backend("trtllm", TensorRTLLMBackend)
register_backend("llamacpp", LlamaCppBackend)
register_backend("llama.cpp", LlamaCppBackend)
register_backend("hf", _hf_backend)
