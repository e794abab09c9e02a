"""NVIDIA Data Flywheel log documents (Elasticsearch): ``{timestamp, workload_id, client_id, request, response}``,
bare or as search hits wrapped in ``_source``."""

from __future__ import annotations

from typing import Any

from slmc.traces.ingest import openai as openai_reader
from slmc.traces.ingest._common import ShapeError, as_dict, to_unix
from slmc.traces.record import TraceRecord

NAME = "flywheel"


def _source(doc: Any) -> dict[str, Any]:
    doc = as_dict(doc)
    return as_dict(doc.get("_source")) if "_source" in doc else doc


def matches(doc: Any) -> bool:
    return "workload_id" in _source(doc)


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    src = _source(doc)
    request, response = as_dict(src.get("request")), as_dict(src.get("response"))
    if not request.get("messages"):
        raise ShapeError("Data Flywheel document has no request.messages")
    record = TraceRecord(source=NAME, provider="openai")
    openai_reader.fill(record, request, response)
    record.id = str(as_dict(doc).get("_id") or src.get("id") or "")
    record.workload = str(src["workload_id"])
    record.timestamp = to_unix(src.get("timestamp")) or record.timestamp
    if src.get("client_id") is not None:
        record.meta["client_id"] = src["client_id"]
    return record
