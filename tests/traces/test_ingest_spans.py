"""Round trips of the span and observability formats: OTel GenAI (every generation), OpenLLMetry, Langfuse, LangSmith."""

from __future__ import annotations

import json

from slmc.traces.ingest import IngestReport, detect_format, iter_traces, read_traces


def otlp_attrs(d: dict) -> list[dict]:
    """A plain dict as OTLP key/value attributes."""
    out = []
    for key, value in d.items():
        if isinstance(value, bool):
            v = {"boolValue": value}
        elif isinstance(value, int):
            v = {"intValue": str(value)}
        elif isinstance(value, float):
            v = {"doubleValue": value}
        elif isinstance(value, list):
            v = {"arrayValue": {"values": [{"stringValue": x} for x in value]}}
        else:
            v = {"stringValue": value}
        out.append({"key": key, "value": v})
    return out


NEW_ATTRS = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.request.temperature": 0.0,
    "gen_ai.usage.input_tokens": 42,
    "gen_ai.usage.output_tokens": 7,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Classify the ticket."}]),
    "gen_ai.input.messages": json.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": "Classify: refund please"}]}]
    ),
    "gen_ai.output.messages": json.dumps(
        [{"role": "assistant", "parts": [{"type": "text", "content": "billing"}], "finish_reason": "stop"}]
    ),
    "code.filepath": "agent/support.py",
    "code.lineno": 31,
    "code.function": "SupportAgent.classify",
}


def span(name: str, attrs: list | dict, **extra) -> dict:
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": name,
        "kind": 3,
        "startTimeUnixNano": "1731000000000000000",
        "endTimeUnixNano": "1731000000800000000",
        "attributes": attrs,
        **extra,
    }


def test_otlp_json_export_semconv_1_37(tmp_path):
    embed = span("embeddings text-embedding-3-small", otlp_attrs({"gen_ai.operation.name": "embeddings"}))
    http = span("GET /health", otlp_attrs({"http.method": "GET"}))
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": otlp_attrs({"service.name": "support-agent"})},
                "scopeSpans": [
                    {
                        "scope": {"name": "opentelemetry.instrumentation.openai_v2"},
                        "spans": [span("chat gpt-4o-mini", otlp_attrs(NEW_ATTRS)), embed, http],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "otlp.json"
    path.write_text(json.dumps(doc, indent=2))
    report = IngestReport()
    records, problems = read_traces([path], report=report)
    assert problems == []
    (rec,) = records
    assert rec.source == "otel" and rec.provider == "openai" and rec.model == "gpt-4o-mini-2024-07-18"
    assert rec.messages == [
        {"role": "system", "content": "Classify the ticket."},
        {"role": "user", "content": "Classify: refund please"},
    ]
    assert (rec.output, rec.finish_reason, rec.input_tokens, rec.output_tokens) == ("billing", "stop", 42, 7)
    assert rec.params == {"temperature": 0.0}
    assert rec.latency_ms == 800.0 and rec.timestamp == 1731000000.0
    assert (rec.trace_id, rec.span_id) == ("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174")
    assert [(f.path, f.line, f.function) for f in rec.stack] == [("agent/support.py", 31, "classify")]
    assert rec.meta["service"] == "support-agent"
    assert report.skipped == {"embedding": 1, "non-LLM span": 1}
    assert detect_format(path) == "otel"


def test_span_per_line_with_plain_attributes_and_nested_messages_and_tool_calls(write_jsonl):
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.usage.prompt_tokens": 30,
        "gen_ai.usage.completion_tokens": 12,
        "gen_ai.input.messages": [
            {"role": "user", "parts": [{"type": "text", "content": "weather in Oslo?"}]},
            {
                "role": "assistant",
                "parts": [{"type": "tool_call", "id": "t1", "name": "weather", "arguments": {"city": "Oslo"}}],
            },
            {"role": "tool", "parts": [{"type": "tool_call_response", "id": "t1", "result": {"temp": 3}}]},
        ],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": [{"type": "tool_call", "id": "t2", "name": "forecast", "arguments": '{"days": 2}'}],
                "finish_reason": "tool_use",
            }
        ],
        "gen_ai.tool.definitions": json.dumps(
            [{"type": "function", "name": "forecast", "parameters": {"type": "object"}}]
        ),
    }
    (rec,), problems = read_traces([write_jsonl("spans.jsonl", [span("chat claude", attrs)])])
    assert problems == []
    assert rec.provider == "anthropic" and (rec.input_tokens, rec.output_tokens) == (30, 12)
    assert rec.messages[1]["tool_calls"][0]["function"] == {"name": "weather", "arguments": '{"city": "Oslo"}'}
    assert rec.messages[2] == {"role": "tool", "tool_call_id": "t1", "content": '{"temp": 3}'}
    assert rec.tool_calls == [{"name": "forecast", "arguments": {"days": 2}}]
    assert rec.finish_reason == "tool_calls"
    assert rec.tools[0]["function"]["name"] == "forecast"


