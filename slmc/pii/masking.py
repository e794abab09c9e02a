"""The inputs an SLM reads, masked the same way when it is trained, evaluated and served.

The scrub-pii pass replaces PII in the traces by placeholders numbered over the whole run (``<PHONE_517>``), so the
replacement models learn from placeholders; a served agent's calls carry the raw values (``+1 415 555 0100``). A model
trained on one and served the other answers out of its distribution (a span head tags a raw phone number as the order
id). ``Masking`` removes that skew at its root: one function shapes both sides.

- a training row (``slmc.training.datasets.record_to_row``) and a served request
  (``mask_request``, used by the router before any backend) go through the same detectors as the scrub-pii pass, and
  every placeholder, found or already there, is numbered per kind by first appearance in that row / request:
  ``<PHONE_1>``, ``<EMAIL_1>``, ``<PHONE_2>``;
- ``Masking.restore`` / ``restore_answer`` put the request's own values back where the answer copies a placeholder;
  an answer holding a placeholder the request did not have is not served (``unknown``).

Stdlib only (``slmc.runtime`` imports it); detection is cached per distinct text (system prompts repeat).
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from typing import Any

from slmc.pii.scrubber import Scrubber

PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")  # <EMAIL_1>, <API_KEY_12>: what Scrubber.placeholder writes

_detector: Scrubber | None = None
_detector_lock = threading.Lock()


def detector() -> Scrubber:
    """The process's detector (the scrub-pii pass's default options) with a bounded cache of spans per text."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                _detector = Scrubber(cache_size=4096)
    return _detector


class Masking:
    """One row's or one request's placeholders: ``text`` / ``value`` mask, ``restore`` puts the values back."""

    def __init__(self, detect: bool = True) -> None:
        self.detect = detect
        self.values: dict[str, str] = {}  # placeholder -> the text it stands for in this input (first seen)
        self._by_key: dict[tuple[str, str], str] = {}  # (kind, normalised value or old placeholder) -> placeholder
        self._next: dict[str, int] = {}

    def _placeholder(self, kind: str, key: str, original: str) -> str:
        ph = self._by_key.get((kind, key))
        if ph is None:
            self._next[kind] = self._next.get(kind, 0) + 1
            ph = f"<{kind}_{self._next[kind]}>"
            self._by_key[(kind, key)] = ph
            self.values[ph] = original
        return ph

    def text(self, text: str) -> str:
        """``text`` with detected PII and existing placeholders replaced by this masking's placeholders."""
        if not isinstance(text, str) or not text:
            return text
        marks = _placeholder_marks(text)
        if self.detect and len(text) >= 6:
            spans = detector().spans(text)
            marks += [
                (s.start, s.end, s.kind, s.key)
                for s in spans
                if not any(a < s.end and s.start < b for a, b, _, _ in marks)  # a placeholder wins over a detection
            ]
        return self._replace(text, marks)

    def answer_text(self, text: str) -> str:
        """An answer's text masked only as its input was: the input's values where the answer copies them (as written
        or JSON-escaped) and the placeholders it already holds; nothing is newly detected. A served answer meets only
        the masking of its request, so a value the detectors find in the answer alone (a place that reads as a name
        once out of its sentence) stays as the teacher wrote it, and the model is not taught a placeholder its input
        never shows."""
        if not isinstance(text, str) or not text:
            return text
        marks = _placeholder_marks(text)
        keys = {ph: kind_key for kind_key, ph in self._by_key.items()}  # a copied value gets the input's placeholder
        for ph, original in self.values.items():
            if len(original) < 2:
                continue
            for form in dict.fromkeys((original, json.dumps(original)[1:-1])):
                i = text.find(form)
                while i != -1:
                    j = i + len(form)
                    if (i == 0 or not text[i - 1].isalnum()) and (j == len(text) or not text[j].isalnum()):
                        marks.append((i, j, *keys[ph]))
                    i = text.find(form, j)
        return self._replace(text, marks)

    def _replace(self, text: str, marks: list[tuple[int, int, str, str]]) -> str:
        """``text`` with each ``(start, end, kind, key)`` mark replaced by its placeholder; of overlapping marks the
        leftmost wins, and of two at one place the longer."""
        if not marks:
            return text
        marks.sort(key=lambda m: (m[0], -m[1]))
        out, pos = [], 0
        for start, end, kind, key in marks:
            if start < pos:
                continue
            out.append(text[pos:start])
            out.append(self._placeholder(kind, key, text[start:end]))
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def value(self, obj: Any, *, answer: bool = False) -> Any:
        """Strings inside JSON-like data masked (keys kept); with ``answer``, as ``answer_text`` masks them."""
        if isinstance(obj, str):
            return self.answer_text(obj) if answer else self.text(obj)
        if isinstance(obj, dict):
            return {k: self.value(v, answer=answer) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.value(v, answer=answer) for v in obj]
        return obj

    def message(self, message: Any, *, answer: bool = False) -> Any:
        """A chat message with its text content (a string or text parts) and tool-call arguments masked; with
        ``answer`` (the reply a model is trained or checked on), as ``answer_text`` masks them."""
        if not isinstance(message, dict):
            return message
        mask = self.answer_text if answer else self.text
        out = dict(message)
        content = message.get("content")
        if isinstance(content, str):
            out["content"] = mask(content)
        elif isinstance(content, list):
            out["content"] = [
                {**p, "text": mask(p["text"])} if isinstance(p, dict) and isinstance(p.get("text"), str) else p
                for p in content
            ]
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            out["tool_calls"] = [_call_arguments(c, mask) for c in calls]
        return out

    # ---- back to the input's own values ------------------------------------------------------------------------------
    def restore(self, text: str, *, in_json: bool = False) -> tuple[str, list[str]]:
        """``text`` with this masking's placeholders replaced by the values they stand for (JSON-escaped when
        ``in_json``: the placeholder sits inside a JSON string); and the placeholders it holds that this input did
        not have (the answer cannot be given back)."""
        unknown: list[str] = []

        def put(match: re.Match[str]) -> str:
            original = self.values.get(match.group(0))
            if original is None:
                unknown.append(match.group(0))
                return match.group(0)
            return json.dumps(original, ensure_ascii=False)[1:-1] if in_json else original

        if not isinstance(text, str) or "<" not in text:
            return text, unknown
        return PLACEHOLDER.sub(put, text), unknown


