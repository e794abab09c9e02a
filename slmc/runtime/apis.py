"""API shapes: turn the agent's original call into an SLM request, and an SLM answer back into what the agent expects.

| api | request read from | answer returned |
|---|---|---|
| ``openai.chat`` | ``messages``, ``tools``, ``tool_choice``, ``response_format``, ``max_tokens``/``max_completion_tokens``, ``stop`` | ``openai.types.chat.ChatCompletion`` (or a light look-alike when openai is not installed); with ``stream=True`` an iterator of ``ChatCompletionChunk``: one delta with the whole answer, then one with ``finish_reason`` (and a usage chunk when ``stream_options.include_usage``) |
| ``litellm.completion`` | as ``openai.chat`` (``model``, ``messages`` may be positional) | ``litellm.ModelResponse`` when litellm is loaded, else the look-alike (attribute and item access); streaming falls back |
| ``openai.responses`` | ``input`` (text or items), ``instructions``, ``tools``, ``text.format``, ``max_output_tokens`` | ``openai.types.responses.Response`` (``output_text`` works); streaming falls back |
| ``anthropic.messages`` | ``system`` + ``messages`` (text, tool_use, tool_result blocks), ``tools``, ``max_tokens`` | ``anthropic.types.Message``; streaming falls back |
| ``openai.completions`` | ``prompt`` (one string) sent as one user message | ``openai.types.Completion``; streaming falls back |
| ``text`` | the wrapper's arguments, through the site's ``prompt_template`` | ``str`` |

SDK types are imported on first use only; images, audio and ``n > 1`` raise ``UnsupportedRequest`` (the call falls back).
"""

from __future__ import annotations

import importlib
import inspect
import json
import string
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from slmc.runtime.types import Answer, SLMRequest, UnsupportedRequest
from slmc.traces.record import content_text

_TEXT_PARTS = {"text", "input_text", "output_text"}
_SDK_TYPES: dict[str, Any] = {}
_MISSING = object()


# ---- helpers ----------------------------------------------------------------------------------------------------------
def given(value: Any) -> bool:
    """False for None and the SDKs' ``NOT_GIVEN``/``omit`` sentinels."""
    return value is not None and type(value).__name__ not in ("NotGiven", "Omit")


def get(obj: Any, key: str, default: Any = None) -> Any:
    """Attribute or item access, whichever the object supports."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def sdk_type(dotted: str) -> Any:
    """``module:Class`` imported once; None when the package is not installed."""
    cached = _SDK_TYPES.get(dotted, _MISSING)
    if cached is not _MISSING:
        return cached
    module, _, name = dotted.partition(":")
    try:
        value = getattr(importlib.import_module(module), name)
    except Exception:  # an SDK that is missing or broken must not break routing
        value = None
    _SDK_TYPES[dotted] = value
    return value


# The SDK types each API's answers are built as. Importing an SDK can take seconds: ``preload`` does it at warm-up,
# not inside the first served request (where, in async code, it held up every call in flight past its deadline).
API_TYPES: dict[str, tuple[str, ...]] = {
    "openai.chat": ("openai.types.chat:ChatCompletion", "openai.types.chat:ChatCompletionChunk"),
    "litellm.completion": ("litellm:ModelResponse", "openai.types.chat:ChatCompletion"),
    "openai.completions": ("openai.types:Completion",),
    "openai.responses": ("openai.types.responses:Response",),
    "anthropic.messages": ("anthropic.types:Message",),
}


def preload(apis: Iterable[str], imported_only: bool = False) -> None:
    """Resolve the SDK types of ``apis`` now; with ``imported_only``, only those of SDKs imported already (cheap)."""
    for api in apis:
        for dotted in API_TYPES.get(api, ()):
            if not imported_only or dotted.partition(".")[0].partition(":")[0] in sys.modules:
                sdk_type(dotted)


class Record(dict):
    """A light stand-in for SDK objects: attribute and item access, ``model_dump()``, ``to_dict()``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return _plain(self)

    def model_dump_json(self, **_: Any) -> str:
        return json.dumps(_plain(self))

    to_dict = model_dump


