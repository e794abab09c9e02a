"""slmc's own JSONL: one ``TraceRecord.to_json()`` per line (what capture and ``slmc traces ingest`` write)."""

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
        return TraceRecord.from_dict(doc)  # matches() checked that every key is a field
    except TypeError as exc:  # a stack frame with unknown keys
        raise ShapeError(f"slmc record: {exc}") from None
