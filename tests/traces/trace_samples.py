"""One valid record per supported trace format (several shapes for the formats that have them), for the hostile-input
tests: each one ingests to one LLM call as it is."""

from __future__ import annotations

import json
from typing import Any

SITE = "llm:classify@agent.py:20"

SLMC = {
    "id": "r1",
    "source": "slmc",
    "provider": "openai",
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "Classify the ticket into one of: billing, shipping."},
        {"role": "user", "content": "refund please, mail me at olga@example.org"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "order 12"}]},
    ],
    "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
    "params": {"temperature": 0, "max_tokens": 5},
    "output": "billing",
    "tool_calls": [{"name": "route", "arguments": {"queue": "billing"}}],
    "finish_reason": "stop",
    "input_tokens": 12,
    "output_tokens": 1,
    "latency_ms": 120.5,
    "timestamp": 1730455200.0,
    "site_id": SITE,
    "stack": [{"path": "/proj/agent.py", "line": 21, "function": "classify", "end_line": 0}],
    "workload": "classify",
    "trace_id": "t1",
    "span_id": "s1",
    "label": "billing",
    "meta": {"origin": "x.jsonl:1", "code.filepath": "agent.py", "code.lineno": 20},
}

OPENAI_CHAT = {
    "id": "o1",
    "latency_ms": 80,
    "timestamp": "2026-11-01T10:00:00Z",
    "site_id": SITE,
    "error": None,
    "request": {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Route the ticket."},
            {"role": "user", "content": [{"type": "text", "text": "refund please"}, {"type": "image_url"}]},
            {"role": "assistant", "content": None, "function_call": {"name": "route", "arguments": "{}"}},
        ],
        "tools": [{"type": "function", "function": {"name": "route", "parameters": {"type": "object"}}}],
        "temperature": 0,
    },
    "response": {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1730455200,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "route", "arguments": "{}"}}],
                },
            },
            {"index": 1, "message": {"content": "x"}},
        ],
        "usage": {"prompt_tokens": 58, "completion_tokens": 9},
    },
}

OPENAI_RESPONSES = {
    "request": {
        "model": "gpt-4.1-mini",
        "instructions": "Answer briefly.",
        "input": [
            {"type": "message", "role": "user", "content": "2+2?"},
            {"type": "function_call", "call_id": "c1", "name": "calc", "arguments": '{"x": 2}'},
            {"type": "function_call_output", "call_id": "c1", "output": "4"},
        ],
    },
    "response": {
        "id": "resp_1",
        "object": "response",
        "created_at": 1730455200,
        "status": "completed",
        "output": [
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "4"}]},
            {"type": "function_call", "name": "calc", "arguments": '{"x": 1}'},
        ],
        "usage": {"input_tokens": 11, "output_tokens": 1},
    },
}

OPENAI_BATCH = {
    "custom_id": "b1",
    "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    "response": {"status_code": 200, "body": {"choices": [{"message": {"content": "hello"}}]}},
}

OPENAI_FT = {
    "messages": [
        {"role": "system", "content": "Classify."},
        {"role": "user", "content": "refund please"},
        {"role": "assistant", "content": "billing", "weight": 1},
    ],
    "tools": [{"type": "function", "function": {"name": "route"}}],
    "model": "gpt-4o-mini",
}

ANTHROPIC = {
    "id": "a1",
    "latency_ms": 30,
    "timestamp": 1730455200,
    "request": {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "system": [{"type": "text", "text": "Route the ticket."}],
        "messages": [
            {"role": "user", "content": "refund please"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "route", "input": {"q": 1}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]},
        ],
        "tools": [{"name": "route", "input_schema": {"type": "object", "properties": {"queue": {"type": "string"}}}}],
    },
    "response": {
        "id": "msg_1",
        "type": "message",
        "model": "claude-sonnet-4-5",
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "routing"},
            {"type": "tool_use", "id": "toolu_1", "name": "route", "input": {"queue": "billing"}},
        ],
        "usage": {"input_tokens": 50, "output_tokens": 12, "cache_read_input_tokens": 8},
    },
}

FLYWHEEL = {
    "_id": "f1",
    "_source": {
        "timestamp": 1715854074,
        "workload_id": "agent.tool_router",
        "client_id": "demo",
        "request": {"model": "meta/llama-3.1-70b-instruct", "messages": [{"role": "user", "content": "bill?"}]},
        "response": {
            "model": "meta/llama-3.1-70b-instruct",
            "choices": [{"message": {"role": "assistant", "content": "yes"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 120},
        },
    },
}

OTEL_ATTRIBUTES = {
    "traceId": "5b8efff798038103d269b633813fc60c",
    "spanId": "eee19b7ec3c1b174",
    "name": "chat gpt-4o-mini",
    "kind": 3,
    "startTimeUnixNano": "1731000000000000000",
    "endTimeUnixNano": "1731000000800000000",
    "status": {"code": 1, "message": ""},
    "attributes": {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.0,
        "gen_ai.usage.input_tokens": 42,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.system_instructions": [{"type": "text", "content": "Classify the ticket."}],
        "gen_ai.input.messages": [
            {"role": "user", "parts": [{"type": "text", "content": "weather in Oslo?"}]},
            {"role": "assistant", "parts": [{"type": "tool_call", "id": "t1", "name": "w", "arguments": {"c": 1}}]},
            {"role": "tool", "parts": [{"type": "tool_call_response", "id": "t1", "result": {"temp": 3}}]},
        ],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": [
                    {"type": "text", "content": "billing"},
                    {"type": "tool_call", "name": "f", "arguments": "{}"},
                ],
                "finish_reason": "stop",
            }
        ],
        "gen_ai.tool.definitions": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
        "code.filepath": "agent.py",
        "code.lineno": 20,
        "code.function": "Agent.classify",
    },
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "support"}}]},
}

