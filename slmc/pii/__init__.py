"""PII and secret detection (``detectors``) and consistent placeholder replacement (``scrubber``); stdlib only."""

from __future__ import annotations

from slmc.pii.detectors import Span, find_spans
from slmc.pii.scrubber import DetectOptions, Scrubber

__all__ = ["DetectOptions", "Scrubber", "Span", "find_spans"]
