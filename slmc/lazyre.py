"""Regular expressions compiled on first use.

``slmc lint`` imports modules that hold many patterns (the triage wording tables alone have about seventy); compiling
them at import costs a noticeable share of its start-up, even on runs that use none of them (a project without LLM
calls). ``lazy(pattern, flags)`` stands for ``re.compile(pattern, flags)`` and compiles on the first use.
Stdlib only.
"""

from __future__ import annotations

import re
from typing import Any, cast

# What the compiled pattern's attributes are copied for on first use (later reads skip ``__getattr__``).
_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "flags", "groups")


class LazyPattern:
    """``re.compile(pattern, flags)`` on the first attribute read (``search``, ``finditer``, ``flags``...); the
    compiled pattern's methods are then kept on this object, so later calls cost what the compiled ones do. Use it for
    method calls and ``.pattern``; ``re.search(p, ...)`` and ``isinstance(p, re.Pattern)`` need ``p.compiled()``."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def compiled(self) -> re.Pattern[str]:
        out = re.compile(self.pattern, self._flags)
        for name in _ATTRIBUTES:
            setattr(self, name, getattr(out, name))
        return out

    def __getattr__(self, name: str) -> Any:  # only for attributes not set yet
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self._flags})"


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """A pattern compiled on first use; typed as the compiled pattern whose methods it offers."""
    return cast("re.Pattern[str]", LazyPattern(pattern, int(flags)))
