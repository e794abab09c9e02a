"""Run an agent script under the official OpenTelemetry GenAI instrumentation (opentelemetry-instrumentation-openai-v2)
with its default span attributes, and write the finished spans as the collector's file exporter does (OTLP JSON, hex
ids). The instrumentation records no code location: the records link by their prompts alone.

    python otel_run.py AGENT.py SPANS.jsonl

The content settings come from the environment, as for any agent.
"""

from __future__ import annotations

import base64
import json
import runpy
import sys

from google.protobuf.json_format import MessageToDict
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

agent, spans_path = sys.argv[1:3]
spans = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": "task-agent"}))
provider.add_span_processor(SimpleSpanProcessor(spans))
trace.set_tracer_provider(provider)
OpenAIInstrumentor().instrument()
runpy.run_path(agent, run_name="__main__")
provider.force_flush()


def hex_ids(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") else hex_ids(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [hex_ids(v) for v in value]
    return value


with open(spans_path, "w", encoding="utf-8") as fh:
    doc = MessageToDict(encode_spans(spans.get_finished_spans()), use_integers_for_enums=True)
    fh.write(json.dumps(hex_ids(doc)) + "\n")
