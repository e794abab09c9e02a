"""Prompts outside Python: template files reached by static or config-derived paths, and their slot syntaxes.

* ``slot_parts(text)``: literal text and holes for the slot syntaxes real agents use in template files — jinja
  ``{{ x }}``, ``<$x$>``, ``!<INPUT 0>!``, ``${x}`` / ``$x`` and (when the text was not formatted yet) ``{x}``.
* ``path_of(ev, expr, scope)``: the file a path expression names when it is built from ``__file__``,
  ``os.path.join``, ``os.path.dirname``, ``Path(...).parent`` and ``/`` with static pieces (inside the analysed tree).
* ``loader_value(ev, key, call, scope)``: a call of a project function that reads a file named by its argument
  (``load_prompt("critic")`` joining a folder + name + suffix): the template file of that name in the tree — its text,
  or for YAML/JSON its data with strings as template text.

Every path is resolved inside the analysed root (``slmc.safety.resolve_within``); nothing here raises on input.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmc.frontend import syntax as cst
from slmc.frontend.index import own_nodes
from slmc.frontend.values import Const, Function, Instance, Text
from slmc.ir.nodes import PromptPart
from slmc.lazyre import lazy

if TYPE_CHECKING:
    from slmc.frontend.index import Scope
    from slmc.frontend.resolve import Evaluator

TEXT_SUFFIXES = (".prompt", ".txt", ".md", ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".mustache")
DATA_SUFFIXES = (".yaml", ".yml", ".json")
TEMPLATE_SUFFIXES = TEXT_SUFFIXES + DATA_SUFFIXES
MAX_TEMPLATE_BYTES = 1_000_000
MAX_LISTED = 20_000  # template-like files listed per tree
_SKIP = {".git", "node_modules", "__pycache__", "venv", ".venv", "site-packages", "dist", "build", ".tox"}

# One alternative per syntax; ``fmt`` ({x}) only where the text was not formatted yet.
_SLOT = lazy(
    r"\{\{-?\s*(?P<jinja>[^{}]+?)\s*-?\}\}"
    r"|<\$(?P<angle>[\w.]+)\$>"
    r"|!<(?P<input>INPUT\s+\d+)>!"
    r"|\$\{(?P<brace>[A-Za-z_]\w*)\}"
    r"|\$(?P<dollar>[A-Za-z_]\w*)"
    r"|(?<!\{)\{(?P<fmt>[A-Za-z_]\w*)\}(?!\})"
)
_READS = lazy(
    r"\bopen\(|read_text\(|\.read\(\)|safe_load\(|yaml\.load\(|json\.loads?\(|read_yaml|load_yaml|\.get_template\("
)


def slot_parts(text: str, formatted: bool = False) -> tuple[PromptPart, ...]:
    """Literal parts and holes of a template; ``formatted``: ``{x}`` was already substituted (keep it literal)."""
    parts: list[PromptPart] = []
    pos = 0
    for m in _SLOT.finditer(text):
        kind = m.lastgroup
        if kind is None or (kind == "fmt" and formatted):
            continue
        parts.append(PromptPart(text[pos : m.start()]))
        name = m.group(kind).strip()
        parts.append(PromptPart(name, hole=True))
        pos = m.end()
    parts.append(PromptPart(text[pos:]))
    return tuple(p for p in parts if p.text or p.hole)


def with_slots(text: Text) -> Text:
    """A template-file text with its slots as holes (``{x}`` only when nothing was substituted yet)."""
    if not text.template_file:
        return text
    formatted = any(p.hole for p in text.parts)
    parts: list[PromptPart] = []
    for p in text.parts:
        parts.extend((p,) if p.hole else slot_parts(p.text, formatted))
    return Text(tuple(parts), text.origin, text.template_file)


# ---- paths ------------------------------------------------------------------------------------------------------------
def read_file_text(path: Path, errors: str = "strict") -> str | None:
    """The text of a regular file of at most ``MAX_TEMPLATE_BYTES``, else None: the one way the frontend reads a file
    the agent's code or the tree names. A FIFO or a device is never opened for a blocking read (a config walk or a
    prompt read stood still on a FIFO named ``*.yaml``), a folder or a larger file is not read, and bytes that are not
    UTF-8 are None (``errors="strict"``) or replaced."""
    from slmc.compiler.sourcefiles import read_source

    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            return None
        data = read_source(path)
    except OSError:  # not a regular file, gone, no permission, a name past the system's limits, a link loop
        return None
    if len(data) > MAX_TEMPLATE_BYTES:  # grown since
        return None
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError:
        return None


def within_tree(ev: Evaluator, p: str | Path) -> Path | None:
    """``p`` resolved (symlinks too) when it lies inside the analysed tree and can be a file name, else None: the one
    gate every file the agent's code names passes before slmc reads it."""
    return within_root(ev.project.root, p)


def within_root(root: Path, p: str | Path) -> Path | None:
    """``within_tree`` for a tree given by its folder (a config file's walk, which has no evaluator)."""
    from slmc.safety import resolve_within

    root = root.resolve()
    try:
        inside = resolve_within(root, os.path.relpath(Path(p).resolve(), root))
    except Exception:  # outside the analysed tree, or not a path at all
        return None
    if inside is not None and any(len(part) > 255 for part in inside.parts):
        return None  # inline text, not a name: ``is_file`` would raise ENAMETOOLONG
    return inside


def _dir_value(ev: Evaluator, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Path | None:
    """A folder or file path (absolute, inside the tree) a path expression names, static pieces only."""
    if depth > 12:
        return None
    if isinstance(expr, cst.Name) and expr.value == "__file__":
        return (ev.project.root / scope.module.path).resolve()
    if isinstance(expr, cst.Name):
        bindings = ev.bindings_of(expr.value, scope) or []
        first = next((b for b in bindings if b[0] == "expr"), None)
        if first is not None and isinstance(first[1], cst.BaseExpression):
            found = _dir_value(ev, first[1], first[2], depth + 1)
            if found is not None:
                return found
    if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
        base = _dir_value(ev, expr.value, scope, depth + 1)
        return base.parent if base is not None else None
    if isinstance(expr, cst.Attribute):
        # ``self.config.prompt_path``: what the object's class (or a base) assigns ``self.prompt_path`` in a method
        owner = ev.value(expr.value, scope)
        if isinstance(owner, Instance):
            for key in [owner.cls, *ev.bases_of(owner.cls)][:8]:
                cls = ev.scopes.get(key)
                for b in cls.self_attrs.get(expr.attr.value, ()) if cls is not None else ():
                    if b[0] == "expr" and isinstance(b[1], cst.BaseExpression):
                        found = _dir_value(ev, b[1], b[2], depth + 1)
                        if found is not None:
                            return found
        return None
    if isinstance(expr, cst.Call):
        name = _callee_name(expr.func)
        args = [a.value for a in expr.args if a.keyword is None and not a.star]
        default = _getter_default(ev, expr, args, scope)
        if default is not None:
            return _dir_value(ev, default, scope, depth + 1)
        if name in ("dirname", "os.path.dirname", "path.dirname") and args:
            base = _dir_value(ev, args[0], scope, depth + 1)
            return base.parent if base is not None else None
        if name in ("abspath", "realpath", "os.path.abspath", "os.path.realpath", "resolve", "absolute") and args:
            return _dir_value(ev, args[0], scope, depth + 1)
        if name.endswith(("resolve", "absolute")) and isinstance(expr.func, cst.Attribute):
            return _dir_value(ev, expr.func.value, scope, depth + 1)
        if name in ("join", "os.path.join", "path.join") and args:
            base = _dir_value(ev, args[0], scope, depth + 1)
            rest = [ev.static_str(a, scope) for a in args[1:]]
            if base is None:
                first = ev.static_str(args[0], scope)
                base = (ev.project.root / scope.module.path).parent / first if first else None
            if base is None or any(r is None for r in rest):
                return None
            return base.joinpath(*rest)  # type: ignore[arg-type]
        if name in ("Path", "pathlib.Path", "PurePath") and args:
            base = _dir_value(ev, args[0], scope, depth + 1)
            if base is None:
                return None
            rest = [ev.static_str(a, scope) for a in args[1:]]
            return None if any(r is None for r in rest) else base.joinpath(*rest)  # type: ignore[arg-type]
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        base = _dir_value(ev, expr.left, scope, depth + 1)
        right = ev.static_str(expr.right, scope)
        if base is None or right is None:
            return None
        return base / right
    return None


_GETTER = lazy(r"^_*get(?:_\w+)?$")


def _getter_default(
    ev: Evaluator, call: cst.Call, args: list[cst.BaseExpression], scope: Scope
) -> cst.BaseExpression | None:
    """The fallback of a settings getter called with a literal key (``config.get_path("prompt_path", default)``,
    ``os.environ.get("PROMPT_FILE", "prompts/x.txt")``): what is read unless a deployment overrides it."""
    if not isinstance(call.func, cst.Attribute | cst.Name):
        return None
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else call.func.value
    if not _GETTER.match(method) or not args or ev.static_str(args[0], scope) is None:
        return None
    keyword = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "default"), None)
    return keyword if keyword is not None else args[1] if len(args) == 2 else None


def _callee_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        inner = _callee_name(func.value)
        return f"{inner}.{func.attr.value}" if inner else func.attr.value
    return ""