def record(value: Any) -> Any:
    if isinstance(value, dict):
        return Record({k: record(v) for k, v in value.items()})
    if isinstance(value, list):
        return [record(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _build(dotted: str, body: dict[str, Any], optional: tuple[str, ...] = ()) -> Any:
    """The SDK type validated from ``body``; retried without the ``optional`` keys (SDK versions differ in what
    they require inside them), else the light ``Record``."""
    cls = sdk_type(dotted)
    if cls is not None:
        for candidate in (body, {k: v for k, v in body.items() if k not in optional}) if optional else (body,):
            try:
                return cls.model_validate(candidate)
            except Exception:  # an SDK version with other required fields: stay usable
                continue
    return record(body)


def _text_of(content: Any) -> str:
    """Text of a message content; images, audio and files are unsupported."""
    if isinstance(content, list):
        for part in content:
            kind = get(part, "type")
            if kind is not None and kind not in _TEXT_PARTS:
                raise UnsupportedRequest(f"{kind} content")
    return content_text(content)


def _chat_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list | tuple) or not messages:
        raise UnsupportedRequest("no messages")
    out = []
    for message in messages:
        role = get(message, "role")
        item: dict[str, Any] = {"role": role, "content": _text_of(get(message, "content"))}
        calls = get(message, "tool_calls")
        if calls:
            item["tool_calls"] = [_plain_obj(c) for c in calls]
            if not item["content"]:
                item["content"] = None
        if get(message, "tool_call_id"):
            item["tool_call_id"] = get(message, "tool_call_id")
        out.append(item)
    return out


def _plain_obj(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    return _plain(value) if isinstance(value, dict | list) else value


def _response_format(value: Any) -> dict[str, Any] | None:
    if not given(value):
        return None
    if isinstance(value, type) and hasattr(value, "model_json_schema"):  # a pydantic model class (parse helpers)
        return {"type": "json_schema", "json_schema": {"name": value.__name__, "schema": value.model_json_schema()}}
    return _plain_obj(value)


def request_schema(req: SLMRequest) -> Any:
    """The JSON schema named by the request's ``response_format``, if any."""
    fmt = req.response_format or {}
    return (fmt.get("json_schema") or {}).get("schema") if isinstance(fmt, dict) else None


def _options(kwargs: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for key, value in kwargs.items():
        if key in skip or not given(value):
            continue
        out[key] = value if isinstance(value, str | int | float | bool) else _plain_obj(value)
    return out


# ---- requests ---------------------------------------------------------------------------------------------------------
def build_request(
    api: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], site: Any
) -> SLMRequest:
    """The SLM request equivalent to ``fn(*args, **kwargs)`` for the given API shape."""
    builder = _REQUEST_BUILDERS.get(api)
    if builder is None:
        raise UnsupportedRequest(f"api {api!r}")
    if given(kwargs.get("n")) and kwargs.get("n") != 1:
        raise UnsupportedRequest("n > 1")
    return builder(fn, args, kwargs, site)


def _openai_chat(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], site: Any) -> SLMRequest:
    if args:
        raise UnsupportedRequest("positional arguments")
    for key in ("audio", "modalities", "prediction"):
        if given(kwargs.get(key)):
            raise UnsupportedRequest(key)
    return _chat_request(kwargs, kwargs.get("messages"))


def _litellm(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], site: Any) -> SLMRequest:
    kwargs = dict(kwargs)
    for name, value in zip(("model", "messages"), args, strict=False):
        kwargs.setdefault(name, value)
    if given(kwargs.get("stream")) and kwargs.get("stream"):
        raise UnsupportedRequest("litellm streaming")
    return _chat_request(kwargs, kwargs.get("messages"))


