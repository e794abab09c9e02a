"""One guard for every unit of the analysis: a bug of ours on one module, function, call or site costs that unit.

    with analysis.guard.unit("wrapper discovery", scope) as unit:
        ...                      # an exception here ends this unit only
    if unit.failed: ...          # (when the caller must know)
    found = analysis.guard.call("dead code", mod, lambda: rule(mod), default=set())

An unexpected exception inside a unit becomes one internal-error diagnostic (E003, "internal error in <phase> ...")
naming the unit's file and line, the phase and where in slmc it was raised; ``counts`` keeps how many per phase, and
the analysis goes on with the next unit. Nothing is swallowed silently: every caught exception is reported. When
nothing fails the guarded code runs exactly as it would unguarded (the unit's place is only computed on failure).

Not caught: ``KeyboardInterrupt`` / ``SystemExit`` (not ``Exception``), and the ``TimeoutError`` of a running time
limit (``time_limited``), which belongs to the code that set it. ``SLMC_STRICT=1`` re-raises after reporting (debugging,
tests that must see the traceback).
"""

from __future__ import annotations

import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

INTERNAL_ERROR = "internal error"  # the words the bench and the tests count diagnostics by
_MAX_TEXT = 160  # an exception's text is cut here (a KeyError of a whole prompt, an inline YAML text as a file name)
_limits = [0]  # time limits running (``time_limited``): their TimeoutError is not ours to catch

T = TypeVar("T")
Report = Callable[[str, int, str], None]  # (path, line, message)


class Unit:
    """What a guarded block learns about its own run."""

    __slots__ = ("failed",)

    def __init__(self) -> None:
        self.failed = False


class Guard:
    """Reports an exception of one unit as an internal-error diagnostic through ``report`` and goes on."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.counts: Counter[str] = Counter()  # phase -> internal errors reported

    @contextmanager
    def unit(self, phase: str, where: Any = None) -> Iterator[Unit]:
        """Run the block as one unit of ``phase``; ``where`` locates it on failure (see ``locate``)."""
        unit = Unit()
        try:
            yield unit
        except Exception as exc:
            if isinstance(exc, TimeoutError) and _limits[0]:
                raise
            unit.failed = True
            self._reported(phase, where, exc)

    def call(self, phase: str, where: Any, fn: Callable[[], T], default: T) -> T:
        """``fn()`` as one unit of ``phase``; ``default`` when it fails."""
        with self.unit(phase, where):
            return fn()
        return default

    def _reported(self, phase: str, where: Any, exc: BaseException) -> None:
        self.counts[phase] += 1
        path, line = locate(where)
        text = str(exc).replace("\n", " ")
        if len(text) > _MAX_TEXT:
            text = text[: _MAX_TEXT - 3] + "..."
        self.report(path, line, f"{INTERNAL_ERROR} in {phase} ({type(exc).__name__}: {text}{_raised_at(exc)}); skipped")
        if os.environ.get("SLMC_STRICT"):
            raise exc


@contextmanager
def time_limited() -> Iterator[None]:
    """Mark a block that runs under a wall-clock limit raising ``TimeoutError``: guards inside let it through."""
    _limits[0] += 1
    try:
        yield
    finally:
        _limits[0] -= 1


def locate(where: Any) -> tuple[str, int]:
    """The (path, line) of a unit: a ``(path, line)`` pair, a path, a call site (``.info``) or a call (``.scope`` and
    ``.node``), a scope (``.module`` and ``.line``), a graph node (``.loc``), a module index (``.path``), or a function
    giving one of those. Never raises."""
    try:
        if callable(where) and not hasattr(where, "path") and not hasattr(where, "info"):
            where = where()
        if isinstance(where, tuple) and len(where) == 2:
            return str(where[0]), int(where[1] or 1)
        if isinstance(where, (str, Path)):
            return str(where), 1
        info = getattr(where, "info", None) or (where if hasattr(where, "scope") and hasattr(where, "node") else None)
        if info is not None:  # a call site, or a call's index entry
            mod = info.scope.module
            pos = mod.pos(info.node)
            return mod.path, pos.start.line if pos is not None else 1
        module = getattr(where, "module", None)
        if module is not None and hasattr(where, "line"):  # a scope
            return module.path, max(int(where.line), 1)
        loc = getattr(where, "loc", None)
        if loc is not None:  # a graph node
            return loc.path, loc.line
        if hasattr(where, "path"):
            return str(where.path), 1
    except Exception:  # a unit we cannot place is still reported
        pass
    return "<tree>", 1


def _raised_at(exc: BaseException) -> str:
    """`` at <file>:<line>`` of the innermost frame of slmc's own code in the traceback."""
    here = None
    for frame in traceback.extract_tb(exc.__traceback__):
        parts = Path(frame.filename).parts
        if "slmc" in parts and frame.filename != __file__ and not frame.filename.endswith("contextlib.py"):
            here = f"{'/'.join(parts[len(parts) - 1 - parts[::-1].index('slmc') :])}:{frame.lineno}"
    return f" at {here}" if here else ""
