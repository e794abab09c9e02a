"""Trace files written by the real instrumentation packages (pinned in the ``dev`` extra), read by ``slmc traces``.

An agent (``agents/otel_agent.py``) makes the same three calls (plain, tool call, streamed) to a local
OpenAI-compatible server, instrumented by opentelemetry-instrumentation-openai-v2 or OpenLLMetry under each content
setting, and exports OTLP JSON with the SDK's own encoders. Every setting that records content must give the same
three records; every setting that records none must fail with the setting to turn on.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.compiler.cli import main
from slmc.testing.fake_llm import FakeLLM
from slmc.traces.ingest import IngestReport, detect_format, read_traces

AGENTS = Path(__file__).resolve().parent / "agents"
OPT_IN = {"OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"}
CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

# What the agent sent and the server answered: (messages, output, tool calls), the same whatever wrote the trace.
EXPECTED = {
    (
        (("system", "Classify the ticket."), ("user", "refund please")),
        "label: refund please",
        (),
    ),
    ((("user", "find order 42"),), None, (("lookup", '{"q": "find order 42"}'),)),
    ((("user", "stream a haiku"),), "label: stream a haiku", ()),
}


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def requires(*modules: str):
    missing = [m for m in modules if not _has(m)]
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} (pip install -e '.[dev]')")


OFFICIAL = requires(
    "opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.common", "opentelemetry.instrumentation.openai_v2"
)
OPENLLMETRY = requires(
    "opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.common", "opentelemetry.instrumentation.openai"
)


def teacher(request: dict) -> dict:
    text = request["messages"][-1]["content"]
    if request.get("tools"):
        return {"tool_calls": [{"name": "lookup", "arguments": {"q": text}}]}
    return {"content": f"label: {text}"}


@pytest.fixture(scope="module")
def llm():
    with FakeLLM(teacher=teacher) as server:
        yield server


def run_agent(llm: FakeLLM, tmp_path: Path, which: str, env: dict[str, str], *, logs: str = "same", ids: str = "hex"):
    """Run the instrumented agent in its own process; the paths of the spans and logs files it wrote."""
    spans = tmp_path / "spans.jsonl"
    log_file = spans if logs == "same" else tmp_path / "logs.jsonl"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "TRACELOOP_"))}
    proc = subprocess.run(
        [sys.executable, str(AGENTS / "otel_agent.py"), which, str(spans), str(log_file), "--ids", ids],
        env={**clean, "LLM_URL": llm.url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return spans, log_file


def content(records) -> set:
    out = set()
    for rec in records:
        messages = tuple((m["role"], m["content"]) for m in rec.messages)
        calls = tuple((c["name"], json.dumps(c["arguments"])) for c in rec.tool_calls)
        out.add((messages, rec.output, calls))
    return out


def ingest(capsys, *paths: Path, out: Path) -> tuple[int, str, str]:
    code = main(["traces", "ingest", *map(str, paths), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---- opentelemetry-instrumentation-openai-v2 ---------------------------------------------------------------------------
@OFFICIAL
def test_official_default_settings_record_no_content_and_ingest_says_what_to_turn_on(llm, tmp_path, capsys):
    spans, _ = run_agent(llm, tmp_path, "openai-v2", {})  # no content settings: what a user gets out of the box
    code, out, err = ingest(capsys, spans, out=tmp_path / "out.jsonl")
    assert code == 1, (out, err)
    assert "wrote 0 records" in out and "3  skipped: LLM span without content" in out
    (line,) = [x for x in err.splitlines() if "E107" in x]
    assert line.startswith(f"{spans}: E107 no usable record: 3 LLM spans")
    assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_ONLY" in line
    assert "OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental" in line
    assert "capture was off" in line  # the empty log events were joined: content was off, not elsewhere

    agent = tmp_path / "agent.py"
    agent.write_text((AGENTS / "otel_agent.py").read_text())
    code = main(["analyze", str(agent), "--traces", str(spans), "--out", str(tmp_path / "analysis")])
    err = capsys.readouterr().err
    assert code == 2 and "no usable trace records" in err and f"{CONTENT}=SPAN_ONLY" in err


@OFFICIAL
def test_official_opt_in_without_content_names_the_setting_and_the_logs_file(llm, tmp_path, capsys):
    spans, _ = run_agent(llm, tmp_path, "openai-v2", OPT_IN)
    code, _, err = ingest(capsys, spans, out=tmp_path / "out.jsonl")
    assert code == 1
    assert f"{CONTENT}=SPAN_ONLY" in err and "OTLP logs export" in err
    report = IngestReport()
    records, problems = read_traces([spans], report=report)  # what compile and analyze see
    assert records == [] and report.skipped == {"LLM span without content": 3}
    assert [(d.code, d.severity.value) for d in problems] == [("E107", "error")]


@OFFICIAL
def test_official_span_only_content(llm, tmp_path, capsys):
    spans, _ = run_agent(llm, tmp_path, "openai-v2", {**OPT_IN, CONTENT: "SPAN_ONLY"})
    records, problems = read_traces([spans])
    assert problems == [] and content(records) == EXPECTED
    for rec in records:
        assert rec.source == "otel" and rec.model == "gpt-4o-mini" and rec.meta["service"] == "support-agent"
        assert len(rec.trace_id) == 32 and len(rec.span_id) == 16 and int(rec.trace_id + rec.span_id, 16) >= 0
    assert {r.finish_reason for r in records} == {"stop", "tool_calls"}
    assert detect_format(spans) == "otel"
    assert ingest(capsys, spans, out=tmp_path / "out.jsonl")[0] == 0


@OFFICIAL
def test_official_span_and_event_gives_each_call_once(llm, tmp_path, capsys):
    spans, logs = run_agent(llm, tmp_path, "openai-v2", {**OPT_IN, CONTENT: "SPAN_AND_EVENT"})
    assert spans == logs and '"resourceLogs"' in spans.read_text()
    report = IngestReport()
    records, problems = read_traces([spans], report=report)
    assert problems == [] and len(records) == 3 and content(records) == EXPECTED
    assert report.skipped == {"log event repeating its span's content": 3}


@pytest.fixture(scope="module")
def event_only(llm, tmp_path_factory):
    """Spans and logs files of one EVENT_ONLY run per id encoding, made once for the tests that read them."""
    runs: dict[str, tuple[Path, Path]] = {}

    def get(ids: str) -> tuple[Path, Path]:
        if ids not in runs:
            folder = tmp_path_factory.mktemp(f"event-only-{ids}")
            env = {**OPT_IN, CONTENT: "EVENT_ONLY"}
            runs[ids] = run_agent(llm, folder, "openai-v2", env, logs="apart", ids=ids)
        return runs[ids]

    return get


@OFFICIAL
@pytest.mark.parametrize("ids", ["hex", "base64", "console"])
def test_official_event_only_joins_the_logs_to_their_spans(event_only, tmp_path, capsys, ids):
    spans, logs = event_only(ids)
    assert "gen_ai.input.messages" not in spans.read_text()  # the content is only in the logs file
    for order in ([spans, logs], [logs, spans]):
        records, problems = read_traces(order)
        assert problems == [] and content(records) == EXPECTED
        tool = next(r for r in records if r.tool_calls)
        assert (tool.input_tokens, tool.finish_reason) == (3, "tool_calls")  # from the span
        assert tool.latency_ms is not None and tool.meta["origin"].startswith(f"{spans}:")
    code, out, err = ingest(capsys, spans, logs, out=tmp_path / "out.jsonl")
    assert (code, err) == (0, "") and "3  otel" in out and "wrote 3 records" in out
    alone, problems = read_traces([logs])  # the logs alone: records from the details events
    assert problems == [] and content(alone) == EXPECTED and {r.model for r in alone} == {"gpt-4o-mini"}


@OFFICIAL
def test_event_only_join_past_the_memory_bound_waits_on_disk(event_only, monkeypatch):
    """Past MAX_PENDING held spans and events, the join keeps them in a temporary file: the same records come out."""
    from slmc.traces.ingest import otel

    spans, logs = event_only("hex")
    expected = sorted(r.to_json() for r in read_traces([spans, logs])[0])
    disks = []

    class Disk(otel._Disk):
        def __init__(self) -> None:
            super().__init__()
            disks.append(self)

    monkeypatch.setattr(otel, "MAX_PENDING", 1)
    monkeypatch.setattr(otel, "_Disk", Disk)
    for order in ([spans, logs], [logs, spans]):
        records, problems = read_traces(order)
        assert problems == [] and sorted(r.to_json() for r in records) == expected
    assert len(disks) == 2 and all(d.end > 0 and d.fh.closed for d in disks)


@OFFICIAL
def test_official_legacy_conventions_content_as_per_message_log_events(llm, tmp_path):
    spans, logs = run_agent(llm, tmp_path, "openai-v2", {CONTENT: "true"}, logs="apart")
    records, problems = read_traces([spans, logs])
    assert problems == [] and content(records) == EXPECTED
    assert all(r.model == "gpt-4o-mini" and r.span_id for r in records)


# ---- OpenLLMetry (Traceloop's opentelemetry-instrumentation-openai) -----------------------------------------------------
@OPENLLMETRY
def test_openllmetry_default_attributes(llm, tmp_path):
    spans, _ = run_agent(llm, tmp_path, "openllmetry", {})
    records, problems = read_traces([spans])
    assert problems == [] and content(records) == EXPECTED
    assert {r.finish_reason for r in records} == {"stop", "tool_calls"}  # semconv's "tool_call" read as OpenAI's


@OPENLLMETRY
def test_openllmetry_content_off_names_traceloop_trace_content(llm, tmp_path, capsys):
    spans, _ = run_agent(llm, tmp_path, "openllmetry", {"TRACELOOP_TRACE_CONTENT": "false"})
    code, _, err = ingest(capsys, spans, out=tmp_path / "out.jsonl")
    assert code == 1 and "E107" in err and "TRACELOOP_TRACE_CONTENT=true" in err


@OPENLLMETRY
def test_openllmetry_events_joined_to_spans(llm, tmp_path):
    spans, logs = run_agent(llm, tmp_path, "openllmetry-events", {}, logs="apart")
    report = IngestReport()
    records, problems = read_traces([spans, logs], report=report)
    assert problems == []
    by_input = {r.messages[-1]["content"]: r for r in records}
    assert content([by_input["refund please"], by_input["find order 42"]]) == {
        e for e in EXPECTED if e[0][-1][1] != "stream a haiku"
    }
    # OpenLLMetry emits a streamed call's answer outside the span's context: it cannot be joined, and says so.
    assert by_input["stream a haiku"].output is None
    assert report.skipped == {"GenAI log event without a span id": 1}


# ---- the OpenAI SDK's own objects ---------------------------------------------------------------------------------------
@requires("openai")
def test_openai_sdk_model_dump_lines(llm, tmp_path, capsys):
    path = tmp_path / "sdk.jsonl"
    proc = subprocess.run(
        [sys.executable, str(AGENTS / "sdk_dump_agent.py"), str(path)],
        env={**os.environ, "LLM_URL": llm.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    records, problems = read_traces([path])
    assert {r.source for r in records} == {"openai"} and len(records) == 4
    assert content([records[0], records[1], records[3]]) == EXPECTED
    follow = records[2]
    assert [m["role"] for m in follow.messages] == ["user", "assistant", "tool"]
    assert follow.messages[1]["tool_calls"][0]["function"]["name"] == "lookup"
    assert follow.messages[2] == {"role": "tool", "tool_call_id": "call_0", "content": "order 42: shipped"}
    assert records[1].tools[0]["function"]["name"] == "lookup" and records[0].params == {"temperature": 0}
    (problem,) = problems  # the response object alone: recognised, and told what to log instead
    assert (problem.line, problem.code) == (5, "E102")
    assert "chat.completion object without the request" in problem.message and '"request"' in problem.message


# ---- log records of odd shapes (hand-written: what no instrumentation writes, a file may still hold) -------------------
def test_log_records_of_odd_shapes_are_counted_never_fatal(tmp_path):
    details = {
        "eventName": "gen_ai.client.inference.operation.details",
        "body": {},
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "m"}},
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.input.messages", "value": {"stringValue": '[{"role":"user","parts":[{"content":"hi"}]}]'}},
            {"key": "gen_ai.output.messages", "value": {"stringValue": '[{"role":"assistant","parts":["yo"]}]'}},
        ],
    }
    odd = [
        details,  # no ids: a record of its own
        {"eventName": "gen_ai.user.message", "body": {"content": "lost"}},  # no ids: cannot be placed
        {"eventName": "http.request", "traceId": "ab" * 16, "spanId": "cd" * 8, "body": "x"},
        {"eventName": ["gen_ai.choice"], "body": 3, "attributes": "nope", "traceId": 7, "spanId": [1]},
        {"eventName": "gen_ai.choice", "body": "not json", "attributes": 5, "traceId": "zz", "spanId": None},
        {"eventName": "gen_ai.choice", "traceId": "ab" * 16, "spanId": "ef" * 8, "body": {"kvlistValue": 4}},
        {"severityNumber": 9, "body": {"stringValue": "a plain log line"}},
    ]
    path = tmp_path / "logs.jsonl"
    line = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"scope": {"name": "s"}, "logRecords": odd}]}]}
    path.write_text(json.dumps(line) + "\n" + json.dumps({"logRecords": "not a list"}) + "\n")
    report = IngestReport()
    records, problems = read_traces([path], report=report)
    assert [(r.model, r.messages, r.output, r.workload) for r in records] == [
        ("m", [{"role": "user", "content": "hi"}], "yo", "chat m")
    ]
    assert report.skipped == {
        "GenAI log event without a span id": 2,
        "non-LLM log record": 3,
        "LLM span without content": 1,  # the choice with ids but nothing in it
    }
    assert [p.code for p in problems] == ["E102", "E107"]  # the line with no records; the empty choice


def test_hex_ids_from_every_encoding():
    from slmc.traces.ingest.otel import hex_id

    trace = "5b8efff798038103d269b633813fc60c"
    assert hex_id(trace) == hex_id(trace.upper()) == hex_id("0x" + trace) == trace
    assert hex_id("W47/95gDgQPSabYzgT/GDA==") == trace and hex_id("7uGbfsPBsXQ=") == "eee19b7ec3c1b174"
    assert hex_id("0xabc") == "0xabc" and hex_id("") is None and hex_id(None) is None and hex_id(True) is None
    assert hex_id("!!!!!!!!!!!=") == "!!!!!!!!!!!=" and hex_id(12) == "12"