def _chat_request(kwargs: dict[str, Any], messages: Any) -> SLMRequest:
    max_tokens = kwargs.get("max_completion_tokens")
    if not given(max_tokens):
        max_tokens = kwargs.get("max_tokens")
    tools = kwargs.get("tools")
    return SLMRequest(
        messages=_chat_messages(messages),
        tools=[_plain_obj(t) for t in tools] if given(tools) else [],
        tool_choice=_plain_obj(kwargs["tool_choice"]) if given(kwargs.get("tool_choice")) else None,
        response_format=_response_format(kwargs.get("response_format")),
        max_tokens=int(max_tokens) if given(max_tokens) else None,
        stop=kwargs.get("stop") if given(kwargs.get("stop")) else None,
        model=str(kwargs.get("model")) if given(kwargs.get("model")) else None,
        params=_options(kwargs, ("messages", "tools", "model", "stream_options", "extra_headers", "timeout")),
    )


def _openai_responses(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], site: Any) -> SLMRequest:
    if given(kwargs.get("stream")) and kwargs.get("stream"):
        raise UnsupportedRequest("responses streaming")
    if given(kwargs.get("previous_response_id")) or given(kwargs.get("conversation")):
        raise UnsupportedRequest("server-side conversation state")
    messages: list[dict[str, Any]] = []
    if given(kwargs.get("instructions")):
        messages.append({"role": "system", "content": str(kwargs["instructions"])})
    items = kwargs.get("input")
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
    elif isinstance(items, list | tuple):
        for item in items:
            kind = get(item, "type")
            if kind == "function_call":
                call = {"id": get(item, "call_id"), "type": "function"}
                call["function"] = {"name": get(item, "name"), "arguments": get(item, "arguments")}
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            elif kind == "function_call_output":
                messages.append(
                    {"role": "tool", "tool_call_id": get(item, "call_id"), "content": str(get(item, "output"))}
                )
            elif kind in (None, "message"):
                messages.append({"role": get(item, "role"), "content": _text_of(get(item, "content"))})
            else:
                raise UnsupportedRequest(f"{kind} input item")
    if not messages:
        raise UnsupportedRequest("no input")
    tools = []
    for tool in kwargs.get("tools") or []:
        if get(tool, "type") != "function":
            raise UnsupportedRequest(f"{get(tool, 'type')} tool")
        tools.append({"type": "function", "function": {k: get(tool, k) for k in ("name", "description", "parameters")}})
    fmt = get(kwargs.get("text") or {}, "format") if given(kwargs.get("text")) else None
    response_format = None
    if fmt and get(fmt, "type") == "json_schema":
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": get(fmt, "name"), "schema": get(fmt, "schema")},
        }
    elif fmt and get(fmt, "type") == "json_object":
        response_format = {"type": "json_object"}
    max_tokens = kwargs.get("max_output_tokens")
    return SLMRequest(
        messages=messages,
        tools=tools,
        response_format=response_format,
        max_tokens=int(max_tokens) if given(max_tokens) else None,
        model=str(kwargs.get("model")) if given(kwargs.get("model")) else None,
        params=_options(kwargs, ("input", "instructions", "tools", "model", "extra_headers", "timeout")),
    )