def path_of(ev: Evaluator, expr: cst.CSTNode, scope: Scope) -> Path | None:
    """The template file an ``open(p)`` / ``Path(p)`` / ``p`` expression names (``__file__``-relative, joined)."""
    if not isinstance(expr, cst.BaseExpression):
        return None
    target: cst.BaseExpression = expr
    if isinstance(expr, cst.Call) and _callee_name(expr.func) in ("open", "io.open", "codecs.open") and expr.args:
        target = expr.args[0].value
    try:
        found = _dir_value(ev, target, scope)
    except RecursionError:
        return None
    if found is None:
        return None
    inside = within_tree(ev, found)
    if inside is None or not inside.is_file() or inside.stat().st_size > MAX_TEMPLATE_BYTES:
        return None
    return inside


# ---- loaders ------------------------------------------------------------------------------------------------------------
_LISTED: dict[tuple[str, str], list[Path]] = {}


def _resolved(root: Path) -> str:
    """``str(root.resolve())``, asked once per absolute root (a relative one depends on the working folder): the
    caches of listed files and settings tables are keyed by it, and every settings lookup asks."""
    return _resolved_absolute(root) if root.is_absolute() else str(root.resolve())


@functools.lru_cache(maxsize=64)
def _resolved_absolute(root: Path) -> str:
    return str(root.resolve())


def _tree_files(root: Path, kind: str, keep: Callable[[str, str], bool]) -> list[Path]:
    """The files of the tree that ``keep(folder, name)`` takes (bounded; hidden, vendored and build folders skipped,
    links not followed), listed once per root and ``kind``."""
    key = _resolved(root)
    if (key, kind) in _LISTED:
        return _LISTED[key, kind]
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(key, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP and not d.startswith("."))
        out.extend(Path(dirpath) / name for name in sorted(filenames) if keep(dirpath, name))
        if len(out) >= MAX_LISTED:
            break
    _LISTED[key, kind] = out
    return out


def template_files(root: Path) -> list[Path]:
    """Template-like files of the tree, by suffix."""
    return _tree_files(root, "template", lambda _folder, name: name.endswith(TEMPLATE_SUFFIXES))


def find_template(ev: Evaluator, name: str, near: str, hints: frozenset[str] = frozenset()) -> Path | None:
    """The template file ``name`` (a stem or a relative path, with or without suffix) names; the one nearest to
    ``near`` (a module path) wins, folders called prompts/templates first, then one in a folder named after the
    caller (``hints``: ``folder_hints``; ``prompts/bug-hunter/iteration.prompt`` for the bug hunter's call)."""
    if not name or len(name) > 200 or "\x00" in name or name.startswith(("/", "\\")) or ".." in name.split("/"):
        return None
    want = name.replace("\\", "/").strip("/")
    here = (ev.project.root / near).parent.resolve()
    best: tuple[tuple[int, int, int], Path] | None = None
    for p in template_files(ev.project.root):
        posix = p.as_posix()
        stem_match = p.stem == want or p.name == want
        path_match = "/" in want and (posix.endswith("/" + want) or posix.rsplit(".", 1)[0].endswith("/" + want))
        if not (stem_match or path_match):
            continue
        folder = p.parent.as_posix().lower()
        named = 0 if ("prompt" in folder or "template" in folder) else 1
        try:
            common = len(os.path.commonpath([str(here), str(p.parent)]))
        except ValueError:
            common = 0
        hinted = 0 if hints and any(_word(part) in hints for part in p.parent.parts[-4:]) else 1
        rank = (named, hinted, -common, len(posix))
        if best is None or rank < best[0]:
            best = (rank, p)
    if best is None:
        return None
    return within_tree(ev, best[1])


_KEY_NAME = lazy(r"[A-Za-z_][\w.-]{0,79}")


def _in_prompt_folder(folder: str, name: str) -> bool:
    here = Path(folder).name.lower()
    return (
        ("prompt" in here or "template" in here)
        and not name.startswith(".")
        and ("." not in name or name.endswith(TEXT_SUFFIXES))
    )


def prompt_folder_files(root: Path) -> list[Path]:
    """Plain-text files kept in folders whose name says prompt or template (``preprompts/``, ``prompt_templates/``),
    with no suffix or a text one (a folder of prompt files named only by their key)."""
    return _tree_files(root, "prompt-folder", _in_prompt_folder)


def keyed_prompt_file(ev: Evaluator, key: str, near: str) -> Text | None:
    """``prompts["roadmap"]`` on a table the code fills at run time from a folder of prompt files (one file per key,
    often with no suffix): the text of the file named by the key in a prompt/template folder, the nearest to the
    reading module winning (then the shorter path). None when the key names no such file."""
    if not _KEY_NAME.fullmatch(key):
        return None
    here = (ev.project.root / near).parent.resolve()
    best: tuple[tuple[int, int], Path] | None = None
    for p in prompt_folder_files(ev.project.root):
        if p.name != key and p.stem != key:
            continue
        try:
            common = len(os.path.commonpath([str(here), str(p.parent)]))
        except ValueError:
            common = 0
        rank = (-common, len(p.as_posix()))
        if best is None or rank < best[0]:
            best = (rank, p)
    if best is None:
        return None
    path = within_tree(ev, best[1])
    found = read_template(ev, path) if path is not None else None
    return found if isinstance(found, Text) else None


# ---- settings tables ------------------------------------------------------------------------------------------------
# A settings object merged from TOML files (Dynaconf and the like): ``settings.<table>.<key>`` reads ``[table] key``.
MAX_SETTINGS_FILES = 200
_SETTINGS: dict[str, dict[tuple[str, str], tuple[str, str] | None]] = {}
_NOT_SETTINGS = ("pyproject.toml", "cargo.toml", "poetry.lock", "pixi.toml")


def _settings_tables(root: Path) -> dict[tuple[str, str], tuple[str, str] | None]:
    """``(table, key)`` (lower-cased) -> ``(text, file)`` for every string entry of a top-level table in the tree's
    TOML files (build manifests left out), read once per root; ``None`` where two files give one entry different
    texts. Files that do not parse, or are too big, are skipped."""
    key = _resolved(root)
    if key in _SETTINGS:
        return _SETTINGS[key]
    import tomllib

    out: dict[tuple[str, str], tuple[str, str] | None] = {}
    listed = _tree_files(
        root, "settings", lambda _folder, name: name.endswith(".toml") and name.lower() not in _NOT_SETTINGS
    )
    for path in listed[:MAX_SETTINGS_FILES]:
        try:
            if path.is_symlink():  # no file outside the tree
                continue
            text = read_file_text(path)
            if text is None:
                continue
            data = tomllib.loads(text)
        except (OSError, ValueError):
            continue
        rel = path.relative_to(key).as_posix()
        for table, entries in data.items():
            if not isinstance(entries, dict):
                continue
            for k, v in entries.items():
                if not isinstance(v, str):
                    continue
                slot = (str(table).lower(), str(k).lower())
                if slot in out and (out[slot] is None or out[slot][0] != v):  # type: ignore[index]
                    out[slot] = None
                else:
                    out[slot] = (v, rel)
    _SETTINGS[key] = out
    return out


def settings_entry(ev: Evaluator, table: str, entry: str) -> Text | None:
    """The text of ``[table] entry`` in the tree's TOML settings files (``get_settings().review_prompt.system``), with
    jinja ``{% include %}`` pulled in like a template file's; ``None`` when no file (or more than one, differing)
    holds it."""
    found = _settings_tables(ev.project.root).get((table.lower(), entry.lower()))
    if found is None:
        return None
    text, rel = found
    if "{%" in text:
        text = _jinja_inlined(ev, text, 0)
    return Text((PromptPart(text),), "template-file", rel)


def has_settings_table(ev: Evaluator, table: str) -> bool:
    """Whether a top-level table of that name is in the tree's TOML settings files."""
    name = table.lower()
    return any(t == name for t, _ in _settings_tables(ev.project.root))


def _table_local(fn: Scope, param: str) -> str | None:
    """The local of ``fn`` bound to a settings table its parameter names (``table = get_settings().get(section)``,
    ``getattr(settings, section)``, ``settings[section]``), once; None when there is no such local."""
    found: str | None = None
    for name, bindings in fn.bindings.items():
        for b in bindings:
            if b[0] != "expr" or b[2] is not fn:
                continue
            node = b[1]
            key = None
            if isinstance(node, cst.Call) and node.args and not node.args[0].star:
                is_get = isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"
                is_getattr = isinstance(node.func, cst.Name) and node.func.value == "getattr" and len(node.args) >= 2
                key = node.args[1 if is_getattr else 0].value if is_get or is_getattr else None
            elif (
                isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            ):
                key = node.slice[0].slice.value
            if isinstance(key, cst.Name) and key.value == param:
                if found is not None and found != name:
                    return None
                found = name
    return found


def _keyed_by(fn: Scope, param: str) -> bool:
    """Whether ``fn`` reads an entry off something its parameter indexes (``self.tables[name].system``: a dict of
    settings tables filled elsewhere, picked by the name the caller gives)."""
    return any(isinstance(n, cst.Attribute) and _indexed_by(n.value, param) for n in own_nodes(fn, cap=3000))


def _indexed_by(expr: cst.CSTNode, param: str) -> bool:
    return (
        isinstance(expr, cst.Subscript)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and isinstance(expr.slice[0].slice.value, cst.Name)
        and expr.slice[0].slice.value.value == param
    )


_KEYED = "\0"  # the table "local" of a builder reading ``<holder>[param].<entry>`` (``_keyed_by``)


def _entry_text(
    ev: Evaluator, fn: Scope, expr: cst.CSTNode, local: str, table: str, hops: int = 0, depth: int = 0
) -> Text | None:
    """The settings entry an expression of ``fn`` reads off the table local (``env.from_string(table.user)
    .render(**kw)`` reads ``[table] user``; for ``_KEYED + param``, ``self.tables[param].user``), following the
    function's own locals a few steps."""
    if hops > 3 or depth > 12:
        return None
    if isinstance(expr, cst.Attribute):
        if local.startswith(_KEYED) and _indexed_by(expr.value, local[len(_KEYED) :]):
            return settings_entry(ev, table, expr.attr.value)
        if isinstance(expr.value, cst.Name) and expr.value.value == local:
            return settings_entry(ev, table, expr.attr.value)
    if isinstance(expr, cst.Name) and expr.value != local:
        for b in fn.bindings.get(expr.value, ())[:4]:
            if b[0] == "expr" and b[2] is fn:
                found = _entry_text(ev, fn, b[1], local, table, hops + 1, depth + 1)
                if found is not None:
                    return found
        return None
    for child in expr.children[:16]:
        found = _entry_text(ev, fn, child, local, table, hops, depth + 1)
        if found is not None:
            return found
    return None


def settings_builder_params(ev: Evaluator, key: str) -> list[tuple[int, str, str]]:
    """(index, parameter, table local) of a builder function reading the settings table a parameter names
    (``table = get_settings().get(name)``, or ``self.tables[name].system`` off a dict of tables); memoised."""
    memo: dict[str, list[tuple[int, str, str]]] = ev.__dict__.setdefault("_settings_builders", {})
    fn = ev.scopes.get(key)
    if fn is None:
        return []
    if key not in memo:
        names = [p.name.value for p in fn.params if p.name.value not in ("self", "cls")]
        found: list[tuple[int, str, str]] = []
        for i, n in enumerate(names[:8]):
            local = _table_local(fn, n)
            if local is None and _keyed_by(fn, n):
                local = _KEYED + n
            if local is not None:
                found.append((i, n, local))
        memo[key] = found
    return memo[key]


def settings_builder_value(ev: Evaluator, key: str, call: cst.Call, scope: Scope) -> Text | Const | None:
    """``self._build_prompt("review", code=c)`` of a builder that reads the settings table its parameter names
    (``table = get_settings().get(name)``) and returns the entries it renders, as one text, a dict of them
    (``{"system": ..., "user": ...}``) or a tuple (``return system, user``): what the builder returns for the table
    the caller names. None unless the argument is a literal naming a table of the tree's TOML settings files."""
    fn = ev.scopes.get(key)
    if fn is None or len(fn.returns) != 1 or not _settings_tables(ev.project.root):
        return None
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    for index, param, _local in settings_builder_params(ev, key)[:1]:
        given = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param), None)
        if given is None and index < len(positional):
            given = positional[index]
        table = ev.static_str(given, scope) if given is not None else None
        return settings_builder_for(ev, key, table) if table else None
    return None


def settings_builder_for(ev: Evaluator, key: str, table: str) -> Text | Const | None:
    """What the settings builder ``key`` returns for the settings table ``table`` (``settings_builder_value``)."""
    fn = ev.scopes.get(key)
    found = settings_builder_params(ev, key)[:1]
    if fn is None or len(fn.returns) != 1 or not found or not has_settings_table(ev, table):
        return None
    local = found[0][2]
    returned = fn.returns[0]
    if isinstance(returned, cst.Name):
        bound = [b for b in fn.bindings.get(returned.value, ()) if b[0] == "expr" and b[2] is fn]
        if len(bound) == 1 and isinstance(bound[0][1], cst.Dict | cst.Tuple):
            returned = bound[0][1]
    if isinstance(returned, cst.Tuple):
        items: list[Any] = []
        for el in returned.elements[:8]:
            if el.value is None or isinstance(el, cst.StarredElement):
                return None
            text = _entry_text(ev, fn, el.value, local, table)
            items.append(text if text is not None else ev.hole(el.value, fn))
        keep = any(isinstance(v, Text) and v.origin == "template-file" for v in items)
        return Const(tuple(items)) if keep else None
    if isinstance(returned, cst.Dict):
        out: dict[Any, Any] = {}
        for el in returned.elements:
            if not isinstance(el, cst.DictElement):
                return None
            k = ev.static_str(el.key, fn)
            text = _entry_text(ev, fn, el.value, local, table)
            if k is None:
                return None
            out[k] = text if text is not None else ev.hole(el.value, fn)
        return Const(out) if any(isinstance(v, Text) and v.origin == "template-file" for v in out.values()) else None
    return _entry_text(ev, fn, returned, local, table)


def _word(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def folder_hints(ev: Evaluator, scope: Scope) -> frozenset[str]:
    """Words naming the caller of a template loader, to pick among template files of the same name kept one folder per
    agent: its module's name, its class's name and the short strings its class (or a base) declares in the class
    body (``agent_type = "bug-hunter"``), lower-cased with separators dropped."""
    words = {_word(Path(scope.module.path).stem)}
    fn = scope.enclosing_function()
    cls = fn.enclosing_class() if fn is not None else None
    if cls is not None:
        words.add(_word(cls.name))
        for key in [cls.key, *ev.bases_of(cls.key)][:6]:
            owner = ev.scopes.get(key)
            for bindings in owner.bindings.values() if owner is not None else ():
                for b in bindings[:1]:
                    if b[0] == "expr" and isinstance(b[1], cst.SimpleString):
                        v = b[1].evaluated_value
                        if isinstance(v, str) and 0 < len(v) <= 40:
                            words.add(_word(v))
    return frozenset(w for w in words if len(w) >= 3)


def read_template(ev: Evaluator, path: Path) -> Text | Const | None:
    """A template file's text (slots as holes) or, for YAML/JSON, its data with every string as template text."""
    content = read_file_text(path)
    if content is None:
        return None
    rel = ev.relpath(path)
    if not path.name.endswith(DATA_SUFFIXES):
        if "{%" in content:
            content = _jinja_inlined(ev, content, 0)
        return Text((PromptPart(content),), "template-file", rel)
    try:
        data = parse_data(content, json_only=path.name.endswith(".json"))
    except Exception:
        return None
    wrapped = wrap_data(data, rel)
    return Const(wrapped) if wrapped is not None or data is None else None


_JINJA_PULL = lazy(r"""\{%-?\s*(?:extends|include)\s+["']([^"'\n]{1,200})["'][^%]*%\}""")


def _jinja_inlined(ev: Evaluator, content: str, depth: int, budget: list[int] | None = None) -> str:
    """A jinja template with the files it ``{% extends %}`` / ``{% include %}`` by a literal name put in place (found
    by their path under the template folders, as a ``FileSystemLoader`` would), a few levels deep and within
    ``MAX_TEMPLATE_BYTES`` of pulled text in all."""
    budget = budget if budget is not None else [MAX_TEMPLATE_BYTES]

    def pull(m: re.Match[str]) -> str:
        want = m.group(1).replace("\\", "/").strip("/")
        if depth >= 4 or budget[0] <= 0 or ".." in want.split("/"):
            return m.group(0)
        for p in template_files(ev.project.root):
            if p.as_posix().endswith("/" + want) and p.name.endswith(TEXT_SUFFIXES):
                inside = within_tree(ev, p)
                text = read_file_text(inside) if inside is not None else None
                if text is None or len(text) > budget[0]:
                    return m.group(0)
                budget[0] -= len(text)
                return _jinja_inlined(ev, text, depth + 1, budget) if "{%" in text else text
        return m.group(0)

    return _JINJA_PULL.sub(pull, content)


# A data file's items converted or walked at most (an alias of YAML is one object reused: nine aliases of nine aliases
# ... of a list, a "billion laughs" document of a few hundred bytes, is a billion items when walked), and the bracket
# nesting a file may have before it is parsed (PyYAML's scanner slows down with each open bracket: 100,000 of them
# took it minutes).
MAX_DATA_ITEMS = 200_000
MAX_FLOW_DEPTH = 200
_BRACKET = lazy(r"[\[\]{}]")


class DataTooLarge(ValueError):
    """A data file past ``MAX_DATA_ITEMS`` items or ``MAX_FLOW_DEPTH`` brackets deep: not read."""


def parse_data(content: str, json_only: bool = False) -> Any:
    """A YAML (or JSON) document's data; raises on anything not a document slmc reads (``DataTooLarge``, parse
    errors)."""
    if _too_deep(content):
        raise DataTooLarge("nested too deep")
    if json_only:
        return json.loads(content)
    import yaml

    return yaml.safe_load(content)


def _too_deep(text: str) -> bool:
    """Whether the brackets of ``text`` nest deeper than ``MAX_FLOW_DEPTH`` (quotes not read: an upper bound)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return False
    depth = 0
    for m in _BRACKET.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_FLOW_DEPTH:
            return True
    return False


def wrap_data(data: Any, rel: str, str_keys: bool = True) -> Any:
    """A data file's items with every string as template text of ``rel`` (``str_keys``: mapping keys as strings);
    None when it holds more than ``MAX_DATA_ITEMS`` items (counted as walked: a reused alias counts each time). Items
    past 50 levels deep are None."""
    try:
        return _wrap(data, rel, 0, [MAX_DATA_ITEMS], str_keys)
    except DataTooLarge:
        return None


def _wrap(item: Any, rel: str, depth: int, budget: list[int], str_keys: bool = True) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise DataTooLarge("too many items")
    if depth > 50:
        return None
    if isinstance(item, str):
        return Text((PromptPart(item),), "template-file", rel)
    if isinstance(item, dict):
        return {(str(k) if str_keys else k): _wrap(v, rel, depth + 1, budget, str_keys) for k, v in item.items()}
    if isinstance(item, list):
        return tuple(_wrap(v, rel, depth + 1, budget, str_keys) for v in item)
    return item


def reads_file(ev: Evaluator, key: str, depth: int = 0) -> str | None:
    """The name of the parameter a project function reads a file by (its first one), when its body reads files —
    itself (``open``, ``read_text``, ``yaml.safe_load``) or through a project function that does (``load_prompt``
    calling ``utils.load_text(path)``). Memoised per evaluator."""
    memo: dict[str, str | None] = ev.__dict__.setdefault("_reads_file", {})
    if key in memo:
        return memo[key]
    memo[key] = None  # cycle guard
    memo[key] = found = _reads_file(ev, key, depth)
    return found


def _reads_file(ev: Evaluator, key: str, depth: int) -> str | None:
    fn = ev.scopes.get(key)
    if fn is None or not fn.params:
        return None
    try:
        body = fn.module.code(fn.node)
    except Exception:
        return None
    if not _READS.search(body) and not (depth < 3 and _calls_a_reader(ev, fn, depth)):
        return None
    params = [p.name.value for p in fn.params if p.name.value not in ("self", "cls")]
    if not params:
        return None
    for name in params:  # the parameter the file is opened by (``generate_prompt(curr_input, prompt_file)``)
        if re.search(
            rf"(?:\bopen|read_text|safe_load|load_yaml|read_yaml|get_template)\([^)\n]*\b{re.escape(name)}\b", body
        ):
            return name
    first = params[0]
    uses = len(re.findall(rf"\b{re.escape(first)}\b", body))
    return first if uses >= 2 else None  # the def names it once; the body must use it


def _calls_a_reader(ev: Evaluator, fn: Scope, depth: int) -> bool:
    for info in fn.calls:
        if info.scope is not fn:
            continue
        try:
            callee = ev.value(info.node.func, fn)
        except RecursionError:
            continue
        if isinstance(callee, Instance):  # ``self.loader(name)``: an object of the tree called as a function
            called = ev.member(callee.cls, "__call__", False)
            callee = called if isinstance(called, Function) else None
        if isinstance(callee, Function) and callee.key != fn.key and reads_file(ev, callee.key, depth + 1):
            return True
    return False


def loader_value(ev: Evaluator, key: str, call: cst.Call, scope: Scope) -> Text | Const | None:
    """``load_prompt("action_template")``: a project function that reads a file named by its argument."""
    param = reads_file(ev, key)
    if param is None:
        return None
    expr = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param), None)
    if expr is None:
        names = [p.name.value for p in ev.scopes[key].params if p.name.value not in ("self", "cls")]
        index = names.index(param) if param in names else 0
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        expr = positional[index] if index < len(positional) else None
    name = ev.static_str(expr, scope) if expr is not None else None
    if not name and expr is not None:
        name = _path_literal(ev, expr, scope)  # ``read_prompt(Path("sort_prompt.txt"))``, or a constant holding it
    near = ev.scopes[key].module.path
    if not name and expr is not None:
        found = path_of(ev, expr, scope)  # a path built in code (``os.path.join(dirname(__file__), "x.yaml")``)
        if found is not None and found.name.endswith(TEMPLATE_SUFFIXES):  # not the caller's own ``__file__``
            return read_template(ev, found)
    if not name:
        # ``read_prompt(__file__, "write_code.txt")``: the folder comes from the caller's file, the name from the
        # argument that names a file
        if not any(isinstance(a.value, cst.Name) and a.value.value == "__file__" for a in call.args):
            return None
        names = [ev.static_str(a.value, scope) for a in call.args]
        name = next((n for n in names if n and _FILE_NAME.fullmatch(n)), None)
        near = scope.module.path
    if not name:
        return None
    path = find_template(ev, name, near, folder_hints(ev, scope))
    return read_template(ev, path) if path is not None else None


_PATH_TYPES = ("Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath")


def _path_literal(ev: Evaluator, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
    """The file name a path object of a literal names (``Path("sort_prompt.txt")``, or a name bound once to one):
    the literal, where it reads as a template file's name; else None."""
    if depth > 3:
        return None
    if isinstance(expr, cst.Name):
        bindings = ev.bindings_of(expr.value, scope) or []
        if len(bindings) != 1 or bindings[0][0] != "expr" or not isinstance(bindings[0][1], cst.BaseExpression):
            return None
        return _path_literal(ev, bindings[0][1], bindings[0][2], depth + 1)
    if not isinstance(expr, cst.Call) or _callee_name(expr.func).rsplit(".", 1)[-1] not in _PATH_TYPES:
        return None
    if len(expr.args) != 1 or expr.args[0].star or expr.args[0].keyword is not None:
        return None
    value = ev.static_str(expr.args[0].value, scope)
    return value if value and _FILE_NAME.fullmatch(value) else None


_FILE_NAME = lazy(r"[\w./-]{1,200}\.(?:txt|md|prompt|j2|jinja2?|ya?ml|json|tmpl|tpl)")


_DATA_REF = lazy(r"(\.?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")


def data_ref_text(ev: Evaluator, ref: str, near: str) -> Text | None:
    """``"scenarios.qlib.prompts:feedback.system"`` / ``".prompts:plan.user"``: a template named by a data file,
    written as a dotted path (with a leading dot, next to the module ``near``; else under some folder of the tree,
    the shortest such path first) and a dotted key path inside it: the text at that key, slots as holes. None when no
    such file holds a text at that key."""
    m = _DATA_REF.fullmatch(ref) if len(ref) <= 300 else None
    if m is None:
        return None
    memo: dict[tuple[str, str], Text | None] = ev.__dict__.setdefault("_data_refs", {})
    if (ref, near) in memo:
        return memo[ref, near]
    memo[ref, near] = None
    file_part, keys = m.group(1), m.group(2).split(".")
    stem = file_part.lstrip(".").replace(".", "/")
    if file_part.startswith("."):
        here = (ev.project.root / near).parent
        candidates = [here / (stem + suffix) for suffix in DATA_SUFFIXES if suffix != ".json"]
    else:
        candidates = sorted(
            (
                f
                for f in template_files(ev.project.root)
                if f.name.endswith((".yaml", ".yml")) and ("/" + f.as_posix().rsplit(".", 1)[0]).endswith("/" + stem)
            ),
            key=lambda f: len(f.as_posix()),
        )
    for candidate in candidates[:8]:
        path = within_tree(ev, candidate)
        if path is None or not path.is_file():
            continue
        data = read_template(ev, path)
        item: Any = data.value if isinstance(data, Const) else None
        for key in keys:
            item = item.get(key) if isinstance(item, dict) else None
        if isinstance(item, Text):
            memo[ref, near] = with_slots(item)
            break
    return memo[ref, near]


def names_prompt_file(ev: Evaluator, call: cst.CSTNode, scope: Scope) -> bool:
    """Whether ``call`` is a call of a project function that reads a file (``reads_file``) handed a literal template
    file name (``read_prompt("classify.txt")``): the calling function picks its prompt file itself, found or not."""
    if not isinstance(call, cst.Call):
        return False
    try:
        callee = ev.value(call.func, scope)
    except RecursionError:
        return False
    if not isinstance(callee, Function) or reads_file(ev, callee.key) is None:
        return False
    values: list[cst.CSTNode] = []
    for a in call.args:
        if a.star:
            continue
        values.append(a.value)
        if isinstance(a.value, cst.Name):  # ``prompt_path = settings.entity_prompt_path`` (a declared default)
            values += [b[1] for b in scope.bindings.get(a.value.value, ())[:4] if b[0] == "expr" and b[2] is scope]
    for value in values:
        try:
            name = ev.static_str(value, scope)
        except RecursionError:
            continue
        if name is not None and _FILE_NAME.fullmatch(name):
            return True
    return False


def config_file(ev: Evaluator, name: str, scope: Scope) -> Const | None:
    """A static string naming a YAML/JSON file (``tasks_config = "config/tasks.yaml"``) used as a mapping: its data,
    looked up next to the module, then in its parent folders up to the root."""
    if not name.endswith(DATA_SUFFIXES) or len(name) > 300 or "\x00" in name:
        return None
    here = (ev.project.root / scope.module.path).parent
    root = ev.project.root.resolve()
    for folder in (here, *here.parents):
        candidate = within_tree(ev, folder / name)
        if candidate is not None and candidate.is_file():
            data = read_template(ev, candidate)
            return data if isinstance(data, Const) else None
        if folder.resolve() == root:
            break
    return None


def config_text(value: Any) -> Text | None:
    """A config entry holding prompt text (a crewAI task: description, expected_output): its strings joined as one
    template, keys as headings."""
    if not isinstance(value, Const) or not isinstance(value.value, dict):
        return None
    parts: list[PromptPart] = []
    source = None
    for key, item in value.value.items():
        if isinstance(item, Text):
            parts.append(PromptPart(f"{key}: "))
            parts.extend(item.parts)
            parts.append(PromptPart("\n"))
            source = source or item.template_file
    if not parts:
        return None
    return Text(tuple(parts), "template-file", source)


# ---- agents declared in configs ------------------------------------------------------------------------------------------
CONFIG_MODEL_KEYS = frozenset({"provider", "model", "model_name", "model_id", "llm"})
CONFIG_PROMPT_KEYS = ("role", "system_prompt", "system_message", "instructions", "instruction", "prompt", "system")
# an agent definition without a model of its own (the model comes from the command line): its templates next to its tools
CONFIG_TEMPLATE_KEYS = ("system_template", "system_prompt", "instructions")
CONFIG_TASK_KEYS = ("instance_template", "task_template", "user_template")  # the per-task message the agent starts with
CONFIG_TEMPLATE_GROUPS = ("templates", "prompts", "prompt_templates")
_HUMAN_MODEL = lazy(r"^human(?:[_-]\w*)?$", re.IGNORECASE)
_CONFIG_HINT = lazy(r"^[ \t-]*(?:provider|model|model_name|model_id|llm)[ \t]*:", re.MULTILINE)
_PROMPT_HINT = lazy(r"^[ \t-]*(?:role|system_prompt|system_message|instructions?|prompt|system)[ \t]*:", re.MULTILINE)
_TOOLED_HINT = lazy(r"^[ \t]*(?:system_template|system_prompt|instructions)[ \t]*:", re.MULTILINE)
# a DAG node that is an LLM step and names the template file its prompt is rendered from (``type: llm`` with
# ``source: {path: classify.jinja2}``, or a model key next to ``prompt_file: prompts/x.md``)
LLM_NODE_TYPES = frozenset({"llm"})
CONFIG_FILE_KEYS = ("source", "path", "template", "template_path", "template_file", "prompt_path", "prompt_file")
CONFIG_NODE_MODEL_KEYS = ("model", "model_name", "model_id", "deployment_name", "deployment")
NODE_TEMPLATE_SUFFIXES = (*TEXT_SUFFIXES, ".prompty")
_LLM_NODE_HINT = lazy(r"^[ \t-]*type[ \t]*:[ \t]*['\"]?llm['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)
_FILE_HINT = lazy(
    r"^[ \t-]*(?:source|path|template|template_path|template_file|prompt_path|prompt_file)[ \t]*:[^\n]*"
    r"\.(?:prompt|txt|md|j2|jinja2?|tmpl|tpl|prompty)\b",
    re.MULTILINE,
)
MAX_CONFIG_AGENTS = 2_000


def config_agents(folder: Path, root: Path) -> list[tuple[str, int, str, str | None, str | None, str]]:
    """LLM agents a workflow engine builds from YAML: a mapping naming a model or provider next to a prompt of its own
    (``role:``, ``system_prompt:``, ``instructions:``, a few words at least), or an LLM step of a DAG (``type: llm``, or
    a model key) naming the template file its prompt is rendered from (``source: {path: x.jinja2}``, ``prompt_file:``;
    the file read when it lies inside the tree) -> ``(relpath, line, prompt, model, provider, prompt_file)`` for the
    YAML files under ``folder``, paths relative to ``root`` (``prompt_file`` is the YAML itself for an inline prompt);
    the line is the node's (the enclosing list item, else the mapping). crewAI agents (``goal`` / ``backstory``) are
    not sites (their Task is). Nothing here raises on input."""
    import yaml

    out: list[tuple[str, int, str, str | None, str | None, str]] = []
    base = root.resolve()
    for path in template_files(folder):
        if not path.name.endswith((".yaml", ".yml")) or len(out) >= MAX_CONFIG_AGENTS:
            continue
        text = read_file_text(path)
        if text is None:
            continue
        inline = (_CONFIG_HINT.search(text) and _PROMPT_HINT.search(text)) or _TOOLED_HINT.search(text)
        if not inline and not ((_LLM_NODE_HINT.search(text) or _CONFIG_HINT.search(text)) and _FILE_HINT.search(text)):
            continue
        try:
            if _too_deep(text):
                continue
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except Exception:  # not YAML, several documents, odd tags: not a config we read
            continue
        try:
            rel = path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
        found: list[tuple[str, int, str, str | None, str | None, str]] = []
        _config_walk(node, None, (rel, path.resolve().parent, base), found, 0, [MAX_DATA_ITEMS])
        out.extend(found)
    return out


def _scalar(node: Any) -> str | None:
    import yaml

    return node.value if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str) else None


def _mapping_keys(node: Any) -> dict[str, Any]:
    import yaml

    keys: dict[str, Any] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            name = _scalar(k)
            if name is not None:
                keys.setdefault(name, v)
    return keys


def _node_template(keys: dict[str, Any], here: Path, base: Path) -> tuple[str, str] | None:
    """``(text, relpath)`` of the template file a DAG node names (``source: {path: x.jinja2}``, ``source: x.md``,
    ``prompt_file: x.md``): a text file next to the YAML (or below it), read only inside the analysed tree."""
    for key in CONFIG_FILE_KEYS:
        value = keys.get(key)
        name = _scalar(value) if value is not None else None
        if name is None and value is not None:
            name = _scalar(_mapping_keys(value).get("path"))
        if not name or len(name) > 300 or "\x00" in name or not name.strip().lower().endswith(NODE_TEMPLATE_SUFFIXES):
            continue
        found = within_root(base, here / name.strip())
        text = read_file_text(found) if found is not None else None
        if found is not None and text is not None:
            return text, found.relative_to(base.resolve()).as_posix()
    return None


def _node_model(keys: dict[str, Any]) -> str | None:
    """The model an LLM node names, on the node or among its inputs; None for a reference (``${...}``)."""
    for group in (keys, _mapping_keys(keys.get("inputs"))):
        for key in CONFIG_NODE_MODEL_KEYS:
            model = _scalar(group.get(key)) if key in group else None
            if model and "$" not in model:
                return model
    return None


def _config_walk(
    node: Any, item_line: int | None, where: tuple[str, Path, Path], out: list, depth: int, budget: list[int]
) -> None:
    """The agents of a composed YAML config, into ``out``; ``where``: (path relative to the tree, the YAML's folder,
    the tree); ``budget``: nodes left to walk (aliases reuse nodes)."""
    import yaml

    rel, here, base = where
    budget[0] -= 1
    if depth > 40 or budget[0] < 0:
        return
    if isinstance(node, yaml.MappingNode):
        keys = _mapping_keys(node)
        if keys.keys() & CONFIG_MODEL_KEYS and not keys.keys() & {"goal", "backstory"}:
            for key in CONFIG_PROMPT_KEYS:
                prompt = _scalar(keys.get(key)) if key in keys else None
                if prompt and len(prompt) >= 40 and len(prompt.split()) >= 6:
                    model = _scalar(keys.get("model") or keys.get("name") or keys.get("model_name"))
                    provider = _scalar(keys.get("provider"))
                    if model and "$" in model:
                        model = None
                    line = item_line if item_line is not None else node.start_mark.line + 1
                    provider = provider if provider and provider.isidentifier() else None
                    out.append((rel, line, prompt, model, provider, rel))
                    return
        llm_node = (_scalar(keys.get("type")) or "").strip().lower() in LLM_NODE_TYPES
        if (llm_node or keys.keys() & CONFIG_MODEL_KEYS) and not keys.keys() & {"goal", "backstory"}:
            named = _node_template(keys, here, base)
            if named is not None and len(named[0].split()) >= 6:
                line = item_line if item_line is not None else node.start_mark.line + 1
                provider = _scalar(keys.get("provider"))
                provider = provider if provider and provider.isidentifier() else None
                out.append((rel, line, named[0], _node_model(keys), provider, named[1]))
                return
        if "tools" in keys or _task_templated(keys):
            if (found := _tooled_agent(keys)) is not None:
                line = item_line if item_line is not None else node.start_mark.line + 1
                out.append((rel, line, found, None, None, rel))
                return
            if _human_model(keys):
                return  # a person types every turn: the templates of its ``templates:`` group are no prompt either
        for _, v in node.value:
            _config_walk(v, item_line, where, out, depth + 1, budget)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            line = v.start_mark.line + 1 if isinstance(v, yaml.MappingNode) else item_line
            _config_walk(v, line, where, out, depth + 1, budget)


def _human_model(keys: dict[str, Any]) -> bool:
    """Whether a mapping names a person standing in for the model (``model: {name: human}``)."""
    import yaml

    model = keys.get("model")
    if isinstance(model, yaml.MappingNode):
        model = next((v for k, v in model.value if _scalar(k) in ("name", "model", "model_name")), None)
    name = _scalar(model) if model is not None else None
    return bool(name and _HUMAN_MODEL.match(name.strip()))


def _task_templated(keys: dict[str, Any]) -> bool:
    """Whether a mapping (or its ``templates:`` group) holds a system *template* and a per-task template
    (``agent: {system_template: ..., instance_template: "Solve: {{task}}"}``): the pair an agent loop renders into
    its first two messages, an agent definition whether or not its tools are listed there (they may live in code).
    Prompt texts a module reads by key (``system_prompt:`` beside an ``instance_template:``) are that module's."""
    import yaml

    groups = [keys] + [
        {_scalar(k): v for k, v in g.value if _scalar(k) is not None}
        for key in CONFIG_TEMPLATE_GROUPS
        if isinstance(g := keys.get(key), yaml.MappingNode)
    ]
    return any(
        any(_scalar(group.get(k)) for k in CONFIG_TASK_KEYS) and _scalar(group.get("system_template"))
        for group in groups
    )


def _tooled_agent(keys: dict[str, Any]) -> str | None:
    """An agent definition a framework runs from its config with no model named there (``agent: {templates:
    {system_template, instance_template}, tools: ...}``, the model given at run time): the system template (and the
    per-task template after it) when the mapping, or its ``templates:`` group, holds one of a few words at least, and
    the mapping holds tools; None for a person standing in for the model (``model: {name: human}``)."""
    import yaml

    if _human_model(keys):
        return None
    groups = [keys] + [
        {_scalar(k): v for k, v in g.value if _scalar(k) is not None}
        for key in CONFIG_TEMPLATE_GROUPS
        if isinstance(g := keys.get(key), yaml.MappingNode)
    ]
    for group in groups:
        system = next((t for key in CONFIG_TEMPLATE_KEYS if (t := _scalar(group.get(key))) is not None), None)
        if system and len(system) >= 40 and len(system.split()) >= 6:
            task = next((t for key in CONFIG_TASK_KEYS if (t := _scalar(group.get(key))) is not None), None)
            return system + ("\n\n" + task if task else "")
    return None


# ---- templates a caller names ---------------------------------------------------------------------------------------
# ``get_prompt(prompt_name, prompt_category="Default")`` opening ``os.path.join(base, "prompts", prompt_category,
# f"{prompt_name}.txt")``: a reader whose file path is built from its parameters; a caller naming the template with a
# literal (``agent.run(prompt_name="Summarize", ...)``) picks that file. A token is a literal piece of the path
# (``"s"``), a parameter (``"p"``), or, first only, a static folder (``"dir"``, relative to the root) or a folder
# decided at run time (``"run"``: the working folder, a setting).
_Token = tuple[str, str]
_SEP: _Token = ("s", "/")
_PATH_WRAPPERS = ("normpath", "abspath", "realpath", "expanduser", "str", "Path", "PurePath", "resolve", "absolute")
MAX_NAMED_READERS = 200


class NamedReader:
    """A function reading a file whose path is built from its parameters (``last``: the parameter naming the file)."""

    __slots__ = ("defaults", "key", "last", "module", "tokens")

    def __init__(self, key: str, module: str, tokens: tuple[_Token, ...], last: str, defaults: dict[str, str]) -> None:
        self.key, self.module, self.tokens, self.last, self.defaults = key, module, tokens, last, defaults


def _path_tokens(
    ev: Evaluator, expr: cst.BaseExpression, fn: Scope, params: set[str], first: bool, depth: int = 0
) -> list[_Token] | None:
    """The tokens of a path expression built in ``fn``; None where a piece is neither static nor a parameter (only
    the first piece may be a folder decided at run time)."""
    if depth > 8:
        return None
    if isinstance(expr, cst.Name) and expr.value in params:
        return [("p", expr.value)]
    static = ev.static_str(expr, fn)
    if static is not None:
        return [("s", static)]
    if first:
        folder = _dir_value(ev, expr, fn)
        if folder is not None:
            inside = within_tree(ev, folder)
            return [("dir", ev.relpath(inside))] if inside is not None else None
    if isinstance(expr, cst.Name):
        bindings = ev.bindings_of(expr.value, fn) or []
        found = [b for b in bindings if b[0] == "expr" and isinstance(b[1], cst.BaseExpression)]
        if len(found) == 1 and found[0][2] is fn:
            return _path_tokens(ev, found[0][1], fn, params, first, depth + 1)
        if not first and 1 < len(found) <= 4 and all(b[2] is fn for b in found):
            # ``folder = "prompts/" if ... else f"{area}/prompts/"`` in branches: the piece built from a parameter
            # (the caller naming it picks it), else the first that is static
            options = [_path_tokens(ev, b[1], fn, params, False, depth + 1) for b in found]
            options = [o for o in options if o]
            return next((o for o in options if any(t[0] == "p" for t in o)), options[0] if options else None)
        return [("run", "")] if first else None
    if isinstance(expr, cst.FormattedString):
        out: list[_Token] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(("s", part.value))
            elif isinstance(part.expression, cst.Name) and part.expression.value in params and not part.format_spec:
                out.append(("p", part.expression.value))
            else:
                return None
        return out
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide | cst.Add):
        left = _path_tokens(ev, expr.left, fn, params, first, depth + 1)
        right = _path_tokens(ev, expr.right, fn, params, False, depth + 1)
        if left is None or right is None:
            return None
        return left + ([_SEP] if isinstance(expr.operator, cst.Divide) else []) + right
    if isinstance(expr, cst.Call):
        name = _callee_name(expr.func).rsplit(".", 1)[-1]
        args = [a.value for a in expr.args if a.keyword is None and not a.star]
        if (
            name == "join"
            and args
            and _callee_name(expr.func) in ("join", "os.path.join", "path.join", "posixpath.join")
        ):
            out = []
            for i, arg in enumerate(args):
                piece = _path_tokens(ev, arg, fn, params, first and i == 0, depth + 1)
                if piece is None:
                    return None
                out += ([_SEP] if i else []) + piece
            return out
        if name in _PATH_WRAPPERS and isinstance(expr.func, cst.Attribute) and not args:
            return _path_tokens(ev, expr.func.value, fn, params, first, depth + 1)  # ``Path(p).resolve()``
        if name in _PATH_WRAPPERS and len(args) == 1:
            return _path_tokens(ev, args[0], fn, params, first, depth + 1)
    return [("run", "")] if first else None  # ``os.getcwd()``, ``self.folder``, a setting


def _opened_path(call: cst.Call) -> cst.BaseExpression | None:
    """What ``open(p)`` / ``io.open(p)`` / ``p.read_text()`` / ``p.open()`` reads."""
    name = _callee_name(call.func)
    args = [a.value for a in call.args if a.keyword is None and not a.star]
    if name in ("open", "io.open", "codecs.open", "aiofiles.open") and args:
        return args[0]
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("read_text", "open") and not args:
        return call.func.value
    return None


def named_readers(ev: Evaluator) -> list[NamedReader]:
    """The functions of the tree reading a file whose name is built from one of their parameters next to some
    literal text (a folder, a suffix): ``open(os.path.join(root, "prompts", category, f"{name}.txt"))``. A path
    that is one parameter and nothing else (a file the caller names in full) is ``loader_value``'s. Memoised per
    evaluator."""
    memo = ev.__dict__.get("_named_readers")
    if memo is None:  # the readers found, the scopes read so far (modules are indexed as the analysis reaches them)
        memo = ev.__dict__["_named_readers"] = ([], set())
    out, scanned = memo
    if len(scanned) == len(ev.scopes):
        return out
    for fn in list(ev.scopes.values()):
        if fn.key in scanned:
            continue
        scanned.add(fn.key)
        if fn.kind != "function" or not fn.params or len(out) >= MAX_NAMED_READERS:
            continue
        params = {p.name.value for p in fn.params if p.name.value not in ("self", "cls") and not p.star}
        if not params:
            continue
        for info in fn.calls:
            target = _opened_path(info.node) if info.scope is fn and isinstance(info.node, cst.Call) else None
            if target is None:
                continue
            try:
                tokens = _path_tokens(ev, target, fn, params, True)
            except RecursionError:
                tokens = None
            if not tokens:
                continue
            tail = tokens[max((i for i, t in enumerate(tokens) if t == _SEP), default=-1) + 1 :]
            last = next((t[1] for t in tail if t[0] == "p"), None)
            words = "".join(t[1] for t in tokens if t[0] == "s").replace("/", "")
            if last is None or not words.strip() or any(r.key == fn.key and r.last == last for r in out):
                continue
            defaults: dict[str, str] = {}
            for p in fn.params:
                value = ev.static_str(p.default, fn) if p.default is not None else None
                if value is not None:
                    defaults[p.name.value] = value
            # every file the function opens by a parameter (``system_name``, ``user_name``), in source order
            out.append(NamedReader(fn.key, fn.module.path, tuple(_climbed(tokens)), last, defaults))
    return out


def _climbed(tokens: list[_Token]) -> list[_Token]:
    """``<dir>/../x/``: a static folder followed by literal pieces climbing out of it (``..``) is its parent."""
    out = list(tokens)
    if not out or out[0][0] != "dir":
        return out
    folder = out[0][1].strip("/")
    i = 1
    while i < len(out) and out[i][0] == "s":
        text = out[i][1]
        if text in ("/", "", "./", "."):
            i += 1
            continue
        stripped = text.lstrip("/")
        if stripped.startswith("./"):
            out[i] = ("s", stripped[2:])
            continue
        if not stripped.startswith("..") or stripped[2:3] not in ("", "/"):
            break
        if folder in ("", "."):
            return tokens  # out of the tree: keep the path as written (it matches no file of the tree)
        folder = folder.rpartition("/")[0]
        out[i] = ("s", stripped[3:])
    out[0] = ("dir", folder)
    return out


def reads_named_files(ev: Evaluator, call: cst.Call, scope: Scope) -> bool:
    """Whether ``call`` calls a function that opens files whose paths it builds from its parameters."""
    readers = named_readers(ev)
    if not readers:
        return False
    callee = ev.value(call.func, scope)
    return isinstance(callee, Function) and any(r.key == callee.key for r in readers)


def reader_call_value(
    ev: Evaluator, key: str, call: cst.Call, scope: Scope, found: Any, settle: Callable[[Any], Any]
) -> Text | Const | None:
    """``compose("plan.system.txt", "plan.user.txt", area="planning")``: a call of a function that opens files whose
    paths it builds from its parameters, the caller passing them as literals: the files those arguments pick (one per
    path the function opens, in source order), each with its slots. Where the function returns messages
    (``[{"role": ..., "content": render(open(p).read(), ...)}]``), the files fill the contents the code left without
    text, in order (those left over, appended at run time, follow as user messages); where it returns the text
    itself, the first file is it. ``settle`` forces a lazily evaluated item. None when the call picks no file."""
    readers = [r for r in named_readers(ev) if r.key == key]
    fn = ev.scopes.get(key)
    if not readers or fn is None:
        return None
    names = [p.name.value for p in fn.params if not p.star and p.name.value not in ("self", "cls")]
    values: dict[str, str] = {}
    for i, a in enumerate(call.args):
        if a.star:
            break
        name = a.keyword.value if a.keyword is not None else (names[i] if i < len(names) else None)
        value = ev.static_str(a.value, scope) if name is not None else None
        if value is not None:
            values[name] = value  # type: ignore[index]
    picked = [(r, t) for r, t in ((r, _reader_file(ev, r, values, {})) for r in readers) if t is not None]
    if not picked:
        return None
    texts = [Text(t.parts, "template-file", rel) for _r, (t, rel) in picked]
    # a file appended as a message at run time: a system turn where the parameter naming it says so
    roles = ["system" if "system" in r.last.lower() else "user" for r, _t in picked]

    def empty(v: Any) -> bool:
        return v is None or (isinstance(v, Text) and not v.static().strip())

    if isinstance(found, Const) and isinstance(found.value, tuple | list):
        items = [settle(item) for item in found.value]
        left = list(texts)
        for i, item in enumerate(items):
            if isinstance(item, dict):
                item = {k: settle(v) for k, v in item.items()}
                items[i] = item
                if left and "content" in item and empty(item["content"]):
                    items[i] = {**item, "content": left.pop(0)}
        items += [{"role": Const(roles[len(texts) - len(left) + i]), "content": t} for i, t in enumerate(left)]
        return Const(tuple(items))
    if empty(found) or isinstance(found, Text):
        return texts[0] if empty(found) else None
    return None


def _safe_piece(value: str) -> bool:
    return 0 < len(value) <= 200 and "\x00" not in value and ".." not in value and not value.startswith(("/", "\\"))


def named_template(ev: Evaluator, values: dict[str, str], fallback: dict[str, str]) -> tuple[Text, str] | None:
    """The template file a caller picks by name: ``values`` are the literal strings it passes by parameter name (the
    parameter naming the file among them), ``fallback`` the defaults of the function it calls; a reader's own
    default fills what neither gives, any folder what remains. The file must be in the tree (a template suffix, or
    none in a prompt folder); where the path starts in a folder decided at run time, the tree file ending in the
    rest wins (the nearest to the reader, then the shortest). Exact names first, then a match ignoring case.
    -> (the file's text with its slots as holes, its path relative to the root), or None."""
    for reader in named_readers(ev):
        found = _reader_file(ev, reader, values, fallback)
        if found is not None:
            return found
    return None


def _reader_file(
    ev: Evaluator, reader: NamedReader, values: dict[str, str], fallback: dict[str, str]
) -> tuple[Text, str] | None:
    """The file of the tree ``reader`` opens with the parameters ``values`` (then ``fallback``, its own defaults)."""
    if not _safe_piece(values.get(reader.last, "")):
        return None
    pattern: list[str] = []
    for i, (kind, text) in enumerate(reader.tokens):
        if kind == "dir":
            pattern.append(re.escape(text.strip("/")) + "/" if text not in ("", ".") else "")
        elif kind == "run":
            pattern.append("(?:.*/)?")
        elif (kind, text) == _SEP and i and reader.tokens[i - 1][0] in ("dir", "run"):
            continue  # the folder's own separator is written with it
        elif kind == "s":
            pattern.append(re.escape(text))
        else:
            value = values.get(text) or fallback.get(text) or reader.defaults.get(text)
            pattern.append(re.escape(value) if value is not None and _safe_piece(value) else "[^/]+")
    regex = re.sub("/{2,}", "/", "".join(pattern))
    root = ev.project.root.resolve()
    files = dict.fromkeys(template_files(ev.project.root) + prompt_folder_files(ev.project.root))
    found = _nearest_match(regex, files, root, reader.module)
    if found is None:
        return None
    inside = within_tree(ev, found)
    data = read_template(ev, inside) if inside is not None else None
    text = data if isinstance(data, Text) else config_text(data)
    if text is not None:
        return with_slots(text), ev.relpath(inside)  # type: ignore[arg-type]
    return None


def _nearest_match(regex: str, files: dict[Path, None], root: Path, near: str) -> Path | None:
    here = str((root / near).parent)
    for flags in (0, re.IGNORECASE):
        try:
            compiled = re.compile(regex, flags)
        except re.error:
            return None
        best: tuple[tuple[int, int], Path] | None = None
        for p in files:
            try:
                rel = p.relative_to(root).as_posix()
            except ValueError:
                continue
            if not compiled.fullmatch(rel):
                continue
            try:
                common = len(os.path.commonpath([here, str(p.parent)]))
            except ValueError:
                common = 0
            rank = (-common, len(rel))
            if best is None or rank < best[0]:
                best = (rank, p)
        if best is not None:
            return best[1]
    return None


# ---- templates kept as Python modules, picked by file name ----------------------------------------------------------
_IMPORTED_BY_NAME = lazy(r"\b(\w+)\s*=\s*(?:importlib\.)?import_module\(")
MAX_MODULE_TEMPLATES = 5_000  # module names of the tree read per lookup


def _module_attrs(ev: Evaluator, holder: Scope) -> tuple[str, ...]:
    """The attributes ``holder`` (a class or a module) reads off modules it imports by a computed name
    (``mod = importlib.import_module(f"pkg.templates.{name}")`` then ``mod.prompt_template`` or
    ``getattr(mod, "PROMPT")``). Memoised per evaluator."""
    memo: dict[str, tuple[str, ...]] = ev.__dict__.setdefault("_module_attrs", {})
    key = holder.key
    if key in memo:
        return memo[key]
    memo[key] = ()
    try:
        body = holder.module.code(holder.node)
    except Exception:
        return ()
    found: dict[str, None] = {}
    for var in dict.fromkeys(_IMPORTED_BY_NAME.findall(body)):
        pattern = (
            rf"\b{re.escape(var)}\.([A-Za-z_]\w*)\b(?!\s*\()|getattr\(\s*{re.escape(var)}\s*,\s*[\"']([A-Za-z_]\w*)"
        )
        for m in re.finditer(pattern, body):
            name = m.group(1) or m.group(2)
            if not name.startswith("__"):
                found[name] = None
    memo[key] = tuple(found)
    return memo[key]