def _placeholder_marks(text: str) -> list[tuple[int, int, str, str]]:
    """The placeholders ``text`` already holds, as marks keyed by themselves (renumbered by the row's table)."""
    return [(m.start(), m.end(), m.group(1), "\u0000" + m.group(0)) for m in PLACEHOLDER.finditer(text)]


def _call_arguments(call: Any, change: Any) -> Any:
    """A tool call (OpenAI ``{"function": {"arguments"}}`` or flat ``{"arguments"}``) with its string arguments
    passed through ``change``."""
    if not isinstance(call, dict):
        return call
    fn = call.get("function")
    if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
        return {**call, "function": {**fn, "arguments": change(fn["arguments"])}}
    if isinstance(call.get("arguments"), str):
        return {**call, "arguments": change(call["arguments"])}
    return call


def mask_messages(messages: list[Any], masking: Masking) -> list[Any]:
    return [masking.message(m) for m in messages]


def mask_request(req: Any) -> tuple[Any, Masking]:
    """A copy of an ``SLMRequest`` whose messages are masked; the request itself is not changed."""
    masking = Masking()
    return dataclasses.replace(req, messages=mask_messages(list(req.messages or []), masking)), masking


def restore_answer(answer: Any, masking: Masking) -> tuple[Any, list[str]]:
    """An ``Answer`` with the request's values back in its content and tool-call arguments; and the placeholders it
    holds that the request did not have."""
    unknown: list[str] = []
    changes: dict[str, Any] = {}
    content = answer.content
    if isinstance(content, str) and "<" in content:
        stripped = content.strip()
        in_json = stripped[:1] in ("{", "[", '"') and _is_json(stripped)
        restored, missing = masking.restore(content, in_json=in_json)
        unknown += missing
        changes["content"] = restored
    if answer.tool_calls:

        def back(arguments: str) -> str:
            restored, missing = masking.restore(arguments, in_json=True)
            unknown.extend(missing)
            return restored

        changes["tool_calls"] = [_call_arguments(c, back) for c in answer.tool_calls]
    return (answer.replace(**changes) if changes else answer), unknown


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True
