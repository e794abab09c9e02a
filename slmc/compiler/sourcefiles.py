"""Find and read the Python files of a tree without ever hanging or aborting (stdlib only: ``slmc lint`` imports it).

Rules shared by ``slmc lint`` (``slmc.lint.api``) and the frontend (``analyze_paths``, used by compile,
analyze and ir):

* Only regular files are read. ``read_source`` opens with ``O_NONBLOCK`` and checks ``fstat`` before reading, so a
  FIFO, socket or device named ``x.py`` can never block; the walk reports such entries instead of reading them.
* A file symlink is followed when its target is a regular file inside the project (the root or a folder given on the
  command line); the file is named by the link's own path. Loops, dangling links and links out of the project are
  skipped with a problem for that path. Directory symlinks are not followed (as ``os.walk`` does not); one that
  points at its own folder or an ancestor (a loop for any tool that follows links) is reported.
* Every real folder is entered once (visited ``(st_dev, st_ino)``), so bind-mount loops end too.
* Each problem is one ``SourceFile`` with ``problem`` set (callers turn it into one E003 diagnostic for that path);
  the other files are still listed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from slmc.safety import within

PY_SUFFIXES = (".py", ".pyi")

# (path relative to the root, the walked folder relative to the root or None for a path given directly) -> skip?
Exclude = Callable[[str, "str | None"], bool]


@dataclass(frozen=True)
class SourceFile:
    path: Path  # as the user named it (a symlink's own path, not its target)
    relpath: str  # relative to the root, ``/``-separated
    problem: str = ""  # why the file is skipped; "" when it can be read


class NotRegularFileError(OSError):
    """``read_source`` on something that is not a regular file (FIFO, socket, device, folder)."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_source(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file. Never blocks on a FIFO or device: opened with ``O_NONBLOCK`` and checked with
    ``fstat`` before anything is read. Raises ``OSError`` (``NotRegularFileError`` for anything but a regular file)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(errno.EINVAL, f"{_kind(mode)}, not a regular file", os.fspath(path))
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)


def real_path(path: str | os.PathLike[str]) -> Path:
    """``os.path.realpath``: never raises on a symlink loop (``Path.resolve`` does before Python 3.13)."""
    return Path(os.path.realpath(path))


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (``/``-separated), naming a symlink by its own path: only its folder is resolved.
    A path outside the root gets a ``../`` path."""
    name = path.name
    full = real_path(path) if name in ("", ".", "..") else real_path(path.parent) / name
    root_real = real_path(root)
    try:
        return full.relative_to(root_real).as_posix()
    except ValueError:
        return Path(os.path.relpath(full, root_real)).as_posix()


def link_problem(path: Path, inside: Sequence[Path] | None) -> str:
    """Why ``path`` cannot be read as a source file ("" when it can): missing, a symlink loop, a dangling link, a link
    out of ``inside`` (None: any target is fine), or not a regular file."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return "no such file or directory" if exc.errno == errno.ENOENT else f"cannot read: {exc.strerror or exc}"
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return f"symlink loop (-> {target!r} leads back to itself); skipped"
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return f"dangling symlink: its target {target!r} does not exist; skipped"
            return f"cannot follow symlink -> {target!r}: {exc.strerror or exc}; skipped"
        if inside is not None and not any(within(root, path) for root in inside):
            return f"symlink points outside the project (-> {target!r}); not followed"
    if not stat.S_ISREG(st.st_mode):
        return f"{_kind(st.st_mode)}, not a regular file; skipped"
    return ""


def walk_sources(
    paths: Iterable[Path],
    root: Path,
    *,
    exclude_dir: Exclude = lambda rel, walk: False,
    exclude_file: Exclude = lambda rel, walk: False,
    suffixes: tuple[str, ...] = PY_SUFFIXES,
) -> list[SourceFile]:
    """Source files under ``paths`` (files given directly are kept whatever their suffix, links out of the project
    included: the user named them), each once, with a problem for every path that cannot be read.

    A folder's files come before its subfolders (as ``os.walk``); relative paths are relative to ``root``. A path that
    does not exist at all is a problem too; callers that want a command-line error check ``os.path.lexists`` first.
    """
    found: dict[str, SourceFile] = {}
    root_real = real_path(root)
    for top in paths:
        top = Path(top)
        rel = relative_to_root(top, root)
        is_dir = os.path.isdir(top)  # follows a link given on the command line: the user asked for that folder
        if not is_dir:
            if not exclude_file(rel, None):
                found.setdefault(rel, SourceFile(top, rel, link_problem(top, None)))
            continue
        walk_rel = relative_to_root(real_path(top), root)
        inside = [root_real, real_path(top)]
        for item in _walk(real_path(top), walk_rel, inside, exclude_dir, exclude_file, suffixes):
            found.setdefault(item.relpath, item)
    return list(found.values())


def _walk(
    top: Path, walk_rel: str, inside: list[Path], exclude_dir: Exclude, exclude_file: Exclude, suffixes: tuple[str, ...]
) -> Iterable[SourceFile]:
    try:
        top_st = os.stat(top)
    except OSError as exc:  # gone or unreadable since it was listed
        yield SourceFile(top, walk_rel, f"cannot read folder: {exc.strerror or exc}; skipped")
        return
    visited = {(top_st.st_dev, top_st.st_ino)}
    # (folder, its path relative to the root, (dev, ino) of it and its ancestors)
    stack: list[tuple[Path, str, tuple[tuple[int, int], ...]]] = [
        (top, "" if walk_rel == "." else walk_rel, ((top_st.st_dev, top_st.st_ino),))
    ]
    while stack:
        folder, here, ancestors = stack.pop()
        prefix = here + "/" if here else ""
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield SourceFile(folder, here or ".", f"cannot list folder: {exc.strerror or exc}; skipped")
            continue
        subfolders: list[tuple[Path, str, tuple[tuple[int, int], ...]]] = []
        for entry in entries:
            rel = prefix + entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_link = is_dir = False
            if is_dir:
                if exclude_dir(rel, walk_rel):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    yield SourceFile(Path(entry.path), rel, f"cannot read folder: {exc.strerror or exc}; skipped")
                    continue
                key = (st.st_dev, st.st_ino)
                if key in visited:  # a bind mount of a folder already walked (or of an ancestor)
                    if key in ancestors:
                        yield SourceFile(Path(entry.path), rel, "folder loop (mounted inside itself); not followed")
                    continue
                visited.add(key)
                subfolders.append((Path(entry.path), rel, (*ancestors, key)))
                continue
            if is_link:
                try:
                    st = os.stat(entry.path)
                except OSError:
                    st = None  # loop or dangling: a problem below when it is named like a source file
                if st is not None and stat.S_ISDIR(st.st_mode):
                    if (st.st_dev, st.st_ino) in ancestors and not exclude_dir(rel, walk_rel):
                        target = os.readlink(entry.path)
                        yield SourceFile(
                            Path(entry.path),
                            rel,
                            f"symlink loop: folder link -> {target!r} is one of its own parent folders; not followed",
                        )
                    continue  # folder links are not followed
            if not entry.name.endswith(suffixes) or exclude_file(rel, walk_rel):
                continue
            try:
                regular = not is_link and entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            yield SourceFile(Path(entry.path), rel, "" if regular else link_problem(Path(entry.path), inside))
        stack.extend(reversed(subfolders))


__all__ = ["PY_SUFFIXES", "SourceFile", "link_problem", "read_source", "real_path", "relative_to_root", "walk_sources"]
