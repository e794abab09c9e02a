"""What varies in a prompt, and what shape an answer has.

* ``variable_parts``: the part of each prompt of one call site that differs from call to call: the site's static
  template text (literal parts of its ``Prompt`` node) and lines shared by many records of the site (a long common
  system prompt, the instruction line of a wrapper's caller) are removed.
* ``answer_shape``: tokens describing the answer's form: ``kind:json`` + ``key:<k>``, ``kind:tool-call`` +
  ``tool:<name>`` + ``arg:<k>``, ``kind:short`` (a label-like answer), ``kind:text`` + ``len:<bucket>``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from slmc.answers import strip_fence
from slmc.ir.nodes import Prompt
from slmc.traces.record import TraceRecord, content_text

MIN_LITERAL = 4  # template literal pieces shorter than this are not removed (would cut words apart)
MAX_VARIABLE_CHARS = 1200
_PREFIX = re.compile(r"^([^:\n]{1,40}:)\s")


def record_lines(record: TraceRecord) -> list[str]:
    """The prompt as lines (all messages; tool names offered as one extra line)."""
    lines: list[str] = []
    for message in record.messages:
        lines.extend(content_text(message.get("content")).splitlines())
    names = [str((t.get("function") or t).get("name", "")) for t in record.tools if isinstance(t, dict)]
    if names:
        lines.append("tools: " + ", ".join(sorted(n for n in names if n)))
    return [stripped for line in lines if (stripped := line.strip())]


def _prompt_key(record: TraceRecord) -> tuple:
    contents = tuple(str(m.get("content")) for m in record.messages)
    return contents, tuple(str((t.get("function") or t).get("name")) for t in record.tools if isinstance(t, dict))


def template_literals(prompt: Prompt | None) -> list[str]:
    """Static text pieces of a site's prompt template, longest first."""
    if prompt is None:
        return []
    pieces: set[str] = set()
    for message in prompt.messages:
        for part in message.parts:
            if part.hole:
                continue
            for line in part.text.splitlines():
                if len(line.strip()) >= MIN_LITERAL:
                    pieces.add(line.strip())
    return sorted(pieces, key=len, reverse=True)


def common_lines(
    per_record_lines: Sequence[Sequence[str]], share: float = 0.2, min_count: int = 3
) -> tuple[set[str], set[str]]:
    """Lines, and line prefixes such as ``Customer message:``, found in at least ``share`` of the distinct prompts
    (and ``min_count`` of them)."""
    distinct = {tuple(lines) for lines in per_record_lines}
    if len(distinct) < min_count:
        return set(), set()
    cut = max(min_count, share * len(distinct))
    df = Counter(line for lines in distinct for line in set(lines))
    prefix_df = Counter(m.group(1) for lines in distinct for m in {_PREFIX.match(line) for line in lines} if m)
    return {line for line, n in df.items() if n >= cut}, {p for p, n in prefix_df.items() if n >= cut}


def variable_parts(records: Sequence[TraceRecord], prompt: Prompt | None = None, share: float = 0.2) -> list[str]:
    """The variable part of each record's prompt (same order), for records of one call site."""
    keys = [_prompt_key(r) for r in records]  # traffic repeats itself: work once per distinct prompt
    first = dict(zip(keys, records, strict=True))
    lines_of = {k: record_lines(r) for k, r in first.items()}
    drop, prefixes = common_lines(list(lines_of.values()), share=share)
    literals = template_literals(prompt)
    variable: dict[tuple, str] = {}
    for key, lines in lines_of.items():
        kept = []
        for line in lines:
            if line in drop:
                continue
            head = _PREFIX.match(line)
            if head and head.group(1) in prefixes:
                line = line[head.end() :]
            for literal in literals:
                if literal in line:
                    line = line.replace(literal, " ")
            line = " ".join(line.split())
            if line:
                kept.append(line)
        variable[key] = "\n".join(kept)[:MAX_VARIABLE_CHARS]
    return [variable[k] for k in keys]


def parse_json_answer(text: str | None) -> Any:
    """The answer as JSON (code fences allowed), or None when it is not a JSON object/array."""
    if not text:
        return None
    stripped = strip_fence(text)
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def answer_kind(record: TraceRecord) -> str:
    """tool-call | json | short | text | empty."""
    if record.tool_calls:
        return "tool-call"
    text = (record.output or "").strip()
    if not text:
        return "empty"
    if parse_json_answer(text) is not None:
        return "json"
    if len(text) <= 48 and len(text.split()) <= 4 and "\n" not in text:
        return "short"
    return "text"


def answer_shape(record: TraceRecord) -> list[str]:
    """Tokens describing the form of the answer (not its content)."""
    kind = answer_kind(record)
    tokens = [f"kind:{kind}"]
    if kind == "tool-call":
        for call in record.tool_calls:
            tokens.append(f"tool:{call.get('name')}")
            args = call.get("arguments")
            if isinstance(args, dict):
                tokens.extend(f"arg:{k}" for k in sorted(args))
    elif kind == "json":
        value = parse_json_answer(record.output)
        if isinstance(value, dict):
            tokens.extend(f"key:{k}" for k in sorted(value))
        elif isinstance(value, list):
            tokens.append("key:<list>")
    elif kind == "text":
        words = len((record.output or "").split())
        tokens.append(f"len:{int(math.log2(words + 1))}")
    return tokens


SHAPE_WEIGHTS = {"kind": 1.0, "tool": 2.0, "arg": 1.0, "key": 1.0, "len": 0.5}


class ShapeVectorizer:
    """Answer-shape tokens -> L2-normalised vectors. Tokens seen fewer than ``min_count`` times in the fitted sample
    fold into ``<prefix>:<rare>`` (a one-off tool name says "some tool", not "this task")."""

    def __init__(self, min_count: int = 3) -> None:
        self.min_count = min_count
        self.vocab: dict[str, int] = {}

    def _fold(self, token: str, counts: Counter | None = None) -> str:
        prefix = token.split(":", 1)[0]
        known = counts[token] >= self.min_count if counts is not None else token in self.vocab
        return token if known or prefix == "kind" else f"{prefix}:<rare>"

    def fit(self, shapes: Sequence[Sequence[str]]) -> ShapeVectorizer:
        counts = Counter(t for shape in shapes for t in set(shape))
        folded = sorted({self._fold(t, counts) for shape in shapes for t in shape})
        self.vocab = {t: i for i, t in enumerate(folded)}
        return self

    def transform(self, shapes: Sequence[Sequence[str]]):
        import numpy as np

        out = np.zeros((len(shapes), max(1, len(self.vocab))), dtype=np.float32)
        for row, shape in enumerate(shapes):
            for token in shape:
                folded = self._fold(token)
                col = self.vocab.get(folded)
                if col is not None:
                    out[row, col] = SHAPE_WEIGHTS.get(folded.split(":", 1)[0], 1.0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