def test_semconv_1_36_events_and_error_status(write_jsonl):
    events = [
        {"name": "gen_ai.system.message", "attributes": otlp_attrs({"content": "Be brief."})},
        {"name": "gen_ai.user.message", "attributes": otlp_attrs({"content": "Capital of France?"})},
        {
            "name": "gen_ai.choice",
            "attributes": otlp_attrs(
                {"index": 0, "finish_reason": "stop", "message": json.dumps({"role": "assistant", "content": "Paris"})}
            ),
        },
    ]
    ok = span("chat gpt-4o", otlp_attrs({"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o"}), events=events)
    failed = span(
        "chat gpt-4o",
        otlp_attrs({"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "error.type": "RateLimitError"}),
        events=events[:2],
        status={"code": 2, "message": "rate limited"},
    )
    records, problems = read_traces([write_jsonl("events.jsonl", [ok, failed])])
    assert problems == []
    assert records[0].messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert (records[0].output, records[0].finish_reason) == ("Paris", "stop")
    assert records[1].error == "RateLimitError: rate limited" and records[1].finish_reason == "error"


def test_console_exporter_span(write_jsonl):
    console = {
        "name": "chat gpt-4o",
        "context": {"trace_id": "0xabc", "span_id": "0xdef"},
        "kind": "SpanKind.CLIENT",
        "start_time": "2026-11-01T10:00:00.000000Z",
        "end_time": "2026-11-01T10:00:00.250000Z",
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": "hello"}]}]
            ),
        },
        "events": [],
        "resource": {"attributes": {"service.name": "bot"}, "schema_url": ""},
    }
    (rec,), _ = read_traces([write_jsonl("console.jsonl", [console])])
    assert (rec.trace_id, rec.span_id, rec.latency_ms, rec.output) == ("0xabc", "0xdef", 250.0, "hello")
    assert rec.meta["service"] == "bot"


def test_openllmetry_indexed_attributes(write_jsonl):
    attrs = {
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "Route tickets.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": "Classify: refund please",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.finish_reason": "tool_calls",
        "gen_ai.completion.0.tool_calls.0.name": "route",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"queue": "billing"}',
        "llm.request.functions.0.name": "route",
        "llm.request.functions.0.parameters": '{"type": "object"}',
        "gen_ai.usage.prompt_tokens": 42,
        "gen_ai.usage.completion_tokens": 7,
        "llm.usage.total_tokens": 49,
        "traceloop.workflow.name": "support_agent",
        "traceloop.entity.name": "classify_intent",
    }
    embedding = {
        "name": "openai.embeddings",
        "attributes": {"llm.request.type": "embedding", "gen_ai.system": "openai"},
    }
    report = IngestReport()
    path = write_jsonl("ollm.jsonl", [{"name": "openai.chat", "attributes": attrs}, embedding])
    (rec,), problems = read_traces([path], report=report)
    assert problems == [] and report.skipped == {"embedding": 1}
    assert rec.source == "openllmetry" and detect_format(path) == "openllmetry"
    assert [m["content"] for m in rec.messages] == ["Route tickets.", "Classify: refund please"]
    assert rec.tool_calls == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert rec.tools == [{"type": "function", "function": {"name": "route", "parameters": {"type": "object"}}}]
    assert rec.workload == "classify_intent" and rec.meta["workflow"] == "support_agent"
    assert (rec.input_tokens, rec.output_tokens) == (42, 7)


def test_langfuse_array_and_api_page(tmp_path):
    generation = {
        "id": "obs_1",
        "traceId": "tr_1",
        "type": "GENERATION",
        "name": "classify_intent",
        "startTime": "2026-11-01T10:00:00Z",
        "endTime": "2026-11-01T10:00:00.8Z",
        "model": "gpt-4o-mini",
        "modelParameters": {"temperature": 0},
        "input": [{"role": "user", "content": "Classify: refund please"}],
        "output": {"role": "assistant", "content": "billing"},
        "usageDetails": {"input": 42, "output": 7, "total": 49},
        "level": "DEFAULT",
        "parentObservationId": None,
    }
    span_obs = {**generation, "id": "obs_2", "type": "SPAN"}
    failed = {**generation, "id": "obs_3", "level": "ERROR", "statusMessage": "timeout", "output": None}
    array = tmp_path / "langfuse.json"
    array.write_text(json.dumps([generation, span_obs, failed], indent=2))
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": [generation], "meta": {"page": 1, "totalItems": 1}}))
    report = IngestReport()
    records, problems = read_traces([array, page], report=report)
    assert problems == [] and report.skipped == {"langfuse span": 1}
    rec, err, again = records
    assert rec.source == "langfuse" and rec.id == "obs_1" and rec.trace_id == "tr_1"
    assert (rec.output, rec.input_tokens, rec.output_tokens, rec.latency_ms) == ("billing", 42, 7, 800.0)
    assert rec.workload == "classify_intent" and rec.params == {"temperature": 0}
    assert err.error == "timeout" and err.finish_reason == "error"
    assert again.to_dict() | {"meta": {}} == rec.to_dict() | {"meta": {}}


def test_langsmith_runs_generations_choices_and_langchain_messages(write_jsonl):
    run = {
        "id": "1b64098b",
        "name": "ChatOpenAI",
        "run_type": "llm",
        "trace_id": "0f1e",
        "parent_run_id": "0f1e",
        "status": "success",
        "start_time": "2026-11-01T10:00:00.1",
        "end_time": "2026-11-01T10:00:00.9",
        "inputs": {"messages": [{"role": "user", "content": "Classify: refund please"}]},
        "outputs": {"generations": [{"text": "billing"}]},
        "extra": {"invocation_params": {"model": "gpt-4o-mini", "temperature": 0}},
        "prompt_tokens": 42,
        "completion_tokens": 7,
        "total_tokens": 49,
        "tags": ["classify_intent"],
    }
    lc = {
        "id": "r2",
        "name": "ChatAnthropic",
        "run_type": "llm",
        "inputs": {
            "messages": [
                [
                    {
                        "lc": 1,
                        "type": "constructor",
                        "id": ["langchain", "schema", "messages", "SystemMessage"],
                        "kwargs": {"content": "Be brief."},
                    },
                    {"type": "human", "data": {"content": "weather?"}},
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
                            "id": ["langchain", "schema", "messages", "AIMessage"],
                            "kwargs": {
                                "content": "",
                                "tool_calls": [{"name": "weather", "args": {"city": "Oslo"}, "id": "c1"}],
                            },
                        },
                    }
                ]
            ]
        },
        "extra": {"metadata": {"ls_provider": "anthropic", "ls_model_name": "claude-sonnet-4-5"}},
    }
    choices = {
        "id": "r3",
        "name": "openai.chat",
        "run_type": "llm",
        "inputs": {"messages": [{"role": "user", "content": "hi"}]},
        "outputs": {
            "choices": [{"message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        },
    }
    chain = {"id": "r4", "name": "RunnableSequence", "run_type": "chain", "inputs": {}, "outputs": {}}
    report = IngestReport()
    records, problems = read_traces([write_jsonl("runs.jsonl", [run, lc, choices, chain])], report=report)
    assert problems == [] and report.skipped == {"langsmith chain run": 1}
    a, b, c = records
    assert (a.source, a.model, a.output, a.input_tokens, a.output_tokens) == (
        "langsmith",
        "gpt-4o-mini",
        "billing",
        42,
        7,
    )
    assert a.latency_ms == 800.0 and a.params == {"temperature": 0} and a.meta["tags"] == ["classify_intent"]
    assert b.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "weather?"}]
    assert b.tool_calls == [{"name": "weather", "arguments": {"city": "Oslo"}}] and b.finish_reason == "tool_calls"
    assert (b.provider, b.model) == ("anthropic", "claude-sonnet-4-5")
    assert (c.output, c.finish_reason, c.input_tokens, c.output_tokens) == ("hello", "stop", 3, 1)


def test_large_pretty_otlp_export_is_streamed_with_flat_memory(tmp_path):
    import tracemalloc

    spans = [span(f"chat {i}", otlp_attrs({**NEW_ATTRS, "gen_ai.request.seed": i})) for i in range(2000)]
    path = tmp_path / "big.json"
    path.write_text(
        json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}, indent=2)
    )
    size = path.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in iter_traces([path]))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 2000
    assert size > 5_000_000 and peak < size / 4  # a sliding buffer, never the whole file
