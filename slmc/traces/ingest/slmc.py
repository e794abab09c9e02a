"""slmc's own JSONL: one ``TraceRecord.to_json()`` per line (what capture, ``slmc traces ingest`` and the runtime's
router log write).

A router log record (``meta.router``) is read as teacher data: its answer becomes the LLM's. The record of a call the
SLM served keeps the SLM's answer in ``meta.router.slm_output`` / ``slm_tool_calls``; its answer is the LLM's when the
call was sampled (``llm_output``), else none, and ``meta.no_teacher`` says why (curation drops it: an SLM's own answer
is never trained on). Fallback and shadow records already carry the LLM's answer. Reading is idempotent.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from slmc.traces.ingest._common import ShapeError
from slmc.traces.record import TraceRecord

NAME = "slmc"
_FIELDS = frozenset(f.name for f in fields(TraceRecord))
_CONTAINERS = (
    ("messages", list),
    ("tools", list),
    ("tool_calls", list),
    ("stack", list),
    ("params", dict),
    ("meta", dict),
)


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and "source" in doc and doc.keys() <= _FIELDS


def convert(doc: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()) -> TraceRecord:
    for key, kind in _CONTAINERS:
        if key in doc and doc[key] is None:  # null reads as absent (other writers put null where we leave it out)
            doc = {k: v for k, v in doc.items() if k != key}
        elif key in doc and not isinstance(doc[key], kind):
            raise ShapeError(f"slmc record field {key!r} must be a {kind.__name__}")
    try:
        record = TraceRecord.from_dict(doc)  # matches() checked that every key is a field
    except TypeError as exc:  # a stack frame with unknown keys
        raise ShapeError(f"slmc record: {exc}") from None
    router = record.meta.get("router")
    if isinstance(router, dict):
        teacher_view(record, router)
    return record


def teacher_view(record: TraceRecord, router: dict[str, Any]) -> None:
    """A router log record with the LLM's answer as its answer (see the module's docstring)."""
    route = router.get("route") or ("slm" if router.get("served_by") == "slm" else None)
    if route != "slm" or router.get("answer_of") == "llm":
        return
    router["route"] = "slm"
    router["answer_of"] = "llm"
    router.setdefault("slm_output", record.output)
    router.setdefault("slm_tool_calls", record.tool_calls)
    router.setdefault("slm_model", record.model)
    router.setdefault("slm_input_tokens", record.input_tokens)
    router.setdefault("slm_output_tokens", record.output_tokens)
    if router.get("llm_output") is not None or router.get("llm_tool_calls"):
        calls = router.get("llm_tool_calls")
        record.output = router.get("llm_output") if isinstance(router.get("llm_output"), str) else None
        record.tool_calls = calls if isinstance(calls, list) else []
        record.input_tokens, record.output_tokens = router.get("llm_input_tokens"), router.get("llm_output_tokens")
        record.model = router.get("llm_model") or None
        return
    record.output, record.tool_calls, record.input_tokens, record.output_tokens = None, [], None, None
    record.model = router.get("llm_model") or None
    record.meta["no_teacher"] = "the SLM answered and the LLM did not run"
