"""The result cache of ``slmc lint``: a run on a tree it has seen unchanged returns the findings of the last run.

slmc's analysis is whole-program (a file's findings depend on the modules it imports and on those that call it), so
the cache holds the findings of a whole run, keyed by everything that run read:

* slmc itself: its version and the size and modification time of each of its own source files (a changed checkout
  is a new slmc), and the Python version;
* the command: the config root, the config file, the effective settings and the paths as given;
* every Python file linted: its relative path, why it could not be read (if so) and the SHA-256 of its bytes;
* every other file under the config root (the analysis reads prompt templates, YAML/JSON data and build files by
  name): its relative path, size and modification time. Folders that hold no input of the project are not walked
  (version control, ``__pycache__``, tools' caches, ``node_modules``, a virtual environment: a folder with a
  ``pyvenv.cfg``), so that a run on an unchanged tree stays cheap beside an installed environment.

A run linting less than ``MIN_CACHED_BYTES`` of Python is not cached (it is about as fast as the key).
Any difference is a miss: the tree is analysed again and the entry replaced. Entries live under a folder slmc owns
(``SLMC_CACHE_DIR``, else ``$XDG_CACHE_HOME/slmc/lint``, else ``~/.cache/slmc/lint``), each named by a hash (no
path of the linted tree ever becomes part of a file name), written atomically, read without following links, size
capped and checked field by field: a damaged or foreign entry is a miss, never an error. The cache is an
optimisation only; nothing here raises.

Import-light: only the standard library.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from slmc.compiler.sourcefiles import SourceFile, read_source
from slmc.errors import Diagnostic, Severity

FORMAT = 1  # bumped when the entry layout changes
MAX_ENTRY_BYTES = 64 << 20  # a larger entry is not read
MAX_TREE_ENTRIES = 50_000  # a tree with more files than this is not cached (walking it would cost too much)
# runs linting less Python than this are not cached: their analysis costs about what taking the key would, and a
# one-file run from a large folder (a home directory) must not walk it
MIN_CACHED_BYTES = 256_000
MAX_ENTRIES = 256  # entries kept in the cache folder (least recently written dropped first)
# folders that hold no input of the analysis: version control, bytecode, tools' caches, installed dependencies
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", "node_modules"}
)
_DIAG_FIELDS = tuple(f.name for f in fields(Diagnostic))


def cache_dir() -> Path:
    """Where entries live: ``SLMC_CACHE_DIR``, else ``$XDG_CACHE_HOME/slmc/lint``, else ``~/.cache/slmc/lint``."""
    given = os.environ.get("SLMC_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "slmc" / "lint"


def disabled_by_env() -> bool:
    """``SLMC_NO_CACHE`` set to anything but ``""``/``0``: no cache is read or written."""
    return os.environ.get("SLMC_NO_CACHE", "") not in ("", "0")


def _slmc_fingerprint() -> str:
    """slmc's version and the (path, size, mtime) of its own source and data files: a changed slmc misses every
    entry. Computed once per process."""
    import slmc

    if slmc.__version__ not in _SLMC:
        parts = [f"{slmc.__version__}\0{sys.version}\0{FORMAT}"]
        pending = [Path(slmc.__file__).parent]
        while pending:
            folder = pending.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                if e.name == "__pycache__":
                    continue
                try:
                    if e.is_dir(follow_symlinks=False):
                        pending.append(Path(e.path))
                    elif e.name.endswith(_OWN_SUFFIXES):
                        st = e.stat()
                        parts.append(f"{e.path}\0{st.st_size}\0{st.st_mtime_ns}")
                except OSError:
                    continue
        _SLMC[slmc.__version__] = hashlib.sha256("\n".join(parts).encode(errors="replace")).hexdigest()
    return _SLMC[slmc.__version__]


_SLMC: dict[str, str] = {}  # version -> fingerprint, taken once per process
_OWN_SUFFIXES = (".py", ".json", ".toml", ".txt", ".yaml")


def _tree_fingerprint(root: Path, linted: set[str], digest: Any) -> bool:
    """Add (path, size, mtime) of every file under ``root`` that is not a linted Python file; False when the tree is
    too large to cache. Links are not followed into folders (a link's own target is recorded instead)."""
    count = 0
    for folder, dirs, files in os.walk(root, onerror=lambda exc: None):
        dirs.sort()
        rel_folder = os.path.relpath(folder, root)
        kept = []
        for d in dirs:
            full = os.path.join(folder, d)
            if d in SKIP_DIRS or os.path.isfile(os.path.join(full, "pyvenv.cfg")):  # a virtual environment
                continue
            if os.path.islink(full):
                try:
                    digest.update(f"L\0{os.path.join(rel_folder, d)}\0{os.readlink(full)}\n".encode(errors="replace"))
                except OSError:
                    pass
                continue
            kept.append(d)
        dirs[:] = kept
        for name in sorted(files):
            count += 1
            if count > MAX_TREE_ENTRIES:
                return False
            rel = os.path.normpath(os.path.join(rel_folder, name)).replace(os.sep, "/")
            if rel in linted:
                continue
            try:
                st = os.stat(os.path.join(folder, name))
                line = f"F\0{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{stat.S_IFMT(st.st_mode)}\n"
            except OSError as exc:
                line = f"F\0{rel}\0{type(exc).__name__}\n"
            digest.update(line.encode(errors="replace"))
    return True


def run_key(
    root: Path,
    config_path: Path | None,
    settings: Any,
    paths: Sequence[Path],
    files: Sequence[SourceFile],
) -> tuple[str, str, dict[str, bytes]] | None:
    """(entry name, full key, bytes of each readable linted file) of a run; None when it cannot be cached."""
    try:
        head = hashlib.sha256()
        for part in (str(root.resolve()), str(config_path or ""), repr(settings), *(str(p) for p in paths)):
            head.update(part.encode(errors="replace") + b"\0")
        name = head.hexdigest()[:40]
        digest = hashlib.sha256(head.digest())
        data: dict[str, bytes] = {}
        for f in files:
            if f.problem:
                digest.update(f"P\0{f.relpath}\0{f.problem}\n".encode(errors="replace"))
                continue
            try:
                blob = read_source(f.path)
            except OSError as exc:
                digest.update(f"E\0{f.relpath}\0{type(exc).__name__}\n".encode(errors="replace"))
                continue
            data[f.relpath] = blob
            digest.update(f"S\0{f.relpath}\0{hashlib.sha256(blob).hexdigest()}\n".encode(errors="replace"))
        if sum(len(blob) for blob in data.values()) < MIN_CACHED_BYTES:
            return None
        digest.update(_slmc_fingerprint().encode())
        if not _tree_fingerprint(root, {f.relpath for f in files}, digest):
            return None
        return name, digest.hexdigest(), data
    except (OSError, ValueError, RecursionError):
        return None


def _entry_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.json"


def load(folder: Path, name: str, key: str) -> dict[str, Any] | None:
    """The stored run for ``key`` (files, diagnostics, suppressed), or None (missing, stale, damaged, foreign)."""
    path = _entry_path(folder, name)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            raw = fh.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        entry = json.loads(raw)
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        files = entry["files"]
        suppressed = entry["suppressed"]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not isinstance(suppressed, int):
            return None
        diagnostics = [_diagnostic(d) for d in entry["diagnostics"]]
    except (ValueError, KeyError, TypeError):
        return None
    return {"files": files, "diagnostics": diagnostics, "suppressed": suppressed}


def _diagnostic(raw: Any) -> Diagnostic:
    if not isinstance(raw, dict) or set(raw) != set(_DIAG_FIELDS):
        raise ValueError("not a stored diagnostic")
    values = dict(raw)
    values["severity"] = Severity(values["severity"])
    if not isinstance(values["data"], dict):
        raise ValueError("bad data")
    for name in ("path", "code", "message", "name"):
        if not isinstance(values[name], str):
            raise ValueError(f"bad {name}")
    for name in ("line", "col", "end_line", "end_col"):
        if not isinstance(values[name], int):
            raise ValueError(f"bad {name}")
    return Diagnostic(**values)


def store(folder: Path, name: str, key: str, files: Iterable[str], diagnostics: Sequence[Diagnostic], suppressed: int):
    """Write the entry (atomically; a failure to write is ignored) and drop the oldest entries past ``MAX_ENTRIES``."""
    entry = {
        "format": FORMAT,
        "key": key,
        "files": list(files),
        "suppressed": suppressed,
        "diagnostics": [{f: getattr(d, f) for f in _DIAG_FIELDS} for d in diagnostics],
    }
    try:
        text = json.dumps(entry, ensure_ascii=True)
    except (TypeError, ValueError):
        return  # a finding carrying data JSON cannot hold: not cached
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(text)
            os.replace(tmp, _entry_path(folder, name))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _prune(folder)
    except OSError:
        return


# ``run_key``'s entry names: a user's own files in a ``--cache-dir`` they share are never pruned
_ENTRY_NAME = re.compile(r"[0-9a-f]{40}\.json")


def _prune(folder: Path) -> None:
    """Drop the oldest entries past ``MAX_ENTRIES``; only files named as slmc names its entries are ever deleted."""
    entries = []
    with os.scandir(folder) as it:
        for e in it:
            if _ENTRY_NAME.fullmatch(e.name) and e.is_file(follow_symlinks=False):  # only what slmc named
                entries.append((e.stat(follow_symlinks=False).st_mtime_ns, e.path))
    if len(entries) <= MAX_ENTRIES:
        return
    for _, path in sorted(entries)[: len(entries) - MAX_ENTRIES]:
        try:
            os.unlink(path)
        except OSError:
            pass