def _anthropic(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], site: Any) -> SLMRequest:
    if given(kwargs.get("stream")) and kwargs.get("stream"):
        raise UnsupportedRequest("anthropic streaming")
    messages: list[dict[str, Any]] = []
    system = kwargs.get("system")
    if given(system):
        messages.append({"role": "system", "content": _text_of(system)})
    for message in kwargs.get("messages") or []:
        role, content = get(message, "role"), get(message, "content")
        if isinstance(content, str):
            messages.append({"role": role, "content": content})
            continue
        text, calls = [], []
        for block in content or []:
            kind = get(block, "type")
            if kind == "text":
                text.append(str(get(block, "text")))
            elif kind == "tool_use":
                arguments = json.dumps(get(block, "input") or {}, ensure_ascii=False)
                calls.append(
                    {
                        "id": get(block, "id"),
                        "type": "function",
                        "function": {"name": get(block, "name"), "arguments": arguments},
                    }
                )
            elif kind == "tool_result":
                result = get(block, "content")
                messages.append(
                    {"role": "tool", "tool_call_id": get(block, "tool_use_id"), "content": _text_of(result)}
                )
            else:
                raise UnsupportedRequest(f"{kind} block")
        if text or calls:
            item: dict[str, Any] = {"role": role, "content": "".join(text) or None}
            if calls:
                item["tool_calls"] = calls
            messages.append(item)
    if not messages:
        raise UnsupportedRequest("no messages")
    tools = [
        {
            "type": "function",
            "function": {
                "name": get(t, "name"),
                "description": get(t, "description"),
                "parameters": get(t, "input_schema"),
            },
        }
        for t in kwargs.get("tools") or []
    ]
    max_tokens = kwargs.get("max_tokens")
    return SLMRequest(
        messages=messages,
        tools=tools,
        max_tokens=int(max_tokens) if given(max_tokens) else None,
        stop=kwargs.get("stop_sequences") if given(kwargs.get("stop_sequences")) else None,
        model=str(kwargs.get("model")) if given(kwargs.get("model")) else None,
        params=_options(kwargs, ("messages", "system", "tools", "model", "extra_headers", "timeout")),
    )


def _openai_completions(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], site: Any) -> SLMRequest:
    prompt = kwargs.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise UnsupportedRequest("prompt is not one string")
    if given(kwargs.get("stream")) and kwargs.get("stream"):
        raise UnsupportedRequest("completions streaming")
    max_tokens = kwargs.get("max_tokens")
    return SLMRequest(
        messages=[{"role": "user", "content": prompt}],
        max_tokens=int(max_tokens) if given(max_tokens) else None,
        stop=kwargs.get("stop") if given(kwargs.get("stop")) else None,
        model=str(kwargs.get("model")) if given(kwargs.get("model")) else None,
        params=_options(kwargs, ("prompt", "model", "extra_headers", "timeout")),
    )


def _text(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], site: Any) -> SLMRequest:
    values = _bind(fn, args, kwargs)
    template = getattr(site, "prompt_template", None)
    if template is None:
        parts = [str(v) for v in values.values() if isinstance(v, str | int | float)]
        if not parts:
            raise UnsupportedRequest("no text arguments and no prompt_template")
        params = {"wrapper_args": {k: _loggable(v) for k, v in values.items()}}
        return SLMRequest(messages=[{"role": "user", "content": "\n".join(parts)}], params=params)
    if isinstance(template, str):
        template = [{"role": "user", "content": template}]
    try:
        messages = [
            {"role": str(m["role"]), "content": _Formatter().format(str(m["content"]), **values)} for m in template
        ]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise UnsupportedRequest(f"prompt_template does not fit the arguments: {exc!r}") from None
    return SLMRequest(messages=messages, params={"wrapper_args": {k: _loggable(v) for k, v in values.items()}})


class _Formatter(string.Formatter):
    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:  # no attribute/index access in templates
        if not field_name.isidentifier():
            raise KeyError(field_name)
        return super().get_field(field_name, args, kwargs)


def _bind(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    bound.apply_defaults()
    return dict(bound.arguments)


def _loggable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)[:200]


_REQUEST_BUILDERS: dict[str, Callable[..., SLMRequest]] = {
    "openai.chat": _openai_chat,
    "litellm.completion": _litellm,
    "openai.responses": _openai_responses,
    "anthropic.messages": _anthropic,
    "openai.completions": _openai_completions,
    "text": _text,
}


