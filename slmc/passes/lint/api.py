"""The lint API behind ``slmc lint``: discover files, run the frontend and static triage, check the rules, then apply
selection, per-file ignores and ``# slmc: noqa`` comments.

Import-light: never imports torch, transformers or scikit-learn.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from slmc.compiler import sourcefiles
from slmc.compiler.config import Config, LintSettings, load_config, resolve_codes
from slmc.compiler.diagnostics import Diagnostic, Severity, SlmcError
from slmc.compiler.passmanager import PassContext
from slmc.compiler.sourcefiles import SourceFile
from slmc.ir.graph import AgentGraph
from slmc.passes.lint.checker import check_graph
from slmc.passes.lint.rules import BY_CODE
from slmc.passes.triage import Triage

NOQA = re.compile(
    r"#\s*slmc:\s*noqa(?P<sep>:\s*(?P<codes>[A-Za-z][A-Za-z0-9\-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9\-]*)*))?",
    re.IGNORECASE,
)


@dataclass
class LintReport:
    root: Path
    files: list[str]  # relative to root
    diagnostics: list[Diagnostic]
    suppressed: int = 0  # findings silenced by noqa comments
    graph: AgentGraph | None = None
    config: Config | None = None
    sources: dict[str, list[str]] = field(default_factory=dict)  # lines of the files with findings

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == Severity.ERROR]


def noqa_codes(line: str) -> set[str] | None:
    """Codes a ``# slmc: noqa[: A, B]`` comment on ``line`` suppresses; an empty set means all; None: no comment."""
    m = NOQA.search(line)
    if not m:
        return None
    if not m.group("codes"):
        return set()
    return {c.strip().upper() for c in m.group("codes").split(",") if c.strip()}


def is_suppressed(diag: Diagnostic, lines: Sequence[str]) -> bool:
    """A ``# slmc: noqa`` on any line of the reported call suppresses the finding."""
    if diag.code.startswith("E0"):
        return False
    last = max(diag.end_line, diag.line)
    for number in range(diag.line, min(last, len(lines)) + 1):
        codes = noqa_codes(lines[number - 1])
        if codes is None:
            continue
        rule = BY_CODE.get(diag.code)
        if not codes or any(diag.code.startswith(c) or (rule and c == rule.name.upper()) for c in codes):
            return True
    return False


class SourceCache:
    """Lines of analysed files, read on demand (only files with findings are read)."""

    def __init__(self, root: Path, unreadable: Iterable[str] = ()) -> None:
        self.root = root
        self.lines: dict[str, list[str]] = {}
        self.unreadable = set(unreadable)  # paths the walk refused (loops, FIFOs, links out): never opened

    def __call__(self, relpath: str) -> list[str]:
        if relpath in self.unreadable:
            return []
        if relpath not in self.lines:
            try:  # never blocks: a FIFO reported as E003 is not read
                text = sourcefiles.read_source(self.root / relpath).decode("utf-8", errors="replace")
            except OSError:
                text = ""
            self.lines[relpath] = text.splitlines()
        return self.lines[relpath]


def filter_diagnostics(
    diagnostics: Sequence[Diagnostic], settings: LintSettings, lines_of: Callable[[str], Sequence[str]]
) -> tuple[list[Diagnostic], int]:
    """Apply select/ignore, per-file-ignores and noqa comments; returns (kept, number suppressed by noqa)."""
    enabled = settings.enabled_codes()
    per_file: dict[str, set[str]] = {}
    kept: list[Diagnostic] = []
    suppressed = 0
    for diag in diagnostics:
        if diag.code not in enabled:
            continue
        if diag.path not in per_file:
            per_file[diag.path] = settings.ignored_for(diag.path)
        if diag.code in per_file[diag.path]:
            continue
        if is_suppressed(diag, lines_of(diag.path)):
            suppressed += 1
            continue
        kept.append(diag)
    return kept, suppressed


def _as_input_error(diag: Diagnostic) -> Diagnostic:
    rule = BY_CODE.get(diag.code)
    return replace(diag, severity=Severity.ERROR, name=diag.name or (rule.name if rule else ""))


def lint_graph(
    graph: AgentGraph,
    settings: LintSettings,
    lines_of: Callable[[str], Sequence[str]],
    input_diagnostics: Sequence[Diagnostic] = (),
) -> tuple[list[Diagnostic], int]:
    """Check an (analysed) graph: findings plus frontend input errors, filtered; (kept, suppressed by noqa)."""
    findings = check_graph(graph, lines_of) + [_as_input_error(d) for d in input_diagnostics]
    kept, suppressed = filter_diagnostics(findings, settings, lines_of)
    kept.sort(key=lambda d: (d.path, d.line, d.col, d.code, d.message))
    return kept, suppressed


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` relative to the root; a symlink is named by its own path, not its target's."""
    return sourcefiles.relative_to_root(path, root)


def discover_files(paths: Sequence[Path], config: Config) -> list[SourceFile]:
    """Python files under ``paths`` (files given directly are kept unless excluded), without duplicates; entries that
    cannot be read (symlink loops, dangling links, FIFOs, links out of the project) carry a ``problem``."""
    settings = config.lint
    for path in paths:
        if not os.path.lexists(path):
            raise SlmcError(f"{str(path)!r}: no such file or directory", hint="pass existing files or folders")
    return sourcefiles.walk_sources(
        paths,
        config.root,
        exclude_dir=settings.is_excluded,
        exclude_file=settings.is_excluded,
    )


def lint_paths(
    paths: Sequence[Path | str],
    *,
    config: Config | None = None,
    config_file: Path | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> LintReport:
    """Lint files and folders. ``select`` replaces the configured selection; ``ignore``/``extend_select`` add to it.

    Raises ``SlmcError`` for bad configuration or missing paths; bad files become E001..E003 diagnostics.
    """
    from slmc.compiler.frontend import analyze_paths

    path_list = [Path(p) for p in paths] or [Path(".")]
    config = config or load_config(path_list, config_file)
    settings = replace(
        config.lint,
        select=tuple(select) if select else config.lint.select,
        extend_select=config.lint.extend_select + tuple(extend_select),
        ignore=config.lint.ignore + tuple(ignore),
    )
    resolve_codes(settings.select, "--select")
    resolve_codes(settings.extend_select, "--extend-select")
    resolve_codes(settings.ignore, "--ignore")
    files = discover_files(path_list, config)
    graph, input_diags = analyze_paths(files, root=config.root)
    graph = Triage().run(PassContext(root=config.root, options=dict(config.options)), graph)
    if "triage" not in graph.meta.facts:
        graph.meta.facts.append("triage")
    sources = SourceCache(config.root, (f.relpath for f in files if f.problem))
    diagnostics, suppressed = lint_graph(graph, settings, sources, input_diags)
    return LintReport(
        root=config.root,
        files=[f.relpath for f in files],
        diagnostics=diagnostics,
        suppressed=suppressed,
        graph=graph,
        config=config,
        sources=sources.lines,
    )
