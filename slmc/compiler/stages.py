"""Content-hash stage cache: every compile stage is keyed by the hash of its inputs, so a re-run resumes.

A stage's state is the compile unit (``slmc.ir.unit.CompileUnit``): graph and reports in ``unit.json`` (paths under
the build folder ``work/`` relative to it), the trace table beside it in ``traces.jsonl`` (so an unchanged table is hard-linked, not written again). Each file is written to
a temp file and renamed into place, and the stage's ``done`` marker is written last, so a compile killed mid-write leaves either a
complete stage or none.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.ir.unit import CompileUnit, unit_from_json, unit_to_json
from slmc.safety import OWNER_MARK, UnsafePathError, is_owned, mark_owned, remove_owned
from slmc.traces.bulk import gc_paused
from slmc.traces.ingest._stream import parse_line
from slmc.traces.record import TraceRecord


def hash_bytes(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(len(c).to_bytes(8, "little"))
        h.update(c)
    return h.hexdigest()[:20]


def hash_files(paths: Iterable[Path], root: Path | None = None) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        name = str(p.relative_to(root)) if root and p.is_relative_to(root) else str(p)
        h.update(name.encode())
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:20]


def hash_json(value: Any) -> str:
    return hash_bytes(json.dumps(value, sort_keys=True, default=str).encode())


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:  # gone, or a file system without hard links: written again
        return False
    return True


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class StageCache:
    """The cache folder and each stage folder in it carry slmc's mark; only marked stage folders are ever replaced."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        if is_owned(folder):
            return
        if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
            raise SlmcError(
                f"the stage cache folder exists but was not created by this slmc (no {OWNER_MARK} mark); "
                "refusing to write into it",
                path=str(folder),
                hint="remove it yourself if it is an older slmc's cache, or choose another --out",
            )
        mark_owned(folder)

    @property
    def work(self) -> Path:
        """The build folder of the compile (datasets, models, report) inside the cache."""
        return self.folder / "work"

    def _dir(self, name: str, key: str) -> Path:
        return self.folder / f"{name}-{key}"

    def has(self, name: str, key: str) -> bool:
        return (self._dir(name, key) / "done").exists()

    def traces_file(self, name: str, key: str) -> Path:
        return self._dir(name, key) / "traces.jsonl"

    def save(self, name: str, key: str, unit: CompileUnit, same_traces_as: Path | None = None) -> None:
        """Write a stage. ``same_traces_as``: an earlier stage's traces file holding exactly ``unit.traces`` (the
        pass did not change them): hard-linked instead of written again (100k records: seconds per stage saved)."""
        d = self._dir(name, key)
        try:
            remove_owned(d)
        except UnsafePathError as exc:
            raise SlmcError(str(exc), path=str(d), hint="remove the stage cache folder yourself") from None
        mark_owned(d)
        if unit.traces is not None and not (same_traces_as and _link(same_traces_as, d / "traces.jsonl")):
            with gc_paused():
                text = "".join([r.to_json() + "\n" for r in unit.traces])
            _atomic_write(d / "traces.jsonl", text)
        data = unit_to_json(unit, with_traces=False, base=self.work)
        _atomic_write(d / "unit.json", json.dumps(data, sort_keys=True, default=str, indent=1, ensure_ascii=False))
        _atomic_write(d / "done", key)

    def load(self, name: str, key: str) -> CompileUnit:
        d = self._dir(name, key)
        records = None
        if (d / "traces.jsonl").exists():
            with open(d / "traces.jsonl", "rb") as fh, gc_paused():
                records = [TraceRecord.from_dict(parse_line(line)) for line in fh if line.strip()]
        return unit_from_json(json.loads((d / "unit.json").read_text(encoding="utf-8")), records, base=self.work)