# ---- answers ----------------------------------------------------------------------------------------------------------
def build_response(
    api: str, answer: Answer, req: SLMRequest, *, stream: bool = False, stream_usage: bool = False
) -> Any:
    """The SLM answer in the shape the agent's code expects for ``api``."""
    if api == "text":
        return answer.content if answer.content is not None else _tool_text(answer)
    model = answer.model or "slmc"
    usage = (answer.prompt_tokens, answer.completion_tokens)
    if api in ("openai.chat", "litellm.completion"):
        body = chat_body(answer, model)
        if stream:
            return ChunkStream(chat_chunks(body, stream_usage))
        if api == "litellm.completion" and "litellm" in sys.modules:
            cls = sdk_type("litellm:ModelResponse")
            if cls is not None:
                return cls(**body)
        if api == "litellm.completion":
            return record(body)
        return _build("openai.types.chat:ChatCompletion", body, optional=("usage", "system_fingerprint"))
    if api == "openai.completions":
        choice = {
            "index": 0,
            "text": answer.content or _tool_text(answer),
            "finish_reason": _finish(answer),
            "logprobs": None,
        }
        body = {
            "id": _id("cmpl"),
            "object": "text_completion",
            "created": int(time.time()),
            "model": model,
            "choices": [choice],
        }
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
        return _build("openai.types:Completion", body, optional=("usage",))
    if api == "openai.responses":
        body = responses_body(answer, model)
        built = _build("openai.types.responses:Response", body, optional=("usage",))
        if isinstance(built, Record):
            built["output_text"] = answer.content or ""
        return built
    if api == "anthropic.messages":
        return _build("anthropic.types:Message", anthropic_body(answer, model), optional=("usage",))
    raise UnsupportedRequest(f"api {api!r}")


def _id(prefix: str) -> str:
    return f"{prefix}-slmc{uuid.uuid4().hex[:20]}"


def _finish(answer: Answer) -> str:
    if answer.tool_calls:
        return "tool_calls"
    return "length" if answer.finish_reason == "length" else "stop"


def _tool_text(answer: Answer) -> str:
    return json.dumps([{"name": c["name"], "arguments": c["arguments"]} for c in answer.tool_calls], ensure_ascii=False)


def chat_body(answer: Answer, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.content}
    if answer.tool_calls:
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": c.get("id") or _id("call"),
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for c in answer.tool_calls
        ]
    return {
        "id": _id("chatcmpl"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "slmc",
        "choices": [{"index": 0, "message": message, "finish_reason": _finish(answer), "logprobs": None}],
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        },
    }


def chat_chunks(body: dict[str, Any], include_usage: bool) -> list[Any]:
    """``ChatCompletionChunk``s carrying a whole answer: the delta, the finish reason, optionally the usage."""
    head = {k: body[k] for k in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"
    choice = body["choices"][0]
    message = choice["message"]
    delta: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
    bodies = [
        {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}]},
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"], "logprobs": None}]},
    ]
    if include_usage:
        bodies.append({**head, "choices": [], "usage": body["usage"]})
    return [_build("openai.types.chat:ChatCompletionChunk", b) for b in bodies]


class ChunkStream:
    """What a streamed SLM answer looks like to SDK code: iterable (sync and async), closable, a context manager."""

    def __init__(self, chunks: list[Any]) -> None:
        self._chunks = chunks
        self._iter = iter(chunks)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return next(self._iter)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._iter)
        except StopIteration:
            raise StopAsyncIteration from None

    def close(self) -> None:
        self._iter = iter(())

    async def aclose(self) -> None:
        self.close()

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self) -> ChunkStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


