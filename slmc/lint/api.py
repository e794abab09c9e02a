"""The lint API behind ``slmc lint``: discover files, run the frontend and static triage, check the rules, then apply
selection, per-file ignores and noqa comments, and report unused noqa comments (SLM901).

Two comment forms suppress findings on any line of the reported call:

* ``# slmc: noqa`` (every slmc finding) or ``# slmc: noqa: SLM203, SLM3, unpinned-model`` (codes, code prefixes or
  rule names);
* ruff's form, ``# noqa`` (blanket: every finding, as ruff and flake8 read it) or ``# noqa: SLM203, F401`` (exact
  codes; codes of other tools are theirs and ignored here).

Only real comments count (a ``# noqa`` inside a string is text). SLM901 reports an ``# slmc: noqa`` that suppresses
nothing, and slmc codes in either form that suppress nothing or name no rule; a bare ``# noqa`` or one naming only
other tools' codes belongs to those tools and is never reported.

Import-light: never imports torch, transformers or scikit-learn.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from slmc.compiler import sourcefiles
from slmc.compiler.config import Config, LintSettings, load_config, resolve_codes
from slmc.compiler.passmanager import PassContext
from slmc.compiler.sourcefiles import SourceFile
from slmc.errors import Diagnostic, Severity, SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.unit import CompileUnit
from slmc.lazyre import lazy
from slmc.lint.checker import check_graph
from slmc.lint.rules import BY_CODE
from slmc.passes.triage import Triage

NOQA = lazy(
    r"#\s*slmc:\s*noqa(?P<sep>:\s*(?P<codes>[A-Za-z][A-Za-z0-9\-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9\-]*)*))?",
    re.IGNORECASE,
)
# Both forms: the slmc comment and ruff's (see the module docstring).
DIRECTIVE = lazy(
    r"#\s*(?P<slmc>slmc:\s*)?noqa(?![\w-])"
    r"(?::\s*(?P<codes>[A-Za-z][A-Za-z0-9\-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9\-]*)*))?",
    re.IGNORECASE,
)
UNUSED_NOQA = "SLM901"


@dataclass
class Noqa:
    """One noqa comment: where it is, its form, the codes it names (None: every finding) and what it suppressed."""

    line: int
    col: int
    slmc: bool  # the slmc form (True) or ruff's bare form (False)
    codes: tuple[str, ...] | None  # upper-cased as written; None for a blanket directive
    used: set[str] = field(default_factory=set)  # codes (or "*") that suppressed a finding

    def match(self, diag: Diagnostic) -> str | None:
        """The code (``"*"`` for a blanket directive) that suppresses ``diag``, or None."""
        if self.codes is None:
            return "*"
        rule = BY_CODE.get(diag.code)
        for code in self.codes:
            if self.slmc and (diag.code.startswith(code) or (rule is not None and code == rule.name.upper())):
                return code
            if not self.slmc and code == diag.code:
                return code
        return None


def _comments(lines: Sequence[str]) -> Iterable[tuple[int, int, str]]:
    """(line, 0-based column, text) of the comments in ``lines``: tokenized, so ``"# noqa"`` inside a string is not
    one; a file that does not tokenize falls back to every ``#`` on each line."""
    text = "\n".join(lines) + "\n"
    if "noqa" not in text.lower():
        return []
    try:
        return [
            (tok.start[0], tok.start[1], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return [(n, line.index("#"), line[line.index("#") :]) for n, line in enumerate(lines, 1) if "#" in line]


def noqa_directives(lines: Sequence[str]) -> dict[int, list[Noqa]]:
    """Line number -> the noqa directives in that line's comment."""
    out: dict[int, list[Noqa]] = {}
    for number, col, comment in _comments(lines):
        for m in DIRECTIVE.finditer(comment):
            codes = m.group("codes")
            parsed = tuple(c.strip().upper() for c in codes.split(",") if c.strip()) if codes else None
            out.setdefault(number, []).append(Noqa(number, col + m.start() + 1, bool(m.group("slmc")), parsed))
    return out


def noqa_codes(line: str) -> set[str] | None:
    """Codes a ``# slmc: noqa[: A, B]`` comment on ``line`` suppresses; an empty set means all; None: no comment."""
    m = NOQA.search(line)
    if not m:
        return None
    if not m.group("codes"):
        return set()
    return {c.strip().upper() for c in m.group("codes").split(",") if c.strip()}


def _suppressing(diag: Diagnostic, directives: dict[int, list[Noqa]]) -> tuple[Noqa, str] | None:
    """The directive on a line of the reported call that suppresses ``diag`` (input errors never are)."""
    if diag.code.startswith("E0"):
        return None
    for number in range(diag.line, max(diag.end_line, diag.line) + 1):
        for directive in directives.get(number, ()):
            code = directive.match(diag)
            if code is not None:
                return directive, code
    return None


def is_suppressed(diag: Diagnostic, lines: Sequence[str]) -> bool:
    """A ``# slmc: noqa`` or ``# noqa`` comment on any line of the reported call suppresses the finding."""
    return _suppressing(diag, noqa_directives(lines)) is not None


def _is_slmc_code(code: str) -> bool:
    return code.startswith("SLM") or code in BY_CODE


def _names_a_rule(code: str, slmc: bool) -> bool:
    if not slmc:
        return code in BY_CODE
    return any(c.startswith(code) for c in BY_CODE) or any(code == r.name.upper() for r in BY_CODE.values())


def _covers_enabled(code: str, slmc: bool, enabled: set[str]) -> bool:
    if not slmc:
        return code in enabled
    return any((c.startswith(code) or code == BY_CODE[c].name.upper()) for c in enabled if c in BY_CODE)


def unused_noqa(path: str, directives: dict[int, list[Noqa]], enabled: set[str]) -> list[Diagnostic]:
    """SLM901 findings for the directives of one file that suppressed nothing (after ``filter_diagnostics``).

    Codes of rules that are not enabled here (ignored, per-file ignored, not selected) are not reported: a
    suppression for a rule that is switched off is not stale. A directive naming SLM901 is never reported."""
    rule = BY_CODE[UNUSED_NOQA]
    out: list[Diagnostic] = []
    for number in sorted(directives):
        for d in directives[number]:
            if d.codes is None:
                if not d.slmc or d.used:
                    continue  # a bare ruff-form directive belongs to every linter on the line
                problem = "suppresses nothing: no slmc finding is reported on this line"
                fix = "Remove the `# slmc: noqa` comment"
            else:
                if UNUSED_NOQA in d.codes:
                    continue
                ours = [c for c in d.codes if d.slmc or _is_slmc_code(c)]
                unknown = [c for c in ours if not _names_a_rule(c, d.slmc)]
                unused = [
                    c for c in ours if c not in unknown and c not in d.used and _covers_enabled(c, d.slmc, enabled)
                ]
                if not unknown and not unused:
                    continue
                parts = []
                if unused:
                    parts.append("unused: " + ", ".join(f"`{c}`" for c in unused))
                if unknown:
                    parts.append("unknown: " + ", ".join(f"`{c}`" for c in unknown))
                problem = "; ".join(parts)
                fix = (
                    "Remove the `noqa` comment"
                    if len(unused) + len(unknown) == len(d.codes)
                    else "Remove the unused codes from the `noqa` comment"
                )
            form = "# slmc: noqa" if d.slmc else "# noqa"
            out.append(
                Diagnostic(
                    path=path,
                    line=d.line,
                    col=d.col,
                    code=rule.code,
                    message=rule.format_message(form=form, problem=problem),
                    severity=rule.severity,
                    name=rule.name,
                    end_line=d.line,
                    fix=fix,
                    data={"codes": list(d.codes or ()), "used": sorted(d.used)},
                )
            )
    return out


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
    diagnostics: Sequence[Diagnostic],
    settings: LintSettings,
    lines_of: Callable[[str], Sequence[str]],
    files: Iterable[str] | None = None,
) -> tuple[list[Diagnostic], int]:
    """Apply select/ignore, per-file-ignores and noqa comments, then add SLM901 (unused noqa) for ``files`` (default:
    the files with findings); returns (kept, number suppressed by noqa)."""
    enabled = settings.enabled_codes()
    per_file: dict[str, set[str]] = {}
    directives: dict[str, dict[int, list[Noqa]]] = {}
    kept: list[Diagnostic] = []
    suppressed = 0

    def directives_of(path: str) -> dict[int, list[Noqa]]:
        if path not in directives:
            directives[path] = noqa_directives(lines_of(path))
        return directives[path]

    def ignored_in(path: str) -> set[str]:
        if path not in per_file:
            per_file[path] = settings.ignored_for(path)
        return per_file[path]

    for diag in diagnostics:
        if diag.code not in enabled or diag.code in ignored_in(diag.path):
            continue
        hit = _suppressing(diag, directives_of(diag.path))
        if hit is not None:
            directive, code = hit
            directive.used.add(code)
            suppressed += 1
            continue
        kept.append(diag)
    paths = dict.fromkeys(files if files is not None else (d.path for d in diagnostics))
    if UNUSED_NOQA in enabled:
        for path in paths:
            here = enabled - ignored_in(path)
            if UNUSED_NOQA not in here:
                continue
            if path not in directives and not _may_name_ours(lines_of(path)):
                continue  # no finding here used a directive, and none names slmc or its codes: nothing to report
            kept.extend(unused_noqa(path, directives_of(path), here))
    return kept, suppressed


def _may_name_ours(lines: Sequence[str]) -> bool:
    """Whether a noqa directive in ``lines`` could name slmc or one of its codes (the slmc form, an ``SLM`` code or
    another code of ours): without one, every directive there belongs to other tools and ``unused_noqa`` reports
    none, so the file need not be tokenized."""
    text = "\n".join(lines).lower()
    return "noqa" in text and ("slm" in text or any(code.lower() in text for code in _OTHER_CODES))


_OTHER_CODES = tuple(code for code in BY_CODE if not code.startswith("SLM"))


def _as_input_error(diag: Diagnostic) -> Diagnostic:
    rule = BY_CODE.get(diag.code)
    return replace(diag, severity=Severity.ERROR, name=diag.name or (rule.name if rule else ""))


def lint_graph(
    graph: AgentGraph,
    settings: LintSettings,
    lines_of: Callable[[str], Sequence[str]],
    input_diagnostics: Sequence[Diagnostic] = (),
    files: Iterable[str] | None = None,
) -> tuple[list[Diagnostic], int]:
    """Check an (analysed) graph: findings plus frontend input errors, filtered; (kept, suppressed by noqa).

    ``files`` are checked for unused noqa comments (default: the files of the graph's call sites and findings)."""
    findings = check_graph(graph, lines_of) + [_as_input_error(d) for d in input_diagnostics]
    if files is None:
        files = sorted({s.loc.path for s in graph.sites()} | {d.path for d in findings})
    kept, suppressed = filter_diagnostics(findings, settings, lines_of, files)
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
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    stdin: bytes | None = None,
    stdin_filename: str | None = None,
    cache: bool | Path = False,
) -> LintReport:
    """Lint files and folders. ``select`` replaces the configured selection; ``ignore``/``extend_select`` add to it;
    ``exclude`` replaces the configured (and default) excludes, ``extend_exclude`` adds to them.

    With ``stdin`` (the bytes of one module) nothing is read from disk: the source is linted as ``stdin_filename``
    (default ``-``), whose location picks the config and the per-file ignores.

    ``cache`` (True: the default folder, or a folder) reuses the findings of an earlier run on the same unchanged tree
    (``slmc.lint.cache``); a report from the cache has no ``graph``. ``SLMC_NO_CACHE`` switches it off.

    Raises ``SlmcError`` for bad configuration or missing paths; bad files become E001..E003 diagnostics.
    """
    from slmc.frontend.project import young_collections_only

    with young_collections_only():  # the trees, the graph and the triage's tables stay alive the whole run
        return _lint_paths(
            paths,
            config=config,
            config_file=config_file,
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            exclude=exclude,
            extend_exclude=extend_exclude,
            stdin=stdin,
            stdin_filename=stdin_filename,
            cache=cache,
        )


