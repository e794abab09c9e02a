"""Call-site ids, ``llm:<function>@<path>:<line>``: the one spelling the static frontend, trace capture and trace
linking share. Stdlib only: trace capture imports it inside the user's agent, whatever that interpreter has installed
(``slmc.ir`` pulls the rest of slmc)."""

from __future__ import annotations

import re


def site_id(function: str, path: str, line: int) -> str:
    """The id of an LLM call site; trace capture computes the same from the caller's frame."""
    return f"llm:{function.rsplit('.', 1)[-1]}@{path}:{line}"


_SITE_ID = re.compile(r"^llm:(?P<function>[^@]+)@(?P<path>.+):(?P<line>\d+)$")


def parse_site_id(text: str) -> tuple[str, str, int] | None:
    """``llm:f@a/b.py:12`` -> ``("f", "a/b.py", 12)``; None when the text is not a site id."""
    m = _SITE_ID.match(text)
    if not m:
        return None
    return m["function"], m["path"], int(m["line"])
