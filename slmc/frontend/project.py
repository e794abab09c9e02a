"""Drive the frontend over a tree: read + pre-filter files, index them, classify calls, find wrappers, build the IR.

1. Every file is read (UTF-8, else its PEP 263 cookie) and checked cheaply; only files that mention an LLM-ish name
   (``clients.prefilter``) are parsed (``syntax.py``: the stdlib parser, in libcst's node shapes) and indexed
   (``index.py``). Others get a fast ``ast`` syntax check.
2. Calls of the indexed modules are classified (``sites.py``): requests, framework tasks, calls of project functions.
3. Wrappers are the functions that reach a request through the call graph (its ancestors). Files that mention a
   wrapper's name or an LLM-holding module are indexed in the next round, until nothing new turns up.
4. The graph is built: LLMCall/Prompt/Tool/Code/Output nodes and their edges.
"""

from __future__ import annotations

import ast
import bisect
import gc
import io
import re
import signal
import threading
import time
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from slmc.compiler.sourcefiles import SourceFile, read_source, walk_sources
from slmc.errors import Diagnostic, Severity
from slmc.frontend import clients, templates
from slmc.frontend import syntax as cst
from slmc.frontend.consumers import Consumer, find_consumers
from slmc.frontend.index import ModuleIndex, Scope, dotted, index_module, is_test_path, module_name_for
from slmc.frontend.index import own_nodes as _own_nodes
from slmc.frontend.index import start_line as _line
from slmc.frontend.index import suite_statements as _suite_statements
from slmc.frontend.resolve import (
    JSON_DUMPS,
    JSON_LOADS,
    Evaluator,
    Project,
    _names_no_base,
    _subnodes,
    class_of,
    run_target,
    self_attribute,
    tool_names,
)
from slmc.frontend.sites import (
    Site,
    appended_turns,
    classify,
    fluent_messages,
    imported_handovers,
    input_messages,
    is_staticmethod,
    labels_from_prompt,
    labels_from_schema,
    message_helper_content,
    own_task_site,
    prompt_template_messages,
    trailing_turns,
)
from slmc.frontend.values import Class, Client, Const, Function, Instance, Partial, Ref, Text
from slmc.guard import Guard, time_limited
from slmc.ir.graph import AgentGraph, GraphMeta
from slmc.ir.nodes import (
    ONE_STEP,
    TOOL_LOOP,
    Code,
    EdgeKind,
    LLMCall,
    Loc,
    Message,
    Output,
    Prompt,
    PromptPart,
    SiteKind,
    located_id,
    site_id,
)
from slmc.lazyre import lazy

MAX_BYTES = 2_000_000
MAX_LINES = 50_000
LARGE_FILE_SECONDS = 20.0
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".tox", ".mypy_cache", "build", "dist", ".eggs"}
_DISTRIBUTION_FILES = ("pyproject.toml", "setup.py", "setup.cfg")  # a folder holding one is an import root
# Request options a wrapper-call may pass for its wrapper to forward (what the answer is: tools, a schema, a limit);
# ``format`` and the like are left out: a wrapper's own ``format=`` parameter seldom means the request's.
_CARRIED_OPTIONS = frozenset(
    {
        *("tools", "functions", "tool_choice", "function_call", "response_format", "response_model", "text_format"),
        *("json_schema", "max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens", "temperature"),
    }
)
# Keywords naming the answer's schema (a pydantic model, a JSON schema) a wrapper-call may hand in: what it must fit.
_SCHEMA_OPTIONS = (
    *("response_format", "response_model", "text_format", "json_schema", "structured_model", "output_schema"),
    *("output_type", "response_schema"),
)


@contextmanager
def young_collections_only(threshold: int = 50_000) -> Iterator[None]:
    """Cyclic garbage collection of young objects only, and less often, while a tree is analysed.

    The analysis keeps every parsed tree and index alive (about a hundred nodes per line of code); with the default
    thresholds, each burst of allocations makes the collector walk all of them again in a full collection, about a
    third of the CPU time of a large tree (camel, 1,142 files: 14.8 s -> 10.7 s). Young collections still run (every
    ``threshold`` allocations), so cyclic garbage made on the way is freed as it goes; the old thresholds are back on
    the way out, also after an exception."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], threshold), max(old[1], 20), max(old[2], 1_000_000))
    try:
        yield
    finally:
        gc.set_threshold(*old)


@dataclass
class _File:
    relpath: str
    path: Path | None
    source: str | None = None  # decoded text (None until read, or unreadable)
    loaded: bool = False
    unreadable: bool = False
    imports: frozenset[str] | None = None  # the words of its import lines (``_import_words``), once read


@dataclass
class Analysis:
    root: Path
    files: dict[str, _File] = field(default_factory=dict)  # module name -> file
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sites: dict[int, Site] = field(default_factory=dict)
    dead_sites: list[Site] = field(default_factory=list)  # sites ``drop_dead`` removed (their calls still name things)
    scanned: set[str] = field(default_factory=set)  # modules whose calls were classified
    config_roots: list[Path] | None = None  # folders whose YAML configs are read for agents (None: the root)
    forwarded: dict[str, set[str]] = field(default_factory=dict)  # wrapper key -> parameters reaching its request
    reaching: set[str] = field(default_factory=set)  # functions reaching a model (set with the wrappers)
    state_fed: set[str] = field(default_factory=set)  # methods whose callers hand the prompt through the object
    task_classes: dict[str, Scope] = field(default_factory=dict)  # the tree's own framework-task classes
    task_runner_methods: set[str] = field(default_factory=set)  # methods running the tasks their object holds
    _holding: tuple[int, set[str]] | None = None  # (sites seen, functions holding a request of their own)
    _sites_in_memo: tuple[int, dict[str, list[Site]]] | None = None  # (sites seen, owner key -> its sites)
    _composed_memo: tuple[int, dict[str, list[Site]], dict[str, bool]] | None = (
        None  # (sites seen, callee -> calls, key -> composed)
    )
    loop_entries: set[str] = field(default_factory=set)  # wrappers that are the entry of a class's model steps
    agent_apis: set[str] = field(default_factory=set)  # calling APIs of an agent over its own steps (wrapper rounds)
    renamed: dict[str, str] = field(default_factory=dict)  # packages the scripts import by an old name: old -> new
    _served_urls: re.Pattern[str] | None = None  # later rounds: a quoted URL naming a route the tree serves
    transports: dict[str, set[str]] = field(default_factory=dict)  # fn key -> its endpoint parameters (HTTP helper)
    relays: dict[str, set[str]] = field(default_factory=dict)  # fn key -> URL parameters it hands to a transport
    why: dict[str, str] = field(default_factory=dict)  # wrapper key / site key -> the rule that reported it (bench)
    by_name: set[int] = field(default_factory=set)  # sites of ``obj.m()`` on untyped objects, resolved by name
    dispatched: set[int] = field(default_factory=set)  # calls on a base narrowed to its one reaching implementation
    # calls whose literal flags leave every model step of their callee unrun (``embedding=True`` into a helper whose
    # ``if embedding: return ...`` comes before its chat request): they reach no model through it
    flag_dead: set[int] = field(default_factory=set)
    alternatives: dict[int, list[str]] = field(default_factory=dict)  # site key -> the other functions a name holds
    _family_picks: dict[int, list[str]] = field(default_factory=dict)  # id(call) -> the plugin family it may run
    _handed_picks: dict[int, list[str]] = field(default_factory=dict)  # id(call) -> methods of the objects handed in
    # id(call) -> the interface an untyped ``obj.method()`` was given by its name alone (no object typed it)
    _name_picks: dict[int, str] = field(default_factory=dict)
    # id(call) -> the unrelated interfaces an untyped ``obj.method()`` may run (``_consensus``), and the arguments of
    # a call of a method fetched as a value first (``fn = obj.method; partial(fn, a)(**kw)``)
    _consensus_picks: dict[int, list[str]] = field(default_factory=dict)
    _consensus_args: dict[int, list[Any]] = field(default_factory=dict)
    _consensus_need: dict[int, int] = field(default_factory=dict)  # id(call) -> interfaces that must reach a model
    _consensus_added: bool = False  # a site was resolved by name consensus in the last round
    unconverged: list[str] = field(default_factory=list)  # fixed-point loops stopped by a cycle or their round cap
    _returned: dict[str, set[str]] = field(default_factory=dict)  # fn key -> parameters it returns as they are
    # fn key -> (fills a template it holds, the parameters it also hands back as they are) (a builder)
    _fills_memo: dict[str, tuple[bool, frozenset[str]]] = field(default_factory=dict)
    _around_memo: dict[str, bool] = field(default_factory=dict)
    _rebuilt: dict[str, str | None] = field(default_factory=dict)  # fn key -> the parameter it returns rebuilt
    _call_infos: tuple[int, dict[int, Any]] | None = None  # (modules seen, id(call) -> its CallInfo)
    _unpassed_memo: dict[str, frozenset[str]] = field(default_factory=dict)  # fn key -> defaults no call gives
    _calls_index: tuple[int, dict[str, list[Site]]] | None = None  # (sites seen, callee key -> its calls)
    _authored: dict[int, bool] = field(default_factory=dict)  # site key -> whether its prompt holds authored text
    _authored_call: dict[int, bool] = field(default_factory=dict)  # wrapper-call key -> whether it writes a task prompt
    _dist_dirs: dict[str, bool] = field(default_factory=dict)  # folder (relative) -> whether it holds a build file
    _self_read_memo: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (fn key, id(expr)) -> attrs
    _importers: dict[str, set[str]] | None = None  # name -> modules whose imports mention it (``_imported_modules``)
    shims: dict[str, Site] = field(default_factory=dict)  # private SDK-signature stand-in -> the request it holds
    _family_words: set[str] = field(default_factory=set)  # packages holding an exporting module (last name part)
    # calls of a model-reaching function a decorator registers, by its name (a runner injects it, no import names it)
    _registered_calls: re.Pattern[str] | None = None
    # ``def <name>(`` of the wrapper methods of classes naming no base (each may implement a Protocol structurally)
    _protocol_defs: tuple[str, ...] = ()
    _import_spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # module -> its import statements
    _word_sets: dict[str, frozenset[str]] = field(default_factory=dict)  # module -> the \w+ words of its source
    _body_reads: dict[str, frozenset[str]] = field(default_factory=dict)  # function -> attributes its body reads
    _twin_slots: dict[Scope, list[tuple[int, str]]] = field(default_factory=dict)  # fn -> ``_returned_instances``

    def __post_init__(self) -> None:
        self.project = Project(self.root, loader=self._load)
        self.ev = Evaluator(self.project)
        self.guard = Guard(lambda path, line, message: self.diag(path, line, "E003", message))

    # ---- reading ---------------------------------------------------------------------------------------------------
    def add_file(self, relpath: str, path: Path | None, source: str | None = None) -> None:
        name, _ = module_name_for(relpath)
        if name in self.files:  # two files mapping to one module name (scripts in different folders)
            name = relpath
        self.files[name] = _File(relpath, path, source)
        self.project.known.add(name)
        parts = name.split(".")
        # import roots: below a ``src`` folder (also nested: app/src/pkg), and in a monorepo the folder of the
        # module's own distribution (packages/<dist>/<pkg>/..., src/<dist>/<pkg>/..., each <dist> with its own
        # pyproject.toml): the module is imported without the folders above either
        roots = [len(parts) - parts[::-1].index("src")] if "src" in parts[:-1] else []
        if path is not None:
            roots.append(self._distribution_depth(relpath))
        for depth in roots:
            short = ".".join(parts[depth:]) if 0 < depth < len(parts) else ""
            if short and short not in self.project.known:
                self.project.aliases.setdefault(short, name)

    def _distribution_depth(self, relpath: str) -> int:
        """How many leading folders of ``relpath`` lie above the module's import root: the deepest folder below the
        analysed root that holds a distribution's build file (``pyproject.toml``, ``setup.py``, ``setup.cfg``); 0 when
        none does. Folders are looked at once."""
        folders = PurePosixPath(relpath).parts[:-1]
        for depth in range(len(folders), 0, -1):
            key = "/".join(folders[:depth])
            if key not in self._dist_dirs:
                folder = self.root.joinpath(*folders[:depth])
                try:
                    self._dist_dirs[key] = any((folder / n).is_file() for n in _DISTRIBUTION_FILES)
                except OSError:
                    self._dist_dirs[key] = False
            if self._dist_dirs[key]:
                return depth
        return 0

    def text(self, f: _File) -> str | None:
        if f.source is not None or f.unreadable:
            return f.source
        assert f.path is not None
        f.unreadable = True  # until decoded: report a bad file once
        try:
            data = read_source(f.path)  # regular files only; never blocks on a FIFO
        except OSError as exc:
            self.diag(f.relpath, 1, "E003", f"cannot read file: {exc.strerror or exc}; skipped")
            return None
        f.source = decode(data, f.relpath, self.diagnostics)
        f.unreadable = f.source is None
        return f.source

    def diag(self, path: str, line: int, code: str, message: str, col: int = 1) -> None:
        self.diagnostics.append(Diagnostic(path, line, col, code, message, Severity.ERROR, name=_NAMES[code]))

    def _load(self, name: str) -> ModuleIndex | None:
        f = self.files.get(name)
        if f is None or f.loaded:
            return self.project.modules.get(name)
        f.loaded = True
        source = self.text(f)
        if source is None:
            return None
        large = len(source) > MAX_BYTES or source.count("\n") > MAX_LINES
        mod = None
        with self.guard.unit("parse and index", f.relpath):  # a bug of ours must not stop the other files
            try:
                if large:  # analysed only when parse + index fit in the time budget
                    mod = _with_time_limit(LARGE_FILE_SECONDS, lambda: self._parse_and_index(f.relpath, source))
                else:
                    mod = self._parse_and_index(f.relpath, source)
            except (TimeoutError, RecursionError, MemoryError):
                what = f"{len(source) // 1000} kB, {source.count(chr(10)) + 1} lines"
                self.diag(f.relpath, 1, "E003", f"file too large or too deeply nested to analyse ({what}); skipped")
                return None
        if mod is None:
            return None
        mod.name = name
        self.project.modules[name] = mod
        self.ev.register(mod)
        return mod

    def _parse_and_index(self, relpath: str, source: str) -> ModuleIndex | None:
        try:
            tree = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            line, col, message = exc.raw_line, exc.raw_column + 1, exc.message
            try:  # Python's own message and position are the ones users know
                ast.parse(source)
            except SyntaxError as py_exc:
                line, col, message = py_exc.lineno or line, py_exc.offset or col, py_exc.msg
            except (RecursionError, MemoryError, ValueError):
                pass
            self.diag(relpath, line, "E001", f"syntax error: {message}", col=col)
            return None
        except (TimeoutError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # libcst raises a few other errors on odd input
            self.diag(relpath, 1, "E001", f"cannot parse: {type(exc).__name__}: {exc}")
            return None
        return index_module(relpath, source, tree)

    def syntax_check(self, f: _File) -> None:
        source = self.text(f)
        if source is None:
            return
        try:
            ast.parse(source, filename=f.relpath)
        except SyntaxError as exc:
            if _reads_without_type_params(source):
                return  # PEP 695 syntax of a newer Python than the analysing one: read as the analysis reads it
            self.diag(f.relpath, exc.lineno or 1, "E001", f"syntax error: {exc.msg}", col=(exc.offset or 1))
        except (RecursionError, MemoryError, ValueError):
            self.diag(f.relpath, 1, "E003", "file too large or too deeply nested to check; skipped")

    # ---- analysis --------------------------------------------------------------------------------------------------
    def run(self) -> AgentGraph:
        with young_collections_only():
            return self._run()

    def _run(self) -> AgentGraph:
        self.renamed = self.guard.call("module discovery: renamed packages", "<tree>", self._renamed_packages, {})
        pending = dict(self.files)
        names: set[str] = set()  # after the first round: the module names an import must mention (export_names)
        later_round: set[str] = set()
        first = True
        while True:
            picked = []
            # later rounds compare each file's import words (computed once) with the names; the regex of
            # ``export_pattern`` decides the same, and is the fallback for a name \w+ does not spell
            regex = None if first or all(_WORD.fullmatch(n) for n in names) else export_pattern(names)
            for name, f in list(pending.items()):
                text = self.text(f)
                if text is None:
                    continue
                if first:
                    hit = clients.prefilter(text)
                elif regex is not None:
                    hit = regex.search(text) is not None
                else:
                    if f.imports is None:
                        f.imports = _import_words(text)
                    hit = not names.isdisjoint(f.imports)
                if not hit and not first and "import_module" in text and self._family_words:
                    # ``import_module(f".{kind}", "app.providers")``: a module picked by name in a package that
                    # holds a wrapper, named by the package, not on an import line
                    hit = not self._family_words.isdisjoint(_WORD.findall(text))
                if not hit and not first and self._served_urls is not None:
                    # ``requests.post("http://localhost:8002/solve", ...)`` in a client script of the tree's own app
                    hit = self._served_urls.search(text) is not None
                if not hit and not first and self._protocol_defs and _DECLARES_PROTOCOL.search(text) is not None:
                    # ``class ChatGenerator(Protocol): def run(...)`` in a types module nothing else leads to: a
                    # Protocol that a wrapper class implements structurally types the parameters its users hold
                    hit = any(d in text for d in self._protocol_defs)
                if not hit and not first and self._registered_calls is not None:
                    # ``gpt_call(prompt)`` in a function a framework runs with its registered functions as globals
                    hit = self._registered_calls.search(text) is not None
                if hit:
                    picked.append(name)
                    del pending[name]
            if not picked and not first:  # files declaring a callable parameter like a fed one
                picked = self.guard.call("module discovery", "<tree>", lambda: self._slot_files(pending), [])
                for name in picked:
                    del pending[name]
            for name in picked:
                self.project.module(name)
            if not first:
                later_round.update(picked)
            first = False
            self.scan()
            if not picked:
                break
            names = self.guard.call("module discovery", "<tree>", lambda: self.export_names(later_round), names)
        with self.guard.unit("imported handovers", "<tree>"):
            self.imported_handovers()
        for f in pending.values():
            if not f.loaded and f.source is not None:
                self.syntax_check(f)
        with self.guard.unit("dead code", "<tree>"):
            self.drop_dead()
        return self.build()

    def _renamed_packages(self) -> dict[str, str]:
        """Packages the tree's scripts import by an old name (``Project.add_renamed_packages``): old -> new."""
        imported: set[str] = set()
        for f in self.files.values():
            text = self.text(f)
            if text is None or "import" not in text:
                continue
            imported.update(m.group(1) or m.group(2) for m in _IMPORTED_MODULE.finditer(text))
        return self.project.add_renamed_packages(imported)

    def drop_dead(self) -> None:
        """Dead code holds no call site (CALLSITES.md): a module-level function that no live code names
        (``_unreached_functions``), a closure stored only in attributes nothing reads (``_unread_closures``), an
        uncalled method (``_uncalled_methods``), a def replaced by a later def of the same name in the same body, the
        ``if __name__ == "__main__":`` self-test of a module that other modules import, and an ``elif`` body that
        repeats an earlier test of its chain (``_repeated_branches``)."""
        dead: set[int] = set()  # id() of dead function / main-block nodes
        owners: dict[int, Scope] = {}
        for site in self.sites.values():
            fn = _owner(site.info.scope)
            while fn is not None and fn.parent is not None and fn.parent.kind == "function":
                fn = fn.parent
            if fn is not None:
                owners[id(fn.node)] = fn
        for fn in owners.values():  # def f ... def f: the first one is never called
            body = getattr(fn.parent.node, "body", ()) if fn.parent is not None else ()
            stmts = list(getattr(body, "body", body))
            later = stmts[stmts.index(fn.node) + 1 :] if fn.node in stmts else []
            if any(
                isinstance(s, cst.FunctionDef) and s.name.value == fn.name and not _names_in(s.decorators, fn.name)
                for s in later
            ):
                dead.add(id(fn.node))
        texts = {name: f.source for name, f in self.files.items() if f.source is not None}
        inits = {name for name, f in self.files.items() if f.relpath.endswith("__init__.py")}
        imported = _imported_modules(texts, self._import_spans)
        g = self.guard
        skipped = g.call("dead code", "<tree>", self._unreachable_spans, {})
        dead |= g.call("dead code", "<tree>", lambda: self._unreached_functions(texts, inits, imported, skipped), set())
        dead |= g.call("dead code", "<tree>", lambda: self._unread_closures(texts, inits), set())
        for mod in self.project.modules.values():  # a call in a dead function is no use of what it names
            for fn in mod.scopes:
                if fn.parent is mod.scope and not fn.name.startswith("_"):
                    continue  # a public module function no code names may be an entry point (``main`` named by a
                    # console script in pyproject.toml, a CLI framework): what it calls is not dead for that alone
                if fn.kind == "function" and id(fn.node) in dead:
                    _skip_scope(skipped, fn)
        while True:  # a method called only from a method found dead is dead as well
            uncalled = lambda: self._uncalled_methods(owners, texts, inits, imported, skipped)  # noqa: E731
            more = g.call("dead code", "<tree>", uncalled, set()) - dead
            if not more:
                break
            dead |= more
            for fn in owners.values():
                if id(fn.node) in more:
                    _skip_scope(skipped, fn)
        dead |= g.call("dead code", "<tree>", lambda: self._commented_classes(owners, texts, inits), set())
        dead |= g.call("dead code", "<tree>", lambda: self._stale_copies(owners, texts, inits, imported), set())
        paths = _imported_paths(texts, self._import_spans)
        for mod in self.project.modules.values():
            if not any(
                who != mod.name and (mod.name == path or mod.name.endswith("." + path))
                for path, who in paths.get(mod.name.rsplit(".", 1)[-1], ())
            ):
                continue  # a script no import names: ``from src.runs.run import Run`` is not ``examples/a/run.py``
            for stmt in getattr(mod.scope.node, "body", ()):
                if isinstance(stmt, cst.If) and _is_main_test(stmt.test):
                    dead.add(id(stmt))
        unreachable = g.call("dead code", "<tree>", self._repeated_branches, {})
        if not dead and not unreachable:
            return
        for key, site in list(self.sites.items()):
            with self.guard.unit("dead code", site):
                if any(id(n) in dead for n in _enclosing_nodes(site)):
                    self.dead_sites.append(self.sites.pop(key))
                    continue
                mod = site.info.scope.module
                pos = mod.pos(site.info.node) if mod.name in unreachable else None
                if pos is not None and any(a <= pos.start.line <= b for a, b in unreachable[mod.name]):
                    self.dead_sites.append(self.sites.pop(key))

    def _repeated_branches(self) -> dict[str, list[tuple[int, int]]]:
        """Per module holding a site, the line spans of ``elif`` branches that repeat the test of an earlier branch
        of their chain (``if b == "more": ... elif b == "more": ...``): the earlier branch takes every case, so the
        later body never runs. Only tests without calls (names, attributes, constants, comparisons, subscripts),
        which give the same answer when asked twice."""
        out: dict[str, list[tuple[int, int]]] = {}
        modules = {site.info.scope.module.name: site.info.scope.module for site in self.sites.values()}
        for name, mod in modules.items():
            f = self.files.get(name)
            if f is None or f.source is None or "elif" not in f.source or f.source.startswith("\ufeff"):
                continue  # (a byte-order mark kept in the text: Python's parser refuses it here)
            spans = mod.tree.repeated_branches  # found when the module was converted
            if spans:
                out[name] = list(spans)
        return out

    def _unreachable_spans(self) -> dict[str, list[tuple[int, int]]]:
        """Per module, the line spans of statements that follow a ``return`` / ``raise`` / ``continue`` / ``break`` in
        their block (``return rcm  # disabled`` above the old code): they never run, so what they name is not used."""
        out: dict[str, list[tuple[int, int]]] = {}
        for mod in self.project.modules.values():
            for node in mod.unreachable:
                at = mod.pos(node)
                if at is not None:
                    out.setdefault(mod.name, []).append((at.start.line, at.end.line))
        return out

    def _unreached_functions(
        self,
        texts: dict[str, str],
        inits: set[str],
        imported: dict[str, set[str]],
        skipped: dict[str, list[tuple[int, int]]] | None = None,
    ) -> set[int]:
        """Module-level functions of modules the tree imports (a library module of the project, not a script) that
        no live code names: live are the ones named outside every such function (at module level, in a class, in a
        script, in a package ``__init__``), then, to a fixed point, the ones named inside a live one. So a chain of
        helpers whose head nothing calls is dead along its whole length, helpers that only name each other are dead,
        and a name that occurs only in a comment (``# convo = old_step(...)``) or in a statement after a ``return``
        (``skipped``: ``_unreachable_spans``) is no use. Decorated functions (a
        registry, a route) and dunders are kept, and so is the public API a package ``__init__`` re-exports with
        ``from .module import *`` (its public names, or those its ``__all__`` lists): the package's users call it."""
        candidates: dict[str, list[Scope]] = {}
        starred = self._star_exported(inits)
        for mod in self.project.modules.values():
            if not imported.get(mod.name.rsplit(".", 1)[-1], set()) - {mod.name}:
                continue
            api = starred.get(mod.name)
            for fn in mod.scopes:
                if (
                    fn.kind == "function"
                    and fn.parent is mod.scope
                    and not fn.decorators
                    and not fn.name.startswith("__")
                    and not (api is not None and not fn.name.startswith("_") and (not api or fn.name in api))
                ):
                    candidates.setdefault(fn.name, []).append(fn)
        if not candidates:
            return set()
        # ``from helpers import ask as ask_model``: the module that imports it names it by its alias from then on
        aliases = _import_aliases(texts, set(candidates), self._import_spans)
        found = _skip_spans(
            _references(texts, set(candidates) | set(aliases), inits, self._import_spans, self._word_sets), skipped
        )
        hits: dict[str, list[tuple[str, int, str]]] = {}  # name -> (module, line, the word written there)
        for word, at in found.items():
            for name in ({word} & candidates.keys()) | aliases.get(word, set()):
                hits.setdefault(name, []).extend((mod_name, line, word) for mod_name, line in at)
        lines: dict[str, list[str]] = {}
        named_in: dict[int, set[int]] = {}  # id(fn) -> id() of the candidates whose bodies name it
        tops: dict[str, list[tuple[int, int, Scope]]] = {}  # module -> its module-level functions' line spans
        live: set[int] = set()
        for name, fns in candidates.items():
            for mod_name, line, word in hits.get(name, ()):
                if mod_name not in lines:
                    lines[mod_name] = texts.get(mod_name, "").splitlines()
                text = lines[mod_name][line - 1] if 0 < line <= len(lines[mod_name]) else ""
                if _only_in_comment(text, word) or _only_in_file_names(text, word) or _only_in_prose(text, word):
                    continue
                mod = self.project.modules.get(mod_name)
                if mod is not None and mod_name not in tops:
                    tops[mod_name] = _top_functions(mod)
                inside = next((fn for a, b, fn in tops[mod_name] if a <= line <= b), None) if mod is not None else None
                where = inside if inside is not None and inside in candidates.get(inside.name, ()) else None
                for fn in fns:
                    if where is None:
                        live.add(id(fn.node))
                    elif where is not fn:
                        named_in.setdefault(id(fn.node), set()).add(id(where.node))
        grown = True
        while grown:
            grown = False
            for target, holders in named_in.items():
                if target not in live and holders & live:
                    live.add(target)
                    grown = True
        return {id(fn.node) for fns in candidates.values() for fn in fns if id(fn.node) not in live}

    def _star_exported(self, inits: set[str]) -> dict[str, frozenset[str]]:
        """Modules a package ``__init__`` re-exports whole (``from .utils import *``) -> the names their ``__all__``
        lists (empty: no ``__all__``, every public name goes)."""
        out: dict[str, frozenset[str]] = {}
        for init in inits:
            pkg = self.project.modules.get(init)
            for star in pkg.scope.bindings.get("*", ()) if pkg is not None else ():
                name = self.project.importable(star[1], star[2] if len(star) > 2 else None)
                mod = self.project.modules.get(name)
                if mod is None or mod.name in out:
                    continue
                listed = (
                    self.ev.bindings_value(mod.scope.bindings["__all__"]) if "__all__" in mod.scope.bindings else None
                )
                names = listed.value if isinstance(listed, Const) and isinstance(listed.value, tuple) else ()
                out[mod.name] = frozenset(n for n in names if isinstance(n, str))
        return out

    def _unread_closures(self, texts: dict[str, str], inits: set[str]) -> set[int]:
        """Nested functions holding a site whose function only stores them in attributes (``self._send = _send``)
        that nothing in the tree reads (every occurrence of the attribute's name is such a store): dead. A closure
        returned, called, passed on or stored in an attribute that is read somewhere stays."""
        closures: dict[int, Scope] = {}
        for site in self.sites.values():
            fn = _owner(site.info.scope)
            while fn is not None and fn.parent is not None and fn.parent.kind == "function":
                closures[id(fn.node)] = fn
                fn = fn.parent
        stored: dict[int, set[str]] = {}  # id(closure) -> the attributes its function stores it in
        for fn in closures.values():
            holder, mod = fn.parent, fn.module
            pos, own = mod.pos(holder.node), mod.pos(fn.node)
            text = texts.get(mod.name)
            if pos is None or own is None or text is None:
                continue
            lines = text.splitlines()[pos.start.line - 1 : pos.end.line]
            attrs: set[str] = set()
            for number, line in enumerate(lines, pos.start.line):
                if own.start.line <= number <= own.end.line:
                    continue
                bare = [at for at, _ in _word_offsets(line, [fn.name]) if line[at - 1 : at] != "."]
                if not bare:
                    continue  # ``self.<name> = other``: an attribute of that name, not the closure
                m = _STORE_IN_ATTR.match(line)
                if m is None or m.group(2) != fn.name or len(bare) != 1:
                    attrs = set()
                    break
                attrs.add(m.group(1))
            if attrs:
                stored[id(fn.node)] = attrs
        if not stored:
            return set()
        names = set().union(*stored.values())
        hits = _references(texts, names, inits, self._import_spans, self._word_sets)
        read: set[str] = set()
        for name in names:
            for mod_name, line in hits.get(name, ()):
                text = texts.get(mod_name, "").splitlines()
                if not 0 < line <= len(text) or _attr_read(text[line - 1], name):
                    read.add(name)
                    break
        return {key for key, attrs in stored.items() if not attrs & read}

    def _stale_copies(
        self, owners: dict[int, Scope], texts: dict[str, str], inits: set[str], imported: dict[str, set[str]]
    ) -> set[int]:
        """Classes of a module that no other module imports or names, with no ``__main__`` block, when a module of the
        same package that the tree does import defines a class of the same name: an old copy kept beside the live one
        (``server_old.py`` holding the ``Server`` that ``server.py`` now defines), dead. Only where that module is the
        one such copy of the name in its package: plugins loaded by a folder scan share one class name across several
        unimported modules. A copy keeps the methods of the class it copies: a class that shares none of its methods
        with the live class of its name is another class (a tool module's own ``State`` beside a sibling's ``State``),
        not a copy. Returns their nodes' ids."""
        out: set[int] = set()
        memo: dict[str, tuple[set[str], dict[str, list[str]]]] = {}
        for fn in owners.values():
            cls = fn.enclosing_class()
            mod = fn.module
            if cls is None or cls.parent is not mod.scope or mod.name in inits or "." not in mod.name:
                continue
            package = mod.name.rsplit(".", 1)[0]
            if package not in memo:
                memo[package] = _package_classes(package, texts, inits, imported)
            live, unused = memo[package]
            if cls.name in live and unused.get(cls.name) == [mod.name] and self._copies_live_class(cls, package):
                out.add(id(cls.node))
        return out

    def _copies_live_class(self, cls: Scope, package: str) -> bool:
        """Whether the class ``cls`` (of a module of ``package`` nothing imports) shares a method, other than the
        dunders every class has, with a class of its name in another module of the package, or has none of its own."""
        mine = _method_names(cls)
        if not mine:
            return True
        for mod in self.project.modules.values():
            if mod is cls.module or mod.name.rsplit(".", 1)[0] != package:
                continue
            for other in mod.scopes:
                if (
                    other.kind == "class"
                    and other.parent is mod.scope
                    and other.name == cls.name
                    and mine & _method_names(other)
                ):
                    return True
        return False

    def _commented_classes(self, owners: dict[int, Scope], texts: dict[str, str], inits: set[str]) -> set[int]:
        """The methods of a class whose construction was commented out (``# client = BetaClient(...)``): named in a
        comment and nowhere else outside its own body, so nothing builds, subclasses or hands it on; dead like a
        method whose calls were all commented out. A class named nowhere at all is kept (a library's API)."""
        classes: dict[str, list[Scope]] = {}
        for fn in owners.values():
            cls = fn.parent
            if cls is not None and cls.kind == "class" and cls.parent is not None and cls.parent.kind == "module":
                classes.setdefault(cls.key, []).append(fn)
        if not classes:
            return set()
        scopes = {key: fns[0].parent for key, fns in classes.items()}
        hits = _references(
            texts, {c.name for c in scopes.values() if c is not None}, inits, self._import_spans, self._word_sets
        )
        lines: dict[str, list[str]] = {}
        out: set[int] = set()
        for key, cls in scopes.items():
            if cls is None:
                continue
            live, commented = _named_outside(cls, hits, texts, lines)
            if commented and not live:
                out |= {id(fn.node) for fn in classes[key]}
        return out

    def _uncalled_methods(
        self,
        owners: dict[int, Scope],
        texts: dict[str, str],
        inits: set[str],
        imported: dict[str, set[str]],
        skipped: dict[str, list[tuple[int, int]]] | None = None,
    ) -> set[int]:
        """Methods whose calls were all commented out (``# spec = await self.analyze_spec(d)``: named in a comment
        and nowhere else outside their own body) or sit in dead code (``skipped``: a dead function, a statement after
        a ``return``), and private methods named nowhere: dead, when their class lives in
        a module other modules import and derives from classes of the tree only (no library base or metaclass may
        call them by name), and they are not decorated, dunder, overridden or an override. A public method named
        nowhere is kept (a library's API, called by its users); so is one named in a string (``getattr`` dispatch, a
        config key)."""
        candidates = []
        for fn in owners.values():
            cls = fn.parent
            if cls is None or cls.kind != "class" or fn.decorators or fn.name.startswith("__"):
                continue
            if not imported.get(fn.module.name.rsplit(".", 1)[-1], set()) - {fn.module.name}:
                continue
            plain = [b for b in cls.bases if (dotted(b) or "") != "object"]
            if len(plain) != len(self.ev.bases_of(cls.key)) or getattr(cls.node, "keywords", None):
                continue
            if self.ev.overridden(fn.key) or self.ev.overrides(fn.key):
                continue
            candidates.append(fn)
        if not candidates:
            return set()
        every = _references(texts, {fn.name for fn in candidates}, inits, self._import_spans, self._word_sets)
        hits = _skip_spans(every, skipped)
        lines: dict[str, list[str]] = {}
        out: set[int] = set()
        for fn in candidates:
            live, commented = _named_outside(fn, hits, texts, lines)
            commented = commented or len(hits.get(fn.name, ())) < len(every.get(fn.name, ()))
            if not live and (commented or _is_private(fn.key)):
                out.add(id(fn.node))
        return out

    def scan(self) -> None:
        """Classify the calls of every loaded module not scanned yet (lazily loaded ones included)."""
        while True:
            todo = [m for n, m in self.project.modules.items() if n not in self.scanned]
            if not todo:
                return
            for mod in todo:
                self.scanned.add(mod.name)
                for scope in mod.scopes:
                    for info in scope.calls:
                        self._classify_call(info)

    def _classify_call(self, info) -> None:
        """Classify one call again (a bad unit is an internal-error diagnostic, never fatal) and keep the site."""
        with self.guard.unit("call classification", info):
            self._add_endpoint_site(info)

    def imported_handovers(self) -> None:
        """Constructions bound to a name another module imports and hands over to an agent, classified again now
        that every module is loaded (the importing module may have been loaded after them)."""
        for info in imported_handovers(self.ev):
            site = None
            with self.guard.unit("call classification", info):
                site = classify(self.ev, info)
            if site is not None:
                self.sites.setdefault(site.key, site)

    def wrappers(self) -> tuple[set[str], dict[str, dict[str, None]]]:
        """Functions that reach an LLM request (through calls, and through a base method to its overrides).

        A call handing a project function to a higher-order one (``retry(ask, prompt)``) is a call of the
        higher-order function when that reaches a model by itself, else of the function it is given."""
        g = self.guard
        g.call("wrapper discovery: endpoints", "<tree>", self._resolve_endpoints, None)
        g.call("wrapper discovery: injected classes", "<tree>", self._narrow_injected, None)
        g.call("wrapper discovery: alternatives", "<tree>", self._find_alternatives, None)
        found, graph = self._reach()
        self._consensus_added = False
        if g.call("wrapper discovery: unknown callees", "<tree>", lambda: self._resolve_unknown(found), False):
            before = set(found)
            found, graph = self._reach()
            for _ in range(2):  # a facade resolved by name consensus (``self.mdl.chat``) reaches a model now: the
                # untyped calls of it (``chat_mdl.chat(...)`` on the facade its callers pass) are read again
                if not self._consensus_added:
                    break
                self._consensus_added = False
                fresh, before = set(found) - before, set(found)
                again = partial(self._resolve_unknown, found, fresh)
                if not g.call("wrapper discovery: unknown callees", "<tree>", again, False):
                    break
                found, graph = self._reach()
        if g.call("wrapper discovery: provider endpoints", "<tree>", lambda: self._provider_endpoints(found), False):
            found, graph = self._reach()
        if g.call("wrapper discovery: dispatch", "<tree>", lambda: self._pick_dispatch(found), False):
            found, graph = self._reach()
        switched = False
        for site in self.sites.values():
            with self.guard.unit("wrapper discovery", site):
                if site.passed is not None and site.callee not in found and site.passed in found:
                    site.callee, site.args, site.passed = site.passed, site.passed_args, None
                    site.handed = True
                    switched = True
                elif (
                    site.passed is not None
                    and site.passed not in found
                    and site.callee in found
                    and self._reaches_only_through_given(site.callee, found)
                ):  # ``run_batch(agent, agent.tool_reply, items)`` to a runner that reaches a model only by calling the
                    # method it is given: this caller's method reaches none, so neither does the call
                    site.callee, site.args, site.passed = site.passed, site.passed_args, None
                    site.handed = True
                    switched = True
                elif (
                    site.callee is not None and site.callee not in found and self.ev.table_alternatives.get(site.callee)
                ):
                    # ``handler = table[kind]; handler(msg)`` over a dispatch table whose first entry reaches no model:
                    # the call is a call of the entry that does (the others stay its alternatives)
                    reach = [
                        a for a in site.alternatives if a in found and a in self.ev.table_alternatives.get(site.callee)
                    ]
                    if reach:
                        site.alternatives = tuple(a for a in (site.callee, *site.alternatives) if a != reach[0])
                        site.callee = reach[0]
                        switched = True
                elif (
                    site.site == SiteKind.WRAPPER_CALL
                    and site.callee is not None
                    and site.callee not in found
                    and (reach := [a for a in (*site.alternatives, *self.alternatives.get(site.key, ())) if a in found])
                ):  # ``worker = self.factories[kind](); worker.run(task)`` (or ``self.worker.run`` over the classes its
                    # assignments build, or ``engine.run`` on what ``return Queued() if q else Loop()`` hands out) whose
                    # first candidate reaches no model: the call is one of a candidate that does
                    site.alternatives = tuple(a for a in (site.callee, *site.alternatives) if a != reach[0])
                    if site.key in self.alternatives:
                        self.alternatives[site.key] = [a for a in self.alternatives[site.key] if a != reach[0]]
                    site.callee = reach[0]
                    switched = True
        return self._reach() if switched else (found, graph)

    def _provider_endpoints(self, found: set[str]) -> bool:
        """An HTTP POST to an endpoint the object holds (``requests.post(self.url, json=body)``, the URL from its
        configuration) inside an implementation of a model interface: the method overrides a base method that reaches a
        model (its sibling providers send requests) and posts a body built from what its caller hands it (``body =
        self.body.copy(); body.update(self.shape(history))``). It is that provider's model request, a generic HTTP
        provider beside the SDK ones. Returns whether a site was added."""
        waiting, self.ev.endpoint_calls = self.ev.endpoint_calls, []
        added = False
        for info in waiting:
            with self.guard.unit("wrapper discovery: provider endpoints", info):
                if id(info.node) not in self.sites and self._posts_for_provider(info, found):
                    self.ev.llm_endpoints.add(id(info.node))
                    before = len(self.sites)
                    self._add_endpoint_site(info)
                    added = added or len(self.sites) > before
                    continue
            self.ev.endpoint_calls.append(info)
        return added

    def _posts_for_provider(self, info: Any, found: set[str]) -> bool:
        """Whether the HTTP call ``info`` posts to an attribute of ``self`` a body made of the parameters of a method
        that implements a model-reaching base method (``_provider_endpoints``)."""
        fn = info.scope.enclosing_function()
        cls = class_of(info.scope)
        if fn is None or cls is None or fn.parent is not cls or not _param_names(fn):
            return False
        args = list(info.node.args)
        url = self.ev.url_expr(args, info.scope)
        if not isinstance(url, cst.Attribute) or not isinstance(url.value, cst.Name) or url.value.value != "self":
            return False
        bases = [b for b in self.ev.overridden(fn.key) if b in found]
        if not bases or not any(o != fn.key and o in found for b in bases for o in self.ev.overrides(b)):
            return False
        body = self.ev.body_expr(args, info.scope)
        return body is not None and bool(_sent_params(fn, body))

    def _pick_dispatch(self, found: set[str]) -> bool:
        """A call on a base method that holds no call of its own and of whose three or more implementations only one
        reaches a model (``executor.execute(node)`` over agent, human, literal, loop ... executors): a call of that
        implementation, made only when the data picks it, so the calling function does not reach a model through it
        (``_reach`` adds no edge for it: the generic dispatcher is no wrapper). Returns whether a site changed."""
        holding = {fn.key for s in self.sites.values() if (fn := _owner(s.info.scope)) is not None}
        changed = False
        for site in self.sites.values():
            if site.site != SiteKind.WRAPPER_CALL or site.callee is None or site.key in self.dispatched:
                continue
            if site.callee not in found or site.callee in holding:
                continue
            impls = [i for i in self.ev.implementations(site.callee) if i in self.ev.scopes]
            owner = _owner(site.info.scope)
            if owner is not None and not self._in_test(owner.key):
                impls = [i for i in impls if not self._illustrative(i)]  # test doubles make no base a dispatcher
            reach = [i for i in impls if i in found]
            if not reach or not _minority(len(reach), len(impls)):
                continue
            if _model_named(self.ev.scopes.get(site.callee)):
                continue  # ``self.model.query(...)`` over a model and its stand-ins: the model's own interface
            if len(reach) > 1:  # the others reach a model through this very dispatch (a subgraph runner): not counted
                reach = [i for i in reach if not self._reaches_only_through(i, site.callee)]
            if len(reach) != 1:
                continue
            site.callee = reach[0]
            self.dispatched.add(site.key)
            self.why[str(site.key)] = "dispatch on a base: its one model-reaching implementation"
            changed = True
        return changed

    def _reaches_only_through_given(self, key: str, found: set[str]) -> bool:
        """Whether the higher-order function ``key`` reaches a model only by calling what its callers hand it: every
        model-reaching call in it and in the closures it defines is a call of a called parameter (or of the method of
        that name fetched again from another object, ``getattr(copy, method.__name__)(...)``), or of such a closure."""
        called = self.ev.called_params(key)
        if not called:
            return False
        reaching = 0
        for s in self.sites.values():
            fn = _owner(s.info.scope)
            if fn is None or not (fn.key == key or fn.key.startswith(key + ".<locals>.")):
                continue
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None and s.callee not in found:
                continue
            if s.site == SiteKind.WRAPPER_CALL and (s.callee or "").startswith(key + ".<locals>."):
                continue  # a closure of its own: its calls are walked here too
            func = s.info.node.func
            if not isinstance(func, cst.Name):
                return False
            given = func.value in called or any(
                b[0] == "expr" and (held := self.ev.fetched_param(b[1], b[2])) is not None and held.value in called
                for b in self.ev.bindings_of(func.value, s.info.scope) or ()
            )
            if not given:
                return False
            reaching += 1
        return reaching > 0

    def _reaches_only_through(self, key: str, base: str) -> bool:
        """Whether every path from ``key`` to a model passes through a call of ``base`` (a walk of the call sites)."""
        by_fn: dict[str, list[Site]] = {}
        for s in self.sites.values():
            fn = _owner(s.info.scope)
            if fn is not None:
                by_fn.setdefault(fn.key, []).append(s)
        todo, seen = [key], {key}
        while todo and len(seen) < 500:
            cur = todo.pop()
            for s in by_fn.get(cur, ()):
                if s.site != SiteKind.WRAPPER_CALL or s.callee is None:
                    return False  # a request of its own on the way
                if s.callee == base or s.callee in seen:
                    continue
                for nxt in [s.callee, *self.ev.implementations(s.callee)]:
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
        return True

    def _narrow_injected(self) -> None:
        """A call on an attribute that a constructor parameter typed as a base class fills (``def __init__(self,
        backend: Backend): self.backend = backend`` ... ``self.backend.complete(x)``) reaches every implementation of
        the base; when every construction of the class in the tree passes an instance of one class deriving from it
        (``Reader(backend=Detector(url))``), the call reaches that class's method only. Runs after the scan, when
        the constructions are known."""
        memo: dict[tuple[str, str], str | None] = {}
        for site in self.sites.values():
            if site.site != SiteKind.WRAPPER_CALL or site.callee is None or site.passed is not None:
                continue
            f = site.info.node.func
            if not (
                isinstance(f, cst.Attribute)
                and isinstance(f.value, cst.Attribute)
                and isinstance(f.value.value, cst.Name)
            ):
                continue
            fn = site.info.scope if site.info.scope.kind == "function" else site.info.scope.enclosing_function()
            cls = fn.enclosing_class() if fn is not None else None
            if cls is None or not fn.params or fn.params[0].name.value != f.value.value.value:
                continue
            base_method = self.ev.scopes.get(site.callee)
            base_cls = base_method.enclosing_class() if base_method is not None else None
            if base_cls is None:
                continue
            key = (cls.key, f.value.attr.value)
            if key not in memo:
                memo[key] = self._injected_class(cls.key, f.value.attr.value)
            concrete = memo[key]
            if concrete is None or concrete == base_cls.key or not self.ev.derives(concrete, base_cls.key):
                continue
            target = self.ev.member(concrete, f.attr.value, True)
            if isinstance(target, Function) and target.key in self.ev.scopes:
                site.callee = target.key

    def _injected_class(self, cls_key: str, attr: str) -> str | None:
        """The one class of the tree whose instances every construction passes for the ``__init__`` parameter that
        ``self.<attr>`` of ``cls_key`` is set from (its one assignment in the class's lineage), else None."""
        lineage = [cls_key, *self.ev.subclasses(cls_key)]
        todo = list(self.ev.bases_of(cls_key))
        while todo and len(lineage) < 40:
            k = todo.pop(0)
            if k not in lineage:
                lineage.append(k)
                todo.extend(self.ev.bases_of(k))
        assigned = []
        for k in lineage:
            scope = self.ev.scopes.get(k)
            if scope is not None:
                if attr in scope.bindings:
                    return None
                assigned += [(k, b) for b in scope.self_attrs.get(attr, ())]
        if len(assigned) != 1:
            return None
        owner, b = assigned[0]
        if b[0] != "expr" or not isinstance(b[1], cst.Name) or b[2].kind != "function" or b[2].name != "__init__":
            return None
        init = b[2]
        if init.enclosing_class() is None or init.enclosing_class().key != owner:
            return None
        name = b[1].value
        params = [x for x in self.ev.bindings_of(name, init) or ()]
        if len(params) != 1 or params[0][0] != "param" or params[0][1].annotation is None:
            return None
        typed = self.ev.instance_of(params[0][1].annotation.annotation, init)
        if not isinstance(typed, Instance):
            return None
        builders = [owner]
        for sub in self.ev.subclasses(owner):
            scope = self.ev.scopes.get(sub)
            if scope is not None and "__init__" in scope.bindings:
                return None  # a subclass builds itself with its own parameters
            builders.append(sub)
        found: set[str] = set()
        count = 0
        for k in builders:
            for c in self.ev.constructions.get(k, ()):
                count += 1
                bound = [a for a, p in _bind(init, list(c.node.args)) if p == name]
                if len(bound) != 1 or bound[0].star:
                    return None
                v = self.ev.value(bound[0].value, c.scope)
                if not isinstance(v, Instance) or not self.ev.derives(v.cls, typed.cls):
                    return None
                found.add(v.cls)
        return found.pop() if count and len(found) == 1 else None

    def _resolve_endpoints(self) -> None:
        """HTTP calls whose URL is built from a parameter (``_request_api(self, api_path, payload)``): a request when
        a caller passes a model endpoint for it (``"/api/chat"``), whatever other callers pass (embeddings)."""
        if not self.ev.endpoint_calls:
            return
        callers: dict[str, list[Site]] = {}
        for s in self.sites.values():
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None:
                callers.setdefault(s.callee, []).append(s)
        pending, self.ev.endpoint_calls = self.ev.endpoint_calls, []
        model_urls = {  # (class, URL source) of the HTTP requests found: another POST to the same URL is one too
            (cls.key, s.info.scope.module.code(url))
            for s in self.sites.values()
            if s.site == SiteKind.REQUEST and s.client == "http"
            for cls in [class_of(s.info.scope)]
            if cls is not None
            for url in [self.ev.url_expr(list(s.info.node.args), s.info.scope)]
            if isinstance(url, cst.Attribute)
        }
        for info in pending:
            fn = info.scope.enclosing_function()
            if fn is None or id(info.node) in self.sites:
                continue
            names = self.ev.url_params(list(info.node.args), info.scope)
            url = self.ev.url_expr(list(info.node.args), info.scope)
            cls = class_of(info.scope)
            if not names and isinstance(url, cst.Attribute) and cls is not None:
                if (cls.key, info.scope.module.code(url)) in model_urls:
                    self.ev.llm_endpoints.add(id(info.node))
                    site = classify(self.ev, info)
                    if site is not None:
                        self.sites[site.key] = site
                else:
                    self.ev.endpoint_calls.append(info)
                continue
            relays: dict[str, set[str]] = {}
            if not self._passes_model_url(fn, names, callers, relays):
                body = self.ev.body_param(list(info.node.args), info.scope)
                if body is not None and self._passes_model_body(fn, body, callers):
                    self.ev.llm_endpoints.add(id(info.node))
                    self._add_endpoint_site(info)
                    continue
                self.ev.endpoint_calls.append(info)  # a later round may load the callers
                continue
            self.ev.llm_endpoints.add(id(info.node))
            self.transports.setdefault(fn.key, set()).update(names)
            for key, relayed in relays.items():  # arequest(url) -> arequest_raw(url) -> session.request(...)
                self.relays.setdefault(key, set()).update(relayed)
            self._add_endpoint_site(info)
        # the sync twin of a transport found above: the same class builds its URL with the same builder
        # (``abs_url, headers, data = self._prepare_request_raw(url, ...)`` in ``request_raw`` and ``arequest_raw``)
        built = {
            (cls.key, builder)
            for s in self.sites.values()
            if s.site == SiteKind.REQUEST and s.client == "http" and id(s.info.node) in self.ev.llm_endpoints
            for cls in [class_of(s.info.scope)]
            for builder in [self._url_builder(s.info)]
            if cls is not None and builder is not None
        }
        if not built:
            return
        waiting, self.ev.endpoint_calls = self.ev.endpoint_calls, []
        for info in waiting:
            cls = class_of(info.scope)
            fn = info.scope.enclosing_function()
            builder = self._url_builder(info)
            if fn is None or cls is None or builder is None or (cls.key, builder) not in built:
                self.ev.endpoint_calls.append(info)
                continue
            names = self.ev.url_params(list(info.node.args), info.scope)
            self.ev.llm_endpoints.add(id(info.node))
            self.transports.setdefault(fn.key, set()).update(names)
            for caller in callers.get(fn.key, [])[:50]:  # ``request(url)`` -> ``self.request_raw(url)``: a relay
                outer = caller.info.scope.enclosing_function()
                if outer is None or outer.key == fn.key:
                    continue
                for a, name in _bind(fn, caller.args):
                    relayed = isinstance(a.value, cst.Name) and a.value.value in _param_names(outer)
                    if name in names and not a.star and relayed:
                        self.relays.setdefault(outer.key, set()).add(a.value.value)
            self._add_endpoint_site(info)

    def _add_endpoint_site(self, info: Any) -> None:
        """Classify one call and keep the site it is (none when the classification fails, reported as an internal
        error: a call dropped without a word hides the bug, recursing too deep included)."""
        site = None
        with self.guard.unit("call classification", info):
            site = classify(self.ev, info)
        if site is not None:
            self.sites[site.key] = site

    def _url_builder(self, info: Any) -> str | None:
        """The function whose returned tuple an HTTP call's URL is unpacked from (``url, headers = self._build(p)``)."""
        url = self.ev.url_expr(list(info.node.args), info.scope)
        if not isinstance(url, cst.Name):
            return None
        for b in info.scope.bindings.get(url.value, ()):
            if b[0] == "unpack" and isinstance(b[1], cst.Call):
                callee = self.ev.value(b[1].func, b[2])
                if isinstance(callee, Function):
                    return callee.key
        return None

    def _passes_model_url(
        self, fn: Any, names: set[str], callers: dict[str, list[Site]], relays: dict[str, set[str]], depth: int = 0
    ) -> bool:
        """Whether a caller of ``fn`` passes a model endpoint (``"/chat/completions"``) for one of its URL parameters
        ``names``, directly or through callers that hand over a parameter of their own (``def arequest(self, url):
        return self.arequest_raw(url)``, up to 4 hops); ``relays`` gets those relaying functions' URL parameters."""
        hit = False
        for caller in callers.get(fn.key, [])[:50]:
            outer = caller.info.scope.enclosing_function()
            for a, name in _bind(fn, caller.args):
                if name not in names or a.star:
                    continue
                text = self.ev.text(a.value, caller.info.scope).static()
                if clients.llm_url(text):
                    hit = True
                elif (
                    depth < 4
                    and outer is not None
                    and outer.key not in relays
                    and outer.key != fn.key
                    and isinstance(a.value, cst.Name)
                    and a.value.value in _param_names(outer)
                ):
                    relays[outer.key] = {a.value.value}
                    if self._passes_model_url(outer, {a.value.value}, callers, relays, depth + 1):
                        hit = True
                    else:
                        del relays[outer.key]
        return hit

    def _passes_model_body(self, fn: Any, name: str, callers: dict[str, list[Site]]) -> bool:
        """Whether a caller of ``fn`` hands it, for the parameter ``name`` it posts as its HTTP body, a payload shaped
        like a model request (``send(data)`` with ``data = {"model": m, "messages": msgs, ...}`` built there)."""
        for caller in callers.get(fn.key, [])[:50]:
            where = caller.info.scope
            for a, bound in _bind(fn, caller.args):
                if bound != name or a.star:
                    continue
                exprs: list[cst.BaseExpression] = [a.value]
                if isinstance(a.value, cst.Name):
                    exprs = [b[1] for b in self.ev.bindings_of(a.value.value, where) or () if b[0] == "expr"]
                if any(isinstance(e, cst.Dict | cst.Call) and self.ev.llm_body_value(e, where) for e in exprs[:4]):
                    return True
        return False

    def _model_endpoint(self, site: Site) -> bool:
        """Whether a call of an HTTP helper passes a model endpoint (or one not known statically) for its URL."""
        callee = self.ev.scopes.get(site.callee or "")
        names = self.transports.get(site.callee or "", set()) | self.relays.get(site.callee or "", set())
        if callee is None:
            return True
        for a, name in _bind(callee, site.args):
            if name in names and not a.star:
                text = self.ev.text(a.value, site.info.scope).static()
                if text.strip() and not clients.llm_url(text):
                    return False
        return True

    def _resolve_unknown(self, reaching: set[str], fresh: set[str] | None = None) -> bool:
        """Calls of values the scan could not type, resolved once every call is classified: ``llm(prompt)`` of a
        parameter or ``self._llm(prompt)`` of an attribute set from a constructor parameter is a call of what the
        callers / constructors pass (``DialogueEngine(llm=provider.complete)``); ``obj.method(...)`` on an object of
        unknown type reaches the object passed in, else the tree's one interface of that name. Returns whether a
        site was added."""
        callers: dict[str, list[Site]] = {}
        for s in self.sites.values():
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None:
                callers.setdefault(s.callee, []).append(s)
        memo: dict[tuple[str, str], list[Any]] = {}
        added = False
        slots: dict[tuple[str, str], str] = {}  # (parameter name, declared callable type) -> a function it is fed
        unfed: list[tuple[Any, tuple[str, str]]] = []
        dead = {id(s.info.node) for s in self.dead_sites}  # calls in dead code: no use, whatever they would reach
        for info in self.ev.unresolved:
            if id(info.node) in dead:
                continue
            if id(info.node) in self.sites:
                done = self.sites[id(info.node)]
                if done.callee in reaching and (slot := self._callable_slot(info)) is not None:
                    slots.setdefault(slot, done.callee)  # type: ignore[arg-type]
                continue
            site = self._client_param_call(info)
            if site is not None:  # def _call_client(self, call, *a): return call(*a), given client.chat.create
                self.sites[site.key] = site
                added = True
                continue
            try:
                candidates = self._unknown_callees(info, callers, memo)
            except RecursionError:
                continue
            slot = self._callable_slot(info)
            if slot is not None and all(self._in_test(k) for k in candidates):
                unfed.append((info, slot))  # nothing but a test's stand-in fills it
            # a test's stand-in (a class defined in a test) is no object the running code is handed: only a test's
            # own untyped calls may reach it
            if fresh is not None and not any(k in fresh for k in candidates):
                continue  # a later round: only calls of what has come to reach a model since
            reached = [k for k in candidates if k in reaching]
            consensus = self._consensus_picks.get(id(info.node))
            if consensus is not None and not any(k in reached for k in candidates if k not in consensus):
                reached = self._consensus_holds(consensus, reaching, self._consensus_need.get(id(info.node), 1))
            else:
                consensus = None
            if not reached:
                continue
            testing = _is_test_file(info.scope.module)
            key = next((k for k in reached if testing or not self._in_test(k)), None)
            if key is None:
                continue
            family = self._family_picks.get(id(info.node), ())
            asking = sum(k in reaching for k in family)
            if key in family and (asking < 2 or _minority(asking, len(family))):
                continue  # ``tool.handle(msg)`` over tool classes of which one (or a few) asks a model: no plugin call
            if slot is not None:
                slots.setdefault(slot, key)
            func, args = _called(info)
            args = self._consensus_args.get(id(info.node), args)
            site = Site(info, SiteKind.WRAPPER_CALL, callee=key, args=args)
            self.sites[site.key] = site
            if consensus is not None:
                # ``self.mdl.chat(...)`` on a model picked from a registry the code fills at run time: each unrelated
                # interface of that name asks a model, so the call runs one of them, whichever the object is
                site.alternatives = tuple(k for k in reached if k != key)
                self.why[str(site.key)] = "untyped obj.method(): every interface of that name reaches a model"
                added = self._consensus_added = True
                continue
            # the one interface of that name, or the one whose parameters take the call's arguments, when nothing
            # else typed the object (what the callers hand over picks that same method: a typed call)
            by_name = isinstance(func, cst.Attribute) and key == self._name_picks.get(id(info.node))
            self.why[str(site.key)] = "untyped obj.method(): the one interface of that name" if by_name else "untyped"
            if by_name:
                self.by_name.add(site.key)
            elif len(handed := self._handed_picks.get(id(info.node), ())) > 1 and key in handed:
                # ``self.llm.parse(msgs)`` where the callers hand in objects of several unrelated classes (one per
                # branch: ``llm = RemoteChat(...)`` / ``llm = LocalModel(...)``): the call runs the method of each
                site.alternatives = tuple(k for k in handed if k != key and k in reaching)
                self.why[str(site.key)] = "untyped obj.method(): the objects its callers hand in"
            elif key in family:
                # ``provider.inference(...)`` on a plugin picked at run time: every model-reaching method of that
                # name in the chosen one's family (classes sharing its topmost base) is what the call may run
                site.alternatives = tuple(k for k in family if k != key and k in reaching)
                self.why[str(site.key)] = "untyped obj.method(): the plugin family defining that name"
            added = True
        added |= self._probed_siblings()
        for info, slot in unfed:  # ``llm: Callable[[str], str]`` that nothing in the tree fills: declared like the
            key = slots.get(slot)  # parameters of that name and type that are fed a model-reaching function
            if key is None:
                continue
            site = Site(info, SiteKind.WRAPPER_CALL, callee=key, args=list(info.node.args))
            self.sites[site.key] = site
            self.why[str(site.key)] = "callable parameter declared like those fed a model function"
            added = True
        return added

    def _probed_siblings(self) -> bool:
        """``if hasattr(self.llm, "get_response"): self.llm.get_response(p) elif hasattr(self.llm, "invoke"):
        self.llm.invoke(p) elif callable(self.llm): self.llm(p)``: a function probing one object for the methods of
        several model interfaces, one branch of which reaches the tree's model, sends the same prompt to that model
        object in every branch (a duck-typed model, ``CALLSITES.md`` 5): each probed call of the object is a call of
        it, reaching what the branch the tree types reaches. Returns whether a site was added."""
        dead = {id(s.info.node) for s in self.dead_sites}
        typed: dict[tuple[str, str], Site] = {}  # (function key, probed object) -> a resolved probed call on it
        pending: list[tuple[Any, str]] = []
        for info in self.ev.unresolved:
            fn = info.scope.enclosing_function()
            obj = _probed_object(info.node, info.scope)
            if fn is None or obj is None or id(info.node) in dead:
                continue
            done = self.sites.get(id(info.node))
            if done is None:
                pending.append((info, obj))
            elif done.site == SiteKind.WRAPPER_CALL and done.callee is not None:
                typed.setdefault((fn.key, obj), done)
        for s in self.sites.values():
            fn = s.info.scope.enclosing_function()
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None and fn is not None:
                obj = _probed_object(s.info.node, s.info.scope)
                if obj is not None:
                    typed.setdefault((fn.key, obj), s)
        added = False
        for info, obj in pending:
            twin = typed.get((info.scope.enclosing_function().key, obj))
            if twin is None or id(info.node) in self.sites:
                continue
            if not _alternative_branches(info.scope.enclosing_function(), info.node, twin.info.node):
                continue  # ``if hasattr(m, "decay"): m.decay(ids)`` then ``if hasattr(m, "compress"): ...``: hooks
            code = info.scope.module.code
            sent = {code(a.value) for a in twin.info.node.args if not a.star}
            if not any(code(a.value) in sent for a in info.node.args if not a.star):
                continue  # ``self.llm.count_tokens(text)`` beside ``self.llm.get_response(prompt)``: not the prompt
            site = Site(info, SiteKind.WRAPPER_CALL, callee=twin.callee, args=list(info.node.args))
            site.is_async = info.awaited
            self.sites[site.key] = site
            self.why[str(site.key)] = "probed model object: another probed branch reaches the model"
            added = True
        return added

    def _slot_files(self, pending: dict[str, _File]) -> list[str]:
        """Files not loaded yet that declare a parameter of the name of a ``Callable`` parameter the tree feeds a
        model-reaching function (``llm: Callable[[str], str]`` in a module importing nothing of the tree's LLM
        code): loaded, so that their calls of it are resolved by the declaration (``_resolve_unknown``)."""
        declaring = {
            name: text
            for name, f in pending.items()
            if name not in self.project.modules and (text := self.text(f)) and "Callable[" in text
        }
        if not declaring:
            return []
        reaching, _ = self._reach()
        callers: dict[str, list[Site]] = {}
        for s in self.sites.values():
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None:
                callers.setdefault(s.callee, []).append(s)
        memo: dict[tuple[str, str], list[Any]] = {}
        names = set()
        for info in self.ev.unresolved:
            slot = self._callable_slot(info)
            if slot is None or slot[0] in names:
                continue
            site = self.sites.get(id(info.node))
            try:
                keys = [site.callee] if site is not None else self._unknown_callees(info, callers, memo)
            except RecursionError:
                continue
            if any(k in reaching for k in keys):
                names.add(slot[0])
        if not names:
            return []
        pattern = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\s*:[^=\n]*\S")
        return [name for name, text in declaring.items() if pattern.search(text)]

    def _in_test(self, key: str) -> bool:
        """Whether the function ``key`` is defined in a test file of the tree."""
        scope = self.ev.scopes.get(key)
        return scope is not None and _is_test_file(scope.module)

    def _illustrative(self, key: str) -> bool:
        """A function of a test or of the documentation: a stand-in showing an interface, not an implementation the
        running code picks (``_is_doc_file``)."""
        scope = self.ev.scopes.get(key)
        return scope is not None and (_is_test_file(scope.module) or _is_doc_file(scope.module))

    def _callable_slot(self, info: Any) -> tuple[str, str] | None:
        """(parameter name, declared type) of a called parameter (``llm(prompt)``) or of the constructor parameter a
        called attribute is set from (``self._llm = llm`` ... ``self._llm(prompt)``), when that parameter is declared
        a ``Callable[...]`` (through a type alias, ``Optional`` / ``| None`` left out); else None."""
        func, scope = info.node.func, info.scope
        param = None
        if isinstance(func, cst.Name):
            bindings = self.ev.bindings_of(func.value, scope) or ()
            if len(bindings) == 1 and bindings[0][0] == "param":
                param = bindings[0][1]
        elif isinstance(func, cst.Attribute):
            names = [b for b in self._self_attr_bindings(func, scope) or () if b[0] == "expr"]
            if len(names) == 1 and isinstance(names[0][1], cst.Name):
                bindings = self.ev.bindings_of(names[0][1].value, names[0][2]) or ()
                if len(bindings) == 1 and bindings[0][0] == "param":
                    param = bindings[0][1]
        if param is None or param.annotation is None:
            return None
        declared = self._type_text(param.annotation.annotation, info.scope, 0)
        return (param.name.value, declared) if declared and declared.startswith("Callable[") else None

    def _type_text(self, node: cst.CSTNode, scope: Scope, depth: int) -> str | None:
        """A declared type spelled canonically: aliases (``LLMCallable = Callable[[str], str]``) expanded, the last
        segment of a dotted name, ``Optional[X]`` / ``X | None`` as ``X``; None when it cannot be spelled."""
        if depth > 4:
            return None
        if isinstance(node, cst.SimpleString):  # a quoted annotation: ``"Hook | None"``
            try:
                node = cst.parse_expression(str(node.evaluated_value))
            except Exception:
                return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            parts = [self._type_text(x, scope, depth + 1) for x in (node.left, node.right)]
            kept = [x for x in parts if x != "None"]
            return kept[0] if len(kept) == 1 else None
        if isinstance(node, cst.Subscript):
            head = dotted(node.value)
            items = []
            for el in node.slice:
                inner = el.slice
                if not isinstance(inner, cst.Index):
                    return None
                items.append(self._type_text(inner.value, scope, depth + 1))
            if head is None or any(x is None for x in items):
                return None
            head = head.rsplit(".", 1)[-1]
            if head == "Optional" and len(items) == 1:
                return items[0]
            return f"{head}[{', '.join(items)}]"  # type: ignore[arg-type]
        if isinstance(node, cst.List):
            items = [self._type_text(e.value, scope, depth + 1) for e in node.elements]
            return None if any(x is None for x in items) else f"[{', '.join(items)}]"  # type: ignore[arg-type]
        if isinstance(node, cst.Name) and node.value == "None":
            return "None"
        if isinstance(node, cst.Ellipsis):
            return "..."
        name = dotted(node)
        if name is None:
            return None
        if isinstance(node, cst.Name):
            bindings = self.ev.bindings_of(node.value, scope) or ()
            if len(bindings) == 1 and bindings[0][0] == "expr" and isinstance(bindings[0][1], cst.Subscript):
                return self._type_text(bindings[0][1], bindings[0][2], depth + 1)  # a type alias
        return name.rsplit(".", 1)[-1]

    def _client_param_call(self, info: Any) -> Site | None:
        """The call of a called parameter (``call(*args, **kwargs)``) inside a higher-order helper that callers hand
        an SDK request method: a request of that client."""
        func = info.node.func
        fn = info.scope.enclosing_function()
        if not isinstance(func, cst.Name) or fn is None:
            return None
        for _ in range(4):  # ``async def generator(): ... await method(**params)`` nested in the helper taking it
            if func.value in _param_names(fn) or func.value in fn.bindings or fn.parent is None:
                break
            outer = fn.parent.enclosing_function()
            if outer is None:
                break
            fn = outer
        client = self.ev.client_params.get(fn.key)
        if client is None or func.value not in self.ev.called_params(fn.key):
            return None
        if func.value not in self.ev.passed_params.get(fn.key, ()):
            return None  # another called parameter (``env_factory(...)``, ``on_done()``): not what callers hand the SDK for
        api = ".".join(p for p in client.path if p not in clients.TRANSPARENT_SEGMENTS)
        site = Site(
            info, SiteKind.REQUEST, client=client.family, api=clients.REQUEST_PATHS.get(client.kind, {}).get(api, api)
        )
        site.is_async = client.is_async or info.awaited
        return site

    def _unknown_callees(self, info: Any, callers: dict[str, list[Site]], memo: dict) -> list[str]:
        (func, args), scope = _called(info), info.scope
        if isinstance(func, cst.Name):
            held = self._fetched_untyped(func, scope, list(args), 0)
            if held is not None:  # ``fn = self.mdl.chat; partial(fn, system, msgs)(**kw)`` on an untyped object
                names, given = held
                picks = self._consensus(info, names, scope, need=2)
                if picks:
                    self._consensus_args[id(info.node)] = given
                return picks
            fn = scope.enclosing_function()
            params = set(_param_names(fn)) if fn is not None else set()
            fetched = any(
                b[0] == "expr" and self.ev.fetched_param(b[1], b[2]) is not None
                for b in self.ev.bindings_of(func.value, scope) or ()
            )  # ``getattr(agent_copy, method.__name__)(msg)``: the method called on an object of its own, not handed on
            if not fetched and all(a.star or (isinstance(a.value, cst.Name) and a.value.value in params) for a in args):
                return []  # retry(fn, *args): a higher-order helper's forwarding call; its callers' calls count
            return [v.key for v in self._sources(func, scope, callers, memo, 0) if isinstance(v, Function)]
        if not isinstance(func, cst.Attribute):
            return []
        receiver = self.ev.value(func.value, scope)
        # ``provider = manager.pick(...)`` whose one static return is the ``return None`` of its no-match branch: a
        # method called on it runs on what the other branches return, so the receiver is as good as unknown
        known = receiver is not None and not (isinstance(receiver, Const) and receiver.value is None)
        if not known and _probed(func, scope):
            # ``if hasattr(llm, "completion"): llm.completion(...)``: whatever the callers pass may lack it; only a
            # name every interface of the tree answers with a model says what the call runs
            if not self._made_by_tree(func.value, scope):
                return []
            return self._consensus(info, [func.attr.value], scope, need=2)
        out = [v.key for v in self._sources(func, scope, callers, memo, 0) if isinstance(v, Function)]  # self._llm()
        if known:
            return out
        typed = bool(out)
        handed: list[str] = []
        for v in self._sources(func.value, scope, callers, memo, 0):
            if isinstance(v, Instance):
                typed = True
                m = self.ev.member(v.cls, func.attr.value, True)
                if isinstance(m, Function):
                    out.append(m.key)
                    if m.key not in handed:
                        handed.append(m.key)
        if len(handed) > 1:
            self._handed_picks[id(info.node)] = handed
        # ``self.client.predict(...)`` / ``self.client.models.rerank(...)`` on a library's object (``Client(url)``) or
        # a member path of it, or on a library checkpoint (``X.from_pretrained(...)``): not the tree's interface
        if any(self._library_object(r, scope) for r in _object_roots(func.value)) or self._pretrained_object(
            func.value, scope
        ):
            return out
        by_name = self.ev.method_by_name(func.attr.value)
        fn = scope.enclosing_function()
        if by_name is None and (fn is None or fn.name != func.attr.value):  # in a method of that name: no guess
            by_name = self.ev.method_fitting_call(func.attr.value, info.node)
        if by_name:
            if by_name not in out:
                self._name_picks[id(info.node)] = by_name
            return [*out, by_name]
        if typed:
            return out  # the objects the callers actually hand over say which same-named method runs
        fn = scope.enclosing_function()  # ``provider.inference()`` in ``Agent.inference``: the plugins, not itself
        family = [k for k in self.ev.methods_named(func.attr.value, fn.key if fn else None) if k not in out]
        if family:
            self._family_picks[id(info.node)] = family
            return out + family
        if not self._made_by_tree(func.value, scope):
            return out  # a parameter or a library's object: whatever the callers hand over, no guess by name
        return out + [k for k in self._consensus(info, [func.attr.value], scope) if k not in out]

    def _made_by_tree(self, expr: cst.CSTNode, scope: Scope) -> bool:
        """Whether the untyped ``expr`` (a local or a ``self`` attribute) is only ever assigned what a call of the
        tree's own code returns (``self.mdl = Registry[kind](key)``, ``self.mdl = Service.model_instance(cfg)``): an
        object the program picks for itself, not one handed in (a parameter) nor a library's object."""
        bindings = self._name_or_self_bindings(expr, scope)
        if not bindings:
            return False
        for b in bindings:
            if b[0] != "expr" or len(b) < 3 or not isinstance(b[1], cst.Call):
                return False
            root = b[1].func
            while isinstance(root, cst.Attribute | cst.Subscript | cst.Call):
                root = root.value if isinstance(root, cst.Attribute | cst.Subscript) else root.func
            if not isinstance(root, cst.Name):
                return False
            found = list(self.ev.bindings_of(root.value, b[2]) or ())
            if not found:
                return False
            if all(i[0] == "expr" and _placeholder(i[1]) for i in found):
                return False  # ``api_requestor = None`` filled in by a library the shim no longer imports: not ours
            for i in found:
                if i[0] == "param":
                    return False
                if i[0] == "import":
                    mod, _ = self.project.split(self.project.importable(i[1], i[2] if len(i) > 2 else None))
                    if mod is None:
                        return False
        return True

    def _consensus(self, info: Any, names: list[str], scope: Scope, need: int = 1) -> list[str]:
        """The interfaces of the tree's unrelated classes defining one of ``names`` (``ev.method_tops``), the calling
        class's lineage left out, recorded for ``_resolve_unknown``: an untyped ``obj.name(...)`` reaches a model
        through them only when every one of them that is not itself a same-named forwarder reaches one
        (``_consensus_holds``), ``need`` of them at least: two for a method fetched as a value or probed with
        ``hasattr`` first (an object of any kind: only a name several unrelated model classes share is the tree's
        model interface)."""
        here: Scope | None = scope
        while here is not None and here.kind != "class":
            here = here.parent
        besides: set[str] = set()
        if here is not None:
            besides = {*self.ev.lineage(here.key, 20), *self.ev.subclasses(here.key)}
        tops: list[str] = []
        for name in names:
            tops += [t for t in self.ev.method_tops(name, besides) if t not in tops]
        if tops:
            self._consensus_picks[id(info.node)] = tops
            self._consensus_need[id(info.node)] = need
        return tops

    def _consensus_holds(self, picks: list[str], reaching: set[str], need: int = 1) -> list[str]:
        """The picks that reach a model when every pick reaching none is a forwarder (``_forwards_same_name``: a proxy
        holding another object of the interface, which reaches a model exactly when what it holds does); else []."""
        reached = [k for k in picks if k in reaching]
        if len(reached) < need or any(k not in reaching and not self._forwards_same_name(k) for k in picks):
            return []
        return reached

    def _forwards_same_name(self, key: str) -> bool:
        """Whether the method ``key`` (its closures and lambdas included) reaches for a member of its own name on
        another object than itself (``return await self._inner.chat(...)`` in ``chat``, ``fn = self.mdl.chat``,
        ``getattr(self.mdl, "chat")``): a proxy or facade of the interface, which reaches a model exactly when what it
        holds does."""
        fn = self.ev.scopes.get(key)
        if fn is None:
            return False
        memo = fn.derived.get("forwards_same_name")
        if memo is None:
            finder = _SameNameMember(fn.name)
            body = getattr(fn.node, "body", None)
            if isinstance(body, cst.CSTNode):
                body.visit(finder)
            memo = fn.derived["forwards_same_name"] = finder.found
        return memo

    def _fetched_untyped(
        self, name: cst.Name, scope: Scope, given: list[Any], depth: int
    ) -> tuple[list[str], list[Any]] | None:
        """``fn = obj.method`` / ``getattr(obj, "method", None)`` / ``partial(fn, a, b)`` bound to the local ``name``
        (every binding of it), ``obj`` of unknown type: the method names it may hold and the arguments the call passes
        (the partial's first), else None."""
        if depth > 3:
            return None
        bindings = self.ev.bindings_of(name.value, scope) or ()
        if not bindings or any(b[0] != "expr" or len(b) < 3 or b[2] is not scope for b in bindings):
            return None
        names: list[str] = []
        args = given
        for b in bindings:
            value = b[1]
            if isinstance(value, cst.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] == "partial":
                if not value.args or value.args[0].star:
                    return None
                args = [*value.args[1:], *given]
                value = value.args[0].value
            if isinstance(value, cst.Name):
                inner = self._fetched_untyped(value, scope, args, depth + 1)
                if inner is None:
                    return None
                names += [n for n in inner[0] if n not in names]
                args = inner[1]
                continue
            if (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Name)
                and value.func.value == "getattr"
                and len(value.args) in (2, 3)
                and isinstance(value.args[1].value, cst.SimpleString)
            ):
                attr, receiver = value.args[1].value.evaluated_value, value.args[0].value
            elif isinstance(value, cst.Attribute):
                attr, receiver = value.attr.value, value.value
            else:
                return None
            held = self.ev.value(receiver, scope)
            if held is not None and not (isinstance(held, Const) and held.value is None):
                return None  # a typed object: the scan's own resolution stands
            if not self._made_by_tree(receiver, scope):
                return None
            if not isinstance(attr, str) or not attr.isidentifier():
                return None
            if attr not in names:
                names.append(attr)
        return (names, args) if names else None

    def _name_or_self_bindings(self, expr: cst.CSTNode, scope: Scope) -> list[tuple]:
        """What a local name or a ``self`` attribute is assigned (``_self_attr_bindings`` for the latter); [] for any
        other expression."""
        if isinstance(expr, cst.Name):
            return list(self.ev.bindings_of(expr.value, scope) or ())
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            return self._self_attr_bindings(expr, scope) or []
        return []

    def _self_attr_bindings(self, expr: cst.Attribute, scope: Scope) -> list[tuple] | None:
        """What ``self.attr`` is assigned in the method's class and its bases (a closure inside a method included),
        class first; None when ``expr`` is not an attribute of the method's ``self``."""
        held = _self_of(scope)
        if held is None or not isinstance(expr.value, cst.Name) or held[1] != expr.value.value:
            return None
        return self._lineage_self_attrs(held[0].key, expr.attr.value)

    def _lineage_self_attrs(self, cls_key: str, attr: str) -> list[tuple]:
        """The bindings of ``self.<attr>`` in the class ``cls_key`` and its bases, nearest first (20 classes at most)."""
        out: list[tuple] = []
        for key in self.ev.lineage(cls_key, 20):
            owner = self.ev.scopes.get(key)
            out += list(owner.self_attrs.get(attr, ())) if owner is not None else []
        return out

    def _library_object(self, expr: cst.CSTNode, scope: Scope, depth: int = 0) -> bool:
        """Whether a name or ``self.attr`` is only ever assigned an object built by a class imported from outside the
        tree (``self.client = Client(endpoint)`` with ``from some_library import Client``), or by a method of such an
        object held in a local (``self.page = page`` of ``page = browser.new_page()``, ``browser =
        lib.launch()``): a library's object all the way down, whose methods are not the tree's interfaces."""
        bindings = self._name_or_self_bindings(expr, scope)
        if not bindings:
            return False
        for b in bindings:
            if b[0] != "expr" or len(b) < 3:
                return False
            if isinstance(b[1], cst.Name) and depth < 4:
                if not self._library_object(b[1], b[2], depth + 1):
                    return False
                continue
            if not isinstance(b[1], cst.Call):
                return False
            root = b[1].func
            while isinstance(root, cst.Attribute | cst.Call):
                root = root.value if isinstance(root, cst.Attribute) else root.func
            if not isinstance(root, cst.Name):
                return False
            imports = list(self.ev.bindings_of(root.value, b[2]) or ())
            if imports and depth < 4 and all(i[0] == "expr" for i in imports):
                if not self._library_object(root, b[2], depth + 1):
                    return False
                continue
            if not imports or any(i[0] != "import" for i in imports):
                return False
            for i in imports:
                mod, _ = self.project.split(self.project.importable(i[1], i[2] if len(i) > 2 else None))
                if mod is not None:
                    return False
        return True

    def _pretrained_object(self, expr: cst.CSTNode, scope: Scope) -> bool:
        """Whether a name or ``self.attr`` is somewhere assigned a checkpoint loaded by a library's
        ``X.from_pretrained(...)`` (the pretrained-model loader convention; ``X`` no class of the tree): a library's
        model object (a speech or vision model as well as a text one), whose ``generate`` is not the tree's interface
        of that name, whatever else the attribute may hold before it is loaded (the checkpoint's name)."""
        bindings = self._name_or_self_bindings(expr, scope)
        for b in bindings:
            if b[0] != "expr" or not isinstance(b[1], cst.Call) or len(b) < 3:
                continue
            loader = b[1].func
            if not isinstance(loader, cst.Attribute) or loader.attr.value != "from_pretrained":
                continue
            if not isinstance(self.ev.value(loader, b[2]), Function):
                return True
        return False

    def _sources(self, expr: cst.CSTNode, scope: Scope, callers: dict, memo: dict, depth: int) -> list[Any]:
        """Values an untyped name or ``self.attr`` may hold: what callers pass for the parameter it comes from."""
        if depth > 3:
            return []
        if isinstance(expr, cst.Name):
            out: list[Any] = []
            for b in self.ev.bindings_of(expr.value, scope) or ():
                if b[0] == "param" and b[2] is not None:
                    out += self._param_sources(b[2], b[1].name.value, callers, memo, depth)
                elif b[0] == "expr" and isinstance(b[1], cst.Name | cst.Attribute):
                    out += self._sources(b[1], b[2], callers, memo, depth + 1)
                elif b[0] == "expr" and (held := self.ev.fetched_param(b[1], b[2])) is not None:
                    # ``method_i = getattr(agent_copy, method.__name__)``: the method the caller passed, on a copy
                    out += self._sources(held, b[2], callers, memo, depth + 1)
                elif b[0] == "expr" and isinstance(b[1], cst.Call):
                    # ``agent = dispatcher.dispatch(...)`` on an untyped object: what the method it resolves to by
                    # name is declared (or seen) to return (``-> BaseAgent``)
                    built = self._made_by_name(b[1], b[2])
                    if built is not None:
                        out.append(built)
                    else:
                        out += self._composed_sources(b[1], b[2], callers, memo, depth)
            return out
        if isinstance(expr, cst.Attribute):
            out = []
            bindings = self._self_attr_bindings(expr, scope) if isinstance(expr.value, cst.Name) else None
            for b in bindings or ():  # ``self.describe = owner.vision.query``: a method reached through the chain
                if b[0] == "expr" and isinstance(b[1], cst.Name | cst.Attribute):
                    out += self._sources(b[1], b[2], callers, memo, depth + 1)
            if bindings is None:  # ``provider.complete`` of an untyped name: that member of what the name holds,
                # through a chain of back-references (``self.owner.llm.run`` with ``self.owner = owner`` given ``self``)
                for v in self._sources(expr.value, scope, callers, memo, depth):  # (the same value: no step)
                    if isinstance(v, Instance):
                        out += self._member_sources(v.cls, expr.attr.value, callers, memo, depth)
            return out
        return []

    def _composed_sources(self, call: cst.Call, scope: Scope, callers: dict, memo: dict, depth: int) -> list[Any]:
        """``stack = host.build_pipeline(inner=self._run)`` then ``await stack(ctx)``: a helper of the tree whose
        returned value carries a callable parameter (returned as is, wrapped with ``functools.partial``, or set first
        in a list of filters whose head is returned) hands back a callable
        that runs what the call passes for that parameter: those are the values calling the result may run."""
        func = call.func
        fn = self.ev.value(func, scope)
        key = fn.key if isinstance(fn, Function) else None
        if key is None and isinstance(func, cst.Attribute) and self.ev.value(func.value, scope) is None:
            key = self.ev.method_by_name(func.attr.value)
        callee = self.ev.scopes.get(key) if key is not None else None
        if callee is None or callee.kind != "function":
            return []
        carried = _composed_params(callee, self.ev)
        out: list[Any] = []
        for a, bound in _bind(callee, list(call.args)):
            if bound not in carried or a.star:
                continue
            v = self.ev.value(a.value, scope)
            if isinstance(v, Function):
                out.append(v)
            elif v is None:
                out += self._sources(a.value, scope, callers, memo, depth + 1)
        return out

    def _made_by_name(self, call: cst.Call, scope: Scope) -> Instance | None:
        """The object a call of a method on an untyped object returns, the method taken as the site the scan found
        for the call, else as the tree's one interface of that name: an instance of the class its return annotation
        (or its returned value) names. None when nothing names a class of the tree."""
        made = self.sites.get(id(call))
        key = made.callee if made is not None else None
        func = call.func
        if key is None and isinstance(func, cst.Attribute) and self.ev.value(func.value, scope) is None:
            key = self.ev.method_by_name(func.attr.value)
        built = self.ev.returns_of(key) if key is not None else None
        return built if isinstance(built, Instance) else None

    def _member_sources(self, cls_key: str, attr: str, callers: dict, memo: dict, depth: int) -> list[Any]:
        """What ``attr`` of an instance of ``cls_key`` holds: the member the evaluator knows (a method, an object the
        class builds), else what the callers pass for the constructor parameter it is set from (``self.owner =
        owner``)."""
        m = self.ev.member(cls_key, attr, True)
        if isinstance(m, Function | Instance):
            return [m]
        if m is not None:
            return []
        out: list[Any] = []
        for b in self._lineage_self_attrs(cls_key, attr):
            if b[0] == "expr" and isinstance(b[1], cst.Name):
                out += self._sources(b[1], b[2], callers, memo, depth + 1)
        return out

    def _annotated_param(self, expr: cst.CSTNode, scope: Scope) -> bool:
        """``expr`` is a name bound only to an annotated parameter of its function (``tool: TextTool``)."""
        if not isinstance(expr, cst.Name):
            return False
        bindings = self.ev.bindings_of(expr.value, scope) or ()
        return bool(bindings) and all(b[0] == "param" and b[1].annotation is not None for b in bindings)

    def _param_sources(self, fn: Scope, name: str, callers: dict, memo: dict, depth: int) -> list[Any]:
        key = (fn.key, name)
        if key in memo:
            return memo[key]
        memo[key] = []
        calls: list[tuple[list[cst.Arg], Scope]] = [(s.args, s.info.scope) for s in callers.get(fn.key, ())]
        for base in self.ev.overridden(fn.key):  # an implementation receives what calls of its base method pass
            calls += [(s.args, s.info.scope) for s in callers.get(base, ())]
        cls = fn.enclosing_class()
        if fn.name == "__init__" and cls is not None:
            for sub in [cls.key, *self.ev.subclasses(cls.key)]:
                calls += [(list(c.node.args), c.scope) for c in self.ev.constructions.get(sub, ())]
        out: list[Any] = []
        for args, where in calls[:50]:
            for a, bound in _bind(fn, args):
                if bound != name or a.star:
                    continue
                v = self.ev.value(a.value, where)
                if isinstance(v, Function | Instance):
                    out.append(v)
                if v is None or (isinstance(v, Instance) and self._annotated_param(a.value, where)):
                    # an annotation is the author's hint: what the callers really pass counts as well
                    out += self._sources(a.value, where, callers, memo, depth + 1)
                elif isinstance(v, Instance) and isinstance(a.value, cst.Name):
                    out += [o for o in self._branch_instances(a.value, where) if o not in out]
        memo[key] = out
        return out

    def _branch_instances(self, name: cst.Name, scope: Scope) -> list[Instance]:
        """The objects of the tree's classes a local is built as in the branches of its function (``llm = Remote(...)``
        in one branch, ``llm = Local(...)`` in another) when it is bound more than once: the evaluator's value is only
        the first of them. At most 8, each class once."""
        bindings = self.ev.bindings_of(name.value, scope) or ()
        if len(bindings) < 2:
            return []
        out: list[Instance] = []
        for b in list(bindings)[:8]:
            if b[0] != "expr" or len(b) < 3 or b[2] is not scope or not isinstance(b[1], cst.Call):
                continue
            v = self.ev.value(b[1], scope)
            if isinstance(v, Instance) and v.cls in self.ev.scopes and all(o.cls != v.cls for o in out):
                out.append(v)
        return out

    def _find_alternatives(self) -> None:
        """Calls of a local name bound to different project functions (``send = cached_send if cache else send_now``,
        or one function in each branch of an ``if``), or to instances of different classes (``agent(task)`` /
        ``agent.run(task)`` after ``agent = Plain(...)`` and later ``agent = Streaming(...)``: each class's
        ``__call__`` / ``run``): the evaluator gives the call one callee, the first; the others are kept here, so
        the call counts as a call of each of them (``_reach``, ``api_wrappers``)."""
        self.alternatives = {}
        for site in self.sites.values():
            if site.site == SiteKind.REQUEST:
                adapter = self._adapter_method(site)
                if adapter is not None:
                    self.alternatives[site.key] = [adapter]
                continue
            if site.site != SiteKind.WRAPPER_CALL or site.callee is None or site.passed is not None:
                continue
            func = site.info.node.func
            method = None  # ``obj.method(...)``: the method of each class the name is bound to an instance of
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                func, method = func.value, func.attr.value
            if not isinstance(func, cst.Name):
                continue
            scope = site.info.scope
            bindings = self.ev.bindings_of(func.value, scope) or ()
            if not bindings or any(b[0] != "expr" or len(b) < 3 or b[2] is not scope for b in bindings):
                continue  # locals of the calling function only, each bound to an expression
            keys: list[str] = []
            todo = [b[1] for b in bindings]
            while todo and len(keys) <= 8:
                expr = todo.pop(0)
                if isinstance(expr, cst.IfExp):
                    todo += [expr.body, expr.orelse]
                    continue
                value = self.ev.value(expr, scope)
                if isinstance(value, Instance):  # ``server = AsyncServer(...)`` after ``server = Server(...)``
                    value = self.ev.member(value.cls, method or "__call__", True)
                elif method is not None:
                    continue
                if isinstance(value, Function) and value.key in self.ev.scopes and value.key not in keys:
                    keys.append(value.key)
            others = [k for k in keys if k != site.callee]
            if others and site.callee in keys:
                self.alternatives[site.key] = others
        self._factory_twins()

    def _factory_twins(self) -> None:
        """Classes of the tree that one factory function hands out in turn (``return WatsonClient(...), cfg`` in one
        branch, ``return OllamaClient(...), cfg`` in the other) are drop-in twins: a call of a method of one (typed
        by an annotation naming the other, ``llm_client: OllamaClient``) reaches the same-named method of each twin,
        kept as alternatives of the call."""
        twins: dict[str, set[str]] = {}
        for fn in list(self.ev.scopes.values()):
            if fn.kind != "function" or not _hands_out_several(fn.returns) or _is_test_file(fn.module):
                continue
            by_slot: dict[int, set[str]] = {}
            for i, cls in self._returned_instances(fn):
                if cls in self.ev.scopes:
                    by_slot.setdefault(i, set()).add(cls)
            for classes in by_slot.values():
                if 1 < len(classes) <= 6:
                    for cls in classes:
                        twins.setdefault(cls, set()).update(classes - {cls})
        if not twins:
            return
        for site in self.sites.values():
            if site.site != SiteKind.WRAPPER_CALL or site.callee is None or site.passed is not None:
                continue
            fn = self.ev.scopes.get(site.callee)
            cls = fn.enclosing_class() if fn is not None else None
            if cls is None or cls.key not in twins or fn.name.startswith("_"):
                continue
            func = site.info.node.func
            if (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value in ("self", "cls")
            ):
                continue  # ``self.query(...)`` inside the class: the object is this class (or a subclass), no twin
            keys = self.alternatives.get(site.key, [])
            for other in sorted(twins[cls.key]):
                value = self.ev.member(other, fn.name, True)
                if isinstance(value, Function) and value.key in self.ev.scopes and value.key not in keys:
                    keys.append(value.key)
            if keys:
                self.alternatives[site.key] = keys

    def _returned_instances(self, fn: Scope) -> Iterator[tuple[int, str]]:
        """(slot of the returned tuple, class) of each object of a class the first 16 returns of ``fn`` build, in
        order (the first 4 slots), each given as soon as it is worked out. Kept per function: the evaluator keeps each
        value it worked out, so a later round reads the same ones (a walk that ran out of stack is worked out again)."""
        done = self._twin_slots.get(fn)
        if done is not None:
            yield from done
            return
        out: list[tuple[int, str]] = []
        whole = True
        for expr in _return_branches(fn.returns[:16]):
            items = expr.elements if isinstance(expr, cst.Tuple) else [expr]
            for i, el in enumerate(items[:4]):
                node = el.value if isinstance(el, cst.Element) else el
                try:
                    value = self.ev.value(node, fn)
                except RecursionError:
                    whole = False
                    continue
                if isinstance(value, Instance):
                    out.append((i, value.cls))
                    yield i, value.cls
        if whole:
            self._twin_slots[fn] = out

    def _adapter_method(self, site: Site) -> str | None:
        """``self.client.chat.completions.create(...)`` where ``self.client`` is an SDK client in one branch and, in
        another, an object of a class of the tree whose attribute chain mimics the SDK's (``self.chat =
        Chat(...)``, ``self.completions = Completions(...)``, ``def create(...)``): the request is also a call of that
        adapter method. None when no such class is assigned, or the chain does not end in a method of the tree."""
        if _is_test_file(site.info.scope.module):
            return None
        names: list[str] = []
        node = site.info.node.func
        while isinstance(node, cst.Attribute) and isinstance(node.value, cst.Attribute) and len(names) < 6:
            names.insert(0, node.attr.value)
            node = node.value
        if len(names) < 2 or not isinstance(node, cst.Attribute) or not isinstance(node.value, cst.Name):
            return None
        for cls in self.ev.attr_classes(node, site.info.scope)[:4]:
            held: Any = Instance(cls)
            for name in names[:-1]:
                held = self.ev.member(held.cls, name, True)
                if not isinstance(held, Instance):
                    break
            if not isinstance(held, Instance):
                continue
            method = self.ev.member(held.cls, names[-1], True)
            fn = self.ev.scopes.get(method.key) if isinstance(method, Function) else None
            if fn is not None and not _is_test_file(fn.module):
                return fn.key
        return None

    def _calls_of_reaching(self, reaching: set[str]) -> Iterator[tuple[Site, str]]:
        """Each call of a reaching function, with that function: a call's callee, then its alternatives (a local bound to
        several functions, an attribute holding one of several classes)."""
        for site in self.sites.values():
            if site.site == SiteKind.REQUEST:  # an SDK-shaped request that may run a tree adapter's method instead
                for callee in self.alternatives.get(site.key, ()):
                    if callee in reaching:
                        yield site, callee
                continue
            if site.site != SiteKind.WRAPPER_CALL or site.key in self.flag_dead:
                continue
            # the names a local may hold, and the other classes a receiver attribute may hold
            for callee in dict.fromkeys((site.callee, *self.alternatives.get(site.key, ()), *site.alternatives)):
                if callee in reaching:
                    yield site, callee  # type: ignore[misc]

    def _reach(self) -> tuple[set[str], dict[str, dict[str, None]]]:
        """The functions that reach a request, and the call graph they were found in (callee -> its callers, in the
        order the edges were added); a call whose literal flags leave every model step of its callee unrun
        (``_flag_dead``) is no edge."""
        self.flag_dead = set()  # read anew each time: what reaches grows as untyped calls are resolved
        found, graph = self._reach_once()
        for _ in range(4):
            more = {
                s.key
                for s in self.sites.values()
                if s.site == SiteKind.WRAPPER_CALL and s.key not in self.flag_dead and self._flag_dead(s, found)
            }
            if not more:
                break
            self.flag_dead |= more
            found, graph = self._reach_once()
        return found, graph

    def _flag_dead(self, site: Site, found: set[str]) -> bool:
        """Whether a call reaches no model through its callee because of the literal flags it passes: each of the
        callee's own calls that reaches a model sits under a test of a parameter the call fixes the other way
        (``if chat: ...`` the call leaves at ``chat=False``, or after ``if embedding: return ...`` the call
        sets ``embedding=True``). A flag the call passes as a variable, or may pass through ``**kwargs``, is open."""
        callee = self.ev.scopes.get(site.callee or "")
        if callee is None or callee.kind != "function" or site.passed is not None or site.alternatives:
            return False
        if self.alternatives.get(site.key) or any(i != callee.key for i in self.ev.implementations(callee.key)):
            return False
        conds = _flag_conditions(callee)
        if not conds:
            return False
        own = self._sites_in(callee.key)
        if not own:
            return False
        values: dict[str, bool | None] = {}
        skipped = False  # a model step this call's flags leave unrun (a callee reaching no model is no matter)
        for s in own:
            if (
                s.site == SiteKind.WRAPPER_CALL
                and s.callee not in found
                and s.passed not in found
                and not any(a in found for a in (*s.alternatives, *self.alternatives.get(s.key, ())))
            ):
                continue  # reaches no model either way
            needs = conds.get(id(s.info.statement), ()) if s.info.statement is not None else ()
            if not any(_flag_value(callee, site, p, values) not in (None, v) for p, v in needs):
                return False  # a model step this call may run
            skipped = True
        return skipped

    def _sites_in(self, key: str) -> list[Site]:
        """The sites whose owner is the function ``key`` (indexed once per count of sites)."""
        memo = self._sites_in_memo
        if memo is None or memo[0] != len(self.sites):
            index: dict[str, list[Site]] = {}
            for s in self.sites.values():
                fn = _owner(s.info.scope)
                if fn is not None:
                    index.setdefault(fn.key, []).append(s)
            memo = (len(self.sites), index)
            self._sites_in_memo = memo
        return memo[1].get(key, [])

    def _reach_once(self) -> tuple[set[str], dict[str, dict[str, None]]]:
        graph: dict[str, dict[str, None]] = {}

        def add_edge(caller: str, callee: str) -> None:
            graph.setdefault(caller, {})
            graph.setdefault(callee, {})[caller] = None

        seeds = set()
        impls: dict[str, list[str]] = {}  # callee -> its implementations, asked once per callee (many calls share one)
        for site in self.sites.values():
            with self.guard.unit("wrapper discovery: reach", site):
                fn = _owner(site.info.scope)
                if fn is None:
                    continue
                if site.site == SiteKind.WRAPPER_CALL and site.callee is not None:
                    if (site.callee in self.transports or site.callee in self.relays) and not self._model_endpoint(
                        site
                    ):
                        continue  # _request_api("/api/embeddings", ...): this caller does not reach a model
                    if site.passed is not None and site.passed in self.ev.scopes:
                        add_edge(fn.key, site.passed)  # the caller reaches what it hands over
                    if site.key in self.dispatched:
                        graph.setdefault(site.callee, {})
                        continue  # reached only when the data picks that implementation (``_pick_dispatch``)
                    if site.key in self.flag_dead:
                        continue  # ``helper(text, embedding=True)``: its flags skip the callee's model steps
                    if site.callee in self.ev.scopes:
                        add_edge(fn.key, site.callee)
                        if site.callee not in impls:
                            impls[site.callee] = self.ev.implementations(site.callee)
                        for impl in impls[site.callee]:  # a call on the base reaches every implementation
                            add_edge(site.callee, impl)
                    for alt in site.alternatives:  # or on an attribute holding one of several unrelated classes
                        add_edge(fn.key, alt)
                    for other in self.alternatives.get(site.key, ()):
                        add_edge(fn.key, other)  # ``send = cached_send if cache else send_now``: either one is called
                else:
                    if site.runner is not None:
                        continue  # a docstring task: the decorated def calls nothing; its runner reaches the model
                    if site.served:
                        continue  # ``return create_agent(...)`` in a served graph factory: the server runs the agent,
                        # the factory and its callers build it (no calling API of a model)
                    if site.site == SiteKind.REQUEST and _sends_empty_prompt(site.info.node):
                        continue  # ``ollama.chat(model=name, messages=[])`` loading a local model: nothing of a caller's
                        # reaches the model there, so the functions around it are no calling API (the request stays a site)
                    seeds.add(fn.key)
                    graph.setdefault(fn.key, {})
                    for other in self.alternatives.get(site.key, ()):
                        add_edge(fn.key, other)  # ``self.client.chat.completions.create`` on a tree adapter
        found = set(seeds)
        covered: set[str] = set()  # the ancestors met so far: a seed among them adds nothing (its ancestors are theirs)
        for seed in seeds:
            if seed in covered:
                continue
            more = _ancestors(graph, seed)
            found |= more
            covered |= more
        # a base method reaches what its implementations reach: ``def f(llm: BaseLLM): llm.chat(...)`` calls the base
        todo = list(found)
        while todo:
            key = todo.pop()
            for base in self.ev.overridden(key):
                add_edge(base, key)
                if base not in found:
                    new = {base} | _ancestors(graph, base)
                    todo.extend(new - found)
                    found |= new
        return found, graph

    def _task_classes(self, reaching: set[str]) -> dict[str, Scope]:
        """The tree's own framework-task classes (CALLSITES.md ``framework-task``, the shape of a crewAI ``Task``):
        a class declaring a ``description``, an ``expected_output`` and the ``agent`` it is assigned to (constructor
        parameters or class-level fields; an agent SDK's agent class declaring a description and an expected output
        of its own runs itself and is handed no agent), read by a module that runs them: a module holding
        model-reaching code reads ``<obj>.description`` (or ``expected_output``) off an object other than ``self``
        and names the class. Its objects are data a runner turns into model calls (the description handed to the
        agent's chat), so each construction is a framework task whose prompt is the task's fields and its agent's.
        (A class sending its own ``self.description`` through a method its callers run, ``task.run()``, is a
        wrapper's class: no module reads the fields off its objects.)"""
        runner_modules = {fn.module for k in reaching if (fn := self.ev.scopes.get(k)) is not None}
        readers: dict[str, frozenset[str]] = {}  # module name -> the names of the class names it reads fields near
        for mod in runner_modules:
            if _is_test_file(mod):
                continue
            finder = _TaskFieldReads()
            mod.tree.visit(finder)
            if finder.reads:
                readers[mod.name] = frozenset(finder.names)
        if not readers:
            return {}
        out: dict[str, Scope] = {}
        for cls in list(self.ev.scopes.values()):
            if cls.kind != "class" or _is_test_file(cls.module):
                continue
            fields = set(cls.annotations)
            init = self.ev.scopes.get(f"{cls.key}.__init__")
            if init is not None:
                fields |= set(_param_names(init))
            if not fields >= _TASK_FIELDS | {"agent"}:
                continue
            if any(cls.name in names for names in readers.values()):
                out[cls.key] = cls
        return out

    def _own_task_sites(self) -> list[Site]:
        """The constructions of the tree's framework-task classes (``_task_classes``) outside the tests and the
        class's own body, as framework-task sites (added to the analysis's sites)."""
        out: list[Site] = []
        for cls_key, cls in self.task_classes.items():
            init = self.ev.scopes.get(f"{cls_key}.__init__")
            params = _param_names(init) if init is not None else list(cls.annotations)
            for info in self.ev.constructions.get(cls_key, ()):
                with self.guard.unit("own tasks", info):
                    if _is_test_file(info.scope.module) or _nested_in(info.scope, cls) or id(info.node) in self.sites:
                        continue
                    site = own_task_site(self.ev, info, cls_key, params)
                    self.sites[site.key] = site
                    out.append(site)
        return out

    def _task_runs(self, calls: list[Site], ids: dict[int, str], own_tasks: list[Site]) -> dict[str, list[str]]:
        """The framework tasks each call of a task runner's method runs (``team.start()`` on ``team = Team(tasks=[a,
        b])``): the tasks the receiver's one construction in sight was handed, by node id."""
        if not own_tasks:
            return {}
        task_ids = {s.key: ids[s.key] for s in own_tasks if s.key in ids}
        out: dict[str, list[str]] = {}
        for s in calls:
            if s.callee not in self.task_runner_methods or s.key not in ids:
                continue
            func = s.info.node.func
            if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
                continue
            made = self._construction_of(func.value.value, s.info.scope)
            if made is None:
                continue
            call, scope = made
            found: list[str] = []
            for a in call.args:
                for node in a.value.elements if isinstance(a.value, cst.List | cst.Tuple) else (a.value,):
                    expr = getattr(node, "value", node)
                    task = self._construction_of(expr.value, scope) if isinstance(expr, cst.Name) else None
                    key = id(task[0]) if task is not None else id(expr)
                    if key in task_ids:
                        found.append(task_ids[key])
            if found:
                out[ids[s.key]] = list(dict.fromkeys(found))
        return out

    def _task_runners(self, reaching: set[str]) -> set[str]:
        """Methods that run the framework tasks (``_task_classes``) their object was built with: ``Team(agents=...,
        tasks=[research, write]).start()``. Their callers hand the prompts through the object (the tasks' fields),
        as a crewAI ``Crew(tasks=[...]).kickoff()`` does: each public model-reaching method of such a class forwards
        them."""
        tasks = self.task_classes
        if not tasks:
            return set()
        out: set[str] = set()
        for cls_key, infos in list(self.ev.constructions.items()):
            if cls_key in tasks or not any(self._task_object(a.value, i.scope) for i in infos for a in i.node.args):
                continue
            prefix = cls_key + "."
            out |= {
                k for k in reaching if k.startswith(prefix) and "." not in k[len(prefix) :] and not _is_private(k)
            }  # (its private helpers are steps of those runs: ``self._check_output(task, out)``)
        self.task_runner_methods = out
        return out

    def _construction_fed(
        self, reaching: set[str], fwd: dict[str, set[str]], inside: dict[str, list[Site]]
    ) -> set[str]:
        """Public methods taking no prompt that send attributes of their object as they are (``[{"role": "system",
        "content": self.instructions}, {"role": "user", "content": self.text}]``), where code outside the class body
        builds the object handing those attributes over (``Shaper(text=note, instructions=RULES, llm=llm)`` then
        ``shaper.to_dict()``): the caller's prompt travels through the construction, so each forwards it. A method
        writing text of its own around the attributes (``f"Summarise ...{self.text}"``) is a task method: left out."""
        methods: dict[str, list[str]] = {}
        for key in reaching:
            scope = self.ev.scopes.get(key)
            if scope is None or scope.kind != "function" or fwd.get(key) or _is_private(key):
                continue
            cls = scope.enclosing_class()
            if cls is None or scope.parent is not cls or scope.name.startswith("__"):
                continue
            if any(_PROMPT_PARAM.search(n) for n in _param_names(scope)):
                continue  # ``build_agent(question)``: it is handed its input, what it sends is its own business
            methods.setdefault(cls.key, []).append(key)
        out: set[str] = set()
        memo: dict[str, set[str] | None] = {}
        for cls_key, keys in methods.items():
            given = self._constructed_attrs(cls_key)
            if not given:
                continue
            for key in keys:
                sent = self._sent_attrs(key, reaching, inside, fwd, memo, 0)
                # only a prompt-named attribute is a prompt handed over (``text``, ``instructions``, ``content``); a
                # ``language`` or ``test_command`` the construction sets is a setting of the object's own task
                if sent and any(_PROMPT_PARAM.search(a) and not _ID_NAMED.search(a) for a in sent & given):
                    out.add(key)
        return out

    def _sent_attrs(
        self,
        key: str,
        reaching: set[str],
        inside: dict[str, list[Site]],
        fwd: dict[str, set[str]],
        memo: dict[str, set[str] | None],
        depth: int,
    ) -> set[str] | None:
        """Attributes of ``self`` that the model calls of the method ``key`` send as their prompt, as they are (a
        call of another method of the same object with no arguments counts with what that one sends); ``None`` when
        one of them writes text of its own into what it sends."""
        if key in memo:
            return memo[key]
        memo[key] = set()  # (cycles)
        fn = self.ev.scopes.get(key)
        cls = fn.enclosing_class() if fn is not None else None
        if fn is None or cls is None or depth > 1:
            return set()
        out: set[str] = set()
        for s in inside.get(key, ()):
            if s.site not in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL):
                continue
            if self._authors(s) or self._authors_sent(s) or _enough_text(_static_of(s.messages)):
                memo[key] = None
                return None
            call = s.info.node
            if s.site == SiteKind.WRAPPER_CALL and not call.args and s.callee in reaching:
                target = self.ev.scopes.get(s.callee or "")
                if target is not None and isinstance(call.func, cst.Attribute) and _is_self(fn, call.func.value):
                    more = self._sent_attrs(target.key, reaching, inside, fwd, memo, depth + 1)
                    if more is None:
                        memo[key] = None
                        return None
                    out |= more
                continue
            if (
                s.site == SiteKind.WRAPPER_CALL
                and isinstance(call.func, cst.Attribute)
                and _is_self(fn, call.func.value)
            ):
                continue  # ``self.run_step(self.idea)``: a step of its own class, which tells what it sends itself
            if s.site == SiteKind.WRAPPER_CALL and self._writes_own_prompt(s.callee or "", inside, fwd):
                continue  # ``self.helper.analyze(notes=self.notes)``: a task method writing its own prompt (from a
                # template file it loads) is handed data; what it sends is its own (an abstract one, its overrides')
            picked = self._prompt_args(s, fwd) if s.site == SiteKind.WRAPPER_CALL else None
            if picked is None:
                picked = [a for a in call.args if a.keyword is None or a.keyword.value not in _SETTING_KEYWORDS]
            for a in picked:
                out |= self._bare_self_reads(fn, a.value)
        memo[key] = out
        return out

    def _writes_own_prompt(self, key: str, inside: dict[str, list[Site]], fwd: dict[str, set[str]]) -> bool:
        """Whether the method ``key`` is a task method: it forwards none of its parameters as a prompt and a model
        call of its writes the prompt it sends (a template, a prompt file it loads); for a method without model calls
        of its own (an abstract one), every override holding model calls does."""
        if not key or fwd.get(key):
            return False
        found = False
        for k in [key, *self.ev.implementations(key)][:16]:
            scope = self.ev.scopes.get(k)
            sites = [s for s in inside.get(k, ()) if s.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)]
            if not sites or scope is None or _is_test_file(scope.module):  # (a test's stand-in does not count)
                continue
            if fwd.get(k) or not any(self._authors(s) or self._authors_sent(s) for s in sites):
                return False
            found = True
        return found

    def _bare_self_reads(self, fn: Scope, expr: cst.BaseExpression) -> set[str]:
        """Attributes of ``self`` that ``expr`` in the method ``fn`` reads as values of their own (``self.text``, not
        ``self.task.description``: an object the attribute holds is no text handed over), through the locals it is
        built from and the methods of ``self`` it calls (three hops down)."""
        cls = fn.enclosing_class()
        if cls is None or not fn.params:
            return set()
        local = _local_sources(fn, set(_param_names(fn)))
        out: set[str] = set()
        todo: list[tuple[Scope, cst.CSTNode, int]] = [(fn, expr, 0)]
        seen: set[int] = set()
        while todo and len(seen) < 4000:
            scope, node, depth = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if (
                isinstance(node, cst.Attribute)
                and isinstance(node.value, cst.Attribute)
                and _is_self(scope, node.value.value)
            ):
                continue  # ``self.task.description``, ``self.template.format(...)``
            if (
                isinstance(node, cst.Subscript)
                and isinstance(node.value, cst.Attribute)
                and _is_self(scope, node.value.value)
            ):
                continue  # ``self.texts["plan"]``: a table of texts the object picks from
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and _is_self(scope, node.func.value):
                member = self.ev.member(cls.key, node.func.attr.value, True)
                target = self.ev.scopes.get(member.key) if isinstance(member, Function) else None
                if target is not None and depth < 3 and target.kind == "function":
                    todo += [(target, r, depth + 1) for r in target.returns]
                    todo += [(target, b[1], depth + 1) for bs in target.bindings.values() for b in bs if b[0] == "expr"]
                todo += [(scope, a.value, depth) for a in node.args]
                continue
            if isinstance(node, cst.Call) and _READS_PATH.match((dotted(node.func) or "").rsplit(".", 1)[-1]):
                continue  # ``open(self.prompt_file)``: a path the object holds, the text is the file's
            if isinstance(node, cst.Attribute) and _is_self(scope, node.value):
                if not _PATH_NAMED.search(node.attr.value):  # ``self.prompt_file``: a path, whatever is sent with it
                    out.add(node.attr.value)
                continue
            if isinstance(node, cst.Name) and scope is fn and depth == 0:
                todo.extend((fn, e, 0) for e in local.get(node.value, ()))
                continue
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue
            todo.extend((scope, c, depth) for c in node.children)
        return out

    def _constructed_attrs(self, cls_key: str) -> set[str]:
        """Attributes of objects of the class (or of a class deriving from it) that a construction outside their
        class bodies and the tests fills from what it is handed: a field given by keyword (a dataclass's, a pydantic
        model's), or an attribute its ``__init__`` sets straight from a parameter (``self.content = content``)."""
        out: set[str] = set()
        for key in [cls_key, *self.ev.subclasses(cls_key)][:16]:
            cls = self.ev.scopes.get(key)
            if cls is None:
                continue
            init = self.ev.member(key, "__init__", True)
            init_scope = self.ev.scopes.get(init.key) if isinstance(init, Function) else None
            fields: set[str] = set()
            for k in [key, *self.ev.bases_of(key)]:
                base = self.ev.scopes.get(k)
                if base is not None:
                    fields |= {n for n, ann in base.annotations.items() if _may_hold_text(ann)}
            own_init = init_scope is not None and init_scope.enclosing_class() is not None
            texts = {p.name.value for p in init_scope.params if _may_hold_text(p.annotation)} if own_init else set()
            for info in self.ev.constructions.get(key, ())[:32]:
                scope = info.scope
                if _is_test_file(scope.module) or self._within(scope, key):
                    continue
                args = [a for a in info.node.args if not a.star]
                if own_init:
                    out |= _init_attrs(init_scope, {name for _, name in _bind(init_scope, args)} & texts)  # type: ignore[arg-type]
                else:
                    out |= {a.keyword.value for a in args if a.keyword is not None and a.keyword.value in fields}
        return out

    @staticmethod
    def _within(scope: Scope, cls_key: str) -> bool:
        """Whether ``scope`` lies in the body of the class ``cls_key``."""
        s: Scope | None = scope
        while s is not None:
            if s.key == cls_key:
                return True
            s = s.parent
        return False

    def _task_object(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether ``expr`` is (or lists) an object of a framework-task class: a construction, a name bound to one."""
        if depth > 2:
            return False
        if isinstance(expr, cst.List | cst.Tuple | cst.Set):
            return any(
                not isinstance(e, cst.StarredElement) and self._task_object(e.value, scope, depth + 1)
                for e in expr.elements
            )
        if isinstance(expr, cst.Call):
            callee = self.ev.value(expr.func, scope)
            return isinstance(callee, Class) and callee.key in self.task_classes
        if isinstance(expr, cst.Name):
            value = self.ev.value(expr, scope)
            return isinstance(value, Instance) and value.cls in self.task_classes
        return False

    def api_wrappers(self) -> set[str]:
        """The reaching functions that other code uses as its calling API (CALLSITES.md granularity).

        A function is a wrapper when it is called from elsewhere in the tree (directly, or through the base method it
        overrides) and it forwards its caller's prompt: a parameter reaches a request or a wrapper as it is
        (``messages=messages``, ``content: prompt``), not baked into a template it authors (an implementation that
        several callers reach through its base, or that functions elsewhere call, may fill its caller's data into a
        template of no text of its own).
        Folded into the request they hold (not wrappers): a one-statement private forwarder; a private hook reached
        only through its base method; a private transport one function calls; a method only one method of its own
        class calls; a method, private or public, that only its own class body calls, passing on what it was handed
        (``_internal_steps``: an internal step of the outward-facing methods, bench/corpus/README.md)."""
        reaching, _ = self.wrappers()
        self.reaching = reaching  # (read by ``_built_runner`` while the prompt parameters are found)
        self.task_classes = self.guard.call(
            "wrapper discovery: task classes", "<tree>", lambda: self._task_classes(reaching), {}
        )
        inside: dict[str, list[Site]] = {}
        for site in self.sites.values():
            fn = _owner(site.info.scope)
            if fn is not None:
                inside.setdefault(fn.key, []).append(site)
        g = self.guard
        fwd = g.call(
            "wrapper discovery: prompt parameters", "<tree>", lambda: self._prompt_params(reaching, inside), {}
        )
        # no prompt parameter: the callers fill the object's state
        fed = g.call("wrapper discovery: state-fed", "<tree>", lambda: self._state_fed(reaching, fwd, inside), set())
        fed |= g.call("wrapper discovery: task runners", "<tree>", lambda: self._task_runners(reaching), set())
        fed |= g.call(
            "wrapper discovery: construction-fed",
            "<tree>",
            lambda: self._construction_fed(reaching, fwd, inside),
            set(),
        )
        self.state_fed = fed
        callers: dict[str, int] = {}
        direct_fns: dict[str, set[str]] = {}
        prod_fns: dict[str, set[str]] = {}  # the same, tests left out
        prod_calls: dict[str, list[Site]] = {}  # the calls themselves, tests left out
        used: dict[str, int] = {}  # calls outside the tests, per callee (and below: through a base or a sibling)
        for site, callee in self._calls_of_reaching(reaching):
            with self.guard.unit("wrapper discovery: calls", site):
                if site.key in self.by_name and not fwd.get(callee):
                    continue  # ``obj.reply(memory)`` on an untyped object: the interface is no API unless it forwards
                if callee in self.relays and not self._model_endpoint(site):
                    continue  # ``requestor.request(url="/search")``: this caller does not reach a model through it
                fn = _owner(site.info.scope)
                if fn is not None and fn.key == callee:
                    continue  # recursion
                if fn is not None and _super_same_name(site.info.node, fn.name):
                    continue  # an override extending its base (``super()._run(...)`` in ``_run``): not other code's call
                if _is_test_file(site.info.scope.module) and _is_private(callee):
                    continue  # a test (or a test's mock subclass) poking at a private method: no use as a calling API
                if (
                    _is_private(callee)
                    and self._outside_class(fn, callee)
                    and not self._module_friend(fn, callee)
                    and not _framework_entry_call(site, callee)
                    and not (fn is not None and self._mixin_self_call(fn, site, callee))
                ):
                    continue  # a script or another class poking at a private method: the same (not a sibling mixin
                    # calling it on ``self``: the object it is mixed into offers it to that mixin's code)
                callers[callee] = callers.get(callee, 0) + 1
                who = fn.key if fn is not None else "module:" + site.info.scope.module.name
                direct_fns.setdefault(callee, set()).add(who)
                if not _is_test_file(site.info.scope.module):
                    used[callee] = used.get(callee, 0) + 1
                    prod_fns.setdefault(callee, set()).add(who)
                    prod_calls.setdefault(callee, []).append(site)
        dispatched: dict[str, int] = {}
        for key in list(callers):
            for impl in self.ev.implementations(key):
                dispatched[impl] = dispatched.get(impl, 0) + callers[key]
        for impl, n in dispatched.items():
            callers[impl] = callers.get(impl, 0) + n
        for key in list(used):
            for impl in self.ev.implementations(key):
                used[impl] = used.get(impl, 0) + 1
        self.forwarded = fwd  # read again when prompts are carried through wrapper hops
        self.reaching = reaching
        internal = g.call(
            "wrapper discovery: internal steps",
            "<tree>",
            lambda: self._internal_steps(reaching, prod_fns, prod_calls, dispatched, fed),
            set(),
        )
        # a ``def`` nested in an internal step and only called there (``dispatch(params)``, again on a retry) is part
        # of that step: folded with it
        for key in reaching:
            with g.unit("wrapper discovery: closures of internal steps", self.ev.scopes.get(key)):
                scope = self.ev.scopes.get(key)
                parent = scope.parent if scope is not None else None
                if (
                    parent is not None
                    and parent.key in internal
                    and direct_fns.get(key, set()) <= {parent.key}
                    and _local_only(scope)  # type: ignore[arg-type]
                ):
                    internal.add(key)
        factories: set[str] = set()
        messengers: set[str] = set()
        for key in reaching:
            with g.unit("wrapper discovery: agent factories", self.ev.scopes.get(key)):
                if self._agent_factory(key, reaching) and not self._runs_what_it_builds(key, inside.get(key, [])):
                    factories.add(key)
                elif self._peer_messenger(key, inside.get(key, [])):
                    factories.add(key)  # ``send(message, recipient: Agent) -> None``: delivers, answers nothing
                    messengers.add(key)
        for key in sorted(reaching - factories):  # ``initiate_chat(recipient: Agent, text)``: only hands on to them
            with g.unit("wrapper discovery: peer messengers", self.ev.scopes.get(key)):
                if self._peer_messenger(key, inside.get(key, []), messengers):
                    factories.add(key)
        unfed = g.call(
            "wrapper discovery: unfed prompts",
            "<tree>",
            lambda: self._optional_prompt_never_given(reaching, fwd, dispatched, inside),
            set(),
        )
        twins = g.call("wrapper discovery: dispatch twins", "<tree>", lambda: self._dispatch_twins(reaching), {})
        wrappers: set[str] = set()
        bases = {key: self.ev.overridden(key) for key in reaching}
        folded: set[str] = set()  # helpers folded into the wrapper-call they hold, forwarding their caller's prompt
        steps: set[str] = set()  # private steps folded into the API that calls them (last round)
        held: set[str] = set()  # public helpers of a class holding its request, folded: their calls are the request
        passing: set[str] = set()  # wrappers that forward their caller's prompt (last round)
        filling: set[str] = set()  # wrappers filling their caller's data into a template, no prompt forwarded
        tasked: set[str] = set()  # private helpers whose callers write the prompt they send (last round)
        banned: set[str] = set()  # general interfaces (``Tool.forward``), found once the rounds settle: left out
        states: set[tuple[frozenset[str], ...]] = set()  # the rounds' results: a repeat is a cycle, not progress
        rounds = 0
        while True:  # forwarding to a wrapper depends on which callees are wrappers; runs to a fixed point
            rounds += 1
            if rounds > 64:
                self.unconverged.append("wrappers")
                break
            new = set()
            new_folded: set[str] = set()
            new_steps: set[str] = set()
            new_held: set[str] = set()
            new_passing: set[str] = set()
            new_filling: set[str] = set()
            new_tasked: set[str] = set()
            self.loop_entries = set()
            self.agent_apis = set()
            for key in reaching:
                with self.guard.unit("wrapper rules", self.ev.scopes.get(key)):
                    if key in banned:
                        continue
                    n = callers.get(key, 0)
                    scope = self.ev.scopes.get(key)
                    if scope is None or scope.kind != "function":
                        continue
                    if key in factories:
                        continue  # ``dispatch(task) -> BaseAgent``: hands out an agent (built with a prompt it had the
                        # model write: that call is the site), it answers nothing itself
                    if _BOOKKEEPING.match(scope.name):
                        continue  # ``memory.add_message(m)`` summarising as it stores: its model call is the site, and
                        # the callers keep the object's state through it rather than ask the model anything
                    if _session_opener(scope):
                        continue  # ``async with agent.session() as s``: it opens a live session (sending the object's
                        # own state on connect); what the caller asks goes through the session's sends, not this call
                    if self._route_handler(scope):
                        continue  # ``def answer(question: str = Body(...))``: a web route's handler; code calling it
                        # directly hands it a request's fields to serve (its task), not a prompt to reach the model with
                    if self._cli_command(scope):
                        continue  # ``@app.command() def main(task: str)``: a command line's entry point, which the CLI
                        # framework calls with the options it parsed; no code of the tree uses it as its calling API
                    if n == 0 and inside.get(key) and self._framework_lm_entry(scope):
                        new.add(key)  # ``class MyLM(dspy.LM): def __call__(self, prompt)``: the framework calls it
                        self.why[key] = "entry method a framework's LM base class calls"
                        continue
                    if inside.get(key) and self._framework_api_override(scope):
                        new.add(
                            key
                        )  # ``class Tidy(OpenAI): def _stream_chat(...)``: the framework's API runs it, whatever
                        self.why[key] = (
                            "override of the model API of the framework class it derives from"  # else calls it
                        )
                        continue
                    if inside.get(key) and fwd.get(key) and self._framework_hook_override(scope):
                        new.add(key)  # ``class MyChain(Chain): def _acall(self, inputs)``: the base's ``acall`` /
                        # ``arun`` run it with their caller's inputs, which it hands to the model
                        self.why[key] = "hook a framework base's entry points run, forwarding its caller's prompt"
                        continue
                    if n == 0 and inside.get(key) and self._callable_model(scope, fwd):
                        # ``settings.configure(lm=ChatLM(...))``: the object is handed on and called there
                        new.add(key)
                        self.why[key] = "callable model object, forwards its caller's prompt"
                        continue
                    if n == 0 and inside.get(key) and fwd.get(key) and self._patched_in(scope, wrappers):
                        # ``obj.ainvoke = counted`` in the function defining ``counted(messages)``: callers reach it as
                        new.add(key)  # that method
                        self.why[key] = "installed on an object in place of a wrapper method, forwarding its prompt"
                        continue
                    if n == 0 and inside.get(key) and self._registered_value(scope, fwd):
                        new.add(key)  # ``self.commands = {"Ask the model": self.ask_command}``: the agent's tool
                        new_passing.add(key)  # runner calls it by the name it is registered under
                        self.why[key] = (
                            "bound method registered as a value (tool / command table), forwarding its prompt"
                        )
                        continue
                    if (
                        _is_private(key)
                        and inside.get(key)
                        and self._registered_value(scope, fwd, private=True)
                        and all(self._method_of(w, scope.enclosing_class()) for w in direct_fns.get(key, ()))  # type: ignore[arg-type]
                    ):
                        new.add(key)  # ``Tool(name="search", function=self._search)``: the tool runner calls it by the
                        new_passing.add(key)  # tool's name; its own class may call it too (``self._search(q)``)
                        self.why[key] = "private bound method registered in a tool object, forwarding its prompt"
                        continue
                    if not used.get(key) and self._library_entry(scope, fwd, inside, reaching, wrappers):
                        new.add(key)
                        new_passing.add(key)
                        self.why[key] = (
                            "public method of a library class no code of the tree calls, forwarding its prompt"
                        )
                        continue
                    if n == 0 and fwd.get(key) and self._extended_by_used_override(key, reaching, inside, used):
                        new.add(key)  # ``Adapter.acall`` that only ``super().acall(...)`` in the overrides the code
                        new_passing.add(key)  # calls reaches: each call of an override runs it
                        self.why[key] = "base method the overrides other code calls extend through super(), forwarding"
                        continue
                    if n == 0 and self._async_twin(scope, wrappers, inside, fwd):
                        new.add(key)  # ``step`` nothing calls beside the ``astep`` every runner awaits: the same API
                        self.why[key] = "sync/async twin of a wrapper of its class, nothing calls it"
                        continue
                    if (
                        not scope.name.startswith("_")
                        and (used.get(key) or dispatched.get(key) or bases.get(key))
                        and not _is_test_file(scope.module)
                        and self._agent_api(scope, inside.get(key, []), reaching, wrappers | folded | held | steps)
                    ):
                        # ``agent.improve(files, prompt)`` handing the caller's prompt to a task function (which writes
                        # its system text around it) with the agent's own model: the agent's calling API, as a wrapper
                        # forwarding to a wrapper is
                        new.add(key)
                        new_passing.add(key)
                        self.why[key] = "agent method handing its caller's prompt to a model task"
                        self.agent_apis.add(key)
                        continue
                    if n == 0:
                        # the kinds of the interface, the tests' doubles left out (a mock agent's canned reply is no kind)
                        every = [i for i in self.ev.overrides(key) if not self._in_test(i)]
                        impls = [i for i in every if i in reaching]
                        if (
                            impls
                            and not _minority(len(impls), len(every))  # a generic step most of whose kinds reach none
                            and not inside.get(key)
                            and not scope.name.startswith("_")
                            and all(i in wrappers for i in impls)
                        ):  # ``@abstractmethod def step(...)``: the interface its wrappers implement, whoever calls it
                            new.add(key)
                            self.why[key] = "interface method its wrappers implement"
                        continue
                    if scope.name.startswith("__") and scope.name != "__call__":  # __init__ & co. are not an API
                        continue
                    if (
                        not used.get(key)
                        and not bases.get(key)
                        and scope.enclosing_class() is not None
                        and not self._extended_by_used_override(key, reaching, inside, used)
                    ):
                        continue  # a method of its class's own that only the tests call (``llm.completion`` beside the
                        # ``acompletion`` its base declares), nor any other method of that name: no API the code uses
                        # (one that an override the code calls runs through ``super()`` is used by that call)
                    own = inside.get(key, [])
                    private = scope.name.startswith("_") and not scope.name.startswith("__")
                    # a function defined inside another and only called there (``@retry def call_with_backoff(**kw)`` in
                    # ``generate``) is as private as a leading underscore: no other code can name it (one returned or
                    # stored escapes; a lambda bound to a local is left to the rules for locals)
                    mine = direct_fns.get(key, set())
                    if private and self._imported_elsewhere(scope, mine):
                        private = (
                            False  # ``from .api import _call_api`` in another module calling it: no longer private
                        )
                    private = private or _local_only(scope) or self._template_hook(scope, prod_fns, inside)
                    if key in self.transports and not self._own_prompt_request(own):
                        continue  # an HTTP helper whose callers pass the model endpoint: folded into their calls
                    if self._reenters(key, mine, inside):
                        continue  # ``chat`` -> its display loop -> ``chat(...)`` again: a layer of that API, no API itself
                    if not private and own and not fwd.get(key) and any(t in wrappers for t in twins.get(key, ())):
                        # ``agent.run(task)`` on an object built by one of several factories: whichever class it is, that
                        # call is the caller's calling API, so each same-named method reaching the model is a wrapper
                        new.add(key)
                        self.why[key] = (
                            "twin of a wrapper one call reaches in turn (the object's class picked at run time)"
                        )
                        continue
                    reach = [s for s in own if s.site != SiteKind.WRAPPER_CALL or s.callee in wrappers]
                    if reach and all(self._fills_chain_slots(s) for s in reach):
                        continue  # ``self.llm_chain.predict(**inputs)``: fills the template of a chain it holds, a
                        # task of its own whatever its override family's siblings do (``_fills_chain_slots``)
                    if (
                        not private
                        and own
                        and dispatched.get(key)
                        # it holds the model call itself (not through a helper of its own writing a task prompt in turn)
                        and any(
                            s.site != SiteKind.WRAPPER_CALL or s.callee is None or s.callee in wrappers for s in own
                        )
                        and self._sibling_of_wrapper(key, bases, inside, wrappers)
                    ):
                        # ``Agent.step`` declared without a body, ``controller: self.agent.step(state)``: the agent whose
                        # step sends its own system text with what it sees is as much the caller's calling API as its
                        # siblings
                        new.add(key)
                        self.why[key] = (
                            "implements a declared method other code calls through its base, as wrapper siblings do"
                        )
                        continue
                    users = prod_fns.get(key, set())
                    if (
                        scope.enclosing_class() is None
                        and users
                        and fwd.get(key)
                        and not dispatched.get(key)
                        and all(w in wrappers or w in folded for w in users)
                        and (
                            (
                                all(self._same_owner(w, scope) for w in users)
                                and all(self._hands_whole_request(c, folded) for c in prod_calls.get(key, ()))
                            )  # or a stage module of its own that one calling API hands the request it built
                            or (len(users) == 1 and all(self._hands_built_request(c) for c in prod_calls.get(key, ())))
                        )
                        and not self._own_prompt_request(own)
                    ):  # a module function only its own module's calling APIs call, handing it the whole request they
                        # built (``cached_send(json.dumps(dict(model=self.model, messages=messages)))``): their transport,
                        new_folded.add(key)  # folded into the request it holds
                        continue
                    raw = any(  # a request or a framework call it holds itself, or a call of an HTTP helper (or of a
                        # requestor handing the endpoint on to one: ``self.client.arequest(url="/chat", params=...)``)
                        s.site != SiteKind.WRAPPER_CALL
                        or s.callee is None
                        or s.callee in self.transports
                        or s.callee in self.relays
                        or s.callee in held
                        for s in own
                    )
                    if key in unfed:
                        continue  # ``summarize(summary_prompt=None)`` that no caller gives a prompt: it authors its own
                    if self._handed_closure(scope, prod_fns.get(key, set()), prod_calls.get(key, [])):
                        new_steps.add(key)  # ``run_batched(items, do_task=_do_task)`` under ``run_batch``: the closure
                        continue  # is a step of the function defining it and handing it on, which is the calling API
                    if (
                        private
                        and not mine
                        and own
                        and any(
                            b in wrappers
                            and _is_private(b)
                            and self._holds_model_call(key, inside, wrappers | folded | held, b, reaching)
                            for b in bases.get(key, ())
                        )
                    ):  # ``OpenAIProvider._execute_task`` overriding the base's bodiless ``_execute_task``, which other
                        # code calls as its calling API (a router provider handing a task to another provider's hook)
                        new.add(key)
                        self.why[key] = "implements a private hook that is a calling API"
                        continue
                    if private and not mine:
                        continue  # a private hook reached only through its base method: the base's API calls it
                    if private and raw and len(mine) < 2:
                        continue  # a private transport holding the request that one function calls: folded into it
                    if own and all(self._calls_own_param(key, s) for s in own):
                        continue  # ``_call_client(call, *a)``: its callers' lines, which pass the SDK method, are requests
                    if private and self._step_of_hook(scope, mine, direct_fns):
                        continue  # ``_run`` (reached through its base's ``run``) -> ``_request_parse``: the hook's own step
                    if private and self._task_helper(scope, mine, prod_calls.get(key, []), own, tasked):
                        new_tasked.add(key)
                        continue  # ``_write(prompt)`` under ``run`` filling PROMPT: a step of the task, not an API
                    if private and self._private_step(scope, mine, fwd, wrappers | steps, passing):
                        new_steps.add(key)
                        continue  # the private body of the one forwarding API that calls it (``step`` -> ``_step_impl``)
                    if self._closure_step(scope, mine, fwd, wrappers | steps, passing):
                        new_steps.add(key)
                        continue  # ``_send_with_retry`` defined and run inside the provider's forwarding ``complete``
                    if raw and mine and (private or not dispatched.get(key)):
                        cls = scope.enclosing_class()
                        users = prod_fns.get(key) or mine  # tests poking at the helper do not make it an API
                        if cls is not None and all(self._method_of(w, cls) for w in users):
                            if not private and self._declared_interface(bases.get(key, ()), inside):
                                # ``generate`` looping over ``self.stream_generate(...)``, which the family's base declares
                                new.add(key)
                                self.why[key] = "implements a method its base declares, holding the request"
                                continue
                            if not private and self._extended_by_override(key, reaching, inside):
                                # ``Handler.get_completion`` holding the request, ``ChatHandler.get_completion`` adding
                                # the chat history around ``super().get_completion(...)``: the family's calling API,
                                # whichever class the caller's ``self`` is
                                new.add(key)
                                self.why[key] = (
                                    "base of an override family holding the request, its overrides extend it"
                                )
                                continue
                            if not private and fwd.get(key) and self._twin_wrapper(scope, cls, wrappers):
                                # ``stream_chat`` holding the request beside the ``astream_chat`` wrapper of its class:
                                # the class offers the call once per calling mode, so both halves are its calling API
                                new.add(key)
                                new_passing.add(key)
                                self.why[key] = "sync/async twin of a wrapper of its class, holding the request"
                                continue
                            if not private:  # ``acreate`` -> ``self.arequest(...)``: its callers hold the request
                                new_held.add(key)
                            continue  # a helper only its own class calls (once or more), holding the request: folded
                    inner = [
                        s
                        for s in own
                        if s.site == SiteKind.WRAPPER_CALL and (s.callee in wrappers or s.callee in folded)
                    ]
                    prod = prod_fns.get(key, set())
                    if (
                        not raw
                        and inner
                        and len(prod) == 1
                        and not private  # a private forwarder (a retry loop around the wrapper) is its class's API
                        and not dispatched.get(key)
                        # a public method handing on its caller's prompt, which only a private method of its own class
                        # calls (``_output_with_retry`` -> ``get_output(messages)``): the public one is the calling API
                        and not (fwd.get(key) and _private_name(self.ev.scopes.get(next(iter(prod)))))
                        and not _one_statement(scope)
                        # the one caller is an alias other code calls it through (``__call__`` returning ``self.run(...)``)
                        and self._past_aliases(key, prod, direct_fns) == prod
                        # a hook with a default body that subclasses override as wrappers (``forward`` under ``__call__``):
                        # the family's interface, not a helper of the one method calling it
                        and not any(i in wrappers for i in self.ev.implementations(key))
                        and (  # a helper one method of its own class calls, holding a wrapper-call: that call is the site
                            self._method_of(next(iter(prod)), scope.enclosing_class())  # type: ignore[arg-type]
                            if scope.enclosing_class() is not None
                            # one function of its own module (a script's ``run_task(prompt)`` under ``main``) calls,
                            # holding one model step: no API either (two steps there are an orchestrator of tasks)
                            else len(inner) == 1
                            and self._same_owner(next(iter(prod)), scope)
                            # ``gpt(prompt, model)`` -> ``chatgpt([{"role": "user", "content": prompt}], model=model)``: the
                            # caller only turns its prompt into the message list this one takes, so this is the
                            # messages-level calling API under that convenience, not a step of it
                            and not all(_message_list_adapter(c) for c in prod_calls.get(key, ()))
                        )
                    ):
                        # only what the wrapper takes as its prompt counts as handed over: ``step(conv_id, model)``
                        # loading the conversation itself and passing ``(msgs, model)`` on forwards no prompt (the
                        # model name is a setting), so it is no folded helper its callers' calls go through
                        if bool(fwd.get(key)) or any(
                            _forwards(scope, s, args=self._prompt_args(s, fwd), flow=self.flow)
                            for s in inner
                            if not self._authors_sent(s)
                        ):
                            new_folded.add(key)  # its caller forwards through it what it hands over
                        continue
                    if (
                        not private
                        and own
                        and scope.enclosing_class() is not None
                        and not self._in_test(key)
                        and self._overrides_mostly_wrappers(key, wrappers)
                    ):  # ``Step.run`` holding the step's model call, whose subclasses' ``run`` overrides are wrappers (other
                        # code calls them): the family's calling API, so the base is one too, and its class's ``execute``
                        # looping over ``self.run(item)`` reaches the model through it
                        new.add(key)
                        self.why[key] = "base of an override family whose overrides are wrappers"
                        continue
                    if not own:  # abstract / interface method: reached through its implementations
                        cls = scope.enclosing_class()
                        if (
                            private
                            and (n > 1 or (n == 1 and not self._task_interface(key, inside, reaching, fwd)))
                            and cls is not None
                            and all(self._method_of(w, cls) for w in mine)
                        ):  # a private hook its own class's methods call (``_step``): folded into them; called from one
                            # method, only when its implementations send what they are handed (``gen(query)`` ->
                            # ``self._gen_inner(query)``), not a prompt each writes around it (a task the method asks for)
                            new_folded.add(key)
                            continue
                        if (
                            cls is not None
                            and mine
                            and _bare_method(scope)
                            and all(self._method_of(w, cls) for w in mine)
                        ):
                            continue  # ``self.on_reply_done()`` from its own class's send step: a hook taking no input
                            # from its caller, so no prompt passes through it; its overrides stand on their own
                        if self._slot_filling_family(key, wrappers):
                            continue  # ``plan(steps, **inputs)`` whose implementations fill their chains' templates
                        if not private and n and self._overrides_mostly_wrappers(key, wrappers):
                            new.add(
                                key
                            )  # ``Agent.step`` the controller calls, most agents' ``step`` wrappers: whatever
                            # text each writes, the call on the base is the caller's calling API
                            self.why[key] = (
                                "interface method without a body, called, its implementations mostly wrappers"
                            )
                            continue
                        if self._task_interface(
                            key, inside, reaching, fwd, named=False
                        ) or self._request_task_interface(key, reaching, inside, fwd, wrappers):
                            continue  # ``generate_tests(source, ...)`` / ``Reranker.rank(query, passages)`` whose
                            # implementations each send a prompt they write around the data: a task the caller asks for.
                            # A parameter named like the request (``execute(instruction)``) that only fills a slot of
                            # each implementation's own template is data too: the interface is the caller's calling API
                            # only when an implementation forwards what it is handed (or is a wrapper by the rules)
                        if not private or n > 1:
                            new.add(key)
                            self.why[key] = "interface method without a body, called"
                        continue
                    if (
                        not private
                        and any(
                            b in wrappers and self._holds_model_call(key, inside, wrappers | folded | held, b, reaching)
                            for b in bases.get(key, ())
                        )
                        and not (
                            not self._sends_conversation(key, scope, inside, reaching)
                            and self._task_body(key, inside, reaching, fwd, {key}, 0, named=False)
                        )
                        # nor one whose model calls hand a message list its class's builder writes around the
                        # conversation it is handed (``summary_request(messages=m)``): that conversation is the data
                        # of its own task (``_builder_writes_around``), whatever its base's other overrides forward
                        and not any(self._sends_built_around(s) for s in own)
                    ):  # an implementation of a wrapper interface (``OpenAIProvider.call_model``) calling a model itself;
                        # not one that only fills prompts it writes with what it is given (a metric's ``score(question,
                        # answer)`` under a base whose generic implementation sends its caller's template): a task
                        new.add(key)
                        self.why[key] = "implements a wrapper interface"
                        continue
                    if not private and self._loop_entry(
                        key, inside, prod_fns, wrappers | folded | held, reaching, passing, folded=folded
                    ):
                        new.add(key)
                        self.why[key] = "entry of its class's model steps, called from elsewhere"
                        self.loop_entries.add(key)
                        continue
                    direct = [
                        s
                        for s in own
                        if s.site != SiteKind.WRAPPER_CALL
                        or s.callee is None
                        or s.callee in wrappers
                        or s.callee in folded
                        or s.callee in steps
                    ]
                    # a closure it runs or hands over (a thread target, at any depth through the other closures
                    # of this function) sends this function's parameters as free variables: its calls count here
                    direct_in = direct + [
                        inner
                        for s in own
                        if s.site == SiteKind.WRAPPER_CALL
                        and (closure := self.ev.scopes.get(s.callee or "")) is not None
                        and _nested_in(closure, scope)
                        for inner in self._closure_sites(scope, closure, inside, set())
                        if inner.site != SiteKind.WRAPPER_CALL
                        or inner.callee is None
                        or inner.callee in wrappers
                        or inner.callee in folded
                        or inner.callee in steps
                    ]
                    forwards = (
                        bool(fwd.get(key))
                        or key in fed
                        or any(  # or into a wrapper
                            _forwards(
                                scope,
                                s,
                                builders=not self._writes_prompt(s),
                                args=self._task_request_args(s)
                                if s.site == SiteKind.REQUEST
                                else self._prompt_args(s, fwd),
                                flow=self.flow,
                                # an item of a list its caller handed it, sent on to a wrapper one at a time
                                items=s.site == SiteKind.WRAPPER_CALL,
                                only=self._prompt_not_data(scope, s),
                            )
                            for s in direct_in
                            if not self._authors_sent(s)
                            and not self._request_appends_own_turn(s)
                            and not self._fills_own_template(s)
                            and not self._fills_chain_slots(s)
                            and not s.declared
                            # what an agent is handed fills the prompt it writes itself: no prompt forwarded through it
                            and not (s.callee in wrappers and self._agent_run(s))
                            # what a template-filling wrapper is handed fills its slots: no prompt forwarded through it
                            and not (s.site == SiteKind.WRAPPER_CALL and s.callee in filling)
                        )
                    )
                    direct += [s for s in own if s.site == SiteKind.WRAPPER_CALL and fwd.get(s.callee or "")]
                    if private and forwards and self._subclass_uses(scope, mine):
                        new.add(key)  # ``partial(self._call_acompletion, ...)`` in a subclass's body too: code outside
                        new_passing.add(key)  # its own class body builds on it (bench/corpus/README.md), the helper
                        self.why[key] = "private helper a subclass's code calls too, forwarding its caller's prompt"
                        continue
                    if private and forwards and _signature_shim(scope, own):
                        self.shims[key] = own[0]  # ``_create(*args, **kwargs)`` standing in for the SDK method: its
                        new_held.add(key)  # calls are requests of that SDK method, as calls of the method itself are
                        continue
                    if private:
                        if forwards and not _one_statement_forwarder(scope, own):
                            new.add(key)
                            new_passing.add(key)
                            self.why[key] = "private, forwards its caller's prompt"
                    elif (
                        forwards
                        or (  # an implementation reached through its base or from other code, filling a template
                            (n > 1 or len(self._past_aliases(key, mine, direct_fns)) > 1)
                            and (
                                dispatched.get(key)
                                or len(
                                    {
                                        w
                                        for w in self._past_aliases(key, mine, direct_fns)
                                        if not self._same_owner(w, scope)
                                    }
                                )
                                > 1
                            )
                            and not all(self._inherited_call(scope, s) for s in direct)
                            and any(
                                _forwards(scope, s, templated=True)
                                for s in direct
                                if not (
                                    s.callee in wrappers and self._agent_run(s)
                                )  # an agent's slots: no template of its own
                            )
                            and not any(
                                self._authors(s)
                                # a request whose own messages hold the task text it writes (``messages=[{"role": "system",
                                # "content": TASK}, {"role": "user", "content": f"...{data}"}]``)
                                or (s.site == SiteKind.REQUEST and self._writes_prompt(s))
                                # or a message list of its own it hands a wrapper (``messages = [("system",
                                # self.review_prompt), ("human", f"...{data}")]``): ``_authors_sent``, unless a
                                # message of that list is a parameter as it is (``{"role": "user", "content": text}``,
                                # ``Message(role="system", content=instruction)``): the caller's text, forwarded
                                or self._authors_wrapper_call(s)
                                or (self._authors_sent(s) and not self._sends_param_message(s))
                                or self._fills_own_template(s)
                                # ``summarize(text=t, prompt_templates=(conf.prompts.summary, conf.prompts.system))``:
                                # templates it takes from its own settings object, its task's text
                                or self._hands_own_templates(s)
                                # ``self.gen.run(messages=self._prompt(messages=picked))``: a message list the class's
                                # builder writes around what it is handed (``_builder_writes_around``)
                                or self._sends_built_around(s)
                                # ``manager("summarize", text=t)``: it names the task of a template-filling wrapper itself
                                or (s.callee in filling and _names_task(s.info.node))
                                for s in direct
                                # what a closure handed to a runner gets is the runner's (the text beside it, a status line,
                                # is no prompt); the closure's own calls tell what it sends
                                if not (s.handed and s.callee in steps)
                            )
                        )
                    ):
                        new.add(key)
                        if forwards:
                            new_passing.add(key)
                        else:
                            new_filling.add(key)
                        self.why[key] = (
                            "forwards its caller's prompt" if forwards else "fills a template, called from elsewhere"
                        )
            # a method the rules above make a wrapper that only its own class calls, passing on what it was handed:
            # a step of the class's outward-facing methods, which are the wrappers (CALLSITES.md granularity)
            new_folded |= new & internal
            new -= internal
            after = (new, new_folded, new_steps, new_held, new_passing, new_tasked)
            settled = after == (wrappers, folded, steps, held, passing, tasked)
            state = tuple(frozenset(x) for x in after)
            cycled = not settled and state in states  # the rules feed back on each other in a loop: keep this round
            states.add(state)
            wrappers, folded, steps, held, passing, tasked = after
            filling = new_filling
            if settled or cycled:
                more = self._general_interfaces(new, reaching, inside, new | new_folded | new_held) - banned
                if not more:
                    if cycled:
                        self.unconverged.append("wrappers (cycle)")
                    break
                banned |= more  # the rounds start again without them (and what was a wrapper only through them)
                wrappers, folded, steps, held, passing, tasked = set(), set(), set(), set(), set(), set()
                filling = set()
                states = set()
                rounds = 0
        for key in self._callable_properties(reaching):
            wrappers.add(key)
            self.why[key] = "property handing out a callable that sends the model request"
        return wrappers

    def _callable_properties(self, reaching: set[str]) -> set[str]:
        """Public ``@property`` methods handing out a callable that sends a model request, not a client object:
        ``def completion(self): return self._completion`` where ``__init__`` bound ``self._completion =
        partial(litellm.completion, model=...)`` (or a retrying closure around it, or a method reaching the model).
        Code calls ``llm.completion(messages=...)`` as its calling API, so the property is a wrapper at its def line;
        those calls stay what they resolve to. Tests left out."""
        out: set[str] = set()
        # a copy: reading a property's return can load a module on demand, whose scopes join the table
        for key, scope in list(self.ev.scopes.items()):
            if scope.kind != "function" or scope.enclosing_class() is None or scope.name.startswith("_"):
                continue
            if not self.ev.is_property(key) or self._in_test(key):
                continue
            value = self.ev.returns_of(key)
            for _ in range(4):  # ``partial(partial(fn, a), b)``
                if not isinstance(value, Partial):
                    break
                value = value.inner
            model_fn = isinstance(value, Function) and value.key in reaching
            if model_fn or (isinstance(value, Ref) and self._sdk_request_function(value.qname)):
                out.add(key)
        return out

    def _sdk_request_function(self, qname: str) -> bool:
        """Whether ``qname`` names a request function of an SDK module (``litellm.completion``)."""
        client = self.ev.module_client(qname)
        return client is not None and ".".join(client.path) in clients.REQUEST_PATHS.get(client.kind, {})

    def _dispatch_twins(self, reaching: set[str]) -> dict[str, set[str]]:
        """Public same-named methods of unrelated classes that one call outside those classes reaches in turn
        (``swarm.run(task)`` where ``swarm`` comes from a table of factories, or a local bound to one of several
        classes' instances), tests left out: each method with the others it stands in for."""
        twins: dict[str, set[str]] = {}
        for site in self.sites.values():
            if site.site != SiteKind.WRAPPER_CALL or site.key in self.flag_dead or site.callee is None:
                continue
            if _is_test_file(site.info.scope.module):
                continue
            keys = [k for k in dict.fromkeys((site.callee, *self.alternatives.get(site.key, ()), *site.alternatives))]
            keys = [k for k in keys if k in reaching]
            if len(keys) < 2 or len(keys) > 12:
                continue
            fn = _owner(site.info.scope)
            methods = [self.ev.scopes.get(k) for k in keys]
            if any(m is None or m.enclosing_class() is None or m.name.startswith("_") for m in methods):
                continue
            if len({m.name for m in methods if m is not None}) != 1:
                continue
            if fn is not None and any(self._family_method(fn.key, m.enclosing_class()) for m in methods if m):
                continue  # ``self.run(...)`` inside the family: a step of one object, not a choice among classes
            for k in keys:
                twins.setdefault(k, set()).update(x for x in keys if x != k)
        return twins

    def _internal_steps(
        self,
        reaching: set[str],
        prod_fns: dict[str, set[str]],
        prod_calls: dict[str, list[Site]],
        dispatched: dict[str, int],
        fed: set[str],
    ) -> set[str]:
        """Methods, private or public, that only their own class body calls (tests left out), each call passing on
        what the calling method was handed rather than a prompt written at the call: internal steps of the class's
        outward-facing methods, not a calling API of their own (``step`` -> ``self._get_response(msgs)``). Not
        decided here (left to the other rules): a method of an override family (a base declares it or a subclass
        redefines it: reached through dispatch), one no code calls, one a subclass or other code calls or names
        (``tools=[self.ask]`` hands it on; a thread target is a call), dunders, one its callers feed through the
        object's state (``fed``: no prompt parameter, the callers write the turn first), and one that a call in its
        own class body hands a prompt written right there (``[{"role": "user", "content": FORMAT.format(...)}]``):
        that call is a prompt site, and the method the class's calling API for it."""
        candidates: dict[str, tuple[Scope, Scope]] = {}
        for key in reaching:
            scope = self.ev.scopes.get(key)
            if scope is None or scope.kind != "function" or scope.name.startswith("__"):
                continue
            cls = scope.enclosing_class()
            users = prod_fns.get(key)
            if cls is None or scope.parent is not cls or not users:
                continue
            if key in fed and not all(self._feeds_what_it_holds(c, scope) for c in prod_calls.get(key, [])):
                continue  # a caller writes a turn of its own into the state (``"Try again: " + hint``): an API
            family = dispatched.get(key) or self.ev.overridden(key) or self.ev.implementations(key)
            if family and not self._closed_override(key, cls, prod_fns):
                continue
            if self._framework_api_override(scope) or (
                self.forwarded.get(key) and self._framework_hook_override(scope)
            ):
                continue  # it overrides a framework model's API method (or a hook the framework base's entry points
                # run): the framework's callers reach it too
            if not all(self._method_of(w, cls) for w in users):
                continue
            calls = prod_calls.get(key, [])
            if any(
                not _hands_on_call(c.info.node) or self._authors_sent(c, held=False) or self._writes_prompt(c)
                for c in calls
            ):
                continue  # a call writing what it sends (a string, a message list, a template filled at the call)
            candidates[key] = (scope, cls)
        if not candidates:
            return set()
        texts = {name: f.source for name, f in self.files.items() if f.source is not None}
        inits = {name for name, f in self.files.items() if f.relpath.endswith("__init__.py")}
        hits = _references(texts, {scope.name for scope, _ in candidates.values()}, inits, words_of=self._word_sets)
        out: set[str] = set()
        strings: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {}  # module -> its string literals' spans
        names = {scope.name for scope, _ in candidates.values()}
        others: dict[tuple[str, str, int], set[str | None]] = {}  # (name, module, line) -> what calls of it there reach
        for site in (*self.sites.values(), *self.dead_sites):
            if site.site != SiteKind.WRAPPER_CALL or not isinstance(site.info.node.func, cst.Attribute):
                continue
            attr = site.info.node.func.attr.value
            pos = site.info.scope.module.pos(site.info.node) if attr in names else None
            if pos is not None:
                at = (attr, site.info.scope.module.name, pos.start.line)
                others.setdefault(at, set()).add(None if site.key in self.by_name else site.callee)
        for key, (scope, cls) in candidates.items():
            pos = cls.module.pos(cls.node)
            if pos is None:
                continue
            call_lines: set[int] = set()  # the lines of its own class's calls (``Thread(target=self.step, ...)``)
            # a private step's call of itself in its own body (a retry re-sending) is recursion; a public method
            # re-calling itself (after switching to a fallback model) stays an entry other code may use
            body = scope.module.pos(scope.node) if scope.name.startswith("_") else None
            if body is not None:
                call_lines |= set(range(body.start.line, body.end.line + 1))
            for c in prod_calls.get(key, []):
                at = cls.module.pos(c.info.node) if c.info.scope.module is cls.module else None
                call_lines |= set(range(at.start.line, at.end.line + 1)) if at is not None else {c.loc.line}
            named_elsewhere = False
            for mod_name, line in hits.get(scope.name, ()):
                f = self.files.get(mod_name)
                if f is None or _is_test_module(f.relpath):
                    continue
                if mod_name == cls.module.name and pos.start.line <= line <= pos.end.line and line in call_lines:
                    continue  # one of its own class's calls
                typed = others.get((scope.name, mod_name, line), {None})
                if None not in typed and not any(t == key or key in self.ev.implementations(t) for t in typed if t):
                    continue  # ``proxy.call_openai(...)`` typed to another class's method of the same name (a call
                    # typed to the base of this method's override family, ``tasks.draft(t)`` on a ``TaskSet``, is its)
                text = (f.source or "").splitlines()[line - 1] if f.source else ""
                if _only_in_comment(text, scope.name) or not re.search(r"\.\s*" + re.escape(scope.name) + r"\b", text):
                    continue  # a comment, or a word in prose: code reaches a method as ``obj.name`` / ``Cls.name``
                if mod_name not in strings:
                    strings[mod_name] = _string_spans(f.source or "")
                if _only_in_strings(text, line, scope.name, strings[mod_name]):
                    continue  # ``>>> agent.step(task)`` in a docstring, a usage line in a log message: no code
                outside = mod_name != cls.module.name or not pos.start.line <= line <= pos.end.line
                if outside and _own_self_call((f.source or "").splitlines(), line, scope.name):
                    continue  # ``self._run(...)`` in another class that defines a ``_run`` of its own
                named_elsewhere = True  # another class or module names it, or its class hands it on as a value
                break
            if not named_elsewhere:
                out.add(key)
        return out

    def _closed_override(self, key: str, cls: Scope, prod_fns: dict[str, set[str]]) -> bool:
        """Whether the private method ``key`` of an override family (``_step`` defined again in a subclass) is used
        only inside each class's own body: every production caller of a base method it overrides is a method of that
        base that ``cls`` defines again, and every caller of ``key`` is a method each overriding subclass defines
        again; so no class's copy is reached from another class's code, each steps through its own (``AgentV3.step``
        -> ``self._step``). Not so for a hook the base's API calls down into (``Base.run`` -> ``self._run``, ``run``
        not redefined where ``_run`` is): the base's method is the caller there, and the rule does not decide it."""
        if not _is_private(key):
            return False
        fn = self.ev.scopes.get(key)
        pairs = [(base, cls) for base in self.ev.overridden(key)]
        for impl in self.ev.implementations(key):
            sub = self.ev.scopes.get(impl)
            sub_cls = sub.enclosing_class() if sub is not None and sub.kind == "function" else None
            if sub_cls is None or fn is None or sub_cls.key not in self.ev.subclasses(cls.key):
                return False  # a sibling picked at run time, not an override of this method
            pairs.append((key, sub_cls))
        for upper, lower in pairs:
            own = {s.name for s in lower.module.scopes if s.kind == "function" and s.parent is lower}
            lineage = set(self.ev.lineage(lower.key))
            for who in prod_fns.get(upper, ()):
                caller = self.ev.scopes.get(who)
                owner = caller.parent if caller is not None and caller.kind == "function" else None
                if owner is None or owner.key not in lineage or caller.name not in own:
                    return False
        return True

    def _peer_messenger(self, key: str, own: list[Site], messengers: set[str] | None = None) -> bool:
        """Whether the method ``key`` passes messages between peers of its own class family: it is declared to give
        its caller nothing back (``-> None``, on itself or on the base method it implements) and takes another member
        of its class's family as a parameter (``send(self, message, recipient: Agent) -> None``, ``receive(self,
        message, sender: Agent) -> None`` in ``class ConversableAgent(Agent)``). What the model answers on the way is
        delivered to that peer (``await self.send(reply, sender)``), never returned, so no code calls it to reach the
        model (CALLSITES.md: a wrapper is a calling API); the model calls inside it stay sites of their own.
        ``messengers`` given: a method declaring no return type, returning no value and implementing no base, whose
        model-reaching calls (``own``) are all calls of those messengers (``initiate_chat(self, recipient: Agent,
        text)`` only sending), is one too."""
        scope = self.ev.scopes.get(key)
        cls = scope.enclosing_class() if scope is not None and scope.kind == "function" else None
        if scope is None or cls is None or scope.yields:
            return False
        declared = [scope] + [d for d in (self.ev.scopes.get(b) for b in self.ev.overridden(key)[:4]) if d is not None]
        undeclared = getattr(scope.node, "returns", None) is None and not any(
            getattr(d.node, "returns", None) is not None for d in declared
        )
        if not any(
            (r := getattr(d.node, "returns", None)) is not None
            and isinstance(r.annotation, cst.Name)
            and r.annotation.value == "None"
            for d in declared
        ) and not (
            messengers
            and undeclared
            and not scope.returns
            and len(declared) == 1
            and own
            and all(s.site == SiteKind.WRAPPER_CALL and s.callee in messengers for s in own)
        ):
            return False
        family = set(self.ev.lineage(cls.key, 20))
        for p in scope.params:
            if p.annotation is None or p.star or p.name.value in ("self", "cls"):
                continue
            for member in _union_members(p.annotation.annotation):
                try:
                    peer = self.ev.value(member, scope.parent or scope)
                except RecursionError:
                    continue
                if isinstance(peer, Class) and peer.key in family:
                    return True
        return False

    def _agent_factory(self, key: str, reaching: set[str]) -> bool:
        """Whether the function ``key`` is declared to return an agent: its return annotation (or one member of a
        ``Union`` / ``X | Y`` there) names a class of the tree whose family (the class, its bases or its subclasses)
        has methods reaching a model (``def dispatch(self, task) -> BaseAgent``). Its callers get an object to run,
        not the model's answer, so it is no calling API (CALLSITES.md: a wrapper is what other code calls to reach the
        model); a model call it makes on the way (having the model write the new agent's prompt) is a site with a
        prompt of its own."""
        scope = self.ev.scopes.get(key)
        returns = getattr(scope.node, "returns", None) if scope is not None and scope.kind == "function" else None
        if returns is None or scope.parent is None:
            return False
        family: set[str] = set()
        for member in _union_members(returns.annotation):  # ``-> Union[Router, Agent, list[Agent]]``: any agent
            try:
                cls = self.ev.value(member, scope.parent)
            except RecursionError:
                continue
            if isinstance(cls, Class) and cls.key in self.ev.scopes:
                family |= {cls.key, *self.ev.lineage(cls.key), *self.ev.subclasses(cls.key)}
        if not family:
            return False
        for other in reaching:
            home = self.ev.scopes.get(other)
            owner = home.enclosing_class() if home is not None else None
            if owner is not None and owner.key in family and other != key:
                return True
        return False

    def _slot_filling_family(self, key: str, wrappers: set[str]) -> bool:
        """Whether every override of the method ``key`` (outside tests and docs) that reaches the model does so only
        by filling the template of a chain it holds (``_fills_chain_slots``), and one does: an interface such as an
        agent's ``plan(steps, **inputs)`` whose implementations each run their own prompt chain is a task the caller
        asks for, not its calling API."""
        found = False
        for i in self.ev.overrides(key):
            if self._illustrative(i):
                continue
            reach = [s for s in self._sites_in(i) if s.site != SiteKind.WRAPPER_CALL or s.callee in wrappers]
            if not reach:
                continue
            if not all(self._fills_chain_slots(s) for s in reach):
                return False
            found = True
        return found

    def _overrides_mostly_wrappers(self, key: str, wrappers: set[str]) -> bool:
        """Whether at least half the overrides of the method ``key`` outside tests and docs are wrappers (a step
        family whose ``run`` overrides forward their callers' prompts): one wrapper among many task-method overrides
        (``Action.run`` overridden by actions writing their own prompts) does not make the base a calling API."""
        overrides = [i for i in self.ev.overrides(key) if not self._illustrative(i)]
        wrapped = sum(i in wrappers for i in overrides)
        return wrapped > 0 and not _minority(wrapped, len(overrides))

    def _runs_what_it_builds(self, key: str, own: list[Site]) -> bool:
        """Whether the function ``key``, declared to return an agent (``_agent_factory``), runs the agent it returns
        on what its caller hands it (``agent = Agent(...)`` ... ``agent.run(task=task)`` ... ``return agent``): its
        callers reach the model through it with their task, so it is a calling API as well as the agent's maker. A
        factory having the model write the new agent's prompt (a call of its own text) runs nothing it returns."""
        fn = self.ev.scopes.get(key)
        if fn is None or fn.kind != "function":
            return False
        returned = {r.value for r in fn.returns if isinstance(r, cst.Name)}
        for s in own:
            func = s.info.node.func
            if s.site != SiteKind.WRAPPER_CALL or not isinstance(func, cst.Attribute):
                continue
            if not isinstance(func.value, cst.Name) or func.value.value not in returned:
                continue
            # what the agent is built from (``Worker(spec)`` ... ``worker.work(spec)``) is its setup, not a task
            made = {p for b in fn.bindings.get(func.value.value, ()) if b[0] == "expr" for p in _params_in(fn, b[1])}
            handed = set()
            for a in s.info.node.args:
                if not a.star:
                    handed |= _params_in(fn, a.value, builders=False, loops=True)
            if handed - made:
                return True
        return False

    def _feeds_what_it_holds(self, site: Site, target: Scope) -> bool:
        """Whether the call ``site`` of a method fed through the object's state (``_state_fed``) is preceded only by
        writes handing on what its function holds (``self.turns.append({"role": "user", "content": question})``,
        ``self.history.append(Message(content=text))``): no text of the caller's own is put into the state, so the
        call passes on what its function was handed, one hop of a chain."""
        fn = _owner(site.info.scope)
        receiver = _receiver_of(site.info.node, target.name)
        if fn is None or not isinstance(receiver, cst.Name):
            return False
        written: list[cst.CSTNode] = []
        self._written_state(fn, receiver.value, target.key, _line(fn, site.info.node), written)
        return all(_hands_on_entry(v) for v in written)

    def _extended_by_used_override(
        self, key: str, reaching: set[str], inside: dict[str, list[Site]], used: dict[str, int]
    ) -> bool:
        """Whether an override of ``key`` that code outside the tests calls reaches the model through
        ``super().<name>(...)`` of it (``ChatAdapter.__call__`` extending ``Adapter.__call__`` with a fallback): each
        call of the override runs the base method, its calling API as much as the override's."""
        fn = self.ev.scopes.get(key)
        if fn is None:
            return False
        return any(
            used.get(impl) and site.callee == key and _super_same_name(site.info.node, fn.name)
            for impl in self.ev.overrides(key)
            if impl in reaching
            for site in inside.get(impl, ())
        )

    def _extended_by_override(self, key: str, reaching: set[str], inside: dict[str, list[Site]]) -> bool:
        """Whether a subclass overrides the method ``key`` and its override reaches the model by calling this one
        through ``super()`` (``yield from super().get_completion(**kwargs)`` after adding its own state): the base
        method is the family's model step, which a ``self.<name>(...)`` call in the base reaches in either class."""
        fn = self.ev.scopes.get(key)
        if fn is None:
            return False
        for impl in self.ev.overrides(key):
            if impl not in reaching:
                continue
            for site in inside.get(impl, ()):
                if site.callee == key and _super_same_name(site.info.node, fn.name):
                    return True
        return False

    def _task_interface(
        self,
        key: str,
        inside: dict[str, list[Site]],
        reaching: set[str],
        fwd: dict[str, set[str]],
        named: bool = True,
    ) -> bool:
        """Whether a body-less interface method is a task rather than a calling API: every implementation reaching a
        model sends only prompts it writes itself (a template, a settings table it names) with the data it is given
        in their slots; none takes the request itself (``task``, ``prompt``, ``messages``, ``query``) nor hands a
        parameter on as a message of its own (``Turn(role="user", content=signature)`` beside a written system
        prompt: the caller's problem is the request). ``named`` False: a request-named parameter that only fills a
        slot of the implementation's own template (``execute(instruction)``) is data as any other."""
        impls = self._reaching_impls(key, inside, reaching)
        if not impls:
            return False
        seen = {key, *self.ev.overridden(key)}
        return all(self._task_body(impl, inside, reaching, fwd, seen, 0, named) for impl in impls[:16])

    def _task_body(
        self,
        key: str,
        inside: dict[str, list[Site]],
        reaching: set[str],
        fwd: dict[str, set[str]],
        seen: set[str],
        depth: int,
        named: bool = True,
    ) -> bool:
        """Whether the function ``key`` sends only prompts it writes itself around the data it is given
        (``_task_interface``'s test of one implementation; ``named``: a parameter named like the request, ``query``,
        ``user_input``, rules it out even when it only fills the prompt the function writes). A call of another such function (a private step writing
        the prompt, ``self._feedback(run)``; a sibling implementation a composite one runs, ``self.checker.evaluate
        (task, result)``; the interface itself) is part of the task, its arguments data; so is a call handing on only
        an answer the function got from the model before (``doc_agent.query(query=review.error)``)."""
        scope = self.ev.scopes.get(key)
        own = [s for s in inside.get(key, []) if s.site != SiteKind.WRAPPER_CALL or s.callee in reaching]
        if scope is None or not own or fwd.get(key):
            return False
        if (
            named
            and any(
                _REQUEST_PARAM.fullmatch(n) and not (depth and self._object_param(scope, n))
                for n in _param_names(scope)
            )
            and not self._answer_kept(scope, reaching, seen | {key})
        ):
            # (a step handed a ``task: Task`` object of the tree's own is handed data, not a request; a
            # ``search(query)`` whose model step only rewrites the query for its own lookup returns the lookup)
            return False
        for s in own:
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None:
                if s.callee in seen:
                    continue  # the interface (or an implementation being read) run again: a composite's part
                if depth < 2 and self._task_body(s.callee, inside, reaching, fwd, seen | {key}, depth + 1, named):
                    continue  # a step or a sibling task writing its own prompt: what it is handed is data
                if depth < 2 and self._task_hook(s.callee, inside, reaching, fwd, seen | {key}, depth + 1, named):
                    continue  # ``self.get_condensation(view)``: a hook declared without a body, each kind a task
                if self._hands_own_answers(s, scope):
                    continue
            if any(
                not self._object_param(scope, p)
                for a in s.info.node.args
                if not a.star
                for p in _params_in(scope, a.value, builders=False)
            ):
                return False  # a parameter handed to the model's call as it is, beside the written text (an object of
                # the tree's own classes, ``trace: Trace`` handed to a retrieval step, is data, not a prompt)
            step = self.ev.scopes.get(s.callee) if s.site == SiteKind.WRAPPER_CALL and s.callee is not None else None
            if step is not None and self._answer_kept(step, reaching, seen | {key}):
                continue  # ``self._get_data()`` handed nothing, returning its lookup: other work than the model's
            authored = self._authors_sent(s) if s.site == SiteKind.WRAPPER_CALL else self._writes_prompt(s)
            if not authored:
                return False
        return True

    def _task_hook(
        self,
        key: str,
        inside: dict[str, list[Site]],
        reaching: set[str],
        fwd: dict[str, set[str]],
        seen: set[str],
        depth: int,
        named: bool,
    ) -> bool:
        """Whether ``key`` is a method declared without a body (``@abstractmethod def get_condensation(self, view)``)
        whose implementations that reach a model are each a task body (``_task_body``): a call of it hands data to
        whichever task the object is, as a call of one such implementation would."""
        scope = self.ev.scopes.get(key)
        if scope is None or inside.get(key) or not _abstract_body(scope):
            return False
        impls = [i for i in self._reaching_impls(key, inside, reaching) if i not in seen]
        if not impls:
            return False
        return all(self._task_body(i, inside, reaching, fwd, seen | {key}, depth, named) for i in impls[:16])

    def _reaching_impls(self, key: str, inside: dict[str, list[Site]], reaching: set[str]) -> list[str]:
        """The implementations of the method ``key`` that reach a model, the tests' doubles left out; an intermediate
        base declaring the method again without a body is no implementation of its own."""
        impls = [i for i in self.ev.implementations(key) if i in reaching and i != key and not self._in_test(i)]
        return [i for i in impls if i in self.ev.scopes and (inside.get(i) or not _abstract_body(self.ev.scopes[i]))]

    def _subclass_uses(self, scope: Scope, users: set[str]) -> bool:
        """Whether a method is called (or handed on as a value and called) from the body of a strict subclass of its
        class, closures of that subclass's methods included: code outside its own class body uses it."""
        cls = scope.enclosing_class()
        if cls is None or not users:
            return False
        subs = set(self.ev.subclasses(cls.key))
        if not subs:
            return False
        for who in users:
            user = self.ev.scopes.get(who)
            depth = 0
            while user is not None and user.kind != "class" and depth < 8:
                user = user.parent
                depth += 1
            if user is not None and user.key in subs and not self._in_test(who):
                return True
        return False

    def _sends_conversation(self, key: str, fn: Scope, inside: dict[str, list[Site]], reaching: set[str]) -> bool:
        """Whether the function ``key`` is handed a conversation (a ``messages`` / ``prompt`` parameter) or reads one
        its object keeps (``self.messages``, ``self.history``, itself or through the model-reaching steps it calls):
        an implementation of a provider interface sending that, with whatever text it adds, serves its caller's
        exchange with the model, not a task of its own."""
        if any(_CONVERSATION.fullmatch(n) for n in _param_names(fn)):
            return True
        return any(_KEPT_CONVERSATION.fullmatch(a) for a in self._attrs_read(key, reaching, inside, {}))

    def _route_handler(self, fn: Scope) -> bool:
        """Whether ``fn`` declares its parameters as the fields of a web request (a default that is a call of the web
        framework's field markers, ``query: str = Body(...)``, ``top_k: int = Query(5)``): the handler of a route,
        which serves a request the framework parses for it."""
        for param in fn.params:
            default = param.default
            if not isinstance(default, cst.Call):
                continue
            try:
                made = self.ev.value(default.func, fn.parent or fn)
            except RecursionError:
                continue
            if isinstance(made, Ref) and _ROUTE_FIELD.fullmatch(made.qname):
                return True
        return False

    def _cli_command(self, fn: Scope) -> bool:
        """Whether ``fn`` is decorated as the command of a command-line framework: ``@click.command()`` /
        ``@click.group()``, or ``@app.command()`` / ``@cli.command()`` on an object made by ``typer.Typer(...)`` or
        ``click.Group(...)``. Its parameters are the options the framework parses from the command line."""
        for dec in getattr(fn.node, "decorators", ()) or ():
            expr = dec.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            try:
                made = self.ev.value(func, fn.parent or fn)
                if isinstance(made, Ref) and _CLI_DECORATOR.fullmatch(made.qname):
                    return True
                if not (isinstance(func, cst.Attribute) and func.attr.value in ("command", "callback")):
                    continue
                if not isinstance(func.value, cst.Name):
                    continue
                for value, where in self._definitions(func.value.value, fn.parent or fn):
                    if isinstance(value, cst.Call):
                        maker = self.ev.value(value.func, where)
                        if isinstance(maker, Ref) and _CLI_APP.fullmatch(maker.qname):
                            return True
            except RecursionError:
                continue
        return False

    def _answer_kept(self, fn: Scope, reaching: set[str], seen: set[str], depth: int = 0) -> bool:
        """Whether ``fn`` returns a value, yields none, and none of what it returns holds a model step's answer: no
        request, no call of a function returning one (``return self._step()`` -> ``return self.llm.chat(...)``; the
        interface being read, ``seen``, aside), no local bound to one, no read of the object's own state (where a
        step may have left its answer). Its model steps serve other work (``search(query)`` keeping the rewritten
        query as its state for the lookup it returns), so what its caller hands it is data for that work, not a
        request to the model."""
        if not fn.returns or fn.yields or depth > 3:
            return False
        me = fn.params[0].name.value if fn.enclosing_class() is not None and fn.params else None

        def answers(expr: cst.CSTNode, hops: int, whole: bool) -> bool:
            read = expr if whole else None  # the value returned as it is, not one read to compute it
            while isinstance(read, cst.Attribute | cst.Subscript):
                if isinstance(read, cst.Attribute) and isinstance(read.value, cst.Name) and read.value.value == me:
                    return True  # ``return self.answer`` / ``self.history[-1]``: state a step may have written
                read = read.value
            for node in _subnodes(expr):
                if isinstance(node, cst.Call):
                    site = self.sites.get(id(node))
                    if site is None or (site.site == SiteKind.WRAPPER_CALL and site.callee not in reaching):
                        continue
                    if site.site != SiteKind.WRAPPER_CALL or site.callee is None:
                        return True
                    callee = self.ev.scopes.get(site.callee)
                    if site.callee not in seen and not (
                        callee is not None and self._answer_kept(callee, reaching, seen, depth + 1)
                    ):
                        return True
                elif isinstance(node, cst.Name) and hops < 4 and node.value != me:
                    # a few locals deep: ``reply`` -> ``message = reply.choices[0].message`` -> ``spot, moves =
                    # self._read(message)`` -> ``return spot, moves`` still hands the answer back
                    for b in fn.bindings.get(node.value, ()):
                        value = b[1] if len(b) > 1 else None
                        if isinstance(value, cst.CSTNode) and answers(value, hops + 1, whole and node is expr):
                            return True
            return False

        return not any(answers(r, 0, True) for r in fn.returns)

    def _object_param(self, fn: Scope, name: str) -> bool:
        """Whether the parameter ``name`` of ``fn`` is annotated with a class the tree defines (``task: Task``,
        ``Optional[Task]``): an object of the project's own, not a text."""
        param = next((p for p in fn.params if p.name.value == name), None)
        ann = param.annotation.annotation if param is not None and param.annotation is not None else None
        while isinstance(ann, cst.Subscript):  # ``Optional[Task]``
            elements = getattr(ann, "slice", ())
            inner = elements[0].slice if len(elements) == 1 else None
            ann = inner.value if isinstance(inner, cst.Index) else None
        if not isinstance(ann, cst.Name | cst.Attribute):
            return False
        try:
            return isinstance(self.ev.value(ann, fn.parent or fn), Class)
        except RecursionError:
            return False

    def _hands_own_answers(self, site: Site, fn: Scope) -> bool:
        """Whether every argument of ``site`` reads only locals of ``fn`` bound to what a model call of ``fn`` answered
        (``review = check(...)``, then ``agent.query(query=review.error)``): no text of ``fn``'s callers."""
        args = [a for a in site.info.node.args if not a.star]
        if not args or any(a.star for a in site.info.node.args):
            return False
        for a in args:
            root: cst.CSTNode = a.value
            while isinstance(root, cst.Attribute | cst.Subscript):
                root = root.value
            if not isinstance(root, cst.Name) or root.value in _param_names(fn):
                return False
            bindings = fn.bindings.get(root.value, ())
            if not bindings:
                return False
            for b in bindings:
                value = b[1] if len(b) > 1 else None
                value = value.expression if isinstance(value, cst.Await) else value
                answer = self.sites.get(id(value)) if isinstance(value, cst.Call) else None
                if b[0] != "expr" or answer is None or answer.site == SiteKind.FRAMEWORK_TASK:
                    return False
                if answer.site == SiteKind.WRAPPER_CALL and answer.callee not in self.reaching:
                    return False
        return True

    def _agent_api(self, scope: Scope, own: list[Site], reaching: set[str], layered: set[str]) -> bool:
        """A public method of an agent class (the class or one of its bases named ``...Agent...``) handing a
        parameter named as the caller's request (``prompt``, ``messages``, ``task``, ``query``, ...) as it is to a
        function reaching the model that is no wrapper (a task function writing its own system text around it:
        ``gen_code(self.ai, prompt, ...)``): other code hands the agent its prompt to reach the model, so the method is
        the agent's calling API (CALLSITES.md ``ChatAgent.step``), whatever prompt the task it runs writes around it.
        """
        cls = scope.enclosing_class()
        if cls is None or not self._agent_class(cls.key, 0):
            return False
        prompts = {p for p in _param_names(scope) if _REQUEST_PARAM.search(p)}
        if not prompts:
            return False
        for s in own:
            if s.site != SiteKind.WRAPPER_CALL or s.callee is None or s.callee == scope.key:
                continue
            if s.callee not in reaching or s.callee in layered:
                continue  # a wrapper it calls is left to the forwarding rules
            callee = self.ev.scopes.get(s.callee)
            if callee is None or callee.enclosing_class() is not None:
                continue  # another object's method (an evaluator agent's ``evaluate(request=...)``): its own task
            node = s.info.node
            if isinstance(node, cst.Call) and any(
                not a.star and isinstance(a.value, cst.Name) and a.value.value in prompts for a in node.args
            ):
                return True
        return False

    def _agent_class(self, cls_key: str, depth: int) -> bool:
        """Whether a class is named as an agent (``SimpleAgent``, ``AgentRunner``), or one of its bases (of the tree,
        or as written) is (``BaseAgent``): not a processor or flow merely named after the agent it drives
        (``AppAgentProcessor``)."""
        cls = self.ev.scopes.get(cls_key)
        if cls is None or depth > 6:
            return False
        if _AGENT_NAMED.search(cls.name):
            return True
        if any(_AGENT_NAMED.search((dotted(b) or "").rsplit(".", 1)[-1]) for b in cls.bases):
            return True
        return any(self._agent_class(b, depth + 1) for b in self.ev.bases_of(cls_key))

    def _sibling_of_wrapper(
        self, key: str, bases: dict[str, set[str]], inside: dict[str, list[Site]], wrappers: set[str]
    ) -> bool:
        """Whether a method implements one its base declares without a body, and another implementation of that
        declared method is a wrapper: a call on the base reaches whichever class the object is, so each
        implementation is that call's calling API, whatever prompt text it writes itself."""
        for base in bases.get(key, ()):
            if not self._declared_interface((base,), inside):
                continue
            if any(impl != key and impl in wrappers for impl in self.ev.implementations(base)):
                return True
            if self._service_interface(base, wrappers):
                return True
        return False

    def _service_interface(self, base: str, wrappers: set[str]) -> bool:
        """Whether the bodiless method ``base`` is declared in an interface class (a ``Protocol`` / ABC of methods
        without bodies: ``AgentService.analyze_task(...)``, ``chat(...)``) at least two of whose other public
        declared methods, and half of them, are wrappers: the class is the callers' calling API for the model
        service, so a call of any of its methods reaches the model through whichever implementation is handed in
        (an override family keeps its interface's label, bench/corpus/README.md), whatever prompt that
        implementation writes."""
        fn = self.ev.scopes.get(base)
        cls = fn.enclosing_class() if fn is not None else None
        if fn is None or cls is None or fn.name.startswith("_"):
            return False
        declared = cls.derived.get("_declared_methods")
        if declared is None:
            declared = []
            for stmt in getattr(getattr(cls.node, "body", None), "body", ()):
                if isinstance(stmt, cst.FunctionDef) and not stmt.name.value.startswith("_"):
                    method = self.ev.scopes.get(f"{cls.key}.{stmt.name.value}")
                    if method is not None and _abstract_body(method):
                        declared.append(method.key)
            cls.derived["_declared_methods"] = declared
        others = [k for k in declared if k != base]
        wrapped = sum(k in wrappers for k in others)
        return wrapped >= 2 and 2 * wrapped >= len(others)

    def _declared_interface(self, overridden: Iterable[str], inside: dict[str, list[Site]]) -> bool:
        """Whether a method implements one its class's base declares without a body (``def stream_generate(self,
        inputs): raise NotImplementedError``): the model family's calling API, even where only the class's own
        methods call it (``generate`` looping over ``self.stream_generate(...)``)."""
        for base in overridden:
            fn = self.ev.scopes.get(base)
            if fn is not None and fn.kind == "function" and not inside.get(base) and _abstract_body(fn):
                return True
        return False

    def _loop_entry(
        self,
        key: str,
        inside: dict[str, list[Site]],
        prod_fns: dict[str, set[str]],
        apis: set[str],
        reaching: set[str],
        passing: set[str],
        depth: int = 0,
        folded: frozenset[str] | set[str] = frozenset(),
    ) -> bool:
        """``Agent.run(task)`` -> ``self.step()`` -> ... -> ``self.model.query(history)``: a public method that other
        code (functions outside its class) calls, whose own model-reaching calls are all calls of its own class's
        methods that are no calling API themselves (the steps building the prompt from the object's state), until
        they reach a request or a wrapper forwarding its caller's prompt as it is (a model interface), every call on
        the way handing on only its own parameters or the object's state (``self.forward(self.messages)``): the
        class's calling API. Not when a step on the way builds what it sends (a task prompt of its own: its call is
        the site), nor when what those steps reach is another such entry (``runner.main()`` -> ``self._run_one()``
        -> ``agent.run(...)``: an orchestrator)."""
        scope = self.ev.scopes.get(key)
        cls = scope.enclosing_class() if scope is not None else None
        users = prod_fns.get(key, set())
        if scope is None or cls is None or not users or scope.name.startswith("_"):
            return False
        if all(self._method_of(w, cls) for w in users):
            return False  # only its own class calls it: a step, not the API
        stateful = not _param_names(scope)

        def forwarding(callee: str) -> bool:  # a wrapper sending its caller's prompt as it is, or its interface
            if callee in passing or self.forwarded.get(callee):
                return True
            impls = self.ev.implementations(callee)
            return not inside.get(callee) and any(i in passing or self.forwarded.get(i) for i in impls)

        frontier: list[Site] = []
        todo, seen = [key], {key}
        while todo and len(seen) < 40:
            cur = todo.pop()
            fn = self.ev.scopes.get(cur)
            if fn is None:
                return False
            for s in inside.get(cur, ()):
                if s.site == SiteKind.WRAPPER_CALL and s.callee is not None and s.callee not in reaching:
                    continue  # a step that reaches no model (bookkeeping)
                if (
                    cur != key
                    and s.site == SiteKind.WRAPPER_CALL
                    and s.callee is not None
                    and s.callee not in apis
                    and not forwarding(s.callee)
                    and (callee_scope := self.ev.scopes.get(s.callee)) is not None
                ):
                    if self._family_method(s.callee, cls) and _BOOKKEEPING.match(callee_scope.name):
                        continue  # ``self.store_in_memory({...})`` on the way: the object keeps its state (a model
                        # call that store makes, compacting memory, is a site of its own), nothing is asked of the model
                    if not self._family_method(s.callee, cls) and not _nested_in(callee_scope, fn):
                        frontier.append(s)  # another class's task run on the way (``consolidator.process(episode,
                        continue  # persona=self.bio())``): a side task (below), whatever it is handed
                if not _hands_on_state(fn, s):
                    return False  # a step building what it sends (a task prompt of its own): that call is the site
                if s.site != SiteKind.WRAPPER_CALL and self._fills_own_template(s):
                    return False  # a chain over a template of the class's own, filled with data: a task, not an API
                closure = s.callee is not None and (inner := self.ev.scopes.get(s.callee)) is not None
                closure = closure and _nested_in(inner, fn)  # a step defined inside the step (run as a task there)
                if (
                    s.site == SiteKind.WRAPPER_CALL
                    and s.callee is not None
                    # (an internal step of this class folded into its callers is a step on the way too, for an
                    # entry taking no parameter: all it sends is the object's state)
                    and (s.callee not in apis or (s.callee in folded and stateful and self._method_of(s.callee, cls)))
                    and s.callee not in self.transports
                    and s.callee not in self.relays
                    and (closure or self._family_method(s.callee, cls))
                    and (closure or cur != key or _is_self(fn, _receiver(s)))
                ):
                    # ``self.step()`` on an abstract hook of the class: the subclasses' implementations run it
                    # (``run`` -> ``step`` -> ``think``, each declared above and written below): steps as well
                    nxt = [s.callee, *(i for i in self.ev.implementations(s.callee) if i in reaching)]
                    for callee in nxt:
                        if callee not in seen and (closure or self._family_method(callee, cls)):
                            seen.add(callee)
                            todo.append(callee)
                    continue
                if cur == key:
                    return False  # a call of its own that is an API already: the existing rules decide
                frontier.append(s)
        if not frontier or depth > 2:
            return False

        # a side task the object runs on the way (``self.memory.compact(llm=self.llm)``: another class's function that
        # is no calling API, authoring what it sends, so its own model call is the site) does not make the entry less
        # of one, as long as its main step hands the object's state to a wrapper forwarding it
        side = [
            s
            for s in frontier
            if s.site == SiteKind.WRAPPER_CALL
            and s.callee is not None
            and s.callee not in apis
            and not forwarding(s.callee)
            and not self._method_of(s.callee, cls)
        ]
        main = [s for s in frontier if s not in side]
        return bool(main) and all(
            s.site != SiteKind.WRAPPER_CALL
            or s.callee is None
            or (
                forwarding(s.callee)
                and not self._loop_entry(s.callee, inside, prod_fns, apis, reaching, passing, depth + 1)
            )
            for s in main
        )

    def _general_interfaces(
        self, wrappers: set[str], reaching: set[str], inside: dict[str, list[Site]], apis: set[str]
    ) -> set[str]:
        """Wrappers that are methods without a body of their own (an interface called through its base) whose
        implementations are mostly no model calls: not an API for reaching a model (``_model_interface``)."""
        return {
            key for key in wrappers if not inside.get(key) and not self._model_interface(key, reaching, inside, apis)
        }

    def _registered_value(self, scope: Scope, fwd: dict[str, set[str]], private: bool = False) -> bool:
        """Whether a public method no code calls is handed out as a bound method by its own class body
        (``self.commands = {"Generate text": self.generate_command}``, ``tools=[self.ask]``, ``register(self.ask)``)
        and forwards a prompt parameter (``prompt``, ``query``) as it is: the caller is whatever runs the registered
        callables (a tool or command runner), so the method is a calling API used elsewhere (bench/corpus/README.md,
        "registered as a tool")."""
        cls = scope.enclosing_class()
        if cls is None or scope.parent is not cls or scope.name.startswith("_") != private:
            return False
        if self.ev.overridden(scope.key) or not {p for p in fwd.get(scope.key, set()) if _PROMPT_PARAM.search(p)}:
            return False
        handed = cls.derived.get("_handed_self_methods")
        if handed is None:  # the class body walked once (it is asked for each of its methods, in every round)
            handed = cls.derived["_handed_self_methods"] = _handed_self_methods(cls)
        return scope.name in handed[1 if private else 0]

    def _library_entry(
        self, scope: Scope, fwd: dict[str, set[str]], inside: dict[str, list[Site]], reaching: set[str], apis: set[str]
    ) -> bool:
        """A public method of a public class in a library module (one other modules import, the tests included)
        that no production code of the tree calls (the library's API, called by its users), taking a prompt
        parameter (``prompt``, ``messages``) that it hands on as it is, and either a convenience over its class's own
        calling API: every model-reaching call it makes is ``self.<wrapper>(...)`` handed that parameter
        (``quick_chat(prompt)`` -> ``self.chat(messages=[...prompt...])``), or the only method reaching a model of a
        class deriving from nothing (``Completions.create(messages)`` of an OpenAI-style facade; a subclass's lone
        model method may be a hook its base or a framework calls). A public method holding a request of its own
        beside its class's calling API (a sync twin nothing calls) is left out, and so is an override (its base
        decides), a method with no model call of its own and one of a script no other module imports."""
        cls = scope.enclosing_class()
        own = inside.get(scope.key, [])
        if (
            cls is None
            or not own
            or (scope.name.startswith("_") and scope.name != "__call__")  # a callable object is called as itself
            or cls.name.startswith("_")
            or self.ev.overridden(scope.key)
            or _is_test_file(scope.module)
        ):
            return False
        if self._importers is None:
            texts = {n: f.source for n, f in self.files.items() if f.source is not None}
            self._importers = _imported_modules(texts, self._import_spans)
        name = scope.module.name
        if not self._importers.get(name.rsplit(".", 1)[-1], set()) - {name}:
            return False
        prompts = {p for p in _param_names(scope) if _PROMPT_PARAM.search(p)}
        if not prompts:
            return False
        stores = [  # ``self.add_user_message(text)`` before ``self.call()``: the turn kept in the object, not sent
            s
            for s in own
            if s.site == SiteKind.WRAPPER_CALL
            and s.callee not in apis
            and self._method_of(s.callee or "", cls)
            and _is_self(scope, _receiver(s))
            and (helper := self.ev.scopes.get(s.callee or "")) is not None
            and _self_fed(helper)
        ]
        if len(stores) < len(own) and all(
            s.site == SiteKind.WRAPPER_CALL
            and s.callee in apis
            and (self._method_of(s.callee, cls) or self._mixin_peer_method(s.callee, cls))
            and _is_self(scope, _receiver(s))
            for s in own
            if s not in stores
        ):
            handed = {a.value.value for s in own for a in s.info.node.args if isinstance(a.value, cst.Name)}
            # ``[self.run(task) for task in tasks]``: a batch convenience hands on each item of its prompt list
            handed |= _walked_by(scope, handed)
            return bool(prompts & (fwd.get(scope.key, set()) | handed))
        if prompts & fwd.get(scope.key, set()) and all(
            s.site == SiteKind.WRAPPER_CALL and s.callee in apis and self._held_object_api(cls, s) for s in own
        ):
            # ``def chat(self, prompt): return self._agent.chat(prompt)``: a façade the library offers over the agent
            # (or model) object it holds, the caller's prompt handed on as it is
            return True
        if any((dotted(b) or "") != "object" for b in cls.bases):
            return False
        siblings = [k for k in reaching if k != scope.key and self._method_of(k, cls)]
        if not prompts & fwd.get(scope.key, set()):
            return False
        # beside the class's other calling APIs (``ask``, ``ask_tool`` of a client class), one more that no code calls
        # yet (``ask_with_images(messages, images)``), holding its own request: part of the same API; a sync/async twin
        # of one of them is ``_async_twin``'s, and a class with a public model-reaching helper that is no API is left
        public = [k for k in siblings if not _is_private(k)]
        twins = set(_twin_names(scope.name))
        return not public or (
            # (one the tests call is a test hook beside the API, not an API of its own)
            not any(s.callee == scope.key for s in self.sites.values())
            and all(k in apis for k in public)
            and not any(self.ev.scopes[k].name in twins for k in public if k in self.ev.scopes)
            and any(s.site != SiteKind.WRAPPER_CALL for s in own)
        )

    def _held_object_api(self, cls: Scope, site: Site) -> bool:
        """Whether ``site`` calls, on an object its class holds (``self.<attr>.<method>(...)``), a method of a class
        outside ``cls``'s own lineage."""
        func = site.info.node.func
        if not (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Attribute)
            and isinstance(func.value.value, cst.Name)
            and func.value.value.value == "self"
        ):
            return False
        callee = self.ev.scopes.get(site.callee or "")
        owner = callee.enclosing_class() if callee is not None else None
        return owner is not None and owner.key not in self.ev.lineage(cls.key, 10)

    def _async_twin(
        self, scope: Scope, wrappers: set[str], inside: dict[str, list[Site]], fwd: dict[str, set[str]]
    ) -> bool:
        """Whether the public method ``scope`` (no code calls it) is one of a pair offering a calling API once per
        calling mode (``step`` beside ``astep``, ``generate`` beside ``generate_async`` / ``async_generate``) whose
        other half, defined on its class or on a base it inherits that half from (past a stub: ``async def astep(self):
        pass``), is a wrapper; the method either takes the prompt it sends (``generate_response(prompt)``), or reaches
        the model only through another object's wrappers (an agent's step over its model API), or is declared
        without a body on an interface one of whose implementations does either. The tree may only drive the
        object one way, yet both are the object's API."""
        cls = scope.enclosing_class()
        name = scope.name
        if cls is None or scope.parent is not cls or name.startswith("_") or cls.name.startswith("_"):
            return False
        if _is_test_file(scope.module):
            return False
        own = inside.get(scope.key, [])
        if own:
            bodies = [own]
        elif _abstract_body(scope):
            bodies = [inside[k] for k in self.ev.implementations(scope.key) if inside.get(k)]
        else:
            return False

        def api_body(b: list[Site]) -> bool:
            fn = _owner(b[0].info.scope)
            home = fn.enclosing_class() if fn is not None else None
            if fn is None or home is None:
                return False
            if any(_PROMPT_PARAM.search(p) for p in fwd.get(fn.key, ())):
                return True  # ``generate_response(prompt, history)``: a model API taking the prompt to send
            mine = [c for k in self.ev.lineage(home.key) if (c := self.ev.scopes.get(k)) is not None]
            # the calls reaching a model (a call of a logger or a parser is no part of it)
            model = [s for s in b if s.site != SiteKind.WRAPPER_CALL or s.callee is None or s.callee in self.reaching]
            return bool(model) and all(  # an agent's step over another object's model API (``self.llm.generate``)
                s.site == SiteKind.WRAPPER_CALL
                and s.callee in wrappers
                and not any(self._method_of(s.callee, c) for c in mine)
                for s in model
            )

        if not any(api_body(b) for b in bodies):
            return False  # a transport twin nothing calls, sending a whole request it is handed (``request(data)``
            # beside ``request_async(data)``) or running its twin (``asyncio.run(self.request_async(...))``): left
            # behind by the move to the other mode, no API the code offers
        for twin in _twin_names(name):
            for c in self.ev.lineage(cls.key):
                owner = self.ev.scopes.get(c)
                defs = [b[1] for b in (owner.bindings.get(twin, ()) if owner is not None else ()) if b[0] == "def"]
                if defs:
                    if any(d.key in wrappers for d in defs):
                        return True
                    if not all(_abstract_body(d) for d in defs):
                        break  # the nearest definition of the twin with a body decides (a stub defers to its base)
        return False

    @staticmethod
    def _twin_wrapper(scope: Scope, cls: Scope, wrappers: set[str]) -> bool:
        """Whether the other calling mode's half of the method ``scope`` (``astream`` beside ``stream``), defined on
        its own class ``cls``, is a wrapper."""
        for twin in _twin_names(scope.name):
            if any(b[0] == "def" and b[1].key in wrappers for b in cls.bindings.get(twin, ())):
                return True
        return False

    def _framework_lm_entry(self, scope: Scope) -> bool:
        """Whether ``scope`` is the method a framework calls on its language models (``__call__`` / ``forward``) in a
        class deriving from that framework's LM base class (``dspy.LM``): the framework's predictors call it, so it
        is a calling API even when no code of the tree does."""
        cls = scope.enclosing_class()
        return cls is not None and scope.name in clients.FRAMEWORK_LM_ENTRIES and self.ev.framework_lm_class(cls)

    def _framework_api_override(self, scope: Scope) -> bool:
        """``class Tidy(OpenAI): def _stream_chat(self, messages)``: an override of a method of the model API (public,
        or the private hook the public one runs) of the framework model class its class derives from (or is mixed
        into): the framework's own API reaches it, so it is a calling API whoever else calls it."""
        cls = scope.enclosing_class()
        if cls is None or scope.name.startswith("__"):
            return False
        sdk = self.ev.sdk_base(cls.key) or self.ev.host_sdk(cls.key)
        return sdk is not None and scope.name in clients.REQUEST_PATHS.get(sdk.kind, {})

    def _framework_hook_override(self, scope: Scope) -> bool:
        """``class MyChain(Chain): def _call(self, inputs)``: the hook that the entry points of the framework base its
        class derives from run (``clients.FRAMEWORK_HOOK_ENTRIES``: ``run`` / ``__call__`` / ``acall`` of LangChain's
        ``Chain``), so the framework's callers reach it whoever of the tree calls it. Only a hook that is the chain's
        own transport: it reaches a model request itself or through its own class's steps (``self.generate(...)`` ->
        ``self.llm.generate_prompt(...)``); a hook running another chain it holds (``self.llm_chain.predict(...)``,
        built with its class's own prompt) does a task of its own."""
        cls = scope.enclosing_class()
        entry = next((e for e, hooks in clients.FRAMEWORK_HOOK_ENTRIES.items() if scope.name in hooks), None)
        if cls is None or entry is None or self.ev.framework_hook(cls.key, entry) is None:
            return False
        todo, seen = [scope.key], set()
        while todo and len(seen) < 12:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            for site in self._sites_in(key):
                if site.site == SiteKind.REQUEST:
                    return True
                callee = self.ev.scopes.get(site.callee or "")
                if callee is not None and callee.enclosing_class() is cls:
                    todo.append(callee.key)
        return False

    def _own_prompt_request(self, own: list[Site]) -> bool:
        """Whether a function holding the transport of its callers' requests also sends a request with a prompt it
        writes there (a JSON-repair round re-sending the answer under an instruction of its own): it does more than
        carry what it is handed, so it is its callers' calling API rather than a transport folded into their calls."""
        return any(s.site == SiteKind.REQUEST and self._writes_prompt(s) for s in own)

    def _hands_built_request(self, site: Site) -> bool:
        """The call hands its callee a whole request it built: a ``dict(model=..., messages=...)`` literal (as JSON
        text too), or a local bound only to one (``params = {"model": model, ...}`` ... ``run_stage(self, params)``)."""
        args = [a.value for a in site.info.node.args]
        if any(_whole_request(v) for v in args):
            return True
        callee = self.ev.scopes.get(site.callee or "")
        keywords = {a.keyword.value for a in site.info.node.args if a.keyword is not None}
        if (
            callee is not None
            and [p.star for p in callee.params] == ["**"]
            and _one_statement(callee)
            and {"model", "messages"} <= keywords
        ):  # ``send(model=model, messages=messages, n=n)`` into ``def send(**kw): return create(**kw)``: spread out
            return True
        fn = _owner(site.info.scope)
        for v in args:
            bound = (fn.bindings.get(v.value) or []) if fn is not None and isinstance(v, cst.Name) else []
            if bound and all(b[0] == "expr" and b[2] is fn and _whole_request(b[1]) for b in bound):
                return True
        return False

    def _hands_whole_request(self, site: Site, folded: set[str]) -> bool:
        """The call hands its callee a whole request (``dict(model=..., messages=...)``, as JSON text too), or is made
        by a transport folded already, handing on the request it was given (``send(request)``)."""
        if self._hands_built_request(site):
            return True
        # only the arguments bound to the callee's prompt (``llm(text + ">", model=model)`` handing on its own
        # ``model`` name hands on no request: the prompt is built there)
        chosen = self._prompt_args(site, self.forwarded)
        args = [a.value for a in (site.info.node.args if chosen is None else chosen)]
        fn = _owner(site.info.scope)
        return (
            fn is not None
            and fn.key in folded
            and any(isinstance(v, cst.Name) and v.value in _param_names(fn) for v in args)
        )

    def _patched_in(self, scope: Scope, wrappers: set[str]) -> bool:
        """Whether the nested function ``scope`` is installed by the function defining it on an object under the name
        of a wrapper method (``setattr(llm, "ainvoke", tracked)``, ``object.__setattr__(...)``, ``llm.ainvoke =
        tracked``): a decorator patching a model object (usage counting, tracing), which the object's callers reach
        through that method."""
        outer = scope.parent
        if outer is None or outer.kind != "function":
            return False
        names = {w.name for w in (self.ev.scopes.get(k) for k in wrappers) if w is not None and w.kind == "function"}
        if not names:
            return False
        todo: list[cst.CSTNode] = [outer.node]
        while todo:
            node = todo.pop()
            todo.extend(node.children)
            if (
                isinstance(node, cst.Assign)
                and isinstance(node.value, cst.Name)
                and node.value.value == scope.name
                and any(isinstance(t.target, cst.Attribute) and t.target.attr.value in names for t in node.targets)
            ):
                return True
            if not isinstance(node, cst.Call) or len(node.args) != 3:
                continue
            func = dotted(node.func)
            attr, value = node.args[1].value, node.args[2].value
            if (
                func in ("setattr", "object.__setattr__")
                and isinstance(attr, cst.SimpleString)
                and attr.evaluated_value in names
                and isinstance(value, cst.Name)
                and value.value == scope.name
            ):
                return True
        return False

    def _callable_model(self, scope: Scope, fwd: dict[str, set[str]]) -> bool:
        """``__call__(self, prompt=None, messages=None)`` of a public class, outside the tests, forwarding a prompt
        parameter to the model: its instances are language models handed to other code (a framework's settings),
        which calls them, even when no code of the tree does."""
        cls = scope.enclosing_class()
        return (
            cls is not None
            and scope.name == "__call__"
            and not cls.name.startswith("_")
            and not _is_test_file(scope.module)
            and any(_PROMPT_PARAM.search(p) for p in fwd.get(scope.key, ()))
        )

    def _holds_model_call(
        self, key: str, inside: dict[str, list[Site]], apis: set[str], iface: str, reaching: set[str], depth: int = 0
    ) -> bool:
        """Whether the implementation ``key`` of the interface method ``iface`` reaches a model by a call of its own:
        a request, a framework call, a call of a calling API (``apis``: the wrappers and the helpers folded into
        their requests) or of the interface itself (a retrying or voting decorator around other implementations), or
        a call of a private helper or of a closure of its own that does so (``self._achat_completion(...)``,
        ``asyncio.run(run_all())`` over the requests its nested ``run_all`` gathers) or of a function sending a request
        itself — not only through public functions that are no such API (``session.send_message(...)`` running a
        whole agent session, ``self.react()`` running the agent's whole loop)."""
        for s in inside.get(key, ()):
            callee = s.callee
            if callee is not None and callee in apis and callee != iface and self._agent_run(s):
                continue  # ``agent.astep(plan, advice)``: it runs an agent that writes its own prompt, not a model
            if (
                s.site != SiteKind.WRAPPER_CALL
                or callee is None
                or callee in self.transports
                or callee in self.relays
                or callee in apis
                or callee == iface
                or iface in self.ev.overridden(callee)
            ):
                return True
            if depth < 3 and callee in reaching:
                own_step = _is_private(callee) or callee.startswith(key + ".<locals>.")  # or a closure of its own
                if own_step and self._holds_model_call(callee, inside, apis, iface, reaching, depth + 1):
                    return True
                if any(t.site != SiteKind.WRAPPER_CALL for t in inside.get(callee, ())):
                    return True  # ``self.aclient.acall(...)``: a vendored client's method sending the request itself
        return False

    def _agent_run(self, site: Site) -> bool:
        """Whether a wrapper-call runs an agent rather than asks a model: a method called on another object
        (``agent.astep(plan, advice)``, ``self.agents[i].astep(...)``; not ``self``'s own steps) none of whose
        override family forwards a prompt it is handed (each writes its own from its templates and memory, the
        arguments filling its slots) and none of whose callers feeds one through the object's state. A method
        reaching a model only through such calls orchestrates agents, and what it hands them is no prompt: it is no
        calling API itself (CALLSITES.md: a wrapper is what other code uses to reach a model)."""
        key = site.callee
        if site.site != SiteKind.WRAPPER_CALL or key is None:
            return False
        scope = self.ev.scopes.get(key)
        if scope is None or scope.kind != "function" or scope.enclosing_class() is None:
            return False
        receiver = _receiver(site)
        owner = site.info.scope
        if receiver is None or (owner is not None and owner.kind == "function" and _is_self(owner, receiver)):
            return False
        family = {key, *self.ev.implementations(key), *self.ev.overridden(key)}
        for k in family:
            member = self.ev.scopes.get(k)
            named = [p for p in member.params if p.name.value not in ("self", "cls")] if member is not None else []
            if named and all(p.star in ("*", "**") for p in named):
                return False  # ``complete(self, /, **kwargs)``: what it takes is open, the prompt may be among it
        if any(_REQUEST_PARAM.match(name.removeprefix("new_")) for _, name in _bind(scope, site.args)):
            return False  # ``agent.run(task)`` / ``runner.run(new_message=m)``: the caller hands the agent the request
            # it is to carry out
        fn = owner if owner is not None and owner.kind == "function" else None
        for _ in range(4):  # in a closure, the enclosing function's parameters it uses as free variables too
            if fn is None:
                break
            asked = {p for p in _param_names(fn) if _REQUEST_PARAM.match(p.removeprefix("new_"))}
            if asked and _forwards(fn, site, flow=self.flow, only=asked):
                return False  # ``runner.run(new_message)`` -> ``ctx = self._new_context(new_message)`` ->
                # ``agent.run(ctx)``: the run's context carries the caller's message, the request the agent carries out
            fn = fn.parent.enclosing_function() if fn.parent is not None else None
        if self._holding is None or self._holding[0] != len(self.sites):
            held = {
                fn.key for x in self.sites.values() if x.site != SiteKind.WRAPPER_CALL and (fn := _owner(x.info.scope))
            }
            self._holding = (len(self.sites), held)
        if family & self._holding[1]:
            return False  # ``llm_client.send_batch(...)``: a model client sending the request itself, no agent
        return not any(self.forwarded.get(k) or k in self.state_fed for k in family)

    def _model_interface(self, key: str, reaching: set[str], inside: dict[str, list[Site]], apis: set[str]) -> bool:
        """Whether a method without a body of its own is an interface for reaching a model: half at least of its
        implementations outside the tests (of all of them when only tests implement it) hold a model call of their own
        or are calling APIs themselves.
        ``Tool.forward``, which three of sixty tools implement with a model call, is a general interface; so is a hook
        whose one implementation reaches the model only through an agent session that is no calling API."""
        impls = self.ev.implementations(key)
        if not impls:
            return True
        kept = [i for i in impls if i in self.ev.scopes and not self._illustrative(i)]
        impls = kept or impls
        # an implementation that is itself a calling API (``LoopAgent.run`` running its own steps, which reach the
        # model; an agent method over task functions) counts as one reaching it: the interface is how callers reach it
        live = [
            i
            for i in impls
            if i in reaching
            and (i in apis or i in self.agent_apis or self._holds_model_call(i, inside, apis, key, reaching))
        ]
        if live and _model_named(self.ev.scopes.get(key)):
            return True  # ``AbstractModel.query``: the model's own interface, beside human / replay / test stand-ins
        return 2 * len(live) >= len(impls)

    def _optional_prompt_never_given(
        self,
        reaching: set[str],
        fwd: dict[str, set[str]],
        dispatched: dict[str, int],
        inside: dict[str, list[Site]] | None = None,
    ) -> set[str]:
        """Functions that take no required parameter (``summarize(summary_prompt=None, ...)``) and that no call
        gives any of the parameters they forward: they send a prompt they write themselves around their own state, so they are not the calling
        API of the code that calls them (CALLSITES.md: called with prompt-bearing arguments). The same holds for a
        function whose required parameters only fill the task prompt its own request writes (``plan(idea,
        extra_messages=[])`` sending a long instruction around ``idea``) when no caller gives the optional ones it
        forwards: a task function, not a calling API."""
        fed: set[str] = set()
        called: set[str] = set()
        for site in self.sites.values():
            key = site.callee
            if site.site != SiteKind.WRAPPER_CALL or key not in reaching or not fwd.get(key):  # type: ignore[arg-type]
                continue
            called.add(key)  # type: ignore[arg-type]
            callee = self.ev.scopes.get(key)  # type: ignore[arg-type]
            if callee is None or any(a.star for a in site.args):
                fed.add(key)  # type: ignore[arg-type]
                continue
            if any(name in fwd[key] for _, name in _bind(callee, site.args)):  # type: ignore[index]
                fed.add(key)  # type: ignore[arg-type]
        out = set()
        for key in called - fed:
            scope = self.ev.scopes.get(key)
            if scope is None or dispatched.get(key) or self.ev.overridden(key):
                continue
            names = _param_names(scope)
            required = [
                p for p in scope.params if p.name.value in names and p.default is None and p.star not in ("*", "**")
            ]
            if not required:  # callable with no argument at all, and none of its callers gives the prompt
                out.add(key)
                continue
            own = (inside or {}).get(key, [])
            if not any(p.name.value in fwd[key] for p in required) and any(
                s.site == SiteKind.REQUEST and self._writes_prompt(s) for s in own
            ):  # the required ones are data its own written prompt is built around
                out.add(key)
        return out

    def _prompt_args(self, site: Site, fwd: dict[str, set[str]]) -> list[cst.Arg] | None:
        """The arguments of a call of a project wrapper that carry a prompt: those bound to a parameter the callee
        forwards, or named like a prompt (``run(agent, messages)``: the agent handed over is no prompt). ``None``
        for a request, a callee of unknown signature or one with no such parameter (every argument counts)."""
        callee = self.ev.scopes.get(site.callee or "") if site.site == SiteKind.WRAPPER_CALL else None
        if callee is None or callee.kind != "function":
            return None
        keep = fwd.get(callee.key, set()) | {n for n in _param_names(callee) if _PROMPT_PARAM.search(n)}
        named = _named_into_rest(callee, site.args)
        if not keep:  # ``_step(memory_step)``: no parameter tells where the prompt goes; every argument counts
            if named is None:
                # but the model object (or its name) handed on beside the data is no prompt: ``solve(item["q"],
                # model, "simple")`` of ``def solve(question_sig, model: Model, mode)``
                bound = _bind(callee, site.args)
                if len(bound) == len(site.args) and any(_MODEL_PARAM.search(name) for _, name in bound):
                    return [a for a, name in bound if not _MODEL_PARAM.search(name)]
            return None if named is None else list(named)
        kept = {id(a): a for a, name in _bind(callee, site.args) if name in keep and _carries(callee, a, name)}
        return [a for a in kept.values() if named is None or any(a is b for b in named)]

    def _driven_param(self, fn: Scope, site: Site, fwd: dict[str, set[str]], own: list[Site]) -> str | None:
        """The parameter of ``fn`` that a wrapper-call is made on when ``fn`` drives an object its caller hands it
        (``def run_rounds(team): msg = team.open("Begin."); team.step(msg)``): the caller built that object around
        its task, so the function is the object's calling API even though it writes a fixed kick-off turn. Not a
        model handed in (``llm``, ``client``, a class named a model), not a call whose arguments carry another
        parameter (``agent.run(PROMPT.format(text=text))`` writes a task around the caller's data), and not a
        function that sets the object up itself (``agent.messages = history`` then ``agent.chat()``: a command
        line or a loader running it, the task its own), nor one that asks the object for another model-backed
        object and calls that itself (``agent = hub.pick("review")`` then ``agent.ask(...)``: the handed object is a
        factory, the task this function writes its own)."""
        receiver = _receiver(site)
        if site.site != SiteKind.WRAPPER_CALL or not isinstance(receiver, cst.Name) or not fwd.get(site.callee or ""):
            return None
        name = receiver.value
        params = _param_names(fn)
        if name not in params or _MODEL_PARAM.search(name) or _model_named(self.ev.scopes.get(site.callee or "")):
            return None
        if not site.info.node.args or any(k.startswith(name + ".") for k in fn.local_attrs):
            return None  # ``agent.chat()`` on what it set up itself (``agent.messages = loaded``): its own run
        if any(
            _params_in(fn, a.value, templated=True, flow=self.flow, loops=True) - {name} for a in site.info.node.args
        ):
            return None
        if any(
            isinstance(a.value, cst.Name) and a.value.value not in params and _CONVERSATION.match(a.value.value)
            for a in site.info.node.args
        ):
            return None  # ``reply = agent.inference(history)`` on a conversation this function keeps: the object
            # answers the turns it is handed (a model interface), the chat loop holding them is no caller's task
        made = _names_bound_to(fn, site.info.node)
        if made and any(isinstance(r := _receiver(s), cst.Name) and r.value in made for s in own if s is not site):
            return None  # ``agent = hub.pick(...)`` then ``agent.ask(...)``: the call made a model object it runs
        return name

    def _task_request_args(self, site: Site) -> list[cst.Arg] | None:
        """The arguments of a request that writes its own task text (``create(model=model, messages=[{"role":
        "system", "content": TASK}, {"role": "user", "content": f"...{data}"}])``) that can carry a prompt: the
        request settings beside it (the model its caller picks, the temperature) carry none, nor do the pictures it
        attaches by keyword (``image_documents=shots``: what the task it writes is about). ``None`` otherwise."""
        call = site.info.node
        sent = list(call.args) if site.sent_args is None else site.sent_args
        if site.site != SiteKind.REQUEST or site.client == "http" or not _gives_prompt(call, args=sent):
            return None
        if not self._writes_prompt(site):
            return None
        return [
            a
            for a in sent
            if a.keyword is None
            or (a.keyword.value not in _SETTING_KEYWORDS and a.keyword.value not in _MEDIA_KEYWORDS)
        ]

    def _imported_elsewhere(self, scope: Scope, callers: set[str]) -> bool:
        """Whether a module-level function with a leading underscore is called from another module of the tree (not a
        test): that module imports it by name, so the underscore hides it from no one and it is that code's calling
        API like any public function."""
        if scope.enclosing_class() is not None or scope.parent is None or scope.parent.kind != "module":
            return False
        for who in callers:
            caller = self.ev.scopes.get(who)
            if caller is not None and caller.module is not scope.module and not is_test_path(caller.module.path):
                return True
        return False

    def _calls_own_param(self, key: str, site: Site) -> bool:
        """Whether a site is the request a higher-order helper makes by calling the SDK method it is given."""
        func = site.info.node.func
        return (
            site.site == SiteKind.REQUEST
            and isinstance(func, cst.Name)
            and key in self.ev.client_params
            and func.value in self.ev.called_params(key)
        )

    def _inherited_call(self, scope: Scope, site: Site) -> bool:
        """``self.step(...)`` in a method of an agent subclass, calling the wrapper its base class defines: the method
        is a task the agent runs through its own inherited API (``TaskAgent.run`` filling its template), not an API."""
        func = site.info.node.func
        cls = scope.enclosing_class()
        callee = self.ev.scopes.get(site.callee or "")
        return (
            site.site == SiteKind.WRAPPER_CALL
            and cls is not None
            and callee is not None
            and isinstance(func, cst.Attribute)
            and _is_self(scope, func.value)
            and callee.enclosing_class() is not None
            and callee.enclosing_class() is not cls
        )

    def _outside_class(self, fn: Scope | None, key: str) -> bool:
        """Whether a call from ``fn`` (``None``: module-level code) of the method ``key`` comes from outside the
        method's class and its subclasses."""
        callee = self.ev.scopes.get(key)
        cls = callee.enclosing_class() if callee is not None else None
        if cls is None:
            return False
        if fn is None:
            return True
        family = {cls.key, *self.ev.subclasses(cls.key)}
        while fn is not None and fn.kind == "function" and fn.enclosing_class() is None and fn.parent is not None:
            if fn.parent.kind == "module" and fn.params and fn.params[0].name.value == "self":
                split = self.ev.split_method_self(fn.params[0], fn)  # ``run_stage(self, ...)``: a method moved out
                if split is not None and split.cls in family:  # of its class into a module, its class's own code
                    return False
            fn = fn.parent  # a closure inside a method belongs to the method's class
        owner = fn.enclosing_class() if fn is not None else None
        return owner is None or owner.key not in family

    def _module_friend(self, fn: Scope | None, key: str) -> bool:
        """Whether a call of the private method ``key`` from outside its class comes from a method of another class of
        the same module (a session class the backend hands itself to, calling ``self.backend._send(...)``): a leading
        underscore keeps a name inside its module, so that class is one of the method's users, as its own class is."""
        callee = self.ev.scopes.get(key)
        if fn is None or callee is None or fn.module is not callee.module:
            return False
        return class_of(fn) is not None

    def _template_hook(self, scope: Scope, prod_fns: dict[str, set[str]], inside: dict[str, list[Site]]) -> bool:
        """Whether the public method ``scope`` is the hook of a template method: it or the base method it overrides is
        declared without a body in a class of the tree whose own methods are its only callers (``Base.generate`` ->
        ``self.do_generate(prompt)``, the providers overriding ``do_generate``), and nothing else calls the method but
        those methods and same-named overrides (``super().do_generate(...)``), tests aside; the hook is named after the
        entry point it serves (``do_generate``, ``generate_impl``; not ``respond`` under ``__call__``). Such a hook is the private
        hook of an override family under a public name: an internal step of the entry point that runs it. Not a method
        an interface declares that a class deriving from it calls (``Agent.think`` under ``BaseAgent.reply``), nor a
        hook called by an entry point that sends a request of its own (``ask`` -> request, then
        ``self.after_answer(reply)``): there the hook is no transport of the entry point's prompt."""
        if scope.kind != "function" or scope.name.startswith("_") or scope.enclosing_class() is None:
            return False

        def method(who: str) -> Scope | None:
            fn = self.ev.scopes.get(who)
            while fn is not None and fn.kind == "function" and fn.enclosing_class() is None:
                fn = fn.parent  # a closure inside a method (``wrapped_stream`` in ``generate``) is that method's
            return fn if fn is not None and fn.kind == "function" else None

        def runs_hook(who: str, cls: Scope) -> bool:
            """``who`` is a method of ``cls`` whose name the hook's names after it (``generate`` ->
            ``do_generate`` / ``generate_impl``): the template method and the step it defers to."""
            fn = method(who)
            entry = fn.name.strip("_") if fn is not None else ""
            return fn is not None and fn.enclosing_class() is cls and bool(entry) and entry in scope.name

        def same_name(who: str) -> bool:
            fn = self.ev.scopes.get(who)
            return fn is not None and fn.name == scope.name and fn.enclosing_class() is not None

        for root in (scope.key, *self.ev.overridden(scope.key)):
            decl = self.ev.scopes.get(root)
            cls = decl.enclosing_class() if decl is not None and decl.kind == "function" else None
            if cls is None or not (_abstract_body(decl) or _abstract_decorated(decl)):
                continue
            callers = prod_fns.get(root, set()) | prod_fns.get(scope.key, set())
            entry = {w for w in callers if not same_name(w)}
            if (
                entry
                and all(runs_hook(w, cls) for w in entry)
                and not any(t.site != SiteKind.WRAPPER_CALL for w in entry for t in inside.get(w, ()))
            ):
                return True
        return False

    def _step_of_hook(self, scope: Scope, mine: set[str], direct_fns: dict[str, set[str]]) -> bool:
        """A private method only one private method of its class calls, that one being a hook no code calls but
        through its base method (``_run`` under ``BaseBackend.run``): a step of the hook, whose own calls are the
        sites."""
        if len(mine) != 1:
            return False
        (who,) = mine
        cls = scope.enclosing_class()
        caller = self.ev.scopes.get(who)
        return (
            cls is not None
            and caller is not None
            and caller.kind == "function"
            and caller.enclosing_class() is cls
            and _is_private(who)
            and not direct_fns.get(who)
            and bool(self.ev.overridden(who))
        )

    def _task_helper(self, scope: Scope, mine: set[str], calls: list[Site], own: list[Site], tasked: set[str]) -> bool:
        """Whether a private method is a step of the one or two methods of its class (or subclasses) that call it,
        each call sending a prompt its caller writes (``run`` fills ``PROMPT`` and hands it to ``self._write``, a
        retry / parse helper around the model call) — or of a helper that is such a step itself (``_vote`` ->
        ``_evaluate``): the call inside it is the site. A helper handed the agent or model it calls
        (``_with_retry(agent, messages)``) is a prompt-agnostic calling API and stays one."""
        cls = scope.enclosing_class()
        if not mine or len(mine) > 2:
            return False
        if cls is None:
            return self._module_task_helper(scope, mine, calls, tasked)
        family = {cls.key, *self.ev.subclasses(cls.key)}
        for who in mine:
            caller = self.ev.scopes.get(who)
            owner = caller.enclosing_class() if caller is not None else None
            if owner is None or owner.key not in family:
                return False
        if any(_calls_on_param(scope, s) for s in own):
            return False
        if all(who in tasked for who in mine):
            return True

        def of_task(call: Site) -> bool:  # the caller writes the prompt, or is such a step itself
            owner = _owner(call.info.scope)
            return self._authors_wrapper_call(call) or (owner is not None and owner.key in tasked)

        return bool(calls) and all(of_task(c) for c in calls)

    def _module_task_helper(self, scope: Scope, mine: set[str], calls: list[Site], tasked: set[str]) -> bool:
        """``_task_helper`` for a private module-level function: one or two functions of its own module call it, each
        handing it the message list it wrote (``revise`` builds ``[system EDITOR, document, request]`` and hands it
        to ``_revise_until_valid(chat, messages)``, a retry loop around the model step). A module function has no
        ``self``, so the model object it calls arrives as a parameter: that alone does not make it an API. The calls
        inside it are the sites (the first send and each retry)."""
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "module":
            return False
        for who in mine:
            caller = self.ev.scopes.get(who)
            if caller is None or caller.module.path != scope.module.path or caller.enclosing_class() is not None:
                return False
        if all(who in tasked for who in mine):
            return True
        return bool(calls) and all(
            self._authors_sent(c) or getattr(_owner(c.info.scope), "key", None) in tasked for c in calls
        )

    @staticmethod
    def _handed_closure(scope: Scope, users: set[str], calls: list[Site]) -> bool:
        """Whether ``scope`` is a function defined inside another that reaches the model only by being handed, as a
        value, to a higher-order function (a batch or retry runner) by the function defining it: every call of it
        outside the tests is such a handing in that function."""
        parent = scope.parent
        return (
            parent is not None
            and parent.kind == "function"
            and scope.name != "<lambda>"
            # a pipeline stage taking the prompt (template) it runs over rows is no generic runner: left to the rules
            # that decide stages (``summarize(rows, prompt, model)`` handing ``run_one`` to a row mapper)
            and not any(_TEMPLATE_PARAM.search(p) for p in _param_names(parent))
            # ``@functools.wraps(func) def inner(...)``: a decorator's replacement for the function it wraps, no step
            and not any(
                (dotted(d.func if isinstance(d, cst.Call) else d) or "").rsplit(".", 1)[-1] == "wraps"
                for d in scope.decorators
            )
            and users == {parent.key}
            and bool(calls)
            and all(c.handed for c in calls)
        )

    def _private_step(
        self, scope: Scope, mine: set[str], fwd: dict[str, set[str]], apis: set[str], passing: set[str]
    ) -> bool:
        """Whether a private method is one step of the one function that calls it, and that function is itself a
        forwarding API of the same class (``step`` handing its input to ``_step_impl`` / ``_stream``): the API is
        the caller's; the step is folded into it. A private helper whose one caller authors the prompt (a retry
        helper under a strategy's prompt builder) stays the code's calling API. A caller implementing a wrapper
        interface its base declares (a provider's ``ainvoke`` -> ``self._structured(converted, schema)``) is such an
        API too, whatever it converts the prompt into first."""
        if len(mine) != 1:
            return False
        (who,) = mine
        cls = scope.enclosing_class()
        caller = self.ev.scopes.get(who)
        if cls is None or caller is None or caller.kind != "function" or not self._method_of(who, cls):
            return False
        return self._forwarding_api(who, fwd, apis, passing)

    def _forwarding_api(self, who: str, fwd: dict[str, set[str]], apis: set[str], passing: set[str]) -> bool:
        """Whether ``who`` is a wrapper (or a step folded into one) forwarding its own caller's prompt, or
        implementing the family's calling API (a step's one caller, ``_private_step`` / ``_closure_step``)."""
        if who not in apis:
            return False
        return bool(fwd.get(who)) or who in passing or any(b in apis for b in self.ev.overridden(who))

    def _closure_step(
        self, scope: Scope, mine: set[str], fwd: dict[str, set[str]], apis: set[str], passing: set[str]
    ) -> bool:
        """Whether a ``def`` nested in a function is a step of it: only that function calls it (never handing it on),
        and that function is a forwarding API (``complete(messages)`` defining a retry-decorated
        ``_send_with_retry(messages, ...)`` and returning its result). The closure is the API's own body, put in a
        function so a decorator can re-run it, whatever it holds (a request, or a call of the project's own client):
        no calling API of its own, and its call in the enclosing function no wrapper-call."""
        # (a generator the API iterates turn by turn, ``for m in stream_state(...)``, is no retry body)
        if len(mine) != 1 or scope.yields:
            return False
        (who,) = mine
        parent = scope.parent
        if parent is None or parent.kind != "function" or parent.key != who or not _local_only(scope):
            return False
        return self._forwarding_api(who, fwd, apis, passing)

    def _authors(self, site: Site) -> bool:
        """Whether the prompt a call sends holds text its function writes (a template, a literal instruction): the
        function authors a task prompt around its caller's data rather than forwarding the caller's prompt."""
        if site.key in self._authored:
            return self._authored[site.key]
        self._authored[site.key] = site.declared  # a DSPy Signature: the prompt is written where it is declared
        if site.declared:
            return True
        fn = site.info.scope.enclosing_function()
        for a in site.info.node.args:
            if fn is not None and _param_attribute(fn, a.value):
                continue  # ``prompt=settings.prompt`` of a config object the caller hands in: the caller's text (the
                # text read there is only the default its class declares)
            if fn is not None and _param_on_some_path(fn, a.value):
                continue  # ``current = task if first else f"Refine ...{task}"``: on one path the caller's prompt goes
                # as it is (a loop's first round), so the text the later rounds wrap around it is no task of its own
            # a default text the callee falls back on when its caller gives no prompt (``system or DEFAULT``) is
            # no text this function writes: read with the parameters' given side
            text = self.ev.as_callers_prompt(lambda a=a: self.ev.text(a.value, site.info.scope))
            if text is None:
                continue
            if fn is not None and self._sends_appended(fn, a.value):
                continue  # ``f"{prompt}\n\n{notice}"``: the caller's prompt with a notice after it is still theirs
            if _enough_text(text.static()):
                self._authored[site.key] = True
                break
            try:  # messages from a fluent builder (``Builder().add_system_message(TEMPLATE.format(...))...build()``)
                built = fluent_messages(self.ev, a.value, site.info.scope) or []
            except RecursionError:
                continue
            static = _static_of(built)
            if _enough_text(static):
                self._authored[site.key] = True
                break
            if self._builds_prompt(a.value, site.info.scope):
                self._authored[site.key] = True
                break
            own_text = (
                self._own_template_messages,
                self._keyed_prompt,
                self._fills_default_template,
                self._item_of_own_prompts,
            )
            if fn is not None and any(holds(a.value, fn) for holds in own_text):
                self._authored[site.key] = True
                break
        else:
            self._authored[site.key] = self._authors_inside(site)
        return self._authored[site.key]

    def _fills_default_template(self, expr: cst.BaseExpression, fn: Scope) -> bool:
        """``expr`` (through the locals it is built from, a fluent builder's chain included) holds
        ``rate_prompt.format(question=q, passage=p)`` where ``rate_prompt`` is a parameter of ``fn`` whose default is
        template text (``rate_prompt: str = RATE_PROMPT``) with a ``{slot}`` the call fills by keyword: the function
        fills its own template around the data it is handed (a caller may swap in another text of the same slots),
        so it writes its task (bench/corpus/README.md, task methods) rather than forwarding its caller's prompt. A
        parameter with no default, or one falling back to text only when the caller gives none, stays the caller's."""
        defaults = {p.name.value: p.default for p in fn.params if p.default is not None and not p.star}
        if not defaults:
            return False
        used = fn.module.pos(expr)
        todo: list[tuple[cst.CSTNode, int]] = [(expr, 0)]
        seen = 0
        while todo and seen < 200:
            node, depth = todo.pop()
            seen += 1
            if isinstance(node, cst.Name):
                if node.value not in defaults and depth < 3:
                    # (a local assigned the filled template only after the send, ``message = retry.format(...)``
                    # for the next turn, does not reach it: the send hands on the caller's message)
                    todo += [
                        (d, depth + 1)
                        for d, w in self._definitions(node.value, fn)
                        if w is fn and not self._written_after(d, used, fn)
                    ]
                continue
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value in defaults
                and (dotted(node.func) or "").rsplit(".", 1)[-1] == "format"
            ):
                try:
                    text = self.ev.text(defaults[node.func.value.value], fn)
                except RecursionError:
                    text = None
                static = text.static() if text is not None else ""
                slots = set(_FORMAT_SLOT.findall(static))
                if (
                    _enough_text(static)
                    and any(a.keyword is not None and a.keyword.value in slots for a in node.args)
                    and not self._swapped_template(fn, node.func.value.value, static)
                ):
                    return True
            todo += [(c, depth) for c in node.children]
        return False

    @staticmethod
    def _written_after(node: cst.CSTNode, used: Any, fn: Scope) -> bool:
        """Whether ``node`` (a local's assigned expression) starts on a line below ``used`` (the position of a use)."""
        at = fn.module.pos(node) if used is not None else None
        return at is not None and at.start.line > used.start.line

    def _swapped_template(self, fn: Scope, name: str, default: str) -> bool:
        """Whether a call of ``fn`` in the tree hands its template parameter ``name`` a text other than the default
        (``compress(rounds, prompt_template=self.compression_template)`` with the planner's own template read from
        its prompt file): then the callers write the task and ``fn`` fills what they hand it. A caller handing the
        same constant on (``rate_query=self.rate_query``, itself defaulting to ``RATE_QUERY``) swaps nothing."""
        for info in self.ev.calls_resolving_to(fn):
            for a, bound in _bind(fn, list(info.node.args)):
                if bound != name or a.star:
                    continue
                try:
                    given = self.ev.text(a.value, info.scope)
                except RecursionError:
                    given = None
                if given is None or given.static() != default:
                    return True
        return False

    def _item_of_own_prompts(self, expr: cst.BaseExpression, fn: Scope) -> bool:
        """``expr`` (through the locals it is built from, a fluent builder's chain included) holds the variable of a
        loop or comprehension of ``fn`` walking a local list of prompts the function writes (``prompts =
        [TEMPLATE.format(doc=d) for d in docs]`` then ``[model.ask(messages=b.add_user_message(p).build()) for p in
        prompts]``): one task prompt of its own per item, sent beside whatever else its caller handed in (a persona
        as the system message), so the function writes its task rather than forwarding its caller's prompt."""
        todo: list[tuple[cst.CSTNode, int]] = [(expr, 0)]
        seen = 0
        while todo and seen < 200:
            node, depth = todo.pop()
            seen += 1
            if isinstance(node, cst.Name):
                for b in fn.bindings.get(node.value, ())[:8]:
                    if b[0] != "for" or len(b) < 3 or b[2] is not fn or not isinstance(b[1], cst.Name):
                        continue
                    for walked, where in self._definitions(b[1].value, fn):
                        if where is not fn:
                            continue
                        if isinstance(walked, cst.ListComp | cst.GeneratorExp):
                            items = [walked.elt]
                        elif isinstance(walked, cst.List | cst.Tuple):
                            items = [e.value for e in walked.elements[:16] if not isinstance(e, cst.StarredElement)]
                        else:
                            continue
                        for item in items:
                            try:
                                text = self.ev.as_callers_prompt(lambda item=item: self.ev.text(item, fn))
                            except RecursionError:
                                text = None
                            if text is not None and _enough_text(text.static()):
                                return True
                if depth < 3:
                    todo += [(d, depth + 1) for d, w in self._definitions(node.value, fn) if w is fn]
                continue
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue
            todo += [(c, depth) for c in node.children]
        return False

    def _keyed_prompt(self, expr: cst.BaseExpression, fn: Scope) -> bool:
        """``expr`` (through the locals it is built from) holds a prompt the function ``fn`` picks from a store by a
        literal key (``_get_prompt("query_system")``, ``prompts.template("save_user").format(content=c)``: a getter
        named for prompts or templates, handed a key and nothing from ``fn``'s parameters): the text lives in a
        translations or prompt file the analysis may not read, but the function chose it, so it writes its task."""
        todo: list[tuple[cst.CSTNode, Scope, int]] = [(expr, fn, 0)]
        seen = 0
        while todo and seen < 200:
            node, scope, depth = todo.pop()
            seen += 1
            if isinstance(node, cst.Call):
                name = (dotted(node.func) or "").rsplit(".", 1)[-1]
                if _PROMPT_GETTER.search(name) and node.args:
                    first = node.args[0]
                    if (
                        first.keyword is None
                        and not first.star
                        and isinstance(first.value, cst.SimpleString)
                        and isinstance(first.value.evaluated_value, str)
                        and _KEY_LITERAL.fullmatch(first.value.evaluated_value)
                        and not any(_params_in(fn, a.value) for a in node.args)
                    ):
                        return True
            if isinstance(node, cst.Name) and scope is fn and depth < 3:
                todo += [(d, w, depth + 1) for d, w in self._definitions(node.value, fn) if w is fn]
                continue
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue
            todo += [(c, scope, depth) for c in node.children]
        return False

    def _own_template_messages(self, expr: cst.BaseExpression, fn: Scope) -> bool:
        """``expr`` is a LangChain prompt template the function ``fn`` itself builds with text of its own
        (``ChatPromptTemplate.from_messages([("system", "You are ..."), MessagesPlaceholder(...)])``, maybe
        ``.partial(...)``-ed or turned into its messages with ``.format_messages(...)``): it writes that task prompt."""
        try:
            v = self.ev.value(expr, fn)
        except RecursionError:
            return False
        if not isinstance(v, Client) or v.kind != "prompt" or v.prompt_key is None:
            return False
        made = self.ev.prompt_ctors.get(v.prompt_key)
        if made is None or made[1] is not fn:
            return False
        return _enough_text(_static_of(prompt_template_messages(self.ev, v, fn)))

    def _sends_appended(self, fn: Scope, expr: cst.BaseExpression) -> bool:
        """The argument ``expr`` is the caller's prompt with text appended (``_appends_to_request``), written at the
        call or in every assignment of the local it names that carries text of its own (``prompt =
        f"{prompt}\n\n{steering}"`` under ``if steering:``)."""
        if _appends_to_request(fn, expr):
            return True
        if not isinstance(expr, cst.Name):
            return False
        texty = []
        for b in fn.bindings.get(expr.value, ())[:8]:
            if b[0] != "expr" or b[2] is not fn:
                continue
            text = self.ev.as_callers_prompt(lambda b=b: self.ev.text(b[1], fn))
            if text is not None and _enough_text(text.static()):
                texty.append(b[1])
        return bool(texty) and all(_appends_to_request(fn, v) for v in texty)

    def _request_task_interface(
        self, key: str, reaching: set[str], inside: dict[str, list[Site]], fwd: dict[str, set[str]], wrappers: set[str]
    ) -> bool:
        """Whether every implementation of the bodiless method ``key`` that reaches a model sends the request itself
        with a prompt it writes around its caller's data (an LLM reranker or grader beside non-LLM siblings): the
        interface names a task, not a way to reach the model with the caller's prompt. The other shape of a task
        interface, implementations handing written prompts to the tree's own wrapper, is ``_task_interface``; this
        one also takes request parameters (``query``) as data, since each implementation calls no wrapper."""
        every = [i for i in self.ev.implementations(key) if not self._in_test(i)]
        impls = [i for i in every if i in reaching]
        if not impls:
            return False
        authored = True
        for impl in impls:
            own = inside.get(impl, [])
            requests = [s for s in own if s.site != SiteKind.WRAPPER_CALL]
            if fwd.get(impl) or not requests:
                return False
            if any(s.site == SiteKind.WRAPPER_CALL and s.callee in wrappers for s in own):
                return False
            authored = authored and all(self._authors(s) or _enough_text(_static_of(s.messages)) for s in requests)
        # written prompts, or a sibling reaching no model (a cross-encoder beside the LLM rankers): a task's kinds
        return authored or len(impls) < len(every)

    def _builds_prompt(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """Whether ``expr`` is a call of a prompt builder of the tree (``prompts.extract.facts(context)`` returning a
        message list with its own instructions): the caller hands data, the builder's text is the task prompt."""
        builder = self.ev.value(expr.func, scope) if isinstance(expr, cst.Call) else None
        if not isinstance(builder, Function):
            return False
        built = self.ev.as_callers_prompt(lambda: input_messages(self.ev, expr, scope))  # defaults left out
        if built is None:
            return False
        if _enough_text(_static_of(built)):
            return True
        fn = self.ev.scopes.get(builder.key)
        return fn is not None and self._accumulated_text(built, fn)

    def _accumulated_text(self, built: list[Any], fn: Scope) -> bool:
        """Whether a local of the builder ``fn`` that its messages hold as a hole (``system_message(intro)``) gathers
        literal instructions by ``intro += "..."`` (the text the evaluator cannot follow when the local is also
        rewritten by helpers, ``intro = self.add_context(intro, docs)``): the builder writes that prompt."""
        budget = [_AUTHORED_CHARS]
        for m in built:
            for part in m.parts:
                if not part.hole or not re.fullmatch(r"[A-Za-z_]\w*", part.text):
                    continue
                for b in fn.bindings.get(part.text, ())[:16]:
                    if b[0] == "aug" and len(b) > 2 and b[2] is fn and self._literal_chars(b[1], fn, 0, budget):
                        return True
        return False

    def _authors_inside(self, site: Site) -> bool:
        """Whether an argument of the call is built, through locals of its function and the arguments of calls
        (``msg = base.create_new_instance(text)`` of ``text = self.flatten_options(items)``), from a value holding
        text the tree writes: the object carries that prompt even where its constructor's result has no text."""
        fn = site.info.scope.enclosing_function()
        if fn is None:
            return False
        todo: list[tuple[cst.CSTNode, int]] = [(a.value, 0) for a in site.info.node.args]
        seen = 0
        while todo and seen < 40:
            node, depth = todo.pop()
            seen += 1
            if isinstance(node, cst.Name):
                for b in fn.bindings.get(node.value, ()):
                    if b[0] != "expr" or b[2] is not fn:
                        continue
                    if self._builds_prompt(b[1], fn):
                        return True  # ``messages = build_followups(text)``: a builder of the tree writes the task
                    value = b[1].left if isinstance(b[1], cst.BooleanOperation) else b[1]
                    if templates.names_prompt_file(self.ev, value, fn):
                        return True  # ``system = read_prompt("classify.txt") or ""``: a prompt file it names
                    if depth:  # the call's own argument values were read as text above
                        text = self.ev.as_callers_prompt(lambda b=b: self.ev.text(b[1], fn))
                        if text is not None and _enough_text(text.static()) and not _appends_to_request(fn, b[1]):
                            return True
                    if depth < 3:
                        todo.append((b[1], depth))
            elif isinstance(node, cst.Call) and depth < 3:
                todo += [(a.value, depth + 1) for a in node.args]
            elif isinstance(node, cst.ListComp | cst.GeneratorExp) and depth < 3:
                # ``batch = [render(name="extract", passage=p) for p in passages]``: one prompt per item, each
                # written as the element says (a template it names, a builder of the tree)
                try:
                    text = self.ev.text(node.elt, fn)
                except RecursionError:
                    continue
                if _enough_text(text.static()) or self._builds_prompt(node.elt, fn):
                    return True
                todo.append((node.elt, depth))
        return False

    def _authors_wrapper_call(self, site: Site) -> bool:
        """Whether a call of a project wrapper sends a task prompt its function writes next to the caller's data: a
        literal system prompt / instruction list among its arguments (``aask(msg=text, system_msgs=["Extract ..."])``)
        or a prompt-bearing object it is called on, built with literal instructions (``QUESTIONS.fill(req=text)`` on a
        module-level ``QUESTIONS = Node(instruction="...")``)."""
        if site.site != SiteKind.WRAPPER_CALL or site.callee is None:
            return False
        if site.key in self._authored_call:
            return self._authored_call[site.key]
        self._authored_call[site.key] = False
        if self._authors(site) or self._writes_main_prompt(site):  # a template / literal instruction of its own
            self._authored_call[site.key] = True
            return True
        if self._picks_stored_prompt(site):  # ``self.inference(user_input=q, prompt_name="Title a Chain")``
            self._authored_call[site.key] = True
            return True
        scope = site.info.scope
        budget = [_AUTHORED_CHARS]
        try:
            for a in site.info.node.args:
                if isinstance(a.value, cst.List | cst.Tuple) and self._literal_chars(a.value, scope, 0, budget):
                    break
            else:
                func = site.info.node.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                    for expr, where in self._definitions(func.value.value, scope):
                        if isinstance(expr, cst.Call) and self._literal_chars(expr, where, 0, budget):
                            break
        except RecursionError:
            return False
        self._authored_call[site.key] = budget[0] <= 0
        return self._authored_call[site.key]

    def _picks_stored_prompt(self, site: Site) -> bool:
        """A call of a project wrapper naming with a literal the stored prompt or template its callee fills
        (``self.inference(user_input=text, prompt_name="Expert Title")``, the keyword or the callee's parameter it
        binds named like ``prompt_name`` / ``template_name`` / ``prompt_id``): the caller picks the task prompt, so
        what it hands beside the name is data of a task it writes, not a prompt it forwards (a task method,
        bench/corpus/README.md). A name handed on from a parameter (``prompt_name=prompt_name``) picks nothing, and
        a call handing its own parameter as the prompt itself (``prompt=prompt``) only labels what it forwards. A
        function some caller hands a prompt it writes right at the call (``convert(text=f"Translate ...{x}")``) is
        their calling API all the same (the composed-prompt exception of bench/corpus/README.md)."""
        fn = _owner(site.info.scope)
        if fn is None or self._composed_for(fn.key):
            return False
        callee = self.ev.scopes.get(site.callee or "")
        if callee is not None and callee.kind == "function":
            bound = [(a, name) for a, name in _bind(callee, list(site.args)) if not a.star]
        else:
            bound = [(a, a.keyword.value) for a in site.info.node.args if a.keyword is not None]
        picked = False
        for a, name in bound:
            key = a.keyword.value if a.keyword is not None else name
            if key and _SENT_PROMPT_KEY.fullmatch(key) and fn is not None and _params_in(fn, a.value):
                return False  # ``handler(prompt=prompt, prompt_name="step")``: its caller's prompt, with a label
            if not key or not templates.STORED_PROMPT_KEY.search(key):
                continue
            if fn is not None and _params_in(fn, a.value):
                continue  # ``prompt_name=name or "chat"``: the caller's pick on some path
            if not _only_literal_bindings(site.info.scope, a.value):
                continue  # ``prompt_name = settings.get("prompt_name")`` on some path: the data's pick, no fixed one
            value = self.ev.static_str(a.value, site.info.scope)
            if value and value.strip():
                picked = True
        return picked

    def _composed_for(self, key: str) -> bool:
        """Whether a call of the function ``key`` outside the tests writes the prompt text it hands over
        (``_authors``): callers reach the model through it with prompts of their own."""
        memo = self._composed_memo
        if memo is None or memo[0] != len(self.sites):
            index: dict[str, list[Site]] = {}
            for s in self.sites.values():
                if s.site == SiteKind.WRAPPER_CALL and s.callee:
                    index.setdefault(s.callee, []).append(s)
            memo = (len(self.sites), index, {})
            self._composed_memo = memo
        done: dict[str, bool] = memo[2]
        if key not in done:
            done[key] = False  # (a call of itself, a retry by recursion, reads it unsettled: not composed)
            done[key] = any(
                not _is_test_file(s.info.scope.module)
                and _owner(s.info.scope) is not None
                and _owner(s.info.scope).key != key
                and self._authors(s)
                for s in memo[1].get(key, ())[:64]
            )
        return done[key]

    def _authors_sent(self, site: Site, held: bool = True) -> bool:
        """``_authors_wrapper_call``, or the call is given a local message list the function writes with literal
        instructions (``messages = [{"role": "user", "content": "Describe the image ..."}]``, then
        ``llm.generate(messages=messages)``), on one of its paths at least (the other may send a message its caller
        built, ``messages = [given]``): the function's own task, so its parameters are not a prompt it forwards.
        (Whether a private helper is a step of its caller's task, ``_task_helper``, still reads only the former.)
        ``held``: a template object filled on some path into the local handed on counts too (``_held_fill_arg``); off
        where a method of the class hands it on (a name it holds, built before the call: bench/corpus/README.md)."""
        if self._authors_wrapper_call(site):
            return True
        if site.site != SiteKind.WRAPPER_CALL:
            return False
        fn = site.info.scope.enclosing_function()
        if fn is None:
            return False
        try:
            return (
                any(
                    isinstance(a.value, cst.Name)
                    and (self._literal_local(a.value.value, fn) or self._built_runner(a.value.value, fn))
                    for a in site.info.node.args
                )
                or any(  # a turn it writes appended to the list it sends (``messages.append({"role": "user",
                    # "content": f"Write ... {listing}"})`` on the history its caller handed in), or added to a
                    # conversation an object holds (``ctx.history.add_message(Message(content=PLAN.format(...)))``)
                    isinstance(a.value, cst.Name | cst.Attribute)
                    and self._appends_own_turn(dotted(a.value) or "", fn, site)
                    for a in site.info.node.args
                )
                or any(  # or joined after it (``msgs = [system] + msgs + [user("Now name this ...")]``)
                    isinstance(a.value, cst.Name) and self._joins_own_turn(a.value.value, fn)
                    for a in site.info.node.args
                )
                or (held and self._held_fill_sent(site, fn))
                or any(  # the list handed through a converter first: ``llm.complete(messages=fmt(messages))``
                    isinstance(a.value, cst.Call)
                    and any(
                        isinstance(b.value, cst.Name) and not b.star and self._literal_local(b.value.value, fn)
                        for b in a.value.args[:4]
                    )
                    for a in site.info.node.args
                )
            )
        except RecursionError:
            return False

    def _request_appends_own_turn(self, site: Site) -> bool:
        """A request sending the history its caller handed in after the function appended to it a turn it writes
        (``history.append({"role": "user", "content": [{"type": "text", "text": turn_text()}, image]})`` then
        ``client.chat.completions.create(messages=history)``): the function writes the task turn it sends, so the
        history is data of its own task, not a prompt it forwards (``_authors_sent`` for wrapper-calls)."""
        if site.site != SiteKind.REQUEST:
            return False
        fn = site.info.scope.enclosing_function()
        if fn is None:
            return False
        try:
            return any(
                (name := _sent_list_name(a.value)) is not None and self._appends_own_turn(name, fn, site)
                for a in site.info.node.args
            )
        except RecursionError:
            return False

    def _sends_param_message(self, site: Site) -> bool:
        """The call hands on a local message list of its function one of whose messages has for content a parameter
        of the function as it is (``{"role": "user", "content": text}``, ``Message(role="system",
        content=instruction)``, ``("human", question)``): that turn is the caller's text, not one the function writes."""
        fn = site.info.scope.enclosing_function()
        if fn is None:
            return False
        params = set(_param_names(fn))

        def content(el: cst.BaseExpression) -> cst.BaseExpression | None:
            if isinstance(el, cst.Dict):
                return next(
                    (
                        e.value
                        for e in el.elements
                        if isinstance(e, cst.DictElement)
                        and isinstance(e.key, cst.SimpleString)
                        and e.key.evaluated_value == "content"
                    ),
                    None,
                )
            if isinstance(el, cst.Call):
                return next((a.value for a in el.args if a.keyword is not None and a.keyword.value == "content"), None)
            if isinstance(el, cst.Tuple) and len(el.elements) == 2:
                return el.elements[1].value
            return None

        for a in site.info.node.args:
            if not isinstance(a.value, cst.Name):
                continue
            for b in fn.bindings.get(a.value.value, ())[:8]:
                if b[0] != "expr" or len(b) < 3 or b[2] is not fn or not isinstance(b[1], cst.List | cst.Tuple):
                    continue
                for el in b[1].elements:
                    c = content(el.value)
                    if isinstance(c, cst.Name) and c.value in params:
                        return True
        return False

    def _appends_own_turn(self, name: str, fn: Scope, site: Site) -> bool:
        """``fn`` appends to the list ``name``, above the call, a message whose static text is long enough to be its
        own instruction (``_enough_text``): the function writes the task turn it sends, whatever history the list
        held before. A call above every such append (a retry loop's first try) sends the list as it was handed."""
        pos = site.info.scope.module.pos(site.info.node)
        if pos is None:
            return False
        conds = _flag_conditions(fn)
        return any(
            m.origin != "dynamic"
            and m.role != "system"
            and _enough_text(m.static_text())
            and not _optional_flag_only(fn, conds.get(id(stmt), ()))
            and not _step_nudge(fn, stmt, pos.start.line)
            for stmt, m in appended_turns(self.ev, name, fn, pos.start.line)
        )

    def _joins_own_turn(self, name: str, fn: Scope) -> bool:
        """``fn`` binds the list ``name`` to the messages its caller handed in joined with a turn it writes after them
        (``msgs = [system(NAMING)] + msgs + [user("Now answer with a name ...")]``), one whose static text is long
        enough to be its own instruction: the function asks its own question about the caller's conversation."""
        return any(
            b[0] == "expr"
            and b[2] is fn
            and any(
                m.origin != "dynamic" and m.role != "system" and _enough_text(m.static_text())
                for m in trailing_turns(self.ev, b[1], fn)
            )
            for b in fn.bindings.get(name, ())[:8]
        )

    def _built_runner(self, name: str, fn: Scope) -> bool:
        """A local of ``fn`` bound only to a new object of a class of the tree whose methods reach a model (``agent =
        ExtractorAgent(cfg)``, ``task = Task(agent)``), handed as an argument to the call: the function sets up a
        model task of its own and has a runner run it over its data, rather than forwarding its caller's prompt."""
        reaching = self.reaching
        bindings = fn.bindings.get(name, ())
        if not reaching or len(bindings) != 1 or bindings[0][0] != "expr" or bindings[0][2] is not fn:
            return False
        made = bindings[0][1]
        if not isinstance(made, cst.Call):
            return False
        cls = self.ev.value(made.func, fn)
        if not isinstance(cls, Class):
            return False
        for key in self.ev.lineage(cls.key):
            owner = self.ev.scopes.get(key)
            if owner is None:
                continue
            if any(m.parent is owner and m.key in reaching for m in owner.module.scopes if m.kind == "function"):
                return True
        return False

    def _held_fill_sent(self, site: Site, fn: Scope) -> bool:
        """A template object filled right here is what the call sends (``prompts = [self.template.fill(question=q) for
        q in batch]``, ``p = self.check_template.fill(question=q)`` then ``llm.generate([p])``), on some path, and no
        other argument hands on a parameter as it is: a method of the template's class fills the text it holds with
        the data, so this function writes the prompt and hands only data to its slots."""
        args = [a for a in site.info.node.args if not a.star]
        filled = [a for a in args if self._held_fill_arg(a.value, fn)]
        if not filled:
            return False
        return not any(_params_in(fn, a.value, flow=self.flow) for a in args if a not in filled)

    def _held_fill_arg(self, value: cst.BaseExpression, fn: Scope) -> bool:
        """An argument that is, or is a local of ``fn`` bound on some path to, a call filling a template an object
        holds (``_fills_held_template``), one per item of a comprehension, or a one-item list of such a local."""
        if isinstance(value, cst.List | cst.Tuple) and len(value.elements) == 1:
            value = value.elements[0].value
        if not isinstance(value, cst.Name):
            return False
        for b in fn.bindings.get(value.value, ())[:8]:
            if b[0] != "expr" or b[2] is not fn:
                continue
            bound = b[1]
            if isinstance(bound, cst.ListComp | cst.GeneratorExp):
                bound = bound.elt
            if isinstance(bound, cst.Call) and self._fills_held_template(bound, fn):
                return True
        return False

    def _literal_local(self, name: str, fn: Scope) -> bool:
        """A local of ``fn`` bound (on some path) to a list / tuple holding literal prompt text (``_literal_chars``), or
        to what a message builder of the tree writing such text returns (``messages = self._prepare_messages(data)``)."""
        return any(
            b[0] == "expr"
            and b[2] is fn
            and (
                isinstance(b[1], cst.List | cst.Tuple)
                or (isinstance(b[1], cst.Call) and self._message_builder(b[1], fn) is not None)
            )
            and self._literal_chars(b[1], fn, 0, [_AUTHORED_CHARS])
            for b in fn.bindings.get(name, ())[:8]
        )

    def _writes_main_prompt(self, site: Site) -> bool:
        """``self._aask(prompt, [system_text])`` with ``prompt`` built here (from a template, a generator, chunks of a
        page): the argument for the callee's main prompt parameter carries none of the function's parameters, which
        reach only its system / instruction parameters. The function writes the task; the system text it passes on
        is an option of it."""
        callee = self.ev.scopes.get(site.callee or "")
        fn = _owner(site.info.scope)
        if callee is None or fn is None:
            return False
        names = [n for n in _param_names(callee) if _PROMPT_PARAM.search(n)]
        if not names:
            return False
        main, carried = False, False
        for a, name in _bind(callee, site.args):
            if a.star:
                return False
            params = _params_in(fn, a.value)
            if name == names[0]:
                if params:
                    return False
                main = True
            elif params:
                if not _PROMPT_PARAM.search(name):
                    return False  # a parameter reaches an option of the callee (format, tools): not this shape
                carried = True
        return main and carried

    def _definitions(self, name: str, scope: Scope, depth: int = 0) -> list[tuple[cst.CSTNode, Scope]]:
        """The expressions a name (a local, a module constant, an imported module constant) is assigned, followed
        through ``from x import NAME`` into the defining module."""
        if name in ("self", "cls") or depth > 6:
            return []
        out: list[tuple[cst.CSTNode, Scope]] = []
        for b in self.ev.bindings_of(name, scope) or ():
            if b[0] == "expr":
                out.append((b[1], b[2]))
            elif b[0] == "import":
                mod, rest = self.project.split(self.project.importable(b[1], b[2] if len(b) > 2 else None))
                if mod is not None and len(rest) == 1:
                    out += self._definitions(rest[0], mod.scope, depth + 1)
        return out[:4]

    def _literal_chars(self, expr: cst.CSTNode, scope: Scope, depth: int, budget: list[int]) -> bool:
        """Count the literal text (non-space characters) written in ``expr`` against ``budget``: strings, list / tuple
        / dict items, the arguments of a constructor (``Node(instruction="...")``, ``Node.from_children(...)``), the
        template of ``TEMPLATE.format(...)``, names followed to their definitions. True once the budget is spent."""
        if depth > 8 or budget[0] <= 0:
            return budget[0] <= 0
        if isinstance(expr, _STRING_NODES):
            budget[0] -= len("".join(self.ev.text(expr, scope).static().split()))
        elif isinstance(expr, cst.List | cst.Tuple | cst.Set):
            for el in expr.elements[:64]:
                if self._literal_chars(el.value, scope, depth + 1, budget):
                    break
        elif isinstance(expr, cst.Dict):
            for el in expr.elements[:64]:
                if isinstance(el, cst.DictElement) and self._literal_chars(el.value, scope, depth + 1, budget):
                    break
        elif isinstance(expr, cst.Call):
            name = dotted(expr.func) or ""
            if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
                return self._literal_chars(expr.func.value, scope, depth + 1, budget)  # TEMPLATE.format(...)
            if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "join" and len(expr.args) == 1:
                return self._literal_chars(expr.args[0].value, scope, depth + 1, budget)  # "\n".join(lines)
            if name[:1].isupper() or name.rsplit(".", 1)[-1][:1].isupper():  # a constructor / class factory
                for a in expr.args[:32]:
                    if self._literal_chars(a.value, scope, depth + 1, budget):
                        break
            else:  # a prompt method of the tree filling its own template (``prompts.summary_prompt(q, ctx)``)
                text = self.ev.value(expr, scope)
                if isinstance(text, Text):
                    budget[0] -= len("".join(text.static().split()))
                elif isinstance(text, Const) and isinstance(text.value, str):  # its text is all static (files read)
                    budget[0] -= len("".join(text.value.split()))
                elif (helper := message_helper_content(expr)) is not None:  # ``self.system_message("Return ...")``
                    return self._literal_chars(helper[1], scope, depth + 1, budget)
                elif (built := self._message_builder(expr, scope)) is not None:
                    # ``self.get_system_message(memories)``: a builder of the tree returning a message it writes
                    for r in built.returns[:8]:
                        if self._literal_chars(r, built, depth + 1, budget):
                            break
        elif isinstance(expr, cst.Name):
            for d, where in self._definitions(expr.value, scope):
                if self._literal_chars(d, where, depth + 1, budget):
                    break
        elif isinstance(expr, cst.IfExp | cst.BooleanOperation):  # ``given if given else self._DEFAULT`` / ``a or b``
            for side in (expr.body, expr.orelse) if isinstance(expr, cst.IfExp) else (expr.left, expr.right):
                if self._literal_chars(side, scope, depth + 1, budget):
                    break
        elif isinstance(expr, cst.Attribute):
            for d, where in self._own_attr_values(expr, scope):
                if self._literal_chars(d, where, depth + 1, budget):
                    break
        return budget[0] <= 0

    def _message_builder(self, call: cst.Call, scope: Scope) -> Scope | None:
        """The function of the tree ``call`` calls when it is a message builder: it reaches no model and returns a
        message object it makes (``Message(role="system", content=text)``, ``{"role": ..., "content": ...}``), or a
        list of them, none of its parameters handed back as it is. Its text is the calling function's own prompt."""
        target = self.ev.value(call.func, scope)
        fn = self.ev.scopes.get(target.key) if isinstance(target, Function) else None
        if fn is None or fn.kind != "function" or fn.key in self.reaching or not fn.returns:
            return None
        params = set(_param_names(fn))
        shaped = False
        for r in fn.returns[:8]:
            if isinstance(r, cst.Name) and r.value in params:
                return None
            items = [el.value for el in r.elements] if isinstance(r, cst.List | cst.Tuple) else [r]
            if any(isinstance(i, cst.Name) and i.value in params for i in items):
                return None
            shaped = shaped or any(_message_shaped(i) for i in items)
        return fn if shaped else None

    def _own_attr_values(self, expr: cst.Attribute, scope: Scope) -> list[tuple[cst.CSTNode, Scope]]:
        """The values ``self.x`` read in a method may hold: what the methods of its class (or its bases) assign to
        ``self.x`` and what the class body binds to ``x`` (``self._system = self._DEFAULT_SYSTEM`` in ``__init__``,
        ``_DEFAULT_SYSTEM = "..."`` in the class), a few at most."""
        fn = scope.enclosing_function()
        while fn is not None and fn.enclosing_class() is None and fn.parent is not None:
            fn = fn.parent.enclosing_function() if fn.parent.kind == "function" else None  # a closure in a method
        cls = fn.enclosing_class() if fn is not None else None
        if cls is None or not _is_self(fn, expr.value):  # type: ignore[arg-type]
            return []
        out: list[tuple[cst.CSTNode, Scope]] = []
        for key in self.ev.lineage(cls.key, 8):
            if len(out) >= 6:
                break
            owner = self.ev.scopes.get(key)
            if owner is None:
                continue
            for b in owner.self_attrs.get(expr.attr.value, []) + owner.bindings.get(expr.attr.value, []):
                if b[0] == "expr":
                    out.append((b[1], b[2]))
        return out[:6]

    def _writes_prompt(self, site: Site) -> bool:
        """``_authors``, or the messages the request sends (as the scan assembled them: system prompts loaded from
        template files, literal messages) hold text its function writes."""
        if self._authors(site):
            return True
        static = _static_of(site.messages)
        return _enough_text(static) or self._builder_delegates(site)

    def _builder_delegates(self, site: Site) -> bool:
        """Whether the call's arguments come from a message builder of the function's own class
        (``message = self.message_constructor(request=request)``) that hands its parameters on to a method of a
        project object it holds and keeps the result (``x = self.prompter.user_content(request=request)``): that object
        writes its own prompt around the data, as when the function called it itself (``_own_builder``); the builder
        keeps nothing as it is."""
        fn = site.info.scope.enclosing_function()
        if fn is None:
            return False
        todo: list[cst.CSTNode] = [a.value for a in site.info.node.args]
        seen = 0
        while todo and seen < 40:
            node = todo.pop()
            seen += 1
            if isinstance(node, cst.Name):
                todo += [b[1] for b in fn.bindings.get(node.value, ()) if b[0] == "expr" and b[2] is fn]
                continue
            if not isinstance(node, cst.Call) or not _own_builder(dotted(node.func) or ""):
                continue
            target = self.ev.value(node.func, fn)
            builder = self.ev.scopes.get(target.key) if isinstance(target, Function) else None
            if builder is None or not builder.params:
                continue
            params = {name for name in _param_names(builder) if _PROMPT_PARAM.search(name)}
            kept = {id(b[1]) for bs in builder.bindings.values() for b in bs if b[0] == "expr"}
            kept |= {id(r) for r in builder.returns}
            for info in builder.calls:
                parts = (dotted(info.node.func) or "").split(".")
                if len(parts) != 3 or parts[0] != builder.params[0].name.value or id(info.node) not in kept:
                    continue  # only ``x = self.<held>.<method>(...)`` (or returned): not a log line beside it
                if not any(_mentions(a.value, params) for a in info.node.args):
                    continue  # the caller's prompt is handed on, not only the node or flags
                if isinstance(self.ev.value(info.node.func, builder), Function):
                    return True
        return False

    def _prompt_not_data(self, fn: Scope, site: Site) -> set[str] | None:
        """The parameters of ``fn`` that may carry its caller's prompt into a request that writes its own task
        instruction (a system message of its own, ``_enough_text``): a parameter named as the data the task works on
        (``diff``, ``code``, ``document``) sent beside that instruction, as a message of its own, is the task's input,
        not a prompt forwarded (``evaluate_diff(diff)`` sending ``[{"role": "system", "content": RUBRIC}, {"role":
        "user", "content": diff}]`` is a task function). None: every parameter (not such a request)."""
        if site.site != SiteKind.REQUEST or site.client == "http":
            return None
        own = "".join(m.static_text() for m in site.messages if m.role == "system")
        if not _enough_text(own):
            return None
        names = set(_param_names(fn))
        data = {n for n in names if _DATA_PARAM.fullmatch(n)}
        return names - data if data else None

    def _fills_own_template(self, site: Site) -> bool:
        """``chain.ainvoke({"task": task, "data": data})`` on a prompt template whose text the function's code
        writes (``_writes_prompt``): the dict's keys are slots of that template, so the parameters are data filled
        into a task prompt, not a prompt forwarded as it is. The same for the slots given as keywords
        (``LLMChain(llm=chat, prompt=template).run(question=q, tools=t)``)."""
        if site.site == SiteKind.WRAPPER_CALL or not site.messages or not self._writes_prompt(site):
            return False
        sent = site.info.node.args if site.sent_args is None else site.sent_args
        ran = run_target(site.info.node) if site.sent_args is None else None
        sent = ran[1] if ran is not None else sent  # ``run_async_in_parallel(chain.ainvoke, inputs)``: the inputs
        args = [a for a in sent if not a.star]
        first = args[0].value if args and args[0].keyword is None else None
        slots = {p.text for m in site.messages for p in m.parts if p.hole}
        if first is None and args and all(a.keyword is not None for a in args) and site.site == SiteKind.FRAMEWORK_TASK:
            # (a keyword the template has no slot for is not sent at all)
            return any(a.keyword is not None and a.keyword.value in slots for a in args)
        if isinstance(first, cst.Name) and len(args) == 1 and len(site.messages) >= 2:
            # ``chain = PromptTemplate.from_template(TEXT) | llm`` then ``chain.invoke(query)``: a one-slot template
            # the function writes (the scan puts it before the input it is run on), filled with the one value given
            template, given = site.messages[0].parts, site.messages[-1].parts
            holes = {p.text for p in template if p.hole}
            return (
                len(holes) == 1
                and _enough_text("".join(p.text for p in template if not p.hole))
                and [(p.hole, p.text) for p in given] == [(True, first.value)]
            )
        if isinstance(first, cst.ListComp | cst.GeneratorExp):
            first = first.elt  # ``chain.abatch([{"q": q, "doc": d} for d in docs])``: one filling per item
        elif isinstance(first, cst.List | cst.Tuple) and len(first.elements) == 1:
            first = first.elements[0].value
        if not isinstance(first, cst.Dict):
            return False
        keys = [self.ev.static_str(el.key, site.info.scope) for el in first.elements if isinstance(el, cst.DictElement)]
        if not keys or any(k is None for k in keys):
            return False
        if all(k in slots for k in keys):
            return True
        # a template file's jinja slots: ``{{ dlg.history(2) }}`` names ``dlg``, ``{% for r in results %}`` names
        # ``results``; a key the template names nowhere is not sent at all
        named = {m.group(0) for s in slots if (m := _SLOT_ROOT.match(s.strip()))}
        for m in site.messages:
            for p in m.parts:
                if not p.hole:
                    named.update(w for tag in _JINJA_TAG.findall(p.text) for w in _SLOT_ROOT.findall(tag))
        return any(k in named for k in keys)

    def _fills_chain_slots(self, site: Site) -> bool:
        """``self.llm_chain.predict(callbacks=cb, **inputs)``: a call of an entry point of the tree's own chain class
        (one deriving from LangChain's ``Chain``, ``framework_hook``) from code outside that chain's lineage, handing
        only keywords and ``**`` mappings. Such a chain formats what it is handed into the prompt template it holds
        (``prompt.format_prompt(**inputs)``): the keywords are that template's slot values, data filled into a task
        prompt the chain carries, not a prompt forwarded as it is. The chain's own entry points handing their
        caller's keywords on (``predict_and_parse`` -> ``self.predict(**kwargs)``) stay forwarders."""
        if site.site != SiteKind.WRAPPER_CALL:
            return False
        callee = self.ev.scopes.get(site.callee or "")
        cls = callee.enclosing_class() if callee is not None else None
        if cls is None or self.ev.framework_hook(cls.key, "run") is None:
            return False
        args = site.info.node.args
        if not args or any(a.keyword is None and a.star != "**" for a in args):
            return False  # ``chain.run(text)``: one positional input, the chain's single input key
        if not any(a.star == "**" for a in args):
            return False
        caller = site.info.scope.enclosing_function()
        own = caller.enclosing_class() if caller is not None else None
        return own is None or cls.key not in self.ev.lineage(own.key, 20)

    def _hands_own_templates(self, site: Site) -> bool:
        """A call of a project wrapper handing it, for a prompt- or template-named parameter, template text the
        function reads from a settings object of its own (``prompt_templates=(conf.prompts.summary,
        conf.prompts.system)`` with ``conf = get_settings(settings)``, the text the settings class declares), as it is
        or through a local bound to it (a ``None`` binding aside): the function writes that task, its caller hands
        only data. A field read off a parameter (``prompt=settings.prompt``) stays the caller's text, one read off
        ``self`` what the object's construction was handed (``_local_object_field``)."""
        fn = site.info.scope.enclosing_function()
        callee = self.ev.scopes.get(site.callee or "")
        if site.site != SiteKind.WRAPPER_CALL or fn is None or callee is None or callee.kind != "function":
            return False
        for a, name in _bind(callee, [a for a in site.info.node.args if not a.star]):
            key = a.keyword.value if a.keyword is not None else name
            if not (_PROMPT_PARAM.search(key) or "template" in key.lower()):
                continue
            exprs: list[cst.BaseExpression] = [a.value]
            if isinstance(a.value, cst.Name):
                bound = fn.bindings.get(a.value.value, ())[:8]
                if not bound or any(b[0] != "expr" for b in bound):
                    continue
                exprs = [b[1] for b in bound if not (isinstance(b[1], cst.Name) and b[1].value == "None")]
            items: list[cst.BaseExpression] = []
            for e in exprs:
                items += [el.value for el in e.elements] if isinstance(e, cst.Tuple | cst.List) else [e]
            if not items or not all(_local_object_field(fn, i) for i in items):
                continue
            texts = [self.ev.text(i, site.info.scope) for i in items]
            if all(t is not None and _enough_text(t.static()) for t in texts):
                return True
        return False

    def _past_aliases(self, key: str, users: set[str], direct_fns: dict[str, set[str]]) -> set[str]:
        """The functions calling ``key``, a caller that is a public one-statement alias of it in its own class
        (``def __call__(self, name, **kw): return self.execute(name, **kw)``: its own parameters handed on as they
        are) standing for the functions that call the alias: other code reaches the method through it."""
        scope = self.ev.scopes.get(key)
        cls = scope.enclosing_class() if scope is not None else None
        if cls is None:
            return users
        out: set[str] = set()
        for who in users:
            alias = self.ev.scopes.get(who)
            if (
                alias is not None
                and alias.kind == "function"
                and alias.parent is cls
                and (not alias.name.startswith("_") or alias.name in _CALL_ALIASES)
                and _passes_params_to(alias, scope.name)
                and direct_fns.get(who)
            ):
                out |= direct_fns[who]
            else:
                out.add(who)
        return out

    def _same_owner(self, who: str, scope: Scope) -> bool:
        """Whether the calling function ``who`` is in the class of the method ``scope`` (or, for a module function,
        in its module)."""
        cls = scope.enclosing_class()
        if cls is not None:
            return self._method_of(who, cls)
        caller = self.ev.scopes.get(who)
        return caller is not None and caller.module is scope.module

    def _family_method(self, who: str, cls: Scope) -> bool:
        """Whether ``who`` is a method of ``cls``, of a class deriving from it (a hook the subclasses implement) or of
        one of its bases (``super().think()`` from an override): a step of one object, whichever class wrote it."""
        if self._method_of(who, cls):
            return True
        scope = self.ev.scopes.get(who)
        owner = scope.enclosing_class() if scope is not None and scope.kind == "function" else None
        if owner is None:
            return False
        return owner.key in self.ev.subclasses(cls.key) or cls.key in self.ev.subclasses(owner.key)

    def _mixin_peer_method(self, who: str, cls: Scope) -> bool:
        """Whether ``who`` is a method of a sibling mixin of ``cls``: both classes are bases of one class of the tree
        (``Agent(ChatPart, RunPart)``), so ``self.chat(...)`` in ``RunPart`` reaches ``ChatPart.chat`` of one object."""
        scope = self.ev.scopes.get(who)
        owner = scope.enclosing_class() if scope is not None and scope.kind == "function" else None
        if owner is None or owner is cls:
            return False
        return bool(set(self.ev.subclasses(cls.key)) & set(self.ev.subclasses(owner.key)))

    def _mixin_self_call(self, fn: Scope, site: Site, callee: str) -> bool:
        """Whether ``site`` in ``fn`` calls the method ``callee`` on ``self`` from a sibling mixin of its class
        (``self._start_stream(p)`` in ``RunPart.start`` reaching ``ChatPart._start_stream`` of ``Agent(ChatPart,
        RunPart)``): a use from another class body, which the object both are mixed into makes possible."""
        scope = self.ev.scopes.get(callee)
        cls = scope.enclosing_class() if scope is not None and scope.kind == "function" else None
        caller = fn
        while caller is not None and caller.kind == "function" and caller.enclosing_class() is None and caller.parent:
            caller = caller.parent  # a closure inside a method belongs to the method's class
        home = caller.enclosing_class() if caller is not None else None
        receiver = _receiver(site)
        return (
            cls is not None
            and home is not None
            and receiver is not None
            and _is_self(caller, receiver)  # type: ignore[arg-type]
            and self._mixin_peer_method(callee, home)
        )

    def _method_of(self, who: str, cls: Scope) -> bool:
        scope = self.ev.scopes.get(who)
        while scope is not None and scope.kind == "function" and scope.enclosing_class() is None and scope.parent:
            scope = scope.parent  # a closure inside a method belongs to the method's class
        return scope is not None and scope.enclosing_class() is cls

    @property
    def flow(self) -> _Flow:
        return _Flow(
            self._kept_args,
            self._unpassed,
            self._rebuilt_args,
            self._fills_held_template,
            self._model_answer,
            self._builder_writes_around,
        )

    def _sends_built_around(self, site: Site) -> bool:
        """Whether the call hands over a message list a builder of its function's class writes around what it is
        handed (``_builder_writes_around``): given in the call itself, or a local bound to such a call only."""
        fn = site.info.scope.enclosing_function()
        if fn is None or fn.enclosing_class() is None:
            return False
        for a in site.info.node.args:
            value = a.value
            if isinstance(value, cst.Name):
                bound = [b for b in fn.bindings.get(value.value, ()) if len(b) > 2 and b[2] is fn]  # not ("unknown",)
                if len(bound) != 1 or bound[0][0] != "expr":
                    continue
                value = bound[0][1]
            if (
                isinstance(value, cst.Call)
                and _own_builder(dotted(value.func) or "")
                and self._builder_writes_around(value, fn)
            ):
                return True
        return False

    def _builder_writes_around(self, call: cst.Call, fn: Scope) -> bool:
        """Whether ``call`` (``self._prompt(messages=picked)`` in ``fn``) calls a method of the class that returns a
        message list it writes whole: every message a constructor call or a dict (``Msg.from_system(text=...)``,
        ``{"role": "user", "content": ...}``) whose text is either an instruction of its own (literal text, or one the
        object holds, ``self.instruction``) or a formatted string holding words of its own around what it is handed
        (``f"<conversation>\n{transcript}\n</conversation>"``), with at least one of each. What the caller hands it
        (a conversation to summarise, items to rank) is rendered into that task prompt: the data of the caller's own
        task, not a prompt it forwards (CALLSITES.md: a task function writes its prompt around the data)."""
        target = self.ev.value(call.func, fn)
        builder = self.ev.scopes.get(target.key) if isinstance(target, Function) else None
        if builder is None or builder.kind != "function" or builder.enclosing_class() is None or not builder.returns:
            return False
        if builder.key in self._around_memo:
            return self._around_memo[builder.key]
        params = set(_param_names(builder))
        result = all(_written_around(builder, r, params) for r in builder.returns[:8])
        self._around_memo[builder.key] = result
        return result

    def _fills_held_template(self, call: cst.Call, fn: Scope) -> bool:
        """Whether ``call`` (``self.fill(task_description=t, draft=d)`` in ``fn``) calls a method that fills a
        template its object holds or its module writes with what it is handed (``Template(self.opening)
        .safe_substitute(**slots)``, ``self.head.format(**slots)``, ``HEAD.format(task=task)``, or a slot mapping
        built from its parameters first: ``slots = {"question": question}`` then ``self.user.format(**slots)``) and
        returns none of the parameters this call gives as it is (a template object's render method that also takes
        ready messages, ``render(question=q)`` beside ``render(messages=m)``, fills its template for the first): the
        method writes the prompt, the caller's arguments are slot data (CALLSITES.md: a template filled right there is
        a prompt written), however the slots are named."""
        target = self.ev.value(call.func, fn)
        builder = self.ev.scopes.get(target.key) if isinstance(target, Function) else None
        if builder is None or builder.kind != "function" or builder.enclosing_class() is None:
            return False
        fills, handed_back = self._held_template_fill(builder)
        if not fills or not handed_back:
            return fills
        if any(a.star for a in call.args):
            return False
        return not ({name for _, name in _bind(builder, list(call.args))} & handed_back)

    def _held_template_fill(self, builder: Scope) -> tuple[bool, frozenset[str]]:
        """Whether ``builder`` fills a template it holds with its parameters, and the parameters it hands back as they
        are (on some return path)."""
        if builder.key in self._fills_memo:
            return self._fills_memo[builder.key]
        self._fills_memo[builder.key] = (False, frozenset())  # while computing (recursion)
        params = set(_param_names(builder))
        # a local mapping or list built from the parameters (``slots = {"question": question, ...}``) carries them
        slots = {
            name
            for name, bindings in builder.bindings.items()
            if name not in params
            and bindings
            and all(
                b[0] == "expr" and b[2] is builder and isinstance(b[1], cst.Dict | cst.Call) and _mentions(b[1], params)
                for b in bindings[:8]
            )
        }
        module = builder.module.scope
        fills = False
        for info in builder.calls:
            func = info.node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in _FILLS):
                continue
            template = func.value
            if isinstance(template, cst.Call) and (dotted(template.func) or "").rsplit(".", 1)[-1] == "Template":
                template = template.args[0].value if template.args else template  # ``Template(text).substitute``
            held = (
                isinstance(template, cst.BaseString)
                or (isinstance(template, cst.Attribute) and _is_self(builder, template.value))
                or (
                    isinstance(template, cst.Name)
                    and template.value not in params
                    and _text_constant(module, template.value)
                )
            )
            if held and any(_mentions(a.value, params | slots) for a in info.node.args):
                fills = True
                break
        handed_back: set[str] = set()
        if fills:
            for r in builder.returns:
                handed_back |= _params_in(builder, r, builders=False, flow=self.flow, loops=True)
                # ``return messages, question``: a parameter handed back as it is
        self._fills_memo[builder.key] = (fills, frozenset(handed_back))
        return self._fills_memo[builder.key]

    def _unpassed(self, fn: Scope) -> frozenset[str]:
        """Parameters of ``fn`` with a default that none of its calls in the tree gives (``template=REVIEW_TEMPLATE``
        that every caller leaves as it is): the function's own text. Empty when nothing calls it, a call splats its
        arguments, or it overrides / is overridden (calls through the base are not all seen)."""
        calls = self._calls_of().get(fn.key, [])
        if fn.key in self._unpassed_memo:
            return self._unpassed_memo[fn.key]
        out: frozenset[str] = frozenset()
        if fn.kind == "function" and calls and not self.ev.overridden(fn.key) and not self.ev.overrides(fn.key):
            given: set[str] = set()
            for site in calls:
                if any(a.star for a in site.args):
                    given = set(_param_names(fn))
                    break
                given |= {name for _, name in _bind(fn, site.args)}
            out = frozenset(
                p.name.value
                for p in fn.params
                if p.default is not None and p.star not in ("*", "**") and p.name.value not in given
            )
        self._unpassed_memo[fn.key] = out
        return out

    def _calls_of(self) -> dict[str, list[Site]]:
        if self._calls_index is None or self._calls_index[0] != len(self.sites):
            index: dict[str, list[Site]] = {}
            for site in self.sites.values():
                if site.site == SiteKind.WRAPPER_CALL and site.callee is not None:
                    index.setdefault(site.callee, []).append(site)
            self._calls_index = (len(self.sites), index)
            self._unpassed_memo.clear()
        return self._calls_index[1]

    def _model_answer(self, call: cst.Call) -> bool:
        """Whether ``call`` runs a model step of the function's own object (``self.run(item)``, a call site of a
        model-reaching method): its result is the model's answer, not what it is handed. (A module helper such as an
        encoder, ``_ids(conversation, tokenizer)``, keeps what it is handed in another shape.)"""
        site = self.sites.get(id(call))
        return (
            site is not None
            and site.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)
            and _own_builder(dotted(call.func) or "")
        )

    def _kept_args(self, call: cst.Call) -> list[cst.CSTNode]:
        """The arguments of a call of a project function that it returns as they are, possibly inside a list, dict
        or message object (``format_message("user", text)`` -> ``{"role": role, "content": text}``): such a helper
        keeps a forwarded prompt what it is. One summary per function."""
        site = self.sites.get(id(call))
        if site is None:
            callee = self._helper_called(call)
            args = list(call.args)
        else:
            callee = self.ev.scopes.get(site.callee) if site.callee is not None else None
            args = site.args
            if site.site != SiteKind.WRAPPER_CALL:
                return []
        if callee is None or callee.kind != "function":
            return []
        if callee.key not in self._returned:
            self._returned[callee.key] = set()  # while computing (recursion)
            got: set[str] = set()
            for r in callee.returns:
                got |= _params_in(callee, r, builders=False, flow=self.flow, loops=True)
            self._returned[callee.key] = got | _reshaped_param(callee)
        keep = self._returned[callee.key]
        return [a.value for a, name in _bind(callee, args) if name in keep and not a.star] if keep else []

    def _rebuilt_args(self, call: cst.Call) -> list[cst.CSTNode]:
        """The arguments of a call of a project function that only rebuilds what it is handed and returns that whole
        (``request = Req.model_validate(data)`` ... ``return request``, ``return data.model_copy()``): the caller's
        request object again, not a prompt the helper writes around it. A helper returning something derived from
        its argument (its length, one key, a summary it writes) returns no argument this way."""
        site = self.sites.get(id(call))
        if site is not None:
            callee = self.ev.scopes.get(site.callee) if site.callee is not None else None
            args = site.args
        else:
            callee = self._helper_called(call)
            args = list(call.args)
        if callee is None or callee.kind != "function" or not callee.returns:
            return []
        if callee.key not in self._rebuilt:
            params = set(_param_names(callee))
            got = {_rebuilt_param(callee, r, params) for r in callee.returns}
            self._rebuilt[callee.key] = next(iter(got)) if len(got) == 1 else None
        keep = self._rebuilt[callee.key]
        return [a.value for a, name in _bind(callee, args) if name == keep and not a.star] if keep else []

    def _helper_called(self, call: cst.Call) -> Scope | None:
        """The module-level project function a call that is no site calls by its name (``shape(msgs)``,
        ``utils.shape(msgs)``): a helper reaching no model, whose kept arguments ``_kept_args`` reads all the same."""
        if not isinstance(call.func, cst.Name | cst.Attribute):
            return None
        modules = self.project.modules
        if self._call_infos is None or self._call_infos[0] != len(modules):
            index: dict[int, Any] = {}
            for mod in list(modules.values()):
                for scope in mod.scopes:
                    for info in scope.calls:
                        index[id(info.node)] = info
            self._call_infos = (len(modules), index)
        info = self._call_infos[1].get(id(call))
        if info is None:
            return None
        v = self.ev.value(call.func, info.scope)
        callee = self.ev.scopes.get(v.key) if isinstance(v, Function) else None
        if callee is None or callee.kind != "function" or callee.enclosing_class() is not None:
            return None
        return callee

    def _reenters(self, key: str, callers: set[str], inside: dict[str, list[Site]]) -> bool:
        """Whether the function ``key`` is called only from inside the implementation of a model-reaching function
        it calls back (``chat(message)`` -> ``_stream(message)`` -> ``display_loop(self, message)`` ->
        ``self.chat(message, display=False)``): a layer the API runs its own calls through (a display or
        interactive loop), not a calling API of its own; the call it makes back is where the prompt is sent. The call
        back must run on the object the layer was handed (``display_loop(self, ...)``): a method calling its own
        object's steps, or an agent that builds another of its kind and asks it (a summariser step), is no layer."""
        fn = self.ev.scopes.get(key)
        if not callers or key in callers or fn is None:
            return False
        own = set(_param_names(fn))  # ``self.step()`` in a method is its own object's next step, not a way back
        down: set[str] = set()
        todo: list[tuple[str | None, int]] = []
        for s in inside.get(key, ()):  # the calls back on the object it was handed (``bot.talk(...)``)
            target = self.ev.scopes.get(s.callee or "")
            if s.site != SiteKind.WRAPPER_CALL or target is None or s.callee == key:
                continue
            receiver = _receiver_of(s.info.node, target.name)
            if isinstance(receiver, cst.Name) and receiver.value in own:
                todo.append((s.callee, 0))
        while todo:
            at, depth = todo.pop()
            if at in down or at is None:
                continue
            down.add(at)
            if depth < 4:
                todo += [
                    (s.passed or s.callee, depth + 1)
                    for s in inside.get(at, ())
                    if s.site == SiteKind.WRAPPER_CALL and (s.passed or s.callee) not in (None, key)
                ]
        return callers <= down

    def _state_fed(self, reaching: set[str], fwd: dict[str, set[str]], inside: dict[str, list[Site]]) -> set[str]:
        """Methods that take no prompt but run a model-reaching step over the object's state, which a caller fills
        with its own data just before calling them (``self.messages.append({... text})`` or ``self.add(chunk)``, then
        ``self.respond()`` or ``Thread(target=self.respond)``): the prompt travels through the object, so each
        forwards its caller's prompt. The caller must write an attribute that the method (or the model-reaching code
        below it) reads, from one of its own parameters, on the same object, earlier in its body."""
        out: set[str] = set()
        reads: dict[str, set[str]] = {}
        for site, callee in self._calls_of_reaching(reaching):
            if callee in out or fwd.get(callee):
                continue
            target = self.ev.scopes.get(callee)
            fn = _owner(site.info.scope)
            if target is None or fn is None or target.enclosing_class() is None or fn.key == callee:
                continue
            receiver = _receiver_of(site.info.node, target.name)
            if not isinstance(receiver, cst.Name):
                continue
            written = self._written_state(fn, receiver.value, callee, _line(fn, site.info.node))
            if written and written & self._attrs_read(callee, reaching, inside, reads):
                out.add(callee)
        return out

    def _written_state(
        self, fn: Scope, obj: str, method: str, before: int, values: list[cst.CSTNode] | None = None
    ) -> set[str]:
        """Attributes of the object named ``obj`` that the function ``fn`` fills from its parameters before the line
        ``before``: lists added to (``obj.history.append(text)``), or added to by a method of the class of ``method``
        that it calls with them (``obj.add(chunk)``, which appends to ``self.history``). An attribute assigned a
        parameter (``self.computer = computer`` in ``__init__``) holds an object as often as a prompt: left out.
        ``values``, when given, receives every expression added to the object's lists there (from parameters or not)."""
        out: set[str] = set()
        prefix = method.rsplit(".", 1)[0]
        # a step taking nothing of its caller (``self._reasoning()``) can only be handed the prompt through the object:
        # there a memory object's ``add`` counts too (a step taking the task as a parameter writes its own prompt)
        target = self.ev.scopes.get(method)
        memory = target is not None and not _param_names(target)
        for node in _own_nodes(fn):
            pairs: list[tuple[str, list[cst.CSTNode]]] = []
            if _adds_to_attribute(node, memory):
                holder = node.func.value  # type: ignore[attr-defined]
                if isinstance(holder.value, cst.Name) and holder.value.value == obj:
                    pairs.append((holder.attr.value, [a.value for a in node.args]))  # type: ignore[attr-defined]
            elif (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == obj
            ):
                helper = self.ev.scopes.get(f"{prefix}.{node.func.attr.value}")
                if helper is not None and helper.key != method and helper.kind == "function":
                    for attr in _self_fed(helper):
                        pairs.append((attr, [a.value for a in node.args]))
            if not pairs or _line(fn, node) >= before:
                continue
            for attr, written in pairs:
                if values is not None:
                    values.extend(written)
                if any(_params_in(fn, v, flow=self.flow) - {obj} for v in written):
                    out.add(attr)
        return out

    def _state_params(self, fn: Scope, arg: cst.BaseExpression, fed: dict[str, list[cst.CSTNode]], at: int) -> set[str]:
        """Parameters of the method ``fn`` that reach a forwarded argument ``arg`` through the object's state: ``fn``
        adds them to a list held in ``self`` (``fed``) before the call at line ``at``, and ``arg`` is built by methods
        of ``self`` that read that list (``messages = self.format_messages()``)."""
        read = self._self_reads(fn, arg)
        out: set[str] = set()
        for attr, values in fed.items():
            if attr in read:
                for v in values:
                    if _line(fn, v) < at:  # (``for m in messages: self.history.append(m)``: the whole list, item by
                        out |= _params_in(fn, v, flow=self.flow, loops=True)  # item, is what the call reads back)
        return out

    def _self_reads(self, fn: Scope, expr: cst.BaseExpression) -> set[str]:
        """Attributes of ``self`` that ``expr`` in the method ``fn`` reads, through the locals it is built from and the
        methods of ``self`` it calls (three hops down, methods of the class and its bases). Memoised."""
        memo_key = (fn.key, id(expr))
        if memo_key not in self._self_read_memo:
            self._self_read_memo[memo_key] = self._self_reads_no_memo(fn, expr)
        return self._self_read_memo[memo_key]

    def _self_reads_no_memo(self, fn: Scope, expr: cst.BaseExpression) -> set[str]:
        cls = fn.enclosing_class()
        if cls is None or not fn.params:
            return set()
        local = _local_sources(fn, set(_param_names(fn)))
        out: set[str] = set()
        methods: list[tuple[Scope, cst.CSTNode, int]] = []
        todo: list[tuple[Scope, cst.CSTNode, int]] = [(fn, expr, 0)]
        seen: set[int] = set()
        while (todo or methods) and len(seen) < 4000:
            scope, node, depth = todo.pop() if todo else methods.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, cst.Attribute) and _is_self(scope, node.value):
                out.add(node.attr.value)
                member = self.ev.member(cls.key, node.attr.value, True)
                target = self.ev.scopes.get(member.key) if isinstance(member, Function) else None
                if target is not None and depth < 3 and target.kind == "function":
                    methods.append((target, target.node, depth + 1))
                continue
            if isinstance(node, cst.Name) and scope is fn and depth == 0:
                todo.extend((fn, e, 0) for e in local.get(node.value, ()))
                continue
            if isinstance(node, cst.FunctionDef):
                todo.extend((scope, c, depth) for c in getattr(getattr(node, "body", None), "body", ()))
                continue
            if isinstance(node, cst.ClassDef | cst.Lambda):
                continue
            todo.extend((scope, c, depth) for c in node.children)
        return out

    def _attrs_read(
        self, start: str, reaching: set[str], inside: dict[str, list[Site]], memo: dict[str, set[str]]
    ) -> set[str]:
        """Names of the attributes the function ``start`` and the model-reaching functions it calls (a few hops down)
        read (``interpreter.messages``, ``self.history``); one only assigned or added to (``self.log.append(x)``) is
        not read."""
        if start in memo:
            return memo[start]
        keys, todo = {start}, [(start, 0)]
        while todo:
            key, depth = todo.pop()
            for s in inside.get(key, ()) if depth < 4 else ():
                if s.site == SiteKind.WRAPPER_CALL and s.callee in reaching and s.callee not in keys:
                    keys.add(s.callee)  # type: ignore[arg-type]
                    todo.append((s.callee, depth + 1))  # type: ignore[arg-type]
        out: set[str] = set()
        for key in keys:
            out |= self._body_attrs_read(key)
        memo[start] = out
        return out

    def _body_attrs_read(self, key: str) -> frozenset[str]:
        """The attributes the body of the function ``key`` reads (``_attrs_read``'s walk of one function, the first
        20000 nodes), found once per function."""
        known = self._body_reads.get(key)
        if known is not None:
            return known
        scope = self.ev.scopes.get(key)
        if scope is None or scope.kind != "function":
            return frozenset()
        out: set[str] = set()
        todo: list[cst.CSTNode] = list(_suite_statements(scope.node))
        seen = 0
        while todo and seen < 20000:
            node = todo.pop()
            seen += 1
            if isinstance(node, cst.Assign | cst.AugAssign | cst.AnnAssign):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                todo.extend(t.value if isinstance(t, cst.Attribute) else t for t in targets)
                if node.value is not None:
                    todo.append(node.value)
                continue
            if _adds_to_attribute(node):
                todo.append(node.func.value.value)  # type: ignore[attr-defined]
                todo.extend(a.value for a in node.args)  # type: ignore[attr-defined]
                continue
            if isinstance(node, cst.Attribute):
                out.add(node.attr.value)
            todo.extend(node.children)
        self._body_reads[key] = found = frozenset(out)
        return found

    def _prompt_params(self, reaching: set[str], inside: dict[str, list[Site]]) -> dict[str, set[str]]:
        """Per reaching function, the parameters that reach what a request sends as they are (``messages=messages``,
        ``content: prompt``, or an argument of a callee's forwarding parameter): one summary per function, solved to
        a fixed point over the call graph. An abstract method forwards every parameter when an implementation (or
        none is known) forwards."""
        fwd: dict[str, set[str]] = {k: set() for k in reaching}
        reads: dict[str, set[str]] = {}  # function -> attribute names it and the model-reaching calls below it read

        def declared(key: str, scope: Scope) -> set[str]:
            """What a function without model-reaching calls of its own (a declaration its implementations fill)
            forwards: every parameter once an implementation forwards (or none is known)."""
            impls = [i for i in self.ev.overrides(key) if i in fwd]
            if impls and not any(fwd[i] for i in impls):
                return set()
            got = set(_param_names(scope))
            # not a request setting (``model``, ``temperature``) that no implementation forwards: it picks how the
            # prompt is answered, it is no prompt
            kept = {p for p in got if p not in _SETTING_KEYWORDS or any(p in fwd[i] for i in impls)}
            return kept or got

        # callees before their callers, in an order fixed by the call graph and the keys alone: the rules below that
        # read a callee's summary while it is still empty (``_hands_self``'s state hand-over, ``_dispatched_bound``'s
        # dispatch to the implementations) then read it settled wherever the calls do not loop, and whatever is left
        # to a loop is read in the same order from run to run, not in a set's order (PYTHONHASHSEED)
        order = self._callees_first(reaching, inside)
        for _ in range(64):  # grows only (a union per function): stops at its fixed point
            changed = False
            for key in order:
                scope = self.ev.scopes.get(key)
                if scope is None or scope.kind != "function":
                    continue
                own = inside.get(key, [])
                got: set[str] = declared(key, scope) if not own else set()
                for site in own:
                    if site.declared:
                        continue  # ``self.predict(question=q)``: fills the fields of a prompt the framework declares
                    if site.site != SiteKind.WRAPPER_CALL or site.callee is None:
                        if self._fills_own_template(site):
                            continue  # the parameters fill the slots of a prompt template the function writes
                        if self._request_appends_own_turn(site):
                            continue  # the history handed in is data of the task turn the function writes into it
                        writes = self._writes_prompt(site)
                        sent = _call_params(
                            scope,
                            site.info.node,
                            args=site.sent_args,
                            builders=not writes,
                            authored=writes,
                            unpack=site.client == "http",
                            flow=self.flow,
                            http=site.client == "http",
                            # an agent or graph run's input state set up by an awaited step of its own (``state,
                            # tools = await self._setup(task)``) is the run's task, not a prompt handed through
                            awaited=site.site != SiteKind.FRAMEWORK_TASK,
                        )
                        kept = self._prompt_not_data(scope, site)
                        got |= sent if kept is None else sent & kept
                        continue
                    driven = self._driven_param(scope, site, fwd, own)
                    if driven is not None:
                        got.add(driven)  # the object the caller built (with its task) is what this call runs
                    if self._authors_sent(site):
                        continue  # the caller's data goes into a task prompt this function writes: not forwarded
                    targets = fwd.get(site.callee)
                    callee = self.ev.scopes.get(site.callee)
                    if (
                        site.callee in fwd
                        and not inside.get(site.callee)
                        and callee is not None
                        and callee.kind == "function"
                    ):
                        # a declaration's summary read as its implementations stand now, not as it stood when it was
                        # last visited: whether the call binds the declaration's parameters or is dispatched to an
                        # implementation's must not hang on the order the functions are visited in
                        targets = declared(site.callee, callee)
                    if not targets and site.callee in reaching and _hands_self(scope, site.info.node):
                        # ``self.history.append(text)`` then ``self._reply()``: the prompt goes through the object's
                        # state, read by the model-reaching code it hands ``self`` to
                        read = self._attrs_read(site.callee, reaching, inside, reads)
                        at = _line(scope, site.info.node)
                        for attr, values in self._fed_with_helpers(scope).items():
                            if attr in read:
                                for v in values:
                                    if _line(scope, v) < at:
                                        got |= _params_in(scope, v, flow=self.flow)
                    if callee is not None and _nested_in(callee, scope):
                        # a closure called or handed to a retry helper here sends this function's parameters
                        got |= self._closure_sends(scope, callee, inside, fwd, set())
                    if callee is None:
                        continue
                    if targets:
                        bound = [(callee, a, name) for a, name in _bind(callee, site.args) if name in targets]
                    else:  # ``self.forward(*args, **kwargs)`` in a base whose subclasses define ``forward``: the
                        # call runs whichever implementation the object has, and hands on what one that forwards takes
                        bound = self._dispatched_bound(site, fwd)
                    if not bound:
                        continue
                    built = not self._builder_delegates(site)  # a builder whose held prompter writes the prompt
                    fed: dict[str, list[cst.CSTNode]] | None = None
                    # ``gpt(prompt, n=k, stop=stop)``: beside the prompt the call hands over, an argument bound to a
                    # request setting (by the callee's parameter or the call's keyword) picks how it is answered
                    prompted = any(not _setting_arg(a, name) for _, a, name in bound)
                    for target, a, name in bound:
                        if prompted and _setting_arg(a, name):
                            continue
                        if _carries(target, a, name):
                            got |= _params_in(scope, a.value, builders=built, flow=self.flow)
                            got |= _item_of_param(scope, a.value)
                            if fed is None:
                                fed = _self_fed(scope)
                                if memory := _memory_fed(scope):  # ``self.conversation.add_message(m)`` too
                                    fed = {k: [*fed.get(k, ()), *memory.get(k, ())] for k in {*fed, *memory}}
                            if fed:  # ``self.turns += [user(text)]`` then ``self.send(self.render())``
                                got |= self._state_params(scope, a.value, fed, _line(scope, site.info.node))
                if got - fwd[key]:
                    fwd[key] |= got
                    changed = True
            if not changed:
                break
        else:
            self.unconverged.append("prompt parameters")
        return fwd

    def _callees_first(self, reaching: Iterable[str], inside: dict[str, list[Site]]) -> list[str]:
        """``reaching`` ordered callees first (a depth-first post-order of the calls between them, through the
        implementations a call on a base reaches, each function's callees and the roots taken in key order): the same
        list whatever order ``reaching`` comes in."""
        keys = set(reaching)
        edges: dict[str, list[str]] = {}
        for key in keys:
            out: set[str] = set()
            for site in inside.get(key, ()):
                if site.site != SiteKind.WRAPPER_CALL or site.callee is None:
                    continue
                out.add(site.callee)
                out.update(self.ev.implementations(site.callee)[:64])
            out.update(i for i in self.ev.overrides(key) if i in keys)  # a declaration reads its implementations
            edges[key] = sorted(out & keys - {key})
        order: list[str] = []
        done: set[str] = set()
        for root in sorted(keys):
            if root in done:
                continue
            done.add(root)
            stack = [(root, iter(edges[root]))]
            while stack:
                node, it = stack[-1]
                nxt = next((n for n in it if n not in done), None)
                if nxt is None:
                    stack.pop()
                    order.append(node)
                    continue
                done.add(nxt)
                stack.append((nxt, iter(edges[nxt])))
        return order

    def _closure_sites(self, scope: Scope, closure: Scope, inside: dict[str, list[Site]], seen: set[str]) -> list[Site]:
        """The model-reaching calls of a closure defined in ``scope``, and of the other closures of ``scope`` it runs
        in turn (``_worker`` running ``asyncio.run(_pump())``), whose free variables are ``scope``'s names."""
        if closure.key in seen or len(seen) > 16:
            return []
        seen.add(closure.key)
        out: list[Site] = []
        for inner in inside.get(closure.key, ()):
            nested = self.ev.scopes.get(inner.callee or "") if inner.site == SiteKind.WRAPPER_CALL else None
            if nested is not None and _nested_in(nested, scope):
                out.extend(self._closure_sites(scope, nested, inside, seen))
            else:
                out.append(inner)
        return out

    def _closure_sends(
        self,
        scope: Scope,
        closure: Scope,
        inside: dict[str, list[Site]],
        fwd: dict[str, set[str]],
        seen: set[str],
    ) -> set[str]:
        """The parameters of ``scope`` that a closure defined in it sends as free variables (CALLSITES.md: a nested
        function's free variable bound to a parameter of its enclosing function carries that parameter; the enclosing
        function forwards it when it runs the closure or hands it over): what its requests send, what its calls of a
        forwarding wrapper hand on, and what the other closures of ``scope`` it runs in turn send (a thread target
        ``_worker`` running ``asyncio.run(_pump())``, whose ``_pump`` hands ``text`` to the model-reaching method)."""
        if closure.key in seen or len(seen) > 16:
            return set()
        seen.add(closure.key)
        got: set[str] = set()
        for inner in inside.get(closure.key, ()):
            if self._authors_sent(inner):
                continue  # the closure writes the task prompt it sends around those parameters
            if inner.site != SiteKind.WRAPPER_CALL or inner.callee is None:
                got |= _call_params(scope, inner.info.node, flow=self.flow, http=inner.client == "http")
                continue
            inner_callee = self.ev.scopes.get(inner.callee)
            if inner_callee is None:
                continue
            if fwd.get(inner.callee):
                for a, name in _bind(inner_callee, inner.args):
                    if name in fwd[inner.callee]:
                        got |= _params_in(scope, a.value, flow=self.flow)
            if _nested_in(inner_callee, scope):  # another closure of ``scope``: its free variables are the same
                got |= self._closure_sends(scope, inner_callee, inside, fwd, seen)
        return got

    def _fed_with_helpers(self, fn: Scope) -> dict[str, list[cst.CSTNode]]:
        """``_self_fed``, and what ``fn`` hands a method of its own class that adds its arguments to a list held in
        ``self`` (``self.add_user_message(text)``, which appends ``{"role": "user", "content": text}`` to
        ``self.messages``): by attribute name, the arguments of that call bound to the parameters it appends."""
        out = {k: list(v) for k, v in _self_fed(fn).items()}
        cls = fn.enclosing_class()
        if cls is None or not fn.params:
            return out
        for node in _own_nodes(fn):
            if not (
                isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and _is_self(fn, node.func.value)
            ):
                continue
            helper = self.ev.scopes.get(f"{cls.key}.{node.func.attr.value}")
            if helper is None or helper.key == fn.key or helper.kind != "function":
                continue
            for attr, values in _self_fed(helper).items():
                # only what the helper's own parameters put there as they are (``self.messages.append({"role": "user",
                # "content": text})``), not objects it builds from them (tasks read from a file path it is handed)
                given = set().union(*(_params_in(helper, v) for v in values)) if values else set()
                out.setdefault(attr, []).extend(a.value for a, name in _bind(helper, node.args) if name in given)
        return out

    def _dispatched_bound(self, site: Site, fwd: dict[str, set[str]]) -> list[tuple[Scope, cst.Arg, str]]:
        """(implementation, argument, its parameter) for the arguments of a call whose callee forwards nothing that
        reach a forwarding parameter of another implementation of it (an override, or a method of a sibling subclass
        when only subclasses define it), each bound by that implementation's own parameters: a call on the base type
        runs whichever one the object has (CALLSITES.md, dynamic dispatch). Empty when none forwards."""
        out: list[tuple[Scope, cst.Arg, str]] = []
        for impl in self.ev.implementations(site.callee or "")[:64]:
            targets = fwd.get(impl)
            scope = self.ev.scopes.get(impl) if targets else None
            if scope is not None:
                out.extend((scope, a, name) for a, name in _bind(scope, site.args) if name in targets)
        return out

    def export_names(self, later_round: set[str]) -> set[str]:
        """The module names another file's imports must mention to reach what was found so far (``export_pattern``).

        A module exports when it defines a wrapper or a module-level client, or was itself picked in a later round
        (it imports one and may re-export it), or is a package whose ``__init__`` imports from one that exports.
        Files can only reach those through an import naming the module.
        """
        wrappers, _ = self.wrappers()  # (every function reaching a model)
        served = self.guard.call(
            "module discovery: served routes", "<tree>", lambda: self._served_routes(wrappers), set()
        )
        if served - self.ev.served_paths:
            self.ev.served_paths = frozenset(self.ev.served_paths | served)
            self._served_urls = re.compile(
                r"""["'][^"'\n]*?(?:""" + "|".join(map(re.escape, sorted(self.ev.served_paths))) + r""")/?["'?#]"""
            )
            self.guard.call("module discovery: served routes", "<tree>", self._rescan_served, None)
        exporting = {self.ev.scopes[key].module.name for key in wrappers if key in self.ev.scopes}
        registered = sorted(
            self.ev.scopes[key].name
            for key in wrappers
            if key in self.ev.scopes and self.ev.registered_function(self.ev.scopes[key].name) == Function(key)
        )
        self._registered_calls = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, registered)) + r")\s*\(") if registered else None
        )
        exporting |= later_round
        self._protocol_defs = tuple(sorted({f"def {n}(" for n in self._structural_wrapper_methods(wrappers)}))
        exporting |= self._met_protocol_modules(wrappers)
        for mod in list(self.project.modules.values()):  # evaluation may load modules
            if mod.name in exporting:
                continue
            for name, bindings in list(mod.scope.bindings.items()):
                assigned = name != "*" and any(b[0] == "expr" for b in bindings)
                value = self.ev.bindings_value(bindings) if assigned else None
                if isinstance(value, Client) or (isinstance(value, Instance) and self._client_proxy(value.cls)):
                    exporting.add(mod.name)
                    break
            else:
                if self._exports_client_factory(mod):
                    exporting.add(mod.name)
        names = {n.rsplit(".", 1)[-1] for n in exporting}
        # a package imported by its old name (``from oldname import Chain``): the old name reaches it too
        names |= {old for old, new in self.renamed.items() if new in exporting or new.rsplit(".", 1)[-1] in names}
        self._family_words = {n.rsplit(".", 2)[-2] for n in exporting if n.count(".") >= 1} - names
        packages = [m for m in self.project.modules.values() if m.is_package and m.name not in exporting]
        while packages:  # a package re-exporting them (``from .local_model import LocalModel`` in ``__init__.py``)
            words = {m.name: _import_words(m.source) for m in packages}
            more = [m for m in packages if not names.isdisjoint(words[m.name])]
            if not more:
                break
            names |= {m.name.rsplit(".", 1)[-1] for m in more}
            packages = [m for m in packages if m not in more]
        return {n for n in names if n.isidentifier()}

    def _wrapper_methods(self, wrappers: set[str]) -> Iterator[tuple[Scope, Scope]]:
        """Each wrapper that is a method, with its class."""
        for key in wrappers:
            fn = self.ev.scopes.get(key)
            cls = fn.enclosing_class() if fn is not None and fn.kind == "function" else None
            if cls is not None:
                yield fn, cls

    def _structural_wrapper_methods(self, wrappers: set[str]) -> set[str]:
        """Names of the wrapper methods (public, no dunder) whose class names no base: such a class may implement a
        ``typing.Protocol`` of the tree by defining its methods, and its users then hold the Protocol type."""
        return {
            fn.name
            for fn, cls in self._wrapper_methods(wrappers)
            if not fn.name.startswith("_") and _names_no_base(cls)
        }

    def _met_protocol_modules(self, wrappers: set[str]) -> set[str]:
        """Modules defining a ``typing.Protocol`` that a wrapper's class implements structurally: files importing the
        Protocol reach the wrapper through it (``chat_generator: ChatGenerator`` and ``chat_generator.run(...)``)."""
        out = set()
        for key in sorted({cls.key for _, cls in self._wrapper_methods(wrappers)}):
            for proto in self.ev.protocols_met(key):
                scope = self.ev.scopes.get(proto)
                if scope is not None:
                    out.add(scope.module.name)
        return out

    def _rescan_served(self) -> None:
        """Classify again the HTTP calls of the modules scanned before the tree's served routes were known that name
        one of them in a URL (a client script picked in the first round for another reason)."""
        regex = self._served_urls
        for mod in list(self.project.modules.values()):
            if mod.name not in self.scanned or regex is None or not regex.search(mod.source or ""):
                continue
            for scope in mod.scopes:
                for info in scope.calls:
                    func = info.node.func
                    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
                    if id(info.node) in self.sites or name not in _HTTP_VERBS:
                        continue
                    self._classify_call(info)

    def _served_routes(self, reaching: set[str]) -> set[str]:
        """The URL paths of the web routes the tree's own app declares whose handler reaches a model
        (``@app.post("/solve")`` on the handler, ``app.add_api_route("/solve", run, methods=["POST"])``,
        ``app.add_url_rule("/chat", view_func=chat)``): a request the tree's client scripts send to that path
        (``requests.post("http://localhost:8002/solve", json=...)``) runs the served agent (CALLSITES.md: an HTTP
        call to a model endpoint; here the endpoint is the tree's own). The root path ``/`` is too common to say."""
        out: set[str] = set()

        def handlers(expr: cst.BaseExpression | None, scope: Scope) -> list[str]:
            if expr is None:
                return []
            if isinstance(expr, cst.IfExp):  # ``run_async if args.asy else run``
                return handlers(expr.body, scope) + handlers(expr.orelse, scope)
            value = self.ev.value(expr, scope)
            return [value.key] if isinstance(value, Function) else []

        def add(path: str | None, keys: list[str]) -> None:
            if path and path.startswith("/") and path.rstrip("/") and any(k in reaching for k in keys):
                out.add(path.rstrip("/"))

        for mod in list(self.project.modules.values()):
            if not _ROUTE_WORDS.search(mod.source or ""):
                continue
            for scope in mod.scopes:
                if scope.kind == "function":
                    for dec in scope.decorators:
                        if (
                            isinstance(dec, cst.Call)
                            and isinstance(dec.func, cst.Attribute)
                            and dec.func.attr.value in _ROUTE_DECORATORS
                            and dec.args
                            and not dec.args[0].star
                        ):
                            add(self.ev.static_str(dec.args[0].value, scope.parent or scope), [scope.key])
                for ci in scope.calls:
                    func = ci.node.func
                    if not (isinstance(func, cst.Attribute) and func.attr.value in _ROUTE_ADDERS and ci.node.args):
                        continue
                    args = list(ci.node.args)
                    if args[0].star or args[0].keyword is not None:
                        continue
                    target = next((a.value for a in args if a.keyword and a.keyword.value in _VIEW_KEYWORDS), None)
                    if target is None:
                        positional = [a.value for a in args[1:] if a.keyword is None and not a.star]
                        # ``add_url_rule(rule, endpoint, view_func)``: the view is the last one given
                        target = positional[-1] if positional else None
                    add(self.ev.static_str(args[0].value, scope), handlers(target, scope))
        return out

    def _without_hollow_wrappers(self, wrappers: set[str], ordered: list[Site]) -> set[str]:
        """Drop the wrappers whose every site inside is a wrapper-call that asks no model: a call on an object that
        answers by itself (``_receiver_answers_itself``), a dead call, a call of a wrapper dropped so, or of a function
        reaching no model (a getter handing out a store's context through a shared injector interface whose
        model-backed implementation lives elsewhere). A wrapper with no site inside stays."""
        inside: dict[str, list[Site]] = {}
        for s in ordered:
            fn = s.info.scope.enclosing_function()
            if fn is not None and fn.key in wrappers:
                inside.setdefault(fn.key, []).append(s)
        silent = {
            s.key
            for found in inside.values()
            for s in found
            if s.site == SiteKind.WRAPPER_CALL and (s.key in self.flag_dead or self._receiver_answers_itself(s))
        }
        reaching = self.reaching
        kept = set(wrappers)

        def asks_none(s: Site) -> bool:
            if s.site != SiteKind.WRAPPER_CALL or s.callee is None or s.callee in self.shims:
                return False
            if s.key in silent:
                return True
            return s.callee not in kept if s.callee in wrappers else s.callee not in reaching

        changed = True
        while changed:
            changed = False
            for key, found in inside.items():
                if key in kept and all(asks_none(s) for s in found):
                    kept.discard(key)
                    changed = True
        return kept

    def _exports_client_factory(self, mod: ModuleIndex) -> bool:
        """Whether a module-level function of ``mod`` returns a client or a client module (``get_client()`` building
        one, ``sdk()`` handing on a lazily imported ``litellm``): a file calling it reaches that SDK without naming it."""
        for bindings in list(mod.scope.bindings.values()):
            for b in bindings:
                if b[0] != "def" or b[1].kind != "function":
                    continue
                returned = None
                with self.guard.unit("client factory exports", b[1]):
                    try:
                        returned = self.ev.returns_of(b[1].key)
                    except RecursionError:
                        continue
                if isinstance(returned, Client):
                    return True
        return False

    def _tool_loop(self, scope: Scope, inside: list[Site]) -> bool:
        """A wrapper running an agent loop over tools: a ``while`` / ``for`` loop of its body that reaches the model
        (a request, or a call of a function that reaches it: ``self.get_chat_completion(...)``) and runs the tool
        calls of the answer before it goes round again: it walks them (``for call in message.tool_calls``) or hands
        them whole to a call (``self.handle_tool_calls(message.tool_calls, ...)``). A retry loop that reads one
        forced tool call's arguments (``json.loads(msg.tool_calls[0].function.arguments)``) runs no tools."""
        mod = scope.module
        for node in _subnodes(scope.node, 4000):
            if not isinstance(node, cst.While | cst.For):
                continue
            span = mod.pos(node)
            if span is None:
                continue
            if not any(self._runs_tool_calls(n) for n in _subnodes(node, 4000)):
                continue
            for s in inside:
                at = mod.pos(s.info.node)
                if (
                    at is not None
                    and span.start.line <= at.start.line <= span.end.line
                    and (s.site != SiteKind.WRAPPER_CALL or s.callee in (self.reaching or ()))
                ):
                    return True
        return False

    @staticmethod
    def _runs_tool_calls(node: cst.CSTNode) -> bool:
        """``for c in msg.tool_calls`` / ``for c in msg["tool_calls"]``, or ``run(msg.tool_calls, ...)``."""

        def whole(expr: cst.BaseExpression) -> bool:
            if isinstance(expr, cst.Attribute):
                return expr.attr.value in _TOOL_CALL_FIELDS
            if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
                key = getattr(expr.slice[0].slice, "value", None)
                return isinstance(key, cst.SimpleString) and key.value.strip("'\"") in _TOOL_CALL_FIELDS
            return False

        if isinstance(node, cst.For):
            return whole(node.iter)
        if isinstance(node, cst.Call):
            return any(whole(a.value) for a in node.args)
        return False

    def _receiver_answers_itself(self, site: Site) -> bool:
        """A call of an inherited wrapper on an object of a known subclass (``user = HumanAgent("Bob")`` ...
        ``await user(msg)``) where the wrapper reaches the model only through ``self.<hook>(...)`` steps and that
        subclass overrides each of them with a method reaching none (a person typing the reply, an echo): the object
        answers by itself, so the call asks no model (CALLSITES.md: "human" providers sharing the LLM interface)."""
        callee = self.ev.scopes.get(site.callee or "")
        owner = callee.enclosing_class() if callee is not None else None
        func = site.info.node.func
        if owner is None or callee is None:
            return False
        receiver = self.ev.value(func, site.info.scope) if callee.name == "__call__" else None
        if not isinstance(receiver, Instance) and isinstance(func, cst.Attribute):
            receiver = self.ev.value(func.value, site.info.scope)
        if not isinstance(receiver, Instance) or receiver.cls == owner.key:
            return False
        if receiver.cls not in self.ev.subclasses(owner.key):
            return False
        hooks: list[str] = []
        for s in self.sites.values():
            if _owner(s.info.scope) is not callee:
                continue
            f = s.info.node.func
            if not (
                s.site == SiteKind.WRAPPER_CALL
                and isinstance(f, cst.Attribute)
                and isinstance(f.value, cst.Name)
                and f.value.value == "self"
            ):
                return False  # a request or another object's wrapper held by the wrapper itself
            hooks.append(f.attr.value)
        reaching = self.reaching
        for name in hooks:
            impl = self.ev.member(receiver.cls, name, True)
            if not isinstance(impl, Function) or impl.key in reaching:
                return False
        return bool(hooks)

    def _client_proxy(self, cls_key: str) -> bool:
        """Whether the tree's class forwards missing attributes (``__getattr__``) to a client or a client module: an
        instance of it stands for that SDK (a lazy-loading proxy of ``litellm``)."""
        for held in self.ev.forwarding_targets(cls_key):
            if isinstance(held, Client):
                return True
            if isinstance(held, Ref) and self.ev.module_as_client(held.qname) is not None:
                return True
        return False

    # ---- graph -----------------------------------------------------------------------------------------------------
    def build(self) -> AgentGraph:
        graph = AgentGraph(GraphMeta(root=str(self.root), files=sorted(f.relpath for f in self.files.values())))
        graph.meta.facts = ["sites"]
        ordered = sorted(self.sites.values(), key=lambda s: (s.info.scope.module.path, *_start(s)))
        g = self.guard
        wrappers = g.call("wrapper discovery", "<tree>", self.api_wrappers, set())
        wrappers = g.call(
            "wrapper discovery", "<tree>", lambda: self._without_hollow_wrappers(wrappers, ordered), wrappers
        )
        own_tasks = g.call("graph build: own tasks", "<tree>", self._own_task_sites, [])
        if own_tasks:
            ordered = sorted([*ordered, *own_tasks], key=lambda s: (s.info.scope.module.path, *_start(s)))
        ids: dict[int, str] = {}  # site key -> node id
        wrapper_ids: dict[str, str] = {}
        nodes: dict[str, LLMCall] = {}
        prompts: dict[str, tuple[Message, ...]] = {}
        template_files: dict[str, str | None] = {}
        # requests and framework tasks
        tasks = [s for s in ordered if s.site == SiteKind.FRAMEWORK_TASK]
        runners = {s.runner for s in tasks if s.runner is not None}
        reaching = g.call("docstring tasks", "<tree>", lambda: self.wrappers()[0], set()) if runners else set()
        # the replacement function a docstring-task decorator runs is the calling API of every def it decorates
        wrappers = wrappers | (runners & reaching)
        for s in ordered:
            with g.unit("graph build", s):
                target = None
                if s.runner is not None and s.runner not in reaching:
                    continue  # a decorator reading docstrings whose replacement function reaches no model
                # a call of an SDK stand-in is a request of the SDK method (not one handing the stand-in on)
                shim = self.shims.get(s.callee or "") if s.site == SiteKind.WRAPPER_CALL and not s.handed else None
                if s.site == SiteKind.WRAPPER_CALL and shim is None:
                    if s.callee is not None:
                        continue
                    target = self._framework_target(s, tasks)  # Crew.kickoff runs the crew's tasks
                nid = self._site_id(s)
                if nid in nodes:
                    ids[s.key] = nid
                    continue
                ids[s.key] = nid
                nodes[nid] = LLMCall(
                    nid,
                    site=s.site if target is not None or s.site != SiteKind.WRAPPER_CALL else SiteKind.REQUEST,
                    target=target,
                    loc=self._loc(s),
                    function=s.info.scope.function_name,
                    client=shim.client if shim is not None else s.client,
                    api=shim.api if shim is not None else s.api,
                    model=s.model,
                    is_async=s.is_async,
                    stream=s.stream,
                    options=s.options,
                    output_schema=s.output_schema,
                    tools=s.tools,
                    labels=s.labels,
                )
                prompts[nid] = tuple(s.messages)
                template_files[nid] = s.template_file
        g.call(
            "graph build: config agents", "<tree>", lambda: self._config_agents(nodes, prompts, template_files), None
        )
        # wrappers (at their def line)
        for key in sorted(wrappers):
            scope = self.ev.scopes.get(key)
            if scope is None or scope.line < 1:
                continue
            nid = site_id(scope.qualname, scope.module.path, scope.line)
            wrapper_ids[key] = nid
        # wrapper-calls
        calls = [
            s
            for s in ordered
            if s.site == SiteKind.WRAPPER_CALL
            and s.callee in wrapper_ids
            and s.key not in self.flag_dead
            and not g.call("graph build", s, partial(self._receiver_answers_itself, s), False)
        ]
        for s in calls:
            ids.setdefault(s.key, self._site_id(s))
        # targets of wrappers: first request in the body, else first wrapper-call
        inner_calls: dict[str, str] = {}
        by_fn: dict[int, list[Site]] = {}
        for s in ordered:
            fn = s.info.scope.enclosing_function()
            if fn is not None:
                by_fn.setdefault(id(fn), []).append(s)

        def folded_reach(key: str, seen: set[str], reaching: set[str] | None = None) -> list[str]:
            """Requests and wrappers a function reaches through the helpers folded into their requests (a method only
            its own class calls, a private transport): they are no wrappers, so no wrapper-call stands for them.
            With ``reaching``, only through the functions that reach a model (the walk spends no budget on the
            bookkeeping methods an agent's loop also calls)."""
            out: list[str] = []
            for s in by_fn.get(id(self.ev.scopes[key]), []):
                if s.site != SiteKind.WRAPPER_CALL:
                    out += [ids[s.key]] if s.key in ids else []
                elif s.callee in wrapper_ids:
                    out.append(wrapper_ids[s.callee])  # type: ignore[index]
                elif (
                    s.callee in self.ev.scopes
                    and s.callee not in seen
                    and len(seen) < 16
                    and (reaching is None or s.callee in reaching)
                ):
                    seen.add(s.callee)  # type: ignore[arg-type]
                    out += folded_reach(s.callee, seen, reaching)  # type: ignore[arg-type]
            return list(dict.fromkeys(out))

        folded: dict[str, list[str]] = {}
        tool_loops: set[str] = set()  # wrappers running an agent loop over tools (``_tool_loop``)
        for key, nid in wrapper_ids.items():
            with g.unit("graph build", self.ev.scopes.get(key)):
                scope = self.ev.scopes[key]
                inside = by_fn.get(id(scope), [])
                direct = [s for s in inside if s.site != SiteKind.WRAPPER_CALL]
                via = [s for s in inside if s.site == SiteKind.WRAPPER_CALL and s.callee in wrapper_ids]
                target = ids[direct[0].key] if direct else wrapper_ids[via[0].callee] if via else None  # type: ignore[index]
                if target is None:
                    folded[nid] = [t for t in folded_reach(key, {key}) if t != nid]
                    if not folded[nid] and key in self.loop_entries:  # its steps, past the object's bookkeeping
                        folded[nid] = [t for t in folded_reach(key, {key}, self.reaching) if t != nid]
                    target = folded[nid][0] if folded[nid] else None
                kept = [s for s in via if s.key in ids]  # a wrapper-call dropped as dead or self-answering has no id
                if not direct and kept:
                    inner_calls[nid] = ids[
                        kept[0].key
                    ]  # its prompt: that call's, with this wrapper's arguments filled in
                if nid in nodes:  # a one-line wrapper whose request shares its id: the request stands for both
                    continue
                if self._tool_loop(scope, inside):
                    tool_loops.add(nid)
                pos = scope.module.pos(scope.node)
                nodes[nid] = LLMCall(
                    nid,
                    site=SiteKind.WRAPPER,
                    loc=Loc(scope.module.path, scope.line, (pos.start.column + 1) if pos else 1),
                    function=scope.qualname,
                    is_async=scope.is_async,
                    target=target,
                )
        step_targets = g.call(  # ``run`` -> ``self._run(...)``
            "graph build: steps", "<tree>", lambda: self._step_calls(ordered, wrapper_ids, ids, folded_reach), {}
        )
        for s in ordered:
            if s.key in step_targets:
                ids[s.key] = self._site_id(s)
                calls.append(s)
        one_step: set[str] = set()  # calls turning a tool loop off (``_one_step``)
        for s in calls:
            with g.unit("graph build", s):
                nid = ids[s.key]
                if nid in nodes:
                    continue
                if _one_step(s.info.node):
                    one_step.add(nid)
                nodes[nid] = LLMCall(
                    nid,
                    site=SiteKind.WRAPPER_CALL,
                    loc=self._loc(s),
                    function=s.info.scope.function_name,
                    is_async=s.info.awaited,
                    target=step_targets.get(s.key) or wrapper_ids[s.callee],  # type: ignore[index]
                )
        self._inherit(nodes, prompts, template_files, wrapper_ids, calls, ids, inner_calls, by_fn)
        steps = g.call("graph build: steps", "<tree>", lambda: self._receiver_steps(ordered, calls, ids), {})
        task_runs = g.call("graph build: task runs", "<tree>", lambda: self._task_runs(calls, ids, own_tasks), {})
        # consumers, outputs, flows
        consumers = find_consumers(self.ev, [s for s in ordered if s.key in ids], ids, g)
        tool_loops |= {ids[s.key] for s in ordered if s.agent_loop and s.key in ids}  # a LangChain agent's run
        for nid, node in nodes.items():
            own = consumers.get(nid, [])
            labels = node.labels or tuple(dict.fromkeys(lab for c in own for lab in c.labels))
            kinds = tuple(dict.fromkeys(c.kind for c in own)) + ((TOOL_LOOP,) if nid in tool_loops else ())
            kinds += (ONE_STEP,) if nid in one_step else ()
            nodes[nid] = _replace(node, consumers=kinds, labels=labels)
        for node in nodes.values():
            graph.add(node)
        for nid, node in nodes.items():
            with g.unit("graph build", node):
                if node.target is not None and node.target in nodes:
                    graph.add_edge(nid, node.target, EdgeKind.CALLS)
                if nid in steps and steps[nid] in nodes and steps[nid] != nid:
                    graph.add_edge(nid, steps[nid], EdgeKind.STEP)
                for task in task_runs.get(nid, ()):  # ``team.start()``: the framework tasks the team was built with
                    if task in nodes:
                        graph.add_edge(nid, task, EdgeKind.STEP)
                for other in folded.get(nid, [])[1:]:  # the other requests it reaches through folded helpers
                    if other in nodes:
                        graph.add_edge(nid, other, EdgeKind.CALLS)
                msgs = prompts.get(nid, ())
                pid = "prompt:" + nid[len("llm:") :]
                graph.add(Prompt(pid, messages=msgs, template_file=template_files.get(nid)))
                graph.add_edge(pid, nid, EdgeKind.PROMPT)
        g.call("graph build: tools", "<tree>", lambda: self._tools(graph, nodes, ids), None)
        g.call("graph build: code", "<tree>", lambda: self._code(graph, nodes, wrapper_ids, ids), None)
        g.call("graph build: outputs", "<tree>", lambda: self._outputs(graph, nodes, consumers), None)
        return graph

    def _subclass_read(
        self,
        s: Site,
        ids: dict[int, str],
        by_fn: dict[int, list[Site]],
        wrapper_ids: dict[str, str],
        resolved: Callable[[str], tuple[Message, ...]],
    ) -> tuple[Message, ...] | None:
        """A subclass method calling a base-class method on its own object (``super()._run(...)``, ``self.run(...)``
        defined on the base) whose one LLM site reads through ``self`` what the subclass overrides (a class-level
        ``PROMPT_TEMPLATE``): that site's prompt read with ``self`` an instance of the subclass, the call's arguments
        filled in, not the base's own text. None where the literal text reads the same either way (nothing
        overridden), or where the base method holds no site or several. ``resolved``: a site's prompt by id."""
        func = s.info.node.func
        if not isinstance(func, cst.Attribute) or s.key not in ids:
            return None
        recv = func.value
        own_object = (isinstance(recv, cst.Name) and recv.value == "self") or (
            isinstance(recv, cst.Call) and isinstance(recv.func, cst.Name) and recv.func.value == "super"
        )
        fn = _owner(s.info.scope)
        cls = fn.enclosing_class() if fn is not None and own_object else None
        callee = self.ev.scopes.get(s.callee or "")
        defining = callee.enclosing_class() if callee is not None else None
        if cls is None or callee is None or defining is None or cls.key == defining.key:
            return None
        if not self.ev.derives(cls.key, defining.key):
            return None
        as_subclass = partial(self.ev.receiving, cls.key)
        return self._read_inside(s, callee, ids, by_fn, wrapper_ids, resolved, as_subclass, needs_base=True)

    def _read_inside(
        self,
        s: Site,
        callee: Scope,
        ids: dict[int, str],
        by_fn: dict[int, list[Site]],
        wrapper_ids: dict[str, str],
        resolved: Callable[[str], tuple[Message, ...]],
        reading: Callable[[Callable[[], tuple[Message, ...] | None]], tuple[Message, ...] | None],
        needs_base: bool = False,
    ) -> tuple[Message, ...] | None:
        """The prompt of the one LLM site inside ``callee`` read again under ``reading`` (``self`` an instance of a
        subclass, or an object's attributes holding its construction's literals), the call ``s``'s arguments filled
        in. None where the callee holds no site or several, or the text reads the same either way (``needs_base``:
        also where the site's own prompt is empty)."""
        inside = [t for t in by_fn.get(id(callee), []) if t.key in ids]
        if len(inside) != 1:
            return None
        inner = inside[0]
        base = resolved(ids[inner.key])
        wrapper = wrapper_ids.get(inner.callee or "") if inner.site == SiteKind.WRAPPER_CALL else None
        if (needs_base and not base) or (inner.site == SiteKind.WRAPPER_CALL and wrapper is None):
            return None
        sent = resolved(wrapper) if wrapper is not None else ()

        def read() -> tuple[Message, ...] | None:
            if wrapper is not None:
                return self._substitute(sent, inner, inner.callee)
            again = classify(self.ev, inner.info)
            return tuple(again.messages) if again is not None else None

        read_again = reading(read)
        if not read_again or _literal_text(read_again) == _literal_text(base):
            return None
        return self._substitute(tuple(read_again), s, callee.key)

    def _instance_read(
        self,
        s: Site,
        ids: dict[int, str],
        by_fn: dict[int, list[Site]],
        wrapper_ids: dict[str, str],
        resolved: Callable[[str], tuple[Message, ...]],
    ) -> tuple[Message, ...] | None:
        """A method called on an object whose one construction is in sight, passing literal text for parameters its
        ``__init__`` stores in attributes (``chat = Chat(system_name="sort.txt")`` then ``chat.ask(...)``): the one LLM
        site of the method read with those attributes holding the construction's literals (``Evaluator.constructed``),
        so a path built from ``self.system_name`` picks that file; the call's arguments filled in. None where the
        object's construction is not one call of a class of the tree, where it stores no literal, where the method
        holds no site or several, or where the text reads the same either way. ``resolved``: a site's prompt by id."""
        func = s.info.node.func
        callee = self.ev.scopes.get(s.callee or "")
        defining = callee.enclosing_class() if callee is not None else None
        if not isinstance(func, cst.Attribute) or s.key not in ids or callee is None or defining is None:
            return None
        built = self._construction(func.value, s.info.scope)
        if built is None:
            return None
        cls_key, attrs = built
        if cls_key != defining.key and not self.ev.derives(cls_key, defining.key):
            return None
        as_built = partial(self.ev.constructed, cls_key, attrs)
        return self._read_inside(s, callee, ids, by_fn, wrapper_ids, resolved, as_built)

    def _construction(self, recv: cst.BaseExpression, scope: Scope) -> tuple[str, dict[str, str]] | None:
        """(class, attribute -> literal text) of the object ``recv`` names where it is one construction of a class of
        the tree in sight (``chat = Chat("sort.txt", user_name="sort.user.txt")`` bound once in the function, or
        ``Chat(...)`` itself): each attribute its ``__init__`` sets straight from a parameter
        (``self.system_name = system_name``) that the construction gives a literal string."""
        node: Any = recv
        where = scope
        if isinstance(recv, cst.Name):
            bindings = self.ev.bindings_of(recv.value, scope) or []
            if len(bindings) != 1 or bindings[0][0] != "expr" or bindings[0][2] is not scope:
                return None
            node, where = bindings[0][1], bindings[0][2]
        if not isinstance(node, cst.Call):
            return None
        cls = self.ev.value(node.func, where)
        if not isinstance(cls, Class):
            return None
        init = self.ev.member(cls.key, "__init__", False)
        init_scope = self.ev.scopes.get(init.key) if isinstance(init, Function) else None
        if init_scope is None or init_scope.enclosing_class() is None:
            return None
        given: dict[str, str] = {}
        for arg, name in _bind(init_scope, list(node.args)):
            value = self.ev.static_str(arg.value, where) if not arg.star else None
            if value is not None:
                given[name] = value
        if not given:
            return None
        me = init_scope.params[0].name.value if init_scope.params else "self"
        attrs: dict[str, str] = {}
        for stmt in _own_nodes(init_scope):
            if not isinstance(stmt, cst.Assign | cst.AnnAssign):
                continue
            targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
            value = stmt.value
            if not isinstance(value, cst.Name) or value.value not in given:
                continue
            for t in targets:
                if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == me:
                    attrs.setdefault(t.attr.value, given[value.value])
        return (cls.key, attrs) if attrs else None

    def _receiver_steps(self, ordered: list[Site], calls: list[Site], ids: dict[int, str]) -> dict[str, str]:
        """Wrapper-calls of a method a subclass object inherits (``GenKeyword(llm).run(q)``, ``self.host.run(m)``
        with ``run`` defined on the base): the one LLM site the receiver's own class holds (its override of the step
        ``run`` dispatches to, with that sub-agent's own prompt), by wrapper-call id. None where the object's type is
        unknown, where the called method is its class's own, where it calls on ``self`` no hook the receiver's class
        overrides, or where those overrides hold no site or several."""
        own: dict[str, dict[str, str]] = {}  # class key -> LLM site id in its own methods -> the method's name
        for s in ordered:
            fn = s.info.scope.enclosing_function()
            cls = fn.enclosing_class() if fn is not None else None
            if cls is not None and s.key in ids:
                own.setdefault(cls.key, {})[ids[s.key]] = fn.name  # type: ignore[union-attr]
        out: dict[str, str] = {}
        for s in calls:
            func = s.info.node.func
            callee = self.ev.scopes.get(s.callee or "")
            if not isinstance(func, cst.Attribute) or callee is None or s.key not in ids:
                continue
            if isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
                continue  # its own object: the caller's class, not a sub-agent
            defining = callee.enclosing_class()
            try:
                receiver = self.ev.value(func.value, s.info.scope)
            except RecursionError:
                continue
            if not isinstance(receiver, Instance) or defining is None or receiver.cls == defining.key:
                continue
            if not self.ev.derives(receiver.cls, defining.key):
                continue  # an object typed by a common base, the method found on one subclass: no one class
            hooks = {  # the methods the called one dispatches to on its own object (``run`` -> ``self._run(...)``)
                f.attr.value
                for c in callee.calls
                if isinstance(f := c.node.func, cst.Attribute)
                and isinstance(f.value, cst.Name)
                and f.value.value == "self"
            }
            found = {  # in the receiver's override of such a hook
                nid
                for nid, name in own.get(receiver.cls, {}).items()
                if nid != ids[s.key]
                and name in hooks
                and isinstance(self.ev.member(defining.key, name, True), Function)
            }
            if len(found) == 1:
                out[ids[s.key]] = next(iter(found))
        return out

    def _step_calls(
        self,
        ordered: list[Site],
        wrapper_ids: dict[str, str],
        ids: dict[int, str],
        reach: Callable[[str, set[str]], list[str]],
    ) -> dict[int, str]:
        """Calls of a private step that stand for a wrapper reaching a wrapper (site key -> the wrapper reached): a
        calling API running an abstract hook its subclasses implement on its own object (``run`` ->
        ``self._run(...)``), and overrides extending that hook (``super()._run(...)`` in ``_run``), when the hook reaches the model only
        through other wrappers (``_run`` -> ``self._call_llm(...)``). The hook itself stays folded (no wrapper row).
        Not for a hook holding its request (or reaching it through folded helpers): that request is the site
        (``override_chains.py``); nor for a step no API dispatches to directly (a deeper step of a loop)."""
        apis = set(wrapper_ids.values())

        def through_wrappers(keys: list[str]) -> str | None:
            first = None
            for key in keys:
                found = reach(key, {key}) if key in self.ev.scopes else []
                if found and not all(t in apis for t in found):
                    return None
                first = first or (found[0] if found else None)
            return first

        out: dict[int, str] = {}
        hooks: set[str] = set()
        extending: list[tuple[Site, str]] = []
        for s in ordered:
            callee = s.callee or ""
            node = s.info.node
            fn = _owner(s.info.scope)
            if s.site != SiteKind.WRAPPER_CALL or callee in wrapper_ids or s.key in ids or fn is None:
                continue
            if callee not in self.ev.scopes or not _is_private(callee) or not isinstance(node, cst.Call):
                continue
            if _super_same_name(node, fn.name):
                extending.append((s, callee))
                continue
            func = node.func
            on_self = (
                isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"
            )
            impls = self.ev.implementations(callee)
            if on_self and fn.key in wrapper_ids and impls and not reach(callee, {callee}):  # an abstract hook
                target = through_wrappers(impls)
                if target is not None:
                    out[s.key] = target
                    hooks.add(callee)

        def above(key: str) -> set[str]:  # the methods ``key`` overrides, all the way up
            seen: set[str] = set()
            todo = [key]
            while todo and len(seen) < 32:
                for base in self.ev.overridden(todo.pop()):
                    if base not in seen:
                        seen.add(base)
                        todo.append(base)
            return seen

        for s, callee in extending:
            if callee in hooks or hooks & above(callee):
                target = through_wrappers([callee])
                if target is not None:
                    out[s.key] = target
        return out

    def _config_agents(
        self, nodes: dict[str, LLMCall], prompts: dict[str, tuple[Message, ...]], files: dict[str, str | None]
    ) -> None:
        """Agents a workflow engine of the tree builds from its YAML configs (``templates.config_agents``): framework
        tasks at the node's line, their prompt the node's own text with its slots. Only for folders analysed as a
        whole whose Python code makes LLM calls (the configs are that code's input)."""
        if not any(f.path is not None for f in self.files.values()):
            return
        if not any(s.site != SiteKind.WRAPPER_CALL or s.callee is None for s in self.sites.values()):
            return
        roots = [self.root] if self.config_roots is None else self.config_roots
        found = [agent for folder in roots for agent in templates.config_agents(folder, self.root)]
        for rel, line, prompt, model, provider, source in found:
            nid = site_id("<config>", rel, line)
            if nid in nodes:
                continue
            text = Text((PromptPart(prompt),), "template-file", source)
            msg = Message("system", templates.with_slots(text).parts, "template-file")
            nodes[nid] = LLMCall(
                nid,
                site=SiteKind.FRAMEWORK_TASK,
                loc=Loc(rel, line),
                function="<config>",
                client=provider or "unknown",
                api="config-agent",
                model=model,
            )
            prompts[nid] = (msg,)
            files[nid] = source

    def _framework_target(self, s: Site, tasks: list[Site]) -> str | None:
        """The crew task a framework wrapper-call (``Crew.kickoff``) runs: the nearest crewAI task in the tree (same
        folder first); an agent SDK's run (another framework's, or a served agent's team) runs its own agent."""
        here = s.info.scope.module.path.split("/")
        tasks = [t for t in tasks if t.client == s.client and t.api in clients.FRAMEWORK_TASKS]

        def shared(t: Site) -> int:
            there = t.info.scope.module.path.split("/")
            n = 0
            while n < min(len(here), len(there)) - 1 and here[n] == there[n]:
                n += 1
            return n

        best = max(tasks, key=shared, default=None)
        if best is None or (shared(best) == 0 and len(here) > 1):
            return None
        return self._site_id(best)

    def _site_id(self, s: Site) -> str:
        line, _ = _start(s)
        return site_id(s.info.scope.function_name, s.info.scope.module.path, line)

    def _loc(self, s: Site) -> Loc:
        pos = s.info.scope.module.pos(s.at if s.at is not None else s.info.node)
        if pos is None:
            return Loc(s.info.scope.module.path, 1)
        return Loc(s.info.scope.module.path, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)

    def _inherit(
        self,
        nodes: dict[str, LLMCall],
        prompts: dict[str, tuple[Message, ...]],
        files: dict[str, str | None],
        wrapper_ids: dict[str, str],
        calls: list[Site],
        ids: dict[int, str],
        inner_calls: dict[str, str] | None = None,
        by_fn: dict[int, list[Site]] | None = None,
    ) -> None:
        """Wrappers and wrapper-calls take client/api/model/options from the request they reach; prompts with the
        wrapper's parameters replaced by the arguments of each call. A wrapper reaching its request through another
        wrapper sends what its call of that wrapper sends (``inner_calls``: wrapper id -> that call's id). A subclass
        calling a base method on its own object sends that method's prompt read as the subclass (``by_fn``: the
        sites inside each function, by id of its scope; ``_subclass_read``)."""
        inner_calls = inner_calls or {}
        call_of = {ids[s.key]: s for s in calls}
        key_of = {nid: key for key, nid in wrapper_ids.items()}
        done: dict[str, tuple[Message, ...]] = {}
        site_of = {ids[s.key]: s for s in self.sites.values() if s.key in ids}
        step_calls: dict[str, list[Site]] = {}  # calls of each function, internal steps' included
        calls_in: dict[str, list[Site]] = {}  # the calls each function makes
        for s in self.sites.values():
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None:
                step_calls.setdefault(s.callee, []).append(s)
                fn = _owner(s.info.scope)
                if fn is not None:
                    calls_in.setdefault(fn.key, []).append(s)

        def resolve(nid: str, seen: frozenset[str]) -> tuple[Message, ...]:
            if nid in done:
                return done[nid]
            node = nodes.get(nid)
            if node is None or nid in seen or node.site in (SiteKind.REQUEST, SiteKind.FRAMEWORK_TASK):
                return prompts.get(nid, ())
            target = node.target
            inner = inner_calls.get(nid) if node.site == SiteKind.WRAPPER else None
            msgs = resolve(inner or target, seen | {nid}) if (inner or target) else ()
            if not msgs and node.site == SiteKind.WRAPPER and nid in key_of:
                # an abstract method: what its implementations send (the first that sends anything); a test double's
                # (a caching stand-in that renders the prompt object itself) only when no implementation of the running
                # code sends anything: a double illustrates the interface, the running code's implementations fill it
                for impl in sorted(self.ev.overrides(key_of[nid]), key=self._illustrative):
                    if impl in wrapper_ids and wrapper_ids[impl] not in seen:
                        msgs = resolve(wrapper_ids[impl], seen | {nid})
                        if msgs:
                            break
            if node.site == SiteKind.WRAPPER and msgs and nid in key_of and (inner or target):
                below = site_of.get(inner or target or "")
                if below is not None:
                    msgs = self._through_steps(msgs, key_of[nid], below, step_calls, calls_in)
            named: tuple[Text, str] | None = None
            if node.site == SiteKind.WRAPPER_CALL and nid in call_of:
                msgs = self._substitute(msgs, call_of[nid], key_of.get(target or ""))
                if call_of[nid].declared and call_of[nid].messages:  # the instruction the receiver's class declares
                    msgs = (*call_of[nid].messages, *msgs)
                named = self._named_template(call_of[nid], key_of.get(target or ""))
                if named is not None:  # the caller picks the wrapper's template by name: that file is its task
                    msgs = (*msgs, Message("user", named[0].parts, "template-file"))
                if by_fn is not None:
                    again = self._subclass_read(
                        call_of[nid], ids, by_fn, wrapper_ids, lambda other: resolve(other, seen | {nid})
                    )
                    msgs = again if again is not None else msgs
                    if again is None:
                        again = self._instance_read(
                            call_of[nid], ids, by_fn, wrapper_ids, lambda other: resolve(other, seen | {nid})
                        )
                        msgs = again if again is not None else msgs
            req = nodes.get(target or "")
            seen_req = self._request(nodes, nid)
            if seen_req is not None:
                nodes[nid] = _replace(
                    node,
                    client=seen_req.client,
                    api=seen_req.api,
                    model=seen_req.model,
                    stream=seen_req.stream,
                    options=dict(seen_req.options),
                    output_schema=seen_req.output_schema,
                    tools=seen_req.tools,
                    labels=seen_req.labels or tuple(labels_from_prompt(list(msgs))),
                )
                if node.site == SiteKind.WRAPPER_CALL and nid in call_of:
                    nodes[nid] = self._call_options(nodes[nid], call_of[nid], key_of.get(target or ""))
                files[nid] = files.get(seen_req.id)
            elif node.site == SiteKind.WRAPPER_CALL and nid in call_of:
                nodes[nid] = self._call_schema(nodes[nid], call_of[nid])
            inner_file = files.get(inner or target or "") if node.site != SiteKind.REQUEST else None
            if named is not None:
                files[nid] = named[1]
            elif inner_file and inner_file != files.get(seen_req.id if seen_req is not None else ""):
                files[nid] = inner_file  # a wrapper (or a call of it) whose inner call names its template
            del req
            done[nid] = msgs
            prompts[nid] = msgs
            return msgs

        for nid in list(nodes):
            with self.guard.unit("prompt resolution", nodes[nid]):
                resolve(nid, frozenset())
        self.guard.call(
            "prompt resolution", "<tree>", lambda: self._from_callers(nodes, prompts, wrapper_ids, ids), None
        )

    def _call_options(self, node: LLMCall, call: Site, wrapper_key: str | None = None) -> LLMCall:
        """A wrapper-call's own request options (``llm.ask(prompt, tools=TOOLS, tool_choice="required")``): what the
        wrapper forwards for this call, over what its request writes for every call (often just the parameter). The
        tools may also come by position, to the wrapper's parameter of that name (``complete(msgs, model, None)`` of
        ``def complete(messages, model, tools)``)."""
        fn = self.ev.scopes.get(wrapper_key or "")
        named = [
            (a, a.keyword.value if a.keyword is not None else name)
            for a, name in (_bind(fn, list(call.args)) if fn is not None else ((a, "") for a in call.args))
            if not a.star and (a.keyword is not None or name in ("tools", "functions"))
        ]
        own = {key: self.ev.option_value(a.value, call.info.scope) for a, key in named if key in _CARRIED_OPTIONS}
        tools = node.tools
        expr = next((a.value for a, key in named if key in ("tools", "functions")), None)
        if expr is not None:
            tools = tuple(dict.fromkeys(tool_names(self.ev, expr, call.info.scope))) or tools
        node = _replace(node, options={**node.options, **own}, tools=tools) if own else node
        return self._call_schema(node, call)

    def _call_schema(self, node: LLMCall, call: Site) -> LLMCall:
        """The schema a wrapper-call hands in for its answer (``agent(msg, structured_model=Choice)``,
        ``ask(msgs, format_template=Plan)``): what this call's answer fits, whatever its wrapper's request writes. A
        keyword of the usual schema names naming a class, or any keyword naming a pydantic model of the tree; not
        ``structured_model=structured_model`` (the caller's own parameter handed on), ``None`` or ``str`` (a dict's
        format is among the options already)."""
        schema = next(
            (
                a.value
                for a in call.args
                if a.keyword is not None
                and isinstance(a.value, cst.Name | cst.Attribute)
                and not (isinstance(a.value, cst.Name) and a.value.value in (a.keyword.value, "None", "str", "dict"))
                and (
                    (a.keyword.value in _SCHEMA_OPTIONS and self._names_a_class(a.value, call.info.scope))
                    or self.ev.is_pydantic_model(self.ev.value(a.value, call.info.scope))
                )
            ),
            None,
        )
        if schema is None:
            return node
        source = self.ev.source(schema, call.info.scope)
        labels = tuple(labels_from_schema(self.ev, source, call.info.scope)) or node.labels
        return _replace(node, output_schema=source, labels=labels)

    def _names_a_class(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """Whether ``expr`` names a class, the tree's or an imported one (``Choice``, ``models.Verdict``), not data
        the object holds (``self.reply_schema`` loaded from a file: a schema whose fields cannot be read here)."""
        try:
            value = self.ev.value(expr, scope)
        except RecursionError:
            return False
        return isinstance(value, Class | Ref)

    def _through_steps(
        self,
        msgs: tuple[Message, ...],
        wrapper_key: str,
        below: Site,
        step_calls: dict[str, list[Site]],
        calls_in: dict[str, list[Site]],
    ) -> tuple[Message, ...]:
        """A wrapper reaching its request through internal steps of its own (``ask(prompt)`` -> ``self._send(prompt)``
        -> ``create(messages=messages)``, or a batch sent one item at a time: ``generate(batch)`` -> ``[self._one(m)
        for m in batch]``): the request's holes name the step's parameters, so they are read back hop by hop through
        the wrapper's own calls of those steps, until they name the wrapper's parameters (which its callers fill).
        Without this a wrapper-call kept the step's parameter (``{messages}``) as a hole beside the caller's text."""
        reach = {wrapper_key}
        frontier = [wrapper_key]
        for _ in range(4):  # the functions the wrapper reaches through its own calls (a few hops)
            nxt: list[str] = []
            for key in frontier:
                for s in calls_in.get(key, ())[:32]:
                    if s.callee is not None and s.callee not in reach:
                        reach.add(s.callee)
                        nxt.append(s.callee)
            frontier = nxt
        fn = _owner(below.info.scope)
        seen: set[str] = set()
        for _ in range(4):
            if fn is None or fn.key == wrapper_key or fn.key not in reach or fn.key in seen:
                break
            seen.add(fn.key)
            holes = {p.text.lstrip("*") for m in msgs for p in m.parts if p.hole}
            if not holes & set(_param_names(fn)):
                break
            ups = [
                c
                for c in step_calls.get(fn.key, ())
                if (o := _owner(c.info.scope)) is not None and o.key in reach and o.key != fn.key
            ]
            if len(ups) != 1:
                break  # several paths down to the step: which one the wrapper takes is not one reading
            msgs = self._substitute(msgs, ups[0], fn.key)
            fn = _owner(ups[0].info.scope)
        return msgs

    def _from_callers(
        self,
        nodes: dict[str, LLMCall],
        prompts: dict[str, tuple[Message, ...]],
        wrapper_ids: dict[str, str],
        ids: dict[int, str],
    ) -> None:
        """A site whose prompt is a parameter of its function (``def write_code(self, prompt): self._aask(prompt)``)
        sends what the function's callers pass: when that function is not an API wrapper (its callers are not sites
        of their own) or has one caller only, the holes are filled from a caller's arguments, hop by hop up the
        callers (a few hops), the caller filling the most literal text first."""
        callers: dict[str, list[Site]] = {}
        for s in self.sites.values():
            if s.site == SiteKind.WRAPPER_CALL and s.callee is not None:
                callers.setdefault(s.callee, []).append(s)
        by_nid = {ids[s.key]: s for s in self.sites.values() if s.key in ids}
        for nid, node in nodes.items():
            site = by_nid.get(nid)
            msgs = prompts.get(nid, ())
            if site is None or node.site == SiteKind.WRAPPER or not msgs:
                continue
            fn = _owner(site.info.scope)
            in_test = _is_test_file(site.info.scope.module)
            seen: set[str] = set()
            for _ in range(4):
                if fn is None or fn.key in seen:
                    break
                seen.add(fn.key)
                params = set(_param_names(fn))
                holes = {p.text.lstrip("*") for m in msgs for p in m.parts if p.hole}
                if not params & holes:
                    break
                outside = [c for c in callers.get(fn.key, []) if (_owner(c.info.scope) or fn).key != fn.key]
                if not in_test:  # a test's stand-in text (``"test prompt"``) is not what the program sends
                    outside = [c for c in outside if not _is_test_file(c.info.scope.module)]
                if fn.key in wrapper_ids and len(outside) != 1:
                    msgs = self._fill_defaults(msgs, fn, set())
                    break  # an API wrapper: each of its callers is a site of its own
                best: tuple[int, tuple[Message, ...], Site] | None = None
                for caller in outside[:8]:
                    passed = {name for _, name in _bind(fn, list(caller.args))}
                    filled = self._substitute(self._fill_defaults(msgs, fn, passed), caller, fn.key)
                    literal = sum(len(p.text) for m in filled for p in m.parts if not p.hole)
                    if best is None or literal > best[0]:
                        best = (literal, filled, caller)
                if best is None:
                    msgs = self._fill_defaults(msgs, fn, set())
                    break
                msgs = best[1]
                fn = _owner(best[2].info.scope)
            prompts[nid] = msgs

    def _fill_defaults(self, msgs: tuple[Message, ...], fn: Scope, passed: set[str]) -> tuple[Message, ...]:
        """Holes naming a parameter of ``fn`` that the caller does not pass (``passed``) and whose default is text
        (``def run(self, req, instructions=INSTRUCTIONS)``): the default is what is sent."""
        defaults: dict[str, tuple[PromptPart, ...]] = {}
        for p in fn.params:
            name = p.name.value
            if p.default is None or p.star or name in passed:
                continue
            try:
                text = self.ev.text(p.default, fn)
            except RecursionError:
                continue
            if any(not q.hole and q.text.strip() for q in text.parts):
                defaults[name] = text.parts
        if not defaults:
            return msgs
        out: list[Message] = []
        for m in msgs:
            if not any(q.hole and q.text in defaults for q in m.parts):
                out.append(m)
                continue
            parts: list[PromptPart] = []
            for q in m.parts:
                parts.extend(defaults[q.text] if q.hole and q.text in defaults else (q,))
            out.append(Message(m.role, tuple(_merge(parts)), m.origin))
        return tuple(out)

    def _request(self, nodes: dict[str, LLMCall], nid: str) -> LLMCall | None:
        seen: set[str] = set()
        cur = nodes.get(nid)
        while cur is not None and cur.site in (SiteKind.WRAPPER, SiteKind.WRAPPER_CALL) and cur.id not in seen:
            seen.add(cur.id)
            cur = nodes.get(cur.target or "")
        return cur if cur is not None and cur.site in (SiteKind.REQUEST, SiteKind.FRAMEWORK_TASK) else None

    def _substitute(self, msgs: tuple[Message, ...], call: Site, wrapper_key: str | None) -> tuple[Message, ...]:
        return self._caller_set_history(self._handed_fields(self._substitute_args(msgs, call, wrapper_key), call), call)

    def _handed_fields(self, msgs: tuple[Message, ...], call: Site) -> tuple[Message, ...]:
        """An object handed to a wrapper (``runner.run(bot=helper, ...)``) built with its own value for a field whose
        class default the prompt shows (``Bot(persona="You answer in Spanish.")`` where the class declares ``persona:
        str = "You are a helpful bot."``, read as ``bot.persona`` below the wrapper): the object sends what it was
        built with. The default's text, met as literal text of the messages, gives way to the construction's."""
        swaps: list[tuple[str, Text]] = []
        for a in call.args[:8]:
            if a.star or not isinstance(a.value, cst.Name):
                continue
            made = self._construction_of(a.value.value, call.info.scope)
            if made is None:
                continue
            ctor, where = made
            cls = self.ev.value(ctor.func, where)
            if not isinstance(cls, Class):
                continue
            for k in ctor.args:
                if k.keyword is None:
                    continue
                try:
                    default = self.ev.member(cls.key, k.keyword.value, False)
                    if not isinstance(default, Const) or not isinstance(default.value, str):
                        continue
                    if len(default.value.split()) < _FIELD_WORDS:
                        continue
                    text = self._field_text(k.value, where)
                except RecursionError:
                    continue
                if text is not None and text.static().strip() and text.static() != default.value:
                    swaps.append((default.value, text))
        if not swaps:
            return msgs
        out: list[Message] = []
        for m in msgs:
            parts: list[PromptPart] = []
            for p in m.parts:
                hit = next(((d, t) for d, t in swaps if not p.hole and d in p.text), None)
                if hit is None:
                    parts.append(p)
                    continue
                before, _, after = p.text.partition(hit[0])
                parts += [PromptPart(before)] if before else []
                parts += list(hit[1].parts)
                parts += [PromptPart(after)] if after else []
            out.append(Message(m.role, tuple(_merge(parts)), m.origin))
        return tuple(out)

    def _field_text(self, expr: cst.BaseExpression, scope: Scope) -> Text | None:
        """The text a constructor keyword gives a field: the expression's text, or what a function handed in its
        place returns (``instructions=make_instructions``, called with the object's context when it is read)."""
        value = self.ev.value(expr, scope)
        if isinstance(value, Function):
            fn = self.ev.scopes.get(value.key)
            if fn is None or len(fn.returns) != 1 or fn.returns[0] is None:
                return None
            return self.ev.text(fn.returns[0], fn)
        return self.ev.text(expr, scope)

    def _construction_of(self, name: str, scope: Scope, depth: int = 0) -> tuple[cst.Call, Scope] | None:
        """The constructor call a name is bound to once (``helper = Bot(...)``), here or in the module it is imported
        from; None for a name bound otherwise or more than once."""
        bindings = self.ev.bindings_of(name, scope) or []
        if len(bindings) != 1 or depth > 4:
            return None
        b = bindings[0]
        if b[0] == "expr" and isinstance(b[1], cst.Call) and len(b) > 2 and isinstance(b[2], Scope):
            return b[1], b[2]
        if b[0] != "import" or len(b) < 3:
            return None
        mod, rest = self.ev.project.split(self.ev.project.importable(b[1], b[2]))
        if mod is None or len(rest) != 1:
            return None
        return self._construction_of(rest[0], mod.scope, depth + 1)

    def _caller_set_history(self, msgs: tuple[Message, ...], call: Site) -> tuple[Message, ...]:
        """``bot.messages = [Message(role="system", content=RULES)]`` and then ``ask(bot, content=...)`` (or
        ``bot.chat(...)``): the wrapper sends the message list of the object it is handed (``self.messages``, or a
        view of it such as ``self.messages_dicts``), which the caller has just set. That list takes the place of
        the object's history hole; the caller's later appends are other paths and are left out."""
        holes = [
            i
            for i, m in enumerate(msgs)
            if len(m.parts) == 1 and m.parts[0].hole and _HISTORY_ATTR.fullmatch(m.parts[0].text.lstrip("*"))
        ]
        fn = _owner(call.info.scope)
        if not holes or fn is None:
            return msgs
        handed = {a.value.value for a in call.args if isinstance(a.value, cst.Name)}
        func = call.info.node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            handed.add(func.value.value)
        handed.discard("self")
        if not handed:
            return msgs
        line = _line(fn, call.info.node)
        setting: cst.BaseExpression | None = None
        for node in _own_nodes(fn):
            if not isinstance(node, cst.Assign) or not isinstance(node.value, cst.List):
                continue
            if _line(fn, node) >= line:
                continue
            for t in node.targets:
                target = t.target
                if (
                    isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value in handed
                    and _HISTORY_ATTR.fullmatch(f"self.{target.attr.value}")
                ):
                    setting = node.value  # the last such assignment before the call (nodes come last first)
            if setting is not None:
                break
        if setting is None:
            return msgs
        try:
            history = input_messages(self.ev, setting, call.info.scope)
        except RecursionError:
            return msgs
        if not any(m.static_text().strip() for m in history):
            return msgs
        at = holes[0]
        return msgs[:at] + tuple(history) + msgs[at + 1 :]

    def _substitute_args(self, msgs: tuple[Message, ...], call: Site, wrapper_key: str | None) -> tuple[Message, ...]:
        fn = self.ev.scopes.get(wrapper_key or "")
        if fn is None:
            return msgs
        params = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        bound: dict[str, Any] = {}
        positional = [a for a in call.args if a.keyword is None and not a.star]
        for name, a in zip(params, positional, strict=False):
            bound[name] = a.value
        for a in call.args:
            if a.keyword is not None:
                bound[a.keyword.value] = a.value
        if not bound:
            return msgs
        items = {k: self._item_source(v, call.info.scope, call.info.node) for k, v in bound.items()}
        holes = {p.text.lstrip("*") for m in msgs for p in m.parts if p.hole}
        keyed = self._keyed_entries(holes, bound, call)
        keyed.update(self._settings_built(holes - keyed.keys() - bound.keys(), bound, call, fn))
        if not holes & bound.keys() and not keyed:
            # no prompt followed below the wrapper (an abstract chain, a compressed message list), or one that lost
            # the parameters (messages rebuilt, passed through locals): what the caller hands to the wrapper's prompt
            # parameters is what it sends, after what the wrapper adds itself; a message that is a local converted
            # from those very arguments (``lc = convert_openai_messages(prompt)``) stands for them: left out
            kept = tuple(m for m in msgs if not _converted_from(fn, m, bound))
            return kept + self._argument_messages(fn, call, bound)
        unpassed = {  # ``def chat(self, text, image=None)`` called without ``image``: nothing is sent for it
            p.name.value
            for p in fn.params
            if isinstance(p.default, cst.Name) and p.default.value == "None" and p.name.value not in bound
        }
        out: list[Message] = []
        for m in msgs:
            whole = m.parts[0].text.lstrip("*") if len(m.parts) == 1 and m.parts[0].hole else None
            if whole in unpassed:
                continue  # a message holding only an optional parameter the caller leaves out
            if whole in bound:  # the message is the parameter itself (``messages=messages``, ``*history``)
                role = m.role if m.role in ("system", "prompt") else "user"
                given = items[whole]
                if isinstance(given, Text):
                    out.append(Message(role, given.parts, given.origin))
                    continue
                try:
                    out.extend(input_messages(self.ev, given, call.info.scope, role=role))
                    continue
                except RecursionError:
                    pass
            parts: list[PromptPart] = []
            origin = m.origin
            for p in m.parts:
                name = p.text.lstrip("*") if p.hole else None
                if name in keyed:  # ``prompt["user"]`` of a ``{"system": ..., "user": ...}`` argument: that entry
                    parts.extend(keyed[name].parts)
                    if origin == "dynamic" and any(not q.hole for q in keyed[name].parts):
                        origin = keyed[name].origin
                elif name in bound:
                    given = items[name]
                    text = given if isinstance(given, Text) else self.ev.text(given, call.info.scope)
                    parts.extend(text.parts)
                    if origin == "dynamic" and any(not q.hole for q in text.parts):
                        origin = text.origin  # the caller's text filled the hole
                else:
                    parts.append(p)
            out.append(Message(m.role, tuple(_merge(parts)), origin))
        out = self._keyed_system(out, keyed, holes, bound, call, fn)
        # ``def ask(system_prompt, user_prompt): bot = Bot.from_system(system_prompt); return bot.chat(user_prompt)``:
        # the system prompt the caller hands in is set on the object the wrapper sends through, so no hole of the
        # request names it; the wrapper still sends it first
        body = fn.node.body if isinstance(fn.node, cst.FunctionDef) else None
        setup = {
            n: e
            for n, e in bound.items()
            if n not in holes and _SYSTEM_PARAM.search(n) and body is not None and _mentions(body, {n})
        }
        if setup:
            out[:0] = self._argument_messages(fn, call, setup)
        # ``def next(self, messages, prompt=None)`` that does ``messages.append(HumanMessage(content=prompt))``
        # before sending ``messages``: the turn the caller adds goes after the history it hands over
        added = {n: e for n, e in bound.items() if n not in holes and n in _appended_params(fn)}
        if added:
            out.extend(self._argument_messages(fn, call, added))
        # ``helper(metric, prompt, Schema)`` whose model call dispatches to implementations, one of which rebuilds the
        # request from the prompt through a helper (``payload = self.body(prompt)`` then ``messages=payload[...]``):
        # the messages below hold that opaque payload and no hole of the prompt parameter the wrapper forwards, so
        # the prompt the caller hands is what is sent (the schema argument filling a hole does not stand for it)
        forwarded = self.forwarded.get(fn.key, set())
        lost = {
            n: e
            for n, e in bound.items()
            if n not in holes and n not in keyed and n not in added and n in forwarded and _PROMPT_PARAM.search(n)
        }
        if lost and any(
            len(m.parts) == 1 and m.parts[0].hole and m.parts[0].text.lstrip("*") not in bound for m in out
        ):
            out.extend(self._argument_messages(fn, call, lost))
        return tuple(out)

    def _item_source(self, expr: Any, scope: Scope, at: cst.CSTNode) -> Any:
        """What an argument that is one item of a list stands for, when a batch of prompts is sent one item at a time:
        a loop or comprehension variable over a parameter (``[self._one(m) for m in batch]``) stands for that
        parameter's items, so a hole it fills names the list the caller handed (``batch``); a list built by a comprehension
        (``prompts = [T.format(q=q) for q in qs]``, the last such assignment before the call, or the comprehension
        itself) holds prompts written by its element; a parameter only wrapped into a batch of one (``if isinstance(batch,
        str): batch = [batch]``) is still the parameter (a hole of its name). Any other argument is itself."""
        for _ in range(4):
            if isinstance(expr, cst.ListComp | cst.GeneratorExp):
                expr = expr.elt
                continue
            if not isinstance(expr, cst.Name):
                break
            name = expr.value
            bindings = self.ev.bindings_of(name, scope) or []
            fn = _owner(scope)
            if (
                len(bindings) == 1
                and bindings[0][0] == "for"
                and isinstance(bindings[0][1], cst.Name)
                and fn is not None
                and bindings[0][1].value in _param_names(fn)
            ):
                expr = bindings[0][1]  # an item of a list the function is handed (not of a file or a console read)
                continue
            own = [b for b in bindings if b[0] == "expr" and len(b) > 2 and b[2] is scope]
            if bindings and any(b[0] == "param" for b in bindings):
                if own and len(own) == len(bindings) - 1 and all(_wraps_itself(b[1], name) for b in own):
                    return Text((PromptPart(name, hole=True),), "dynamic")
                break
            if own and len(own) == len(bindings):
                line = _line(scope, at)
                before = [b for b in own if _line(scope, b[1]) <= line]
                last = max(before, key=lambda b: _line(scope, b[1]), default=None)
                if last is not None and isinstance(last[1], cst.ListComp | cst.GeneratorExp):
                    expr = last[1].elt
                    continue
            break
        return expr

    def _named_template(self, call: Site, wrapper_key: str | None) -> tuple[Text, str] | None:
        """The template file a wrapper-call names with a literal (``self.run(prompt_name="Summarize", category="x")``)
        where a function of the tree opens a file whose name is built from a parameter of that name
        (``templates.named_template``); the wrapper's own defaults fill the other pieces of the path."""
        fn = self.ev.scopes.get(wrapper_key or "")
        if fn is None or not templates.named_readers(self.ev):
            return None
        scope = call.info.scope
        values: dict[str, str] = {}
        for a, name in _bind(fn, list(call.args)):
            if a.star:
                continue
            key = a.keyword.value if a.keyword is not None else name
            value = self.ev.static_str(a.value, scope)
            if value is not None:
                values[key] = value
        if not values:
            return None
        defaults: dict[str, str] = {}
        for p in fn.params:
            value = self.ev.static_str(p.default, fn) if p.default is not None else None
            if value is not None:
                defaults[p.name.value] = value
        try:
            return templates.named_template(self.ev, values, defaults)
        except RecursionError:
            return None

    def _settings_built(self, holes: set[str], bound: dict[str, Any], call: Site, fn: Scope) -> dict[str, Text]:
        """Holes naming a local of the wrapper that a settings builder set (``system, user = self.render(problem,
        prompt)`` where ``render`` reads the TOML settings table its parameter names, ``templates.settings_builder_
        params``), the wrapper handing on its own parameter for the table's name: the entries of the table the caller
        names with a literal (``partial(self._run, prompt="task_sort")``)."""
        out: dict[str, Text] = {}
        for hole in sorted(holes)[:8]:
            if not hole.isidentifier():
                continue
            found = [b for b in fn.bindings.get(hole, ()) if b[0] in ("expr", "unpack") and b[2] is fn]
            if len(found) != 1 or not isinstance(found[0][1], cst.Call):
                continue
            inner: cst.Call = found[0][1]
            try:
                callee = self.ev.value(inner.func, fn)
                if not isinstance(callee, Function):
                    continue
                params = templates.settings_builder_params(self.ev, callee.key)[:1]
                if not params:
                    continue
                index, param, _local = params[0]
                positional = [a.value for a in inner.args if a.keyword is None and not a.star]
                given = next((a.value for a in inner.args if a.keyword is not None and a.keyword.value == param), None)
                if given is None and index < len(positional):
                    given = positional[index]
                if not isinstance(given, cst.Name) or given.value not in bound:
                    continue
                table = self.ev.static_str(bound[given.value], call.info.scope)
                built = templates.settings_builder_for(self.ev, callee.key, table) if table else None
            except RecursionError:
                continue
            item: Any = built
            if found[0][0] == "unpack":
                i = found[0][3]
                seq = built.value if isinstance(built, Const) and isinstance(built.value, tuple) else ()
                item = seq[i] if isinstance(i, int) and 0 <= i < len(seq) else None
            if isinstance(item, Text) and any(not q.hole for q in item.parts):
                out[hole] = item
        return out

    def _keyed_entries(self, holes: set[str], bound: dict[str, Any], call: Site) -> dict[str, Text]:
        """Holes reading a literal key of a dict parameter (``prompt["user"]``) the caller binds: the text of that
        entry of the argument (a dict literal written at the call, or a value the evaluator knows as a table)."""
        out: dict[str, Text] = {}
        scope = call.info.scope
        for hole in holes:
            m = _KEYED_HOLE.fullmatch(hole)
            if m is None or m.group(1) not in bound:
                continue
            arg, key = bound[m.group(1)], m.group(3)
            try:
                if isinstance(arg, cst.Dict):
                    entry = next(
                        (
                            el.value
                            for el in arg.elements
                            if isinstance(el, cst.DictElement) and self.ev.static_str(el.key, scope) == key
                        ),
                        None,
                    )
                    text = self.ev.text(entry, scope) if entry is not None else None
                else:
                    table = self.ev.value(arg, scope)
                    item = self.ev.entry(table, key) if isinstance(table, Const) else None
                    text = item if isinstance(item, Text) else None
                    if isinstance(item, Const) and isinstance(item.value, str):
                        text = Text((PromptPart(item.value),), "constant")
            except RecursionError:
                continue
            if text is not None and any(not q.hole for q in text.parts):
                out[hole] = text
        return out

    def _keyed_system(
        self, out: list[Message], keyed: dict[str, Text], holes: set[str], bound: dict[str, Any], call: Site, fn: Scope
    ) -> list[Message]:
        """A wrapper sending ``prompt["user"]`` of a role-keyed dict argument also sends its ``prompt["system"]`` on
        another path (the messages followed were one branch): the system entry goes first when the wrapper reads it
        and the caller's dict has text for it."""
        params = {m.group(1) for h in keyed if (m := _KEYED_HOLE.fullmatch(h)) is not None and m.group(3) != "system"}
        for param in sorted(params)[:2]:
            hole = f'{param}["system"]'
            if hole in holes or not _reads_key(fn.node, param, "system"):
                continue
            found = self._keyed_entries({hole}, bound, call).get(hole)
            if found is not None:
                out.insert(0, Message("system", found.parts, found.origin))
        return out

    def _argument_messages(self, fn: Scope, call: Site, bound: dict[str, Any]) -> tuple[Message, ...]:
        """Messages from the arguments bound to a wrapper's prompt parameters: those it forwards to its request (the
        forwarding summary) or named like a prompt (``msg``, ``system_msgs``, ``query``); options are left out."""
        forwarded = self.forwarded.get(fn.key, set())
        out: list[Message] = []
        for name, expr in bound.items():
            if name not in forwarded and not _PROMPT_PARAM.search(name):
                continue
            if _OPTION_PARAM.fullmatch(name) or not isinstance(expr, cst.BaseExpression):
                continue
            role = "system" if "system" in name.lower() or "instruction" in name.lower() else "user"
            scope = call.info.scope
            try:
                if isinstance(expr, cst.List | cst.Tuple) and all(
                    isinstance(el, cst.Element) and isinstance(el.value, _STRING_NODES) for el in expr.elements
                ):
                    texts = [self.ev.text(el.value, scope) for el in expr.elements]
                    out.extend(Message(role, tuple(t.parts), t.origin) for t in texts)
                    continue
                out.extend(input_messages(self.ev, expr, scope, role=role))
            except RecursionError:
                continue
        return tuple(out)

    def _tools(self, graph: AgentGraph, nodes: dict[str, LLMCall], ids: dict[int, str]) -> None:
        for s in self.sites.values():
            nid = ids.get(s.key)
            if nid is None or nid not in nodes:
                continue
            for tool in s.tool_nodes:
                existing = graph.get(tool.id)
                if existing is None:
                    graph.add(tool)
                graph.add_edge(tool.id, nid, EdgeKind.TOOL)

    def _code(self, graph: AgentGraph, nodes: dict[str, LLMCall], wrapper_ids: dict[str, str], ids: dict[int, str]):
        def code_id(scope: Scope) -> str:
            return located_id("code", scope.qualname, scope.module.path, scope.line)

        wrapper_scopes = {key for key in wrapper_ids}
        for s in self.sites.values():
            nid = ids.get(s.key)
            fn = s.info.scope.enclosing_function()
            if nid is None or nid not in nodes or fn is None:
                continue
            cid = code_id(fn)
            if cid not in graph:
                pos = fn.module.pos(fn.node)
                graph.add(
                    Code(
                        cid,
                        qualname=fn.qualname,
                        loc=Loc(fn.module.path, fn.line, (pos.start.column + 1) if pos else 1),
                        is_wrapper=fn.key in wrapper_scopes,
                    )
                )
            graph.add_edge(cid, nid, EdgeKind.CONTAINS)

    def _outputs(self, graph: AgentGraph, nodes: dict[str, LLMCall], consumers: dict[str, list[Consumer]]) -> None:
        for nid, items in consumers.items():
            if nid not in nodes:
                continue
            for c in items:
                oid = located_id("output", c.kind, c.loc.path, c.loc.line)
                if oid not in graph:
                    graph.add(Output(oid, consumer=c.kind, loc=c.loc))
                graph.add_edge(nid, oid, EdgeKind.OUTPUT)
                if c.flows_to and c.flows_to in nodes and c.flows_to != nid:
                    graph.add_edge(oid, c.flows_to, EdgeKind.FLOWS)


# a parameter holding the model (client object, engine or its name), never the prompt
_MODEL_PARAM = lazy(r"^(model|llm|lm|client|engine)$|_(model|llm|client)$|^(model|llm)_?(name|id)$", re.IGNORECASE)
# a conversation handed to a model (the messages so far, the prompt itself), as a parameter or an attribute kept
_CONVERSATION = lazy(r"^(?:messages?|prompts?|conversation|(?:chat_)?history|chat_messages)$", re.IGNORECASE)
# (kept on an object: the plural only, an answer's ``.message`` is no conversation)
_KEPT_CONVERSATION = lazy(r"^(?:messages|conversation|(?:chat_)?history|chat_messages)$", re.IGNORECASE)
# Declaring a web route: decorators naming the path (FastAPI / Flask / Starlette / Quart / Sanic / aiohttp routes)
# and methods adding one with its handler (FastAPI ``add_api_route``, Flask ``add_url_rule``, Starlette ``add_route``,
# aiohttp ``router.add_post``)
_ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "route", "api_route", "websocket"})
_ROUTE_ADDERS = frozenset(
    {"add_api_route", "add_url_rule", "add_route", "add_api_websocket_route", "add_websocket_route", "add_post",
     "add_get", "add_put"}
)  # fmt: skip
_HTTP_VERBS = frozenset({"post", "request", "urlopen", "stream", "put"})  # the calls a served route is sent by
_VIEW_KEYWORDS = frozenset({"endpoint", "view_func", "handler", "route"})
_ROUTE_WORDS = lazy(
    r"@\w[\w.]*\.(?:get|post|put|patch|route|api_route|websocket)\(|\.add_(?:api_|url_|websocket_)?(?:route|rule|post|get|put)\("
)
# the request-field markers of a web framework's route parameters (FastAPI's, re-exported from Starlette's)
# decorators making a function a command of a command-line framework, and the objects whose ``.command()`` does
_CLI_DECORATOR = lazy(r"(?:click|asyncclick|rich_click)(?:\.decorators)?\.(?:command|group)")
_CLI_APP = lazy(r"typer(?:\.main)?\.Typer|(?:click|asyncclick|rich_click)(?:\.core)?\.(?:Group|group)")
_ROUTE_FIELD = lazy(r"fastapi(?:\.params|\.param_functions)?\.(?:Body|Query|Form|File|Path|Header|Cookie)")
# a parameter holding the prompt text or template a stage runs (not the data it runs it over)
_TEMPLATE_PARAM = lazy(r"prompt|template|instruction", re.IGNORECASE)
_ID_NAMED = lazy(r"_(?:name|id|path|file|dir|url|key|type)s?$", re.IGNORECASE)  # ``conversation_name``: a handle
_PROMPT_GETTER = re.compile(r"(?i)prompt|template")  # ``get_prompt``, ``_get_prompt``, ``load_template``
_KEY_LITERAL = re.compile(r"[A-Za-z][\w.:/-]{2,80}")  # a key naming a stored text (``query_user``), no prose
_SENT_PROMPT_KEY = re.compile(r"prompts?|messages?|msgs?|prompt_text")  # the argument that is the prompt itself
_PROMPT_PARAM = lazy(
    r"prompt|messages?$|^msgs?$|^msg_|system|instruction|query|question|^text$|content|context|^req$|request$|"
    r"^input|task|^inputs?$|history|conversation",
    re.IGNORECASE,
)
# Parameter names that say the data a task works on, not a prompt (``diff``, ``source_code``, ``documents``).
_DATA_PARAM = lazy(
    r"(?:\w+_)?(?:diff|patch|code|source|snippet|document|doc|passage|article|paper|transcript|log|html|table|"
    r"file_content|contents?_of_file|commit|changes?)s?",
    re.IGNORECASE,
)
_SYSTEM_PARAM = lazy(r"system|instruction", re.IGNORECASE)
# An object's own message list read by its method (``self.messages``, ``self.messages_dicts``, ``self.chat_history``)
_HISTORY_ATTR = lazy(r"self\.(?:\w+_)?(?:messages|history)(?:_\w+)?")
_OPTION_PARAM = lazy(r"(?:max_)?tokens?|temperature|stream|timeout|n|model|retries|max_retries|images?|format")
_STRING_NODES = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)
_KEYED_HOLE = lazy(r"""(\w+)\[(["'])(\w+)\2\]""")


_FIELD_WORDS = 3  # a class default of this many words is a prompt an object may be built with another value for
_CJK = lazy(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")  # kana, CJK ideographs, hangul
# the fields of a model answer holding the tool calls it asks for (an agent loop reads them to run the tools)
_TOOL_CALL_FIELDS = frozenset({"tool_calls", "function_call"})
_SLOT_ROOT = lazy(r"[A-Za-z_]\w*")
_JINJA_TAG = lazy(r"\{%-?(.{0,300}?)-?%\}", re.DOTALL)
_FORMAT_SLOT = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}")  # a ``str.format`` slot of a template: ``{question}``
_AUTHORED_CHARS = 40  # static prompt text (non-space characters) that makes a call's prompt the function's own


def _union_members(node: cst.BaseExpression, depth: int = 0) -> list[cst.BaseExpression]:
    """The alternatives of a declared type (``Union[A, B]``, ``Optional[A]``, ``A | B``); the type itself otherwise."""
    if depth > 8:
        return []
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _union_members(node.left, depth + 1) + _union_members(node.right, depth + 1)
    head = dotted(node.value) if isinstance(node, cst.Subscript) else None
    if head is None or head.rsplit(".", 1)[-1] not in ("Union", "Optional"):
        return [node]
    out: list[cst.BaseExpression] = []
    for el in node.slice:  # type: ignore[union-attr]
        if isinstance(el.slice, cst.Index):
            out += _union_members(el.slice.value, depth + 1)
    return out


def _static_of(messages: Iterable[Message]) -> str:
    """The static text of messages (holes left out): what a call sends that its code writes."""
    return "".join(p.text for m in messages for p in m.parts if not p.hole)


def _enough_text(static: str) -> bool:
    """Whether static prompt text is long enough (``_AUTHORED_CHARS`` non-space characters) to be the function's own.
    A CJK character (one word, about a token) counts twice: a Chinese instruction is written in fewer characters."""
    solid = "".join(static.split())
    return len(solid) + len(_CJK.findall(solid)) >= _AUTHORED_CHARS


# the module an import statement names (``from a.b import c`` -> ``a.b``; ``import a.b`` -> ``a.b``)
_IMPORTED_MODULE = lazy(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*))", re.MULTILINE
)
_IMPORT_STMT = lazy(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([^)]*\)|[^\n]*)", re.MULTILINE)


_MODEL_WORDS = frozenset({"model", "llm", "lm", "llms"})
_CAMEL_WORD = lazy(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _model_named(fn: Scope | None) -> bool:
    """Whether a method's class is named as a language model (``AbstractModel``, ``BaseLLM``, ``ChatLM``): its
    interface is how callers reach the model even where most implementations are stand-ins (a person typing, a
    recorded run, a test double)."""
    cls = fn.enclosing_class() if fn is not None else None
    if cls is None:
        return False
    return any(w.lower() in _MODEL_WORDS for w in _CAMEL_WORD.findall(cls.name))


def _return_branches(returns: Sequence[cst.BaseExpression]) -> list[cst.BaseExpression]:
    """The values returns hand out, each branch of a conditional one of its own (``return A() if fast else B()``
    hands out an ``A`` or a ``B``, as two returns would); nested conditionals are walked to a depth of 4."""
    out: list[cst.BaseExpression] = []
    todo = [(e, 0) for e in returns]
    while todo:
        expr, depth = todo.pop(0)
        if isinstance(expr, cst.IfExp) and depth < 4:
            todo[:0] = [(expr.body, depth + 1), (expr.orelse, depth + 1)]
        else:
            out.append(expr)
    return out


def _hands_out_several(returns: Sequence[cst.BaseExpression]) -> bool:
    """Two or more returns, or one return choosing between values (``return A() if fast else B()``)."""
    return len(returns) >= 2 or any(isinstance(e, cst.IfExp) for e in returns)


def _minority(reaching: int, implementations: int) -> bool:
    """Of three or more implementations of a base method, fewer than half reach a model."""
    return implementations >= 3 and 2 * reaching < implementations


def _names_in(decorators: Sequence[cst.Decorator], name: str) -> bool:
    """A decorator naming the function (``@x.setter``, ``@f.register``): the later def extends the earlier one."""
    return any(name in (dotted(d.decorator) or "").split(".") for d in decorators)


def export_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """The import lines that mention one of ``names``: a ``from`` line whose module path has it, an ``import`` line
    that names it, a ``from ... import`` of it (in a parenthesised list too)."""
    alt = "(?:" + "|".join(sorted(map(re.escape, names))) + ")"
    return re.compile(
        rf"^[ \t]*(?:from[ \t]+[\w.]*\b{alt}\b|import[ \t]+[^\n]*\b{alt}\b"
        rf"|from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*|[^\n]*)\b{alt}\b)",
        re.MULTILINE,
    )


_WORD = re.compile(r"\w+")
# a class naming ``typing.Protocol`` among its bases
_DECLARES_PROTOCOL = re.compile(r"^[ \t]*class[ \t]+\w+[ \t]*\([^)\n]*\bProtocol\b", re.MULTILINE)
_CLASS_LINE = re.compile(r"^class +(\w+)", re.M)
_MAIN_BLOCK = re.compile(r"^if +__name__ *== *['\"]__main__['\"]", re.M)
_FROM_MODULE = re.compile(r"^[ \t]*from[ \t]+([\w.]*)", re.MULTILINE)
_IMPORT_REST = re.compile(r"^[ \t]*import[ \t]+([^\n]*)", re.MULTILINE)
_FROM_IMPORT_REST = re.compile(r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+([^\n]*)", re.MULTILINE)


def _import_words(text: str) -> frozenset[str]:
    """The words (``\\w+``) of the import lines as ``export_pattern`` reads them: ``export_pattern(names)`` finds a
    line in ``text`` exactly when one of ``names`` (each a ``\\w+`` word) is among these. They are the module path of
    a ``from`` line, the rest of an ``import`` line, and what a ``from ... import`` imports, up to the closing
    parenthesis of a parenthesised list. Read once per file; each later round is a set intersection."""
    words: set[str] = set()
    for m in _FROM_MODULE.finditer(text):
        words.update(_WORD.findall(m.group(1)))
    for m in _IMPORT_REST.finditer(text):
        words.update(_WORD.findall(m.group(1)))
    for m in _FROM_IMPORT_REST.finditer(text):
        words.update(_WORD.findall(m.group(1)))
        if m.group(1).startswith("("):
            end = text.find(")", m.start(1))
            words.update(_WORD.findall(text, m.start(1), end if end >= 0 else len(text)))
    return frozenset(words)


def _ancestors(callers: dict[str, dict[str, None]], start: str) -> set[str]:
    """The nodes with a path to ``start`` (``callers``: node -> its predecessors), breadth-first as networkx's
    ``ancestors``: the set is filled in the same order, so later loops over it run in the same order (the wrapper
    fixed points stop after a few rounds, so that order can matter)."""
    seen = {start}
    out: set[str] = set()
    frontier = [start]
    while frontier:
        later = []
        for node in frontier:
            for caller in callers.get(node, ()):
                if caller not in seen:
                    seen.add(caller)
                    out.add(caller)
                    later.append(caller)
        frontier = later
    return out


def _skip_scope(skipped: dict[str, list[tuple[int, int]]], fn: Scope) -> None:
    """Add the line span of the (dead) function ``fn`` to ``skipped`` (module -> line spans)."""
    at = fn.module.pos(fn.node)
    if at is not None:
        skipped.setdefault(fn.module.name, []).append((at.start.line, at.end.line))


def _skip_spans(
    hits: dict[str, list[tuple[str, int]]], skipped: dict[str, list[tuple[int, int]]] | None
) -> dict[str, list[tuple[str, int]]]:
    """``hits`` (``_references``) less the occurrences on lines inside ``skipped`` (module -> line spans)."""
    if not skipped:
        return hits
    return {
        name: [(m, line) for m, line in where if not any(a <= line <= b for a, b in skipped.get(m, ()))]
        for name, where in hits.items()
    }


def _references(
    texts: dict[str, str],
    names: set[str],
    inits: set[str],
    spans: dict[str, list[tuple[int, int]]] | None = None,
    words_of: dict[str, frozenset[str]] | None = None,
) -> dict[str, list[tuple[str, int]]]:
    """Where each name occurs in the tree's sources (module, line), its own ``def`` lines and imports left out (a
    package ``__init__`` that imports a name re-exports it: that counts). ``spans``: a cache of each module's import
    statements (``_import_spans``), ``words_of`` one of each module's \\w+ words, kept by the caller across calls
    (a module's text never changes within one analysis)."""
    out: dict[str, list[tuple[str, int]]] = {}
    spans = {} if spans is None else spans
    words_of = {} if words_of is None else words_of
    # an occurrence is a whole word (\b on both sides) that is one of the names: found by reading the words, or by
    # the regex when a name is not all \w (the same occurrences, slower). The regex is needed only in a text where
    # such a name (``<lambda>``) occurs: elsewhere it finds what the words of the \w names give.
    words = {n for n in names if _WORD.fullmatch(n)}
    odd = sorted(names - words)
    loose = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b") if odd else None
    odd_regex = re.compile(r"\b(?:" + "|".join(map(re.escape, odd)) + r")\b") if odd else None
    for mod_name, text in texts.items():
        found: list[tuple[int, str]]  # (offset, name), in text order
        if loose is None or not any(n in text for n in odd) or not odd_regex.search(text):  # type: ignore[union-attr]
            seen = words_of.get(mod_name)
            if seen is None:
                seen = words_of[mod_name] = frozenset(_WORD.findall(text))
            present = words.intersection(seen)
            if not present:
                continue
            found = sorted(_word_offsets(text, present))
        else:
            found = [(m.start(), m.group()) for m in loose.finditer(text)]
            if not found:
                continue
        skip = [] if mod_name in inits else _module_import_spans(mod_name, text, spans)
        starts = [a for a, _ in skip]
        line, counted = 1, 0  # the line of offset ``counted``
        for start, name in found:
            i = bisect.bisect_right(starts, start) - 1  # the import statement starting last at or before it
            before = max(0, start - 12)  # the regex only where its word is: most names have no ``def`` before them
            if (i >= 0 and start < skip[i][1]) or (
                text.find("def", before, start) >= 0 and _DEF_BEFORE.search(text[before:start])
            ):
                continue
            line += text.count("\n", counted, start)
            counted = start
            out.setdefault(name, []).append((mod_name, line))
    return out


_DEF_BEFORE = re.compile(r"\bdef[ \t]+$")  # searched in the 12 characters before a name: its own ``def`` line


_IMPORT_ALIAS = lazy(r"\b(\w+)\s+as\s+(\w+)\b")


def _import_aliases(
    texts: dict[str, str], names: set[str], spans: dict[str, list[tuple[int, int]]]
) -> dict[str, set[str]]:
    """Aliases the tree's import statements give some of ``names`` (``from m import ask as ask_model``) -> the names
    they stand for."""
    out: dict[str, set[str]] = {}
    for mod_name, text in texts.items():
        if " as " not in text:
            continue
        for start, end in _module_import_spans(mod_name, text, spans):
            for m in _IMPORT_ALIAS.finditer(text, start, end):
                if m.group(1) in names and m.group(2) != m.group(1):
                    out.setdefault(m.group(2), set()).add(m.group(1))
    return out


def _module_import_spans(mod_name: str, text: str, spans: dict[str, list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """``_import_spans(text)``, read once per module into ``spans``."""
    out = spans.get(mod_name)
    if out is None:
        out = spans[mod_name] = _import_spans(text)
    return out


def _import_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every import statement of ``text``: what ``_IMPORT_STMT.finditer`` finds, in order, tried
    only at the starts of the lines that hold the word ``import`` (a match starts a line and has ``import`` on it),
    not at every offset of the text."""
    out: list[tuple[int, int]] = []
    end = 0  # where the last match ended: the next one starts at or after it
    at = text.find("import")
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        if start >= end:
            m = _IMPORT_STMT.match(text, start)
            if m is not None:
                out.append(m.span())
                end = m.end()
        at = text.find("import", at + 1)
    return out


def _hands_on(expr: Any) -> bool:
    """An argument handing on what the calling function holds (a name, an attribute, ``args.strip()``, a builder's
    result): it writes no prompt text of its own, i.e. it holds no string with words in it (a mode or key such as
    ``"ask"`` is no text), no f-string, no message list or dict built there, no ALL_CAPS template filled."""
    todo = [expr]
    while todo:
        node = todo.pop()
        if node is None:
            continue
        if isinstance(node, cst.SimpleString):
            if not re.fullmatch(r"[rbuRBU]*(['\"])[\w.-]{0,32}\1", node.value):
                return False
            continue
        if isinstance(node, (cst.FormattedString, cst.ConcatenatedString, cst.List, cst.Dict)):
            return False
        if isinstance(node, cst.Name) and len(node.value) > 3 and node.value.isupper():
            return False  # ``REVIEW_PROMPT`` (filled or handed as it is): a template of the caller's
        todo.extend(getattr(node, "children", ()))
    return True


def _hands_on_entry(expr: Any) -> bool:
    """``_hands_on`` for an entry put into a message history: a dict or a message object built around what the
    function holds (``{"role": "user", "content": text}``, ``Message(role="user", content=text)``) writes no text of
    its own either; its keys and short role strings are no prompt."""
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Dict | cst.List | cst.Tuple):
            todo.extend(e.value for e in node.elements)
        elif isinstance(node, cst.Call) and not (
            isinstance(node.func, cst.Attribute) and node.func.attr.value == "format"
        ):
            todo.extend(a.value for a in node.args)
        elif not _hands_on(node):
            return False
    return True


def _hands_on_call(node: Any) -> bool:
    """Whether every argument of a call hands on what its function holds (``self._turn(messages, stream=True)``):
    the call passes on a prompt its function was handed or keeps, it writes none of its own."""
    args = getattr(node, "args", None) if isinstance(node, cst.Call) else None
    return args is not None and all(_hands_on(a.value) for a in args)


def _named_outside(
    scope: Scope, hits: dict[str, list[tuple[str, int]]], texts: dict[str, str], lines: dict[str, list[str]]
) -> tuple[bool, bool]:
    """Whether a class or function is named outside its own body (recursion, a local of the same name) in live code,
    and whether it is named in a comment there; ``hits`` are the references ``_references`` found, ``lines`` a cache of
    the modules' lines, filled as they are read."""
    pos = scope.module.pos(scope.node)
    commented = False
    for mod_name, line in hits.get(scope.name, ()):
        if mod_name == scope.module.name and pos is not None and pos.start.line <= line <= pos.end.line:
            continue
        if mod_name not in lines:
            lines[mod_name] = texts.get(mod_name, "").splitlines()
        text = lines[mod_name][line - 1] if 0 < line <= len(lines[mod_name]) else ""
        if _only_in_prose(text, scope.name):
            continue  # ``log.error(f"rank failed: {e}")``: a message naming it, neither a use nor a commented call
        if not _only_in_comment(text, scope.name):
            return True, commented
        commented = True
    return False, commented


def _item_of_param(fn: Scope, value: cst.BaseExpression) -> set[str]:
    """The list parameter of ``fn`` whose items a loop hands on as they are (``for case in cases: run(messages=
    case["turns"])``, ``for q in questions: agent.step(q)``): each item (or a field of it) is a prompt the caller
    wrote, sent once per item with nothing written around it. An item filled into a template is no such hand-on."""
    node: cst.BaseExpression = value
    for _ in range(3):
        if not isinstance(node, cst.Subscript | cst.Attribute):
            break
        node = node.value
    if not isinstance(node, cst.Name):
        return set()
    params = set(_param_names(fn))
    if node.value in params:
        return set()
    return _walked_by(fn, {node.value}) & params


def _walked_by(fn: Scope, names: set[str], fields: bool = False) -> set[str]:
    """The names whose items the loops and comprehensions of ``fn`` bind to any of ``names``: ``tasks`` for ``for
    task in tasks`` / ``[f(task) for task in tasks]``, ``tasks`` and ``imgs`` for ``for task, img in zip(tasks,
    imgs)`` (``enumerate`` and ``zip`` walk the lists they are given); ``fields``: also the name whose field a loop
    walks (``suite`` for ``for case in suite.cases``)."""
    out: set[str] = set()
    todo: list[Any] = [fn.node]
    while todo:
        node = todo.pop()
        if isinstance(node, (cst.For, cst.CompFor)):
            target = node.target
            bound = (
                {target.value}
                if isinstance(target, cst.Name)
                else {e.value.value for e in target.elements if isinstance(e.value, cst.Name)}
                if isinstance(target, cst.Tuple | cst.List)
                else set()
            )
            if bound & names:
                walked = node.iter
                if isinstance(walked, cst.Call) and dotted(walked.func) in ("zip", "enumerate"):
                    out |= {a.value.value for a in walked.args if isinstance(a.value, cst.Name)}
                elif isinstance(walked, cst.Name):
                    out.add(walked.value)
                elif fields and isinstance(walked, cst.Attribute) and isinstance(walked.value, cst.Name):
                    out.add(walked.value.value)  # ``for case in suite.cases``: the items of a field of ``suite``
        if node is not fn.node and isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue  # a nested def's loops are its own
        todo.extend(getattr(node, "children", ()))
    return out


def _own_self_call(lines: list[str], line: int, name: str) -> bool:
    """Whether every ``.name`` on line ``line`` of a module (its ``lines``) is ``self.name`` inside a top-level class
    whose body defines a method ``name`` itself: that class reaches its own method (``self._run(...)`` in a class
    with a ``def _run``), not a same-named method of another class. Read from the text: the class is the nearest
    ``class`` line above at the margin, its body runs to the next statement at the margin."""
    if not 0 < line <= len(lines):
        return False
    every = list(re.finditer(r"(\w*)\s*\.\s*" + re.escape(name) + r"\b", lines[line - 1]))
    if not every or any(m.group(1) != "self" for m in every):
        return False
    start = None
    for i in range(line - 2, -1, -1):
        text = lines[i]
        if not text or text[0] in " \t#":
            continue
        if re.match(r"class\s", text):
            start = i
        break  # a statement at the margin: the class holding the line, or none
    if start is None:
        return False
    define = re.compile(r"\s+(?:async\s+)?def\s+" + re.escape(name) + r"\s*\(")
    for text in lines[start + 1 :]:
        if text and text[0] not in " \t#)]}\"'":
            break  # the class body ends at the next statement at the margin
        if define.match(text):
            return True
    return False


def _string_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (start, end) positions (line, column) of a module's string literals, docstrings included, in text order;
    none when the text does not tokenize (a module the parser kept anyway reads as all code)."""
    out: list[tuple[tuple[int, int], tuple[int, int]]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING:
                out.append((tok.start, tok.end))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return []
    return out


def _only_in_strings(text: str, line: int, name: str, spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    """Whether every ``.name`` on source line ``line`` (its text ``text``) lies inside a string literal (``spans``,
    from ``_string_spans``): a usage example in a docstring or a message, not a reference the code makes."""
    found = [m.start() for m in re.finditer(r"\.\s*" + re.escape(name) + r"\b", text)]
    if not found or not spans:
        return False
    # literals do not nest: the last one starting before the line, and those starting on it, are all that can hold it
    first = max(0, bisect.bisect_left(spans, ((line, 0), (0, 0))) - 1)
    last = bisect.bisect_right(spans, ((line, len(text) + 1), (0, 0)))
    inside = spans[first:last]
    return all(any(a <= (line, col) < b for a, b in inside) for col in found)


def _only_in_comment(line: str, name: str) -> bool:
    """Whether every whole-word occurrence of ``name`` on a source line follows a ``#`` outside quotes."""
    hash_at = -1
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and line[i - 1 : i] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            hash_at = i
            break
    if hash_at < 0:
        return False
    return all(start > hash_at for start, _ in _word_offsets(line, [name]))


_STORE_IN_ATTR = re.compile(r"^[ \t]*\w+\.(\w+)[ \t]*=[ \t]*(\w+)[ \t]*(?:#.*)?$")  # ``self._send = _send``


def _attr_read(line: str, name: str) -> bool:
    """Whether a source line may read the attribute ``name``: an occurrence that is neither a store into it
    (``self.<name> = ...``) nor the stored closure's own name on the right of ``self.<attr> = <name>``."""
    store = _STORE_IN_ATTR.match(line)
    for at, _ in _word_offsets(line, [name]):
        if line[at - 1 : at] == ".":
            if re.match(r"[ \t]*=(?!=)", line[at + len(name) :]):
                continue
            return True
        if store is not None and store.group(2) == name and line.rstrip().endswith(name):
            continue
        return True
    return False


def _quoted_spans(line: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the quoted strings' contents on a source line, up to a ``#`` outside quotes (a
    string left open runs to the end of the line)."""
    spans: list[tuple[int, int]] = []
    quote, start = "", 0
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and line[i - 1 : i] != "\\":
                spans.append((start, i))
                quote = ""
        elif ch in "\"'":
            quote, start = ch, i + 1
        elif ch == "#":
            break
    if quote:
        spans.append((start, len(line)))
    return spans


def _only_in_prose(line: str, name: str) -> bool:
    """Whether every whole-word occurrence of ``name`` on a source line lies in a quoted string holding more than a
    name (``f"Failed in sort_issues: {e}"``, a log message): prose naming a function, not a key a dispatcher looks
    up (``getattr(self, "sort_issues")`` names it as the whole string)."""
    found = list(_word_offsets(line, [name]))
    if not found:
        return False
    spans = _quoted_spans(line)
    for at, _ in found:
        span = next(((a, b) for a, b in spans if a <= at and at + len(name) <= b), None)
        if span is None or not re.search(r"\s", line[span[0] : span[1]]):
            return False
    return True


def _only_in_file_names(line: str, name: str) -> bool:
    """Whether every whole-word occurrence of ``name`` on a source line is part of a file name written in a string
    (``"prompts/v2/plan_step.txt"``: a path component after ``/``, or a stem, not after a dot, before an extension
    closing the string or followed by ``/``): a template named after a function is no call of it."""
    spans = _quoted_spans(line)
    found = list(_word_offsets(line, [name]))
    if not found:
        return False
    for at, _ in found:
        end = at + len(name)
        span = next(((a, b) for a, b in spans if a <= at and end <= b), None)
        if span is None:
            return False
        after = re.match(r"\.[A-Za-z0-9]{1,8}(?=$|[/\\])", line[end : span[1]])
        before = line[at - 1 : at] if at > span[0] else ""
        if not (before in ("/", "\\") or (after is not None and before != ".")):
            return False
    return True


def _word_offsets(text: str, words: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(offset, word) of every whole-word occurrence (a maximal ``\\w+`` run) of each of ``words`` in ``text``: what
    ``_WORD.finditer`` finds equal to one of them, by ``str.find`` (no match object per word of the text)."""
    for word in words:
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not _is_word_char(text[at - 1])) and (end == len(text) or not _is_word_char(text[end])):
                yield at, word
            at = text.find(word, end)


def _is_word_char(ch: str) -> bool:
    """Whether ``ch`` is a ``\\w`` character (the re module's rule: alphanumeric in Unicode, or the underscore)."""
    return ch.isalnum() or ch == "_"


def _top_functions(mod: ModuleIndex) -> list[tuple[int, int, Scope]]:
    """The module-level functions of ``mod`` with their first and last lines, in the order of ``mod.scopes``: the
    first one holding a line is the function whose body holds it."""
    out: list[tuple[int, int, Scope]] = []
    for scope in mod.scopes:
        if scope.kind != "function" or scope.parent is not mod.scope:
            continue
        pos = mod.pos(scope.node)
        if pos is not None:
            out.append((pos.start.line, pos.end.line, scope))
    return out


def _method_names(cls: Scope) -> set[str]:
    """The names of the methods the class ``cls`` defines in its body, dunders left out."""
    return {
        fn.name
        for fn in cls.module.scopes
        if fn.kind == "function" and fn.parent is cls and not (fn.name.startswith("__") and fn.name.endswith("__"))
    }


def _package_classes(
    package: str, texts: dict[str, str], inits: set[str], imported: dict[str, set[str]]
) -> tuple[set[str], dict[str, list[str]]]:
    """The names of the classes that the modules of ``package`` other modules import define, and for each of those
    names the package's modules defining it that nothing imports or names (no ``__main__`` block either)."""
    live: set[str] = set()
    rest: dict[str, set[str]] = {}
    for name, text in texts.items():
        if name.rsplit(".", 1)[0] != package or name in inits:
            continue
        defined = set(_CLASS_LINE.findall(text))
        if imported.get(name.rsplit(".", 1)[-1], set()) - {name}:
            live |= defined
        elif defined and not _MAIN_BLOCK.search(text):
            rest[name] = defined
    unused: dict[str, list[str]] = {}
    for name, defined in rest.items():
        if not defined & live:
            continue
        word = re.compile(r"\b" + re.escape(name.rsplit(".", 1)[-1]) + r"\b")
        if any(other != name and word.search(text) for other, text in texts.items()):
            continue  # named somewhere (``import_module("pkg.server_old")``, ``"pkg.server_old:app"``)
        for cls in defined & live:
            unused.setdefault(cls, []).append(name)
    return live, unused


def _imported_modules(
    texts: dict[str, str], spans: dict[str, list[tuple[int, int]]] | None = None
) -> dict[str, set[str]]:
    """Name -> the modules whose import statements mention it (``from a.b import c`` -> a, b, c); ``spans`` as in
    ``_references``."""
    out: dict[str, set[str]] = {}
    spans = {} if spans is None else spans
    for mod_name, text in texts.items():
        for a, b in _module_import_spans(mod_name, text, spans):
            for word in _WORD.findall(text, a, b):
                out.setdefault(word, set()).add(mod_name)
    return out


def _imported_paths(
    texts: dict[str, str], spans: dict[str, list[tuple[int, int]]] | None = None
) -> dict[str, set[tuple[str, str]]]:
    """Last name -> the (dotted path, importing module) pairs the import statements name: ``from a.b import c`` ->
    ``a``, ``a.b``, ``a.b.c``; ``import a.b as x`` -> ``a``, ``a.b``. A relative import keeps only what follows its
    dots (``from .run import X`` -> ``run``, ``run.X``), so it matches any module of that name. ``spans`` as in
    ``_references``."""
    out: dict[str, set[tuple[str, str]]] = {}
    spans = {} if spans is None else spans
    for mod_name, text in texts.items():
        for a, b in _module_import_spans(mod_name, text, spans):
            stmt = " ".join(text[a:b].replace("(", " ").replace(")", " ").replace("\\", " ").split())
            head, sep, tail = stmt.partition(" import ")
            if not sep:
                continue
            if head.startswith("from "):
                base = head[5:].strip().lstrip(".")
                names = [base + "." + n if base else n for n in _import_names(tail)]
                if base:
                    names.append(base)
            else:
                names = _import_names(tail)
            for name in names:
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    out.setdefault(parts[i - 1], set()).add((".".join(parts[:i]), mod_name))
    return out


def _import_names(tail: str) -> list[str]:
    """The dotted names of an import list (``a.b as x, c`` -> ``a.b``, ``c``); ``*`` and odd words left out."""
    out = []
    for item in tail.split(","):
        words = item.split()
        if words and all(_WORD.fullmatch(p) for p in words[0].split(".")):
            out.append(words[0])
    return out


def _is_main_test(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = {dotted(x) for x in sides}
    strings = {x.evaluated_value for x in sides if isinstance(x, cst.SimpleString)}
    return "__name__" in names and "__main__" in strings


def _enclosing_nodes(site: Site) -> list[cst.CSTNode]:
    """The def nodes around a site and the top-level statement holding it."""
    out: list[cst.CSTNode] = []
    scope: Scope | None = site.info.scope
    while scope is not None:
        out.append(scope.node)
        scope = scope.parent
    mod = site.info.scope.module
    pos = mod.pos(site.info.node)
    if pos is not None:
        for stmt in getattr(mod.scope.node, "body", ()):
            if isinstance(stmt, cst.If):
                p = mod.pos(stmt)
                if p is not None and p.start.line <= pos.start.line <= p.end.line:
                    out.append(stmt)
    return out


def _flag_test(test: cst.BaseExpression, params: set[str]) -> list[tuple[str, bool]] | None:
    """The parameter flags a test requires, when it is a conjunction of them (``embedding``, ``not stream``,
    ``a and not b``); None for any other test."""
    if isinstance(test, cst.Name) and test.value in params:
        return [(test.value, True)]
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _flag_test(test.expression, params)
        return [(inner[0][0], not inner[0][1])] if inner is not None and len(inner) == 1 else None
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        left, right = _flag_test(test.left, params), _flag_test(test.right, params)
        return left + right if left is not None and right is not None else None
    return None


def _optional_flag_only(fn: Scope, conds: tuple[tuple[str, bool], ...]) -> bool:
    """Whether a statement runs only when a parameter of ``fn`` that defaults to ``None`` / ``False`` is given
    (``if feedback:`` on ``feedback=None``): an optional extra of some calls, not what every call does."""
    if not conds:
        return False
    defaults = {p.name.value: p.default for p in fn.params}
    return any(
        want and isinstance(defaults.get(name), cst.Name) and defaults[name].value in ("None", "False")  # type: ignore[union-attr]
        for name, want in conds
    )


def _leaves_block(body: Sequence[cst.CSTNode]) -> bool:
    """Whether a statement list always ends its block (its last statement returns, raises, breaks or continues)."""
    if not body:
        return False
    last = body[-1]
    small = getattr(last, "body", None) if isinstance(last, cst.SimpleStatementLine) else [last]
    return bool(small) and isinstance(small[-1], cst.Return | cst.Raise | cst.Break | cst.Continue)


def _flag_conditions(fn: Scope) -> dict[int, tuple[tuple[str, bool], ...]]:
    """For each statement of ``fn`` (by id) the values of ``fn``'s parameters it runs under: inside ``if flag:`` /
    its ``else``, or after an ``if flag: ... return`` in the same block (the rest of the block needs ``not flag``).
    Only parameters the body never rebinds count; empty when no statement depends on one."""
    memo = fn.derived.get("flag_conditions")
    if memo is not None:
        return memo
    params = {n for n in _param_names(fn) if len(fn.bindings.get(n, ())) <= 1}
    out: dict[int, tuple[tuple[str, bool], ...]] = {}
    any_cond = False

    def block(body: Sequence[cst.CSTNode], conds: tuple[tuple[str, bool], ...], depth: int) -> None:
        nonlocal any_cond
        if depth > 12 or len(out) > 4000 or not isinstance(body, list | tuple):
            return
        for stmt in body:
            out[id(stmt)] = conds
            any_cond = any_cond or bool(conds)
            for small in getattr(stmt, "body", ()) if isinstance(stmt, cst.SimpleStatementLine) else ():
                out[id(small)] = conds
            if isinstance(stmt, cst.If):
                need = _flag_test(stmt.test, params) if params else None
                inner = getattr(stmt.body, "body", ())
                block(inner, conds + tuple(need or ()), depth + 1)
                other = (*conds, (need[0][0], not need[0][1])) if need is not None and len(need) == 1 else conds
                if isinstance(stmt.orelse, cst.If):
                    block([stmt.orelse], other, depth + 1)
                elif stmt.orelse is not None:
                    block(getattr(stmt.orelse.body, "body", ()), other, depth + 1)
                if need is not None and len(need) == 1 and _leaves_block(inner):
                    conds = other  # ``if embedding: return ...``: what follows runs only without the flag
                continue
            if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
                continue
            for field_name in ("body", "orelse", "finalbody"):
                part = getattr(stmt, field_name, None)
                if isinstance(part, cst.BaseSuite):
                    block(getattr(part, "body", ()), conds, depth + 1)
                elif part is not None and isinstance(getattr(part, "body", None), cst.BaseSuite):
                    block(getattr(part.body, "body", ()), conds, depth + 1)  # ``else:`` / ``finally:``
            for handler in getattr(stmt, "handlers", ()) or ():
                block(getattr(handler.body, "body", ()), conds, depth + 1)

    suite = getattr(fn.node, "body", None)
    if isinstance(suite, cst.BaseSuite):  # (a lambda's body is an expression)
        block(getattr(suite, "body", ()), (), 0)
    result = out if any_cond else {}
    fn.derived["flag_conditions"] = result
    return result


def _step_nudge(fn: Scope, stmt: cst.CSTNode | None, line: int) -> bool:
    """Whether the statement ``stmt`` (an own turn appended to the list a loop sends) runs only on some steps of a
    loop of ``fn`` that also holds the call at ``line`` outside that condition: inside an ``if`` of the loop's body
    whose test reads the loop's step (its ``for`` target or a counter the loop advances, ``if step == last:``). A
    wrap-up nudge on the last permitted step of a tool loop: on every other step the loop sends the conversation it
    was handed as it is, so the turn makes no task of the function's own."""
    if stmt is None:
        return False
    mod = fn.module
    found: list[bool] = []

    def counters(loop: cst.CSTNode) -> set[str]:
        names: set[str] = set()
        if isinstance(loop, cst.For):
            names |= {n.value for n in _subnodes(loop.target) if isinstance(n, cst.Name)}
        for node in _subnodes(loop.body, limit=20000):
            if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
                names.add(node.target.value)
        return names

    def walk(node: cst.CSTNode, loop: cst.CSTNode | None, cond: cst.If | None, depth: int) -> None:
        if found or depth > 40:
            return
        if node is stmt:
            if loop is not None and cond is not None:
                lp, cp = mod.pos(loop), mod.pos(cond)
                if (
                    lp is not None
                    and cp is not None
                    and lp.start.line <= line <= lp.end.line
                    and not cp.start.line <= line <= cp.end.line
                    and {n.value for n in _subnodes(cond.test) if isinstance(n, cst.Name)} & counters(loop)
                ):
                    found.append(True)
            return
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda) and node is not fn.node:
            return
        if isinstance(node, cst.For | cst.While):
            loop, cond = node, None
        elif isinstance(node, cst.If) and loop is not None and cond is None:
            cond = node
        for child in node.children:
            walk(child, loop, cond, depth + 1)

    walk(fn.node, None, None, 0)
    return bool(found)


def _flag_value(callee: Scope, site: Site, name: str, memo: dict[str, bool | None]) -> bool | None:
    """The literal truth a call gives the parameter ``name`` of ``callee`` (its literal default when the call leaves it
    out and splats nothing that might hold it); None when not known."""
    if name in memo:
        return memo[name]
    args = list(site.info.node.args)
    value: bool | None = None
    bound = [a for a, n in _bind(callee, args) if n == name]
    if bound:
        a = bound[0]
        if not a.star and isinstance(a.value, cst.Name) and a.value.value in ("True", "False", "None"):
            value = a.value.value == "True"
    elif not any(a.star for a in args):
        param = next((p for p in callee.params if p.name.value == name), None)
        default = param.default if param is not None else None
        if isinstance(default, cst.Name) and default.value in ("True", "False", "None"):
            value = default.value == "True"
    memo[name] = value
    return value


_TASK_FIELDS = frozenset({"description", "expected_output"})


class _TaskFieldReads(cst.CSTVisitor):
    """Whether a module reads a task's fields off an object other than ``self`` (``task.description``), and the
    names it mentions (to tell which classes it may read them off)."""

    def __init__(self) -> None:
        self.reads = False
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if (
            node.attr.value in _TASK_FIELDS
            and isinstance(node.value, cst.Name | cst.Attribute | cst.Subscript)
            and not (isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"))
        ):
            self.reads = True
        return True

    def visit_Name(self, node: cst.Name) -> bool:
        self.names.add(node.value)
        return False


_AGENT_NAMED = lazy(r"^Agent|Agent$")
_STORES_VALUE = lazy(r"_?(?:set|put|store|register|emit|publish)(?:_|$)")


def _handed_self_methods(cls: Scope) -> tuple[frozenset[str], frozenset[str]]:
    """The names ``self.<name>`` that a class body hands out as values rather than calls: (every such attribute read
    not called, ``tools=[self.ask]``; those passed as a keyword of a new object, ``Tool(function=self._search)``, not
    handed to a helper: ``self._retry(self._send, prompt)`` is its caller's step)."""
    called: set[int] = set()
    read: list[cst.Attribute] = []
    keyword: list[cst.BaseExpression] = []
    todo: list[cst.CSTNode] = [cls.node]
    while todo:
        node = todo.pop()
        todo.extend(node.children)
        if isinstance(node, cst.Call):
            called.add(id(node.func))
            name = (dotted(node.func) or "").rsplit(".", 1)[-1]
            if name[:1].isupper():
                keyword += [a.value for a in node.args if a.keyword is not None]
            elif _STORES_VALUE.match(name):
                # ``self.set_output("content", partial(self._stream, prompt, msgs))``: a bound call kept for the code
                # reading the object's outputs (a downstream consumer runs it), not run by the class itself
                keyword += [
                    a.value.args[0].value
                    for a in node.args
                    if isinstance(a.value, cst.Call)
                    and (dotted(a.value.func) or "").rsplit(".", 1)[-1] == "partial"
                    and a.value.args
                ]
        elif isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
            read.append(node)
    public = frozenset(v.attr.value for v in read if id(v) not in called)
    private = frozenset(
        v.attr.value
        for v in keyword
        if isinstance(v, cst.Attribute)
        and isinstance(v.value, cst.Name)
        and v.value.value == "self"
        and id(v) not in called
    )
    return public, private


def _owner(scope: Scope) -> Scope | None:
    """The function a call belongs to (a lambda is its own function, as trace capture sees it)."""
    return scope.enclosing_function()


# Calls that keep their arguments as they are (a prompt inside stays the caller's prompt).
@dataclass(frozen=True)
class _Flow:
    """What the prompt-flow walks (``_forwards``, ``_params_in``) ask of the whole program: ``kept(call)``, the
    arguments a project function returns as they are; ``unpassed(fn)``, the parameters with a default that no call
    in the tree gives (the function's own text, not its caller's); ``rebuilt(call)``, the argument a project function
    only rebuilds and returns whole (``_rebuilt_args``)."""

    kept: Callable[[cst.Call], list[cst.CSTNode]]
    unpassed: Callable[[Scope], frozenset[str]]
    rebuilt: Callable[[cst.Call], list[cst.CSTNode]]
    # ``fills(call, fn)``: the method of ``fn``'s own class called fills templates its object holds with what it is
    # handed (``_fills_held_template``)
    fills: Callable[[cst.Call, Scope], bool] = lambda call, fn: False
    # ``answers(call)``: the call sends a model request or calls a wrapper (a site), so what it returns is the model's
    # answer to what it is handed, not that input kept
    answers: Callable[[cst.Call], bool] = lambda call: False
    # ``writes_around(call, fn)``: the message builder of ``fn``'s own class called returns messages it writes around
    # what it is handed (``_builder_writes_around``), so none of the call's arguments reaches the model as it is
    writes_around: Callable[[cst.Call, Scope], bool] = lambda call, fn: False


# Class-level constructors of a model object from the data it is handed (pydantic v2 / v1): the same request, rebuilt
_VALIDATES = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw"})
# Methods copying an object as it is (pydantic ``model_copy``, ``copy`` / ``deepcopy`` of a model or a dict)
_COPIES = frozenset({"model_copy", "copy", "deepcopy"})


def _rebuilt_param(fn: Scope, value: cst.CSTNode | None, params: set[str]) -> str | None:
    """The parameter of ``fn`` that the returned expression ``value`` is, whole or rebuilt
    (``Req.model_validate(data)``, ``Req(**data)``, ``data.model_copy()``, ``copy.deepcopy(data)``, ``dict(data)``),
    following locals bound once (``request = Req.model_validate(data)``); None for anything else."""
    for _ in range(4):
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Name):
            if value.value in params:
                return value.value
            exprs = [b[1] for b in fn.bindings.get(value.value, ()) if b[2] is fn]
            if any(b[0] != "expr" for b in fn.bindings.get(value.value, ()) if b[2] is fn):
                return None  # a loop variable, an unpacked item, a name grown in place: not one value
            if len(exprs) != 1 or not isinstance(exprs[0], cst.BaseExpression):
                return None
            value = exprs[0]
            continue
        if not isinstance(value, cst.Call):
            return None
        func = value.func
        name = (dotted(func) or "").rsplit(".", 1)[-1]
        positional = [a for a in value.args if a.keyword is None and not a.star]
        if isinstance(func, cst.Attribute) and name in _COPIES and not positional:
            value = func.value  # ``data.model_copy(update=...)``, ``data.copy()``
        elif (name in _COPIES or name in _VALIDATES or name == "dict") and len(positional) == 1:
            value = positional[0].value  # ``copy.deepcopy(data)``, ``Req.model_validate(data)``, ``dict(data)``
        elif name[:1].isupper() and len(value.args) == 1 and value.args[0].star == "**":
            value = value.args[0].value  # ``Req(**data)``
        else:
            return None
    return None


_TEMPLATE_FILLS = frozenset({"format", "format_map", "substitute", "safe_substitute", "replace", "strip"})
_PAYLOAD_FIELDS = frozenset({"prompt", "prompts", "messages", "inputs", "input", "text", "content"})


def _sends_empty_prompt(call: cst.Call) -> bool:
    """A request whose prompt argument is written empty (``messages=[]``, ``prompt=""``) and that has no positional
    argument: a warm-up or liveness ping that sends no text at all."""
    if any(a.keyword is None for a in call.args):
        return False
    for a in call.args:
        if a.keyword is None or a.keyword.value not in _PAYLOAD_FIELDS:
            continue
        v = a.value
        if isinstance(v, cst.List | cst.Tuple | cst.Dict) and not v.elements:
            return True
        if isinstance(v, cst.SimpleString) and not v.evaluated_value:
            return True
    return False


_TENSOR_MOVES = ("to", "unsqueeze", "cuda")
# Methods of a request object that return its content as it is in another shape (a pydantic model dumped to the dict
# an SDK takes): ``create(**req.model_dump(exclude_none=True))`` sends what the caller put in ``req``. (A ``copy()``
# is left out: an object's state copied before the function adds its own messages to it is no request handed in.)
_SAME_CONTENT = ("model_dump", "dict", "to_dict")
_TOKENIZES = lazy(r"^tokeni[sz]er$|^tokeni[sz]e|_token$|^tok$")
# torch's constructors of a tensor from token ids (``torch.as_tensor(input_ids).to(device)`` handed to a local engine's
# ``generate`` or forward pass): the ids the tokenizer encoded, in another shape
_TENSOR_FROM = frozenset({"torch.as_tensor", "torch.tensor", "torch.LongTensor"})
_KEEPS_ARGUMENTS = frozenset(
    {
        "dict",
        "list",
        "tuple",
        "partial",
        "functools.partial",
        # copies and reorderings of a message list: the same items
        "deepcopy",
        "copy.deepcopy",
        "copy.copy",
        "reversed",
        "sorted",
        # ``typing.cast(T, value)``: the value itself, typed for the checker
        "cast",
        "typing.cast",
        # LangChain's message converters: the same messages in another shape
        "convert_openai_messages",
        "convert_to_messages",
        "convert_to_openai_messages",
    }
)
_PASS_THROUGH = (
    cst.List,
    cst.Tuple,
    cst.Dict,
    cst.DictElement,
    cst.Element,
    cst.StarredElement,
    cst.Arg,
    cst.Await,
    cst.StarredDictElement,  # ``{**config}``: a copy of the mapping handed in, its entries as they are
)


def _converted_from(fn: Scope, m: Message, bound: dict[str, Any]) -> bool:
    """A message that is one hole naming a local of ``fn`` assigned once from a call given a parameter the caller
    binds (``lc_messages = convert_openai_messages(prompt)``): the caller's argument, converted."""
    if len(m.parts) != 1 or not m.parts[0].hole:
        return False
    exprs = [b[1] for b in fn.bindings.get(m.parts[0].text.lstrip("*"), ()) if b[0] == "expr" and b[2] is fn]
    return (
        len(exprs) == 1
        and isinstance(exprs[0], cst.Call)
        and any(isinstance(a.value, cst.Name) and a.value.value in bound for a in exprs[0].args)
    )


_COLLECTS = frozenset({"append", "extend", "insert", "appendleft"})
# dunders through which other code calls an object's method (``obj(...)``, ``obj[name]``)
_CALL_ALIASES = frozenset({"__call__", "__getitem__"})


def _local_sources(fn: Scope, params: set[str], loops: bool = False) -> dict[str, list[cst.CSTNode]]:
    """Per local of ``fn`` (not a parameter), the expressions its value is made of: what it is assigned
    (``msgs = [...]``), the items added to it as a list (``msgs += [...]``, ``msgs.append(x)`` / ``.extend(xs)`` /
    ``.insert(0, x)`` in ``fn`` itself), the mapping merged into it as a dict (``kw.update(options)``), and with
    ``loops`` for a loop variable the iterable it walks (``for m in raw_messages``: each ``m`` is an item of it): a
    converter that reshapes a message list item by item into a new list returns its caller's messages (read for what
    a helper returns, not for what a function sends: one request per item of a list is a task of its own). Text grown
    with ``+=`` (``obs += data``) is a template the function writes around the data, left out."""
    out: dict[str, list[cst.CSTNode]] = {
        name: [
            b[1]
            for b in bindings
            if (
                b[0] == "expr"
                or (b[0] == "for" and loops)
                or (b[0] == "aug" and isinstance(b[1], cst.List | cst.Tuple))
            )
            and b[2] is fn
        ]
        for name, bindings in fn.bindings.items()
        if name not in params
    }
    for name, bindings in fn.bindings.items():  # ``prompt += HUMAN + m["content"]`` over ``for m in history``
        if name in out and name not in params:
            out[name].extend(_serialised_conversation(fn, name, bindings))
    for ci in fn.calls:
        f = ci.node.func
        if (
            isinstance(f, cst.Attribute)
            and f.attr.value in _COLLECTS
            and isinstance(f.value, cst.Name)
            and f.value.value in out
            and ci.node.args
        ):
            out[f.value.value].append(ci.node.args[-1].value)
        elif (
            isinstance(f, cst.Attribute)
            and f.attr.value == "update"
            and isinstance(f.value, cst.Name)
            and f.value.value in out
            and len(ci.node.args) == 1
            and not ci.node.args[0].star
            and ci.node.args[0].keyword is None
        ):  # ``request.update(kwargs)``: a dict of request options merged with the caller's (``**kwargs``) entries
            out[f.value.value].append(ci.node.args[0].value)
    for name, writes in fn.item_writes.items():  # ``kwargs["messages"] = messages`` into a payload built before
        if name in out:  # (not ``kwargs["temperature"] = temperature``: a request setting, no prompt)
            out[name].extend(
                value for target, value in writes if _keyed_write(target, name) and not _setting_write(target)
            )
    return out


def _sent_params(fn: Scope, body: cst.BaseExpression) -> set[str]:
    """Parameters of ``fn`` that a request body is made of, through the locals it is built from (a copy of a held
    template updated with what a helper makes of a parameter: ``body = self.body.copy(); body.update(shape(turns))``),
    three locals deep; ``self`` and request settings left out."""
    params = set(_param_names(fn)) - {"self", "cls"}
    if not params:
        return set()
    local = _local_sources(fn, params)
    out: set[str] = set()
    todo, seen = [body], 0
    while todo and seen < 12:
        node = todo.pop()
        seen += 1
        for n in _subnodes(node, 400):
            if not isinstance(n, cst.Name):
                continue
            if n.value in params:
                out.add(n.value)
            elif n.value in local:
                todo.extend(local.pop(n.value))
    return out


def _serialised_conversation(fn: Scope, name: str, bindings: list) -> list[cst.CSTNode]:
    """The message lists a text local is a serialisation of: text grown with ``+=`` by the content of each message of
    a list the function walks, whose role it reads as well (``for m in history: prompt += ROLES[m["role"]] +
    m["content"]``), for a completion API that takes one string. The text is the caller's conversation re-spelt, not
    a template the function writes around data (a summary prompt adds its documents' text, not turns by role). Only
    where the text is sent as it is: put into a message of its own (``dict(role="user", content=text)`` beside a
    system prompt the function writes) it is the data of a task about the conversation (summarise the chat)."""
    if _put_in_message(fn, name):
        return []
    loops = {name: b[1] for name, bs in fn.bindings.items() for b in bs if b[0] == "for" and len(b) > 2 and b[2] is fn}
    out: list[cst.CSTNode] = []
    for b in bindings:
        if b[0] != "aug" or len(b) < 3 or b[2] is not fn:
            continue
        for n in _subnodes(b[1], 200):
            item = _field_read(n)
            if item is None or item[1] != "content" or item[0] not in loops:
                continue
            walked = item[0]
            if (
                any(
                    (r := _field_read(m)) is not None and r[0] == walked and r[1] == "role"
                    for m in _subnodes(fn.node, 4000)
                )
                and loops[walked] not in out
            ):
                out.append(loops[walked])
    return out


def _put_in_message(fn: Scope, name: str) -> bool:
    """Whether the local ``name`` is put into a message or a list in ``fn``: a dict entry's value, an item of a list /
    tuple display, or an argument of a call that also names a ``role``."""
    for n in _subnodes(fn.node, 4000):
        if isinstance(n, cst.Dict):
            values = [el.value for el in n.elements if isinstance(el, cst.DictElement)]
        elif isinstance(n, cst.List | cst.Tuple):
            values = [el.value for el in n.elements]
        elif isinstance(n, cst.Call) and any(a.keyword is not None and a.keyword.value == "role" for a in n.args):
            values = [a.value for a in n.args]
        else:
            continue
        if any(isinstance(v, cst.Name) and v.value == name for v in values):
            return True
    return False


def _joined_loop_contents(fn: Scope, params: set[str]) -> dict[str, list[cst.CSTNode]]:
    """Per local text of ``fn`` started empty (``text = ""``) and grown in a loop with the content field of each item
    of a message list handed in (``for m in request.messages: text += f"{m['content']}\\n\\n"``, through nested loops
    over an item's parts: ``for p in m["content"]: text += p["text"]``), the list it walks: the caller's messages
    joined into one text, as ``"\\n\\n".join(m["content"] for m in messages)`` is; what else is added on the way
    (a note of an uploaded file) does not make the joined messages a template of the function's own. Not so for a
    text the function starts with words of its own (``text = "Summarise:\\n"``: a template around the data), nor for
    an item written into literal text (``f"<DOC>{d['content']}</DOC>"``)."""
    out: dict[str, list[cst.CSTNode]] = {}
    for name, bindings in fn.bindings.items():
        if name in params:
            continue
        mine = [b for b in bindings if b[2] is fn] if all(len(b) > 2 for b in bindings) else []
        if not mine or not any(b[0] == "aug" for b in mine):
            continue
        if not all(b[0] == "aug" or (b[0] == "expr" and _blank_text(b[1])) for b in mine):
            continue
        for b in mine:
            item = _appended_item(b[1]) if b[0] == "aug" else None
            root = _walked_root(fn, item, params) if item is not None else None
            if root is not None and not _loop_adds_words(fn, root, name):
                out.setdefault(name, []).append(root)
    return out


def _loop_adds_words(fn: Scope, root: cst.CSTNode, name: str) -> bool:
    """Whether the loop of ``fn`` walking ``root`` adds text of its own to ``name`` beside the items' contents
    (``text += f"# {role}\\n"`` before each message: a transcript the function writes, a template of its own), or
    the loop is not found."""
    loop = next((n for n in _subnodes(fn.node, 20000) if isinstance(n, cst.For) and n.iter is root), None)
    if loop is None:
        return True
    for n in _subnodes(loop.body, 20000):
        if (
            isinstance(n, cst.AugAssign)
            and isinstance(n.target, cst.Name)
            and n.target.value == name
            and _has_words(n.value, 0)
        ):
            return True
    return False


def _field_read(node: cst.CSTNode) -> tuple[str, str] | None:
    """``m["content"]`` / ``m.get("content")`` / ``m.content`` on a plain name: (name, field)."""
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return node.value.value, str(index.value.evaluated_value)
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return node.value.value, node.attr.value
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
        and isinstance(node.func.value, cst.Name)
        and node.args
        and isinstance(node.args[0].value, cst.SimpleString)
    ):
        return node.func.value.value, str(node.args[0].value.evaluated_value)
    return None


def _has_words(node: cst.CSTNode, depth: int) -> bool:
    """Whether ``node`` holds literal text beside whitespace (a subscript's key, ``m["content"]``, and a call's
    arguments, ``p.get("text")``, are no text it adds)."""
    if depth > 12:
        return True
    if isinstance(node, cst.SubscriptElement | cst.Call):
        return False
    if isinstance(node, cst.SimpleString):
        return bool(str(node.evaluated_value).strip())
    if isinstance(node, cst.FormattedStringText):
        return bool(node.value.replace("\\n", "").replace("\\t", "").strip())
    return any(_has_words(c, depth + 1) for c in node.children)


def _blank_text(node: cst.CSTNode) -> bool:
    """``""`` / ``f""``: a text holding nothing yet."""
    if isinstance(node, cst.SimpleString):
        return not node.evaluated_value.strip()
    return isinstance(node, cst.FormattedString) and not node.parts


def _appended_item(node: cst.CSTNode) -> str | None:
    """The loop item whose content field a ``+=`` appends as it is (``m["content"]``, ``f"{p['text']}\\n\\n"``: no
    literal text beside whitespace), or None."""
    if isinstance(node, cst.FormattedString):
        exprs = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
        texts = [p for p in node.parts if isinstance(p, cst.FormattedStringText)]
        if len(exprs) != 1 or any(t.value.replace("\\n", "").replace("\\t", "").strip() for t in texts):
            return None
        if exprs[0].format_spec is not None or exprs[0].conversion is not None:
            return None
        node = exprs[0].expression
    return _content_field_of(node)


def _content_field_of(node: cst.CSTNode) -> str | None:
    """``m["content"]`` / ``m.text``: the name whose prompt field (``_PAYLOAD_FIELDS``) is read, or None."""
    if isinstance(node, cst.Attribute | cst.Subscript):
        return node.value.value if _payload_field(node) else None  # type: ignore[union-attr]
    return None


def _walked_root(fn: Scope, item: str, params: set[str], depth: int = 0) -> cst.CSTNode | None:
    """What the loop variable ``item`` walks, followed through enclosing loops over an item's field
    (``for p in m["content"]`` inside ``for m in request.messages``) to an expression read from a parameter
    (``request.messages``), or None."""
    if depth > 3 or item in params:
        return None
    loops = [b for b in fn.bindings.get(item, ()) if len(b) > 2 and b[2] is fn]
    if not loops or any(b[0] != "for" for b in loops):
        return None
    for b in loops:
        it = b[1]
        if isinstance(it, cst.Name) and it.value in params:
            return it
        if isinstance(it, cst.Attribute | cst.Subscript) and _payload_field(it):
            base = it.value.value  # type: ignore[union-attr]
            if base in params:
                return it
            inner = _walked_root(fn, base, params, depth + 1)
            if inner is not None:
                return inner
    return None


def _setting_key(key: cst.BaseExpression) -> bool:
    """A literal dict key naming a request setting (``"model"``, ``"temperature"``): see ``_SETTING_KEYWORDS``."""
    return isinstance(key, cst.SimpleString) and key.evaluated_value in _SETTING_KEYWORDS


def _setting_keyword(a: cst.Arg) -> bool:
    """``model=name`` / ``api_key=key`` handed to a constructor: a request setting, no prompt (see ``_setting_entry``)."""
    return a.keyword is not None and a.keyword.value in _SETTING_KEYWORDS


def _message_shaped(expr: cst.BaseExpression) -> bool:
    """A message written out: a constructor given its ``role`` / ``content`` by keyword (``Message(role="system",
    content=text)``) or a dict with a ``"role"`` / ``"content"`` key."""
    if isinstance(expr, cst.Call):
        name = (dotted(expr.func) or "").rsplit(".", 1)[-1]
        return name[:1].isupper() and any(
            a.keyword is not None and a.keyword.value in ("role", "content") for a in expr.args
        )
    if isinstance(expr, cst.Dict):
        return any(
            isinstance(e, cst.DictElement)
            and isinstance(e.key, cst.SimpleString)
            and e.key.evaluated_value in ("role", "content")
            for e in expr.elements
        )
    return False


def _setting_entry(element: cst.CSTNode) -> bool:
    """``"model": model`` in a dict display: an entry choosing how the prompt is answered, not what is asked."""
    return isinstance(element, cst.DictElement) and _setting_key(element.key)


def _setting_write(target: cst.BaseExpression) -> bool:
    """``kwargs["temperature"] = ...``: a keyed write (see ``_keyed_write``) of a request setting."""
    return isinstance(target, cst.Subscript) and _setting_key(target.slice[0].slice.value)  # type: ignore[union-attr]


def _parses_command_line(call: cst.Call) -> bool:
    """``parser.parse_args(argv)`` / ``parse_known_args`` / ``parse_intermixed_args``: an argparse parser reading a
    command line."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in (
        "parse_args",
        "parse_known_args",
        "parse_intermixed_args",
        "parse_known_intermixed_args",
    )


def _keyed_write(target: cst.BaseExpression, name: str) -> bool:
    """``name["key"] = ...``: an entry of a dict held in ``name`` set by a literal key (not an item of an entry)."""
    if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.value.value == name):
        return False
    if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
        return False
    return isinstance(target.slice[0].slice.value, cst.SimpleString)


def _written_around(fn: Scope, value: cst.BaseExpression, params: set[str]) -> bool:
    """``_builder_writes_around`` for one returned expression of ``fn`` (or the one local it returns, bound once)."""
    if isinstance(value, cst.Name) and value.value not in params:
        bound = fn.bindings.get(value.value, ())
        if len(bound) != 1 or bound[0][0] != "expr" or not isinstance(bound[0][1], cst.BaseExpression):
            return False
        value = bound[0][1]
    if not isinstance(value, cst.List | cst.Tuple) or len(value.elements) < 2:
        return False
    own = around = 0
    for el in value.elements:
        if not isinstance(el, cst.Element):
            return False  # ``*messages``: what it is handed, sent on as it is
        item = el.value
        if isinstance(item, cst.Dict):
            texts = [
                e.value
                for e in item.elements
                if isinstance(e, cst.DictElement)
                and isinstance(e.key, cst.SimpleString)
                and str(e.key.evaluated_value) in ("content", "text")
            ]
        elif isinstance(item, cst.Call):
            texts = [a.value for a in item.args if not (a.keyword is not None and a.keyword.value in ("role", "name"))]
            if any(a.star for a in item.args):
                return False
        else:
            return False
        if len(texts) != 1:
            return False
        text = texts[0]
        if isinstance(text, cst.SimpleString | cst.ConcatenatedString) or (
            isinstance(text, cst.Attribute) and _is_self(fn, text.value)
        ):
            own += 1
        elif (
            isinstance(text, cst.FormattedString)
            and any(isinstance(p, cst.FormattedStringExpression) for p in text.parts)
            and _has_words(text, 0)
        ):
            around += 1
        else:
            return False
    return own > 0 and around > 0


def _own_builder(name: str) -> bool:
    """``self.messages_for`` / ``cls.build``: a message builder of the function's own class (not a method of an object
    it holds, ``self.agent.message_constructor``, which writes that object's own prompt around the data)."""
    parts = name.split(".")
    return len(parts) == 2 and parts[0] in ("self", "cls")


_FORMATTER_ATTR = lazy(r"(?:^|_)(?:formatter|converter|serializer)s?$", re.IGNORECASE)
_FORMATTER_METHOD = lazy(r"^_?(?:format|convert|serialize|to_)", re.IGNORECASE)


def _held_formatter(call: cst.Call) -> bool:
    """``self.formatter.format(msgs)`` / ``self._converter.convert(messages)``: an object the class holds only to turn
    messages into the shape a provider takes (named as such: a formatter, a converter), so what it is handed reaches
    the model in another shape, not inside a prompt of that object's own (an ``agent`` or a ``prompter`` it holds
    writes one), called by a method that reshapes (``format`` / ``convert`` / ``to_*``: not a ``formatter`` agent's
    ``execute``)."""
    parts = (dotted(call.func) or "").split(".")
    return (
        len(parts) == 3
        and parts[0] == "self"
        and bool(_FORMATTER_ATTR.search(parts[1]))
        and bool(_FORMATTER_METHOD.search(parts[2]))
    )


def _sent_list_name(expr: cst.BaseExpression) -> str | None:
    """The local list a request argument sends: ``messages`` itself or a slice of it (``messages[1:]``, the turns
    after the system message an API takes apart)."""
    if isinstance(expr, cst.Subscript) and all(isinstance(e.slice, cst.Slice) for e in expr.slice):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _forwards(
    fn: Scope,
    site: Site,
    templated: bool = False,
    builders: bool = True,
    args: list[cst.Arg] | None = None,
    flow: _Flow | None = None,
    only: set[str] | None = None,
    items: bool = False,
) -> bool:
    """Whether a parameter of ``fn`` reaches the call ``site`` as it is (possibly inside list/dict/message objects),
    i.e. ``fn`` forwards its caller's prompt rather than authoring a template around it (``templated``: or filled
    into a template). ``builders``: a parameter handed to a message builder of its own class
    (``self.messages_for(text)``) counts as kept; off where the call's prompt holds text the function authors (a
    system prompt of its own next to ``self.render_human_message(events)``: a task prompt, not a forwarded one); only
    parameters named like a prompt count as carried through such a builder. ``args``: the arguments to look at
    (default: all of the call's). ``kept``: the arguments of a call of a project function that it returns as they
    are (``format_message("user", text)`` building the message dict), see ``_params_in``. ``only``: the parameters
    to follow (default: all). ``items``: an item of a list parameter that a loop walks (``for case in cases:
    run(new_message=case.content)``) counts as that parameter, each item a prompt its caller wrote (``_item_of_param``)."""
    params = {p.name.value for p in fn.params}
    if fn.enclosing_class() is not None and fn.params and not is_staticmethod(fn):
        params.discard(fn.params[0].name.value)
    if only is not None:
        params &= only
    if not params:
        return False
    local = _local_sources(fn, params)
    # ``create_config, extra = self._split_config(full_config)``: the call a local is unpacked from, whose kept
    # arguments (``flow.kept``: what the helper returns as it is) the local may hold
    unpacked = {
        name: [
            v
            for b in bindings
            if b[0] == "unpack"
            and b[2] is fn
            and isinstance(v := b[1].expression if isinstance(b[1], cst.Await) else b[1], cst.Call)
        ]
        for name, bindings in fn.bindings.items()
        if name not in params and flow is not None
    }
    unpacked_seen: set[int] = set()
    keywords = {p.name.value for p in fn.params if p.star == "**"}

    attrs: dict[str, list[cst.CSTNode]] | None = None

    def passes(node: cst.CSTNode, depth: int, built: bool = False) -> bool:
        nonlocal attrs
        if isinstance(node, cst.Attribute) and _is_self(fn, node.value) and depth < 3:
            if attrs is None:  # ``self.task = task`` ... ``self._run(task=self.task)``: kept through an attribute
                attrs = _self_assigned(fn)
            return any(passes(e, depth + 1, built) for e in attrs.get(node.attr.value, ()))
        if isinstance(node, cst.Name):
            if node.value in params:
                # (``**config``: the keywords the callers give one by one, ``messages=`` among them)
                return not built or bool(_PROMPT_PARAM.search(node.value)) or node.value in keywords
            if depth < 3 and any(passes(e, depth + 1, built) for e in local.get(node.value, ())):
                return True
            if depth < 3 and flow is not None:
                for c in unpacked.get(node.value, ()):
                    if id(c) not in unpacked_seen:  # ``a, b = step(a, b)`` in a loop: once
                        unpacked_seen.add(id(c))  # (the call stands for the local itself, as in ``_params_in``)
                        if any(passes(a, min(depth, 1), built) for a in flow.kept(c)):
                            return True
            return items and not built and _walked_item(fn, node, params)
        if isinstance(node, cst.Call) and _parses_command_line(node):
            return False  # ``args = parser.parse_args(argv)``: options of a command line, no prompt handed in
        if isinstance(node, cst.Call) and _serialises(node):  # json.dumps(payload).encode(): the same request
            return any(passes(c, depth, built) for c in _serialised(node))
        if isinstance(node, cst.Subscript | cst.Attribute) and _payload_field(node):
            return passes(node.value, depth, built)  # params["prompt"] / convo.messages: the payload's prompt field
        if isinstance(node, cst.Subscript | cst.Attribute) and _encoded_ids(node):
            return passes(node.value, depth, built)  # tokenizer([prompt]).input_ids: the encoded prompt's ids
        if items and not built and isinstance(node, cst.Subscript | cst.Attribute) and _walked_item(fn, node, params):
            return True  # ``case.content`` / ``case["turns"]``: a field of a walked item
        if isinstance(node, cst.Subscript) and _sliced(node):
            return passes(node.value, depth, built)  # messages[1:cut]: a run of the caller's own messages
        if isinstance(node, cst.Call) and _copy_method(node):
            return passes(node.func.value, depth, built)  # request.copy(): the same request, as in ``_params_in``
        if isinstance(node, cst.ListComp) and not templated and (walked := _reshaped_items_of(node)) is not None:
            return passes(walked, depth, built)  # [m.to_dict() for m in messages]: each message handed in, reshaped
        if _joins_sequences(node, fn):  # history + new_messages: the caller's messages, one run after the other
            return passes(node.left, depth, built) or passes(node.right, depth, built)
        if isinstance(node, cst.Call) and not templated and builders and depth <= 1 and _held_formatter(node):
            return any(passes(a.value, depth, True) for a in node.args)  # self.formatter.format(msgs): reshaped
        if isinstance(node, cst.Call) and not templated and (receiver := _filled_template(node, fn, flow)) is not None:
            return passes(receiver, depth, built)  # template.format(...) of a template the caller hands in
        if isinstance(node, cst.Call) and not templated:  # a message/object constructor keeps the prompt as it is
            name = dotted(_generic_class_of(node.func)) or ""
            # complete(self.messages_for(text)): a message builder applied in the call itself
            builder = builders and (depth <= 1 or built) and _own_builder(name)
            if builder and flow is not None and flow.writes_around(node, fn):
                return False  # a task prompt the class's builder writes around what it is handed (``_params_in``)
            if not builder and not name.rsplit(".", 1)[-1][:1].isupper() and name not in _KEEPS_ARGUMENTS:
                return any(passes(a, depth, built) for a in (flow.kept(node) if flow is not None else ()))
            # (not a setting it is given, ``Agent(model=LitellmModel(model=name, api_key=key))``: no prompt)
            return any(passes(a.value, depth, built or builder) for a in node.args if not _setting_keyword(a))
        if isinstance(node, cst.Dict) and not templated:  # as in ``_params_in``: a setting entry holds no prompt
            return any(passes(e, depth, built) for e in node.elements if not _setting_entry(e))
        if (
            isinstance(node, cst.ListComp | cst.GeneratorExp)
            and not templated
            and flow is not None
            and isinstance(node.elt, cst.Call)
            and flow.fills(node.elt, fn)
        ):
            return False  # ``[self.template.render(question=q) for q in items]``: a prompt written per item
        if isinstance(node, _PASS_THROUGH) or templated:
            return any(passes(c, depth, built) for c in node.children)
        return False

    call = site.info.node
    if args is None and site.client == "http" and site.site == SiteKind.REQUEST:
        args = _http_sent_args(call)  # the body it posts, not the address or the headers
    if args is None:  # ``args``: only these arguments of the call (those bound to the callee's prompt parameters)
        args = list(call.args)
        if (site.site == SiteKind.WRAPPER_CALL and _gives_prompt(call, own=True)) or (
            site.site == SiteKind.REQUEST and _fixed_prompt_request(call)
        ):
            # ``gpt(prompt, n=n_samples, stop=stop)`` of a project wrapper, or a request's ``model=chat_model`` beside
            # messages written out as constants (a probe sending a fixed greeting to the model its caller names): the
            # settings beside the prompt carry none
            # (unless the prompt is the object's state, ``system=self.system_prompt`` set by its constructor from what
            # its caller chose: a callable object a retry helper runs with a model name hands on only the model)
            args = [a for a in args if a.star or a.keyword is None or a.keyword.value not in _SETTING_KEYWORDS]
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("run_in_executor", "to_thread", "submit", "run_sync"):
        pass  # the arguments after the function are the forwarded ones; checked like any other
    for a in args:
        value = a.value
        if isinstance(value, cst.Lambda):
            value = value.body
            if isinstance(value, cst.Call):
                if any(passes(x.value, 0) for x in value.args):
                    return True
                continue
        if passes(value, 0):
            return True
    return False


def _generic_class_of(func: cst.BaseExpression) -> cst.BaseExpression:
    """The class of a construction whose class is parametrised in place (``Task[str](...)``,
    ``marvin.Task[list[T]](...)``: a generic class subscripted with its type arguments), else ``func`` itself."""
    if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name | cst.Attribute):
        return func.value
    return func


def _param_on_some_path(fn: Scope, expr: cst.BaseExpression) -> bool:
    """``expr`` is a local of ``fn`` that one of its assignments (or one side of a conditional one) sets to a
    parameter of ``fn`` itself, unchanged (``current_task = task``), beside others that may wrap it."""
    if not isinstance(expr, cst.Name):
        return False
    params = set(_param_names(fn))
    if not params or expr.value in params:
        return False
    for b in fn.bindings.get(expr.value, ())[:8]:
        if b[0] != "expr" or b[2] is not fn:
            continue
        value = b[1]
        sides = (value.body, value.orelse) if isinstance(value, cst.IfExp) else (value,)
        if any(isinstance(v, cst.Name) and v.value in params for v in sides):
            return True
    return False


# a parameter that is the caller's own request (an agent's ``run(task)``, ``chat(message)``), not data a task is
# written around (``text``, ``code``, ``document``) nor data for its template
_REQUEST_PARAM = lazy(
    r"^(?:user_)?(?:prompt|message|msg|query|question|task|instruction|request|input)(?:_text)?$", re.I
)


def _appends_to_request(fn: Scope, expr: cst.BaseExpression) -> bool:
    """``f"{prompt}\n\n{notice}"`` / ``prompt + FORMAT_HINT``: text that starts with a request parameter of ``fn`` (or
    of a function ``fn`` is nested in), whole, and only appends to it (a steering notice, a format instruction). What
    the model is asked is still what the caller wrote: the text after it is no task prompt the function authors."""
    first: cst.BaseExpression | None = expr
    while isinstance(first, cst.BinaryOperation) and isinstance(first.operator, cst.Add):
        first = first.left
    if isinstance(first, cst.FormattedString):
        parts = [
            p
            for p in first.parts
            if not (isinstance(p, cst.FormattedStringText) and not p.value.replace("\\n", "").strip())
        ]
        first = parts[0].expression if parts and isinstance(parts[0], cst.FormattedStringExpression) else None
        if first is None or len(parts) < 2:
            return False
    elif first is expr:
        return False  # no text appended
    if not isinstance(first, cst.Name) or not _REQUEST_PARAM.search(first.value):
        return False
    scope: Scope | None = fn
    while scope is not None and scope.kind == "function":
        if first.value in _param_names(scope):
            return True
        scope = scope.parent
    return False


def _calls_on_param(fn: Scope, site: Site) -> bool:
    """The call ``site`` in ``fn`` is made on an object ``fn`` is handed (``agent.respond(...)``, or
    ``agent.respond`` passed as a value to an executor), not on one of its own."""
    params = set(_param_names(fn))
    call = site.info.node
    nodes = [call.func, *(a.value for a in call.args)]
    for node in nodes:
        while isinstance(node, cst.Attribute):
            node = node.value
            if isinstance(node, cst.Name) and node.value in params:
                return True
    return False


def _object_roots(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The objects a member path may start from: ``self.client`` of ``self.client.models.v2``, ``client`` of
    ``client.models`` (one attribute of a name, and the name itself)."""
    while isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Attribute):
        expr = expr.value
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return [expr, expr.value]
    return [expr]


def _hands_on_state(fn: Scope, site: Site) -> bool:
    """Whether every argument of the call is a parameter of its function or an attribute of the object
    (``self.forward(history)``, ``self.step(self.messages)``), a number, or a local the function computed without
    writing any text (``messages = self.memory.get_messages()``, a loop counter, ``info = StepInfo(n, limit)``):
    nothing built there, no literal text."""
    params = {p.name.value for p in fn.params}
    for a in site.info.node.args:
        v = a.value
        setting = a.keyword is not None and (
            a.keyword.value in _SETTING_KEYWORDS or a.keyword.value in _OUTPUT_SETTINGS
        )
        if setting and not isinstance(v, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            continue  # ``response_format=parser.response_format()``: how it is answered, no prompt
        if isinstance(v, cst.Name) and v.value in params:
            continue
        if isinstance(v, cst.Attribute) and (_is_self(fn, v.value) or _closure_self(fn, v.value)):
            continue  # (``self.messages`` in a closure of the method is the same object's state)
        if isinstance(v, cst.Attribute) and (v.attr.value in _SETTING_KEYWORDS or v.attr.value in _OUTPUT_SETTINGS):
            continue  # ``ctx.config.model`` off a session context the step fetched: a setting read, no prompt
        root = v
        while isinstance(root, cst.Attribute):
            root = root.value
        if root is not v and isinstance(root, cst.Name) and (root.value in params or _textless_local(fn, root.value)):
            continue  # ``state.history`` off a local holding the object's state
        if isinstance(v, cst.Integer | cst.Float) or (isinstance(v, cst.Name) and v.value in ("True", "False", "None")):
            continue
        if isinstance(v, cst.Name) and _textless_local(fn, v.value):
            continue
        if isinstance(v, cst.Name) and _enclosing_state(fn, v.value):
            continue  # a closure handing on what the function around it holds (``run`` built there from its input)
        if _state_wrapped(fn, v):
            continue
        return False
    return True


def _closure_self(fn: Scope, node: cst.CSTNode) -> bool:
    """``node`` is the ``self`` of the method that the closure ``fn`` is defined in (free in ``fn``)."""
    if not isinstance(node, cst.Name) or node.value in fn.bindings:
        return False
    outer = fn.parent
    while outer is not None and outer.kind == "function":
        if outer.enclosing_class() is not None:
            return _is_self(outer, node)
        if node.value in outer.bindings or node.value in {p.name.value for p in outer.params}:
            return False
        outer = outer.parent
    return False


def _enclosing_state(fn: Scope, name: str) -> bool:
    """Whether ``name``, free in the closure ``fn``, is a parameter of a function around it or a local one computed
    there without writing any text (``_textless_local``)."""
    if name in fn.bindings:
        return False
    outer = fn.parent
    while outer is not None and outer.kind == "function":
        if name in {p.name.value for p in outer.params}:
            return True
        if name in outer.bindings:
            return _textless_local(outer, name)
        outer = outer.parent
    return False


def _state_wrapped(fn: Scope, expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` only wraps the object's state and the function's parameters into the shapes a model call
    takes, writing no text: ``[Message.system_message(self.system_prompt)] if self.system_prompt else None``,
    ``self.tools.to_params()``. Calls allowed are constructors and factory methods of a class (a capitalised name)
    and methods of an object the instance holds (``self.tools.to_params()``); a function or a method of the class
    itself may write a prompt of its own (``self.build_prompt(task)``), so it is not taken."""
    params = {p.name.value for p in fn.params}
    module = fn.module.scope
    todo: list[cst.CSTNode] = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Name) and (node.value in params or node.value in ("True", "False", "None")):
            continue
        if _writes_text(module, node):
            return False
        if isinstance(node, cst.Name):
            if not node.value[:1].isupper():
                return False  # a name of no known shape (a local, a global helper)
            continue
        if isinstance(node, cst.Call):
            func = node.func
            chain: list[str] = []
            while isinstance(func, cst.Attribute):
                chain.append(func.attr.value)
                func = func.value
            if not isinstance(func, cst.Name):
                return False
            if func.value in params and not _is_self(fn, func) and len(chain) < 2:
                return False  # a callable handed in (or its method): it may build anything; a method of an object
                # it holds converts what was handed in (``run.request.to_messages()``), as ``self.tools.to_params()``
            if _is_self(fn, func) and len(chain) < 2:
                return False  # ``self.build_prompt(...)``: the class's own method may write text
            if not _is_self(fn, func) and func.value not in params and not func.value[:1].isupper():
                return False  # a plain function (a prompt builder, a template filler)
            todo.extend(a.value for a in node.args)
            continue
        if isinstance(node, cst.Attribute):
            todo.append(node.value)
            continue
        if isinstance(node, cst.DictElement):
            todo.append(node.value)
            continue
        if isinstance(node, cst.IfExp):
            todo.extend((node.body, node.orelse))
            continue
        if isinstance(node, cst.List | cst.Tuple | cst.Element | cst.Dict | cst.StarredElement):
            todo.extend(node.children)
            continue
        if isinstance(node, cst.Integer | cst.Float):
            continue
        return False
    return True


def _text_local(fn: Scope, name: str) -> bool:
    """Whether ``name`` is a local of ``fn`` assigned a text it writes: a string literal, a concatenation or slice of
    one, a template filled (``text = ("Rate ... " + answer)[:limit]``)."""
    bound = [b for b in fn.bindings.get(name, ()) if b[0] == "expr" and b[1] is not None]
    return bool(bound) and any(_text_valued(b[1]) for b in bound)


def _text_valued(node: cst.CSTNode, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(node, cst.BaseString):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add | cst.Modulo):
        return _text_valued(node.left, depth + 1) or _text_valued(node.right, depth + 1)
    if isinstance(node, cst.Subscript):
        return _text_valued(node.value, depth + 1)
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _FILLS


def _textless_local(fn: Scope, name: str) -> bool:
    """Whether ``name`` is a local of ``fn`` whose every binding is an assignment or a loop over an expression
    holding no text: no string literal (dictionary keys aside: ``{"format": Schema}`` names an option, it writes no
    text), no template filled (``PROMPT.format(...)``), no constant of text (a module-level string, an imported
    upper-case name), no other local holding text (``prompt = Template(text)`` after ``text = "Rate ..." + x``)."""
    bound = fn.bindings.get(name) or []
    if not bound:
        return False
    module = fn.module.scope
    for b in bound:
        if b[0] not in ("expr", "annot", "for", "unpack") or b[1] is None:
            return False
        todo: list[cst.CSTNode] = [b[1]]
        while todo:
            node = todo.pop()
            if _writes_text(module, node):
                return False
            if isinstance(node, cst.DictElement):
                todo.append(node.value)
                continue
            if isinstance(node, cst.Name) and node.value != name and _text_local(fn, node.value):
                return False
            todo.extend(node.children)
    return True


_FILLS = frozenset({"format", "format_map", "substitute", "safe_substitute", "render"})


def _writes_text(module: Scope, node: cst.CSTNode) -> bool:
    """Whether a node of an expression writes text itself: a string literal, a template filled (``PROMPT.format(...)``)
    or a text constant of the module (a module-level string, an imported upper-case name)."""
    return (
        isinstance(node, cst.BaseString)
        or (isinstance(node, cst.Attribute) and node.attr.value in _FILLS)
        or (isinstance(node, cst.Name) and _text_constant(module, node.value))
    )


def _text_constant(module: Scope, name: str) -> bool:
    """Whether ``name`` is a module-level constant holding text, or an upper-case name the module imports (a prompt
    kept in a prompts module)."""
    for b in module.bindings.get(name) or ():
        if b[0] == "import":
            return name.isupper()
        if b[0] == "expr" and b[1] is not None:
            todo: list[cst.CSTNode] = [b[1]]
            while todo:
                node = todo.pop()
                if isinstance(node, cst.BaseString):
                    return True
                todo.extend(node.children)
    return False


def _receiver(site: Site) -> cst.CSTNode | None:
    """The object a method call is made on (``self`` in ``self.step()``), None for a plain function call."""
    func = _called(site.info)[0]
    return func.value if isinstance(func, cst.Attribute) else None


class _SameNameMember(cst.CSTVisitor):
    """Finds ``obj.<name>`` / ``getattr(obj, "<name>")`` on an object other than ``self`` / ``cls`` / ``super()``."""

    def __init__(self, name: str) -> None:
        self.name, self.found = name, False

    @staticmethod
    def _own(receiver: cst.CSTNode) -> bool:
        if isinstance(receiver, cst.Name):
            return receiver.value in ("self", "cls")
        return isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super"

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == self.name and not self._own(node.value):
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        if (
            isinstance(node.func, cst.Name)
            and node.func.value == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1].value, cst.SimpleString)
            and node.args[1].value.evaluated_value == self.name
            and not self._own(node.args[0].value)
        ):
            self.found = True


def _called(info: Any) -> tuple[cst.BaseExpression, list[cst.Arg]]:
    """What an unresolved call calls and with which arguments: the function a runner is handed
    (``asyncio.to_thread(self.llm.generate, msgs)`` calls ``self.llm.generate(msgs)``), else the call itself."""
    run = run_target(info.node)
    if run is not None and isinstance(run[0], cst.Name | cst.Attribute):
        return run
    return info.node.func, list(info.node.args)


def _probed(func: cst.Attribute, scope: Scope) -> bool:
    """Whether the function holding ``obj.m(...)`` asks ``hasattr(obj, "m")`` (the object's type is not known to the
    code itself)."""
    receiver = dotted(func.value)
    if receiver is None:
        return False
    probes = scope.derived.get("hasattr")
    if probes is None:  # the scope's ``hasattr(obj, "name")`` calls, read once: (dotted obj, name)
        probes = scope.derived["hasattr"] = set()
        for info in scope.calls:
            call = info.node
            if not (isinstance(call.func, cst.Name) and call.func.value == "hasattr" and len(call.args) == 2):
                continue
            name = call.args[1].value
            if isinstance(name, cst.SimpleString):
                probes.add((dotted(call.args[0].value), name.evaluated_value))
    return (receiver, func.attr.value) in probes


def _alternative_branches(fn: Scope, one: cst.CSTNode, other: cst.CSTNode) -> bool:
    """Whether two nodes of the function ``fn`` lie in different branches of one ``if`` / ``elif`` / ``else``
    chain (only one of them runs)."""
    mod = fn.module
    a, b = mod.pos(one), mod.pos(other)
    if a is None or b is None:
        return False
    for node in _own_nodes(fn):
        if not isinstance(node, cst.If) or node.orelse is None:
            continue
        body, rest = mod.pos(node.body), mod.pos(node.orelse)
        if body is None or rest is None:
            continue
        spans = [(body.start.line, body.end.line), (rest.start.line, rest.end.line)]
        where = [next((i for i, (lo, hi) in enumerate(spans) if lo <= p.start.line <= hi), None) for p in (a, b)]
        if None not in where and where[0] != where[1]:
            return True
    return False


def _probed_object(call: cst.Call, scope: Scope) -> str | None:
    """The object a call uses after probing it: ``obj.m(...)`` under ``hasattr(obj, "m")``, ``obj(...)`` under
    ``callable(obj)`` / ``hasattr(obj, "__call__")`` in the same function (dotted ``obj``); None otherwise."""
    func = call.func
    if isinstance(func, cst.Attribute) and _probed(func, scope):
        return dotted(func.value)
    target = dotted(func)
    if target is None:
        return None
    for info in scope.calls:
        probe = info.node
        if not (isinstance(probe.func, cst.Name) and probe.args and dotted(probe.args[0].value) == target):
            continue
        if probe.func.value == "callable" and len(probe.args) == 1:
            return target
        if probe.func.value == "hasattr" and len(probe.args) == 2:
            name = probe.args[1].value
            if isinstance(name, cst.SimpleString) and name.evaluated_value == "__call__":
                return target
    return None


def _is_self(fn: Scope, node: cst.CSTNode) -> bool:
    """``node`` is the first parameter (``self``) of the method ``fn``."""
    return (
        fn.enclosing_class() is not None
        and bool(fn.params)
        and isinstance(node, cst.Name)
        and node.value == fn.params[0].name.value
    )


def _self_of(scope: Scope) -> tuple[Scope, str] | None:
    """(class, name of the first parameter) of the method around ``scope`` (past closures inside it); None outside
    a method or for one without parameters. Read once per scope (``Scope.derived``)."""
    derived = scope.derived
    if "self_of" in derived:
        return derived["self_of"]
    fn = scope.enclosing_function()
    while fn is not None and fn.enclosing_class() is None and fn.parent is not None:
        fn = fn.parent.enclosing_function()  # a closure inside a method
    cls = fn.enclosing_class() if fn is not None else None
    out = None if cls is None or not fn.params else (cls, fn.params[0].name.value)
    derived["self_of"] = out
    return out


def _self_assigned(fn: Scope) -> dict[str, list[cst.CSTNode]]:
    """The values the method ``fn`` itself assigns to attributes of ``self`` (``self.task = task``, ``+=`` too), by
    attribute name; nested defs and classes left out. Read once per function (``Scope.derived``); not to be changed."""
    out = fn.derived.get("self_assigned")
    if out is None:
        out = fn.derived["self_assigned"] = _self_assigned_no_memo(fn)
    return out


def _names_bound_to(fn: Scope, value: cst.CSTNode) -> set[str]:
    """The plain names ``fn`` binds to the expression ``value`` (``agent = make()``, ``agent, _ = make()``)."""
    out: set[str] = set()
    for node in _own_nodes(fn):
        if not isinstance(node, cst.Assign | cst.AnnAssign) or node.value is not value:
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for t in targets:
            elements = [e.value for e in t.elements] if isinstance(t, cst.Tuple | cst.List) else [t]
            out |= {e.value for e in elements if isinstance(e, cst.Name)}
    return out


def _self_assigned_no_memo(fn: Scope) -> dict[str, list[cst.CSTNode]]:
    out: dict[str, list[cst.CSTNode]] = {}
    for node in _own_nodes(fn):
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, cst.AnnAssign | cst.AugAssign) and node.value is not None:
            targets = [node.target]
        for t in targets:
            if isinstance(t, cst.Attribute) and _is_self(fn, t.value):
                out.setdefault(t.attr.value, []).append(node.value)
    return out


_STATE_APPENDS = frozenset({"append", "extend", "insert", "appendleft"})


def _self_fed(fn: Scope) -> dict[str, list[cst.CSTNode]]:
    """What the method ``fn`` adds to lists held in attributes of ``self`` (``self.messages.append({"role": "user",
    "content": text})``, ``extend``, ``insert``), by attribute name: a conversation it keeps. (An attribute assigned
    a parameter holds an object as often as a prompt: a client, a tree, a store.) Read once per function
    (``Scope.derived``); not to be changed."""
    out = fn.derived.get("self_fed")
    if out is None:
        out = fn.derived["self_fed"] = _self_fed_no_memo(fn)
    return out


def _self_fed_no_memo(fn: Scope) -> dict[str, list[cst.CSTNode]]:
    out: dict[str, list[cst.CSTNode]] = {}
    for node in _own_nodes(fn):
        if _adds_to_attribute(node) and _is_self(fn, node.func.value.value):  # type: ignore[attr-defined]
            out.setdefault(node.func.value.attr.value, []).extend(a.value for a in node.args)  # type: ignore[attr-defined]
        elif (  # ``self.messages += [{"role": "user", "content": text}]``
            isinstance(node, cst.AugAssign)
            and isinstance(node.operator, cst.AddAssign)
            and isinstance(node.target, cst.Attribute)
            and _is_self(fn, node.target.value)
            and isinstance(node.value, cst.List | cst.Tuple)
        ):
            out.setdefault(node.target.attr.value, []).append(node.value)
    return out


def _memory_fed(fn: Scope) -> dict[str, list[cst.CSTNode]]:
    """The messages the method ``fn`` copies into a memory object held in an attribute of ``self``
    (``self.conversation.add_message(msg)``, see ``_adds_to_attribute``), by attribute name: the positional arguments
    (a turn built there from keywords, ``add(role=r, content=text)``, is left out). Read once per function."""
    out = fn.derived.get("memory_fed")
    if out is None:
        out = fn.derived["memory_fed"] = {}
        for node in _own_nodes(fn):
            if (
                _adds_to_attribute(node, memory=True)
                and node.func.attr.value in _MEMORY_ADDS  # type: ignore[attr-defined]
                and _is_self(fn, node.func.value.value)  # type: ignore[attr-defined]
            ):
                # the messages handed over as they are (``add_message(msg)``), not a turn the method writes around
                # a text (``add(role=name, content=task)``: the method picks the role, see ``_appended_params``)
                values = [a.value for a in node.args if a.keyword is None and not a.star]  # type: ignore[attr-defined]
                out.setdefault(node.func.value.attr.value, []).extend(values)  # type: ignore[attr-defined]
    return out


def _self_attr(node: cst.CSTNode, name: str) -> bool:
    """``self.<name>``."""
    return self_attribute(node) and node.attr.value == name


def _wraps_itself(node: cst.CSTNode, name: str) -> bool:
    """``batch = [batch]`` / ``batch = [[batch]]``: one prompt wrapped into a batch of one, the same prompt."""
    for _ in range(3):
        if not (isinstance(node, cst.List) and len(node.elements) == 1 and isinstance(node.elements[0], cst.Element)):
            break
        node = node.elements[0].value
        if isinstance(node, cst.Name):
            return node.value == name
    return False


_MEMORY_ADDS = frozenset({"add", "add_message", "add_messages"})
_MEMORY_ATTR = lazy(r"memory|history|messages|conversation|transcript", re.IGNORECASE)


def _adds_to_attribute(node: cst.CSTNode, memory: bool = False) -> bool:
    """``obj.attr.append(x)`` (``extend``, ``insert``, ``appendleft``): adds to a list held in an attribute; with
    ``memory``, also ``obj.memory.add(msg)`` (``add_message``): adds to the memory object an agent holds, which its
    model step reads back (a set's ``self.seen.add(x)`` is no memory)."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    holder = node.func.value
    if not isinstance(holder, cst.Attribute):
        return False
    method = node.func.attr.value
    if method in _STATE_APPENDS:
        return True
    return memory and method in _MEMORY_ADDS and bool(_MEMORY_ATTR.search(holder.attr.value))


def _receiver_of(call: cst.CSTNode, name: str) -> cst.CSTNode | None:
    """The object whose method ``name`` the call ``call`` runs or hands over (``obj`` in ``obj.name()`` or in
    ``Thread(target=obj.name)``)."""
    if not isinstance(call, cst.Call):
        return None
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == name:
        return call.func.value
    for a in call.args:
        if isinstance(a.value, cst.Attribute) and a.value.attr.value == name:
            return a.value.value
    return None


def _hands_self(fn: Scope, call: cst.Call) -> bool:
    """The call ``call`` in the method ``fn`` runs on ``self`` or hands it over (``self._reply()``, ``respond(self)``):
    what it reaches reads the object's state."""
    if isinstance(call.func, cst.Attribute) and _is_self(fn, call.func.value):
        return True
    return any(_is_self(fn, a.value) for a in call.args)


def _framework_entry_call(site: Site, callee: str) -> bool:
    """The call reaches the private hook ``callee`` through the public entry point of a framework base that runs it
    (``chain.run(inputs)`` -> ``_call`` of a ``Chain`` subclass, ``clients.FRAMEWORK_HOOK_ENTRIES``): a use of the
    public API, not a poke at a private method."""
    func = site.info.node.func
    entry = func.attr.value if isinstance(func, cst.Attribute) else "__call__"
    return callee.rsplit(".", 1)[-1] in clients.FRAMEWORK_HOOK_ENTRIES.get(entry, ())


def _is_private(key: str) -> bool:
    """Whether the function of a scope key (``module:Class.name``) has a private name (``_x``, not ``__x__``)."""
    name = key.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    return name.startswith("_") and not name.endswith("__")


def _is_test_module(path: str) -> bool:
    """A test file of the tree (``tests/...``, ``test_x.py``, ``x_test.py``, ``conftest.py``)."""
    return is_test_path(path)


def _is_doc_file(module: Any) -> bool:
    """A module of the tree's documentation (a ``docs`` / ``doc`` folder): tutorial snippets whose toy subclasses
    (an echo agent showing how hooks run) illustrate an interface, as test doubles do, rather than implement it."""
    parts = module.path.replace("\\", "/").split("/")[:-1]
    return any(p in ("docs", "doc") for p in parts)


def _is_test_file(module: Any) -> bool:
    """A test module of the tree: in a tests folder, ``test_x.py``, ``conftest.py``, or ``x_test.py`` that holds
    a test (a ``test_...`` function or a ``Test...`` class; ``write_test.py`` of a code generator is no test)."""
    path = module.path.replace("\\", "/")
    if not _is_test_module(path):
        return False
    parts = path.split("/")
    if any(p in ("tests", "test") for p in parts[:-1]) or not parts[-1].endswith("_test.py"):
        return True  # a tests folder, test_x.py, conftest.py
    scope = getattr(module, "scope", None)
    names = getattr(scope, "bindings", None) or {}
    return any(
        n.startswith(("test_", "Test")) and any(b[0] in ("def", "class") for b in bindings)
        for n, bindings in names.items()
    )


# A keyword turning a runner's tool loop off for one call: tool execution switched off (``execute_tools=False``,
# ``run_tools=False``) or one turn allowed (``max_turns=1``, ``max_steps=1``, ``max_iterations=1``)
_TOOLS_OFF = lazy(r"^(?:execute|run|use|call|auto_execute)_?(?:tools?|tool_calls|functions)$")
_ONE_TURN = lazy(r"^max_?(?:turns|steps|iter|iterations|rounds|loops)$")


def _one_step(call: cst.CSTNode) -> bool:
    """A call handing a runner a keyword that turns its tool loop off: the first answer comes back as it is."""
    if not isinstance(call, cst.Call):
        return False
    for a in call.args:
        if a.keyword is None:
            continue
        name = a.keyword.value
        if _TOOLS_OFF.match(name) and isinstance(a.value, cst.Name) and a.value.value == "False":
            return True
        if _ONE_TURN.match(name) and isinstance(a.value, cst.Integer) and a.value.value == "1":
            return True
    return False


def _literal_text(msgs: Iterable[Message]) -> tuple[tuple[str, str], ...]:
    """The roles and literal text of a prompt, holes left out (how they are spelled differs along a chain)."""
    return tuple((m.role, m.static_text()) for m in msgs)


def _super_same_name(call: cst.Call, name: str) -> bool:
    """``super().name(...)`` (or ``super(Cls, self).name(...)``) called inside the method ``name``."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == name
        and isinstance(func.value, cst.Call)
        and isinstance(func.value.func, cst.Name)
        and func.value.func.value == "super"
    )


def _nested_in(inner: Scope, outer: Scope) -> bool:
    """Whether ``inner`` is a function defined inside ``outer`` (a closure, at any depth)."""
    s = inner.parent
    while s is not None:
        if s is outer:
            return True
        s = s.parent
    return False


def _serialises(call: cst.Call) -> bool:
    """``json.dumps(x)`` / ``x.encode()``: the request body serialised (or parsed back: ``json.loads(key)``), its
    content unchanged (``ujson`` / ``orjson`` the same); for a local engine the prompt tokenized
    (``tokenizer(prompt, return_tensors="pt")``, ``tokenize_image_prompt(prompt, tok)``) and the tensor moved or
    reshaped (``ids.unsqueeze(0).to(device)``)."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("encode", *_TENSOR_MOVES, *_SAME_CONTENT):
        return True
    name = dotted(func) or ""
    if _TOKENIZES.search(name.rsplit(".", 1)[-1]) and call.args:
        return True
    if name in _TENSOR_FROM and call.args and call.args[0].keyword is None:
        return True  # torch.as_tensor([ids], device=device): the encoded prompt as a tensor, its content unchanged
    # the text read back (``body = json.loads(key)`` of a request serialised into a cache key): the same request
    return (name in JSON_DUMPS or name in JSON_LOADS) and bool(call.args)


def _serialised(call: cst.Call) -> list[cst.CSTNode]:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("encode", *_TENSOR_MOVES, *_SAME_CONTENT):
        return [func.value]
    if _TOKENIZES.search((dotted(func) or "").rsplit(".", 1)[-1]):
        return [a.value for a in call.args if a.keyword is None or _PROMPT_PARAM.search(a.keyword.value)]
    return [call.args[0].value]


def _message_list_adapter(site: Site) -> bool:
    """Whether the call is made by a module function that hands on every parameter it takes and whose first
    argument is a message list it writes around them (``messages = [{"role": "user", "content": prompt}]`` then
    ``return chat(messages, model=model, n=n)``, or the list written in the call): a prompt-to-messages convenience
    over the function it calls."""
    fn = _owner(site.info.scope)
    args = site.info.node.args
    if fn is None or fn.enclosing_class() is not None or not args or args[0].keyword is not None or args[0].star:
        return False
    params = set(_param_names(fn))
    first = args[0].value
    if isinstance(first, cst.Name):
        bound = fn.bindings.get(first.value, ())
        if len(bound) != 1 or bound[0][0] != "expr" or bound[0][2] is not fn:
            return False
        first = bound[0][1]
    if not params or not isinstance(first, cst.List) or not any(_mentions(e, params) for e in first.elements):
        return False
    return all(_mentions(first, {p}) or any(_mentions(a.value, {p}) for a in args) for p in params)


def _mentions(node: cst.CSTNode, names: set[str], depth: int = 0) -> bool:
    """Whether the expression uses one of ``names`` (a bare name anywhere inside it, a few levels deep)."""
    if isinstance(node, cst.Name):
        return node.value in names
    if depth > 6:
        return False
    return any(_mentions(c, names, depth + 1) for c in node.children)


def _reads_key(node: cst.CSTNode, name: str, key: str) -> bool:
    """Whether the code under ``node`` reads ``name["key"]`` (a bounded walk)."""
    todo, seen = [node], 0
    while todo and seen < 4000:
        n = todo.pop()
        seen += 1
        if (
            isinstance(n, cst.Subscript)
            and isinstance(n.value, cst.Name)
            and n.value.value == name
            and len(n.slice) == 1
            and isinstance(n.slice[0].slice, cst.Index)
            and isinstance(n.slice[0].slice.value, cst.SimpleString)
            and n.slice[0].slice.value.evaluated_value == key
        ):
            return True
        todo.extend(n.children)
    return False


def _walked_item(fn: Scope, node: cst.BaseExpression, params: set[str], depth: int = 0) -> bool:
    """Whether ``node`` is an item of a list parameter of ``fn`` that a loop walks, or a field of one (``case``,
    ``case.content``, ``case["turns"]`` under ``for case in cases``), or a local bound once to such a field
    (``content = case.content``)."""
    for _ in range(3):
        if isinstance(node, cst.Subscript | cst.Attribute):
            node = node.value
    if not isinstance(node, cst.Name) or node.value in params or depth > 2:
        return False
    if _walked_by(fn, {node.value}, fields=True) & params:
        return True
    bound = fn.bindings.get(node.value, [])
    if len(bound) != 1 or bound[0][0] != "expr" or not isinstance(bound[0][1], cst.Subscript | cst.Attribute):
        return False
    return _walked_item(fn, bound[0][1], params, depth + 1)


def _param_names(fn: Scope) -> list[str]:
    """Parameters a caller passes (``self``/``cls`` of a method left out)."""
    names = [p.name.value for p in fn.params]
    if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
        names = names[1:]
    return names


def _may_hold_text(annotation: cst.Annotation | cst.BaseExpression | None) -> bool:
    """Whether a parameter or field declared with ``annotation`` may hold text: undeclared, or declared with ``str``,
    ``Any`` or a container (``agent: Agent`` holds an object, ``task: Task | None`` too)."""
    if annotation is None:
        return True
    node = annotation.annotation if isinstance(annotation, cst.Annotation) else annotation
    names = {n.value for n in _walk_names(node)}
    return bool(names & {"str", "Any", "list", "List", "dict", "Dict", "Sequence"})


def _composed_params(fn: Scope, ev: Any) -> set[str]:
    """Parameters of ``fn`` whose value its returned value carries as a callable: returned as is (or an item of a
    returned list: ``chain = [inner]`` ... ``return chain[0]``) or wrapped by ``functools.partial``. The value a
    returned call computes (``return inner(ctx)``) is not the callable, so it carries nothing."""
    params = set(_param_names(fn))
    out: set[str] = set()
    seen: set[int] = set()
    todo: list[tuple[cst.CSTNode, int]] = [(e, 0) for e in fn.returns]
    while todo:
        expr, depth = todo.pop()
        if id(expr) in seen or depth > 4:
            continue
        seen.add(id(expr))
        if isinstance(expr, cst.Name):
            for b in ev.bindings_of(expr.value, fn) or ():
                if b[0] == "param" and b[2] is fn and expr.value in params:
                    out.add(expr.value)
                elif b[0] == "expr" and len(b) > 2 and b[2] is fn:
                    todo.append((b[1], depth + 1))
        elif isinstance(expr, cst.Subscript):
            todo.append((expr.value, depth + 1))
        elif isinstance(expr, cst.List | cst.Tuple):
            todo += [(e.value, depth + 1) for e in expr.elements if isinstance(e, cst.Element)]
        elif isinstance(expr, cst.IfExp):
            todo += [(expr.body, depth + 1), (expr.orelse, depth + 1)]
        elif isinstance(expr, cst.Call) and dotted(expr.func) in ("partial", "functools.partial") and expr.args:
            todo.append((expr.args[0].value, depth + 1))
    return out


def _walk_names(node: cst.CSTNode) -> Iterator[cst.Name]:
    """The names an annotation mentions (``Optional[str]`` -> Optional, str; a string annotation is read too)."""
    todo: list[cst.CSTNode] = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, cst.Name):
            yield n
        elif isinstance(n, cst.SimpleString):
            for word in re.findall(r"\w+", n.value):
                yield cst.Name(word)
        else:
            todo.extend(n.children)


def _init_attrs(init: Scope, given: set[str]) -> set[str]:
    """Attributes an ``__init__`` sets straight from one of the parameters ``given`` (``self.content = content``)."""
    me = init.params[0].name.value if init.params else "self"
    out: set[str] = set()
    for stmt in _own_nodes(init):
        if not isinstance(stmt, cst.Assign | cst.AnnAssign):
            continue
        value = stmt.value
        if not isinstance(value, cst.Name) or value.value not in given:
            continue
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        for t in targets:
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == me:
                out.add(t.attr.value)
    return out


def _bind(callee: Scope, args: list[cst.Arg]) -> list[tuple[cst.Arg, str]]:
    """(argument, callee parameter it binds to); ``*x`` / ``**x`` splats bind to every parameter the call does not
    give explicitly (Python refuses a second value for one)."""
    names = _param_names(callee)
    rest = next((p.name.value for p in callee.params if p.star == "**"), None)
    out: list[tuple[cst.Arg, str]] = []
    plain = [a for a in args if not a.star]
    explicit = {a.keyword.value for a in plain if a.keyword is not None}
    explicit.update(names[: sum(1 for a in plain if a.keyword is None)])
    i = 0
    for a in args:
        if a.star:
            out.extend((a, n) for n in names if n not in explicit)
        elif a.keyword is not None:
            if a.keyword.value not in names and rest is not None:
                out.append((a, rest))  # ``f(model=m)`` of ``def f(**fields)``: part of ``fields``
            else:
                out.append((a, a.keyword.value))
        else:
            if i < len(names):
                out.append((a, names[i]))
            elif any(p.star == "*" for p in callee.params):
                out.append((a, callee.params[-1].name.value))
            i += 1
    return out


def _named_into_rest(callee: Scope, args: list[cst.Arg]) -> list[cst.Arg] | None:
    """The arguments of a call of ``def complete(self, **kwargs)`` (no parameter named like a prompt) that may carry
    a prompt, where the call names its prompt itself (``complete(messages=msgs, json_mode=flag, **options)``): the
    keywords into ``**kwargs`` say what they carry, so ``json_mode=flag`` is an option, and a ``**options`` splat
    beside an explicit ``messages=`` cannot hold the messages (Python refuses a second value). ``None`` (every
    argument counts) when no keyword into ``**kwargs`` is named like a prompt."""
    names = set(_param_names(callee))
    if not any(p.star == "**" for p in callee.params):
        return None
    into_rest = [a for a in args if not a.star and a.keyword is not None and a.keyword.value not in names]
    if not any(_PROMPT_PARAM.search(a.keyword.value) for a in into_rest):  # type: ignore[union-attr]
        return None
    return [  # positional arguments and declared parameters are left to the caller's rules
        a
        for a in args
        if a.star != "**" and (a.keyword is None or a.keyword.value in names or _PROMPT_PARAM.search(a.keyword.value))
    ]


def _carries(callee: Scope, a: cst.Arg, name: str) -> bool:
    """Whether the argument ``a`` bound to ``name`` may carry a prompt: a ``*x`` / ``**x`` splat only where it fills
    a parameter named like a prompt or the callee's ``**rest`` (``ask(q, **options)`` passing on ``temperature``
    carries none); any other argument is judged by what it holds."""
    if not a.star:
        return True
    return bool(_PROMPT_PARAM.search(name)) or any(p.star == "**" and p.name.value == name for p in callee.params)


def _appended_params(fn: Scope) -> frozenset[str]:
    """Parameters of ``fn`` that it adds to a message list it was handed, as a new turn:
    ``messages.append(HumanMessage(content=prompt))`` / ``history.append({"role": "user", "content": text})`` where
    ``messages`` / ``history`` are parameters too (the appended value names the parameter)."""
    params = set(_param_names(fn))
    if len(params) < 2 or not isinstance(fn.node, cst.FunctionDef):
        return frozenset()
    out: set[str] = set()
    body = fn.node.body
    todo: list[cst.CSTNode] = [body] if isinstance(body, cst.CSTNode) else list(body or [])
    seen = 0
    while todo and seen < 4000:
        node = todo.pop()
        seen += 1
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue  # a nested scope has its own names
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("append", "insert")
            and isinstance(node.func.value, cst.Name)
            and node.func.value.value in params
        ):
            inner: list[cst.CSTNode] = [a.value for a in node.args]
            while inner and seen < 4000:
                item = inner.pop()
                seen += 1
                if isinstance(item, cst.Name) and item.value in params and item.value != node.func.value.value:
                    out.add(item.value)
                elif isinstance(
                    item, cst.Call | cst.Dict | cst.DictElement | cst.Arg | cst.List | cst.Tuple | cst.Element
                ):
                    inner.extend(item.children)
        todo.extend(node.children)
    return frozenset(out)


def _only_literal_bindings(scope: Scope, value: cst.BaseExpression) -> bool:
    """Whether ``value`` is literal text, or a local of ``scope`` every binding of which is (``name = "Chat"`` on
    every path, not ``name = settings["prompt_name"]`` on one of them)."""
    if isinstance(value, cst.SimpleString | cst.ConcatenatedString):
        return True
    if not isinstance(value, cst.Name):
        return False
    bindings = scope.bindings.get(value.value)
    if not bindings:
        return False
    return all(
        b[0] == "expr" and isinstance(b[1], cst.SimpleString | cst.ConcatenatedString)
        for b in bindings
        if len(b) < 3 or b[2] is scope
    )


def _params_in(
    fn: Scope,
    value: cst.CSTNode,
    templated: bool = False,
    builders: bool = True,
    unpack: bool = False,
    flow: _Flow | None = None,
    loops: bool = False,
    awaited: bool = True,
) -> set[str]:
    """Parameters of ``fn`` that reach the expression ``value`` as they are (through list/dict/message objects, locals
    bound once and attributes of ``self`` it sets); ``templated``: or filled into a template; ``builders``: as in
    ``_forwards``; ``unpack``: and through a local unpacked from a builder's tuple (the body of a raw HTTP request,
    ``url, data = self._prepare(p)``); ``kept``: given a call of a project function that is no builder by its name,
    the arguments it returns as they are (``format_message("user", text)``); ``awaited``: a tuple unpacked from an
    awaited call too (``prompts, stop = await self.aprepare(inputs)``), as from its synchronous twin's call."""
    params = set(_param_names(fn))
    if not params:
        return set()
    star_keywords = {p.name.value for p in fn.params if p.star == "**"}
    local = _local_sources(fn, params, loops)
    for name, iters in _joined_loop_contents(fn, params).items():
        local.setdefault(name, []).extend(iters)
    # ``url, headers, data = self._prepare(url, params)``: the call the tuple comes from; beside raw HTTP, a tuple
    # that a message builder of the function's own class returns (``messages, original = self._build_messages(
    # prompt, system_prompt)``): its messages hold what the builder is handed, as the builder's own result would;
    # and a tuple a project helper returns (``sent, tools = _payload(messages, model, tools)``): its items keep what
    # the helper returns as it is (``flow.kept``), as the helper's result bound whole would
    # (``prompts, stop = await self.aprepare(inputs)``: the awaited call, as its synchronous twin's call)
    unpacked = {
        name: [
            v
            for b in bindings
            if b[0] == "unpack"
            and b[2] is fn
            and (v := b[1].expression if awaited and isinstance(b[1], cst.Await) else b[1]) is not None
            and (
                unpack
                or (
                    builders
                    and isinstance(v, cst.Call)
                    and _own_builder(dotted(v.func) or "")
                    # ``head, tail = self.fill(task=task)`` filling the object's templates: slot data, no prompt
                    and not (flow is not None and flow.fills(v, fn))
                )
                or (flow is not None and isinstance(v, cst.Call) and not _own_builder(dotted(v.func) or ""))
            )
        ]
        for name, bindings in fn.bindings.items()
        if name not in params
    }
    # ``messages = messages or [{"role": "user", "content": prompt}]``: a parameter the function binds anew from
    # others (a default built from the prompt it is handed) carries those too
    rebound = {
        name: [b[1] for b in bindings if b[0] == "expr" and b[2] is fn]
        for name, bindings in fn.bindings.items()
        if name in params
    }
    found: set[str] = set()
    seen: set[int] = set()

    attrs: dict[str, list[cst.CSTNode]] | None = None

    def walk(node: cst.CSTNode, depth: int, built: bool = False, composed: bool = False) -> None:
        """``built``: inside a message builder's arguments (only prompt-named parameters count there); ``composed``:
        ``node`` is the call a raw request's URL / headers / body tuple is unpacked from."""
        nonlocal attrs
        if isinstance(node, cst.Attribute) and _is_self(fn, node.value) and depth < 3:
            if attrs is None:
                attrs = _self_assigned(fn)
            for e in attrs.get(node.attr.value, ()):
                walk(e, depth + 1, built)
            return
        if isinstance(node, cst.Name):
            if node.value in params:
                if not built or _PROMPT_PARAM.search(node.value):
                    found.add(node.value)
                for e in rebound.get(node.value, ()) if depth < 3 else ():
                    if id(e) not in seen:
                        seen.add(id(e))
                        walk(e, depth + 1, built)
            elif depth < 3:
                for e in local.get(node.value, ()):
                    walk(e, depth + 1, built)
                for e in unpacked.get(node.value, ()):
                    if id(e) not in seen:  # ``a, b = step(a, b)`` in a loop: once
                        seen.add(id(e))
                        # the builder call stands for the local itself (a message builder: its prompt-named
                        # arguments, as for the builder's result bound whole)
                        walk(e, min(depth, 1), composed=unpack)
            return
        if isinstance(node, cst.Call) and _parses_command_line(node):
            return  # ``args = parser.parse_args(argv)``: options of a command line, no prompt handed in
        if isinstance(node, cst.Call) and _serialises(node):
            for c in _serialised(node):
                walk(c, depth, built)
            return
        if isinstance(node, cst.BooleanOperation | cst.IfExp):  # ``messages or [default]``: either value is sent
            for c in (node.left, node.right) if isinstance(node, cst.BooleanOperation) else (node.body, node.orelse):
                walk(c, depth, built)
            return
        if isinstance(node, cst.Subscript | cst.Attribute) and _payload_field(node):
            walk(node.value, depth, built)  # params["prompt"] / convo.messages: the prompt field of what is handed in
            return
        if isinstance(node, cst.Subscript) and _sliced(node):
            walk(node.value, depth, built)  # messages[1:cut]: a run of the messages handed in
            return
        if isinstance(node, cst.Call) and _copy_method(node):
            walk(node.func.value, depth, built)  # messages.copy(): the same messages, in a list of the function's own
            return
        if isinstance(node, cst.Call) and _renders_itself(node):
            walk(node.func.value, depth, built)  # instruction.to_string(): the prompt object handed in, as its text
            return
        if isinstance(node, cst.DictComp) and not templated and (entries := _filtered_entries_of(node)) is not None:
            walk(entries, depth, built)  # ``{k: v for k, v in config.items() if k not in extra}``: a part of the
            return  # mapping handed in, each entry as it is
        if isinstance(node, cst.ListComp) and not templated:
            if flow is not None and isinstance(node.elt, cst.Call) and flow.fills(node.elt, fn):
                return  # ``[self.template.render(question=q) for q in questions]``: each item fills a template the
                # object holds (a prompt written per item), not a conversation handed on
            if flow is not None and isinstance(node.elt, cst.Call) and flow.answers(node.elt):
                return  # ``[self.run(item) for item in dataset]``: a model step run per item, whose answers the list
                # holds, not the items walked
            if not builders and _items_formatted(node):
                return  # ``[{"content": f"<ITEM>{e}</ITEM>"} for e in view]`` beside the text the call writes: each
                # item is data formatted into the function's own prompt, not a conversation handed on
            # ``[to_ids(m, tok) for m in batch]``: one item sent per item of what the comprehension walks (a batch of
            # conversations handed in, each encoded for a local engine)
            comp: cst.CompFor | None = node.for_in
            while comp is not None:
                walk(comp.iter, depth, built)
                comp = comp.inner_for_in
            return
        if _joins_sequences(node, fn):  # history + new_messages: both runs handed on
            walk(node.left, depth, built)
            walk(node.right, depth, built)
            return
        if isinstance(node, cst.Call) and _payload_read(node) and node.func.value.value not in params:
            # body.pop("messages") of a local payload (``body = json.loads(request)``): the field, taken out of it (not
            # of a ``**kwargs`` parameter, whose keywords the callers give one by one)
            walk(node.func.value, depth, built)
            return
        if isinstance(node, cst.Call) and _payload_read(node) and node.func.value.value not in star_keywords:
            # ``input_value.get("messages")`` of a dict parameter: the prompt field of the payload handed in, as
            # ``input_value["messages"]`` is
            walk(node.func.value, depth, built)
            return
        if isinstance(node, cst.Call) and (joined := _joined_contents(node)) is not None:
            walk(joined, depth, built)  # "\n\n".join([m["content"] for m in messages]): the messages as one text
            return
        if isinstance(node, cst.Call) and not templated and builders and depth <= 1 and _held_formatter(node):
            for a in node.args:  # self.formatter.format(msgs): the caller's messages, reshaped for the provider
                walk(a.value, depth, True)
            return
        if isinstance(node, cst.Call) and not templated and (receiver := _filled_template(node, fn, flow)) is not None:
            walk(receiver, depth, built)  # template.format(...) of a template the caller hands in
            return
        if isinstance(node, cst.Call) and not templated:
            name = dotted(node.func) or ""
            builder = builders and (depth <= 1 or built) and _own_builder(name)
            if builder and flow is not None and flow.writes_around(node, fn):
                return  # ``self._prompt(messages=m)`` returning a task prompt of its own around them: data, not kept
            if builder and flow is not None and (rebuilt := flow.rebuilt(node)):
                for a in rebuilt:  # ``self._request(data)`` validating the caller's request into its model: the
                    walk(a, depth, built)  # request handed in, with no prompt written around it
                return
            if not builder and not name.rsplit(".", 1)[-1][:1].isupper() and name not in _KEEPS_ARGUMENTS:
                for a in flow.kept(node) if flow is not None else ():
                    walk(a, depth, built)
                return
            for a in node.args:  # a request composer (``self._compose(path, payload)``) writes no prompt around
                if _setting_keyword(a):
                    continue  # ``Model(model=name, api_key=key)``: a setting choosing how the prompt is answered
                walk(a.value, depth, built or (builder and not composed))  # its arguments: the body is sent as is
            return
        if isinstance(node, cst.Dict) and not templated:
            for e in node.elements:  # ``{"model": model, "messages": messages}``: the entry choosing the model (or
                if not _setting_entry(e):  # another request setting) carries no prompt of the caller
                    walk(e, depth, built)
            return
        if isinstance(node, _PASS_THROUGH) or templated:
            for c in node.children:
                walk(c, depth, built)

    if isinstance(value, cst.Lambda):
        value = value.body
        if isinstance(value, cst.Call):  # lambda: client.create(messages=msgs): what the lambda's call is given
            for a in value.args:
                walk(a.value, 0)
            return found
    walk(value, 0)
    return found


def _items_formatted(comp: cst.ListComp) -> bool:
    """Whether a comprehension's element writes each item into a text of its own: an f-string holding literal text
    (``f"<ID>{e.id}</ID> {e.message}"``), not the item as it is (``f"{m}"``, ``{"content": m.text}``)."""
    for node in _subnodes(comp.elt, 64):
        if isinstance(node, cst.FormattedString) and any(
            isinstance(p, cst.FormattedStringText) and p.value.strip() for p in node.parts
        ):
            return True
    return False


def _reshaped_items_of(comp: cst.ListComp) -> cst.BaseExpression | None:
    """``[m.to_llm_message() for m in messages]``: the list whose items a comprehension keeps, each turned into
    another shape by a method of its own called with nothing (one ``for``, no condition); None for anything else."""
    f = comp.for_in
    if f.inner_for_in is not None or f.ifs or not isinstance(f.target, cst.Name):
        return None
    elt = comp.elt
    if not (isinstance(elt, cst.Call) and not elt.args and isinstance(elt.func, cst.Attribute)):
        return None
    if not (isinstance(elt.func.value, cst.Name) and elt.func.value.value == f.target.value):
        return None
    return f.iter


def _filtered_entries_of(comp: cst.DictComp) -> cst.BaseExpression | None:
    """``{k: v for k, v in config.items() if ...}``: the mapping whose entries a dict comprehension keeps as they are
    (its key and value the loop's own two names, one ``for`` over ``.items()``); None for anything else."""
    f = comp.for_in
    if f.inner_for_in is not None or not isinstance(f.target, cst.Tuple) or len(f.target.elements) != 2:
        return None
    names = [e.value.value if isinstance(e.value, cst.Name) else None for e in f.target.elements]
    if not isinstance(comp.key, cst.Name) or not isinstance(comp.value, cst.Name):
        return None
    if [comp.key.value, comp.value.value] != names:
        return None
    it = f.iter
    if not (isinstance(it, cst.Call) and not it.args and isinstance(it.func, cst.Attribute)):
        return None
    if it.func.attr.value != "items" or not isinstance(it.func.value, cst.Name | cst.Attribute):
        return None
    return it.func.value


def _reshaped_param(fn: Scope) -> set[str]:
    """``def prepare(msgs: list[Message], workspace: Path) -> list[Message]``: the prompt-named parameter whose type the
    function is annotated to return (a list of messages in, the same kind out: trimmed, reduced, enriched). Such a
    step reshapes the conversation it is handed, however many helpers it goes through, rather than writing a prompt
    of its own around it."""
    returns = getattr(fn.node, "returns", None)
    ret = getattr(returns, "annotation", None)
    if ret is None:
        return set()
    code = fn.module.code
    want = "".join(code(ret).split())
    if not want or want in ("str", "None", "Any", "object", "bool", "int", "dict", "list"):
        return set()  # a text or a plain container says nothing about what it holds
    out = set()
    for p in fn.params:
        ann = getattr(getattr(p, "annotation", None), "annotation", None)
        name = p.name.value if isinstance(p.name, cst.Name) else None
        if ann is not None and name and _PROMPT_PARAM.search(name) and "".join(code(ann).split()) == want:
            out.add(name)
    return out


def _call_params(
    fn: Scope,
    call: cst.Call,
    builders: bool = True,
    unpack: bool = False,
    flow: _Flow | None = None,
    http: bool = False,
    args: list[cst.Arg] | None = None,
    authored: bool = False,
    awaited: bool = True,
) -> set[str]:
    """Parameters of ``fn`` that reach the arguments of a request ``call`` as they are. A ``**options`` splat next to
    the prompt the call gives itself (``create(messages=msgs, **options)``, ``llm.ainvoke(messages, **kwargs)``)
    cannot hold the prompt: it is left out (not for raw HTTP, whose first argument is the URL). ``args``: the
    arguments the request really sends with when the call hands the SDK method to a helper (``retry(create, **kw)``):
    the method handed over is no prompt. ``authored``: the call's prompt holds text the function writes; the pictures
    it attaches by keyword (``complete(prompt, image_documents=shots)``) are then the data of that task."""
    out: set[str] = set()
    sent = list(call.args) if args is None else args
    given = not http and _gives_prompt(call, args=sent)
    for a in _http_sent_args(call) if http else sent:
        if a.star == "**" and given:
            continue
        if given and a.keyword is not None and a.keyword.value in _SETTING_KEYWORDS:
            continue  # ``create(messages=[...], model=model)``: the caller picks the model, not what is asked of it
        if authored and given and a.keyword is not None and a.keyword.value in _MEDIA_KEYWORDS:
            continue  # ``vlm.complete(TASK.format(goal=goal), image_documents=shots)``: what the task is asked about
        out |= _params_in(fn, a.value, builders=builders, unpack=unpack, flow=flow, awaited=awaited)
    return out


# Names of methods that keep an object's state (a memory's ``add_message``, ``update_summary``, ``save``): when one
# reaches a model (summarising or extracting as it stores), that call is the site; the method is no calling API.
_BOOKKEEPING = lazy(
    r"_?(?:add|append|insert|save|store|put|push|record|remember|update|reset|clear|delete|remove)(?:_|$)"
)


# Request settings that choose how, or by which model, a prompt is answered, never what is asked: a parameter that
# reaches only these (beside a prompt the function writes itself) is no prompt its callers forward.
_PATH_NAMED = re.compile(r"(?i)file|path|dir$|folder|url$|uri$")
_READS_PATH = re.compile(r"(?i)^(open|Path|PurePath|\w*load\w*|\w*read\w*|\w*file\w*)$")
_SETTING_KEYWORDS = frozenset(
    {
        *("model", "model_name", "engine", "deployment_id", "temperature", "top_p", "top_k", "seed", "n", "stop"),
        *("max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens", "presence_penalty"),
        *("frequency_penalty", "timeout", "request_timeout", "stream", "api_key", "api_base", "base_url"),
        # where and how the payload is sent (``{"messages": msgs, "api_type": t, "api_endpoint": url}`` handed to a
        # transport that pops them off before posting)
        *("api_type", "api_endpoint", "api_url", "api_version", "endpoint", "organization", "proxies", "logit_bias"),
        # a local engine's decoding settings (``generate(ids, num_beams=n, num_return_sequences=n, max_length=64)``)
        *("num_beams", "num_return_sequences", "max_length", "min_length", "min_new_tokens", "do_sample"),
        *("repetition_penalty", "length_penalty", "no_repeat_ngram_size"),
    }
)


# Keywords under which a request attaches pictures (a vision-language model's input beside its text prompt): next to
# a prompt the function writes, the data that task is about, as text formatted into it would be.
_MEDIA_KEYWORDS = frozenset({"image_documents", "images", "image", "image_urls", "image_paths", "image_url"})


# Keywords of an HTTP call that say where and how it is sent, never what: a parameter reaching only these (the
# endpoint, the auth headers) is no prompt its callers forward.
_HTTP_TRANSPORT_KEYWORDS = frozenset(
    {
        *("url", "headers", "timeout", "auth", "proxies", "proxy", "verify", "cert", "cookies", "allow_redirects"),
        *("ssl", "method"),
    }
)


def _http_sent_args(call: cst.Call) -> list[cst.Arg]:
    """The arguments of a raw HTTP request that may carry what it sends: all but the URL (the first positional, or
    the second after a static verb: ``request("POST", url, ...)``) and the transport keywords. ``urlopen(req)``
    is handed the whole request object, body included: its first argument stays."""
    out: list[cst.Arg] = []
    positional = 0
    first_verb = False
    whole = (dotted(call.func) or "").rsplit(".", 1)[-1] == "urlopen"
    for a in call.args:
        if a.keyword is None and not a.star and not whole:
            if positional == 0 and isinstance(a.value, cst.SimpleString):
                first_verb = a.value.evaluated_value.upper() in ("GET", "POST", "PUT", "PATCH")
            positional += 1
            if positional == 1 or (first_verb and positional == 2):
                continue
        elif a.keyword is not None and a.keyword.value in _HTTP_TRANSPORT_KEYWORDS:
            continue
        out.append(a)
    return out


# request options that pick the answer's shape or route, beside the prompt (a step handing them on hands on state)
_OUTPUT_SETTINGS = frozenset({"response_format", "provider"})


def _setting_arg(arg: cst.Arg, name: str) -> bool:
    """An argument bound to a request setting: the callee's parameter (``stop``) or the call's keyword into a
    ``**kwargs`` (``model=model``) names one (``_SETTING_KEYWORDS``)."""
    return name in _SETTING_KEYWORDS or (arg.keyword is not None and arg.keyword.value in _SETTING_KEYWORDS)


def _constant(node: cst.CSTNode, depth: int = 0) -> bool:
    """A value written out whole in the source: strings, numbers, ``True``/``False``/``None``, and lists, tuples and
    dicts of them (``[{"role": "user", "content": "Hello"}]``)."""
    if depth > 8:
        return False
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.Integer | cst.Float):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.List | cst.Tuple):
        return all(isinstance(e, cst.Element) and _constant(e.value, depth + 1) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _constant(e.key, depth + 1) and _constant(e.value, depth + 1)
            for e in node.elements
        )
    return False


def _fixed_prompt_request(call: cst.Call) -> bool:
    """A request whose every argument other than the request settings (``_SETTING_KEYWORDS``) is a constant written
    out in place: it sends a fixed prompt, whatever model or key its caller names."""
    rest = [a for a in call.args if a.star or a.keyword is None or a.keyword.value not in _SETTING_KEYWORDS]
    return bool(rest) and all(not a.star and _constant(a.value) for a in rest)


def _gives_prompt(call: cst.Call, own: bool = False, args: list[cst.Arg] | None = None) -> bool:
    """A call that passes its input itself: a positional argument (not through an executor, whose first argument
    is the function it runs) or a keyword named like a prompt. ``own``: not a value the object holds (``self.x``).
    ``args``: only these of the call's arguments (those a handed SDK method is called with)."""
    func = call.func
    runner = isinstance(func, cst.Attribute) and func.attr.value in (
        "run_in_executor",
        "to_thread",
        "submit",
        "run_sync",
    )
    return any(
        not a.star
        and not (own and self_attribute(a.value))
        and ((a.keyword is None and not runner) or (a.keyword is not None and _PROMPT_PARAM.search(a.keyword.value)))
        for a in (call.args if args is None else args)
    )


_MESSAGE_RUN = lazy(r"messages|msgs|history|conversation|dialog|turns", re.IGNORECASE)


def _joins_sequences(node: cst.CSTNode, fn: Scope | None = None) -> bool:
    """``in_context_messages + new_messages``: two message runs the function holds joined, one after the other, with
    nothing of its own between them. Neither side may be written in place (a string, f-string or list display is text
    or a message the function adds around the value: a template), and one side must be named as a message run (two
    texts added, ``context + review_prompt``, compose a prompt). A list display of messages whose contents are all
    values ``fn`` was handed (``_relayed_messages``) adds none of its text: it may stand on one side."""
    if not isinstance(node, cst.BinaryOperation) or not isinstance(node.operator, cst.Add):
        return False
    sides = (node.left, node.right)
    if not all(isinstance(x, cst.Name | cst.Attribute | cst.Subscript) or _relayed_messages(x, fn) for x in sides):
        return False
    names = [
        x.value if isinstance(x, cst.Name) else x.attr.value if isinstance(x, cst.Attribute) else "" for x in sides
    ]
    return any(_MESSAGE_RUN.search(n) for n in names)


def _relayed_messages(node: cst.CSTNode, fn: Scope | None) -> bool:
    """``[{"role": "system", "content": agent.instructions}]``: a list display of messages holding none of the
    function's own text: each content is a parameter of ``fn`` (not ``self``) or a field or item of one, only the
    role literal beside it.
    Prepended to the history the caller passes, it relays the caller's prompt (an agent object carrying its
    instructions); a content string, f-string, call or module constant written there is a template, and stays one."""
    if fn is None or not isinstance(node, cst.List) or not node.elements:
        return False
    params = set(_param_names(fn))
    for el in node.elements:
        msg = el.value
        if not isinstance(el, cst.Element) or not isinstance(msg, cst.Dict) or not msg.elements:
            return False
        for entry in msg.elements:
            if not isinstance(entry, cst.DictElement) or not isinstance(entry.key, cst.SimpleString):
                return False
            key = entry.key.evaluated_value
            if key in ("role", "name") and isinstance(entry.value, cst.SimpleString):
                continue
            if key != "content" or not _handed_value(entry.value, fn, params):
                return False
    return True


def _handed_value(node: cst.CSTNode, fn: Scope, params: set[str], depth: int = 0) -> bool:
    """``agent.instructions`` / ``turn["text"]`` / ``prompt``: a parameter, a field or item read from one, what a
    callable field of one returns (``agent.instructions(ctx)``), either branch of a choice between such values, or a
    local bound only to them."""
    if isinstance(node, cst.IfExp):
        return _handed_value(node.body, fn, params, depth) and _handed_value(node.orelse, fn, params, depth)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func
    while isinstance(node, cst.Attribute | cst.Subscript):
        node = node.value
    if not isinstance(node, cst.Name):
        return False
    if node.value in params:
        return True
    bound = [b for b in fn.bindings.get(node.value, ()) if b[2] is fn]
    if depth >= 2 or not bound or any(b[0] != "expr" for b in bound):
        return False
    return all(_handed_value(b[1], fn, params, depth + 1) for b in bound)


def _param_attribute(fn: Scope, node: cst.CSTNode) -> bool:
    """``settings.prompt`` / ``cfg.summary.prompt``: a field read from an object a parameter of ``fn`` holds (not
    ``self``), i.e. a value its caller decides."""
    if not isinstance(node, cst.Attribute):
        return False
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name) and node.value in _param_names(fn)


def _local_object_field(fn: Scope, node: cst.BaseExpression) -> bool:
    """``conf.prompts.summary``: a field read from an object the function ``fn`` gets itself (a local it binds, a
    module's settings object), not from one a parameter holds (the caller's) nor from ``self`` (what its
    construction was handed)."""
    if not isinstance(node, cst.Attribute):
        return False
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name) and node.value not in (*_param_names(fn), "self", "cls")


def _copy_method(node: cst.Call) -> bool:
    """``messages.copy()`` on a name or an attribute (no arguments): a shallow copy, the same items."""
    return (
        not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "copy"
        and isinstance(node.func.value, cst.Name | cst.Attribute)
    )


# Methods a prompt object renders itself with, given nothing (``instruction.to_string()``, ``prompt.render()``): the
# text is the object's own, so the object handed in reaches the request as that text.
_SELF_RENDERING = frozenset({"to_string", "to_str", "to_text", "render", "to_prompt"})


def _renders_itself(node: cst.Call) -> bool:
    """``instruction.to_string()`` / ``prompt.render()`` on a name or an attribute, with no arguments."""
    return (
        not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _SELF_RENDERING
        and isinstance(node.func.value, cst.Name | cst.Attribute)
    )


def _sliced(node: cst.Subscript) -> bool:
    """``messages[1:cut]`` / ``history[-10:]``: a slice of a sequence (the same items, fewer of them), read from a name
    or an attribute; an index (``messages[0]``) is no slice."""
    return (
        isinstance(node.value, cst.Name | cst.Attribute)
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Slice)
    )


def _encoded_ids(node: cst.Subscript | cst.Attribute) -> bool:
    """``enc.input_ids`` / ``enc["input_ids"]`` / ``tokenizer([prompt]).input_ids``: the token ids field of what a
    tokenizer encoded, which a local engine's ``generate`` (or forward pass) is handed: the encoded prompt itself."""
    if isinstance(node, cst.Attribute):
        return node.attr.value == "input_ids"
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    key = node.slice[0].slice.value
    return isinstance(key, cst.SimpleString) and key.value.strip("\"'") == "input_ids"


def _payload_field(node: cst.Subscript | cst.Attribute) -> bool:
    """``params["prompt"]`` / ``payload["messages"]`` / ``convo.messages``: the field of a request payload (or of a
    conversation object) that holds the prompt (the request fields of chat and completion APIs), read from a name."""
    if isinstance(node, cst.Attribute):
        return isinstance(node.value, cst.Name) and node.attr.value in _PAYLOAD_FIELDS
    if not isinstance(node.value, cst.Name) or len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    key = node.slice[0].slice.value
    return isinstance(key, cst.SimpleString) and key.value.strip("\"'") in _PAYLOAD_FIELDS


def _payload_read(call: cst.Call) -> bool:
    """``body.pop("messages")`` / ``body.get("prompt")``: the prompt field of a payload held in a name."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in ("pop", "get") and isinstance(func.value, cst.Name)):
        return False
    first = call.args[0].value if call.args and call.args[0].keyword is None else None
    return isinstance(first, cst.SimpleString) and first.value.strip("\"'") in _PAYLOAD_FIELDS


def _joined_contents(call: cst.Call) -> cst.CSTNode | None:
    """``"\\n\\n".join([m["content"] for m in messages])`` (a list display may follow: ``+ ["Answer:"]``): the contents
    of a list of messages joined into one text, the messages' own prompt; the iterable they come from."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and func.attr.value == "join"
        and isinstance(func.value, cst.SimpleString)
        and len(call.args) == 1
        and call.args[0].keyword is None
        and not call.args[0].star
    ):
        return None
    parts = call.args[0].value
    if (
        isinstance(parts, cst.BinaryOperation)
        and type(parts.operator).__name__ == "Add"
        and isinstance(parts.right, cst.List)
    ):
        parts = parts.left
    if not isinstance(parts, cst.ListComp | cst.GeneratorExp) or parts.for_in.inner_for_in is not None:
        return None
    target, elt = parts.for_in.target, parts.elt
    if not isinstance(target, cst.Name) or not isinstance(elt, cst.Subscript | cst.Attribute):
        return None
    if not (isinstance(elt.value, cst.Name) and elt.value.value == target.value):
        return None
    if isinstance(elt, cst.Attribute):
        field_name: str | None = elt.attr.value
    elif len(elt.slice) == 1 and isinstance(elt.slice[0].slice, cst.Index):
        key = elt.slice[0].slice.value
        field_name = key.value.strip("\"'") if isinstance(key, cst.SimpleString) else None
    else:
        field_name = None
    return parts.for_in.iter if field_name in _PAYLOAD_FIELDS else None


def _filled_template(call: cst.Call, fn: Scope, flow: _Flow | None) -> cst.CSTNode | None:
    """The template of ``template.format(...)`` / ``.format_map`` / ``.substitute`` (a name or attribute, not a
    literal the function writes itself): the filled text is the caller's template, unless it is a parameter whose
    default no caller replaces (``template=REVIEW_TEMPLATE``: the function's own text), nor ``self`` (a method of the
    function's own class named ``format``: a builder, see ``_own_builder``)."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and func.attr.value in _TEMPLATE_FILLS
        and isinstance(func.value, cst.Name | cst.Attribute)
    ):
        return None
    if isinstance(func.value, cst.Name) and (flow is None or func.value.value in flow.unpassed(fn)):
        return None
    if _is_self(fn, func.value):
        return None  # ``self.format(signature, inputs)``: a method of the function's own class, no template filled
    return func.value


def _passes_params_to(fn: Scope, method: str) -> bool:
    """``fn``'s body is one statement calling ``self.<method>(...)`` (returned or not) with its own parameters as they
    are (``return self.run(task, **slots)``), nothing of its own added."""
    stmts = list(_suite_statements(fn.node))
    if stmts and fn.docstring is not None:
        stmts = stmts[1:]
    if len(stmts) != 1 or not isinstance(stmts[0], cst.SimpleStatementLine) or len(stmts[0].body) != 1:
        return False
    small = stmts[0].body[0]
    call = small.value if isinstance(small, cst.Return | cst.Expr) else None
    if isinstance(call, cst.Await):
        call = call.expression
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute) or call.func.attr.value != method:
        return False
    if not _is_self(fn, call.func.value):
        return False
    params = set(_param_names(fn))
    return all(isinstance(a.value, cst.Name) and a.value.value in params for a in call.args)


def _names_task(call: cst.Call) -> bool:
    """A call handing a string literal as an argument (``run("summarize_action", text=t)``): the name of the task or
    template its callee fills, picked by the caller."""
    return any(not a.star and isinstance(a.value, cst.SimpleString | cst.ConcatenatedString) for a in call.args)


def _twin_names(name: str) -> list[str]:
    """The names of the other calling mode's half of a method (``astep`` for ``step`` and back, ``generate_async``
    / ``async_generate`` for ``generate`` and back)."""
    out = ["a" + name, name + "_async", "async_" + name]
    if name.startswith("async_") and len(name) > 6:
        out.append(name[6:])
    if name.endswith("_async") and len(name) > 6:
        out.append(name[:-6])
    if name.startswith("a") and len(name) > 2:
        out.append(name[1:])
    return out


def _placeholder(node: Any) -> bool:
    """A name's binding to a constant placeholder (``api_requestor = None``, ``0``, ``""``): nothing the tree builds."""
    return (isinstance(node, cst.Name) and node.value == "None") or isinstance(
        node, cst.SimpleString | cst.Integer | cst.Float | cst.ConcatenatedString
    )


def _session_opener(fn: Scope) -> bool:
    """A (async) context manager taking nothing a prompt could travel in: no parameter named like a prompt, no
    ``*args`` / ``**kwargs`` (``@asynccontextmanager async def session(self, *, retention=...)``). Its callers open a
    session with it and talk to the model through the object it yields; opening it asks the model nothing."""
    if not any(
        (dotted(d.func if isinstance(d, cst.Call) else d) or "").rsplit(".", 1)[-1]
        in ("contextmanager", "asynccontextmanager")
        for d in fn.decorators
    ):
        return False
    named = _param_names(fn)
    if any(p.star in ("*", "**") for p in fn.params if p.name.value in named):
        return False
    return not any(_PROMPT_PARAM.search(n) for n in named)


def _bare_method(fn: Scope) -> bool:
    """A method taking nothing but its instance (``def on_done(self)``): a caller cannot hand it any input."""
    return (
        fn.enclosing_class() is not None
        and len(fn.params) == 1
        and fn.params[0].star not in ("*", "**")
        and not any(isinstance(d, cst.Name) and d.value == "staticmethod" for d in fn.decorators)
    )


def _local_only(fn: Scope) -> bool:
    """A ``def`` nested in a function whose name that function only calls (``backoff(**kw)``, or binds into a
    ``partial(backoff, ...)`` of its own): never returned, stored, passed on or decorated into something else, so no
    code outside the enclosing function can reach it."""
    parent = fn.parent
    if parent is None or parent.kind != "function" or fn.name == "<lambda>" or parent.node is None:
        return False
    called: set[int] = set()
    names: list[cst.Name] = []
    todo: list[cst.CSTNode] = list(getattr(parent.node, "body", None).children) if hasattr(parent.node, "body") else []
    while todo:
        node = todo.pop()
        if node is fn.node:
            continue
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == fn.name:
            called.add(id(node.func))
        elif isinstance(node, cst.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "partial" and node.args:
            first = node.args[0].value  # ``partial(step, request)`` run right there: a call of it put off, no escape
            if isinstance(first, cst.Name) and first.value == fn.name and not node.args[0].star:
                called.add(id(first))
        elif isinstance(node, cst.Name) and node.value == fn.name:
            names.append(node)
        todo.extend(node.children)
    return bool(called) and all(id(n) in called for n in names)


def _private_name(scope: Scope | None) -> bool:
    """Whether ``scope`` is a function whose name marks it private (one leading underscore, not a dunder)."""
    return (
        scope is not None
        and scope.kind == "function"
        and scope.name.startswith("_")
        and not scope.name.startswith("__")
    )


def _one_statement(fn: Scope) -> bool:
    """A def whose body is one statement (docstring aside): a thin interface (``return await self.llm.aask(...)``)."""
    stmts = list(_suite_statements(fn.node))
    if stmts and fn.docstring is not None:
        stmts = stmts[1:]
    return len(stmts) == 1


def _abstract_decorated(fn: Scope) -> bool:
    """A def decorated ``@abstractmethod`` (``abc.abstractmethod``), whatever its body."""
    decorators = getattr(fn.node, "decorators", ())
    return any((dotted(d.decorator) or "").rsplit(".", 1)[-1] == "abstractmethod" for d in decorators)


def _abstract_body(fn: Scope) -> bool:
    """A def whose body (docstring aside) is only ``raise NotImplementedError``, ``pass`` or ``...``."""
    stmts = list(_suite_statements(fn.node))
    if stmts and fn.docstring is not None:
        stmts = stmts[1:]
    if len(stmts) > 1:
        return False
    if not stmts:
        return fn.docstring is not None
    small = list(getattr(stmts[0], "body", ())) if isinstance(stmts[0], cst.SimpleStatementLine) else []
    if len(small) != 1:
        return False
    one = small[0]
    if isinstance(one, cst.Pass):
        return True
    if isinstance(one, cst.Expr):
        return isinstance(one.value, cst.Ellipsis)
    if isinstance(one, cst.Raise):
        exc = one.exc.func if isinstance(one.exc, cst.Call) else one.exc
        return (dotted(exc) or "").rsplit(".", 1)[-1] == "NotImplementedError" if exc is not None else False
    return False


def _whole_request(value: cst.BaseExpression) -> bool:
    """``dict(model=..., messages=...)`` / ``{"model": ..., "messages": ...}``, also as JSON text
    (``json.dumps(...)``): a whole request, model and all, handed down as one value."""
    for _ in range(2):
        if isinstance(value, cst.Call) and (dotted(value.func) or "") in JSON_DUMPS and value.args:
            value = value.args[0].value
    if isinstance(value, cst.Call) and dotted(value.func) == "dict":
        return any(a.keyword is not None and a.keyword.value == "model" for a in value.args)
    if isinstance(value, cst.Dict):
        return any(
            isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "model"
            for e in value.elements
        )
    return False


def _one_statement_forwarder(fn: Scope, own: list[Site]) -> bool:
    """A private def whose body is one statement holding its request (docstring aside): folded into the request."""
    stmts = list(_suite_statements(fn.node))
    if stmts and fn.docstring is not None:
        stmts = stmts[1:]
    return len(stmts) == 1 and all(s.site == SiteKind.REQUEST for s in own)


def _signature_shim(fn: Scope, own: list[Site]) -> bool:
    """A private def taking ``*args, **kwargs`` and nothing else, handing them whole to the one request it holds
    (``def _create(*args, **kwargs): ...; return client.chat.completions.create(*args, **kwargs)``): a stand-in for
    the SDK method with the SDK's whole signature, adjusting options on the way. It is no wrapper (CALLSITES.md: a
    private helper that only forwards to a request); a call of it is a request of that SDK method. A sender taking
    keywords only (``_send(**kw)`` fixing the model) is a helper of its own, folded as before."""
    params = list(fn.params)
    if sorted(p.star for p in params) != ["*", "**"] or len(own) != 1:
        return False
    (site,) = own
    if site.site != SiteKind.REQUEST:
        return False
    names = {p.name.value for p in params}
    handed = {a.value.value for a in site.info.node.args if a.star and isinstance(a.value, cst.Name)}
    return names <= handed


def _merge(parts: list[PromptPart]) -> list[PromptPart]:
    out: list[PromptPart] = []
    for p in parts:
        if out and not p.hole and not out[-1].hole:
            out[-1] = PromptPart(out[-1].text + p.text)
        elif p.text or p.hole:
            out.append(p)
    return out


def _replace(node: LLMCall, **changes: Any) -> LLMCall:
    import dataclasses

    return dataclasses.replace(node, **changes)


def _start(s: Site) -> tuple[int, int]:
    pos = s.info.scope.module.pos(s.at if s.at is not None else s.info.node)
    return (pos.start.line, pos.start.column) if pos else (1, 0)


_NAMES = {"E001": "syntax-error", "E002": "not-utf8", "E003": "file-skipped"}


def _declared_encoding(data: bytes) -> tuple[str | None, str, int]:
    """(codec named by a PEP 263 coding cookie or None, problem with the cookie or "", line of the cookie)."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    head = data if second < 0 else data[:second]
    if b"coding" not in head:  # fast path: no cookie possible
        return None, "", 1
    line = 1 if b"coding" in (data if first < 0 else data[:first]) else 2
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown codec, or a BOM with a cookie that is not UTF-8
        return None, exc.msg or str(exc), line
    if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig"):
        return None, "", line
    return encoding, "", line


def decode(data: bytes, relpath: str, diagnostics: list[Diagnostic]) -> str | None:
    """The text as Python reads it: the PEP 263 coding cookie's codec, else UTF-8 (BOM allowed). E002 when the
    cookie names an unknown codec, or the bytes do not decode in the declared codec or UTF-8."""

    def problem(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(relpath, line, 1, "E002", message, Severity.ERROR, name=_NAMES["E002"]))

    encoding, cookie_problem, cookie_line = _declared_encoding(data)
    if cookie_problem:
        problem(cookie_line, f"bad coding cookie: {cookie_problem}")
        return None
    if encoding is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problem(line, f"byte 0x{data[exc.start]:02x} is not valid {encoding}, the codec its coding cookie declares")
        except (LookupError, ValueError) as exc:  # a codec that is not a text encoding (rot13, hex, ...)
            problem(cookie_line, f"bad coding cookie: {encoding!r} is not a text encoding ({exc})")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem(
            line,
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}) and has no coding cookie that decodes it",
        )
    return None


def _with_time_limit(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with a wall-clock limit (SIGALRM on the main thread; unlimited elsewhere)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return fn()

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with time_limited():  # its TimeoutError passes through the guards inside
            return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _skip_dir(relpath: str, walk_root: str | None) -> bool:
    name = relpath.rsplit("/", 1)[-1]
    return name in SKIP_DIRS or name.startswith(".")


def source_files(paths: Iterable[Path], root: Path) -> list[SourceFile]:
    """The ``.py`` files under ``paths`` (folders in ``SKIP_DIRS`` and hidden folders skipped; files given directly
    kept), sorted within each folder argument; unreadable entries (symlink loops, dangling links, FIFOs, links out of
    the project, missing paths) carry a ``problem``. Paths outside ``root`` are named by their file name."""
    out: list[SourceFile] = []
    for p in paths:
        found = walk_sources([p], root, exclude_dir=_skip_dir, suffixes=(".py",))
        found.sort(key=lambda f: f.relpath.split("/"))
        for f in found:
            out.append(f if not f.relpath.startswith("../") else SourceFile(f.path, f.path.name, f.problem))
    return out


def analyze_paths(paths: Sequence[Path | SourceFile], root: Path | None = None) -> tuple[AgentGraph, list[Diagnostic]]:
    """Analyse files/folders (or files found already, as ``SourceFile``); ids and module names are relative to
    ``root`` (default: the common folder). Unreadable paths become E003 diagnostics; nothing here raises on input."""
    paths = [p if isinstance(p, SourceFile) else Path(p) for p in paths]
    if root is None:
        first = paths[0].path if paths and isinstance(paths[0], SourceFile) else paths[0] if paths else Path(".")
        root = first if len(paths) == 1 and first.is_dir() else first.parent
    root = Path(root)
    analysis = Analysis(root)
    analysis.config_roots = [p for p in paths if isinstance(p, Path) and p.is_dir()]  # a file given: no configs
    given = [p for p in paths if isinstance(p, SourceFile)]
    files = given + source_files([p for p in paths if not isinstance(p, SourceFile)], root)
    for f in files:
        if f.problem:  # one diagnostic for the path the user sees; the other files are still analysed
            analysis.diag(f.relpath, 1, "E003", f.problem)
        else:
            analysis.add_file(f.relpath, f.path)
    start = time.perf_counter()
    graph = analysis.run()
    graph.meta.passes_run = []
    del start
    return graph, sorted(analysis.diagnostics)


def analyze_source(code: str, path: str = "agent.py") -> tuple[AgentGraph, list[Diagnostic]]:
    """Analyse one in-memory module (tests, fuzzing)."""
    analysis = Analysis(Path("."))
    analysis.add_file(path, None, code)
    graph = analysis.run()
    return graph, sorted(analysis.diagnostics)


__all__ = ["analyze_paths", "analyze_source"]


def _reads_without_type_params(source: str) -> bool:
    """Whether the source parses once its PEP 695 type-parameter syntax is rewritten (``syntax.parse_module`` does)."""
    older = cst.without_type_params(source)
    if older is None:
        return False
    try:
        ast.parse(older)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return False
    return True
