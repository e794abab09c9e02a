"""The one place where names and paths that come from data are checked (stdlib only: the runtime imports it).

- ``check_slug`` / ``to_slug``: identifiers that become file names, service names or shell words. A slug matches
  ``SLUG`` — letters, digits, ``_`` and ``-``, starting with a letter or digit — so it never holds ``.``, ``/``,
  whitespace, quotes or shell metacharacters.
- ``safe_join`` / ``resolve_within``: a path built from data (a task name, a manifest entry) under a root; anything
  that would land outside the root (``..``, an absolute part, a symlink out) raises ``UnsafePathError``.
- ``mark_owned`` / ``remove_owned``: slmc deletes only folders it created and marked; an unmarked folder is refused.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
_NOT_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
OWNER_MARK = ".slmc-owned"


class UnsafeInputError(ValueError):
    """A name or path from data that slmc refuses to use as it is."""


class UnsafePathError(UnsafeInputError):
    """A path that would escape its root, or a folder slmc did not create."""


def is_slug(value: object) -> bool:
    return isinstance(value, str) and SLUG.fullmatch(value) is not None


def check_slug(value: object, what: str = "name") -> str:
    """``value`` when it is a slug, else ``UnsafeInputError`` naming ``what``."""
    if not is_slug(value):
        raise UnsafeInputError(
            f"{what} {value!r} is not a safe identifier (letters, digits, '_' and '-', starting with a letter or "
            "digit, at most 80 characters)"
        )
    return value  # type: ignore[return-value]


def to_slug(text: str, max_len: int = 64) -> str:
    """A slug for any text. Text that is already a slug (and short enough) is returned unchanged; any other text
    gets its unsafe runs replaced by ``-`` plus a short hash of the original, so two different names never share a
    slug (``a.b`` and ``a/b`` differ) and ``..`` or ``''`` still give a usable, harmless name."""
    if is_slug(text) and len(text) <= max_len:
        return text
    import hashlib  # here, not at import: `slmc lint` imports this module on every start

    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    base = _NOT_SLUG.sub("-", text).strip("-_")[: max(1, max_len - 9)].rstrip("-_")
    return f"{base}-{digest}" if base else f"x-{digest}"


def _check_part(part: str | os.PathLike[str]) -> str:
    text = os.fspath(part)
    if not text or "\x00" in text:
        raise UnsafePathError(f"empty or NUL-holding path part {text!r}")
    p = Path(text)
    if p.is_absolute() or p.drive or p.anchor:
        raise UnsafePathError(f"absolute path {text!r} where a relative one was expected")
    if any(seg == ".." for seg in p.parts):
        raise UnsafePathError(f"path {text!r} climbs out with '..'")
    return text


def within(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies inside ``root`` (resolved) or is it."""
    return Path(path).resolve().is_relative_to(Path(root).resolve())


def safe_join(root: str | os.PathLike[str], *parts: str | os.PathLike[str]) -> Path:
    """``root / parts…`` where every part is relative, holds no ``..``, and the resolved result stays inside the
    resolved root (a symlink pointing out is refused too). The returned path is ``root / parts`` unresolved."""
    root_path = Path(root)
    out = root_path.joinpath(*(_check_part(p) for p in parts))
    if not within(root_path, out):
        raise UnsafePathError(f"path {out} resolves outside {root_path}")
    return out


def resolve_within(root: str | os.PathLike[str], path: str | os.PathLike[str], *, allow_outside: bool = False) -> Path:
    """A path named by a file (a manifest, a config) resolved against ``root``. Absolute paths and paths that
    escape ``root`` raise ``UnsafePathError`` unless ``allow_outside`` (an explicit user option) is set."""
    text = os.fspath(path)
    if "\x00" in text or not text:
        raise UnsafePathError(f"empty or NUL-holding path {text!r}")
    p = Path(text)
    full = (p if p.is_absolute() else Path(root) / p).resolve()
    if not allow_outside and not full.is_relative_to(Path(root).resolve()):
        raise UnsafePathError(f"path {text!r} lies outside {Path(root)} (absolute or climbing out)")
    return full


def mark_owned(folder: str | os.PathLike[str], files: Iterable[str] = ()) -> Path:
    """Create ``folder`` if needed and mark it as written by slmc (``.slmc-owned``: JSON listing what slmc wrote)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mark = folder / OWNER_MARK
    mark.write_text(json.dumps({"tool": "slmc", "files": sorted(files)}, indent=1) + "\n", encoding="utf-8")
    return mark


def owned_files(folder: str | os.PathLike[str]) -> list[str] | None:
    """The files slmc recorded in ``folder``'s mark, or None when the folder carries no valid slmc mark."""
    mark = Path(folder) / OWNER_MARK
    try:
        if mark.is_symlink() or not mark.is_file():
            return None
        data = json.loads(mark.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != "slmc" or not isinstance(data.get("files", []), list):
        return None
    return [f for f in data.get("files", []) if isinstance(f, str)]


def is_owned(folder: str | os.PathLike[str]) -> bool:
    folder = Path(folder)
    return folder.is_dir() and not folder.is_symlink() and owned_files(folder) is not None


def remove_owned(folder: str | os.PathLike[str], *, missing_ok: bool = True) -> None:
    """Delete ``folder`` only when slmc created and marked it; anything else raises ``UnsafePathError``."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        if missing_ok:
            return
        raise UnsafePathError(f"{folder} does not exist")
    if not is_owned(folder):
        raise UnsafePathError(f"refusing to delete {folder}: slmc did not create it (no {OWNER_MARK} mark)")
    import shutil

    shutil.rmtree(folder)


def task_slug(task_id: str) -> str:
    """The file name for a task id. ``task:<name>`` gives ``to_slug(name)`` (``task:intent`` -> ``intent``; ``task:..``
    -> a harmless hashed name); an id of any other form is hashed whole, so it never meets a ``task:`` id's name."""
    kind, sep, rest = task_id.partition(":")
    if sep and kind == "task":
        return to_slug(rest)
    return to_slug(f"id:{task_id}")