def _lint_paths(
    paths: Sequence[Path | str],
    *,
    config: Config | None,
    config_file: Path | None,
    select: Sequence[str] | None,
    extend_select: Sequence[str],
    ignore: Sequence[str],
    exclude: Sequence[str] | None,
    extend_exclude: Sequence[str],
    stdin: bytes | None,
    stdin_filename: str | None,
    cache: bool | Path,
) -> LintReport:
    """``lint_paths``'s work (its arguments, all given)."""
    from slmc.frontend import analyze_paths

    path_list = [Path(stdin_filename or ".")] if stdin is not None else [Path(p) for p in paths] or [Path(".")]
    config = config or load_config(path_list, config_file)
    settings = replace(
        config.lint,
        select=tuple(select) if select else config.lint.select,
        extend_select=config.lint.extend_select + tuple(extend_select),
        ignore=config.lint.ignore + tuple(ignore),
        exclude=tuple(exclude) if exclude is not None else config.lint.exclude,
        extend_exclude=config.lint.extend_exclude + tuple(extend_exclude),
    )
    resolve_codes(settings.select, "--select")
    resolve_codes(settings.extend_select, "--extend-select")
    resolve_codes(settings.ignore, "--ignore")
    cached: LintReport | _CacheSlot | None = None
    if stdin is not None:
        relpath = relative_to_root(Path(stdin_filename), config.root) if stdin_filename else "-"
        files = [SourceFile(Path(stdin_filename or "-"), relpath)]
        graph, input_diags = _analyze_bytes(stdin, relpath, config.root)
    else:
        files = discover_files(path_list, replace(config, lint=settings))
        cached = _cached_run(cache, config, settings, path_list, files)
        if isinstance(cached, LintReport):
            return cached
        graph, input_diags = analyze_paths(files, root=config.root)
    graph = Triage().run(PassContext(root=config.root), CompileUnit(graph)).graph
    if "triage" not in graph.meta.facts:
        graph.meta.facts.append("triage")
    sources = SourceCache(config.root, (f.relpath for f in files if f.problem))
    if stdin is not None:
        sources.lines[files[0].relpath] = stdin.decode("utf-8", errors="replace").splitlines()
    readable = [f.relpath for f in files if not f.problem]
    diagnostics, suppressed = lint_graph(graph, settings, sources, input_diags, readable)
    if isinstance(cached, tuple):
        _store_run(cached, config, settings, path_list, files, diagnostics, suppressed)
    return LintReport(
        root=config.root,
        files=[f.relpath for f in files],
        diagnostics=diagnostics,
        suppressed=suppressed,
        graph=graph,
        config=replace(config, lint=settings),
        sources=sources.lines,
    )


