"""Streaming JSON documents out of trace files, with line numbers; memory stays flat in the file size.

A trace file is JSONL (one value per line), a JSON array, one (possibly pretty-printed) JSON object, or several
concatenated values; gzip files are read transparently (known by their magic bytes, whatever their name). Container
objects are opened up: the elements of ``resourceSpans``/``scopeSpans``/``spans`` (OTLP), ``hits.hits``
(Elasticsearch), ``data``/``observations`` (Langfuse API exports) and ``runs`` are yielded one by one as ``Doc``s,
each with the non-container fields of its enclosing objects (``parents``, outermost first: e.g. an OTLP ``resource``
and ``scope``).

Large containers are walked key by key with ``json.JSONDecoder.raw_decode`` on a sliding buffer, so a 1 GB OTLP export
is never held in memory; JSONL lines are parsed one at a time, as bytes, by ``orjson`` when it is installed. A line it
refuses (``NaN``, ...) or may read differently (a run of 19+ digits: orjson turns integers past 64 bits into floats) is
parsed by the standard library's parser, so what is read is what ``json.loads`` reads, except that values JSON cannot
write back are made safe: ``NaN``/``Infinity`` (and numbers too large for a float) become ``null`` and lone UTF-16
surrogates (``"\\ud800"``) become U+FFFD.

Hostile input is a ``Problem`` for its line, never an exception: a line longer than ``max_line_bytes`` (default 16 MiB,
``SLMC_MAX_LINE_BYTES``) is skipped unread (``E105``), a value nested deeper than ``MAX_DEPTH`` is skipped (``E106``).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from slmc.traces.record import json_safe

try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is a dependency; the standard parser reads the same lines
    _fast_loads = json.loads

CONTAINER_KEYS = frozenset(
    {"resourceSpans", "scopeSpans", "instrumentationLibrarySpans", "spans", "hits", "data", "observations", "runs"}
    | {"resourceLogs", "scopeLogs", "instrumentationLibraryLogs", "logRecords"}  # OTLP logs: GenAI content events
)
# Containers whose elements may themselves be huge containers: walked key by key instead of parsed whole.
_DEEP_KEYS = frozenset({"resourceSpans", "scopeSpans", "instrumentationLibrarySpans", "hits"})
_DEEP_KEYS |= {"resourceLogs", "scopeLogs", "instrumentationLibraryLogs"}
_WS = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 16
_BOM = b"\xef\xbb\xbf"
# A run of 19+ digits may be an integer orjson would turn into a float. Found by mapping every digit to "0" and
# looking for 19 of them in a row: two C passes (a regex search costs more than the parse itself). The same table maps
# "{" to "[", so one count of "[" bounds the nesting depth (MAX_DEPTH).
_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= c <= 0x39 else 0x5B if c == 0x7B else c for c in range(256))
_LONG_RUN = b"0" * 19
_GZIP_MAGIC = b"\x1f\x8b"
MAX_DEPTH = 128  # nesting levels of one record; deeper values are refused (E106): passes walk values recursively
DEFAULT_MAX_LINE_BYTES = 16 << 20
_TORN = "incomplete last line (the writer was probably killed mid-write)"
ENV_MAX_LINE_BYTES = "SLMC_MAX_LINE_BYTES"


def _no_constant(name: str) -> None:
    return None  # NaN, Infinity, -Infinity: JSON cannot hold them; read as null


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if value - value == 0.0 else None  # 1e999 is inf: null


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)
_STD_LOADS = _DECODER.decode


class TooDeep(ValueError):
    """A JSON value nested deeper than ``MAX_DEPTH``."""


def max_line_bytes(value: int | str | None = None) -> int:
    """The line-size cap: ``value`` if given, else ``SLMC_MAX_LINE_BYTES``, else 16 MiB (0 or less: no cap).

    A setting that is not a whole number is an ``SlmcError`` (a clear message, before anything is read)."""
    if value is None:
        value = os.environ.get(ENV_MAX_LINE_BYTES) or DEFAULT_MAX_LINE_BYTES
    try:
        number = int(value)
    except (TypeError, ValueError):
        from slmc.errors import SlmcError

        raise SlmcError(
            f"the line-size cap must be a whole number of bytes, not {value!r}",
            hint=f"set {ENV_MAX_LINE_BYTES} (or --max-line-bytes) to a number such as {DEFAULT_MAX_LINE_BYTES}",
        ) from None
    return number if number > 0 else 1 << 62


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` nests lists and dicts (a scalar is 0); stops counting past ``limit``. Iterative."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        level += 1
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        stack.extend((child, level) for child in item if isinstance(child, list | dict))
    return deepest


def check_depth(value: Any, brackets: int) -> Any:
    """``value`` when it nests at most ``MAX_DEPTH`` deep, else ``TooDeep``. ``brackets`` is the number of ``[``
    and ``{`` in its JSON text, a bound on its depth: most values are never walked."""
    if brackets > MAX_DEPTH and depth_of(value) > MAX_DEPTH:
        raise TooDeep(f"nested more than {MAX_DEPTH} levels deep")
    return value


def loads(text: str | bytes) -> Any:
    """One JSON value as ``parse_line`` reads it (safe values, depth checked); ``ValueError`` when it is not JSON
    or too deep (also for a nesting that would exhaust the parser's recursion)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return parse_line(raw)


@dataclass
class Doc:
    """One candidate record: its value, the line it starts on, and the fields of the objects around it."""

    line: int
    value: Any
    parents: tuple[dict[str, Any], ...] = ()


@dataclass
class Problem:
    """A part of the file that could not be read: code ``E101`` malformed JSON, ``E103`` torn last line, ``E104``
    unreadable file."""

    line: int
    code: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


class _Malformed(Exception):
    def __init__(self, message: str, line: int, code: str = "E101") -> None:
        super().__init__(message)
        self.line = line
        self.code = code


def is_gzip(path: Path) -> bool:
    """Whether the file starts with gzip's magic bytes (its name does not matter)."""
    with open(path, "rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


def open_text(path: Path) -> TextIO:
    if is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def iter_documents(path: str | Path, max_line: int | None = None) -> Iterator[Doc | Problem]:
    """Yield every candidate record of ``path`` (``Doc``) and every unreadable part (``Problem``), in file order.

    ``max_line``: the line-size cap in bytes (``max_line_bytes()`` when None)."""
    path = Path(path)
    cap = max_line_bytes(max_line)
    try:
        with open_binary(path) as raw:
            head = raw.read(_CHUNK)
            if head.startswith(_BOM):  # written by some Windows tools
                head = head[len(_BOM) :]
            while b"\n" not in head and len(head) <= cap:  # a first line longer than one chunk: sniff all of it
                more = raw.read(_CHUNK)
                if not more:
                    break
                head += more
            if _looks_like_jsonl(head.decode("utf-8", "replace")):
                yield from _iter_jsonl(head, raw, cap)
                return
    except (OSError, EOFError) as exc:  # missing file, gzip errors, I/O errors
        yield Problem(0, "E104", f"cannot read trace file: {exc.strerror or exc}; stopped reading this file")
        return
    try:
        with open_text(path) as fh:
            yield from _Scanner(fh, fh.read(_CHUNK), cap).documents()
    except UnicodeDecodeError as exc:
        yield Problem(0, "E104", f"not UTF-8 text ({exc.reason}); stopped reading this file")
    except (OSError, EOFError) as exc:
        yield Problem(0, "E104", f"cannot read trace file: {exc}; stopped reading this file")


def _looks_like_jsonl(head: str) -> bool:
    """True when one of the first two non-empty lines is a complete JSON object on its own."""
    lines = head.split("\n")
    tried = 0
    for raw in lines[:-1] or lines:
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("{"):
            return False
        try:
            loads(line)
            return True
        except ValueError:
            tried += 1
            if tried >= 2:
                return False
    return False


def _iter_jsonl(head: bytes, fh: IO[bytes], cap: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Doc | Problem]:
    number = 0
    pending: list[bytes] = []  # the start of a line whose end is not read yet
    pending_size = 0
    chunk = head
    while True:
        last = not chunk  # end of file: what is left is a last line without a newline
        if last:
            lines = [b"".join(pending)]
        else:
            nl = chunk.rfind(b"\n")
            if nl < 0:
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size > cap:  # one line past the cap: dropped unread up to its end
                    number += 1
                    yield Problem(number, "E105", f"line longer than {cap} bytes (the line-size cap); skipped")
                    rest = _skip_to_newline(fh)
                    pending, pending_size = [], 0
                    if rest is None:
                        return
                    chunk = rest or fh.read(_CHUNK)
                    continue
                chunk = fh.read(_CHUNK)
                continue
            lines = (b"".join(pending) + chunk[:nl]).split(b"\n")
            pending = [chunk[nl + 1 :]]
            pending_size = len(pending[0])
        for raw in lines:
            number += 1
            if len(raw) > cap:
                yield Problem(number, "E105", f"line longer than {cap} bytes (the line-size cap); skipped")
                continue
            if not raw.strip():
                continue
            value = _jsonl_value(raw, number, last=last)
            if type(value) is dict and not value.keys() & CONTAINER_KEYS:  # the common case, without a generator
                yield Doc(number, value)
            elif isinstance(value, Problem):
                yield value
            else:
                yield from expand(value, number)
        if last:
            return
        chunk = fh.read(_CHUNK)


def _skip_to_newline(fh: IO[bytes]) -> bytes | None:
    """Read on to the end of the current line; what follows its newline (None at end of file)."""
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        nl = chunk.find(b"\n")
        if nl >= 0:
            return chunk[nl + 1 :]


def parse_line(raw: bytes) -> Any:
    """One JSON value as ``json.loads`` reads it, by orjson where that is the same, with NaN/Infinity as null and
    lone surrogates replaced (raises ``ValueError``: ``TooDeep`` past ``MAX_DEPTH`` levels, ``UnicodeDecodeError``
    for bytes that are not UTF-8)."""
    mapped = raw.translate(_DIGITS_TO_ZERO)
    brackets = mapped.count(b"[")  # "[" and "{"
    if _LONG_RUN not in mapped:
        try:
            value = _fast_loads(raw)
        except ValueError:
            pass  # NaN, lone surrogates, >1024 levels and the like: the standard parser decides
        else:
            return check_depth(value, brackets) if brackets > MAX_DEPTH else value
    try:
        value = _STD_LOADS(raw.decode("utf-8"))
    except RecursionError:
        raise TooDeep("nested too deeply for the parser") from None
    if b"\\ud" in raw or b"\\uD" in raw:
        value = json_safe(value)
    return check_depth(value, brackets)


def _jsonl_value(raw: bytes, number: int, *, last: bool) -> Any:
    """The value of one JSONL line, or the ``Problem`` that keeps it from being read."""
    try:
        return parse_line(raw)
    except UnicodeDecodeError as exc:
        return Problem(number, "E104", f"not UTF-8 text ({exc.reason}); line skipped")
    except TooDeep as exc:
        return Problem(number, "E106", f"JSON {exc}; skipped")
    except ValueError as exc:
        if last:
            return Problem(number, "E103", f"{_TORN}; skipped")
        return Problem(number, "E101", f"malformed JSON: {_short(exc)}")


def expand(value: Any, line: int, parents: tuple[dict[str, Any], ...] = ()) -> Iterator[Doc]:
    """Yield the records inside an already parsed value: containers are opened, anything else is one ``Doc``."""
    if isinstance(value, list):
        for item in value:
            yield from expand(item, line, parents)
        return
    if not isinstance(value, dict) or not any(
        isinstance(value[k], list | dict)
        for k in value.keys() & CONTAINER_KEYS  # set intersection: hot path
    ):
        yield Doc(line, value, parents)
        return
    context = {k: v for k, v in value.items() if not (k in CONTAINER_KEYS and isinstance(v, list | dict))}
    for key, inner in value.items():
        if key in CONTAINER_KEYS and isinstance(inner, list | dict):
            yield from expand(inner, line, (*parents, context))


def _short(exc: ValueError) -> str:
    return str(exc).split(": line ")[0]


class _Scanner:
    """A sliding-buffer reader of concatenated JSON values that opens up container objects lazily."""

    def __init__(self, fh: TextIO, head: str, cap: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.fh = fh
        self.cap = cap
        self.buf = head
        self.pos = 0
        self.line = 1
        self.eof = False
        self.read_size = _CHUNK

    # ---- buffer ----------------------------------------------------------------------------------------------------
    def _fill(self) -> bool:
        if self.eof:
            return False
        if self.pos > (1 << 20) or self.pos > len(self.buf) // 2:
            self.buf = self.buf[self.pos :]
            self.pos = 0
        data = self.fh.read(self.read_size)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _peek(self) -> str:
        """The next non-whitespace character ('' at end of file); the position moves onto it."""
        while True:
            end = _WS.match(self.buf, self.pos).end()
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise _Malformed("JSON nested too deeply for the parser", self.line, "E106") from None
            except json.JSONDecodeError as exc:
                line = self.line + self.buf.count("\n", self.pos, exc.pos)
                truncated = exc.msg.startswith("Unterminated") or exc.pos >= len(self.buf) - 8
                if truncated and self._grow():
                    continue
                if truncated and self.eof and "\n" not in self.buf[self.pos :].rstrip():
                    raise _Malformed(_TORN, line, "E103") from None
                raise _Malformed(f"malformed JSON: {exc.msg}", line) from None
            if end >= len(self.buf) and self.buf[end - 1] not in '}]"' and self._grow():
                continue  # a number at the buffer's end may go on
            buf, start = self.buf, self.pos
            brackets = buf.count("[", start, end) + buf.count("{", start, end)
            self._advance(end)
            self.read_size = _CHUNK
            if buf.find("\\ud", start, end) >= 0 or buf.find("\\uD", start, end) >= 0:
                value = json_safe(value)
            try:
                return check_depth(value, brackets)
            except TooDeep as exc:
                raise _Malformed(f"JSON {exc}", self.line, "E106") from None

    def _grow(self) -> bool:
        if len(self.buf) - self.pos > self.cap:
            raise _Malformed(f"a value longer than {self.cap} bytes (the line-size cap)", self.line, "E105")
        self.read_size = max(self.read_size, len(self.buf) - self.pos)  # geometric: total work stays linear
        return self._fill()

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            found = self.buf[self.pos : self.pos + 1] or "end of file"
            raise _Malformed(f"malformed JSON: expected {char!r}, found {found!r}", self.line)
        self.pos += 1

    # ---- documents -------------------------------------------------------------------------------------------------
    def documents(self) -> Iterator[Doc | Problem]:
        recovering = False  # after an error inside an array: its remaining commas and brackets are not errors
        while True:
            char = self._peek()
            if not char:
                return
            if recovering and char in ",]}":
                self.pos += 1
                continue
            start = self.line
            try:
                if char == "[":
                    yield from self._array("", ())
                elif char == "{":
                    yield from self._object(())
                else:
                    yield from expand(self._value(), start)
            except _Malformed as exc:
                yield Problem(exc.line, exc.code, f"{exc}; skipped to the next line")
                recovering = True
                if not self._skip_line():
                    return

    def _skip_line(self) -> bool:
        while True:
            nl = self.buf.find("\n", self.pos)
            if nl >= 0:
                self._advance(nl + 1)
                return True
            self.pos = len(self.buf)
            if not self._fill():
                return False

    def _array(self, key: str, parents: tuple[dict[str, Any], ...]) -> Iterator[Doc]:
        self._expect("[")
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            char = self._peek()
            if char == "{" and key in _DEEP_KEYS:
                yield from self._object(parents)
            else:
                start = self.line
                yield from expand(self._value(), start, parents)
            char = self._peek()
            self.pos += 1
            if char == "]":
                return
            if char != ",":
                raise _Malformed(f"malformed JSON: expected ',' or ']', found {char or 'end of file'!r}", self.line)

    def _object(self, parents: tuple[dict[str, Any], ...]) -> Iterator[Doc]:
        """Walk an object key by key; containers are streamed, the rest is kept. A plain object is one ``Doc``."""
        start = self.line
        self._expect("{")
        fields: dict[str, Any] = {}
        opened = False
        if self._peek() == "}":
            self.pos += 1
            yield Doc(start, fields, parents)
            return
        while True:
            if self._peek() != '"':
                raise _Malformed("malformed JSON: expected a key", self.line)
            key = self._value()
            self._expect(":")
            char = self._peek()
            if key in CONTAINER_KEYS and char in "[{" and char:
                opened = True
                context = (*parents, fields)
                yield from self._array(key, context) if char == "[" else self._object(context)
            else:
                fields[key] = self._value()
            char = self._peek()
            self.pos += 1
            if char == "}":
                break
            if char != ",":
                raise _Malformed(f"malformed JSON: expected ',' or '}}', found {char or 'end of file'!r}", self.line)
        if not opened:
            yield Doc(start, fields, parents)
