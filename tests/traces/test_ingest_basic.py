"""Round trips of the request/response formats (OpenAI, fine-tuning, Anthropic, Data Flywheel, slmc) and problems."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from slmc.traces.ingest import IngestReport, detect_format, iter_traces, read_traces
from slmc.traces.record import TraceRecord

# Records as in the formats' documentation (FORMATS.md §3.5-3.7).
OPENAI_TOOL_CALL = {
    "request": {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Route the ticket."}, {"role": "user", "content": "refund please"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "route",
                    "parameters": {
                        "type": "object",
                        "properties": {"queue": {"type": "string"}},
                        "required": ["queue"],
                    },
                },
            }
        ],
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
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "route", "arguments": '{"queue":"billing"}'},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 58, "completion_tokens": 9, "total_tokens": 67},
    },
}

ANTHROPIC = {
    "request": {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "system": "Route the ticket.",
        "messages": [{"role": "user", "content": "refund please"}],
        "tools": [{"name": "route", "input_schema": {"type": "object", "properties": {"queue": {"type": "string"}}}}],
    },
    "response": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "stop_reason": "tool_use",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "route", "input": {"queue": "billing"}}],
        "usage": {"input_tokens": 50, "output_tokens": 12, "cache_read_input_tokens": 8},
    },
}

FLYWHEEL = {
    "timestamp": 1715854074,
    "workload_id": "agent.tool_router",
    "client_id": "my_demo_app",
    "request": {
        "model": "meta/llama-3.1-70b-instruct",
        "messages": [{"role": "user", "content": "Has my bill been processed?"}],
        "tools": [],
    },
    "response": {
        "id": "run_id",
        "object": "chat.completion",
        "model": "meta/llama-3.1-70b-instruct",
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "type": "function",
                            "function": {
                                "name": "structured_rag",
                                "arguments": {"query": "account bill processed", "user_id": "4165"},
                            },
                        }
                    ],
                }
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 120, "total_tokens": 170},
    },
}


def test_openai_request_response(write_jsonl):
    path = write_jsonl("openai.jsonl", [OPENAI_TOOL_CALL])
    (rec,), problems = read_traces([path])
    assert problems == []
    assert rec.source == "openai" and rec.provider == "openai" and rec.id == "chatcmpl-1"
    assert rec.model == "gpt-4o-mini"
    assert [m["role"] for m in rec.messages] == ["system", "user"]
    assert rec.tools[0]["function"]["name"] == "route"
    assert rec.params == {"temperature": 0}
    assert rec.tool_calls == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert rec.finish_reason == "tool_calls" and rec.output is None
    assert (rec.input_tokens, rec.output_tokens, rec.timestamp) == (58, 9, 1730455200.0)
    assert rec.meta["origin"] == f"{path}:1"
    assert detect_format(path) == "openai"


def test_openai_responses_api_and_batch_and_embedding(write_jsonl):
    responses = {
        "request": {"model": "gpt-4.1-mini", "instructions": "Answer briefly.", "input": "2+2?"},
        "response": {
            "id": "resp_1",
            "object": "response",
            "created_at": 1730455200,
            "model": "gpt-4.1-mini",
            "status": "completed",
            "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "4"}]}],
            "usage": {"input_tokens": 11, "output_tokens": 1},
        },
    }
    batch = {
        "custom_id": "req-7",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        "response": {
            "status_code": 200,
            "body": {
                "id": "c2",
                "model": "gpt-4o-mini",
                "choices": [{"message": {"content": "hello"}, "finish_reason": "stop"}],
            },
        },
    }
    embedding = {
        "request": {"model": "text-embedding-3-small", "input": "hi"},
        "response": {"object": "list", "data": [{"embedding": [0.1, 0.2]}]},
    }
    report = IngestReport()
    records, problems = read_traces([write_jsonl("mixed.jsonl", [responses, batch, embedding])], report=report)
    assert problems == []
    resp, bat = records
    assert resp.messages == [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "2+2?"}]
    assert (resp.output, resp.finish_reason, resp.input_tokens, resp.output_tokens) == ("4", "stop", 11, 1)
    assert bat.id == "req-7" and bat.output == "hello" and bat.messages[0]["content"] == "hi"
    assert report.skipped == {"embedding": 1}


def test_fine_tuning_rows_last_assistant_is_output(write_jsonl):
    rows = [
        {
            "messages": [
                {"role": "system", "content": "Intent?"},
                {"role": "user", "content": "card lost"},
                {"role": "assistant", "content": "lost_card"},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "weather in Oslo"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
                        }
                    ],
                },
            ],
            "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
        },
        {"messages": [{"role": "user", "content": "no answer"}]},
    ]
    path = write_jsonl("ft.jsonl", rows)
    records, problems = read_traces([path])
    assert [r.source for r in records] == ["openai-ft", "openai-ft"]
    assert records[0].output == "lost_card" and len(records[0].messages) == 2
    assert records[1].tool_calls == [{"name": "weather", "arguments": {"city": "Oslo"}}]
    assert records[1].tools[0]["function"]["name"] == "weather"
    assert [(d.code, d.line) for d in problems] == [("E102", 3)]


def test_anthropic_messages(write_jsonl):
    (rec,), problems = read_traces([write_jsonl("anthropic.jsonl", [ANTHROPIC])])
    assert problems == []
    assert rec.source == "anthropic" and rec.provider == "anthropic"
    assert rec.messages[0] == {"role": "system", "content": "Route the ticket."}
    assert rec.tools == [
        {
            "type": "function",
            "function": {"name": "route", "parameters": ANTHROPIC["request"]["tools"][0]["input_schema"]},
        }
    ]
    assert rec.tool_calls == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert rec.finish_reason == "tool_calls" and rec.meta["stop_reason"] == "tool_use"
    assert (rec.input_tokens, rec.output_tokens) == (58, 12)  # cache reads count as input
    assert rec.params == {"max_tokens": 64}


def test_flywheel_bare_and_elasticsearch_hits(tmp_path, write_jsonl):
    bare = write_jsonl("fw.jsonl", [FLYWHEEL])
    search = tmp_path / "search.json"
    search.write_text(
        json.dumps(
            {
                "took": 3,
                "hits": {"total": {"value": 1}, "hits": [{"_index": "flywheel", "_id": "doc-1", "_source": FLYWHEEL}]},
            },
            indent=2,
        )
    )
    records, problems = read_traces([bare, search])
    assert problems == []
    assert [r.source for r in records] == ["flywheel", "flywheel"]
    for rec in records:
        assert rec.workload == "agent.tool_router" and rec.meta["client_id"] == "my_demo_app"
        assert rec.tool_calls == [
            {"name": "structured_rag", "arguments": {"query": "account bill processed", "user_id": "4165"}}
        ]
        assert rec.timestamp == 1715854074.0
    assert records[1].id == "doc-1"


def test_slmc_round_trip_through_json_array_and_gzip(tmp_path):
    originals, _ = read_traces([_write(tmp_path / "o.jsonl", [OPENAI_TOOL_CALL, ANTHROPIC, FLYWHEEL])])
    array = tmp_path / "records.json"
    array.write_text(json.dumps([r.to_dict() for r in originals], indent=1))
    packed = tmp_path / "records.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as fh:
        fh.writelines(r.to_json() + "\n" for r in originals)
    for path in (array, packed):
        again, problems = read_traces([path])
        assert problems == []
        assert [r.to_dict() for r in again] == [r.to_dict() for r in originals]
        assert detect_format(path) == "slmc"


def test_malformed_lines_are_reported_with_line_numbers_and_reading_goes_on(tmp_path):
    good = TraceRecord(source="slmc", model="m", output="x").to_json()
    path = tmp_path / "t.jsonl"
    path.write_text(f'{good}\n{{"broken": \n\n{good}\n{{"unknown": 1}}\n{good}\n{{"torn', encoding="utf-8")
    report = IngestReport()
    records = list(iter_traces([path], report))
    assert len(records) == 3
    codes = [(d.code, d.line, d.path) for d in report.diagnostics]
    assert codes == [("E101", 2, str(path)), ("E102", 5, str(path)), ("E103", 7, str(path))]
    assert report.malformed == 2 and report.invalid == 1


def test_missing_and_binary_files_are_reported(tmp_path):
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"a": "\xff\xfe"}\n')
    records, problems = read_traces([tmp_path / "missing.jsonl", binary])
    assert records == []
    assert [d.code for d in problems] == ["E104", "E104"]


def test_jsonl_lines_the_fast_parser_refuses_are_read_as_python_reads_them(tmp_path):
    good = TraceRecord(source="slmc", model="m", output="x").to_json()
    path = tmp_path / "t.jsonl"
    lines = [
        good,
        '{"source": "slmc", "model": "m", "latency_ms": NaN, "output": "nan"}',  # Python's json reads NaN
        '{"source": "slmc", "model": "m", "meta": {"big": 123456789012345678901234567890}, "output": "big"}',
        good,
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")  # BOM + CRLF line ends
    report = IngestReport()
    records = list(iter_traces([path], report))
    assert report.diagnostics == []
    assert [r.output for r in records] == ["x", "nan", "big", "x"]
    assert records[1].latency_ms is None  # NaN: JSON cannot hold it, read as null
    assert records[2].meta["big"] == 123456789012345678901234567890


def test_a_line_that_is_not_utf8_is_skipped_and_reading_goes_on(tmp_path):
    good = TraceRecord(source="slmc", model="m", output="x").to_json().encode()
    path = tmp_path / "t.jsonl"
    path.write_bytes(good + b"\n" + b'{"source": "slmc", "output": "\xff\xfe"}\n' + good + b"\n")
    report = IngestReport()
    records = list(iter_traces([path], report))
    assert len(records) == 2
    assert [(d.code, d.line) for d in report.diagnostics] == [("E104", 2)]


def test_pretty_printed_array_with_bad_element_reports_its_line(tmp_path):
    path = tmp_path / "arr.json"
    path.write_text(
        '[\n  {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]},\n  {"x": tru }\n]'
    )
    records, problems = read_traces([path])
    assert len(records) == 1
    assert [(d.code, d.line) for d in problems] == [("E101", 3)]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
