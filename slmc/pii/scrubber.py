"""Consistent replacement of detected PII/secrets by typed placeholders (``<EMAIL_1>``, ``<CARD_2>``, ...).

One ``Scrubber`` per run: the same value always gets the same placeholder, wherever it appears (prompt, teacher
output, tool arguments, metadata), so answers that copy a value from the prompt stay learnable. The value -> placeholder
table lives only in memory; reports carry counts, never values.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slmc.pii.detectors import NAME_STOP, Span, find_spans, resolve_overlaps

# Dict keys whose string values are secrets even when no detector recognises their shape.
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "client_secret",
        "api_key",
        "apikey",
        "access_token",
        "refresh_token",
        "auth_token",
        "token",
        "authorization",
        "private_key",
        "x-api-key",
    }
)
# Keys whose values are structure (ids, roles, names of functions and types): never rewritten.
STRUCTURAL_KEYS = frozenset(
    {
        "role",
        "type",
        "id",
        "tool_call_id",
        "name",
        "link",
        "group",
        "finish_reason",
        "origin",
        "input_hash",
        "stop_reason",
    }
)
# Under these keys the structure goes on (OpenAI/Anthropic message parts and tool calls); elsewhere values are data.
NESTED_STRUCTURE = frozenset({"tool_calls", "function", "content", "parts", "function_call"})
# Keys whose string values are person names when they look like one.
NAME_KEYS = frozenset(
    {
        "name",
        "full_name",
        "fullname",
        "first_name",
        "last_name",
        "surname",
        "given_name",
        "family_name",
        "customer_name",
        "contact_name",
        "user_name",
        "username",
        "customer",
        "recipient",
        "sender",
    }
)
NAME_VALUE = re.compile(r"^(?:(?:Mr|Mrs|Ms|Dr)\.? )?[A-Z][a-z'\u00e0-\u00ff]+(?:[ -][A-Z][a-z'\u00e0-\u00ff]+){0,3}$")
# In tool schemas only human text is scrubbed.
SCHEMA_TEXT_KEYS = frozenset({"description", "title", "examples", "example", "default"})


_SCALARS = frozenset({int, float, bool, type(None)})
_KEYS: dict[Any, str] = {}


def _lower_key(key: Any) -> str:
    lower = str(key).lower()
    if len(_KEYS) < 10_000:
        _KEYS[key] = lower
    return lower


@dataclass
class DetectOptions:
    names: bool = True
    entropy: bool = True
    min_token_length: int = 24

    def find(self, text: str) -> list[Span]:
        return find_spans(text, names=self.names, entropy=self.entropy, min_token_length=self.min_token_length)


_NOTHING: list[Span] = []  # the spans of every text that holds nothing (shared: span lists are never mutated)
_UNKNOWN = (None,)  # a truthy stand-in for "not detected yet"


def _detect_sparse(args: tuple[DetectOptions, list[str]]) -> list[tuple[int, list[Span]]]:
    """(index, spans) of the texts that hold something (most hold nothing: less to send back)."""
    options, texts = args
    out = []
    for i, text in enumerate(texts):
        found = options.find(text)
        if found:
            out.append((i, found))
    return out


class DetectionPrefetch:
    """Detection of record texts in worker processes while the records are still being read and linked.

    ``feed(record)`` as each record arrives: its big texts (``record_texts``) that were not seen before are batched and
    sent to ``workers`` processes; ``Scrubber.adopt(prefetch)`` later takes the spans found. Nothing is started for
    small trace sets (fewer than one batch of distinct texts): those are detected in place. Results hold spans (offsets
    and kinds) only for this process's scrubber; the texts stay in memory and are never written anywhere.
    """

    def __init__(self, options: DetectOptions, workers: int, batch: int = 4000) -> None:
        self.options = options
        self.workers = max(1, workers)
        self.batch = batch
        self._seen: set[str] = set()
        self._pending: list[str] = []
        self._sent: list[tuple[list[str], Future[list[tuple[int, list[Span]]]]]] = []
        self._pool: ProcessPoolExecutor | None = None

    def feed(self, rec: Any) -> None:
        seen, pending = self._seen, self._pending
        for m in rec.messages:  # record_texts, inlined: this runs once per record read
            text = m.get("content")
            if type(text) is str and len(text) >= 6 and text not in seen:
                seen.add(text)
                pending.append(text)
        text = rec.output
        if text and len(text) >= 6 and text not in seen:
            seen.add(text)
            pending.append(text)
        if len(pending) >= self.batch:
            self._send()

    def add(self, texts: Iterable[str]) -> None:
        """Texts already known to be distinct and worth detecting."""
        for text in texts:
            self._pending.append(text)
            if len(self._pending) >= self.batch:
                self._send()

    def _send(self) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        chunk, self._pending = self._pending, []
        self._sent.append((chunk, self._pool.submit(_detect_sparse, (self.options, chunk))))

    def results(self) -> Iterator[dict[str, list[Span]]]:
        """Batches of {text: spans} covering every text fed; waits for the workers, then shuts them down."""
        try:
            if self._pending and self._pool is not None:
                self._send()
            for chunk, future in self._sent:
                batch = dict.fromkeys(chunk, _NOTHING)
                for i, spans in future.result():
                    batch[chunk[i]] = spans
                yield batch
            if self._pending:  # never started: a small trace set
                yield {text: self.options.find(text) for text in self._pending}
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._sent, self._pending, self._seen = [], [], set()


@dataclass
class Scrubber:
    options: DetectOptions = field(default_factory=DetectOptions)
    cache_size: int = 200_000
    counts: Counter[str] = field(default_factory=Counter)  # replacements made, by kind
    _table: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)  # (kind, key) -> placeholder
    _next: Counter[str] = field(default_factory=Counter, repr=False)
    _cache: dict[str, list[Span]] = field(default_factory=dict, repr=False)
    _known: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)  # this record's values -> (kind, key)
    _learned: dict[str, tuple[str, str]] | None = field(default=None, repr=False)  # values seen in the record so far
    _known_only: bool = field(default=False, repr=False)  # second pass over a record: known values only

    # ---- detection ---------------------------------------------------------------------------------------------------
    def spans(self, text: str) -> list[Span]:
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        found = self.options.find(text)
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[text] = found
        return found

    def prefetch(self, texts: Iterable[str], workers: int) -> None:
        """Detect spans of many texts in ``workers`` processes (the replacement itself stays in this process)."""
        unique = list(dict.fromkeys(t for t in texts if len(t) >= 6 and t not in self._cache))
        if workers <= 1 or len(unique) < 2000:
            for t in unique:
                self.spans(t)
            return
        prefetch = DetectionPrefetch(self.options, workers, batch=max(500, len(unique) // (workers * 8)))
        prefetch.add(unique)
        self.adopt(prefetch)

    def adopt(self, prefetch: DetectionPrefetch) -> None:
        """Take the spans a ``DetectionPrefetch`` found (started with the same options)."""
        for batch in prefetch.results():
            self._cache.update(batch)
        self.cache_size = max(self.cache_size, len(self._cache))

    # ---- replacement -------------------------------------------------------------------------------------------------
    def placeholder(self, kind: str, key: str) -> str:
        ph = self._table.get((kind, key))
        if ph is None:
            self._next[kind] += 1
            ph = f"<{kind}_{self._next[kind]}>"
            self._table[(kind, key)] = ph
        self.counts[kind] += 1
        return ph

    def text(self, text: str) -> str:
        spans = self.spans(text) if len(text) >= 6 and not self._known_only else []
        if spans and self._learned is not None:
            for sp in spans:
                if sp.end - sp.start >= 4:
                    self._learned.setdefault(text[sp.start : sp.end], (sp.kind, sp.key))
        if self._known and len(text) >= 4:
            spans = self._with_known(text, spans)
        if not spans:
            return text
        out: list[str] = []
        pos = 0
        for s in spans:
            out.append(text[pos : s.start])
            out.append(self.placeholder(s.kind, s.key))
            pos = s.end
        out.append(text[pos:])
        return "".join(out)

    def _with_known(self, text: str, spans: list[Span]) -> list[Span]:
        """Add the places where a value found elsewhere in the same record appears bare (a name the answer repeats)."""
        extra: list[Span] = []
        for raw, (kind, key) in self._known.items():
            i = text.find(raw)
            while i != -1:
                j = i + len(raw)
                if (i == 0 or not text[i - 1].isalnum()) and (j == len(text) or not text[j].isalnum()):
                    extra.append(Span(i, j, kind, key))
                i = text.find(raw, j)
        return resolve_overlaps([*spans, *extra]) if extra else spans

    def secret_value(self, text: str) -> str:
        """A value stored under a secret-named key: replaced whole (unless empty or already a placeholder)."""
        if self._known_only or len(text) < 4 or (text.startswith("<") and text.endswith(">")):
            return self.text(text)
        scrubbed = self.text(text)
        if scrubbed != text:
            return scrubbed
        return self._whole("SECRET", text)

    def _whole(self, kind: str, text: str) -> str:
        if self._learned is not None:
            self._learned.setdefault(text, (kind, text))
        return self.placeholder(kind, text)

    def value(self, obj: Any, *, structural: bool = False, schema: bool = False) -> Any:
        """Scrub strings inside JSON-like data. Keys are kept; with ``structural`` the values of structural keys
        (role, id, function name, ...) at this level are kept too; with ``schema`` only human text is scrubbed."""
        kind = type(obj)
        if kind is str:
            return self.text(obj)
        if kind is dict:
            out: dict[Any, Any] = {}
            cached = self._cache.get if not self._known else {}.get  # texts known to hold nothing: kept as they are
            for k, v in obj.items():
                key = _KEYS.get(k) or _lower_key(k)
                vkind = type(v)
                if vkind is str:
                    if (structural and key in STRUCTURAL_KEYS) or (schema and key not in SCHEMA_TEXT_KEYS):
                        out[k] = v
                    elif key in SECRET_KEYS:
                        out[k] = self.secret_value(v)
                    elif key in NAME_KEYS and not schema:
                        out[k] = self.name_value(v)
                    elif not cached(v, _UNKNOWN):
                        out[k] = v
                    else:
                        out[k] = self.text(v)
                elif vkind in _SCALARS:
                    out[k] = v
                else:
                    nested = (structural and key in NESTED_STRUCTURE) or (schema and key != "enum")
                    out[k] = self.value(v, structural=nested, schema=schema and key != "enum")
            return out
        if kind is list or kind is tuple:
            items = [self.value(v, structural=structural, schema=schema) for v in obj]
            return items if kind is list else tuple(items)
        if isinstance(obj, str):  # subclasses (enums, ...) as their plain value
            return self.text(str(obj))
        if isinstance(obj, dict | list | tuple):
            plain = dict(obj) if isinstance(obj, dict) else list(obj)
            return self.value(plain, structural=structural, schema=schema)
        return obj

    def name_value(self, text: str) -> str:
        """A value stored under a person-name key: replaced whole when it looks like a name."""
        if not self._known_only and NAME_VALUE.match(text) and text.split()[0] not in NAME_STOP:
            return self._whole("NAME", text)
        return self.text(text)

    def record(self, rec: Any) -> None:
        """Scrub a ``TraceRecord`` in place: messages, tools' text, output, tool calls, params, error, label, meta.

        The values found are remembered; when there are any, a second pass replaces them where they appear bare
        elsewhere in the record: a value recognised in one place (``Dear Maria Okonkwo``) is also replaced where the
        detectors cannot recognise it (the answer ``Maria Okonkwo``). Values split across two adjacent messages (a
        key, a card number, a password after a cue in the message before) are found on the two texts joined, and
        both parts are replaced."""
        self._learned = self.split_values(_message_texts(rec))
        try:
            self._scrub_record(rec)
            if self._learned:
                self._known, self._known_only = self._learned, True
                self._learned = None
                self._scrub_record(rec)
        finally:
            self._known, self._known_only, self._learned = {}, False, None

    def _scrub_record(self, rec: Any) -> None:
        cached = self._cache.get if not self._known else None
        messages = []
        for m in rec.messages:
            # The common message, {"role", "content"} with a content known to hold nothing, is kept as it is (what
            # ``value`` would return: role is structural); anything else goes through ``value``.
            if cached is not None and type(m) is dict and len(m) == 2:
                content, role = m.get("content"), m.get("role")
                if type(content) is str and type(role) is str and not cached(content, _UNKNOWN):
                    messages.append(m)
                    continue
            messages.append(self.value(m, structural=True))
        rec.messages = messages
        if rec.tools:
            rec.tools = [self.value(t, schema=True) for t in rec.tools]
        if rec.output and (self._known or self._cache.get(rec.output, _UNKNOWN)):
            rec.output = self.text(rec.output)
        if rec.tool_calls:
            rec.tool_calls = [self.value(c, structural=True) for c in rec.tool_calls]
        if rec.params:
            rec.params = self.value(rec.params)
        if rec.error:
            rec.error = self.text(rec.error)
        if isinstance(rec.label, str | dict | list):
            rec.label = self.value(rec.label)
        if rec.meta:
            rec.meta = self.value(rec.meta, structural=True)

    def split_values(self, texts: list[str], window: int = 200) -> dict[str, tuple[str, str]]:
        """Parts of values split across adjacent ``texts`` -> (kind, key) of the whole value.

        Each pair whose boundary could fall inside a value (the first text ends, and the second starts, with a
        character a value holds) is joined (directly, with a space, with a newline) over ``window`` characters each
        side; a span found there that crosses the boundary, or that lies on one side but was not found in that text
        alone (a password after a cue in the message before), is learned by its parts."""
        learned: dict[str, tuple[str, str]] = {}
        for a, b in itertools.pairwise(texts):
            a_end, b_start = a.rstrip()[-1:], b.lstrip()[:1]
            if not a_end or not b_start or a_end not in _JOINABLE or b_start not in _JOINABLE:
                continue
            last, first = a.rsplit(None, 1)[-1], b.split(None, 1)[0]
            if not (_fragment(last) or _fragment(first) or last.lower() in _CUE_ENDS):
                continue  # ordinary words on both sides of the boundary: nothing can be split there
            tail, head = a[-window:], b[:window]
            offset = len(a) - len(tail)
            for sep in ("", " ", "\n"):
                joined = tail + sep + head
                cut, resume = len(tail), len(tail) + len(sep)
                for sp in self.options.find(joined):
                    if sp.start == 0 and offset:
                        continue  # may be an artefact of the cut window
                    left = joined[sp.start : cut] if sp.start < cut else ""
                    right = joined[max(sp.start, resume) : sp.end] if sp.end > resume else ""
                    left_known = bool(left) and _covered(self.spans(a), offset + sp.start, offset + min(sp.end, cut))
                    right_known = bool(right) and _covered(self.spans(b), max(0, sp.start - resume), sp.end - resume)
                    extends = (left_known and not _secretish(right)) or (right_known and not _secretish(left))
                    if left and right and extends:
                        continue  # a value complete on one side that the join only extends by a word
                    for part, known in ((left.strip(), left_known), (right.strip(), right_known)):
                        if len(part) >= 4 and not known:
                            learned.setdefault(part, (sp.kind, sp.key))
        return learned

    @property
    def distinct(self) -> Counter[str]:
        return Counter(kind for kind, _ in self._table)


_JOINABLE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=:")


_CUE_ENDS = frozenset({"is", "are", "was", ":", "=", "me", "at", "to", "number", "key", "password", "token"})


def _fragment(word: str) -> bool:
    """A word that may be part of a value: digits, ``@``, a PEM dash run, or a long run that is not plain letters."""
    if any(ch.isdigit() for ch in word) or "@" in word or word[-1:] in ":=":
        return True
    return len(word) >= 8 and not (word.isalpha() and (word.islower() or word.istitle()))


def _covered(spans: list[Span], start: int, end: int) -> bool:
    """Whether a span found in the text alone already covers [start, end)."""
    return any(s.start <= start and end <= s.end for s in spans)


def _secretish(part: str) -> bool:
    """A part that could continue a secret or a number: digits, or a long mixed-case run without spaces."""
    part = part.strip()
    if any(ch.isdigit() for ch in part):
        return True
    return len(part) >= 8 and " " not in part and part.lower() != part and part.upper() != part


def _message_texts(rec: Any) -> list[str]:
    """The plain-text contents of a record's messages, then its output: the sequence adjacent values are split in."""
    texts = [m.get("content") for m in rec.messages if isinstance(m, dict)]
    out = [t for t in texts if isinstance(t, str) and t]
    if isinstance(rec.output, str) and rec.output:
        out.append(rec.output)
    return out


def record_texts(rec: Any) -> Iterable[str]:
    """The strings of a record worth detecting ahead of time (the big ones: message contents and output)."""
    for m in rec.messages:
        content = m.get("content")
        if isinstance(content, str):
            yield content
    if rec.output:
        yield rec.output


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