OTEL_EVENTS = {
    "name": "chat claude",
    "context": {"trace_id": "0x1", "span_id": "0x2"},
    "start_time": "2026-11-01T10:00:00.000000Z",
    "end_time": "2026-11-01T10:00:00.500000Z",
    "status": {"status_code": "ERROR", "description": "overloaded"},
    "attributes": [
        {"key": "gen_ai.system", "value": {"stringValue": "anthropic"}},
        {"key": "gen_ai.usage.prompt_tokens", "value": {"intValue": "30"}},
        {"key": "gen_ai.request.max_tokens", "value": {"intValue": 64}},
        {"key": "gen_ai.request.stop", "value": {"arrayValue": {"values": [{"stringValue": "\n"}]}}},
        {
            "key": "gen_ai.request.extra",
            "value": {"kvlistValue": {"values": [{"key": "a", "value": {"doubleValue": 1}}]}},
        },
    ],
    "events": [
        {"name": "gen_ai.system.message", "attributes": {"content": "Be brief."}},
        {"name": "gen_ai.user.message", "attributes": {"gen_ai.event.content": '{"content": "hi", "role": "user"}'}},
        {"name": "gen_ai.choice", "body": {"index": 0, "message": {"content": "hello", "tool_calls": []}}},
        {"name": "gen_ai.content.prompt", "attributes": {"gen_ai.prompt": "legacy prompt"}},
        {"name": "gen_ai.content.completion", "attributes": {"gen_ai.completion": [{"content": "legacy"}]}},
        {"name": "exception", "attributes": {"exception.type": "Timeout", "exception.message": "slow"}},
    ],
}

OPENLLMETRY = {
    "name": "openai.chat",
    "attributes": {
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "Route tickets.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": [{"type": "text", "text": "Classify: refund please"}],
        "gen_ai.prompt.2.role": "assistant",
        "gen_ai.prompt.2.tool_calls": [{"id": "c1", "name": "route", "arguments": "{}"}],
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "billing",
        "gen_ai.completion.0.finish_reason": "tool_calls",
        "gen_ai.completion.0.tool_calls.0.name": "route",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"queue": "billing"}',
        "llm.request.functions.0.name": "route",
        "llm.request.functions.0.parameters": '{"type": "object"}',
        "gen_ai.usage.completion_tokens": 7,
        "llm.usage.total_tokens": 49,
        "traceloop.workflow.name": "support_agent",
        "traceloop.entity.name": "classify_intent",
    },
}

LANGFUSE = {
    "id": "obs_1",
    "traceId": "tr_1",
    "type": "GENERATION",
    "name": "classify_intent",
    "startTime": "2026-11-01T10:00:00Z",
    "endTime": "2026-11-01T10:00:00.8Z",
    "latency": 0.8,
    "model": "gpt-4o-mini",
    "modelParameters": {"temperature": 0},
    "input": {"messages": [{"role": "user", "content": "Classify: refund please"}], "tools": [{"name": "route"}]},
    "output": {"choices": [{"message": {"role": "assistant", "content": "billing"}, "finish_reason": "stop"}]},
    "usage": {"promptTokens": 40},
    "usageDetails": {"input": 42, "output": 7},
    "level": "DEFAULT",
    "metadata": {"k": "v"},
}

LANGSMITH = {
    "id": "r2",
    "name": "ChatAnthropic",
    "run_type": "llm",
    "trace_id": "0f1e",
    "start_time": "2026-11-01T10:00:00.1",
    "end_time": "2026-11-01T10:00:00.9",
    "inputs": {
        "messages": [
            [
                {"lc": 1, "type": "constructor", "id": ["langchain", "SystemMessage"], "kwargs": {"content": "Brief."}},
                {"type": "human", "data": {"content": "weather?"}},
                {"role": "user", "content": "and?"},
            ]
        ]
    },
    "outputs": {
        "generations": [
            [
                {
                    "text": "",
                    "generation_info": {"finish_reason": "tool_calls"},
                    "message": {
                        "lc": 1,
                        "type": "constructor",
                        "id": ["langchain", "AIMessage"],
                        "kwargs": {
                            "content": "",
                            "tool_calls": [{"name": "weather", "args": {"city": "Oslo"}, "id": "t1"}],
                            "usage_metadata": {"input_tokens": 9, "output_tokens": 3},
                        },
                    },
                }
            ]
        ],
        "llm_output": {"token_usage": {"prompt_tokens": 9}},
    },
    "extra": {"invocation_params": {"model": "claude", "temperature": 0}, "metadata": {"ls_provider": "anthropic"}},
    "tags": ["classify_intent"],
}

SAMPLES: dict[str, dict[str, Any]] = {
    "slmc": SLMC,
    "openai": OPENAI_CHAT,
    "openai-responses": OPENAI_RESPONSES,
    "openai-batch": OPENAI_BATCH,
    "openai-ft": OPENAI_FT,
    "anthropic": ANTHROPIC,
    "flywheel": FLYWHEEL,
    "otel": OTEL_ATTRIBUTES,
    "otel-events": OTEL_EVENTS,
    "openllmetry": OPENLLMETRY,
    "langfuse": LANGFUSE,
    "langsmith": LANGSMITH,
}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``value`` a value can be put: each key of each dict and each index of each list, at any depth."""
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out.extend(paths(child, (*prefix, key)))
    return out


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A deep copy of ``value`` with the value at ``path`` replaced by ``new``."""
    copy = json.loads(json.dumps(value))
    if not path:
        return new
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy
