"""``[tool.slmc]`` and ``[tool.slmc.lint]`` settings, loaded from the pyproject.toml found by walking up from the
analysed paths (or from an explicit ``--config`` file; a file not named pyproject.toml holds the ``[tool.slmc]``
table at its top level).

    [tool.slmc]
    target = "vllm"
    gate-target = 0.95

    [tool.slmc.lint]
    select = ["SLM1", "SLM2"]           # codes, prefixes (SLM, SLM1), rule names, or ALL
    ignore = ["SLM301"]
    per-file-ignores = { "tests/*" = ["SLM"] }
    exclude = ["generated/*"]           # replaces the default excludes; extend-exclude adds to them
    fail-on = "warning"                 # lowest severity that fails `slmc lint`: info, warning (default) or error

    [tool.slmc.prices]                  # $ per 1M tokens, merged over slmc/data/prices.yaml (slmc analyze / compile)
    as-of = "2026-01"
    gpt-4o = { input = 2.5, output = 10.0 }

Every mistake names the file (and the line when it can be found) and says what is accepted.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from slmc.errors import SlmcError

PYPROJECT = "pyproject.toml"

# [tool.slmc] user-wide options (kebab-case in TOML, snake_case in ``Config.options``): every one is a field of
# ``slmc.compiler.settings.Settings`` (tests/compiler/test_settings.py checks it), which the command line overrides.
OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "target": (str,),
    "max_params": (int, float, str),
    "licence": (str, list),
    "gpu_memory": (int, float, str),
    "cpu_only": (bool,),
    "gate_target": (int, float),
    "base_model": (str,),
    "llm_price_model": (str,),
    "embedder": (str,),
    "device": (str,),
    "train_budget": (int, float),
    "max_fallback": (int, float),
    "batch_size": (int,),
}
SUBTABLES = ("lint", "prices")

LINT_KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude", "fail-on")
FAIL_ON = ("info", "warning", "error")

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "node_modules",
    "site-packages",
)


@dataclass
class LintSettings:
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    fail_on: str = "warning"  # lowest severity that fails `slmc lint`

    def enabled_codes(self) -> set[str]:
        """The rule codes reported after select / extend-select / ignore."""
        chosen = resolve_codes(self.select, "select") | resolve_codes(self.extend_select, "extend-select")
        return chosen - resolve_codes(self.ignore, "ignore")

    def ignored_for(self, relpath: str) -> set[str]:
        """Codes per-file-ignores switches off for a file (path relative to the config root, ``/`` separators)."""
        out: set[str] = set()
        for pattern, codes in self.per_file_ignores.items():
            if path_matches(relpath, pattern):
                out |= resolve_codes(codes, f"per-file-ignores[{pattern!r}]")
        return out

    def is_excluded(self, relpath: str, walk_root: str | None = None) -> bool:
        """Whether a file or folder is excluded. ``relpath`` is relative to the config root, ``/``-separated.

        Inside a folder given on the command line (``walk_root``, also relative to the config root) a pattern also
        matches any folder name below it, and a pattern that already matches the given folder is ignored: asking
        for ``slmc lint build/pkg`` lints it.
        """
        matcher = self._matcher(walk_root)
        if matcher.path(relpath):
            return True
        if walk_root is None:
            return False
        below = relpath if walk_root in ("", ".") else relpath[len(walk_root) + 1 :]
        return any(matcher.name(part) for part in below.split("/")[:-1]) or matcher.name(below.rsplit("/", 1)[-1])

    def _matcher(self, walk_root: str | None) -> _GlobSet:
        patterns = tuple(p.rstrip("/") for p in (*self.exclude, *self.extend_exclude))
        key = (walk_root, patterns)
        if key not in _MATCHERS:
            active = patterns if walk_root is None else tuple(p for p in patterns if not path_matches(walk_root, p))
            _MATCHERS[key] = _GlobSet(active)
        return _MATCHERS[key]


class _GlobSet:
    """Many glob patterns compiled into two regexes: on a whole relative path (or its folders) and on one name."""

    def __init__(self, patterns: Sequence[str]) -> None:
        never = r"(?!)"
        paths = [fnmatch.translate(p) for p in patterns] + [fnmatch.translate(p + "/*") for p in patterns]
        self._path = re.compile("|".join(paths) or never)
        self._name = re.compile("|".join(fnmatch.translate(p) for p in patterns) or never)

    def path(self, relpath: str) -> bool:
        return bool(self._path.match(relpath) or self._name.match(relpath.rsplit("/", 1)[-1]))

    def name(self, name: str) -> bool:
        return bool(self._name.match(name))


_MATCHERS: dict[tuple[str | None, tuple[str, ...]], _GlobSet] = {}  # (walk root, patterns) -> compiled


@dataclass
class Config:
    path: Path | None = None  # the file the settings came from
    root: Path = field(default_factory=Path.cwd)  # ids and per-file patterns are relative to it
    options: dict[str, Any] = field(default_factory=dict)
    lint: LintSettings = field(default_factory=LintSettings)


# ---- matching -----------------------------------------------------------------------------------------------------
def path_matches(relpath: str, pattern: str, *, components: bool = False) -> bool:
    """Glob match on the relative path or its file name; ``components`` also matches any folder name."""
    rel = PurePosixPath(relpath.replace(os.sep, "/"))
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(str(rel), pattern) or fnmatch.fnmatchcase(rel.name, pattern):
        return True
    if fnmatch.fnmatchcase(str(rel), pattern + "/*"):
        return True
    return components and any(fnmatch.fnmatchcase(part, pattern) for part in rel.parts)


def resolve_codes(selectors: Iterable[str], where: str = "select") -> set[str]:
    """Codes named by selectors: ``ALL``, a code, a code prefix (``SLM``, ``SLM2``) or a rule name."""
    from slmc.lint.rules import ALL_RULES, BY_NAME

    codes = [r.code for r in ALL_RULES]
    out: set[str] = set()
    for raw in selectors:
        text = str(raw).strip()
        if text.upper() == "ALL":
            out.update(codes)
            continue
        if text.lower() in BY_NAME:
            out.add(BY_NAME[text.lower()].code)
            continue
        matched = {c for c in codes if c.startswith(text.upper())} if text else set()
        if not matched:
            near = _close_matches(text.upper(), codes + list(BY_NAME))
            hint = (f"did you mean {near[0]}? " if near else "") + "`slmc rule --list` lists the codes"
            raise SlmcError(f"{where}: unknown rule code or name {text!r}", hint=hint)
        out |= matched
    return out


# ---- loading ------------------------------------------------------------------------------------------------------
def _key_line(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            return number
    return None


def _error(path: Path | None, message: str, key: str | None = None, hint: str | None = None) -> SlmcError:
    line = _key_line(path, key) if path and key else None
    return SlmcError(message, path=str(path) if path else None, line=line, hint=hint)


def _unknown_key(path: Path | None, table: str, key: str, known: Iterable[str]) -> SlmcError:
    known = list(known)
    near = _close_matches(key, known)
    hint = (f"did you mean {near[0]!r}? " if near else "") + f"known keys: {', '.join(known)}"
    return _error(path, f"unknown key {key!r} in [{table}]", key, hint)


def _close_matches(word: str, choices: list[str]) -> list[str]:
    import difflib  # only for error messages: not paid on every start

    return difflib.get_close_matches(word, choices, n=1)


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a config file to read

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SlmcError(f"invalid TOML: {exc}", path=str(path), hint="fix the TOML syntax") from None
    except OSError as exc:
        raise SlmcError(f"cannot read config: {exc.strerror}", path=str(path)) from None


def _slmc_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    if path.name != PYPROJECT:
        return data
    tool = data.get("tool")
    if not isinstance(tool, dict) or "slmc" not in tool:
        return None
    table = tool["slmc"]
    if not isinstance(table, dict):
        raise _error(path, "[tool.slmc] must be a table", "slmc")
    return table


def _str_list(path: Path | None, table: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(path, f"[{table}] {key} must be a list of strings", key, hint=f'e.g. {key} = ["SLM101"]')
    return tuple(value)


def parse_lint_table(table: dict[str, Any], path: Path | None, name: str = "tool.slmc.lint") -> LintSettings:
    settings = LintSettings()
    for key, value in table.items():
        if key not in LINT_KEYS:
            raise _unknown_key(path, name, key, LINT_KEYS)
        if key == "per-file-ignores":
            if not isinstance(value, dict):
                raise _error(path, f"[{name}] per-file-ignores must be a table of glob = [codes]", key)
            settings.per_file_ignores = {
                glob: _str_list(path, name, f"per-file-ignores[{glob!r}]", codes) for glob, codes in value.items()
            }
            continue
        if key == "fail-on":
            if value not in FAIL_ON:
                raise _error(path, f"[{name}] fail-on must be one of {', '.join(FAIL_ON)}, not {value!r}", key)
            settings.fail_on = value
            continue
        setattr(settings, key.replace("-", "_"), _str_list(path, name, key, value))
    # Validate every code now, so a typo fails loudly with the file named.
    for attr, where in (("select", "select"), ("extend_select", "extend-select"), ("ignore", "ignore")):
        try:
            resolve_codes(getattr(settings, attr), where)
        except SlmcError as exc:
            raise _error(path, f"[{name}] {exc.message}", where, exc.hint) from None
    for glob, codes in settings.per_file_ignores.items():
        try:
            resolve_codes(codes, f"per-file-ignores[{glob!r}]")
        except SlmcError as exc:
            raise _error(path, f"[{name}] {exc.message}", glob, exc.hint) from None
    return settings


def parse_slmc_table(table: dict[str, Any], path: Path | None) -> tuple[dict[str, Any], LintSettings]:
    options: dict[str, Any] = {}
    lint = LintSettings()
    known = [k.replace("_", "-") for k in OPTION_TYPES] + list(SUBTABLES)
    for key, value in table.items():
        if key == "lint":
            if not isinstance(value, dict):
                raise _error(path, "[tool.slmc] lint must be a table ([tool.slmc.lint])", key)
            lint = parse_lint_table(value, path)
            continue
        if key == "prices":  # [tool.slmc.prices]: model = { input = ..., output = ... } over slmc/data/prices.yaml
            from slmc.analysis.prices import parse_overrides

            try:
                options["prices"] = parse_overrides(value)
            except SlmcError as exc:
                raise _error(path, exc.message, key, exc.hint) from None
            continue
        attr = key.replace("-", "_")
        if attr not in OPTION_TYPES:
            raise _unknown_key(path, "tool.slmc", key, known)
        types = OPTION_TYPES[attr]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types)
            raise _error(path, f"[tool.slmc] {key} must be {names}, not {type(value).__name__}", key)
        if attr == "target":  # the serving targets registry (slmc.targets.base.TARGETS); imported only when set
            from slmc.targets.base import TARGETS

            if value not in TARGETS:
                near = _close_matches(value, list(TARGETS))
                hint = (f"did you mean {near[0]!r}? " if near else "") + f"known targets: {', '.join(TARGETS)}"
                raise _error(path, f"[tool.slmc] target: unknown target {value!r}", key, hint)
        if attr == "licence":  # the one meaning of --licence (slmc.analysis.catalog.parse_licence)
            from slmc.analysis.catalog import parse_licence

            try:
                value = parse_licence(value)
            except SlmcError as exc:
                raise _error(path, f"[tool.slmc] licence: {exc.message}", key, exc.hint) from None
        options[attr] = value
    return options, lint


def find_config(start: Path) -> Path | None:
    """The closest pyproject.toml with a ``[tool.slmc]`` table, walking up from ``start``."""
    here = start.resolve()
    if here.is_file() or not here.exists():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / PYPROJECT
        if candidate.is_file() and _slmc_table(candidate, _read_toml(candidate)) is not None:
            return candidate
    return None


def common_parent(paths: Sequence[Path]) -> Path:
    resolved = [Path(os.path.realpath(p)) for p in paths] or [Path.cwd()]  # no RuntimeError on a symlink loop
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def load_config(paths: Sequence[Path] = (), explicit: Path | None = None) -> Config:
    """Settings for the given paths: an explicit file, else the closest pyproject.toml with ``[tool.slmc]``."""
    cwd = Path.cwd()
    if explicit is not None:
        if not explicit.is_file():
            raise SlmcError(f"config file {str(explicit)!r} not found", hint="pass a pyproject.toml or an slmc.toml")
        path: Path | None = explicit.resolve()
    else:
        path = find_config(common_parent(paths))
    if path is None:
        parent = common_parent(paths)
        root = cwd if parent == cwd.resolve() or cwd.resolve() in parent.parents else parent
        return Config(path=None, root=root)
    table = _slmc_table(path, _read_toml(path))
    if table is None:
        raise SlmcError("no [tool.slmc] table", path=str(path), hint="add [tool.slmc.lint] or pass another --config")
    options, lint = parse_slmc_table(table, path)
    return Config(path=path, root=path.parent, options=options, lint=lint)
