"""Diagnostic output formats, after ruff: ``full`` (source snippet + help line), ``concise`` (one line each),
``json``, ``sarif`` (2.1.0) and ``github`` (workflow commands). ``render_statistics`` counts findings per rule.
The human formats are coloured (ANSI, as ruff) when asked; ``fails`` applies the ``--fail-on`` severity threshold.

Diagnostic paths are relative to the analysed root; humans see them relative to the working directory, JSON and
SARIF carry absolute paths.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from slmc.errors import Diagnostic, Severity

FORMATS = ("full", "concise", "json", "sarif", "github")
FAIL_ON = ("info", "warning", "error")  # --fail-on: the lowest severity that fails the run
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

LinesOf = Callable[[str], Sequence[str]]


def _no_lines(_path: str) -> Sequence[str]:
    return ()


class PathStyle:
    """Turns root-relative diagnostic paths into what each format shows."""

    def __init__(self, root: Path, cwd: Path | None = None) -> None:
        self.root = root.resolve()
        self.cwd = (cwd or Path.cwd()).resolve()

    def absolute(self, path: str) -> Path:
        """Folders resolved, not the file itself: a symlink is shown under its own name (and a loop cannot raise)."""
        full = Path(path) if Path(path).is_absolute() else self.root / path
        return Path(os.path.realpath(full.parent), full.name) if full.name else Path(os.path.realpath(full))

    def display(self, path: str) -> str:
        full = self.absolute(path)
        try:
            return full.relative_to(self.cwd).as_posix()
        except ValueError:
            return str(full)


def fails(diagnostics: Sequence[Diagnostic], fail_on: str = "warning") -> bool:
    """Whether any finding is at or above the ``--fail-on`` severity (unknown severities count as warnings)."""
    floor = _RANK[Severity(fail_on)]
    return any(_RANK.get(d.severity, 1) >= floor for d in diagnostics)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(diagnostics: Sequence[Diagnostic], suppressed: int = 0, fail_on: str | None = None) -> str:
    note = f" ({suppressed} suppressed by `noqa` comments)" if suppressed else ""
    if not diagnostics:
        return f"All checks passed!{note}"
    text = f"Found {_plural(len(diagnostics), 'finding')}.{note}"
    if fail_on is not None and not fails(diagnostics, fail_on):
        text += f" None is at or above --fail-on {fail_on}: exit 0."
    return text


# ---- colour -------------------------------------------------------------------------------------------------------
class Style:
    """ANSI styles as ruff uses them (code by severity, bold path and message, blue gutter); plain when off."""

    _SEVERITY = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;36"}

    def __init__(self, on: bool) -> None:
        self.on = on

    def _wrap(self, sgr: str, text: str) -> str:
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.on and text else text

    def code(self, d: Diagnostic) -> str:
        return self._wrap(self._SEVERITY.get(d.severity, "1;31"), d.code)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def gutter(self, text: str) -> str:
        return self._wrap("34", text)

    def caret(self, text: str) -> str:
        return self._wrap("1;31", text)

    def help(self, text: str) -> str:
        return self._wrap("1;36", text)

    def dim(self, text: str) -> str:
        return self._wrap("36", text)


# ---- human formats ------------------------------------------------------------------------------------------------
def render_concise(diagnostics: Sequence[Diagnostic], paths: PathStyle, style: Style | None = None) -> list[str]:
    st = style or Style(False)
    sep = st.dim(":")
    return [
        f"{st.bold(paths.display(d.path))}{sep}{d.line}{sep}{d.col}{sep} {st.code(d)} {d.message}" for d in diagnostics
    ]


def _snippet(diag: Diagnostic, lines: Sequence[str], style: Style | None = None) -> list[str]:
    if not 1 <= diag.line <= len(lines):
        return []
    last_shown = min(len(lines), diag.line + 1)
    first_shown = max(1, diag.line - 1)
    st = style or Style(False)
    width = len(str(last_shown))
    gutter = " " * width
    bar = st.gutter(f"{gutter} |")
    out = [bar]
    for number in range(first_shown, last_shown + 1):
        text = lines[number - 1].rstrip()
        out.append(f"{st.gutter(f'{number:>{width}} |')} {text}".rstrip())
        if number == diag.line:
            start = max(diag.col - 1, 0)
            end = diag.end_col - 1 if diag.end_line == diag.line and diag.end_col > diag.col else len(text)
            carets = "^" * max(1, end - start)
            out.append(f"{bar} {' ' * start}{st.caret(carets)}")
    out.append(bar)
    return out


def render_full(
    diagnostics: Sequence[Diagnostic], paths: PathStyle, lines_of: LinesOf, style: Style | None = None
) -> list[str]:
    st = style or Style(False)
    out: list[str] = []
    for d in diagnostics:
        out.append(f"{st.code(d)} {st.bold(d.message)}")
        out.append(f"  {st.gutter('-->')} {paths.display(d.path)}:{d.line}:{d.col}")
        out.extend(_snippet(d, lines_of(d.path), st))
        if d.fix:
            out.append(f"{st.help('help')}: {d.fix}")
        out.append("")
    return out


# ---- machine formats ----------------------------------------------------------------------------------------------
def diagnostic_json(d: Diagnostic, paths: PathStyle) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "severity": str(d.severity),
        "filename": str(paths.absolute(d.path)),
        "location": {"row": d.line, "column": d.col},
        "end_location": {"row": d.end_line or d.line, "column": d.end_col or d.col},
        "noqa_row": d.line,
        "fix": {"message": d.fix} if d.fix else None,
        "site": d.site,
        "data": d.data,
    }


def render_json(diagnostics: Sequence[Diagnostic], paths: PathStyle) -> str:
    return json.dumps([diagnostic_json(d, paths) for d in diagnostics], indent=2, ensure_ascii=False, default=str)


def sarif_document(diagnostics: Sequence[Diagnostic], paths: PathStyle) -> dict[str, Any]:
    from slmc import __version__
    from slmc.lint.rules import ALL_RULES, rule_doc

    index = {r.code: i for i, r in enumerate(ALL_RULES)}
    rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.what},
            "help": {"text": r.how_to_fix, "markdown": rule_doc(r)},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
            "properties": {"category": r.category},
        }
        for r in ALL_RULES
    ]
    results = []
    for d in diagnostics:
        region: dict[str, int] = {"startLine": d.line, "startColumn": d.col}
        if d.end_line:
            region["endLine"] = d.end_line
        if d.end_col:
            region["endColumn"] = d.end_col
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": _SARIF_LEVEL.get(d.severity, "warning"),
            "message": {"text": d.message + (f"\nhelp: {d.fix}" if d.fix else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": paths.absolute(d.path).as_uri()},
                        "region": region,
                    }
                }
            ],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.site:
            result["properties"] = {"site": d.site}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "slmc", "version": __version__, "rules": rules}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diagnostics: Sequence[Diagnostic], paths: PathStyle) -> list[str]:
    out = []
    for d in diagnostics:
        shown = paths.display(d.path)
        props = [
            f"title={_gh_escape(f'slmc ({d.code})', True)}",
            f"file={_gh_escape(shown, True)}",
            f"line={d.line}",
            f"col={d.col}",
            f"endLine={d.end_line or d.line}",
        ]
        if d.end_col:
            props.append(f"endColumn={d.end_col}")
        text = f"{shown}:{d.line}:{d.col}: {d.code} {d.message}" + (f"\n  help: {d.fix}" if d.fix else "")
        out.append(f"::{_GITHUB_LEVEL.get(d.severity, 'warning')} {','.join(props)}::{_gh_escape(text)}")
    return out


# ---- entry points -------------------------------------------------------------------------------------------------
def render(
    diagnostics: Sequence[Diagnostic],
    fmt: str,
    *,
    root: Path,
    lines_of: LinesOf = _no_lines,
    suppressed: int = 0,
    cwd: Path | None = None,
    color: bool = False,
    summary: bool = True,
    fail_on: str | None = None,
) -> str:
    """The text ``slmc lint`` prints for ``fmt`` (no trailing newline handling needed: print it as is).

    ``color`` styles the human formats (machine formats never are); ``summary`` False drops their last line
    (``-q``); ``fail_on`` lets the summary say when findings exist but none fails the run."""
    paths = PathStyle(root, cwd)
    style = Style(color)
    if fmt == "json":
        return render_json(diagnostics, paths)
    if fmt == "sarif":
        return json.dumps(sarif_document(diagnostics, paths), indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(render_github(diagnostics, paths))
    if fmt == "concise":
        lines = render_concise(diagnostics, paths, style)
    elif fmt == "full":
        lines = render_full(diagnostics, paths, lines_of, style)
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    if summary:
        lines.append(summary_line(diagnostics, suppressed, fail_on))
    elif lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def render_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """One line per rule: count, code, name, severity (most frequent first)."""
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: d.name for d in diagnostics}
    severities = {d.code: str(d.severity) for d in diagnostics}
    width = max((len(str(n)) for n in counts.values()), default=1)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "\n".join(f"{n:>{width}}\t{code}\t{names[code]}\t{severities[code]}" for code, n in rows)


def default_format() -> str:
    return os.environ.get("SLMC_OUTPUT_FORMAT", "full")
