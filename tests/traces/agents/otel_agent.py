"""An OpenAI agent instrumented by a real OpenTelemetry GenAI instrumentation, exporting what a collector writes.

    python otel_agent.py INSTRUMENTATION SPANS.jsonl LOGS.jsonl [--ids hex|base64|console]

INSTRUMENTATION: ``openai-v2`` (opentelemetry-instrumentation-openai-v2), ``openllmetry`` (Traceloop's
opentelemetry-instrumentation-openai) or ``openllmetry-events`` (the same with ``use_attributes=False``). The content
settings come from the environment, as for any agent. The agent makes three calls to ``$LLM_URL`` (a plain call, a tool
call, a streamed call); the finished spans and log records are encoded by the OTLP exporter's own encoders and written
as OTLP JSON, one ``{"resourceSpans": ...}`` / ``{"resourceLogs": ...}`` object per line: ``--ids hex`` (default) as
the collector's file exporter writes them (hex ids, enums as numbers), ``--ids base64`` as protobuf's JSON mapping
(``MessageToDict``) leaves them, ``--ids console`` by the SDK's console exporters instead (pretty-printed JSON objects,
``0x`` ids, plain attributes). SPANS and LOGS may be the same file.
"""

from __future__ import annotations

import base64
import json
import os
import sys

from google.protobuf.json_format import MessageToDict
from opentelemetry import _logs, trace
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

which, spans_path, logs_path = sys.argv[1:4]
ids = sys.argv[sys.argv.index("--ids") + 1] if "--ids" in sys.argv else "hex"
hex_ids = ids == "hex"

resource = Resource.create({"service.name": "support-agent"})
spans = InMemorySpanExporter()
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
trace.set_tracer_provider(tracer_provider)
logs = InMemoryLogRecordExporter()
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
_logs.set_logger_provider(logger_provider)

if which == "openai-v2":
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument()
else:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor(use_attributes=which != "openllmetry-events").instrument()

import openai  # noqa: E402  (instrumented above, as the instrumentations' docs do it)

client = openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="sk-local", max_retries=0)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look an order up.",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        },
    }
]


def classify(text: str) -> str | None:
    messages = [{"role": "system", "content": "Classify the ticket."}, {"role": "user", "content": text}]
    return (
        client.chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0).choices[0].message.content
    )


def lookup(text: str) -> object:
    messages = [{"role": "user", "content": text}]
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message


def haiku(text: str) -> str:
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], stream=True
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


classify("refund please")
lookup("find order 42")
haiku("stream a haiku")
tracer_provider.force_flush()
logger_provider.force_flush()


def collector_form(value: object) -> object:
    """Hex trace/span ids, as the collector writes them (protobuf's JSON mapping writes bytes as base64)."""
    if isinstance(value, dict):
        return {
            k: base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") else collector_form(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [collector_form(v) for v in value]
    return value


def write(path: str, message: object) -> None:
    doc = MessageToDict(message, use_integers_for_enums=hex_ids)
    if hex_ids:
        doc = collector_form(doc)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(doc) + "\n")


finished_spans = spans.get_finished_spans()
finished_logs = logs.get_finished_logs()
if ids == "console":
    from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    with open(spans_path, "a", encoding="utf-8") as fh:
        ConsoleSpanExporter(out=fh).export(finished_spans)
    with open(logs_path, "a", encoding="utf-8") as fh:
        ConsoleLogRecordExporter(out=fh).export(finished_logs)
else:
    if finished_spans:
        write(spans_path, encode_spans(finished_spans))
    if finished_logs:
        write(logs_path, encode_logs(finished_logs))