def _slotted(ev: Evaluator, value: Any, rel: str, depth: int = 0) -> Any:
    """A template module's value with ``${x}`` / ``{x}`` slots as holes in every text, marked as read from ``rel``
    (the entries of a dict literal, kept unevaluated, evaluated here)."""
    if depth > 20:
        return value
    if hasattr(value, "expr") and hasattr(value, "scope") and callable(getattr(value, "get", None)):
        value = value.get(ev)  # a dict literal's entry
    if isinstance(value, Text):
        return with_slots(Text(value.parts, value.origin, rel))
    if isinstance(value, Const) and isinstance(value.value, str):
        return with_slots(Text((PromptPart(value.value),), "template-file", rel))
    if isinstance(value, Const):
        return Const(_slotted(ev, value.value, rel, depth + 1))
    if isinstance(value, dict):
        return {k: _slotted(ev, v, rel, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_slotted(ev, v, rel, depth + 1) for v in value)
    return value


def module_template(ev: Evaluator, key: str, call: cst.Call, scope: Scope) -> Text | Const | None:
    """``manager.render(name="summary", text=t)`` where the class (or module) of the called function imports
    template modules by a computed name and reads a variable off each (``prompt_template``): the value of that
    variable in the tree's module whose file name the call passes (a literal, or an f-string whose holes match any
    name), its slots as holes. The module nearest to the loader wins, then the shortest path."""
    fn = ev.scopes.get(key)
    if fn is None or fn.kind != "function":
        return None
    holder = fn.enclosing_class() or fn.module.scope
    attrs = _module_attrs(ev, holder)
    if not attrs:
        return None
    params = [p.name.value for p in fn.params if p.name.value not in ("self", "cls") and not p.star]
    expr = next((a.value for a in call.args if a.keyword is not None and params and a.keyword.value == params[0]), None)
    if expr is None:
        expr = next((a.value for a in call.args if a.keyword is None and not a.star), None)
    if expr is None:
        return None
    text = ev.text(expr, scope)
    literal = "".join(p.text for p in text.parts if not p.hole)
    if len(literal) < 3 or not re.fullmatch(r"[\w.-]+", literal):
        return None
    regex = re.compile("".join(r"\w+" if p.hole else re.escape(p.text) for p in text.parts))
    here = fn.module.name.split(".")
    best: tuple[tuple[int, int], str, str] | None = None
    for name in sorted(ev.project.known)[:MAX_MODULE_TEMPLATES]:
        if not regex.fullmatch(name.rsplit(".", 1)[-1]) or name == fn.module.name:
            continue
        mod = ev.project.module(name)
        attr = next((a for a in attrs if mod is not None and a in mod.scope.bindings), None)
        if mod is None or attr is None:
            continue
        parts = name.split(".")
        common = next(
            (i for i, (a, b) in enumerate(zip(parts, here, strict=False)) if a != b), min(len(parts), len(here))
        )
        rank = (-common, len(parts))
        if best is None or rank < best[0]:
            best = (rank, name, attr)
    if best is None:
        return None
    _, name, attr = best
    mod = ev.project.module(name)
    bindings = ev.module_bindings(mod, attr) if mod is not None else None
    value = ev.bindings_value(bindings) if bindings else None
    if not isinstance(value, Text | Const):
        return None
    return _slotted(ev, value, mod.path if mod is not None else name)


# ---- stored prompts fetched by name --------------------------------------------------------------------------------
# a keyword naming a stored prompt or template to fetch (``task_prompt_name=``, ``template_id=``, ``prompt_key=``)
STORED_PROMPT_KEY = lazy(r"(?:^|_)(?:prompt|template)_(?:name|id|key)$")
# the key of a prompt file's own text, when the file holds a mapping (``summary: {template: ...}``)
_STORED_TEXT_KEYS = ("template", "prompt", "content", "text")


def names_stored_prompt(call: cst.Call) -> bool:
    """A call given the name of a stored prompt or template by keyword (``get_message_payload(task_prompt_name=n,
    task_inputs=...)``, ``render(template_name="rag")``): it fetches that prompt."""
    return any(a.keyword is not None and STORED_PROMPT_KEY.search(a.keyword.value) for a in call.args)


def _field_string_defaults(ev: Evaluator) -> dict[str, set[str]]:
    """Attribute name -> the short strings that class bodies of the tree declare it with (``summary_prompt: str =
    "summary"``, ``Field(default="summary")``): the value a settings object holds unless configured otherwise."""
    memo = ev.__dict__.get("_field_string_defaults")
    if memo is not None and memo[0] == len(ev.scopes):  # made again once more modules are indexed
        return memo[1]
    from slmc.frontend.index import dotted

    out: dict[str, set[str]] = {}
    for scope in list(ev.scopes.values()):
        if scope.kind != "class":
            continue
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b[0] != "expr" or len(b) < 3:
                    continue
                node = b[1]
                if isinstance(node, cst.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "Field":
                    node = next((a.value for a in node.args if a.keyword is None or a.keyword.value == "default"), None)
                if isinstance(node, cst.SimpleString):
                    value = node.evaluated_value
                    if isinstance(value, str) and _KEY_NAME.fullmatch(value):
                        out.setdefault(name, set()).add(value)
    ev.__dict__["_field_string_defaults"] = (len(ev.scopes), out)
    return out


def _stored_prompt_name(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> str | None:
    name = ev.static_str(expr, scope)
    if name is None and isinstance(expr, cst.Attribute):
        # ``self.config.ingestion.summary_prompt``: a settings field the tree declares with one default name
        found = _field_string_defaults(ev).get(expr.attr.value, set())
        name = next(iter(found)) if len(found) == 1 else None
    return name if name and _KEY_NAME.fullmatch(name) else None


def stored_prompts(ev: Evaluator, call: cst.Call, scope: Scope) -> list[tuple[str, Text]]:
    """The prompt files a call fetching stored prompts by name picks (``get_payload(system_prompt_name="system",
    task_prompt_name=cfg.summary_prompt)``): (keyword, text) for each keyword whose name (a literal, a constant, or a
    settings field declared with one default) names a template file of the tree, nearest first (``prompts/summary.yaml``
    read at its own text, or at the ``template`` key of the one entry it holds). Empty when none is found."""
    out: list[tuple[str, Text]] = []
    for a in call.args:
        if a.keyword is None or not STORED_PROMPT_KEY.search(a.keyword.value):
            continue
        name = _stored_prompt_name(ev, a.value, scope)
        path = find_template(ev, name, scope.module.path) if name else None
        found = read_template(ev, path) if path is not None else None
        if isinstance(found, Const) and isinstance(found.value, dict):
            item: Any = found.value
            if len(item) == 1:
                item = next(iter(item.values()))
            if isinstance(item, dict):
                item = next((item[k] for k in _STORED_TEXT_KEYS if isinstance(item.get(k), Text)), None)
            found = item if isinstance(item, Text) else None
        if isinstance(found, Text) and found.static().strip():
            out.append((a.keyword.value, with_slots(found)))
    return out


# ---- prompt bundles keyed by class name -----------------------------------------------------------------------------
MAX_BUNDLE_FILES = 200
_CLASS_NAME_KEY = lazy(r"\b(?:self|cls)\.__class__\.__name__\b|\btype\(\s*self\s*\)\.__name__\b|\bcls\.__name__\b")
_BUNDLES: dict[str, dict[tuple[str, str], tuple[str, str] | None]] = {}


def _class_keyed_entries(root: Path) -> dict[tuple[str, str], tuple[str, str] | None]:
    """``(top key, entry key)`` -> ``(text, file)`` for every string two levels down in the tree's JSON/YAML data files
    (``{"RelevancyMetric": {"generate_verdicts": "..."}}``), read once per root; ``None`` where two files give one entry
    different texts. Files that do not parse, or are too big, are skipped."""
    key = _resolved(root)
    if key in _BUNDLES:
        return _BUNDLES[key]
    out: dict[tuple[str, str], tuple[str, str] | None] = {}
    listed = [p for p in template_files(root) if p.name.endswith(DATA_SUFFIXES)]
    for path in listed[:MAX_BUNDLE_FILES]:
        if path.is_symlink():  # no file outside the tree
            continue
        text = read_file_text(path)
        if text is None:
            continue
        try:
            data = parse_data(text, json_only=path.name.endswith(".json"))
        except Exception:
            continue
        if not isinstance(data, dict):
            continue
        rel = path.relative_to(key).as_posix()
        for top, entries in list(data.items())[:MAX_DATA_ITEMS]:
            if not isinstance(top, str) or not isinstance(entries, dict):
                continue
            for k, v in list(entries.items())[:1000]:
                if not isinstance(k, str) or not isinstance(v, str):
                    continue
                slot = (top, k)
                if slot in out and (out[slot] is None or out[slot][0] != v):  # type: ignore[index]
                    out[slot] = None
                else:
                    out[slot] = (v, rel)
    _BUNDLES[key] = out
    return out


def _keys_by_class_name(ev: Evaluator, key: str, depth: int = 0) -> bool:
    """Whether the function ``key`` keys something by its object's class name (``self.__class__.__name__``,
    ``type(self).__name__``) itself; memoised."""
    memo: dict[str, bool] = ev.__dict__.setdefault("_keys_by_class_name", {})
    if key not in memo:
        fn = ev.scopes.get(key)
        try:
            body = fn.module.code(fn.node) if fn is not None else ""
        except Exception:
            body = ""
        memo[key] = bool(_CLASS_NAME_KEY.search(body))
    return memo[key]


def class_keyed_prompt(ev: Evaluator, key: str, call: cst.Call, scope: Scope) -> Text | None:
    """``self._get_prompt("generate_verdicts", input=i, statements=s)`` in a method of ``RelevancyMetric``, where the
    method called looks its template up by its object's class name (``self.__class__.__name__``) and the name it is
    handed, in a bundle of templates the tree keeps as a data file (``{"RelevancyMetric": {"generate_verdicts":
    "..."}}``, read by the renderer at run time): the text at [class name][literal], slots as holes. The calling
    class's own name is tried first, then the names of its bases. None when the call hands no literal name or no data
    file of the tree holds a text there."""
    if not _keys_by_class_name(ev, key):
        return None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if not positional:
        return None
    name = ev.static_str(positional[0].value, scope)
    cls = scope.enclosing_class()
    if not name or not name.isidentifier() or cls is None:
        return None
    f = call.func
    if not (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value in ("self", "cls")):
        return None  # another object's method: its class is not the caller's
    classes = [cls.name] + [
        b.attr.value if isinstance(b, cst.Attribute) else getattr(b, "value", "") for b in cls.bases
    ]
    entries = _class_keyed_entries(ev.project.root)
    for owner in classes[:8]:
        found = entries.get((owner, name)) if isinstance(owner, str) else None
        if found is not None:
            text, rel = found
            return with_slots(Text((PromptPart(text),), "template-file", rel))
    return None
