"""Traces: the normalised record, capture (S1), ingest readers and the trace store. Import-light (stdlib only)."""

from __future__ import annotations

from slmc.traces.record import Frame, TraceRecord

__all__ = ["Frame", "TraceRecord"]