_CacheSlot = tuple[Path, str, str]  # (cache folder, entry name, key) of a run that missed


def _cached_run(
    cache: bool | Path, config: Config, settings: LintSettings, paths: Sequence[Path], files: Sequence[SourceFile]
) -> LintReport | _CacheSlot | None:
    """The report of an earlier run on the same unchanged tree; else where to store this one (None: no cache)."""
    from slmc.lint import cache as lint_cache

    if cache is False or lint_cache.disabled_by_env():
        return None
    folder = lint_cache.cache_dir() if cache is True else Path(cache)
    key = lint_cache.run_key(config.root, config.path, (settings, config.options), paths, files)
    if key is None:
        return None
    name, digest, data = key
    hit = lint_cache.load(folder, name, digest)
    if hit is None:
        return folder, name, digest
    diagnostics: list[Diagnostic] = hit["diagnostics"]
    sources = {
        p: data[p].decode("utf-8", errors="replace").splitlines() for p in {d.path for d in diagnostics} if p in data
    }
    return LintReport(
        root=config.root,
        files=[f.relpath for f in files],
        diagnostics=diagnostics,
        suppressed=hit["suppressed"],
        graph=None,
        config=replace(config, lint=settings),
        sources=sources,
    )


def _store_run(
    slot: _CacheSlot,
    config: Config,
    settings: LintSettings,
    paths: Sequence[Path],
    files: Sequence[SourceFile],
    diagnostics: Sequence[Diagnostic],
    suppressed: int,
) -> None:
    """Store a run's findings, unless the tree changed while it ran (the key is taken again)."""
    from slmc.lint import cache as lint_cache

    folder, name, digest = slot
    again = lint_cache.run_key(config.root, config.path, (settings, config.options), paths, files)
    if again is None or again[1] != digest:
        return
    lint_cache.store(folder, name, digest, (f.relpath for f in files), diagnostics, suppressed)


def _analyze_bytes(data: bytes, relpath: str, root: Path) -> tuple[AgentGraph, list[Diagnostic]]:
    """The frontend on one module given as bytes (stdin): decoded as a file would be (E002 when it cannot be)."""
    from slmc.frontend.project import Analysis, decode

    analysis = Analysis(root)
    source = decode(data, relpath, analysis.diagnostics)
    if source is not None:
        analysis.add_file(relpath, None, source)
    graph = analysis.run()
    graph.meta.passes_run = []
    return graph, sorted(analysis.diagnostics)
