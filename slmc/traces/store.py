"""The embedded trace store: an append-only JSONL file, one ``TraceRecord.to_json()`` line per LLM call.

Each record is written with one ``os.write`` on an ``O_APPEND`` descriptor under an exclusive ``fcntl.flock``, so any
number of processes (an agent's workers, a pool of subprocesses) can append to the same file without interleaving,
and every record is in the kernel's hands as soon as the call returns: a killed agent loses at most the call in
flight. A torn last line left by a writer killed mid-write is isolated (the next writer starts a new line first); the
reader skips it and reports ``E103``. Stdlib only: it runs inside the user's agent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from slmc.traces.record import Frame, TraceRecord, dumps_line

try:  # POSIX; elsewhere O_APPEND alone keeps single-process writes whole
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class TraceStore:
    """Appends records to a JSONL file; safe across threads and processes. Use as a context manager or ``close()``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = self._open()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.written = 0

    def append(self, record: TraceRecord) -> None:
        self.append_line(record_json(record))

    def append_many(self, records: Iterable[TraceRecord]) -> int:
        count = 0
        for record in records:
            self.append(record)
            count += 1
        return count

    def append_line(self, line: str) -> None:
        """Write one JSON line (no newline inside) as a single locked append."""
        data = (line + "\n").encode("utf-8")
        with self._lock:
            if self._fd is None:
                raise ValueError(f"trace store {self.path} is closed")
            if self._pid != os.getpid():  # a forked child: flock must not be shared with the parent's descriptor
                self._fd, self._pid = self._open(), os.getpid()
            fd = self._fd
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a torn line from a killed writer: keep ours separate
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            self.written += 1

    def _open(self) -> int:
        return os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> TraceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_FIELDS = tuple(f.name for f in fields(TraceRecord))
_FRAME_FIELDS = tuple(f.name for f in fields(Frame))
_EMPTY = (None, [], {}, "")


def record_json(record: TraceRecord) -> str:
    """Exactly ``record.to_json()``, without ``dataclasses.asdict``'s deep copy (the hot path of capture)."""
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(record, name)
        if value in _EMPTY:
            continue
        if name == "stack":
            value = [{k: getattr(f, k) for k in _FRAME_FIELDS} if isinstance(f, Frame) else f for f in value]
        out[name] = value
    return dumps_line(out)


def write_records(path: str | Path, records: Iterable[TraceRecord]) -> int:
    """Append ``records`` to the store at ``path``; returns how many were written."""
    with TraceStore(path) as store:
        return store.append_many(records)