def responses_body(answer: Answer, model: str) -> dict[str, Any]:
    if answer.tool_calls:
        output = [
            {
                "type": "function_call",
                "id": _id("fc"),
                "call_id": c.get("id") or _id("call"),
                "name": c["name"],
                "arguments": c["arguments"],
                "status": "completed",
            }
            for c in answer.tool_calls
        ]
    else:
        content = [{"type": "output_text", "text": answer.content or "", "annotations": []}]
        output = [{"type": "message", "id": _id("msg"), "status": "completed", "role": "assistant", "content": content}]
    return {
        "id": _id("resp"),
        "object": "response",
        "created_at": int(time.time()),
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "status": "incomplete" if answer.finish_reason == "length" else "completed",
        "usage": {
            "input_tokens": answer.prompt_tokens,
            "output_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def anthropic_body(answer: Answer, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if answer.content:
        content.append({"type": "text", "text": answer.content})
    for call in answer.tool_calls:
        try:
            arguments = json.loads(call["arguments"] or "{}")
        except json.JSONDecodeError:
            arguments = {}
        content.append(
            {"type": "tool_use", "id": call.get("id") or _id("toolu"), "name": call["name"], "input": arguments}
        )
    stop = "tool_use" if answer.tool_calls else ("max_tokens" if answer.finish_reason == "length" else "end_turn")
    return {
        "id": _id("msg"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": answer.prompt_tokens, "output_tokens": answer.completion_tokens},
    }


# ---- reading the LLM's own answer (shadow scoring, logs) -----------------------------------------------------------------
def answer_from_result(api: str, result: Any) -> Answer | None:
    """The LLM's answer as an ``Answer`` with the token usage the result reports (what the router log costs calls
    by); None when it cannot be read without consuming it (streams)."""
    answer = _answer_of(api, result)
    if answer is None or api == "text":
        return answer
    try:
        usage = get(result, "usage")
        tokens_in = get(usage, "prompt_tokens", None) if usage is not None else None
        tokens_out = get(usage, "completion_tokens", None) if usage is not None else None
        if tokens_in is None and usage is not None:  # responses / anthropic spell them input / output
            tokens_in, tokens_out = get(usage, "input_tokens", None), get(usage, "output_tokens", None)
    except (AttributeError, TypeError):
        return answer
    counts = [n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0 for n in (tokens_in, tokens_out)]
    return answer.replace(prompt_tokens=counts[0], completion_tokens=counts[1]) if any(counts) else answer


def _answer_of(api: str, result: Any) -> Answer | None:
    try:
        if api == "text":
            return Answer(content=result if isinstance(result, str) else str(result))
        if api in ("openai.chat", "litellm.completion"):
            choices = get(result, "choices")
            if not choices:
                return None
            message = get(choices[0], "message")
            calls = []
            for call in get(message, "tool_calls") or []:
                fn = get(call, "function")
                calls.append({"id": get(call, "id"), "name": get(fn, "name"), "arguments": get(fn, "arguments")})
            return Answer(
                content=get(message, "content"), tool_calls=calls, finish_reason=get(choices[0], "finish_reason")
            )
        if api == "openai.completions":
            choices = get(result, "choices")
            return Answer(content=get(choices[0], "text")) if choices else None
        if api == "openai.responses":
            calls, text = [], []
            for item in get(result, "output") or []:
                if get(item, "type") == "function_call":
                    calls.append(
                        {"id": get(item, "call_id"), "name": get(item, "name"), "arguments": get(item, "arguments")}
                    )
                elif get(item, "type") == "message":
                    text.extend(str(get(p, "text") or "") for p in get(item, "content") or [])
            return Answer(content="".join(text) if text else None, tool_calls=calls)
        if api == "anthropic.messages":
            calls, text = [], []
            for block in get(result, "content") or []:
                if get(block, "type") == "tool_use":
                    arguments = json.dumps(get(block, "input") or {}, ensure_ascii=False)
                    calls.append({"id": get(block, "id"), "name": get(block, "name"), "arguments": arguments})
                elif get(block, "type") == "text":
                    text.append(str(get(block, "text")))
            return Answer(content="".join(text) if text else None, tool_calls=calls)
    except (AttributeError, IndexError, KeyError, TypeError):
        return None
    return None
