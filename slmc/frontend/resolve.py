"""Cross-module evaluator: gives expressions abstract values (clients, functions, constants, prompt text).

Flow-insensitive and lazy: a name is looked up in its scope (LEGB), its bindings are evaluated on demand and memoised,
names imported from another module of the analysed tree are resolved through that module's index.
"""

from __future__ import annotations

import ast
import itertools
import string
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from slmc.frontend import clients, templates
from slmc.frontend import syntax as cst
from slmc.frontend.index import Binding, ModuleIndex, Scope, dotted, is_test_path, own_nodes, session_slot
from slmc.frontend.values import (
    Answer,
    Class,
    Client,
    Const,
    Decorator,
    Function,
    Instance,
    Module,
    ModuleFamily,
    Partial,
    Ref,
    Text,
    Value,
)
from slmc.ir.nodes import PromptPart
from slmc.lazyre import lazy

_INTERESTING = (Client, Function, Class, Instance, Partial, Module, ModuleFamily, Decorator)
# words a text an object keeps in its state needs to read as a prompt (not a model name, a URL, a path)
_PROMPT_WORDS = 8
_CONTEXT_MANAGERS = frozenset(
    {"contextmanager", "asynccontextmanager", "contextlib.contextmanager", "contextlib.asynccontextmanager"}
)
_MISSING = object()
# methods of a LangChain chat model (and no other library's object) returning the model bound to tools or a schema
_CHAT_MODEL_BINDERS = frozenset({"bind_tools", "with_structured_output"})
# calls turning an object into a dict of its fields
_FLATTENING = frozenset({"asdict", "dataclasses.asdict", "vars"})


# Top-level names of the libraries the client catalog knows: an import of one never means a same-named module file.
_LIBRARY_ROOTS = frozenset(
    name.split(".", 1)[0]
    for name in (
        *clients.CONSTRUCTORS,
        *clients.MODULE_CLIENTS,
        *clients.HF_PIPELINE,
        *clients.DECORATORS,
        *clients.TEMPLATE_FILE_CHAINS,
    )
) | {"transformers", "langchain_core", "langchain_openai", "langgraph", "llama_index", "pydantic", "injector"}
_LIBRARY_ROOTS -= clients.SHARED_NAME_ROOTS


# Methods a task-runner decorator (a serverless or cluster ``@app.function()`` / ``@ray.remote``) adds to the function it
# wraps, each running that function with the arguments given (``ask.remote(system, prompt)``, ``ask.call(...)``,
# ``ask.spawn(...)``, ``ask.local(...)``): a call of the function itself, run elsewhere
_REMOTE_RUNS = frozenset({"call", "remote", "spawn", "local"})


# The import machinery a lazy-import helper hands a module name to (``importlib.import_module(name)``).
_IMPORT_BY_NAME = frozenset({"import_module", "find_spec", "__import__"})


@dataclass
class Resolved:
    """How a call reaches something: the callee value and the arguments the callee receives."""

    callee: Value
    args: list[cst.Arg]
    bound: tuple[cst.Arg, ...] = ()  # keyword arguments bound earlier by functools.partial


@dataclass
class Project:
    """The modules of the analysed tree, loaded lazily by dotted name."""

    root: Path
    modules: dict[str, ModuleIndex] = field(default_factory=dict)
    loader: Callable[[str], ModuleIndex | None] = lambda name: None
    known: set[str] = field(default_factory=set)  # dotted names of every module file in the tree
    aliases: dict[str, str] = field(default_factory=dict)  # src layout: "pkg.mod" -> "src.pkg.mod"
    no_load: bool = False  # set while mapping the class hierarchy: only modules loaded already take part
    _prefixes_of: set[str] = field(default_factory=set)
    _prefix_set: set[str] = field(default_factory=set)
    _alias_heads_of: int = -1
    _alias_head_set: set[str] = field(default_factory=set)

    def module(self, name: str) -> ModuleIndex | None:
        name = self.aliases.get(name, name)
        if name in self.modules:
            return self.modules[name]
        if name not in self.known or self.no_load:
            return None
        mod = self.loader(name)
        if mod is not None:
            self.modules[name] = mod
        return mod

    def importable(self, qname: str, importer: ModuleIndex | None) -> str:
        """The tree's module an absolute import names: as written, else relative to the importing script's folder
        (a script run from its folder, ``from crew import X``) or to a ``src`` folder above it."""
        head = qname.split(".", 1)[0]
        if importer is not None and head in self.aliases and head not in self.known and head not in self._heads():
            # ``from utils import run`` in a script beside its own ``utils`` package: the script's folder comes first
            # on the path, before a ``src`` layout elsewhere in the tree that also has a ``utils``
            here = importer.name.split(".")[:-1] if not importer.is_package else importer.name.split(".")
            beside = ".".join([*here, head])
            if (
                here
                and beside != self.aliases[head]
                and (beside in self.known or beside in self._heads())
                and not self._lacks(beside, qname)
            ):
                return ".".join([*here, qname])
        if importer is None or head in self.known or head in self.aliases or head in self._heads():
            return qname
        if head in _LIBRARY_ROOTS or head in sys.stdlib_module_names:  # ``import openai`` in ufo/llm/openai.py
            return qname
        folders = importer.name.split(".")[:-1] if not importer.is_package else importer.name.split(".")
        known = self._heads()
        own = importer.name if not importer.is_package else ""  # a package's own submodules stay importable
        for i in range(len(folders), 0, -1):  # the folder under which the whole dotted name exists wins
            candidate = ".".join([*folders[:i], qname])
            # a module named like the package it imports (``surreal.py`` doing ``from surreal import X``) does not
            # import itself: the name is the installed package
            if (candidate in self.known or candidate in known) and not _within(own, candidate):
                return candidate
        beside = ".".join([*folders, head])
        if head in self._alias_heads() and not (beside in self.known or beside in known):
            # a namespace package split over a monorepo's distributions (``core/pyproject.toml`` with
            # ``core/acme/core/context.py`` and ``qa/acme/qa/gen.py`` doing ``from acme.core.context import X``, no
            # ``acme/__init__.py``): the name is a distribution's import path, not a folder above the importer; unless
            # a module of that name sits beside the importer (a script's own folder comes first on the path:
            # ``from crew import X`` beside ``crew.py``)
            return qname
        while folders:
            candidate = ".".join([*folders, qname])
            first = ".".join([*folders, head])
            if (
                (first in self.known or first in self._heads())
                and not _within(own, candidate)
                # ``from playwright.sync_api import Page`` in ``drivers/playwright/base.py`` of a tree whose own
                # ``playwright`` package has no ``sync_api``: the installed distribution of that name, not the folder
                and not self._lacks(first, qname)
            ):
                return candidate
            folders = folders[:-1]
        return qname

    def add_renamed_packages(self, imported: Iterable[str]) -> dict[str, str]:
        """A package imported under a name the tree lacks, every submodule path of it found under one package of the
        tree (``from oldname.agents.math import solver`` and ``from oldname.core import Chain`` in a tree whose package
        is ``newname/`` with ``agents/math/solver.py`` and ``core.py``): the package renamed, its old name still in the
        scripts beside it. At least two distinct submodule paths (and most of those imported), one of them two deep,
        must agree on that package;
        each module (and package) under it is then also known by the old name (``aliases``). Returns old -> new."""
        heads = self._heads()
        paths: dict[str, set[str]] = {}
        for qname in imported:
            head, _, rest = qname.partition(".")
            if head in self.known or head in heads or head in self.aliases:
                continue
            if head in _LIBRARY_ROOTS or head in sys.stdlib_module_names:
                continue
            paths.setdefault(head, set()).add(rest)
        found: dict[str, str] = {}
        everything = self.known | heads
        for head, rests in paths.items():
            subs = {r for r in rests if r}
            owners: set[str] | None = None
            matched: list[str] = []
            for rest in sorted(subs):
                mine = {n[: -len(rest) - 1] for n in everything if n.endswith("." + rest)}
                if not mine:
                    continue  # a module the package has lost since (the scripts lag behind)
                matched.append(rest)
                owners = mine if owners is None else owners & mine
                if not owners:
                    break
            if (
                owners is None
                or len(owners) != 1
                or len(matched) < 2
                or 2 * len(matched) < len(subs)
                or not any("." in r for r in matched)
            ):
                continue
            new = next(iter(owners))
            found[head] = new
            for name in sorted(everything):
                if name == new or name.startswith(new + "."):
                    self.aliases.setdefault(head + name[len(new) :], name)
        return found

    def _lacks(self, package: str, qname: str) -> bool:
        """Whether the tree's ``package`` (standing in for the head of ``qname``) surely lacks the name ``qname``
        imports from it: no submodule and no binding of that name, no star import and no module ``__getattr__``
        (``from agents import Runner`` beside an example's own ``agents/`` folder of agent definitions: Python would
        fail there, so the name is the other package's)."""
        rest = qname.split(".")[1:]
        if not rest or self.no_load:
            return False
        sub = f"{package}.{rest[0]}"
        if sub in self.known or sub in self._heads():
            return False
        mod = self.module(package)
        if mod is None:
            return False
        names = mod.scope.bindings
        return rest[0] not in names and "*" not in names and "__getattr__" not in names

    def _alias_heads(self) -> set[str]:
        """Package names the import roots of the tree give (every dotted prefix of an alias: ``acme`` and
        ``acme.core`` for ``acme.core.context`` found under ``core/``), also those without an ``__init__.py``."""
        if self._alias_heads_of != len(self.aliases):
            self._alias_head_set = _dotted_prefixes(self.aliases)
            self._alias_heads_of = len(self.aliases)
        return self._alias_head_set

    def _heads(self) -> set[str]:
        """Package names of the tree (every dotted prefix of a module name)."""
        if len(self._prefixes_of) != len(self.known):
            self._prefix_set = _dotted_prefixes(self.known)
            self._prefixes_of = set(self.known)
        return self._prefix_set

    def split(self, qname: str) -> tuple[ModuleIndex | None, list[str]]:
        """Longest prefix of ``qname`` that is a module of the tree, and the rest."""
        parts = qname.split(".")
        for i in range(len(parts), 0, -1):
            name = ".".join(parts[:i])
            if name in self.known or name in self.modules or name in self.aliases:
                mod = self.module(name)
                if mod is not None:
                    return mod, parts[i:]
        return None, parts


def class_of(scope: Scope) -> Scope | None:
    """The class whose method (or a closure inside one) ``scope`` is."""
    fn = scope.enclosing_function()
    while fn is not None and fn.enclosing_class() is None and fn.parent is not None:
        fn = fn.parent.enclosing_function()
    return fn.enclosing_class() if fn is not None else None


def self_attribute(node: Any) -> bool:
    """``self.<name>``: a value the object holds."""
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"


def _own_bindings(name: str, scope: Scope) -> list[Binding]:
    """The bindings of ``name`` in ``scope`` or the functions and module around it (class bodies skipped, as Python
    does), without following star imports into other modules: [] when none binds it there."""
    s: Scope | None = scope.module.scope if name in scope.globals_ else scope
    first = True
    while s is not None:
        if not (s.kind == "class" and not first) and name in s.bindings:
            return list(s.bindings[name])
        first = False
        s = s.parent
    return []


def _self_attribute(b: Binding) -> bool:
    """An assignment from another attribute of the same object (``self.client = self._kept_client``)."""
    return self_attribute(b[1] if b[0] == "expr" and len(b) > 1 else None)


_COPIES = frozenset({"copy.copy", "copy.deepcopy"})  # a copy of an object is an object of the same class
_CASTS = frozenset({"typing.cast", "typing_extensions.cast"})  # ``cast(T, x)`` is ``x`` at run time


def _within(module: str, qname: str) -> bool:
    """``qname`` names ``module`` itself or something defined in it (never, for no module)."""
    return bool(module) and (qname == module or qname.startswith(module + "."))


def _special_name(name: str) -> bool:
    """A dunder other than ``__call__`` (``__init__``, ``__enter__``, ...): no API reached through dispatch. An object's
    ``__call__`` is its calling API like any method: ``await self.model(msgs)`` typed as the abstract base runs each
    subclass's ``__call__``."""
    return name.startswith("__") and name != "__call__"


def _method_like(fn: Scope) -> bool:
    """A method of a class, or a module-level function written as one (first parameter ``self``: bound to a class
    or an object elsewhere, ``Worker.generate = generate``)."""
    if fn.parent is not None and fn.parent.kind == "class":
        return True
    return (
        fn.parent is not None and fn.parent.kind == "module" and bool(fn.params) and fn.params[0].name.value == "self"
    )


_MAPPINGS = frozenset({"Dict", "dict", "Mapping", "MutableMapping", "OrderedDict", "DefaultDict", "defaultdict"})
_SEQUENCES = frozenset({"List", "list", "Sequence", "MutableSequence", "Iterable"})
# calls whose result iterates the entries of their first argument
_ITERATOR_WRAPPERS = frozenset({"iter", "cycle", "sorted", "reversed", "list", "tuple"})


def kept_member(client: Client, attr: str) -> Client:
    """``client.<attr>``: the member path read on, or, for an attribute in which a framework object keeps another
    model object (``clients.KEPT_MEMBERS``: a lagent agent's ``llm``, its tool loop's inner ``agent``), that object."""
    kind = clients.KEPT_MEMBERS.get((client.kind, ".".join((*client.path, attr))))
    if kind is None:
        return client.member(attr)
    return Client(client.family, kind, (), client.model, client.is_async)


def computed_request_member(client: Client) -> Client | None:
    """``getattr(client.chat.completions, endpoint)`` with a name computed at run time: on a member path of a client
    (never the client itself) whose members include request methods, the name picks one of them (``create`` or
    ``parse`` chosen by the caller's options): a call of what it hands back is a request. None when the path holds
    no request method (``client.embeddings``, ``client.images``)."""
    if not client.path:
        return None
    paths = clients.REQUEST_PATHS.get(client.kind, {})
    prefix = ".".join(client.path) + "."
    picked = sorted(p[len(prefix) :] for p in paths if p.startswith(prefix) and "." not in p[len(prefix) :])
    if not picked:
        return None
    return kept_member(client, "create" if "create" in picked else picked[0])


class Evaluator:
    def __init__(self, project: Project) -> None:
        self.project = project
        # id(expr) -> (expr, its value): the entry holds the node, so a node built on the fly (a string annotation
        # parsed, a schema name) stays alive and no later node can reuse its id() and read its value
        self.memo: dict[int, tuple[cst.CSTNode, Value]] = {}
        self.busy: set[int] = set()
        self._resolving: set[str] = set()  # qnames being resolved (import cycles)
        self.scopes: dict[str, Scope] = {}  # key -> function/class scope
        self.served_paths: frozenset[str] = frozenset()  # URL paths of the tree's own routes reaching a model
        self.keep: list[Any] = []  # keeps nodes alive whose id() is used as a key
        # id(call) -> (call, scope) of the prompt-template constructors met (``PromptTemplate.from_template("...")``)
        self.prompt_ctors: dict[int, tuple[cst.Call, Scope]] = {}
        # a prompt template built in a class's ``__init__`` from one of its parameters, read off one construction
        # of the class (``construction_member``): key -> parameter name -> the argument given there, and its scope
        self.ctor_given: dict[int, dict[str, tuple[cst.BaseExpression, Scope]]] = {}
        self._bases: dict[str, list[str]] = {}
        self._direct_subs: dict[str, list[str]] = {}
        self._new_classes: list[str] = []
        self._overrides: dict[str, list[str]] = {}
        self._called: dict[str, dict[str, int]] = {}
        self.unresolved: list[Any] = []  # CallInfo of obj.method(...) calls on objects of unknown type
        self.constructions: dict[str, list[Any]] = {}  # class key -> CallInfo of the calls constructing it
        self._methods_by_name: dict[str, list[str]] = {}
        self._methods_at = -1
        # the scopes ``_methods_by_name`` has read, in order (``_real_methods`` / ``_double_methods`` by name), and
        # whether a scope was registered again under a key it had read (then the index is built anew)
        self._methods_read = 0
        self._real_methods: dict[str, list[str]] = {}
        self._double_methods: dict[str, list[str]] = {}
        self._scopes_replaced = 0  # how many times a key was registered again (an index reading scopes starts anew)
        self._methods_replaced = 0  # ``_scopes_replaced`` when ``_methods_by_name`` was last read from the start
        self._by_name: dict[str, str | None] = {}
        self._pending_classes: set[str] = set()  # classes with a base in a module of the tree not loaded yet
        self._pending_at = 0  # number of loaded modules when the pending classes were last mapped
        # class -> (its bases, whether one names a module not loaded yet), while no module loads (_bases_no_memo)
        self._bases_kept: dict[str, tuple[list[str], bool]] = {}
        self._bases_at = -1  # number of loaded modules when _bases_kept was filled
        self._siblings: dict[str, set[str]] = {}  # method -> other subclasses' methods a base-typed call reaches
        self._peers: dict[str, set[str]] = {}  # class -> unrelated classes sharing a run-time picked table with it
        self._receiver: str | None = None  # while evaluating a base class's attribute for a subclass (as_receiver)
        self._building: set[tuple[int, int]] = set()  # uses whose built conversation is being read (built_text)
        self._lines: dict[str, list[str]] = {}  # module path -> its source lines (built_text)
        self._receiver_memo: dict[str, dict[int, tuple[cst.CSTNode, Value]]] = {}
        # while reading an object's methods as one construction of its class built it (``constructed``): the class
        # and the literal values its ``__init__`` stored in attributes; values read so are memoised apart
        self._bound: tuple[str, dict[str, str]] | None = None
        self._bound_memo: dict[tuple[str, tuple[tuple[str, str], ...]], dict[int, tuple[cst.CSTNode, Value]]] = {}
        # while reading what a function itself writes into a prompt (``as_callers_prompt``): a parameter falling back
        # to a fixed text when its caller gives none is the caller's value; values read so are memoised apart
        self._callers_side = False
        self._callers_memo: dict[int, tuple[cst.CSTNode, Value]] = {}
        self._sdk_bases: dict[str, Client | None] = {}
        self._own_frameworks: dict[str, clients.ClientKind | None] = {}  # class -> the framework entry it is
        self._public_modules: dict[str, list[str]] | None = None  # module -> the names it is imported by
        self._protocols: dict[str, frozenset[str]] = {}  # Protocol class of the tree -> the methods it declares
        self._protocols_seen = 0  # how many scopes ``protocols`` has looked at
        self._protocols_mapped = 0  # how many Protocol classes the subclass map has seen (``_map_new_classes``)
        self.llm_endpoints: set[int] = (
            set()
        )  # id() of HTTP calls whose endpoint parameter callers fill with a model URL
        self.endpoint_calls: list[Any] = []  # CallInfo of HTTP calls whose URL is built from a parameter
        self.client_params: dict[str, Client] = {}  # fn key -> an SDK method a caller passes for a called parameter
        # fn key -> the called parameters callers pass an SDK method or a function for (``retry(create, on_done)``
        # passes one for ``create``: a call of ``on_done`` inside is no request of it)
        self.passed_params: dict[str, set[str]] = {}
        self._meta_users: dict[str, list[str]] = {}  # metaclass key -> classes declared with it
        self._meta_at = -1
        # the classes declaring ``metaclass=`` among the first ``_meta_read`` scopes, in order (read once each; all
        # anew when a key was registered again: ``_meta_replaced`` is ``_scopes_replaced`` as last read)
        self._meta_declared: list[tuple[str, Scope, cst.CSTNode]] = []
        self._meta_read = 0
        self._meta_replaced = 0
        self._forwarding: set[tuple[str, str]] = set()  # (class, attr) pairs forwarded_attr is resolving
        self._replacements: dict[str, str] | None = None  # metaclass replacement function -> the method it replaces
        self._passed: dict[int, Client | None] = {}  # id(param) -> the client the module's calls pass for it
        self._handed_classes: dict[int, str | None] = {}  # id(param) -> the outside class the module's calls pass
        self._split_selves: dict[int, Instance | None] = {}  # id(param) -> the object a split-out method is handed
        self._calls_by_name: dict[str, list[Any]] = {}  # called name -> CallInfo of the loaded modules' calls
        # (class, attribute) -> the prompt the one construction of the class passes for it (``sole_construction_text``)
        self._sole_built: dict[tuple[str, str], Text | None] = {}
        self._calls_indexed: set[str] = set()  # modules whose calls _calls_by_name holds
        self._flatteners: list[str] = []  # classes handing their own fields on as a dict (``asdict(self)``)
        self._flat_read = 0  # how many entries of ``project.modules`` ``_flattening_classes`` has read
        self._calls_read = 0  # how many entries of ``project.modules`` (only ever added to) were read for it
        # (module name, table name) -> the entries registration functions write into a module-level table
        self._setter_tables: dict[tuple[str, str], dict[Any, Any] | None] = {}
        # fn key -> the same-named functions of the other modules of a package a run-time import picks among
        self.family_alternatives: dict[str, tuple[str, ...]] = {}
        # fn key -> the other functions of a dispatch table it sits in (``{"llm": self.reply, "tool": self.act}``):
        # a call of an entry looked up by a run-time key reaches each of them
        self.table_alternatives: dict[str, tuple[str, ...]] = {}
        self._shadowing: set[str] = set()  # package attributes being read (package_binding)
        self._lazy_tables: dict[str, dict[str, str]] = {}  # module -> the names its ``__getattr__`` loads lazily
        # function name -> keys of the module-level functions of that name a decorator registers (``@reg.add(...)``)
        self._registered: dict[str, list[str]] = {}

    def register(self, mod: ModuleIndex) -> None:
        for scope in mod.scopes:
            if scope.kind != "module":
                if scope.key in self.scopes:
                    if _is_accessor(scope):
                        continue  # ``@x.setter def x``: the property's getter keeps the name (what reading x returns)
                    self._scopes_replaced += 1
                self.scopes[scope.key] = scope
                if scope.kind == "class":  # (one with no base may implement a Protocol: ``protocols_met``)
                    self._new_classes.append(scope.key)
                if _registered_def(scope):
                    self._registered.setdefault(scope.name, []).append(scope.key)

    def registered_function(self, name: str) -> Value:
        """The one module-level function of the tree named ``name`` that a decorator registers
        (``@registry.register_function(...)``): what a framework that runs functions by name reaches for that name,
        through its registry object's ``__getattr__`` or as a global it injects into the functions it runs."""
        keys = self._registered.get(name)
        return Function(keys[0]) if keys is not None and len(keys) == 1 else None

    def injected_global(self, name: str, scope: Scope) -> Value:
        """A name no scope of the module binds, nor a builtin, nor a star import: a global the code is run with (a
        function runner filling the globals from a declared list): an LLM SDK module of that name
        (``litellm.completion(...)``), else the one function of the tree registered under that name."""
        if name in _BUILTIN_NAMES or scope.module.scope.bindings.get("*"):
            return None
        if name in _SDK_ROOTS:
            return self.resolve_qname(name)
        return self.registered_function(name)

    # ---- names ---------------------------------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope) -> Value:
        bindings = self.bindings_of(name, scope)
        if bindings is None:
            return None
        value = self.bindings_value(bindings)
        return self.declared_value(name, bindings) if value is None else value

    def declared_value(self, name: str, bindings: list[Binding]) -> Value:
        """``service: ChatService = request.state.injector.get(ChatService)``: what is assigned cannot be seen (a
        container hands it out), the declared type stands for it (also for a module-level name another module
        imports: ``SESSION: ContextVar[SessionContext] = ContextVar("session")``)."""
        if len(bindings) == 1 and bindings[0][0] == "expr" and len(bindings[0]) > 2:
            declared = bindings[0][2].annotations.get(name) if isinstance(bindings[0][2], Scope) else None
            if declared is not None:
                return self.instance_of(declared, bindings[0][2])
        return None

    def bindings_of(self, name: str, scope: Scope) -> list[Binding] | None:
        s: Scope | None = scope.module.scope if name in scope.globals_ else scope
        first = True
        while s is not None:
            if s.kind == "class" and not first:
                s = s.parent
                continue
            if name in s.bindings:
                return s.bindings[name]
            first = False
            s = s.parent
        return self.module_bindings(scope.module, name, star_only=True)

    def module_bindings(
        self, mod: ModuleIndex, name: str, star_only: bool = False, depth: int = 0
    ) -> list[Binding] | None:
        """Module-level bindings of ``name``, following ``from x import *``."""
        if not star_only and name in mod.scope.bindings:
            return mod.scope.bindings[name]
        if depth > 5:
            return None
        for star in mod.scope.bindings.get("*", ()):
            other = self.project.module(self.project.importable(star[1], star[2] if len(star) > 2 else None))
            found = self.module_bindings(other, name, depth=depth + 1) if other is not None else None
            if found is not None:
                return found
        if not star_only and "__getattr__" in mod.scope.bindings:
            qname = self.lazy_exports(mod).get(name)
            if qname is not None:
                return [("import", qname, mod)]
        return None

    def lazy_exports(self, mod: ModuleIndex) -> dict[str, str]:
        """A module answering missing attributes with a module-level ``__getattr__`` (PEP 562 lazy loading) from a
        table written in the module: ``{"Agent": ("pkg.agent.core", "Agent")}``, ``{"Agent": ".agent.core"}`` (the
        same name in that module; ``"pkg.mod:Attr"`` naming it) or ``{"agent.core": ["Agent", "Team"]}`` (a
        submodule and the names it exports). Exported name -> the qualified name ``from mod import name`` reads."""
        cached = self._lazy_tables.get(mod.name)
        if cached is not None:
            return cached
        table: dict[str, str] = {}
        self._lazy_tables[mod.name] = table
        package = mod.name if mod.is_package else mod.name.rpartition(".")[0]

        def module_name(text: str) -> str:
            if not text.startswith("."):
                return text
            base = package.split(".")
            dots = len(text) - len(text.lstrip("."))
            base = base[: len(base) - dots + 1] if dots > 1 else base
            rest = text.lstrip(".")
            return ".".join([*base, rest] if rest else base)

        def literal(node: Any) -> str | None:  # a dotted name (``.agent.core``, ``pkg.mod:Attr``), else None
            if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
                value = node.evaluated_value
                words = value.lstrip(".").replace(":", ".").split(".") if isinstance(value, str) else [""]
                if isinstance(value, str) and (
                    (not words[0] and value.startswith(".")) or all(w.isidentifier() for w in words)
                ):
                    return value
            return None

        for bindings in list(mod.scope.bindings.values())[:2000]:
            for b in bindings[:4]:
                if b[0] != "expr" or b[2] is not mod.scope or not isinstance(b[1], cst.Dict):
                    continue
                for el in b[1].elements[:4000]:
                    if not isinstance(el, cst.DictElement) or (key := literal(el.key)) is None:
                        continue
                    value = el.value
                    if isinstance(value, cst.Tuple | cst.List):
                        items = [literal(e.value) if isinstance(e, cst.Element) else None for e in value.elements]
                        if len(items) == 2 and None not in items and key.isidentifier():
                            table.setdefault(key, f"{module_name(items[0])}.{items[1]}")  # type: ignore[str-bytes-safe]
                        elif items and None not in items and all(i.isidentifier() for i in items):  # type: ignore[union-attr]
                            for item in items:
                                table.setdefault(item, f"{module_name(key)}.{item}")  # type: ignore[str-bytes-safe]
                    elif (target := literal(value)) is not None and key.isidentifier():
                        where, _, attr = target.partition(":")
                        table.setdefault(key, f"{module_name(where)}.{attr or key}")
        return table

    def bindings_value(self, bindings: list[Binding]) -> Value:
        kept = [b for b in bindings if b[0] != "aug"]
        values = [self.binding_value(b) for b in kept]
        if any(b[0] == "annot" for b in kept):
            # ``self.handlers: Dict[Kind, Callable] = {...}``: the table assigned is the value; the annotation only
            # describes it (read as a type it would stand for an instance of the key class)
            pairs = [(b, v) for b, v in zip(kept, values, strict=True) if b[0] != "annot"]
            if pairs and all(isinstance(v, Const) and isinstance(v.value, dict) and v == pairs[0][1] for _, v in pairs):
                kept, values = [b for b, _ in pairs], [v for _, v in pairs]
        interesting = [v for v in values if isinstance(v, _INTERESTING)]
        if interesting:
            return self.merge(interesting)
        for v in values:
            if isinstance(v, Answer):
                return v
        rewritten = self.rewritten_text(bindings)
        if rewritten is not None:
            return rewritten
        refs = {v.qname for v in values if isinstance(v, Ref)}
        if len(refs) > 1 and all(isinstance(v, Ref) for v in values):
            # ``from openai import OpenAI as Client`` in one branch, ``from openai import AzureOpenAI as Client`` in
            # the other: constructors of clients with one request surface, so the name builds that kind of client
            kinds = {k.kind if (k := clients.CONSTRUCTORS.get(r)) is not None else None for r in refs}
            if len(kinds) == 1 and None not in kinds:
                return next(v for v in values if isinstance(v, Ref))
        if len(refs) == 1 and all(
            isinstance(v, Ref)
            or v == Const(None)
            or (v is None and (_self_attribute(b) or self._refining(b) or b[0] == "annot"))
            for v, b in zip(values, kept, strict=True)
        ):
            # ``dashscope = None`` (or ``dashscope: Any``) declared in the class body, the module stored in a method; a
            # copy of another
            # attribute of the object (``self.client = self._original_client``) adds no other kind of value; nor does
            # an assignment being evaluated further up (``self.genai = self.genai.GenerativeModel(m)``, through a
            # local or not, read while that value is worked out): there the name still holds the module
            return Ref(refs.pop())
        augs = [b for b in bindings if b[0] == "aug"]
        if augs and len(values) == 1 and isinstance(values[0], Const | Text):
            texts = [self.as_text_value(values[0])] + [self.text(b[1], b[2]) for b in augs]
            return concat(texts, "concat")
        if augs or not values or any(v != values[0] for v in values):
            return None  # assigned different values: not static
        return values[0]

    def _refining(self, b: Binding) -> bool:
        """Whether the binding ``b`` assigns an expression whose value is being worked out further up the stack: an
        assignment that refines the name from its own earlier value (``model = self.genai.GenerativeModel(m)``, then
        ``self.genai = model``)."""
        return b[0] == "expr" and len(b) > 1 and id(b[1]) in self.busy

    def made_text(self, bindings: list[Binding]) -> Text | None:
        """The text of a str-like prompt object assigned once by a call (``TextPrompt(text)``, ``p.format(...)``)."""
        if len(bindings) != 1 or bindings[0][0] != "expr" or not isinstance(bindings[0][1], cst.Call):
            return None
        return self.text_call(bindings[0][1], bindings[0][2])

    def returns_self(self, key: str, depth: int = 0) -> bool:
        """A method every ``return`` of which hands back its own object (``return self``, or ``return self.add(...)``
        of such a method): a fluent builder step."""
        fn = self.scopes.get(key)
        if fn is None or fn.enclosing_class() is None or not fn.params or not fn.returns or depth > 3:
            return False
        me = fn.params[0].name.value
        for r in fn.returns:
            if isinstance(r, cst.Name) and r.value == me:
                continue
            if isinstance(r, cst.Call) and isinstance(r.func, cst.Attribute) and isinstance(r.func.value, cst.Name):
                inner = self.value(r.func, fn) if r.func.value.value == me else None
                if isinstance(inner, Function) and inner.key != key and self.returns_self(inner.key, depth + 1):
                    continue
            return False
        return True

    def step_text(self, key: str, call: cst.Call, scope: Scope) -> Text | None:
        """What a fluent builder step adds to a conversation: the template file it loads by name
        (``.template("plan")``), else a message written in the call (``.user("Reply with DONE only.")``)."""
        loaded = templates.loader_value(self, key, call, scope)
        if isinstance(loaded, Text):
            return loaded
        for a in call.args[:1]:
            if a.keyword is None and not a.star:
                t = self.text(a.value, scope)
                if len("".join(t.static().split())) >= 20:
                    return t
        return self.section_text(call, scope)

    def section_text(self, call: cst.Call, scope: Scope) -> Text | None:
        """The prose a section-builder step writes through a keyword (``sheet.add_part(name="intro", template="Our
        assistant follows rules...")``): the first keyword argument whose text reads as sentences (three words or more,
        twenty letters or more), not a section's name. None when no keyword holds such text."""
        for a in call.args:
            if a.keyword is None or a.star:
                continue
            t = self.text(a.value, scope)
            static = t.static()
            if len(static.split()) >= 3 and len("".join(static.split())) >= 20:
                return t
        return None

    def built_text(self, use: cst.Name, scope: Scope) -> Text | None:
        """A conversation object a function builds in steps (``convo = Convo(agent).template("plan")``, later
        ``convo.template("parse")`` on its own line, or assigned again): the template the last step above the use
        loads (``text_call`` of a fluent builder method), in the same function. None when no step loads one."""
        line = _line_of(use)
        fn = scope.enclosing_function()
        if line is None or fn is None or scope.kind == "class" or len(self._building) > 4:
            return None
        steps: list[tuple[int, cst.Call, Scope]] = []
        for b in scope.bindings.get(use.value) or ():
            if b[0] != "expr":
                continue  # (an import, a def, a parameter or an ``("unknown",)`` binding holds no built object)
            made_by = b[1].expression if isinstance(b[1], cst.Await) else b[1]  # = await build()
            if isinstance(made_by, cst.Call) and (_line_of(made_by) or line) < line:
                steps.append((_line_of(made_by) or 0, made_by, b[2]))
        for info in fn.calls:
            node = info.node
            at = _line_of(node)
            if at is None or at >= line or not isinstance(node.func, cst.Attribute):
                continue
            root = node.func.value
            while isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute):
                root = root.func.value
            if isinstance(root, cst.Name) and root.value == use.value:
                steps.append((at, node, info.scope))
        key = (id(use), line)
        if key in self._building:
            return None
        self._building.add(key)
        try:
            lines = self._lines.get(scope.module.path)
            if lines is None:
                lines = self._lines[scope.module.path] = scope.module.source.splitlines()
            statements = {id(info.node): info.statement for info in fn.calls}

            def indent(node: cst.CSTNode) -> int:
                """The indentation of the statement holding ``node`` (its first line, not a continuation line)."""
                stmt = statements.get(id(node))
                at = (_line_of(stmt) if stmt is not None else None) or _line_of(node) or 0
                text = lines[at - 1] if 0 < at <= len(lines) else ""
                return len(text) - len(text.lstrip())

            # steps nested in a block the use is not in (``if feedback: convo.template("rework")``) run only some of
            # the time: the steps at the use's own level or above come first
            holder = next((i.node for i in fn.calls if any(a.value is use for a in i.node.args)), None)
            level = indent(holder) if holder is not None else indent(use)
            ordered = sorted(steps, key=lambda t: (indent(t[1]) <= level, t[0]), reverse=True)[:16]
            for _, call, where in ordered:
                func = call.func
                callee = self.value(func, where)
                if not isinstance(callee, Function):
                    continue
                if not (isinstance(func, cst.Attribute) and self.returns_self(callee.key)):
                    made = self.returned_text(callee.key)  # ``convo = self.build_convo()``: what the helper built
                    if made is not None:
                        return made
                    continue
                found = self.step_text(callee.key, call, where)
                if found is None and not isinstance(func.value, cst.Name):
                    found = self._text(func.value, where)
                if found is not None and any(not p.hole for p in found.parts):
                    sections = self.sections_text(ordered, level, indent)
                    return sections if sections is not None else found
            return None
        finally:
            self._building.discard(key)

    def sections_text(
        self, steps: list[tuple[int, cst.Call, Scope]], level: int, indent: Callable[[cst.CSTNode], int]
    ) -> Text | None:
        """A prompt a builder assembles from sections, one step each (``sheet.add_part(name=..., template="...")``
        several times, ``render()`` joining them): every section the steps at the use's own level write through a
        keyword, in source order, joined (the task statement lives in one section, the answer format in another).
        None unless two such steps or more write one."""
        parts: list[tuple[int, Text]] = []
        for at, call, where in steps:
            if indent(call) > level or not isinstance(call.func, cst.Attribute):
                continue
            callee = self.value(call.func, where)
            if not isinstance(callee, Function) or not self.returns_self(callee.key):
                continue
            if call.args and call.args[0].keyword is None:
                continue  # ``convo.template("plan")``: a step of its own, not a section (``step_text``)
            t = self.section_text(call, where)
            if t is not None:
                parts.append((at, t))
        if len(parts) < 2:
            return None
        parts.sort(key=lambda p: p[0])
        joined: list[Text | None] = []
        for _, t in parts:
            joined += [t, Text((PromptPart("\n\n"),), "literal")]
        return concat(joined[:-1], "concat")

    def returned_text(self, key: str) -> Text | None:
        """The conversation a helper builds and returns by name (``return convo``): its ``built_text``."""
        fn = self.scopes.get(key)
        if fn is None or len(fn.returns) != 1 or not isinstance(fn.returns[0], cst.Name):
            return None
        found = self._text(fn.returns[0], fn)
        return found if found is not None and any(not p.hole for p in found.parts) else None

    def reaching_text(self, use: cst.Name, scope: Scope) -> Value:
        """A local assigned several texts in a row (``prompt = build(a)`` ... ``prompt = build(b)``): the text of the
        last assignment above the use, in the same function. Texts only (a prompt, a template path); None otherwise."""
        bindings = scope.bindings.get(use.value) if scope.kind != "class" else None
        line = _line_of(use)
        if not bindings or len(bindings) < 2 or line is None or scope.enclosing_function() is None:
            return None
        above = [b for b in bindings if b[0] == "expr" and (_line_of(b[1]) or line) < line]
        if not above:
            return None
        last = max(above, key=lambda b: _line_of(b[1]) or 0)
        v = self.value(last[1], last[2])
        return v if isinstance(v, Text) or (isinstance(v, Const) and isinstance(v.value, str)) else None

    def rewritten_text(self, bindings: list[Binding]) -> Text | None:
        """``prompt = read(...)`` then ``prompt = prompt.replace("{goal}", goal)`` (or ``.format``, ``.strip``, or a
        tail appended: ``prompt = prompt + extra``): one text rewritten in place, in source order; the replaced slots
        become holes. None for any other shape."""
        exprs = [b for b in bindings if b[0] == "expr"]
        if len(exprs) < 2 or len(exprs) != len(bindings) or len(exprs) > 32:
            return None

        def rewrites(b: Binding) -> bool:
            e = b[1]
            if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):  # prompt = prompt + tail
                head = _appended(e)[0]
                return isinstance(head, cst.Name) and self.bindings_of(head.value, b[2]) is bindings
            return (
                isinstance(e, cst.Call)
                and isinstance(e.func, cst.Attribute)
                and isinstance(e.func.value, cst.Name)
                and e.func.attr.value in ("replace", "format", "strip", "lstrip", "rstrip")
                and self.bindings_of(e.func.value.value, b[2]) is bindings
            )

        # the text first assigned (in an ``if`` / ``else``, one text per branch: the last one above the rewrites,
        # as ``reaching_text`` reads a local assigned several texts), then rewritten in place
        first = next((i for i, b in enumerate(exprs) if rewrites(b)), 0)
        if first == 0:
            return None
        base, rest = exprs[first - 1], exprs[first:]
        if not all(rewrites(b) for b in rest):
            return None
        if first > 1 and not all(self._own_text(b) for b in exprs[:first]):
            return None  # ``text = message`` (what the caller gave) or ``text = intro``: no text of its own per branch
        text = self.as_text_value(self.value(base[1], base[2]))
        if text is None and isinstance(base[1], cst.Call):
            text = self.text_call(base[1], base[2])  # ``prompt = TextPrompt("...")`` then ``prompt.format(...)``
        for b in rest:
            if text is None:
                return None
            call, scope = b[1], b[2]
            if isinstance(call, cst.BinaryOperation):
                text = concat([text, *(self.text(t, scope) for t in _appended(call)[1])], "concat")
                continue
            method = call.func.attr.value
            if method == "format":
                text = self.format_call(call, text, scope)
            elif method == "replace":
                text = self.replace_text(text, call, scope)
            elif not call.args:
                text = _map_static(text, getattr(str, method))
        return text

    def _own_text(self, binding: Binding) -> bool:
        """Whether a binding assigns a string the code writes itself (a literal, a concatenation or f-string of them)."""
        e = binding[1]
        if not isinstance(e, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            return False
        text = self.as_text_value(self.value(e, binding[2]))
        return text is not None and any(not p.hole and p.text.strip() for p in text.parts)

    def replace_text(self, text: Text, call: cst.Call, scope: Scope) -> Text | None:
        """``text.replace("{goal}", goal)``: each static occurrence of the old string becomes the new text."""
        args = [a for a in call.args if a.keyword is None and not a.star]
        if len(args) != 2:
            return None
        old = self.static_str(args[0].value, scope)
        if not old:
            return None
        new = self.text(args[1].value, scope)
        pieces: list[Text | None] = []
        for p in text.parts:
            if p.hole or old not in p.text:
                pieces.append(Text((p,), text.origin))
                continue
            chunks = p.text.split(old)
            for i, chunk in enumerate(chunks):
                if i:
                    pieces.append(new)
                pieces.append(Text((PromptPart(chunk),), text.origin) if chunk else None)
        out = concat(pieces, text.origin)
        return Text(out.parts, text.origin, text.template_file)

    def binding_value(self, b: Binding) -> Value:
        kind = b[0]
        if kind == "expr":
            return self.value(b[1], b[2])
        if kind == "import":
            return self.resolve_qname(self.project.importable(b[1], b[2] if len(b) > 2 else None))
        if kind == "def":
            return Function(b[1].key)
        if kind == "class":
            return Class(b[1].key)
        if kind == "param":
            return self.param_value(b[1], b[2])
        if kind == "annot":
            return self.instance_of(b[1], b[2])
        if kind == "unpack" and len(b) > 3 and isinstance(b[1], cst.Call):
            return self.unpacked_value(b[1], b[2], b[3])
        if kind == "unpack" and len(b) > 3 and isinstance(b[1], cst.ListComp | cst.GeneratorExp):
            return self.value(b[1].elt, b[2])  # ``alice, bob = [make(n) for n in names]``: each is one element
        if kind in ("for", "entry") and len(b) > 2 and b[2] is not None:
            return self.element_of(b[1], b[2])  # ``for agent in self.agents``: an entry of the container
        return None

    def element_of(self, expr: cst.CSTNode, scope: Scope, depth: int = 0) -> Value:
        """An entry of the container ``expr`` iterates, when entries are objects worth following (instances of the
        tree, clients): ``self.agents`` filled by ``self.agents.append(agent)`` / ``self.agents[k] = agent`` in a
        method or declared ``List[Agent]``, ``agents.values()``, a list literal ``[a, b]``, and iterators over them
        (``iter(x)``, ``cycle(x)``, ``chain.from_iterable(repeat(x))``, ``sorted(x)``). None otherwise."""
        if depth > 6:
            return None
        if isinstance(expr, cst.Call):
            tail = (dotted(expr.func) or "").rsplit(".", 1)[-1]
            args = [a.value for a in expr.args if not a.star and a.keyword is None]
            if tail in ("values", "copy") and not args and isinstance(expr.func, cst.Attribute):
                return self.element_of(expr.func.value, scope, depth + 1)
            if tail in _ITERATOR_WRAPPERS and args:
                return self.element_of(args[0], scope, depth + 1)
            if tail in ("from_iterable", "repeat") and args:
                inner = args[0]  # repeat(x) yields x itself: flattened by from_iterable, entries of x
                if tail == "from_iterable" and isinstance(inner, cst.Call):
                    head = (dotted(inner.func) or "").rsplit(".", 1)[-1]
                    if head in ("repeat", *_ITERATOR_WRAPPERS) and inner.args and not inner.args[0].star:
                        return self.element_of(inner.args[0].value, scope, depth + 1)
                return None
            return self.declared_item(expr, scope)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Slice):
            # ``for critic in agents[1:]``: a slice of a container holds the same kind of entries
            return self.element_of(expr.value, scope, depth + 1)
        if isinstance(expr, cst.List | cst.Tuple | cst.Set | cst.Dict):
            # (a dict literal's entries are its values: ``for name, cls in {"a": EngineA, "b": EngineB}.items()``)
            elements = [el for el in expr.elements[:16] if isinstance(el, cst.Element | cst.DictElement)]
            found = [self.value(el.value, scope) for el in elements]
            kept = [v for v in found if isinstance(v, _INTERESTING)]
            if kept and len(kept) == len(found) and all(isinstance(v, Class) for v in kept):
                # ``for cls in [ChatAgent, CodeAgent]``: a class picked among several, their nearest common base
                keys = list(dict.fromkeys(v.key for v in kept))  # type: ignore[union-attr]
                common = self.common_base(keys) if len(keys) > 1 else keys[0]
                return Class(common) if common is not None else kept[0]
            return self.merge(kept) if kept and len(kept) == len(found) else None
        if isinstance(expr, cst.Name):
            bindings = list(self.bindings_of(expr.value, scope) or ())[:8]
            if len(bindings) == 1 and bindings[0][0] == "expr" and bindings[0][2] is not None:
                found = self.element_of(bindings[0][1], bindings[0][2], depth + 1)
                if found is not None:
                    return found
            return self.declared_item(expr, scope)
        if isinstance(expr, cst.Attribute):
            base = self.value(expr.value, scope)
            if isinstance(base, Module):  # ``for cls in registry.ALL``: the list a module of the tree binds once
                mod = self.project.module(base.name)
                bindings = mod.scope.bindings.get(expr.attr.value, []) if mod is not None else []
                if len(bindings) == 1 and bindings[0][0] == "expr" and bindings[0][2] is not None:
                    return self.element_of(bindings[0][1], bindings[0][2], depth + 1)
            if isinstance(base, Instance | Class):  # ``self.pool[k]``, or ``cls.pool[k]`` in a classmethod
                stored: list[Value] = []
                owner = base.cls if isinstance(base, Instance) else base.key
                for key in [owner, *self.bases_of(owner)][:10]:
                    cls = self.scopes.get(key)
                    if cls is None:
                        continue
                    for b in cls.self_items.get(expr.attr.value, [])[:16]:
                        stored.append(self.binding_value(b))
                    for b in cls.self_attrs.get(expr.attr.value, [])[:8]:
                        if b[0] == "expr" and isinstance(b[1], cst.Name | cst.List | cst.Tuple) and b[2] is not None:
                            stored.append(self.element_of(b[1], b[2], depth + 1))  # self.agents = agents
                    for b in cls.bindings.get(expr.attr.value, [])[:1]:
                        # a registry the class body declares (``_engines = {"a": EngineA, "b": EngineB}``) and a
                        # factory method walks (``for name, cls in Factory._engines.items()``)
                        if b[0] == "expr" and isinstance(b[1], cst.Dict | cst.List | cst.Tuple) and b[2] is not None:
                            stored.append(self.element_of(b[1], b[2], depth + 1))
                kept = [v for v in stored if isinstance(v, _INTERESTING)]
                if kept:
                    return self.merge(kept)
            return self.declared_item(expr, scope)
        return None

    def unpacked_value(self, call: cst.Call, scope: Scope, index: int) -> Value:
        """Element ``index`` of the tuple a project function returns (``send, send_async = make_senders(cfg)`` with
        ``return (_send, _send_async)``): only objects worth following (functions, clients, instances)."""
        callee = self.resolve_call(call, scope).callee
        fn = self.scopes.get(callee.key) if isinstance(callee, Function) else None
        if fn is None:
            return None
        values = [
            self.value(r.elements[index].value, fn)
            for r in fn.returns
            if isinstance(r, cst.Tuple)
            and len(r.elements) > index
            and not isinstance(r.elements[index], cst.StarredElement)
        ]
        interesting = [v for v in values if isinstance(v, _INTERESTING)]
        if not interesting and values and len(values) == len(fn.returns):
            # ``prompt, user_msg = self._build_prompt(state)`` with ``return prompt, user_msg``: the text the builder
            # hands back in that place, where every return is a tuple giving text there
            texts = [v for v in values if isinstance(v, Text) or (isinstance(v, Const) and isinstance(v.value, str))]
            if len(texts) == len(values) and all(t == texts[0] for t in texts) and _worded(texts[0]):
                return texts[0]  # (a prompt's words: not a URL or a name split out of one, ``return base, f"/{path}"``)
        return self.merge(interesting) if interesting else None

    def param_value(self, param: cst.Param, scope: Scope) -> Value:
        cls = scope.enclosing_class()
        if cls is not None and scope.params and scope.params[0] is param:
            names = {dotted(d) for d in scope.decorators}
            receiver = self._receiver if self._receiver is not None and self.derives(self._receiver, cls.key) else None
            if "staticmethod" in names:
                pass
            elif "classmethod" in names:
                return Class(receiver or cls.key)
            else:
                return Instance(receiver or cls.key)
        if cls is None and param.annotation is None and param.name.value == "self" and param.default is None:
            split = self.split_method_self(param, scope)
            if split is not None:
                return split
        typed: Value = None
        if param.annotation is not None:
            typed = self.instance_of(param.annotation.annotation, scope)
            if isinstance(typed, Client) and typed.kind == "chain" and typed.prompt_key is None and not param.star:
                # ``def __init__(self, chain: MapReduceDocumentsChain)`` filled by ``cls(chain=chain)`` in a factory:
                # the chain built there, with its prompt
                passed = self.passed_client(param, scope)
                if passed is not None and passed.kind == "chain":
                    return passed
            if typed is not None:
                return typed
        if param.default is not None:
            default = self.value(param.default, scope)
            if isinstance(default, _INTERESTING):
                return default
        if param.star == "" and (param.default is None or _none_literal(param.default)):
            # untyped, or typed with a class the analysis cannot follow (``summary_model: Runnable``), or defaulting
            # to ``None`` (``llm: Any = None``: the callers hand the model): whatever client the tree's own calls pass
            return self.passed_client(param, scope)
        return None

    def split_method_self(self, param: cst.Param, scope: Scope) -> Instance | None:
        """The untyped first parameter ``self`` of a module-level function: a method moved out of its class into a
        module of its own (``async def run_stage(self, problem)`` in ``stages/``, called as ``run_stage(self,
        problem)`` from the class's methods, or from another such function handing on its own ``self``). The object is
        an instance of the class whose methods make those calls (their nearest common base when several do); None
        when no call in the loaded modules hands it ``self``."""
        if id(param) in self._split_selves:
            return self._split_selves[id(param)]
        self._split_selves[id(param)] = None  # while computing (a caller's own value may lead back here)
        fn = scope if scope.kind == "function" else scope.enclosing_function()
        if fn is None or fn.parent is None or fn.parent.kind != "module" or not fn.params or fn.params[0] is not param:
            return None
        self._index_calls()
        owners: list[str] = []
        for info in self._calls_by_name.get(fn.name, ())[:64]:
            args = info.node.args
            if not args or args[0].star or args[0].keyword is not None or not isinstance(args[0].value, cst.Name):
                continue
            caller = info.scope.enclosing_function()
            if caller is None or caller.parent is None or not caller.params:
                continue
            if args[0].value.value != caller.params[0].name.value:
                continue  # it hands the function something else than the calling method's own object
            cls = caller.enclosing_class()
            if cls is not None and caller.parent is not cls:
                continue
            if cls is None and caller.parent.kind == "module" and caller.params[0].name.value == "self":
                # ``run_fix(self, problem)`` called from another split-out stage with the ``self`` it was handed
                handed = self.split_method_self(caller.params[0], caller)
                cls = self.scopes.get(handed.cls) if handed is not None else None
            if cls is None:
                continue
            callee = self.value(info.node.func, info.scope)
            if isinstance(callee, Function) and callee.key == fn.key:
                owners.append(cls.key)
        keys = list(dict.fromkeys(owners))
        common = self.common_base(keys) if len(keys) > 1 else (keys[0] if keys else None)
        self._split_selves[id(param)] = Instance(common) if common is not None else None
        return self._split_selves[id(param)]

    def passed_client(self, param: cst.Param, scope: Scope) -> Client | None:
        """An untyped parameter that the module's own calls of the function fill with an HTTP session / connection
        (``session`` handed from ``arequest`` to ``self.arequest_raw(method, url, session)``): that client, whose
        ``request``/``post`` is then judged by its URL and body like any raw HTTP call. An untyped ``__init__``
        parameter takes any client the module's constructions of the class pass (``return cls(llm)`` in a factory
        classmethod, ``Provider(ChatOpenAI(...))``). One client kind, else None."""
        if id(param) in self._passed:
            return self._passed[id(param)]
        self._passed[id(param)] = None  # while computing (recursion through the callers' own parameters)
        fn = scope if scope.kind == "function" else scope.enclosing_function()
        if fn is None or fn.name == "<lambda>":
            return None
        names = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        if param.name.value not in names:
            return None
        index = names.index(param.name.value)
        owner = fn.enclosing_class() if fn.name == "__init__" else None
        found: list[Client] = []
        full: Scope | None = None  # a scope read past the cap: the rest of its calls skipped
        for other, info in self._module_calls_of(fn, owner):
            if other is full:
                continue
            given = arg(info.node, param.name.value, index)
            v = self.value(given, info.scope) if given is not None else None
            # (a whole chat model handed to a helper of the module, ``self._invoke(self._model_for(name), p)``,
            # LangChain's or LlamaIndex's (``self._assert_code(expect, self.llm)``), too: never an SDK method,
            # the higher-order helpers' business)
            if isinstance(v, Client) and (
                owner is not None
                or v.kind in ("http", "http-client")
                or (v.kind in ("chat-model", "llamaindex") and not v.path)
            ):
                found.append(v)
            if len(found) > 8:
                full = other
        if not found and fn.enclosing_class() is None and fn.parent is not None and fn.parent.kind == "module":
            found = self._imported_passes(fn, param.name.value, index)
        elif not found and owner is not None and owner.parent is not None and owner.parent.kind == "module":
            found = self._imported_passes(fn, param.name.value, index, owner)
        kinds = {(c.family, c.kind, c.path) for c in found}
        self._passed[id(param)] = found[0] if len(kinds) == 1 else None
        return self._passed[id(param)]

    def _module_calls_of(self, fn: Scope, owner: Scope | None = None) -> Iterator[tuple[Scope, Any]]:
        """(scope, call) for each call the module of ``fn`` makes of it, ``*`` / ``**`` unpacking calls left out: a
        method's ``self.step(...)``, ``cls.step(...)`` or ``Own.step(...)`` (a static method called on its own class by
        name: ``Generator._assert_code(expect, chunks, self.llm)``), a module function's ``step(...)``, and, with
        ``owner`` (``fn`` being its ``__init__``), the constructions ``Owner(...)`` / ``cls(...)`` that build it."""
        cls = fn.enclosing_class()
        own = ("self", "cls", cls.name) if cls is not None else ()
        for other in fn.module.scopes:
            for info in other.calls:
                f = info.node.func
                if isinstance(f, cst.Attribute):
                    receiver = f.value.value if isinstance(f.value, cst.Name) else ""
                    if f.attr.value != fn.name or receiver not in own:
                        continue
                elif owner is not None and isinstance(f, cst.Name) and f.value in (owner.name, "cls"):
                    if not self._builds(self.value(f, info.scope), owner.key, fn.key):
                        continue
                elif not (isinstance(f, cst.Name) and f.value == fn.name and cls is None):
                    continue
                if any(a.star for a in info.node.args):
                    continue
                yield other, info

    def _imported_passes(self, fn: Scope, name: str, index: int, owner: Scope | None = None) -> list[Client]:
        """The clients other loaded modules pass for parameter ``name`` of the module-level function ``fn`` when they
        call it by import (``coder = Coder.create(...)`` in a launcher, then ``run_stage(idea, coder)`` of a stage
        module that calls ``coder.run(prompt)``), or of the ``__init__`` of the module-level class ``owner`` when
        they construct it (``Summaries(summary_model=retrying_llm)`` in an entry module): a framework's own agent
        object, or a whole client object, never an SDK method (those are the higher-order helpers' business)."""
        self._index_calls()
        found: list[Client] = []
        for info in self._calls_by_name.get(owner.name if owner is not None else fn.name, ())[:64]:
            if info.scope.module is fn.module or any(a.star for a in info.node.args):
                continue
            callee = self.value(info.node.func, info.scope)
            if owner is not None:
                if not isinstance(callee, Class) or callee.key != owner.key:
                    continue
            elif not isinstance(callee, Function) or callee.key != fn.key:
                continue
            given = arg(info.node, name, index)
            v = self.value(given, info.scope) if given is not None else None
            if isinstance(v, Client) and (v.kind in clients.FRAMEWORK_WRAPPER_KINDS or not v.path):
                found.append(v)
            if len(found) > 8:
                break
        return found

    def _index_calls(self) -> None:
        """Index the calls of the modules loaded since the last look by the name they call (``_calls_by_name``)."""
        new = list(itertools.islice(self.project.modules.values(), self._calls_read, None))
        self._calls_read += len(new)
        for mod in new:
            if mod.name in self._calls_indexed:
                continue
            self._calls_indexed.add(mod.name)
            for other in mod.scopes:
                for info in other.calls:
                    called = called_name(info.node.func)
                    if called:
                        self._calls_by_name.setdefault(called, []).append(info)

    def filled_table(self, expr: cst.BaseExpression, base: Value, scope: Scope) -> Value:
        """``_BACKENDS[kind]`` / ``_BACKENDS.get(kind)`` on a module-level table the code binds as a dict literal
        (often empty: ``_BACKENDS = {}``) and fills through a registration function (``setter_entries``): the table
        with those entries too, so a key the run picks reaches every registered object. ``base`` otherwise."""
        if not isinstance(expr, cst.Name) or not isinstance(base, Const) or not isinstance(base.value, dict):
            return base
        extra = {
            **(self.module_item_entries(expr.value, scope) or {}),
            **(self.setter_entries(expr.value, scope) or {}),
        }
        if not extra:
            return base
        merged = dict(base.value)
        for k, v in extra.items():
            merged.setdefault(k, v)
        return Const(merged)

    def module_item_entries(self, name: str, scope: Scope, depth: int = 0) -> dict[Any, Any] | None:
        """The entries the module-level code of the table's own module writes into the module-level table ``name``
        (``PROMPTS = {}`` then ``PROMPTS["answer"] = \"\"\"...\"\"\"``) under a literal key, the table reached through
        an import too. Values stay unevaluated (as in a dict literal); None when there are none."""
        bindings = self.bindings_of(name, scope) or ()
        if depth < 4 and len(bindings) == 1 and bindings[0][0] == "import" and len(bindings[0]) > 2:
            mod, rest = self.project.split(self.project.importable(bindings[0][1], bindings[0][2]))
            if mod is None or len(rest) != 1 or mod is scope.module:
                return None
            return self.module_item_entries(rest[0], mod.scope, depth + 1)
        owner = _module_dict_scope(bindings)
        if owner is None:
            return None
        entries: dict[Any, Any] = {}
        for target, written in owner.item_writes.get(name, ())[:500]:
            if not (isinstance(target, cst.Subscript) and _is_name(target.value, name) and len(target.slice) == 1):
                continue
            index = target.slice[0].slice
            key = index.value if isinstance(index, cst.Index) else None
            label = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            if isinstance(label, str):
                entries[label] = _Lazy(written, owner)
        return entries or None

    def setter_entries(self, name: str, scope: Scope) -> dict[Any, Any] | None:
        """The entries of the module-level table ``name`` written by a module-level function of its module that stores
        one of its parameters into it (``def add_backend(kind, backend): _BACKENDS[kind] = backend``), as the
        calls of that function pass them, in the table's module or in a module importing it
        (``add_backend("hosted", HostedChat())``): keyed by the key argument where it is a constant, else by position.
        Values stay unevaluated (as in a dict literal). None when no such function or call."""
        bindings = self.bindings_of(name, scope) or ()
        owner = _module_dict_scope(bindings)
        if owner is None:
            return None
        cache_key = (owner.module.name, name)
        if cache_key in self._setter_tables:
            return self._setter_tables[cache_key]
        self._setter_tables[cache_key] = None  # while computing (an entry reading the table again)
        setters: list[tuple[Scope, str, int, str | None, int | None]] = []
        for fn in owner.module.scopes[:2000]:
            if fn.kind != "function" or fn.parent is not owner or (name in fn.bindings and name not in fn.globals_):
                continue
            params = [p.name.value for p in fn.params]
            for target, written in fn.item_writes.get(name, ())[:8]:
                if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)):
                    continue
                if target.value.value != name or not isinstance(written, cst.Name) or written.value not in params:
                    continue
                index = target.slice[0].slice if len(target.slice) == 1 else None
                key = index.value if isinstance(index, cst.Index) else None
                kname = key.value if isinstance(key, cst.Name) and key.value in params else None
                kpos = params.index(kname) if kname is not None else None
                setters.append((fn, written.value, params.index(written.value), kname, kpos))
        if not setters:
            return None
        self._index_calls()
        entries: dict[Any, Any] = {}
        for fn, vname, vpos, kname, kpos in setters[:4]:
            for info in self._calls_by_name.get(fn.name, ())[:64]:
                if any(a.star for a in info.node.args):
                    continue
                callee = self.value(info.node.func, info.scope)
                if not isinstance(callee, Function) or callee.key != fn.key:
                    continue
                given = arg(info.node, vname, vpos)
                if given is None:
                    continue
                key_expr = arg(info.node, kname, kpos) if kname is not None else None
                k = self.value(key_expr, info.scope) if key_expr is not None else None
                label = k.value if isinstance(k, Const) and isinstance(k.value, str | int) else f"#{len(entries)}"
                entries.setdefault(label, _Lazy(given, info.scope))
                if len(entries) >= 50:
                    break
        self._setter_tables[cache_key] = entries or None
        return entries or None

    def passed_strings(self, expr: cst.BaseExpression, scope: Scope) -> list[str]:
        """The string constants the module's own calls of the enclosing function pass for the parameter ``expr``
        names (``_try(models, "response", kw)`` and ``_try(models, "aresponse", kw)`` for ``method_name``), first
        seen first; empty when ``expr`` is no parameter. A closure reading its enclosing function's parameter
        (``def run(): getattr(self, hook_name)`` inside ``_guarded(self, hook_name, ...)``) reads what that function
        is passed."""
        fn = _param_owner(expr, scope) if isinstance(expr, cst.Name) else None
        if fn is None or fn.name == "<lambda>":
            return []
        names = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        if expr.value not in names or any(b[0] != "param" for b in fn.bindings.get(expr.value, ())):
            return []
        index = names.index(expr.value)
        found: list[str] = []
        for other in fn.module.scopes:
            for info in other.calls:
                f = info.node.func
                if isinstance(f, cst.Attribute):
                    if f.attr.value != fn.name or not (
                        isinstance(f.value, cst.Name) and f.value.value in ("self", "cls")
                    ):
                        continue
                elif not (isinstance(f, cst.Name) and f.value == fn.name and fn.enclosing_class() is None):
                    continue
                if _star_before(info.node, index):
                    continue  # ``f(*args)``: the position is unknown (a star after it moves nothing)
                text = self.static_str(arg(info.node, expr.value, index), info.scope)
                if text and text not in found:
                    found.append(text)
                if len(found) >= 8:
                    return found
        return found

    def _builds(self, built: Value, cls_key: str, init_key: str) -> bool:
        """``built`` is a class whose construction runs the ``__init__`` ``init_key`` of ``cls_key`` (the class
        itself, or a subclass that inherits that ``__init__``: ``cls`` in a factory classmethod)."""
        if not isinstance(built, Class):
            return False
        return built.key == cls_key or (
            self.derives(built.key, cls_key) and self.member(built.key, "__init__", True) == Function(init_key)
        )

    def public_names(self, cls_key: str) -> list[str]:
        """The qualified names a top-level class of the tree is imported by: its module's and those of the packages
        that re-export the module (``pydantic_ai.agent:Agent`` -> ``pydantic_ai.agent.Agent``, ``pydantic_ai.Agent``)."""
        if self._public_modules is None:
            self._public_modules = {}
            for public, real in self.project.aliases.items():
                self._public_modules.setdefault(real, []).append(public)
        mod, _, qual = cls_key.partition(":")
        if not qual or "." in qual:
            return []
        names = [mod, *self._public_modules.get(mod, ())]
        out = [f"{name}.{qual}" for name in names]
        for name in names[1:] or names:  # ``from .run import Runner`` in the package: ``agents.Runner`` too
            parts = name.split(".")
            for i in range(len(parts) - 1, 0, -1):
                package = self.project.module(".".join(parts[:i]))
                bound = package.scope.bindings.get(qual) if package is not None else None
                if not bound or bound[0][0] != "import" or not str(bound[0][1]).endswith(f".{qual}"):
                    break
                out.append(f"{'.'.join(parts[:i])}.{qual}")
        return list(dict.fromkeys(out))

    def own_framework_entry(self, cls_key: str, depth: int = 0) -> clients.ClientKind | None:
        """The framework entry class of the catalog (``pydantic_ai.Agent``, ``smolagents.CodeAgent``) that a class of
        the tree is, or derives from, under the name its users import it by: the tree is that framework's own
        repository (its examples import the package from the tree). None for every other class."""
        if cls_key in self._own_frameworks:
            return self._own_frameworks[cls_key]
        self._own_frameworks[cls_key] = None  # cycles
        found = None
        for public in self.public_names(cls_key):
            # a class built (``Agent(...)``), or one whose class methods run what they are handed (``Runner.run``)
            kind = clients.CONSTRUCTORS.get(public) or clients.MODULE_CLIENTS.get(public)
            if kind is not None and kind.kind in clients.FRAMEWORK_WRAPPER_KINDS:
                found = kind
                break
        if found is None and depth < 4:
            found = next(
                (k for b in self.bases_of(cls_key) if (k := self.own_framework_entry(b, depth + 1)) is not None), None
            )
        self._own_frameworks[cls_key] = found
        return found

    def instance_of(self, annotation: cst.BaseExpression, scope: Scope) -> Value:
        """The value of an object whose type is ``annotation`` (``OpenAI``, ``Optional[Agent]``, ``"Agent"``)."""
        if isinstance(annotation, cst.SimpleString):
            try:
                annotation = cst.parse_expression(str(annotation.evaluated_value))
            except Exception:
                return None
        if isinstance(annotation, cst.Subscript) and (dotted(annotation.value) or "").rpartition(".")[2] == "Callable":
            # ``make_agent: Callable[[], Awaitable[Agent]]``: a factory; calling it gives an ``Agent``, as calling the
            # class does (the class stands for the factory; a return type of no class of the tree gives nothing).
            # Only a callable that takes nothing (``[]`` or ``...``) is a factory: one fed an input
            # (``Callable[[list[Message]], Message]``, ``Callable[[int], Task]``) is a step or a producer whose own
            # body (an LLM invoker, a generator handed in) matters, not just the class of its result
            parts = [el.slice for el in annotation.slice]
            if len(parts) != 2 or not isinstance(parts[1], cst.Index) or not isinstance(parts[0], cst.Index):
                return None
            takes = parts[0].value
            if not (isinstance(takes, cst.Ellipsis) or (isinstance(takes, cst.List) and not takes.elements)):
                return None
            made = self.instance_of(parts[1].value, scope)
            return Class(made.cls) if isinstance(made, Instance) and made.cls in self.scopes else None
        if isinstance(annotation, cst.Subscript):  # Optional[X] / Annotated[X, ...]
            generic = self.value(annotation.value, scope)
            if isinstance(generic, Class):
                # ``Provider[AsyncGroq]`` where ``Provider`` is a class of the tree: an instance of that generic class
                # (parameterised by the client it hands out), not of its type argument; typing wrappers and builtin
                # containers never resolve to a class of the tree and keep naming their first argument
                return Instance(generic.key)
            first = annotation.slice[0].slice if annotation.slice else None
            return self.instance_of(first.value, scope) if isinstance(first, cst.Index) else None
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            left = self.instance_of(annotation.left, scope)
            if isinstance(left, Client) and left.kind == "chain" and not left.agent:
                # ``agent: LLMChain | AgentExecutor``: a run of it may be the agent's loop over its tools
                right = self.instance_of(annotation.right, scope)
                if isinstance(right, Client) and right.kind == "chain" and right.agent:
                    return replace(left, agent=True)
            return left or self.instance_of(annotation.right, scope)
        tp = self.value(annotation, scope)
        if isinstance(tp, Class):
            return Instance(tp.key)
        if isinstance(tp, Ref):
            built = self.construct(tp.qname, None, scope)
            chain_class = clients.langchain_chain_builder(tp.qname) and tp.qname.rpartition(".")[2][:1].isupper()
            if built is None and chain_class:
                # ``chain: MapReduceDocumentsChain`` (a field or parameter typed as a LangChain chain class): a chain
                # over a model, whatever model its builder was handed
                return Client("langchain", "chain", agent=clients.langchain_agent_loop(tp.qname))
            return built
        return None

    def resolve_qname(self, qname: str) -> Value:
        mod, rest = self.project.split(qname)
        if mod is None:
            return Ref(qname)
        if not rest:
            shadow = self.package_binding(qname)
            return shadow if shadow is not None else Module(mod.name)
        bindings = self.module_bindings(mod, rest[0])
        if qname in self._resolving:  # import cycle (a re-exports b's name, b re-exports a's): no value
            return None
        self._resolving.add(qname)
        try:
            value: Value = self.bindings_value(bindings) if bindings else None
            if value is None and bindings:
                value = self.declared_value(rest[0], bindings)
        finally:
            self._resolving.discard(qname)
        if value is None and not bindings:
            return None
        for attr in rest[1:]:
            value = self.attribute(value, attr)
        return value

    def package_binding(self, qname: str) -> Value:
        """``from pkg import name`` where ``pkg/__init__.py`` rebinds ``name`` (``from .manager import manager``: the
        object, not the submodule ``pkg.manager``): Python reads the package's attribute, so the binding wins over the
        submodule of the same name; a star import in the package (``from .llm import *`` bringing in the function
        ``llm``) binds it too. None when the package does not bind the name, or binds the submodule itself."""
        parent, _, last = qname.rpartition(".")
        if not parent or qname in self._shadowing:
            return None
        pkg = self.project.module(parent)
        bindings = pkg.scope.bindings.get(last) if pkg is not None and pkg.is_package else None
        if not bindings and pkg is not None and pkg.is_package:
            # ``from .llm import *`` in the package binds the submodule's function ``llm`` over the submodule itself
            bindings = self.module_bindings(pkg, last, star_only=True)
        if not bindings or any(b[0] == "import" and self.project.importable(b[1], pkg) == qname for b in bindings):
            return None
        self._shadowing.add(qname)
        try:
            value = self.bindings_value(bindings)
        finally:
            self._shadowing.discard(qname)
        return value if isinstance(value, _INTERESTING) and not isinstance(value, Module) else None

    # ---- expressions ---------------------------------------------------------------------------------------------
    def value(self, expr: cst.CSTNode | None, scope: Scope) -> Value:
        if expr is None:
            return None
        key = id(expr)
        if key in self.memo:
            return self.memo[key][1]
        if key in self.busy:
            return None
        self.busy.add(key)
        try:
            result = self._value(expr, scope)
        except RecursionError:
            result = None
        finally:
            self.busy.discard(key)
        self.memo[key] = (expr, result)
        return result

    def _value(self, expr: cst.CSTNode, scope: Scope) -> Value:
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[expr.value])
            bindings = self.bindings_of(expr.value, scope)
            found = self.bindings_value(bindings) if bindings is not None else self.injected_global(expr.value, scope)
            return found if found is not None else self.reaching_text(expr, scope)
        if isinstance(expr, cst.Attribute):
            kept = self.session_value(expr, scope)
            if kept is not None:
                return kept
            if _is_super(expr.value) and self.lookup("super", scope) is None:
                inherited = self.super_attr(scope, expr.attr.value)
                if inherited is not None:
                    return inherited
            base = self.value(expr.value, scope)
            if self._bound is not None and isinstance(base, Instance):
                earlier = self._set_before(expr, scope)
                if earlier is not None:
                    return earlier
            if isinstance(base, Instance):
                held = self.construction_member(expr, base, scope)
                if isinstance(held, Text) or (isinstance(held, Const) and isinstance(held.value, str)):
                    return held  # the text one construction of the object passed (not its class's generic member)
                if held is None and (sole := self.sole_construction_text(expr, scope)) is not None:
                    return sole  # ``self.template`` of a class the tree builds once: the prompt its construction passed
                if isinstance(held, Client) and held.kind == "prompt":
                    return held
            found = self.attribute(base, expr.attr.value)
            if found is None and isinstance(expr.value, cst.Name):
                found = self.global_attr(expr.value.value, expr.attr.value, scope)
            if found is None and base is None and isinstance(expr.value, cst.Name):
                found = self.cli_default(expr.value.value, expr.attr.value, scope)
            if found is None and isinstance(base, Instance):
                found = self.registry_attr(base, expr.attr.value)
            if found is None and isinstance(base, Instance):
                found = self.state_text(base.cls, expr.attr.value)
            if (found is None or isinstance(found, Ref)) and isinstance(expr.value, cst.Attribute):
                # ``get_settings().review_prompt.system``: an entry of a settings table the tree's TOML files hold
                table = self.value(expr.value.value, scope)
                if not isinstance(table, Const | Text | Instance | Class | Function):
                    found = templates.settings_entry(self, expr.value.attr.value, expr.attr.value) or found
            return found
        if isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Name) and expr.func.value == "super" and self.lookup("super", scope) is None:
                return self.super_value(scope)
            if isinstance(expr.func, cst.Name) and expr.func.value == "getattr" and len(expr.args) >= 2:
                member = self.module_getattr(expr, scope) if self.lookup("getattr", scope) is None else None
                if member is not None:
                    return member
            result = self.call_value(expr, scope)
            if (
                result is None
                and isinstance(expr.func, cst.Name)
                and expr.func.value == "dict"
                and len(expr.args) == 1
                and not expr.args[0].keyword
                and not expr.args[0].star
                and self.lookup("dict", scope) is None
            ):  # ``dict(agent.responders())`` over (key, bound method) pairs: a dispatch table
                result = self.pair_table(expr.args[0].value, scope)
            if (
                result is None
                and isinstance(expr.func, cst.Name)
                and expr.func.value == "next"
                and expr.args
                and self.lookup("next", scope) is None
            ):
                result = self.element_of(expr.args[0].value, scope)  # ``agent = next(it)``: an entry of ``it``
            if result is None:
                result = self.settings_get(expr, scope)
            if result is None and isinstance(expr.func, cst.Attribute | cst.Name):
                text = self.text_call(expr, scope)  # "...".format(...), open(p).read(), template.render(...)
                if text is not None:
                    return Const(text.static()) if text.is_static() and text.origin != "template-file" else text
            return result
        if isinstance(expr, cst.Await):
            return self.value(expr.expression, scope)
        if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            text = self.text(expr, scope)
            return Const(text.static()) if text.is_static() else text
        if isinstance(expr, cst.Integer | cst.Float):
            try:
                return Const(ast.literal_eval(expr.value))
            except (ValueError, SyntaxError):
                return None
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self.value(expr.expression, scope)
            return Const(-inner.value) if isinstance(inner, Const) and isinstance(inner.value, int | float) else None
        if isinstance(expr, cst.List | cst.Tuple | cst.Set):
            items = []
            for el in expr.elements:
                v = self.value(el.value, scope) if isinstance(el, cst.Element) else None
                if not isinstance(v, Const):
                    return None
                items.append(v.value)
            return Const(tuple(items))
        if isinstance(expr, cst.Dict):
            out = {}
            for el in expr.elements:
                if not isinstance(el, cst.DictElement):
                    return None
                k = self.value(el.key, scope)
                if not isinstance(k, Const):
                    return None
                out[k.value] = _Lazy(el.value, scope)
            return Const(out)
        if isinstance(expr, cst.DictComp):
            # ``{key: Client(api_key=key) for key in keys}``: a table of clients, one per key; an entry looked up
            # by a key the run picks (``self.clients[key]``) is any of them
            built = self.value(expr.value, scope)
            return Const({_ANY_KEY: _Lazy(expr.value, scope)}) if isinstance(built, _INTERESTING) else None
        if isinstance(expr, cst.BinaryOperation):
            return self.binary(expr, scope)
        if self._callers_side and (given := _param_side(expr, scope)) is not None:
            return self.value(given, scope)  # ``system or DEFAULT``: what the caller gives (as_callers_prompt)
        if isinstance(expr, cst.BooleanOperation):
            left, right = self.value(expr.left, scope), self.value(expr.right, scope)
            for v in (left, right):
                if isinstance(v, _INTERESTING):
                    return v
            return left if left is not None else right
        if isinstance(expr, cst.IfExp):
            body, orelse = self.value(expr.body, scope), self.value(expr.orelse, scope)
            if isinstance(body, Instance) and isinstance(orelse, Instance) and body.cls != orelse.cls:
                return self.merge([body, orelse])  # ``A() if x else B()``: either one, so their common base
            for v in (body, orelse):
                if isinstance(v, _INTERESTING):
                    return v
            return body if body is not None else orelse
        if isinstance(expr, cst.Subscript):
            return self.subscript(expr, scope)
        if isinstance(expr, cst.Lambda):
            return self.function_for(expr, scope)
        if isinstance(expr, cst.NamedExpr):
            return self.value(expr.value, scope)
        return None

    def global_attr(self, name: str, attr: str, scope: Scope) -> Value:
        """``_state.session`` where the module-level ``_state`` (``threading.local()``, a namespace) gets the attribute
        assigned in a function (``_state.session = make_session()``): what is assigned there, when it is a client."""
        bindings = self.bindings_of(name, scope)
        if not bindings or not all(b[0] == "expr" and b[2].kind == "module" for b in bindings):
            return None
        found = scope.module.scope.obj_attrs.get(f"{name}.{attr}")
        if not found:
            return None
        value = self.bindings_value(found)
        return value if isinstance(value, Client) else None

    def super_value(self, scope: Scope) -> Value:
        """``super()`` in a method: the first base class of the tree (its methods are what the call reaches)."""
        cls = class_of(scope)
        if cls is None:
            return None
        for b in self.bases_of(cls.key):
            return Instance(b)
        following = self._mixin_followers(cls.key)  # a mixin: what follows it in the bases of the classes mixing it in
        if following:
            return self.merge([Instance(k) for k in following])
        # ``class Tidy(OpenAI)`` over a framework's model class: ``super()._chat(...)`` runs the framework's own hook
        return self.sdk_base(cls.key) or self.host_sdk(cls.key)

    def super_attr(self, scope: Scope, attr: str) -> Value:
        """``super().<attr>`` in a method of a class deriving from a framework's model class, perhaps through mixins
        of the tree (``class Patched(Mixin, OpenAI)``): the nearest definition in the tree's bases, else the
        framework class's own member (``super()._stream_chat``: its hook). None when no SDK class is a base (the
        general reading of ``super()`` then applies)."""
        cls = class_of(scope)
        if cls is None:
            return None
        sdk = self.sdk_base(cls.key)
        if sdk is None:
            return None
        for b in self.bases_of(cls.key):
            found = self.member(b, attr, True, depth=1)
            if found is not None:
                return found
        return sdk.member(attr)

    def function_for(self, node: cst.CSTNode, scope: Scope) -> Value:
        for s in scope.module.scopes:
            if s.node is node:
                return Function(s.key)
        return None

    def binary(self, expr: cst.BinaryOperation, scope: Scope) -> Value:
        if isinstance(expr.operator, cst.BitOr):  # LangChain: prompt | llm | parser
            left, right = self.value(expr.left, scope), self.value(expr.right, scope)
            llm = next((v for v in (left, right) if isinstance(v, Client) and v.kind in ("chat-model", "chain")), None)
            prompt = next((v for v in (left, right) if isinstance(v, Client) and v.kind == "prompt"), None)
            if llm is None:  # ``RunnableMap(inputs) | prompt``: inputs fed into the prompt, which stays the prompt
                return (
                    prompt
                    if prompt is not None and not any(isinstance(v, Client) and v is not prompt for v in (left, right))
                    else None
                )
            return Client(
                "langchain",
                "chain",
                (),
                llm.model,
                llm.is_async,
                llm.options,
                llm.schema,
                llm.tools,
                prompt.prompt_key if prompt is not None else llm.prompt_key,
            )
        if isinstance(expr.operator, cst.Add | cst.Modulo):
            text = self.text(expr, scope)
            return Const(text.static()) if text.is_static() else text
        if isinstance(expr.operator, cst.Multiply):
            repeated = self._text(expr, scope)  # ``(f"..." "=") * 40``: the text, read once; None for numbers
            if repeated is not None:
                return Const(repeated.static()) if repeated.is_static() else repeated
        return None

    def session_value(self, expr: cst.Attribute | cst.Subscript, scope: Scope) -> Value:
        """What the module keeps in a UI session store under that key (``st.session_state.agent = make_agent()``, read
        back as ``st.session_state.agent.run(q)`` on a later rerun): an agent, client or function written there."""
        slot = session_slot(expr)
        if slot is None:
            return None
        kept = scope.module.scope.obj_attrs.get(slot)
        value = self.bindings_value(kept) if kept else None
        return value if isinstance(value, _INTERESTING) else None

    def subscript(self, expr: cst.Subscript, scope: Scope) -> Value:
        kept = self.session_value(expr, scope)
        if kept is not None:
            return kept
        found = self._subscript(expr, scope)
        if found is None:
            found = self.declared_item(expr.value, scope)
        if found is None and isinstance(expr.value, cst.Attribute) and len(expr.slice) == 1:
            # ``self.cache[kind]`` on a dict the object fills by item with functions (``self.cache[kind] =
            # getattr(mod, "send")``): a cache of callables; or a pool of model clients (``cls.engines[path] =
            # Llama(model_path=path)`` in a classmethod, fetched by key); other objects are left to their own rules
            entry = self.element_of(expr.value, scope)
            found = entry if isinstance(entry, Function | Partial | Client) else None
        if found is None:
            found = self._prompt_file_entry(expr, scope)
        if found is None:
            found = self.flattened_field(expr, scope)
        return found

    def flattened_field(self, expr: cst.Subscript, scope: Scope) -> Value:
        """``config["best_model_func"]`` on a parameter of a function, when a class of the tree hands its own fields
        on as a dict (``asdict(self)``, ``vars(self)``, ``self.__dict__`` in one of its methods) and declares that field:
        what the field holds on the object (its default, or what its methods set), a function or client only. The
        parameter is the object's configuration flattened, read back by field name (``use_llm_func =
        global_config["cheap_model_func"]``); one class declaring the field, else None."""
        holder = self._flattened_holder(expr, scope)
        if holder is None:
            return None
        value = self.member(holder[0], holder[1], True)
        return value if isinstance(value, Function | Partial | Client) else None

    def flattened_functions(self, expr: cst.Subscript, scope: Scope) -> list[str]:
        """Every function of the tree the field ``flattened_field`` reads may hold: each value its class body and its
        methods assign it (``self.best_model_func = make_bedrock_fn(model_id)``) and each one a construction of the
        class passes for it by keyword (``GraphStore(best_model_func=my_local_model)``), partials unwrapped."""
        holder = self._flattened_holder(expr, scope)
        if holder is None:
            return []
        cls_key, name = holder
        cls = self.scopes[cls_key]
        values = [self.binding_value(b) for b in [*cls.bindings.get(name, ()), *cls.self_attrs.get(name, ())][:16]]
        self._index_calls()
        for info in self._calls_by_name.get(cls.name, ())[:64]:
            given = next((a.value for a in info.node.args if a.keyword is not None and a.keyword.value == name), None)
            if given is None:
                continue
            made = self.value(info.node.func, info.scope)
            if isinstance(made, Class) and made.key == cls_key:
                values.append(self.value(given, info.scope))
        out: list[str] = []
        for v in values:
            for _ in range(4):
                v = v.inner if isinstance(v, Partial) else v
            if isinstance(v, Function) and v.key in self.scopes and v.key not in out:
                out.append(v.key)
        return out

    def _flattened_holder(self, expr: cst.Subscript, scope: Scope) -> tuple[str, str] | None:
        """(class, field) that ``param["field"]`` reads when the parameter is an object's fields flattened into a dict
        (``flattened_field``), else None."""
        if (
            not isinstance(expr.value, cst.Name)
            or len(expr.slice) != 1
            or not isinstance(expr.slice[0].slice, cst.Index)
        ):
            return None
        index = expr.slice[0].slice.value
        field_name = index.evaluated_value if isinstance(index, cst.SimpleString) else None
        if not isinstance(field_name, str) or not field_name.isidentifier():
            return None
        fn = scope if scope.kind == "function" else scope.enclosing_function()
        bound = (fn.bindings.get(expr.value.value) if fn is not None else None) or []
        if not bound or any(b[0] != "param" for b in bound):
            return None
        holders = [
            k
            for k in self._flattening_classes()
            if (cls := self.scopes.get(k)) is not None and (field_name in cls.bindings or field_name in cls.self_attrs)
        ]
        return (holders[0], field_name) if len(holders) == 1 else None

    def _flattening_classes(self) -> list[str]:
        """The classes of the loaded modules whose methods turn the object into a dict of its fields (``asdict(self)``,
        ``dataclasses.asdict(self)``, ``vars(self)``, ``self.__dict__`` handed to a call)."""
        new = list(itertools.islice(self.project.modules.values(), self._flat_read, None))
        self._flat_read += len(new)
        for mod in new:
            for s in mod.scopes:
                cls = s.enclosing_class() if s.kind == "function" else None
                if cls is None or not s.params or s.params[0].name.value != "self":
                    continue
                for info in s.calls:
                    if info.scope is not s:
                        continue
                    func = dotted(info.node.func) or ""
                    flat = (
                        func in _FLATTENING and len(info.node.args) == 1 and _is_name(info.node.args[0].value, "self")
                    )
                    flat = flat or any(
                        isinstance(a.value, cst.Attribute)
                        and a.value.attr.value == "__dict__"
                        and _is_name(a.value.value, "self")
                        for a in info.node.args
                    )
                    if flat and cls.key not in self._flatteners:
                        self._flatteners.append(cls.key)
        return self._flatteners

    def _prompt_file_entry(self, expr: cst.Subscript, scope: Scope) -> Value:
        """``preprompts["generate"]`` with a literal key on a table whose name says prompts or templates and whose
        entries the code cannot see (read from a folder at run time): the prompt file the key names."""
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        index = expr.slice[0].slice.value
        if not isinstance(index, cst.SimpleString | cst.Name | cst.Attribute):
            return None
        name = (dotted(expr.value) or "").rsplit(".", 1)[-1].lower()
        if "prompt" not in name and "template" not in name:
            return None
        # ``templates[names.PLANNING]``: a module constant holding the key
        key = index.evaluated_value if isinstance(index, cst.SimpleString) else self._constant_key(index, scope)
        return templates.keyed_prompt_file(self, key, scope.module.path) if isinstance(key, str) else None

    def _constant_key(self, index: cst.BaseExpression, scope: Scope) -> str | None:
        """The string a name or a dotted module constant used as a key holds (``names.PLANNING_MODULE`` bound once to
        ``"planning"``); None for anything else (a parameter, a call)."""
        if not isinstance(index, cst.Name | cst.Attribute):
            return None
        v = self.value(index, scope)
        return v.value if isinstance(v, Const) and isinstance(v.value, str) else None

    def attr_classes(self, expr: cst.Attribute, scope: Scope, subclasses: bool = False) -> list[str]:
        """The project classes whose instances an attribute of an object holds, over every assignment its class (and
        the classes it derives from) makes: ``self.grounder = SlowGrounder(...)`` in one branch of ``__init__`` and
        ``self.grounder = FastGrounder(...)`` in the other (no common base to dispatch on). In assignment order.
        ``subclasses``: for ``self.<attr>`` read in a method of its own class, also the assignments the classes
        deriving from it make (a base's step calling ``self.engine.run(...)`` where a subclass's ``__init__`` sets
        ``self.engine = LocalEngine(...)``: ``self`` may be that subclass)."""
        base = self.value(expr.value, scope)
        if not isinstance(base, Instance):
            return []
        out: list[str] = []
        lineage = [base.cls, *self.bases_of(base.cls)][:10]
        if subclasses and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            subs = [c for k in self.subclasses(base.cls) if (c := self.scopes.get(k)) is not None]
            lineage += [c.key for c in subs if not is_test_path(c.module.path)][:10]
        for key in lineage:
            cls = self.scopes.get(key)
            if cls is None:
                continue
            for b in cls.self_attrs.get(expr.attr.value, [])[:16]:
                if b[0] == "expr" and isinstance(b[1], cst.Call) and len(b) > 2 and b[2] is not None:
                    made = self.value(b[1].func, b[2])
                    if isinstance(made, Class) and made.key not in out:
                        out.append(made.key)
        return out

    def declared_item(self, expr: cst.CSTNode, scope: Scope) -> Value:
        """An entry of a container whose declared type names its entries: ``executors[kind]`` where ``executors`` is
        built by a factory annotated ``-> Dict[str, Executor]`` (or is a parameter or attribute so annotated, or set
        from such a factory in a method): an instance of the entry type (a call on a base class reaches every
        implementation). None when no declaration names an entry class."""
        if isinstance(expr, cst.Call):
            return self._item_of_call(expr, scope)
        bindings: list = []
        declared: list[tuple[cst.CSTNode, Scope]] = []
        if isinstance(expr, cst.Name):
            bindings = list(self.bindings_of(expr.value, scope) or ())
        elif isinstance(expr, cst.Attribute):
            base = self.value(expr.value, scope)
            if isinstance(base, Instance):
                for key in [base.cls, *self.bases_of(base.cls)][:10]:
                    cls = self.scopes.get(key)
                    if cls is None:
                        continue
                    bindings += cls.self_attrs.get(expr.attr.value, []) + cls.bindings.get(expr.attr.value, [])
                    if expr.attr.value in cls.annotations:
                        declared.append((cls.annotations[expr.attr.value], cls))
                    prop = self.scopes.get(f"{key}.{expr.attr.value}")  # ``@property def agents(self) -> List[X]``
                    returns = getattr(prop.node, "returns", None) if prop is not None else None
                    if (
                        prop is not None
                        and prop.parent is not None
                        and isinstance(returns, cst.Annotation)
                        and self.is_property(prop.key)
                    ):
                        declared.append((returns.annotation, prop.parent))
        for b in bindings:
            if b[0] == "param" and b[1].annotation is not None and b[2] is not None:
                declared.append((b[1].annotation.annotation, b[2]))
            elif b[0] == "annot" and len(b) > 2 and b[2] is not None:
                declared.append((b[1], b[2]))  # ``self.agents: dict[str, Agent] = {...}`` set in a method
            elif b[0] == "expr" and isinstance(b[1], cst.Call) and b[2] is not None:
                found = self._item_of_call(b[1], b[2])
                if found is not None:
                    return found
        for annotation, where in declared:
            found = self.item_type(annotation, where)
            if found is not None:
                return found
        return None

    def _item_of_call(self, call: cst.Call, scope: Scope) -> Value:
        fn = self.value(call.func, scope)
        target = self.scopes.get(fn.key) if isinstance(fn, Function) else None
        returns = getattr(target.node, "returns", None) if target is not None else None
        if not isinstance(returns, cst.Annotation) or target is None or target.parent is None:
            return None
        return self.item_type(returns.annotation, target.parent)

    def item_type(self, annotation: cst.CSTNode, scope: Scope) -> Value:
        """``Dict[str, X]`` / ``Mapping[str, X]`` / ``List[X]`` / ``Sequence[X]`` (``Optional`` around it allowed):
        an instance of ``X`` when ``X`` is a class of the tree, else None."""
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            return self.item_type(annotation.left, scope) or self.item_type(annotation.right, scope)
        if not isinstance(annotation, cst.Subscript):
            return None
        head = (dotted(annotation.value) or "").rsplit(".", 1)[-1]
        items = [el.slice.value for el in annotation.slice if isinstance(el.slice, cst.Index)]
        if head == "Optional" and len(items) == 1:
            return self.item_type(items[0], scope)
        if head in _MAPPINGS and len(items) == 2:
            entry = items[1]
        elif head in _SEQUENCES and len(items) == 1:
            entry = items[0]
        else:
            return None
        typed = self.instance_of(entry, scope)
        return typed if isinstance(typed, Instance) else None

    def _subscript(self, expr: cst.Subscript, scope: Scope) -> Value:
        if isinstance(expr.value, cst.Name):
            entry = self.namespace_entry(expr, scope)
            if entry is not None:
                return entry
        base = self.value(expr.value, scope)
        if isinstance(base, Answer):
            return base
        base = self.filled_table(expr.value, base, scope)
        if isinstance(base, Class) or (isinstance(base, Ref) and base.qname in clients.CONSTRUCTORS):
            return base  # ``Agent[Deps, Output]``: a generic class parameterised is the class (called, it constructs)
        if isinstance(base, Ref) and _generic_class_subscript(base.qname, expr):
            return base  # ``Agent[Context](...)`` of a library's class: its construction, as ``Agent(...)`` is
        if isinstance(base, Const) and isinstance(base.value, str):  # crewAI: tasks_config = "config/tasks.yaml"
            base = templates.config_file(self, base.value, scope) or base
        if not isinstance(base, Const) or len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        key = self.value(expr.slice[0].slice.value, scope)
        if not isinstance(key, Const):  # REGISTRY[config["provider"]]: whichever entry the run picks
            return self.any_entry(base)
        return self.entry(base, key.value)

    def entry(self, table: Const, key: Any) -> Value:
        """The value a table the evaluator knows holds at ``key`` (a dict literal's entries are read on demand)."""
        try:
            item = table.value[key]
        except (KeyError, IndexError, TypeError):
            return None
        return item.get(self) if isinstance(item, _Lazy) else _const(item)

    @staticmethod
    def any_text_entry(keys: list[Any], values: list[Value]) -> Value:
        """``TEMPLATES[lang]`` over a table of texts only (one prompt per language or variant): the entry the run
        picks is unknown, so one stands for all: the English one where the keys name languages, else the first."""
        if not values or not all(
            isinstance(v, Text) or (isinstance(v, Const) and isinstance(v.value, str)) for v in values
        ):
            return None
        by_key = {str(k).lower(): v for k, v in zip(keys, values, strict=True)}
        return next((by_key[k] for k in ("en", "en_us", "english") if k in by_key), values[0])

    def any_entry(self, table: Const) -> Value:
        """A registry entry picked at run time (``PROVIDERS[name]``, ``PROVIDERS.get(name)``): the entries' common
        base class of the tree when they are classes (a call on it reaches every implementation), else the first
        entry that is a client, function or class."""
        if not isinstance(table.value, dict) or not table.value or len(table.value) > 200:
            return None
        values = [item.get(self) if isinstance(item, _Lazy) else _const(item) for item in table.value.values()]
        interesting = [v for v in values if isinstance(v, _INTERESTING)]
        if not interesting:
            return self.any_text_entry(list(table.value), values)
        classes = [v.key for v in interesting if isinstance(v, Class)]
        if len(classes) == len(interesting) and len(set(classes)) > 1:
            common = self.common_base(classes)
            if common is not None:
                return Class(common)
        functions = list(dict.fromkeys(v.key for v in interesting if isinstance(v, Function)))
        if len(functions) > 1 and len(functions) <= 20 and all(isinstance(v, Function) for v in interesting):
            for key in functions:  # a dispatch table of functions or bound methods: whichever one the key picks
                others = (*self.table_alternatives.get(key, ()), *(k for k in functions if k != key))
                self.table_alternatives[key] = tuple(dict.fromkeys(others))
        self._duck_table(interesting)
        return interesting[0]

    def pair_table(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Value:
        """The table ``dict(pairs)`` builds from a sequence of ``(key, value)`` pairs written in the code (a static or
        dotted key: a string, an enum member): a list literal, a name bound once to one, or a call of a function of
        the tree returning one (``def responders(self): return [("llm", self.reply), ("tool", self.act)]``, evaluated
        in that function). Values stay unevaluated (as in a dict literal); None when any pair is not of that shape."""
        if depth > 3:
            return None
        if isinstance(expr, cst.List | cst.Tuple):
            out: dict[Any, Any] = {}
            for el in expr.elements:
                pair = el.value if isinstance(el, cst.Element) else None
                if not isinstance(pair, cst.Tuple) or len(pair.elements) != 2:
                    return None
                if not all(isinstance(e, cst.Element) for e in pair.elements):
                    return None
                key = self.value(pair.elements[0].value, scope)
                if isinstance(key, Const) and not isinstance(key.value, dict):
                    out[key.value] = _Lazy(pair.elements[1].value, scope)
                    continue
                spelled = dotted(pair.elements[0].value)  # ``(Role.LLM, self.reply)``: an enum member names the key
                if spelled is None:
                    return None
                out[spelled] = _Lazy(pair.elements[1].value, scope)
            return Const(out) if out and len(out) <= 50 else None
        if isinstance(expr, cst.Name):
            found = self.bindings_of(expr.value, scope)
            if found and len(found) == 1 and found[0][0] == "expr" and found[0][1] is not None:
                return self.pair_table(found[0][1], found[0][2] or scope, depth + 1)
            return None
        if isinstance(expr, cst.Call):
            fn = self.resolve_call(expr, scope).callee
            body = self.scopes.get(fn.key) if isinstance(fn, Function) else None
            if body is None or len(body.returns) != 1:
                return None
            return self.pair_table(body.returns[0], body, depth + 1)
        return None

    def _duck_table(self, entries: list[Value]) -> None:
        """A table of objects of unrelated classes of the tree (``{"a": ProviderA(), "b": ProviderB()}[name]``, no
        shared base): the entry stands for the first, and a method call on it reaches the same-named method of every
        other entry's class too (``implementations``)."""
        keys = [v.cls if isinstance(v, Instance) else v.key for v in entries if isinstance(v, Instance | Class)]
        keys = list(dict.fromkeys(k for k in keys if k in self.scopes))
        if len(keys) < 2 or len(keys) > 20 or self.common_base(keys) is not None:
            return
        for k in keys:
            self._peers.setdefault(k, set()).update(o for o in keys if o != k)

    def lineage(self, cls_key: str, cap: int = 50) -> list[str]:
        """The class ``cls_key`` and the classes of the tree it derives from, nearest first (``cap`` at most)."""
        out, todo = [], [cls_key]
        while todo and len(out) < cap:
            k = todo.pop(0)
            if k not in out:
                out.append(k)
                todo.extend(self.bases_of(k))
        return out

    def is_pydantic_model(self, value: Value) -> bool:
        """Whether ``value`` is a class of the tree deriving from pydantic's ``BaseModel`` (a record schema)."""
        if not isinstance(value, Class):
            return False
        for key in self.lineage(value.key, 20):
            cls = self.scopes.get(key)
            for base in cls.bases if cls is not None else ():
                ref = self.value(base, cls.parent or cls)
                if isinstance(ref, Ref) and ref.qname.split(".")[0] == "pydantic" and ref.qname.endswith("BaseModel"):
                    return True
        return False

    def common_base(self, keys: list[str]) -> str | None:
        """The nearest class of the tree every class of ``keys`` is or derives from."""
        first, *rest = [self.lineage(k) for k in dict.fromkeys(keys)]
        shared = [k for k in first if all(k in other for other in rest)]
        return shared[0] if shared else None

    def fills_first_param(self, key: str) -> bool:
        """Whether the project function ``key`` only fills its first parameter (a text) in place and returns it:
        every other binding of that name is ``text = text.replace(...)`` (or ``.format`` / ``.strip``) and every
        ``return`` gives the name back."""
        fn = self.scopes.get(key)
        if fn is None or fn.kind != "function" or not fn.params or not fn.returns:
            return False
        first = fn.params[0].name.value
        if first in ("self", "cls"):
            return False
        if not all(isinstance(r, cst.Name) and r.value == first for r in fn.returns):
            return False
        for b in fn.bindings.get(first, ()):
            if b[0] == "param":
                continue
            e = b[1] if b[0] == "expr" else None
            while isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute):
                if e.func.attr.value not in ("replace", "format", "strip"):
                    return False
                e = e.func.value
            if not (isinstance(e, cst.Name) and e.value == first):
                return False
        return True

    def fills_param_template(self, key: str) -> tuple[str, str] | None:
        """``(parameter, method)`` when every ``return`` of the project function ``key`` gives back one of its
        parameters rendered (``return template.render(**kwargs)``, or a local bound once to that: ``text =
        template.render(**kwargs)`` ... ``return text``) with ``render`` / ``substitute``: a helper rendering the
        template object (jinja, ``string.Template``) its caller hands in. A helper formatting a text it is handed
        (``return template.format(...)``) is left as it was read before. None otherwise."""
        fn = self.scopes.get(key)
        if fn is None or fn.kind != "function" or not fn.params or not fn.returns:
            return None
        params = {p.name.value for p in fn.params if not p.star} - {"self", "cls"}
        found: set[tuple[str, str]] = set()
        for r in fn.returns:
            e = r
            if isinstance(e, cst.Name) and e.value not in params:
                bound = [b for b in fn.bindings.get(e.value, ()) if b[0] != "param"]
                if len(bound) != 1 or bound[0][0] != "expr":
                    return None
                e = bound[0][1]
            if not (
                isinstance(e, cst.Call)
                and isinstance(e.func, cst.Attribute)
                and e.func.attr.value in ("render", "substitute", "safe_substitute")
                and isinstance(e.func.value, cst.Name)
                and e.func.value.value in params
            ):
                return None
            found.add((e.func.value.value, e.func.attr.value))
        return next(iter(found)) if len(found) == 1 else None

    def _bound_arg(self, key: str, call: cst.Call, name: str) -> cst.BaseExpression | None:
        """The argument of ``call`` (of the project function ``key``) bound to its parameter ``name``."""
        fn = self.scopes.get(key)
        if fn is None:
            return None
        names = [p.name.value for p in fn.params if not p.star]
        if names and names[0] in ("self", "cls") and fn.enclosing_class() is not None:
            names = names[1:]
        for i, a in enumerate(call.args):
            if a.star:
                return None
            if a.keyword is not None:
                if a.keyword.value == name:
                    return a.value
            elif i < len(names) and names[i] == name:
                return a.value
        return None

    def cli_default(self, name: str, attr: str, scope: Scope) -> Value:
        """``args.config`` of ``args = parser.parse_args()``: the static default its ``parser.add_argument("--config",
        default="configs/default.yaml")`` gives (a prompt file or a config holding prompts picked on the command
        line, read where no option is given)."""
        bindings = [b for b in self.bindings_of(name, scope) or () if b[0] == "expr"]
        if len(bindings) != 1 or not isinstance(bindings[0][1], cst.Call):
            return None
        parsed, where = bindings[0][1], bindings[0][2]
        func = parsed.func
        if not (
            isinstance(func, cst.Attribute) and func.attr.value == "parse_args" and isinstance(func.value, cst.Name)
        ):
            return None
        parser = func.value.value
        owner = where if where is not None else scope.module.scope
        for info in owner.calls:
            call = info.node
            f = call.func
            if not (
                isinstance(f, cst.Attribute)
                and f.attr.value == "add_argument"
                and isinstance(f.value, cst.Name)
                and f.value.value == parser
            ):
                continue
            flags = [self.static_str(a.value, owner) or "" for a in call.args if a.keyword is None and not a.star]
            dest = self.static_str(arg(call, "dest"), owner) if arg(call, "dest") is not None else None
            if dest is None:
                longs = [f for f in flags if f.startswith("--")] or flags
                dest = longs[0].lstrip("-").replace("-", "_") if longs else None
            if dest != attr:
                continue
            default = arg(call, "default")
            value = self.value(default, owner) if default is not None else None
            return value if isinstance(value, Const) and isinstance(value.value, str) else None
        return None

    def attribute(self, base: Value, attr: str) -> Value:
        if base is None:
            return None
        if isinstance(base, Ref):
            return Ref(f"{base.qname}.{attr}")
        if isinstance(base, Module):
            return self.resolve_qname(f"{base.name}.{attr}")
        if isinstance(base, ModuleFamily):
            return self.family_member(base, attr)
        if isinstance(base, Client):
            return kept_member(base, attr)
        if isinstance(base, Answer):
            return base
        if isinstance(base, Instance | Class):
            key = base.cls if isinstance(base, Instance) else base.key
            if self._bound is not None and isinstance(base, Instance):
                held = self._bound_attr(key, attr)
                if held is not None:
                    return held
            found = self.member(key, attr, isinstance(base, Instance))
            if found is None:  # not defined by the tree: what the SDK class it subclasses has
                sdk = self.sdk_base(key) or self.host_sdk(key)
                if sdk is not None:
                    return self.held_sdk_client(key, attr) or kept_member(sdk, attr)
                return self.forwarded_attr(key, attr) if isinstance(base, Instance) else None
            return found
        return None

    def registry_attr(self, base: Instance, attr: str) -> Value:
        """``library.summaries.brief(ctx)`` on an object whose ``__init__`` sets one attribute per entry of the
        mapping it is given (``for name, v in table.items(): setattr(self, name, Holder(v))``): the entry under that
        name, as the loop writes it: the entry itself, a registry of the same kind over it (the next level of a
        nested table), or, for a holder whose ``__call__`` calls what its ``__init__`` stored, the entry it calls."""
        loop = self.setattr_loop(base.cls)
        if loop is None:
            return None
        init, param, value_name, written = loop
        table = base.table if base.table is not None else self._registry_table(base.cls, init, param)
        if not isinstance(table, Const) or not isinstance(table.value, dict) or attr not in table.value:
            return None
        item = table.value[attr]
        entry = item.get(self) if isinstance(item, _Lazy) else _const(item)
        if isinstance(written, cst.Name) and written.value == value_name:
            return entry
        if not (
            isinstance(written, cst.Call)
            and len(written.args) == 1
            and isinstance(written.args[0].value, cst.Name)
            and written.args[0].value.value == value_name
        ):
            return None
        holder = self.value(written.func, init)
        if not isinstance(holder, Class):
            return None
        if self.setattr_loop(holder.key) is not None:
            return Instance(holder.key, table=entry) if isinstance(entry, Const) else None
        if isinstance(entry, Function) and self._calls_held(holder.key):
            return entry
        return Instance(holder.key)

    def setattr_loop(self, cls_key: str) -> tuple[Scope, str, str, cst.BaseExpression] | None:
        """The ``for key, value in <param>.items(): setattr(self, key, <written>)`` loop of the nearest
        ``__init__`` of the class: (that ``__init__``, the parameter, the value's name, the expression written)."""
        for key in self.lineage(cls_key, cap=8):
            init = self.scopes.get(f"{key}.__init__")
            if init is None:
                continue
            if "setattr_loop" not in init.derived:
                init.derived["setattr_loop"] = _setattr_loop(init)
            return init.derived["setattr_loop"]
        return None

    def _registry_table(self, cls_key: str, init: Scope, param: str) -> Value:
        """The mapping a registry object was built over: the argument given for ``param`` by the one construction
        of its class the tree holds at module level of the class's module (a shared singleton) or elsewhere."""
        cls = self.scopes.get(cls_key)
        module = cls.parent if cls is not None else None
        while module is not None and module.kind != "module":
            module = module.parent
        calls: dict[int, tuple[cst.Call, Scope]] = {}
        if module is not None:
            for bindings in module.bindings.values():
                for b in bindings:
                    if b[0] == "expr" and isinstance(b[1], cst.Call):
                        made = self.value(b[1].func, module)
                        if isinstance(made, Class) and made.key == cls_key:
                            calls[id(b[1])] = (b[1], module)
        for ci in self.constructions.get(cls_key, ())[:8]:
            calls[id(ci.node)] = (ci.node, ci.scope)
        if len(calls) != 1:
            return None
        ((call, where),) = calls.values()
        names = [p.name.value for p in init.params[1:]]
        given = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param), None)
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if given is None and param in names and names.index(param) < len(positional):
            given = positional[names.index(param)]
        return self.value(given, where) if given is not None else None

    def _calls_held(self, cls_key: str) -> bool:
        """Whether the class's ``__call__`` calls ``self.<attr>(...)`` for an attribute its ``__init__`` sets from a
        parameter (``self.func = func``): calling the object calls what it was built with."""
        call = self.scopes.get(f"{cls_key}.__call__")
        cls = self.scopes.get(cls_key)
        if call is None or cls is None:
            return False
        for node in _walk(call.node):
            if not (isinstance(node, cst.Call) and self_attribute(node.func)):
                continue
            for b in cls.self_attrs.get(node.func.attr.value, ()):
                if (
                    b[0] == "expr"
                    and isinstance(b[1], cst.Name)
                    and b[2].name == "__init__"
                    and any(p.name.value == b[1].value for p in b[2].params)
                ):
                    return True
        return False

    def forwarded_attr(self, cls_key: str, attr: str) -> Value:
        """``obj.<attr>`` that the tree's class does not define, on a class whose ``__getattr__`` forwards every
        missing name to an object it holds (``return getattr(self._module, name)``: a lazy proxy of a module loaded
        with ``importlib.import_module``, a thin wrapper around a client): that object's member."""
        if (cls_key, attr) in self._forwarding:
            return None  # proxies forwarding to each other
        self._forwarding.add((cls_key, attr))
        try:
            return self._forwarded_attr(cls_key, attr)
        finally:
            self._forwarding.discard((cls_key, attr))

    def _forwarded_attr(self, cls_key: str, attr: str) -> Value:
        for held in self.forwarding_targets(cls_key):
            found = self.attribute(held, attr)
            if found is not None:
                return found
        if self.dispatches_by_name(cls_key):
            return self.registered_function(attr)
        return None

    def dispatches_by_name(self, cls_key: str) -> bool:
        """Whether the nearest ``__getattr__`` of the tree's class ``cls_key`` hands back a callable that runs what
        is registered under the name asked for (``return lambda *a, **k: self.runner.run(name, *a, **k)``)."""
        for key in self.lineage(cls_key, cap=8):
            fn = self.scopes.get(f"{key}.__getattr__")
            if fn is None or len(fn.params) < 2:
                continue
            name = fn.params[1].name.value
            for ret in fn.returns:
                body = ret.body if isinstance(ret, cst.Lambda) else None
                if isinstance(ret, cst.Call) and (dotted(ret.func) or "").rsplit(".", 1)[-1] == "partial":
                    body = ret
                if body is not None and any(isinstance(n, cst.Name) and n.value == name for n in _walk(body)):
                    return True
            return False
        return False

    def forwarding_targets(self, cls_key: str) -> list[Value]:
        """What the nearest ``__getattr__`` of the tree's class ``cls_key`` (or of a base) forwards missing names to:
        the objects ``held`` of its ``return getattr(held, name)`` statements (the class itself left out)."""
        for key in self.lineage(cls_key, cap=8):
            fn = self.scopes.get(f"{key}.__getattr__")
            if fn is None or len(fn.params) < 2:
                continue
            name = fn.params[1].name.value
            out: list[Value] = []
            for ret in fn.returns:
                if (
                    isinstance(ret, cst.Call)
                    and len(ret.args) >= 2
                    and isinstance(ret.args[1].value, cst.Name)
                    and ret.args[1].value.value == name
                    and self._reads_named_attr(ret, fn)
                ):
                    held = self.value(ret.args[0].value, fn)
                    if held is not None and not (isinstance(held, Instance) and held.cls == cls_key):
                        out.append(held)
            return out
        return []

    def _reads_named_attr(self, call: cst.Call, fn: Scope) -> bool:
        """Whether ``call`` (``f(held, name, ...)``) reads the attribute ``name`` of ``held``: the builtin
        ``getattr(held, name)`` or ``inspect.getattr_static``, or a tree function whose own body does that with its
        first two parameters (``safe_getattr(obj, k)`` looking the attribute up statically and running a property)."""
        if isinstance(call.func, cst.Name) and call.func.value == "getattr":
            return len(call.args) == 2 and self.lookup("getattr", fn) is None
        callee = self.value(call.func, fn)
        if isinstance(callee, Ref):
            return callee.qname == "inspect.getattr_static"
        scope = self.scopes.get(callee.key) if isinstance(callee, Function) else None
        if scope is None or scope.kind != "function" or len(scope.params) < 2:
            return False
        obj, key = (p.name.value for p in scope.params[:2])
        for info in scope.calls[:40]:
            inner = info.node
            if len(inner.args) < 2 or [_arg_name(a) for a in inner.args[:2]] != [obj, key]:
                continue
            if isinstance(inner.func, cst.Name) and inner.func.value == "getattr":
                return self.lookup("getattr", scope) is None
            ref = self.value(inner.func, scope)
            if isinstance(ref, Ref) and ref.qname == "inspect.getattr_static":
                return True
        return False

    def sdk_base(self, cls_key: str) -> Client | None:
        """The client an SDK class the tree's class derives from makes (``class Model(GenerativeModel)``,
        ``class AGeneration(Generation)``): members the tree does not define are the SDK's. Memoised."""
        if cls_key in self._sdk_bases:
            return self._sdk_bases[cls_key]
        self._sdk_bases[cls_key] = None
        found: Client | None = None
        todo, seen = [cls_key], set()
        while todo and found is None and len(seen) < 30:
            key = todo.pop(0)
            cls = self.scopes.get(key)
            if key in seen or cls is None:
                continue
            seen.add(key)
            for base in cls.bases:
                b = self.value(base, cls.parent or cls)
                if isinstance(b, Ref):
                    found = self.construct(b.qname, None, cls) or self.module_as_client(b.qname)
                    if found is None and clients.HF_GENERATIVE_MODEL.match(f"{b.qname}.from_pretrained"):
                        # ``class FiD(T5ForConditionalGeneration)`` overriding ``generate`` around
                        # ``super().generate(...)``: a local engine's generative model class
                        found = Client("hf", "hf-model")
                    if found is None and clients.llamaindex_adapter_base(b.qname):
                        found = Client("llamaindex", "llamaindex")  # ``class CachedLLM(MockLLM)``: an LLM adapter
                    if found is not None:
                        break
            todo.extend(self.bases_of(key))
        self._sdk_bases[cls_key] = found
        return found

    def validator_set(self, cls: Scope, attr: str) -> Value:
        """``values["client"] = OpenAI(**kw).chat.completions`` in a pydantic validator of the class
        (``@root_validator`` / ``@model_validator(mode="before")`` / ``@validator``, handed the field values as a
        mapping): the field's value on every instance. Only client-like values count."""
        for bindings in list(cls.bindings.values())[:200]:
            fn = next((b[1] for b in bindings if b[0] == "def"), None)
            if not isinstance(fn, Scope) or len(fn.params) < 2:
                continue
            named = [dotted(d.func if isinstance(d, cst.Call) else d) or "" for d in fn.decorators]
            if not any(n.rsplit(".", 1)[-1] in _VALIDATORS for n in named):
                continue
            mapping = fn.params[1].name.value  # ``cls, values``
            for target, written in fn.item_writes.get(mapping, ())[:20]:
                if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)):
                    continue
                if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
                    continue
                if self.static_str(target.slice[0].slice.value, fn) != attr:
                    continue
                value = self.value(written, fn)
                if isinstance(value, Ref):  # ``values["client"] = openai.ChatCompletion``: a client module or class
                    value = self.module_as_client(value.qname) or value
                if isinstance(value, Client):
                    return value
        return None

    def held_sdk_client(self, cls_key: str, attr: str) -> Value:
        """``self._client`` in a subclass of a LlamaIndex provider model class (``llama_index.llms.openai.OpenAI``):
        the provider's SDK client the framework class keeps there (``_client`` / ``_aclient`` / ``client``), so
        ``self._client.responses.create(...)`` is that SDK's request. None for other attributes or providers."""
        name = attr.lstrip("_")
        if name not in ("client", "aclient", "async_client"):
            return None
        for key in self.lineage(cls_key, 20):
            cls = self.scopes.get(key)
            if cls is None:
                continue
            for base in cls.bases:
                ref = self.value(base, cls.parent or cls)
                if isinstance(ref, Ref) and ref.qname.startswith("llama_index.llms."):
                    made = _LLAMAINDEX_HELD.get(ref.qname.split(".")[2])
                    if made is None:
                        return None
                    return self.construct(made[0 if name == "client" else 1], None, cls)
                if isinstance(ref, Ref) and _LANGCHAIN_PROVIDER.match(ref.qname) and name == "client":
                    # ``class Claude(BaseChatModel, _AnthropicCommon)``: the legacy LangChain provider class keeps
                    # the provider SDK's client (or request class) in ``client``, set by its own validator
                    held = _LANGCHAIN_HELD.get(ref.qname.split(".")[2])
                    if held is not None:
                        return self.construct(held, None, cls) or self.module_as_client(held)
        return None

    def host_sdk(self, cls_key: str) -> Client | None:
        """For a mixin (a class of the tree with no base at all), the client of the SDK class that the tree's classes
        mixing it in derive from (``class Patched(StructuredMixin, OpenAI)``): the mixin's ``self`` is such a model,
        so a member it does not define (``getattr(self, "stream_chat")``) is the SDK's. The first such class decides."""
        cls = self.scopes.get(cls_key)
        if cls is None or cls.kind != "class" or cls.bases:
            return None
        self._map_new_classes()
        for sub in self._direct_subs.get(cls_key, ())[:20]:
            found = self.sdk_base(sub)
            if found is not None:
                return found
        return None

    def member(self, cls_key: str, attr: str, on_instance: bool, depth: int = 0, receiver: str | None = None) -> Value:
        cls = self.scopes.get(cls_key)
        if cls is None or depth > 8:
            return None
        receiver = receiver or cls_key
        if attr in cls.bindings:
            bindings = cls.bindings[attr]
            if on_instance and attr in cls.self_attrs:  # class-level ``client = None`` set in a method
                bindings = bindings + cls.self_attrs[attr]
            value = self.bindings_value(bindings)
            if on_instance and receiver != cls_key and not isinstance(value, _INTERESTING):
                value = self.as_receiver(receiver, bindings) or value
            if not isinstance(value, _INTERESTING):  # prompt: BasePrompt = field(default_factory=ExtractPrompt)
                value = self.field_default(bindings) or value
            if not isinstance(value, _INTERESTING) and self.as_text_value(value) is None:
                # ``citation_prompt: str = Field(default=CITATION_PROMPT, description=...)``: the text a settings
                # object holds unless configured otherwise, as a plain ``citation_prompt: str = CITATION_PROMPT``
                value = self.field_text_default(bindings) or value
            if not isinstance(value, _INTERESTING) and attr in cls.annotations:  # client: Optional[LLM] = None
                value = self.instance_of(cls.annotations[attr], cls) or value
            if not isinstance(value, _INTERESTING):  # ``client: Any = Field(None)`` filled by a pydantic validator
                value = self.validator_set(cls, attr) or value
            if on_instance and isinstance(value, Function) and self.is_property(value.key):
                return self.returns_of(value.key)
            if (
                depth == 0
                and on_instance
                and not isinstance(value, _INTERESTING)
                and attr not in cls.self_attrs
                and _declared_only(bindings)
            ):
                # ``client: Any`` (or ``client = None``) declared on a base whose subclasses' ``__init__`` set it
                # (``self.client = OpenAI(...).chat.completions``): ``self`` in the base's method may be any of them
                # (an object only: a text a subclass declares stays that subclass's, not the base's own prompt)
                found = self._set_by_subclasses(cls_key, attr, on_instance, depth)
                if isinstance(found, _INTERESTING):
                    return found
            return value
        own: Value = None
        if on_instance and attr in cls.self_attrs:
            own = self.bindings_value(cls.self_attrs[attr])
            if receiver != cls_key and not isinstance(own, _INTERESTING):  # self.client = self.create_client()
                own = self.as_receiver(receiver, cls.self_attrs[attr]) or own
            if isinstance(own, _INTERESTING) and not isinstance(own, Instance):
                return own
        for b in self.bases_of(cls_key):
            found = self.member(b, attr, on_instance, depth + 1, receiver)
            if found is not None:
                if isinstance(own, Instance) and isinstance(found, Instance):  # a property of the base set here
                    return self.merge([own, found])
                return (
                    own
                    if isinstance(own, Instance) or (own is not None and not isinstance(found, _INTERESTING))
                    else found
                )
        if own is not None:
            return own
        if depth == 0 and on_instance and (hook := self.framework_hook(cls_key, attr)) is not None:
            return hook  # ``chain.run(inputs)`` on a ``Chain`` subclass of the tree: its ``_call``
        if depth == 0 and on_instance:  # set or defined only by subclasses (abstract base): the first that has it
            if not self.bases_of(cls_key):
                # a mixin's ``self.chat(...)``: the method the classes mixing it in get through their MRO (``class
                # Agent(ChatMixin, RunMixin)``: ``ChatMixin.chat``), nearest class first, rather than the override of
                # a subclass further down (``ImageAgent.chat``), which stays a sibling the call may reach
                mixed = self._mixed_in_member(cls_key, attr)
                if isinstance(mixed, Function):
                    return mixed
            first = self._set_by_subclasses(cls_key, attr, on_instance, depth)
            if first is None and not self.bases_of(cls_key):
                first = self._mixed_in_member(cls_key, attr)
            if first is None:
                first = self._handed_to_base(cls_key, attr)
            return first
        return None

    def _set_by_subclasses(self, cls_key: str, attr: str, on_instance: bool, depth: int) -> Value:
        """``self.<attr>`` of a class that only declares it (or not even that): the first subclass that binds it
        decides, the methods other subclasses bind are kept as its siblings."""
        return self._first_member(
            self.member(sub, attr, on_instance, depth + 1)
            for sub in self.subclasses(cls_key)
            if (sub_scope := self.scopes.get(sub)) is not None
            and (attr in sub_scope.bindings or attr in sub_scope.self_attrs)
        )

    def _handed_to_base(self, cls_key: str, attr: str) -> Value:
        """``super().__init__(llm=llm)`` in a class deriving from a base outside the tree (a framework's synthesizer,
        query engine or agent): the base keeps what it is handed under the keyword's name (``self._llm`` /
        ``self.llm``), an attribute no code of the tree sets; the parameter handed over stands for it."""
        name = attr.lstrip("_")
        for key in self.lineage(cls_key, 10):
            cls = self.scopes.get(key)
            if cls is None:
                continue
            if not any(isinstance(self.value(b, cls.parent or cls), Ref) for b in cls.bases):
                continue  # only a base the tree does not define stores attributes the tree never sets
            init = next((b[1] for b in cls.bindings.get("__init__", ()) if b[0] == "def"), None)
            if not isinstance(init, Scope):
                continue
            for ci in init.calls:
                func = ci.node.func
                if not (
                    isinstance(func, cst.Attribute)
                    and func.attr.value == "__init__"
                    and isinstance(func.value, cst.Call)
                    and isinstance(func.value.func, cst.Name)
                    and func.value.func.value == "super"
                ):
                    continue
                for a in ci.node.args:
                    if a.keyword is None or a.keyword.value != name or not isinstance(a.value, cst.Name):
                        continue
                    param = next((p for p in init.params if p.name.value == a.value.value), None)
                    if param is not None:
                        return self.param_value(param, init)
        return None

    def field_default(self, bindings: list[Binding]) -> Value:
        """The object a declared field holds unless its constructor is handed another: an instance of the factory of
        ``prompt: BasePrompt = field(default_factory=ExtractPrompt)`` (dataclasses, pydantic ``Field``, attrs
        ``attr.ib(factory=...)``; a lambda factory's body), or the value of its ``default=``. The declared type is
        often only the base of what the field holds; the default is the object the class is built to use."""
        for b, _ in _field_calls(bindings):
            for a in b[1].args:
                keyword = a.keyword.value if a.keyword is not None else None
                value: Value = None
                if keyword in ("default_factory", "factory"):
                    if isinstance(a.value, cst.Lambda):
                        value = self.value(a.value.body, b[2])
                    else:
                        made = self.value(a.value, b[2])
                        value = Instance(made.key) if isinstance(made, Class) else None
                elif keyword == "default":
                    value = self.value(a.value, b[2])
                if isinstance(value, _INTERESTING):
                    return value
        return None

    def field_text_default(self, bindings: list[Binding]) -> Value:
        """The text a declared field holds unless its constructor is handed another: the ``default=`` (or, for
        pydantic ``Field``, the first positional argument) of ``Field(...)`` / ``field(...)`` / ``attr.ib(...)`` when
        it is text (a literal, a text constant); None otherwise."""
        for b, name in _field_calls(bindings):
            for i, a in enumerate(b[1].args):
                positional = a.keyword is None and not a.star and i == 0 and name == "Field"
                if not positional and (a.keyword is None or a.keyword.value != "default"):
                    continue
                value = self.value(a.value, b[2])
                if self.as_text_value(value) is None and b[2].kind == "class" and b[2].parent is not None:
                    # ``citation_prompt: str = Field(default=citation_prompt)``: the class body reads the module's
                    # name, not the field it is declaring
                    value = self.value(a.value, b[2].parent)
                if self.as_text_value(value) is None and isinstance(a.value, cst.Name):
                    # a text constant holding an f-string part (``f"... {year}"`` among literals): its template text
                    value = self._constant_text(a.value.value, b[2].parent or b[2])
                if self.as_text_value(value) is not None:
                    return value
        return None

    def _constant_text(self, name: str, scope: Scope, depth: int = 0) -> Text | None:
        """The template text of a module-level constant ``name`` bound once to a string expression (literals,
        f-strings, concatenations), following imports: ``citation_prompt = ("Provide ..." f"... {year}" "{text}")``
        read where ``from prompts import citation_prompt`` brings it. None when it holds no literal text."""
        bindings = self.bindings_of(name, scope) or []
        if len(bindings) != 1 or depth > 4:
            return None
        b = bindings[0]
        if b[0] == "import" and len(b) > 2:
            mod, rest = self.project.split(self.project.importable(b[1], b[2]))
            if mod is None or len(rest) != 1 or mod is scope.module:
                return None
            return self._constant_text(rest[0], mod.scope, depth + 1)
        if b[0] != "expr" or not isinstance(b[1], cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            return None
        text = self.text(b[1], b[2])
        return text if text.static().strip() else None

    def filled_attr(self, cls_key: str, attr: str) -> list[Binding]:
        """What the functions that build an object of the class put into its attribute from outside
        (``parts = Parts()`` then ``parts.head = [system_message]``): the first such assignment of each function
        that constructs it, in the order the constructions were seen."""
        out: list[Binding] = []
        for ci in self.constructions.get(cls_key, ())[:16]:
            fn = ci.scope.enclosing_function() or ci.scope
            for name, bindings in fn.bindings.items():
                if not any(b[0] == "expr" and len(b) > 1 and b[1] is ci.node for b in bindings):
                    continue
                written = [b for b in fn.local_attrs.get(f"{name}.{attr}", ()) if b[0] == "expr"]
                if written:
                    out.append(written[0])
        return out

    def construction_member(self, expr: cst.Attribute, base: Instance, scope: Scope) -> Value:
        """``ACT.prompt_template`` where the name is bound once to a construction of the tree's class (``ACT =
        Pair("Pick one action ...{query}", parser)``) whose ``__init__`` stores a parameter in that attribute, as it
        is (``self.text = template``) or as a prompt template built from it (``self.prompt_template =
        PromptTemplate(template)``): what that construction passed. None otherwise."""
        if not isinstance(expr.value, cst.Name) or expr.value.value in ("self", "cls"):
            return None
        bindings = _own_bindings(expr.value.value, scope)  # (no module loaded for it: the lookup changes nothing)
        if len(bindings) != 1 or bindings[0][0] != "expr" or not isinstance(bindings[0][1], cst.Call):
            return None
        call, owner = bindings[0][1], bindings[0][2]
        cls = self.scopes.get(base.cls)
        init = self.scopes.get(f"{base.cls}.__init__")
        if (
            cls is None
            or init is None
            or init.kind != "function"
            or (dotted(call.func) or "").split(".")[-1] != cls.name
        ):
            return None  # (the name's one binding builds the object's own class, read by name: nothing evaluated)
        names = [p.name.value for p in init.params[1:] if not p.star]
        if any(a.star for a in call.args):
            return None
        stored = [b for b in (cls.self_attrs.get(expr.attr.value) or []) if b[0] == "expr"]
        if len(stored) != 1 or stored[0][2] is not init:
            return None
        rhs = stored[0][1]
        if isinstance(rhs, cst.Name) and rhs.value in names:
            given = arg(call, rhs.value, names.index(rhs.value))
            return self.value(given, owner) if given is not None else None
        if not isinstance(rhs, cst.Call):
            return None
        built = self.value(rhs, init)
        template = arg(rhs, "template", 0)
        if not (
            isinstance(built, Client)
            and built.kind == "prompt"
            and isinstance(template, cst.Name)
            and template.value in names
            and self.prompt_ctors.get(id(rhs), (None,))[0] is rhs
        ):
            return None
        given = arg(call, template.value, names.index(template.value))
        if given is None:
            return None
        key = id(call)
        self.keep.append(call)
        self.prompt_ctors[key] = (rhs, init)
        self.ctor_given[key] = {template.value: (given, owner)}
        return replace(built, prompt_key=key)

    def sole_construction_text(self, expr: cst.Attribute, scope: Scope) -> Text | None:
        """``self.template`` read in a method of a class whose ``__init__`` stores a parameter there as it is
        (``self.template = template``), where the tree (tests left out) constructs the class at one place only and no
        class derives from it: the prompt that construction passes (``Planning(template=self.templates["plan"])`` in
        the planner building its steps), a text of several words. None otherwise."""
        if self._bound is not None or not isinstance(expr.value, cst.Name):
            return None
        fn = scope.enclosing_function() if scope.kind != "function" else scope
        cls = fn.enclosing_class() if fn is not None else None
        if cls is None or fn is None or not fn.params or fn.params[0].name.value != expr.value.value:
            return None
        memo_key = (cls.key, expr.attr.value)
        if memo_key in self._sole_built:
            return self._sole_built[memo_key]
        self._sole_built[memo_key] = None  # (a read of the construction coming back here finds nothing)
        init = self.scopes.get(f"{cls.key}.__init__")
        stored = [b for b in cls.self_attrs.get(expr.attr.value) or [] if b[0] != "annot"]
        if init is None or init.kind != "function" or len(stored) != 1 or stored[0][0] != "expr":
            return None
        rhs = stored[0][1]
        names = [p.name.value for p in init.params[1:] if not p.star]
        if stored[0][2] is not init or not isinstance(rhs, cst.Name) or rhs.value not in names:
            return None
        if self.subclasses(cls.key):
            return None
        built = [info for info in self.calls_resolving_to(cls) if not is_test_path(info.scope.module.path)]
        if len(built) != 1 or any(a.star for a in built[0].node.args):
            return None
        given = arg(built[0].node, rhs.value, names.index(rhs.value))
        if given is None:
            return None
        try:
            text = self._text(given, built[0].scope)
        except RecursionError:
            return None
        if text is None or len(text.static().split()) < _PROMPT_WORDS:
            return None
        self._sole_built[memo_key] = text
        return text

    def calls_resolving_to(self, target: Scope) -> Iterator[Any]:
        """The loaded modules' calls (``CallInfo``) of the function or class ``target``: the first 64 calls by its
        name whose callee resolves to it (a callee that recurses too deep to resolve is skipped)."""
        self._index_calls()
        for info in self._calls_by_name.get(target.name, ())[:64]:
            try:
                callee = self.value(info.node.func, info.scope)
            except RecursionError:
                continue
            if isinstance(callee, Function | Class) and callee.key == target.key:
                yield info

    def state_text(self, cls_key: str, attr: str, depth: int = 0) -> Text | None:
        """The prompt an object keeps in its state (``self.system_message = system_message`` in ``__init__``, whose
        parameter defaults to a long prompt constant; or ``self.instructions = BASE_PROMPT``): the text of the first
        such assignment in the class or its bases, as the object holds it when the caller passes nothing. Only text
        of several words (a prompt, not a model name or a URL); None when the attribute holds no such text."""
        cls = self.scopes.get(cls_key)
        if cls is None or depth > 8:
            return None
        for b in cls.self_attrs.get(attr, [])[:8]:
            if b[0] != "expr" or not isinstance(b[1], cst.BaseExpression):
                continue
            rhs, owner = b[1], b[2]
            if isinstance(rhs, cst.Name):
                param = next((p for p in owner.params if p.name.value == rhs.value), None)
                if param is not None:
                    if param.default is None or param.star:
                        continue
                    rhs = param.default
            if isinstance(rhs, cst.Attribute) and isinstance(rhs.value, cst.Name) and rhs.value.value == "self":
                continue  # another attribute of the object: followed where it is read, not here
            try:
                text = self._text(rhs, owner)
            except RecursionError:
                continue
            if text is not None and len(text.static().split()) >= _PROMPT_WORDS:
                return text
        for base in self.bases_of(cls_key):
            found = self.state_text(base, attr, depth + 1)
            if found is not None:
                return found
        return None

    def _mixed_in_member(self, cls_key: str, attr: str) -> Value:
        """``self.<attr>`` in a mixin (a class with no base of the tree) that neither it nor a subclass defines: what
        the classes mixing it in inherit from their other bases (``class Dev(ChatMixin, BaseAgent)``: ``self.get_llm``
        in ``ChatMixin`` is ``BaseAgent.get_llm``), the first method found; the others a call may reach are kept as
        its siblings, like a method only subclasses define."""
        return self._first_member(self.member(sub, attr, True, 1) for sub in self.subclasses(cls_key)[:40])

    def _first_member(self, found: Iterable[Value]) -> Value:
        """The first member a lookup over several classes finds (a value that is no method: at once); each other
        method found is kept as a sibling of the first: a call on the base reaches each of them."""
        first: Value = None
        for value in found:
            if value is None:
                continue
            if first is None:
                first = value
                if not isinstance(value, Function):
                    return value
            elif isinstance(value, Function) and value != first:
                self._siblings.setdefault(first.key, set()).add(value.key)  # type: ignore[union-attr]
        return first

    def merge(self, values: list[Value]) -> Value:
        """One value for a name assigned several objects (``self.llm = A() if x else B()``, a setter in a subclass
        next to a property in the base): instances of different classes of the tree become an instance of their
        nearest common base (a call on it reaches every implementation), else the first value."""
        classes = list(dict.fromkeys(v.cls for v in values if isinstance(v, Instance)))
        if len(classes) > 1 and len(classes) <= 20:
            common = self.common_base(classes)
            if common is not None:
                return Instance(common)
        if isinstance(values[0], Function) and self._is_lambda(values[0].key):
            # ``completion: Callable = lambda *a, **k: ...`` declared first, then ``completion = litellm.completion``
            # (or a client's bound ``chat.completions.create``) in the branches of a config switch: the placeholder
            # lambda only types the name, the SDK callable is what calls of it reach
            client = next((v for v in values if isinstance(v, Client)), None)
            if client is not None:
                return client
        first = values[0]
        if isinstance(first, Client) and first.kind == "chain" and first.prompt_key is None:
            # ``chain: LLMChain`` declared on the class, the chain built with its prompt assigned in ``__init__``
            first = next((v for v in values if isinstance(v, Client) and v.prompt_key is not None), first)
        agents = [v for v in values if isinstance(v, Client) and v.kind == "chain" and v.agent]
        if isinstance(first, Client) and first.kind == "chain" and agents:
            # ``return initialize_agent(tools, llm)`` in one branch, ``return LLMChain(llm=llm, prompt=p)`` in another:
            # a run of what the name holds may be the agent's loop over its tools
            first = replace(first, agent=True)
        if isinstance(first, Client) and not first.alternatives:
            # ``client = OpenAI()`` in one branch, ``client = Anthropic()`` in another: the first, holding the
            # others of a different kind, so a member path only one of them has is read on that one
            others = tuple(dict.fromkeys(v for v in values[1:] if isinstance(v, Client) and v.kind != first.kind))
            if others:
                return replace(first, alternatives=others[:8])
        return first

    @staticmethod
    def fitting(client: Client) -> Client:
        """The client a member path belongs to: ``client`` itself when the path is a request or a factory of its
        kind (or it holds no alternatives), else the first alternative whose kind has that path."""
        if not client.alternatives:
            return client
        for c in (client, *client.alternatives):  # each read on its own path: a held SDK method's path is longer
            key = ".".join(p for p in c.path if p not in clients.TRANSPARENT_SEGMENTS)
            if key in clients.REQUEST_PATHS.get(c.kind, {}) or (c.kind, key) in clients.FACTORY_PATHS:
                return c
        return client

    def _is_lambda(self, key: str) -> bool:
        scope = self.scopes.get(key)
        return scope is not None and isinstance(scope.node, cst.Lambda)

    def as_receiver(self, receiver: str, bindings: list[Binding]) -> Value:
        """Bindings of an attribute a base class sets (``self.client = self.create_client()`` in ``Base.__init__``)
        evaluated with ``self`` an instance of the subclass ``receiver``, so ``self.<method>()`` reaches the
        subclass's override. Memoised per receiver class; one level deep."""
        if self._receiver is not None or not any(b[0] == "expr" for b in bindings):
            return None
        saved = self.memo
        self.memo = self._receiver_memo.setdefault(self._memo_key(receiver), {})
        self._receiver = receiver
        try:
            value = self.bindings_value(bindings)
        finally:
            self.memo, self._receiver = saved, None
        return value if isinstance(value, _INTERESTING) else None

    def receiving(self, receiver: str, read: Callable[[], Any]) -> Any:
        """``read()`` evaluated with ``self`` in every method of ``receiver``'s bases an instance of ``receiver`` (a
        base method's prompt reading ``self.PROMPT`` that the subclass overrides), in a memo of its own. None when
        already evaluating for a receiver (one level deep) or when ``read`` fails on the input."""
        if self._receiver is not None:
            return None
        self._receiver = receiver
        try:
            return self._read_in_memo(self._receiver_memo.setdefault(self._memo_key(receiver), {}), read)
        finally:
            self._receiver = None

    def constructed(self, cls_key: str, attrs: dict[str, str], read: Callable[[], Any]) -> Any:
        """``read()`` evaluated with ``self`` an object that one construction of ``cls_key`` built: each attribute of
        ``attrs`` holds the literal text the construction passed for the ``__init__`` parameter stored there
        (``Chat(system_name="sort.txt")`` with ``self.system_name = system_name``), so a method building a template
        path from ``self.system_name`` reads that file. In a memo of its own per construction; one level deep (None
        when already reading so, or when ``read`` fails on the input)."""
        if self._bound is not None or not attrs:
            return None
        self._bound = (cls_key, attrs)
        try:
            return self._read_in_memo(self._bound_memo.setdefault((cls_key, tuple(sorted(attrs.items()))), {}), read)
        finally:
            self._bound = None

    def _read_in_memo(self, memo: dict[Any, Any], read: Callable[[], Any]) -> Any:
        """``read()`` with ``memo`` as the evaluator's memo (a re-read whose answers differ from the plain read's),
        the plain memo back afterwards; None when ``read`` fails on the input."""
        saved = self.memo
        self.memo = memo
        try:
            return read()
        except RecursionError:
            return None
        finally:
            self.memo = saved

    def _set_before(self, expr: cst.Attribute, scope: Scope) -> Value:
        """While reading an object as one construction built it (``constructed``): ``self.messages`` read in a method
        that assigns it earlier in its own body (``self.messages = [...]`` under ``if not self.messages``) is the last
        value assigned there, not every value any method stores. None elsewhere."""
        found = self.bound_state(expr, scope)
        return self.value(found[0], found[1]) if found is not None else None

    def bound_state(self, expr: cst.BaseExpression, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
        """(expression, scope) last assigned to ``self.<attr>`` earlier in the method reading it, while reading an
        object as one construction built it (``_set_before``); None elsewhere."""
        if self._bound is None or not isinstance(expr, cst.Attribute):
            return None
        fn = scope.enclosing_function() if scope.kind != "function" else scope
        if fn is None or not fn.params or fn.enclosing_class() is None or not isinstance(expr.value, cst.Name):
            return None
        me = fn.params[0].name.value
        at = fn.module.pos(expr)
        if expr.value.value != me or at is None:
            return None
        best: tuple[int, cst.BaseExpression] | None = None
        for node in own_nodes(fn):
            if not isinstance(node, cst.Assign) or not any(
                isinstance(t.target, cst.Attribute)
                and isinstance(t.target.value, cst.Name)
                and t.target.value.value == me
                and t.target.attr.value == expr.attr.value
                for t in node.targets
            ):
                continue
            pos = fn.module.pos(node)
            if pos is not None and pos.start.line < at.start.line and (best is None or pos.start.line > best[0]):
                best = (pos.start.line, node.value)
        return (best[1], fn) if best is not None else None

    def _bound_attr(self, cls_key: str, attr: str) -> Value:
        """The literal an attribute of the object being read holds (``constructed``), else None."""
        bound = self._bound
        if bound is None or attr not in bound[1]:
            return None
        if cls_key != bound[0] and not self.derives(bound[0], cls_key):
            return None  # another class's object (the method of a base class reads the subclass's object)
        return Const(bound[1][attr])

    def _memo_key(self, receiver: str) -> str:
        return receiver + "\0callers" if self._callers_side else receiver

    def as_callers_prompt(self, read: Callable[[], Any]) -> Any:
        """``read()`` evaluated with every parameter that falls back to a fixed text only when its caller gives none
        (``system or DEFAULT_SYSTEM``, ``DEFAULT if system is None else system``) taken as the caller's value, in a
        memo of its own: the text a function itself writes into what it sends, its fallback defaults left out."""
        if self._callers_side:
            return read()
        saved, self.memo = self.memo, self._callers_memo
        self._callers_side = True
        try:
            return read()
        except RecursionError:
            return None
        finally:
            self.memo, self._callers_side = saved, False

    def is_property(self, key: str) -> bool:
        fn = self.scopes.get(key)
        if fn is None:
            return False
        return any((dotted(d) or "").rsplit(".", 1)[-1] in ("property", "cached_property") for d in fn.decorators)

    # ---- class hierarchy -----------------------------------------------------------------------------------------
    def bases_of(self, cls_key: str) -> list[str]:
        """Keys of the direct base classes of a class of the tree that are classes of the tree."""
        cached = self._bases.get(cls_key)
        if cached is not None:
            return cached
        cls = self.scopes.get(cls_key)
        self._bases[cls_key] = []  # cycles
        out = []
        if cls is not None:
            for base in cls.bases:
                # ``class NliPrompt(Prompt[In, Out])``: the generic class parameterised
                expr = base.value if isinstance(base, cst.Subscript) else base
                b = self.value(expr, cls.parent or cls)
                if isinstance(b, Class) and b.key != cls_key:
                    out.append(b.key)
        out += [k for k in self.protocols_met(cls_key) if k not in out]
        self._bases[cls_key] = out
        return out

    def protocols(self) -> dict[str, frozenset[str]]:
        """The ``typing.Protocol`` classes of the loaded tree, each with the methods it declares (dunders left out)."""
        if self._protocols_seen != len(self.scopes):
            for scope in itertools.islice(list(self.scopes.values()), self._protocols_seen, None):
                if scope.kind != "class" or not any(_names_protocol(b) for b in scope.bases):
                    continue
                methods = frozenset(n for n, bs in scope.bindings.items() if _defines(bs) and not n.startswith("__"))
                if methods:
                    self._protocols[scope.key] = methods
            self._protocols_seen = len(self.scopes)
        return self._protocols

    def callable_protocol(self, cls_key: str) -> bool:
        """The tree's class ``cls_key`` is a ``typing.Protocol`` declaring ``__call__`` and no other method: the type
        of a function value (``class LLMHandler(Protocol): def __call__(self, prompt: str) -> ...: ...``)."""
        cls = self.scopes.get(cls_key)
        if cls is None or cls.kind != "class" or not any(_names_protocol(b) for b in cls.bases):
            return False
        defined = {n for n, bs in cls.bindings.items() if _defines(bs)}
        return "__call__" in defined and not any(not n.startswith("__") for n in defined)

    def protocols_met(self, cls_key: str) -> list[str]:
        """The tree's Protocol classes that the tree's class ``cls_key`` implements structurally (it defines every
        method one declares, ``class Adapter: async def run(...)`` for ``class Engine(Protocol): async def run``):
        a value typed as the protocol may be this class, as if it derived from it. Only a class naming no base counts:
        one deriving from a base of its own (``class BaseStep(ABC)`` declaring ``execute``) is typed by that base, and
        a protocol with a common method name would otherwise adopt its whole family. Loads nothing."""
        cls = self.scopes.get(cls_key)
        if cls is None or not _names_no_base(cls):
            return []  # a class naming a base (an ABC with its own abstract API, a Protocol) is typed by that base
        protocols = self.protocols()
        if not protocols:
            return []
        own = {n for n, bs in cls.bindings.items() if _defines(bs)}
        met = []
        for k, methods in protocols.items():
            proto = self.scopes.get(k)
            if k == cls_key or not methods <= own or proto is None:
                continue
            takes = [_takes_declared_params(cls.bindings[m], proto.bindings.get(m, [])) for m in methods]
            # a method declaring only a catch-all (``format(self, **kwargs)``) constrains nothing: the Protocol is met
            # when every shaped method is, and it has one at least
            if all(t is not False for t in takes) and any(t for t in takes):
                met.append(k)
        return met[:4]

    def derives(self, sub: str, base: str, bases: Callable[[str], list[str]] | None = None) -> bool:
        """Whether the tree's class ``sub`` is ``base`` or derives from it (``bases``: how a class's bases are read;
        default ``bases_of``)."""
        bases = bases or self.bases_of
        seen, todo = set(), [sub]
        while todo and len(seen) < 60:
            k = todo.pop()
            if k == base:
                return True
            if k not in seen:
                seen.add(k)
                todo.extend(bases(k))
        return False

    def _bases_no_memo(self, cls_key: str, pending: list[bool] | None = None) -> list[str]:
        """Bases of the tree's classes without loading modules; not cached across loads (later loads may resolve
        more): while ``no_load`` is set, the answer only changes when another module is loaded, so it is kept until
        then. ``pending`` gets True appended when a base names a module of the tree that is not loaded yet."""
        if not self.project.no_load:
            return self._bases_now(cls_key, pending)
        loaded = len(self.project.modules)
        if self._bases_at != loaded:
            self._bases_kept.clear()
            self._bases_at = loaded
        kept = self._bases_kept.get(cls_key)
        if kept is None:
            waits: list[bool] = []
            kept = self._bases_kept[cls_key] = (self._bases_now(cls_key, waits), bool(waits))
        if kept[1] and pending is not None:
            pending.append(True)
        return list(kept[0])

    def _bases_now(self, cls_key: str, pending: list[bool] | None = None) -> list[str]:
        """``_bases_no_memo``'s answer, worked out."""
        cls = self.scopes.get(cls_key)
        out = []
        for base in cls.bases if cls is not None else ():
            name = dotted(base.value if isinstance(base, cst.Subscript) else base)  # ``BaseSearch[Builder]``
            if name is None:
                continue
            head, _, rest = name.partition(".")
            bindings = self.bindings_of(head, cls.parent or cls)
            for b in bindings or ():
                key = self._class_binding_key(b, rest, pending=pending)
                if key is not None and key != cls_key:
                    out.append(key)
                    break
        return out + [k for k in self.protocols_met(cls_key) if k not in out]

    def _class_binding_key(
        self, b: Binding, rest: str = "", depth: int = 0, pending: list[bool] | None = None
    ) -> str | None:
        """The key of the tree's class a binding names, following re-exports (``from .base import X`` in a package's
        ``__init__``) through modules loaded already."""
        if b[0] == "class":
            return b[1].key if not rest else None
        if b[0] != "import" or depth > 6:
            return None
        qname = self.project.importable(b[1], b[2] if len(b) > 2 else None)
        full = f"{qname}.{rest}" if rest else qname
        if pending is not None:
            parts = full.split(".")
            prefixes = (".".join(parts[:i]) for i in range(len(parts), 0, -1))
            if any(
                self.project.aliases.get(n, n) in self.project.known and n not in self.project.modules for n in prefixes
            ):
                pending.append(True)
        mod, parts = self.project.split(full)
        if mod is None or len(parts) != 1:
            return None
        for x in self.module_bindings(mod, parts[0]) or ():
            key = self._class_binding_key(x, "", depth + 1, pending)
            if key is not None:
                return key
        return None

    def subclasses(self, cls_key: str) -> list[str]:
        """Every class of the loaded tree that derives from ``cls_key`` (transitively), nearest first."""
        self._map_new_classes()
        out: list[str] = []
        todo = list(self._direct_subs.get(cls_key, ()))
        while todo:
            k = todo.pop(0)
            if k not in out and k != cls_key:
                out.append(k)
                todo.extend(self._direct_subs.get(k, ()))
        return out

    def _map_new_classes(self) -> None:
        """Map the classes of modules registered since the last question to their bases (loading nothing more);
        classes whose base names a module of the tree not loaded yet are mapped again once more modules are."""
        retry = bool(self._pending_classes) and len(self.project.modules) != self._pending_at
        protocols = len(self.protocols())
        if not self._new_classes and not retry and protocols == self._protocols_mapped:
            return
        self.project.no_load = True
        try:
            todo = self._new_classes + (sorted(self._pending_classes) if retry else [])
            if protocols != self._protocols_mapped:  # a Protocol loaded after the classes that implement it
                self._protocols_mapped = protocols
                mapped = set(todo)
                todo += [k for k, s in self.scopes.items() if k not in mapped and _names_no_base(s)]
            self._new_classes = []
            for key in todo:
                pending: list[bool] = []
                for b in self._bases_no_memo(key, pending):
                    subs = self._direct_subs.setdefault(b, [])
                    if key not in subs:
                        subs.append(key)
                if pending:
                    self._pending_classes.add(key)
                else:
                    self._pending_classes.discard(key)
            self._pending_at = len(self.project.modules)
            self._overrides.clear()
        finally:
            self.project.no_load = False

    def overrides(self, fn_key: str) -> list[str]:
        """Methods of subclasses that override the method ``fn_key`` (a call on the base reaches each of them)."""
        self._map_new_classes()
        cached = self._overrides.get(fn_key)
        if cached is not None:
            return cached
        fn = self.scopes.get(fn_key)
        cls = fn.enclosing_class() if fn is not None and fn.kind == "function" else None
        if fn is None or cls is None or _special_name(fn.name):
            return []
        out: list[str] = []
        self._overrides[fn_key] = out
        for sub in self.subclasses(cls.key):
            scope = self.scopes.get(sub)
            if scope is None:
                continue
            for b in scope.bindings.get(fn.name, ()):
                if b[0] == "def":
                    out.append(b[1].key)
            if fn.name == "__call__":
                continue  # a mixin's ``__call__`` runs only for objects of the combined class, which calling them
                # names (``bot = Streaming(); bot(text)``): a call of the base's objects does not reach it
            for mixin in self._mixins_before(sub, cls.key):  # class M(Mixin, Base): Mixin.run runs for M().run()
                for b in self.scopes[mixin].bindings.get(fn.name, ()):
                    if b[0] == "def" and b[1].key not in out:
                        out.append(b[1].key)
        out += [k for k, target in self.metaclass_replacements().items() if target == fn_key and k not in out]
        return out

    def implementations(self, fn_key: str) -> list[str]:
        """What a call resolved to ``fn_key`` may run: the overrides of subclasses, and for a method only subclasses
        define (``model.generate_stream`` on the base type) the other subclasses' methods of that name."""
        out = self.overrides(fn_key)
        siblings = set(self._siblings.get(fn_key, ())) | self._peer_methods(fn_key)
        return out + sorted(siblings - set(out)) if siblings else out

    def _peer_methods(self, fn_key: str) -> set[str]:
        """The same-named methods of the classes that share a run-time picked table with the method's class."""
        if not self._peers:
            return set()
        fn = self.scopes.get(fn_key)
        cls = fn.enclosing_class() if fn is not None and fn.kind == "function" else None
        if cls is None or cls.key not in self._peers or _special_name(fn.name):
            return set()
        out = set()
        for peer in self._peers[cls.key]:
            found = self.member(peer, fn.name, True)
            if isinstance(found, Function) and found.key != fn_key:
                out.add(found.key)
        return out

    def method_by_name(self, name: str) -> str | None:
        """The one interface method a call ``obj.name(...)`` on an object of unknown type (an untyped parameter, an
        attribute set from one) can reach: every method of that name in the tree's classes overrides the same
        topmost base method, which is returned; None when the name is defined by unrelated classes (ambiguous), by
        none, or is a dunder or a name that common library objects also have."""
        if name.startswith("__") or name in _COMMON_METHOD_NAMES:
            return None
        if self._methods_at != len(self.scopes) + len(self.project.modules):
            self._index_methods()
            self._by_name.clear()
        if name not in self._by_name:
            self._by_name[name] = self._interface_method(name)
        return self._by_name[name]

    def _index_methods(self) -> None:
        """``_methods_by_name``: the tree's methods by name, the tests' stand-ins (``FakeLLM.gen``) only for names no
        other method has. Scopes are only ever added (a key registered again starts the index anew), so each build
        reads the scopes added since the last one."""
        if self._methods_replaced != self._scopes_replaced:
            self._methods_replaced = self._scopes_replaced
            self._methods_read, self._real_methods, self._double_methods = 0, {}, {}
        real, doubles = self._real_methods, self._double_methods
        new_real: dict[str, list[str]] = {}
        new_doubles: dict[str, list[str]] = {}
        for key, scope in itertools.islice(self.scopes.items(), self._methods_read, None):
            if scope.kind == "function" and scope.parent is not None and _method_like(scope):
                into = new_doubles if is_test_path(scope.module.path) else new_real
                into.setdefault(scope.name, []).append(key)
        self._methods_read = len(self.scopes)
        for into, added in ((real, new_real), (doubles, new_doubles)):
            for name, keys in added.items():  # new lists: one handed out earlier may be being read
                into[name] = [*into.get(name, ()), *keys]
        index = dict(real)
        for name, keys in doubles.items():
            if name not in index:
                index[name] = keys
        self._methods_by_name, self._methods_at = index, len(self.scopes) + len(self.project.modules)

    def methods_named(self, name: str, besides: str | None = None) -> list[str]:
        """The plugin family defining ``name`` when no one interface declares it (``method_by_name`` is None):
        two or more classes sharing a topmost base of the tree that each define the method, no base declaring it
        (plugin classes found at run time by a directory scan or a registry of names), the largest such family, in
        key order; ``besides`` (the calling method) left out. Empty when the name's other definitions are lone
        classes (an unrelated method of the same name is no evidence of the receiver), for dunders, names common
        library objects also have, and names so widespread (over 24 definitions) that they say nothing."""
        if self.method_by_name(name) is not None or name.startswith("__") or name in _COMMON_METHOD_NAMES:
            return []
        defs = self._methods_by_name.get(name) or []
        if len(defs) > 24:
            return []
        # a method overriding one of a base (``BaseTool.call``) belongs to a declared interface, whose callers the
        # interface rules decide: only methods no base declares make a plugin family
        defs = [k for k in defs if k != besides and not self.overridden(k)]
        families: dict[str, list[str]] = {}
        for key in sorted(defs):
            root = self.method_root(key)
            if root != key:
                families.setdefault(root, []).append(key)
        best = max(families.values(), key=len, default=[])
        return best if len(best) >= 2 else []

    def method_tops(self, name: str, besides: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """The topmost definitions of the method ``name`` across the tree's unrelated classes (each definition walked
        up the methods it overrides, one base branch at a time), in key order: the interfaces a call ``obj.name(...)``
        on an object of unknown type may run when several unrelated classes declare the name. ``besides``: class
        keys whose methods are left out (the calling class's own lineage: an object does not hold itself). Empty for
        dunders, names common library objects also have, names defined only by tests' stand-ins, and names so
        widespread (over 12 interfaces) that they say nothing."""
        if name.startswith("__") or name in _COMMON_METHOD_NAMES:
            return []
        self.method_by_name(name)  # builds the index
        defs = self._real_methods.get(name) or []
        tops: set[str] = set()
        for key in defs:
            fn = self.scopes.get(key)
            cls = fn.enclosing_class() if fn is not None else None
            if cls is None or cls.key in besides:
                continue
            cur, seen = key, {key}
            while True:
                up = [b for b in self.overridden(cur) if b not in seen]
                if len(up) != 1:
                    break
                cur = up[0]
                seen.add(cur)
            top = self.scopes.get(cur)
            top_cls = top.enclosing_class() if top is not None else None
            if top_cls is not None and top_cls.key in besides:
                continue
            tops.add(cur)
            if len(tops) > 12:
                return []
        return sorted(tops)

    def method_root(self, fn_key: str) -> str:
        """The topmost class of the tree above a method's class (the family a by-name call picks from); the function
        itself for a function outside a class."""
        fn = self.scopes.get(fn_key)
        cls = fn.enclosing_class() if fn is not None else None
        return self._root_class(cls.key) if cls is not None else fn_key

    def _root_class(self, cls_key: str) -> str:
        """The topmost class of the tree above ``cls_key`` along first bases (itself when it has no base of the
        tree). Loads nothing."""
        seen = {cls_key}
        while len(seen) < 12:
            up = [b for b in self._bases_no_memo(cls_key) if b not in seen]
            if not up:
                break
            cls_key = up[0]
            seen.add(cls_key)
        return cls_key

    def method_fitting_call(self, name: str, call: cst.Call) -> str | None:
        """``method_by_name`` for a name unrelated classes define (``llm.gen(model=m, messages=msgs)`` beside an
        agent's ``gen(query)``): the one interface method among those whose parameters can take the call's arguments
        (keywords they name, no more positional ones than they take, every required one given); None when the call
        fits all of them, none, or several unrelated ones. Only a call passing a keyword that the chosen method names
        itself is told apart this way: a bare count of positional arguments (``image.convert("RGB")`` beside a
        converter's ``convert(content)``) fits a library object's method just as well."""
        if self.method_by_name(name) is not None or name.startswith("__") or name in _COMMON_METHOD_NAMES:
            return None
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if not keywords:
            return None
        defs = self._methods_by_name.get(name) or []
        if len(defs) > 50:
            return None
        kept = [key for key in defs if (fn := self.scopes.get(key)) is not None and _call_fits(fn, call)]
        if not kept or len(kept) == len(defs):
            return None
        top = self._interface_method(name, kept)
        fn = self.scopes.get(top) if top is not None else None
        if fn is None or not _call_fits(fn, call):
            return None
        params = getattr(fn.node, "params", None)
        named = (
            {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
            if isinstance(params, cst.Parameters)
            else set()
        )
        return top if keywords & named else None

    def _interface_method(self, name: str, defs: list[str] | None = None) -> str | None:
        defs = self._methods_by_name.get(name) if defs is None else defs
        if not defs or len(defs) > 50:
            return None
        tops: set[str] = set()
        for key in defs:
            cur, seen = key, {key}
            while True:
                up = [b for b in self.overridden(cur) if b not in seen]
                if len(up) != 1:
                    if len(up) > 1:
                        return None  # several base branches: ambiguous
                    break
                cur = up[0]
                seen.add(cur)
            tops.add(cur)
            if len(tops) > 1:
                return None
        return tops.pop() if tops else None

    def framework_hook(self, cls_key: str, attr: str) -> Function | None:
        """The hook of the tree's class ``cls_key`` that the framework entry point ``attr`` it inherits runs
        (``clients.FRAMEWORK_HOOK_ENTRIES``): ``run`` / ``__call__`` of a class deriving from LangChain's ``Chain``
        run its ``_call``. None when no class of its lineage derives from such a base or none defines the hook."""
        hooks = clients.FRAMEWORK_HOOK_ENTRIES.get(attr)
        if hooks is None:
            return None
        lineage = self.lineage(cls_key, 20)
        if not any(
            isinstance(ref := self.value(base, cls.parent or cls), Ref)
            and clients.FRAMEWORK_HOOK_BASES.match(ref.qname)
            for key in lineage
            if (cls := self.scopes.get(key)) is not None
            for base in cls.bases
        ):
            return None
        for hook in hooks:
            for key in lineage:
                cls = self.scopes.get(key)
                fn = (
                    next((b[1] for b in cls.bindings.get(hook, ()) if b[0] == "def"), None) if cls is not None else None
                )
                if isinstance(fn, Scope):
                    return Function(fn.key)
        return None

    def framework_lm_class(self, cls: Scope) -> bool:
        """Whether the class ``cls`` derives, directly or through classes of the tree, from a framework's language-model
        base class (``clients.FRAMEWORK_LM_BASES``: ``dspy.LM``, ``dspy.OpenAI``, ...)."""
        todo, seen = [cls], 0
        while todo and seen < 8:
            here = todo.pop()
            seen += 1
            for base in here.bases:
                value = self.value(base, here.parent or here)
                if isinstance(value, Ref) and clients.FRAMEWORK_LM_BASES.match(value.qname):
                    return True
                if isinstance(value, Class) and (found := self.scopes.get(value.key)) is not None:
                    todo.append(found)
        return False

    def overridden(self, fn_key: str) -> list[str]:
        """Methods of the tree's base classes that the method ``fn_key`` overrides (nearest per base branch): a call
        typed as the base (``def step(llm: BaseLLM): llm.chat(...)``) reaches this implementation. Loads nothing."""
        fn = self.scopes.get(fn_key)
        replaced = self.metaclass_replacements().get(fn_key)
        if replaced is not None:  # ``namespace["run"] = wrapped_run`` in a metaclass: it replaces ``run``
            return [replaced]
        cls = fn.enclosing_class() if fn is not None and fn.kind == "function" else None
        if fn is None or cls is None or _special_name(fn.name):
            return []
        out: list[str] = []
        seen = {cls.key}
        self.project.no_load = True
        try:
            todo = list(self._bases_no_memo(cls.key)) or self._mixin_followers(cls.key)
            while todo and len(seen) < 60:
                key = todo.pop(0)
                if key in seen:
                    continue
                seen.add(key)
                scope = self.scopes.get(key)
                if scope is None:
                    continue
                found = next((b[1].key for b in scope.bindings.get(fn.name, ()) if b[0] == "def"), None)
                if found is not None:
                    out.append(found)
                else:
                    todo.extend(self._bases_no_memo(key))
        finally:
            self.project.no_load = False
        return out

    # ---- mixins and metaclasses ---------------------------------------------------------------------------------
    def _mixin_followers(self, cls_key: str) -> list[str]:
        """For a mixin (a class of the tree with no base of the tree), the classes that follow it in the bases of the
        tree's classes mixing it in (``class M(Mixin, Base)``: ``Base``): what ``super()`` in the mixin reaches.
        Loads nothing."""
        self._map_new_classes()
        out: list[str] = []
        self.project.no_load = True
        try:
            for sub in self._direct_subs.get(cls_key, ()):
                bases = self._bases_no_memo(sub)
                if cls_key in bases:
                    out += [b for b in bases[bases.index(cls_key) + 1 :] if b not in out]
        finally:
            self.project.no_load = False
        return out

    def _mixins_before(self, sub: str, base: str) -> list[str]:
        """Direct bases of ``sub`` listed before the branch that derives from ``base`` and not deriving from it:
        mixins whose methods come first in ``sub``'s MRO. Loads nothing."""
        self.project.no_load = True
        try:
            out = []
            bases = self._bases_no_memo(sub)
            if len(bases) < 2:
                return []  # one base: nothing listed before it (no walk up a long single-inheritance chain)
            for b in bases:
                if self._derives_no_load(b, base):
                    return out
                if b in self.scopes:
                    out.append(b)
            return []
        finally:
            self.project.no_load = False

    def _derives_no_load(self, sub: str, base: str) -> bool:
        return self.derives(sub, base, self._bases_no_memo)

    def metaclass_users(self) -> dict[str, list[str]]:
        """Metaclass key -> the tree's classes declared with ``metaclass=`` it. Recomputed as modules load."""
        at = len(self.scopes)
        if self._meta_at != at:
            if self._meta_replaced != self._scopes_replaced:
                self._meta_replaced, self._meta_read, self._meta_declared = self._scopes_replaced, 0, []
            for key, scope in itertools.islice(self.scopes.items(), self._meta_read, None):
                if scope.kind != "class" or not isinstance(scope.node, cst.ClassDef):
                    continue
                for kw in scope.node.keywords:
                    if kw.keyword is not None and kw.keyword.value == "metaclass":
                        self._meta_declared.append((key, scope, kw.value))
            self._meta_read = at
            users: dict[str, list[str]] = {}
            for key, scope, declared in self._meta_declared:  # evaluated anew: what loaded since may resolve it
                meta = self.value(declared, scope.parent or scope)
                if isinstance(meta, Class):
                    users.setdefault(meta.key, []).append(key)
            self._meta_users, self._meta_at = users, len(self.scopes)
            self._replacements = None
        return self._meta_users

    def _namespace_param(self, name: str, scope: Scope) -> tuple[Scope, list[str]] | None:
        """``namespace`` of a metaclass's ``__new__(mcs, name, bases, namespace)`` (or ``__init__``): the method scope
        and the classes built with that metaclass."""
        for b in self.bindings_of(name, scope) or ():
            if b[0] != "param" or b[2] is None:
                continue
            fn = b[2]
            meta = fn.enclosing_class()
            if fn.name not in ("__new__", "__init__") or meta is None or len(fn.params) < 4 or fn.params[3] is not b[1]:
                return None
            users = self.metaclass_users().get(meta.key)
            return (fn, users) if users else None
        return None

    def _method_of_users(self, users: list[str], name: str) -> str | None:
        for cls_key in users:
            cls = self.scopes.get(cls_key)
            for b in cls.bindings.get(name, ()) if cls is not None else ():
                if b[0] == "def":
                    return b[1].key
        return None

    def namespace_entry(self, expr: cst.Subscript, scope: Scope) -> Value:
        """``namespace["run"]`` inside a metaclass's ``__new__``: the method ``run`` of the classes built with it
        (``original_run = namespace["run"]`` called in the replacement is a call of that method)."""
        assert isinstance(expr.value, cst.Name)
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        found = self._namespace_param(expr.value.value, scope)
        if found is None:
            return None
        key = self.value(expr.slice[0].slice.value, scope)
        if not isinstance(key, Const) or not isinstance(key.value, str):
            return None
        method = self._method_of_users(found[1], key.value)
        return Function(method) if method is not None else None

    def metaclass_replacements(self) -> dict[str, str]:
        """Nested function key -> the method it replaces: ``namespace["run"] = wrapped_run`` in a metaclass's
        ``__new__`` (every class built with it runs ``wrapped_run`` for ``run``)."""
        users = self.metaclass_users()
        if self._replacements is not None:
            return self._replacements
        out: dict[str, str] = {}
        self._replacements = out
        for meta_key, classes in users.items():
            meta = self.scopes.get(meta_key)
            if meta is None:
                continue
            for b in [x for name in ("__new__", "__init__") for x in meta.bindings.get(name, ())]:
                if b[0] != "def" or len(b[1].params) < 4:
                    continue
                fn: Scope = b[1]
                ns = fn.params[3].name.value
                for stmt in _walk_assigns(fn.node):
                    for t in stmt.targets:
                        target = t.target
                        if not (
                            isinstance(target, cst.Subscript)
                            and isinstance(target.value, cst.Name)
                            and target.value.value == ns
                            and isinstance(stmt.value, cst.Name)
                            and len(target.slice) == 1
                            and isinstance(target.slice[0].slice, cst.Index)
                        ):
                            continue
                        name = self.value(target.slice[0].slice.value, fn)
                        method = (
                            self._method_of_users(classes, name.value)
                            if isinstance(name, Const) and isinstance(name.value, str)
                            else None
                        )
                        repl = next((x for x in fn.bindings.get(stmt.value.value, ()) if x[0] == "def"), None)
                        if method is not None and repl is not None:
                            out[repl[1].key] = method
        return out

    # ---- calls ---------------------------------------------------------------------------------------------------
    def resolve_call(self, call: cst.Call, scope: Scope) -> Resolved:
        """The callee a call really reaches: through ``to_thread``/``run_in_executor``, partials and decorators."""
        callee = self.value(call.func, scope)
        args = list(call.args)
        bound: tuple[cst.Arg, ...] = ()
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
        if method in _REMOTE_RUNS and not isinstance(callee, Client | Function):
            inner = self.value(call.func.value, scope)  # type: ignore[attr-defined]
            fn = self.scopes.get(inner.key) if isinstance(inner, Function) else None
            if fn is not None and fn.decorators:
                callee = inner  # ``ask.remote(system, prompt)`` of ``@app.function() def ask(...)``: the function run
        if isinstance(callee, Ref):
            method = callee.qname.rsplit(".", 1)[-1]
        index = clients.RUNS_ARGUMENT_BY_NAME.get(method or "")
        if index is not None and not isinstance(callee, Client | Function) and len(args) > index:
            inner = self.value(args[index].value, scope)
            if isinstance(inner, Ref):  # asyncio.to_thread(litellm.completion, ...)
                inner = self.module_client(inner.qname)
            if isinstance(inner, Client | Function | Partial) or self._callable_object(inner):
                callee, args = inner, args[index + 1 :]  # (an object with ``__call__``: ``pool.submit(runner, ...)``)
        keyword = clients.RUNS_ARGUMENT_BY_KEYWORD.get(callee.qname if isinstance(callee, Ref) else "")
        if keyword is not None:  # Thread(target=model.generate, kwargs=...)
            target = arg(call, keyword)
            inner = self.value(target, scope) if target is not None else None
            if isinstance(inner, Client | Function | Partial) or self._callable_object(inner):
                kwargs = arg(call, "kwargs")
                callee, args = inner, ([cst.Arg(kwargs, star="**")] if kwargs is not None else [])
        for _ in range(4):
            if isinstance(callee, Partial):
                bound = bound + tuple(a for a in callee.args if a.keyword is not None)
                args = [a for a in callee.args[1:] if a.keyword is None] + args
                callee = callee.inner
            else:
                break
        return Resolved(callee, args, bound)

    def _callable_object(self, value: Value) -> bool:
        """An instance of a class of the tree that defines (or inherits) ``__call__``."""
        return isinstance(value, Instance) and isinstance(self.member(value.cls, "__call__", True), Function)

    def called_params(self, key: str) -> dict[str, int]:
        """Parameters a function calls (``def retry(fn, *a): return fn(*a)``) -> their position among the params
        a caller passes (``self``/``cls`` not counted). Computed once per function."""
        cached = self._called.get(key)
        if cached is not None:
            return cached
        out: dict[str, int] = {}
        self._called[key] = out  # while computing (a helper handing the parameter back to itself)
        fn = self.scopes.get(key)
        if fn is not None and fn.kind == "function":
            names = [p.name.value for p in fn.params]
            if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
                names = names[1:]
            todo = [fn]
            while todo:
                s = todo.pop()
                for info in s.calls:
                    f = info.node.func
                    name = f.value if isinstance(f, cst.Name) else None
                    if name is not None and name not in names:
                        name = self._fetched_by_name(name, names, s)  # ``getattr(copy, method.__name__)(...)``
                    if name is not None and name in names and (s is fn or name not in s.bindings):
                        out[name] = names.index(name)  # the parameter itself, not a shadowing local
                        continue
                    ran = _ran_param(info.node, names)  # ``loop.run_in_executor(None, partial(func, *args))``
                    if ran is not None and (s is fn or ran not in s.bindings):
                        out[ran] = names.index(ran)
                        continue
                    for handed in self._handed_to_caller(info.node, names, fn, s):
                        out[handed] = names.index(handed)
                todo.extend(c for c in fn.module.scopes if c.parent is s and c.kind == "function")
        return out

    def _fetched_by_name(self, local: str, names: list[str], scope: Scope) -> str | None:
        """The parameter ``p`` whose method a local fetches again by its name from another object
        (``m = getattr(agent_copy, p.__name__)``), so that calling the local calls what the caller passed for ``p``."""
        bindings = scope.bindings.get(local) or []
        if len(bindings) != 1 or bindings[0][0] != "expr":
            return None
        held = self.fetched_param(bindings[0][1], scope)
        return held.value if held is not None and held.value in names else None

    def fetched_param(self, expr: cst.CSTNode, scope: Scope) -> cst.Name | None:
        """``getattr(obj, p.__name__[, default])`` (directly, or through a local holding ``p.__name__``): the name
        ``p`` whose method is fetched again by its name, else None."""
        if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "getattr"):
            return None
        if len(expr.args) < 2 or self.lookup("getattr", scope) is not None:
            return None
        named = expr.args[1].value
        if isinstance(named, cst.Name):  # ``method_name = p.__name__`` first
            held = self.bindings_of(named.value, scope) or []
            named = held[0][1] if len(held) == 1 and held[0][0] == "expr" else named
        if isinstance(named, cst.Attribute) and named.attr.value == "__name__" and isinstance(named.value, cst.Name):
            return named.value
        return None

    def _handed_to_caller(self, call: cst.Call, names: list[str], fn: Scope, scope: Scope) -> list[str]:
        """Parameters handed as they are to a function of the tree that calls what it is given there
        (``return _run_all(items, do_task)`` where ``_run_all`` calls ``do_task(...)``): called here too."""
        handed = [
            (i, a)
            for i, a in enumerate(call.args)
            if not a.star
            and isinstance(a.value, cst.Name)
            and a.value.value in names
            and (scope is fn or a.value.value not in scope.bindings)
        ]
        if not handed:
            return []
        callee = self.value(call.func, scope)
        if not isinstance(callee, Function) or callee.key.startswith(fn.key + ".<locals>."):
            return []  # ``decorator(_func)`` inside a decorator factory: it wraps the function, it does not run it
        if self.returns_closure(callee.key):
            return []  # ``fn = cached(...)(fn)``: a decorator of the tree hands back a closure calling it, runs nothing
        called = self.called_params(callee.key)
        if not called:
            return []
        return [
            a.value.value  # type: ignore[attr-defined]
            for i, a in handed
            if (a.keyword.value in called if a.keyword is not None else i in called.values())
        ]

    def returns_closure(self, key: str) -> bool:
        """A decorator (factory) of the tree (``def safe(fn): def run(*a): return fn(*a) ... return run``): it calls
        what it is given only inside the function it returns, so calling it wraps, and runs nothing."""
        fn = self.scopes.get(key)
        if fn is None or fn.kind != "function" or not fn.returns:
            return False
        names = [p.name.value for p in fn.params]
        if any(isinstance(c.node.func, cst.Name) and c.node.func.value in names for c in fn.calls):
            return False  # it also calls the parameter itself
        for ret in fn.returns:
            bound = fn.bindings.get(ret.value, ()) if isinstance(ret, cst.Name) else ()
            if not bound or not all(b[0] == "def" and b[1].parent is fn for b in bound):
                return False
        return True

    def passed_callable(self, fn_key: str, call: cst.Call, scope: Scope) -> tuple[Value, list[cst.Arg]] | None:
        """A call of a higher-order function of the tree that calls what it is given: the value passed for the
        called parameter (an SDK method, a wrapper) and the other arguments (what the callee receives)."""
        called = self.called_params(fn_key)
        if not called:
            return None
        for a_index, a in enumerate(call.args):
            if a.star:
                continue
            hit = a.keyword.value in called if a.keyword is not None else a_index in called.values()
            if not hit:
                continue
            v = self.value(a.value, scope)
            bound: list[cst.Arg] = []
            if isinstance(v, Partial):
                if _bound_here(a.value, scope):
                    # ``f = partial(self._run, user_prompt=prompt); fallback(f)``: what the partial binds is handed on
                    bound = [b for b in v.args[1:] if isinstance(b, cst.Arg)]
                v = v.inner
            if isinstance(v, Ref):  # retryer(litellm.completion, ...); run_sync(requests.post, url, json=...)
                ref = v.qname
                v = self.module_client(ref)
                if v is None and ref in clients.HTTP_FUNCTIONS:
                    v = Client("http", "http", (ref.rsplit(".", 1)[-1],))
            if self._callable_object(v):  # retryer(Preparer(prompts), ...): the helper calls the object's __call__
                v = self.member(v.cls, "__call__", True)
            if isinstance(v, Client | Function):
                param = a.keyword.value if a.keyword is not None else next(n for n, i in called.items() if i == a_index)
                self.passed_params.setdefault(fn_key, set()).add(param)
                return v, [b for b in call.args if b is not a] + bound
        return None

    def call_value(self, call: cst.Call, scope: Scope) -> Value:
        func = call.func
        runs = isinstance(func, cst.Attribute) and func.attr.value == "run_until_complete"
        if (runs or dotted(func) == "asyncio.run") and len(call.args) == 1 and isinstance(call.args[0].value, cst.Call):
            return self.value(call.args[0].value, scope)  # ``loop.run_until_complete(make_agent())``: what it returns
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and not call.args:
            held = self.value(func.value, scope)
            if isinstance(held, Instance) and held.cls in self.scopes and self.member(held.cls, "get", True) is None:
                # ``SESSION.get()`` on ``SESSION: ContextVar[SessionContext]`` (a typed holder, its annotation read as
                # the item it holds) on a class of the tree that defines no ``get``: the held object itself
                return held
        if isinstance(func, cst.Attribute) and func.attr.value in ("__enter__", "__aenter__") and not call.args:
            inner = self.value(func.value, scope)  # ctx.__aenter__(): what ``async with ctx as x`` binds
            if isinstance(inner, Client):
                return inner
        if isinstance(func, cst.Name) and func.value == "__import__" and call.args and not call.args[0].star:
            named = self.static_str(call.args[0].value, scope)  # ``ollama = __import__("ollama")`` (an import kept
            if named and self.lookup("__import__", scope) is None:  # lazy, to raise a friendlier error): the top
                return self.resolve_qname(named.split(".")[0])  # package it returns, as ``import ollama`` binds
        resolved = self.resolve_call(call, scope)
        callee = resolved.callee
        if callee is None and templates.names_stored_prompt(call):
            stored = self.stored_text(call, scope)  # ``store.get_prompt(prompt_name="hyde")`` on an unknown store
            if stored is not None:
                return stored
        if callee is None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "get" and call.args:
            table = self.value(call.func.value, scope)  # REGISTRY.get(name): an entry of a static table
            table = self.filled_table(call.func.value, table, scope)
            if isinstance(table, Const) and isinstance(table.value, dict):
                key = self.value(call.args[0].value, scope)
                if isinstance(key, Const) and key.value in table.value:
                    item = table.value[key.value]
                    return item.get(self) if isinstance(item, _Lazy) else _const(item)
                return self.any_entry(table) if not isinstance(key, Const) else None
        if isinstance(callee, Client):
            return self.client_call(callee, call, resolved.args, scope)
        if isinstance(callee, Ref):
            return self.ref_call(callee.qname, call, scope)
        if isinstance(callee, Class):
            return Instance(callee.key)
        if isinstance(callee, Function):
            loaded = self._module_named_by_argument(callee.key, call, scope)
            if loaded is not None:  # ``need("litellm")``: a helper importing the module its argument names
                return loaded
            bundled = templates.class_keyed_prompt(self, callee.key, call, scope)
            if bundled is not None:  # ``self._get_prompt("generate_verdicts", ...)``: the bundle's text for the class
                return bundled
            built = templates.settings_builder_value(self, callee.key, call, scope)
            if built is not None:  # ``self._build_prompt("review", ...)``: the settings table the caller names
                return built
            held = self.held_template_fill(callee.key, call, scope)
            if held is not None:  # ``self.check_template.fill(claim=c)``: the templates its construction gave
                return held
            found = self.subclass_classmethod_returns(callee.key, call, scope)
            if found is None:
                found = self.returns_of(callee.key)
            picked = templates.reader_call_value(
                self, callee.key, call, scope, found, lambda v: v.get(self) if isinstance(v, _Lazy) else v
            )
            if picked is not None:  # ``compose("x.system.txt", area="sorting")``: the files its arguments pick
                return picked
            if found is None:
                found = self.implementations_return(callee.key)
            if found is None or isinstance(found, Decorator):
                given = self._returned_argument(callee.key, call, scope)
                if given is not None:  # ``with_retry(self.ask, cfg)`` handing ``self.ask`` back, wrapped
                    return given
            if templates.names_stored_prompt(call) and not (isinstance(found, Text) and found.static().strip()):
                # ``handler.get_cached_prompt(prompt_name="hyde")`` reading a store filled from prompt files at run
                # time: the file of the tree the name picks
                stored = self.stored_text(call, scope)
                if stored is not None:
                    return stored
            if found is None or (isinstance(found, Text) and not found.static().strip()):
                # nothing static returned (``return prompt.strip()`` after ``prompt = f.read()``): a loader's file,
                # or the template module a manager imports by the name the call passes
                return (
                    templates.loader_value(self, callee.key, call, scope)
                    or templates.module_template(self, callee.key, call, scope)
                    or found
                )
            return found
        if isinstance(callee, Answer):  # resp.choices[0].message.content.strip()
            return callee
        if (
            callee is None
            and isinstance(func, cst.Attribute)
            and func.attr.value in _CHAT_MODEL_BINDERS
            and self.value(func.value, scope) is None
        ):
            # ``llm.bind_tools(tools)`` / ``llm.with_structured_output(Schema)`` on a model handed in untyped: methods
            # only a LangChain chat model has, so the object is one and what they return is that model, bound
            return Client("langchain", "chat-model")
        if isinstance(callee, Decorator):
            for a in call.args:
                v = self.value(a.value, scope)
                if isinstance(v, Function | Client | Partial):
                    return v
            return callee
        if callee is None and isinstance(func, cst.Name):
            handed = self.class_handed_in(func.value, scope)
            if handed is not None:  # ``return cls(**kw)`` in ``_build_client(self, cls)``: the SDK class handed in
                built = self.ref_call(handed, call, scope)
                return built if isinstance(built, Client) else None
        return None

    def class_handed_in(self, name: str, scope: Scope) -> str | None:
        """The outside class an untyped parameter is filled with by the module's own calls of its function, where the
        function builds the object itself (``def _build_client(self, cls): ... return cls(**kw)`` called as
        ``self._build_client(OpenAI)`` / ``self._build_client(sdk.AsyncAnthropic)``, the SDK picked sync or async):
        the qualified name of the first class handed, when every call hands a class of one outside package; else
        None."""
        fn = scope if scope.kind == "function" else scope.enclosing_function()
        if fn is None or fn.name == "<lambda>":
            return None
        param = next((p for p in fn.params if p.name.value == name and not p.star), None)
        if param is None or param.annotation is not None or param.default is not None:
            return None
        if any(b[0] != "param" for b in fn.bindings.get(name, ())):
            return None  # rebound before the call
        if id(param) in self._handed_classes:
            return self._handed_classes[id(param)]
        self._handed_classes[id(param)] = None  # while computing
        names = [p.name.value for p in fn.params]
        cls = fn.enclosing_class()
        if cls is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        if name not in names:
            return None  # the receiver (``cls`` in a classmethod): bound by the call's object, not handed by a caller
        index = names.index(name)
        qnames: list[str] = []
        for _, info in self._module_calls_of(fn):
            given = arg(info.node, name, index)
            v = self.value(given, info.scope) if given is not None else None
            if not isinstance(v, Ref) or "." not in v.qname or not v.qname.rsplit(".", 1)[-1][:1].isupper():
                return None  # something else handed as well (a class of the tree, a value)
            qnames.append(v.qname)
        if not qnames or len({q.split(".")[0] for q in qnames}) != 1:
            return None
        self._handed_classes[id(param)] = qnames[0]
        return qnames[0]

    def held_template_fill(self, key: str, call: cst.Call, scope: Scope) -> Text | None:
        """What a method of a prompt object returns where the object was built once with template texts and the
        method fills them (``self.t = Template(cfg, "", CHECK)`` with ``self.user_prompt = user_prompt`` in its
        ``__init__``, then ``self.t.fill(claim=c)`` whose body formats ``self.user_prompt.format(**slots)``): those
        templates, in the order the method fills them, each slot a hole (the method fills them from what it is
        handed), joined by a blank line. What happens to the text after (cut to a token budget, wrapped in a chat
        template) is no prompt of its own. None where the method fills no attribute the construction gave text."""
        fn = self.scopes.get(key)
        func = call.func
        if fn is None or fn.kind != "function" or not fn.params or not isinstance(func, cst.Attribute):
            return None
        owner = fn.enclosing_class()
        me = fn.params[0].name.value
        fills: list[tuple[str, cst.Call, Scope]] = []
        for info in fn.calls:
            f = info.node.func
            if (
                isinstance(f, cst.Attribute)
                and f.attr.value == "format"
                and isinstance(f.value, cst.Attribute)
                and isinstance(f.value.value, cst.Name)
                and f.value.value.value == me
            ):
                fills.append((f.value.attr.value, info.node, info.scope))
        if owner is None or not fills or not self._returns_filled(fn, [node for _, node, _ in fills]):
            return None
        if any(isinstance(self.value(info.node.func, info.scope), Client) for info in fn.calls[:64]):
            return None  # the method sends the filled prompt itself: a call of it hands back the model's answer
        found = self.returns_of(key)
        if found is not None and not (isinstance(found, Text) and not found.static().strip()):
            # a method sending the filled prompt itself hands back the model's answer, not the prompt; one building a
            # message list or returning text already read keeps that reading
            return None
        built = self.held_construction(func.value, scope)
        if built is None:
            return None
        cls_key, attrs = built
        if cls_key != owner.key and not self.derives(cls_key, owner.key):
            return None
        texts: list[Text] = []
        for attr, node, where in sorted(fills, key=lambda t: _line_of(t[1]) or 0):
            given = attrs.get(attr)
            if not given or not given.strip():
                continue
            filled = self.format_call(node, Text((PromptPart(given),), "literal"), where)
            if filled is None:
                return None
            if texts:
                texts.append(Text((PromptPart("\n\n"),), "literal"))
            texts.append(filled)
        return concat(texts, "format") if texts else None

    @staticmethod
    def _returns_filled(fn: Scope, fills: list[cst.Call]) -> bool:
        """Whether a return of ``fn`` hands back what its template fills make: a fill itself, or a local assigned
        from one (or from such a local: ``text = system + user``, ``return self.cut(text)``), a few steps deep."""
        ids = {id(n) for n in fills}
        carrying: set[str] = set()

        def mentions(node: cst.CSTNode) -> bool:
            for sub in _subnodes(node, 400):
                if id(sub) in ids or (isinstance(sub, cst.Name) and sub.value in carrying):
                    return True
            return False

        assigns = [n for n in own_nodes(fn) if isinstance(n, cst.Assign | cst.AugAssign)][:200]
        for _ in range(4):
            grew = False
            for a in assigns:
                targets = [t.target for t in a.targets] if isinstance(a, cst.Assign) else [a.target]
                names = [t.value for t in targets if isinstance(t, cst.Name) and t.value not in carrying]
                if names and mentions(a.value):
                    carrying.update(names)
                    grew = True
            if not grew:
                break
        return any(r is not None and mentions(r) for r in fn.returns)

    def held_construction(self, recv: cst.BaseExpression, scope: Scope) -> tuple[str, dict[str, str]] | None:
        """(class, attribute -> literal text) of the object ``recv`` names where it is built once by a class of the
        tree: ``self.<attr>`` assigned once in its class (``self.t = Template(cfg, "", CHECK)``) or a local bound
        once (``t = Template(...)``); each attribute its ``__init__`` sets straight from a parameter that the
        construction gives static text (a literal, a constant, a local holding one). None otherwise."""
        node: Any = None
        where = scope
        if isinstance(recv, cst.Attribute) and isinstance(recv.value, cst.Name):
            fn = scope.enclosing_function() if scope.kind != "function" else scope
            cls = fn.enclosing_class() if fn is not None else None
            if cls is None or not fn.params or fn.params[0].name.value != recv.value.value:
                return None
            bindings = [b for b in cls.self_attrs.get(recv.attr.value) or [] if b[0] != "annot"]
            if len(bindings) == 1 and bindings[0][0] == "expr":
                node, where = bindings[0][1], bindings[0][2]
        elif isinstance(recv, cst.Name):
            bindings = self.bindings_of(recv.value, scope) or []
            if len(bindings) == 1 and bindings[0][0] == "expr":
                node, where = bindings[0][1], bindings[0][2]
        if not isinstance(node, cst.Call) or any(a.star for a in node.args):
            return None
        cls_value = self.value(node.func, where)
        init = self.member(cls_value.key, "__init__", False) if isinstance(cls_value, Class) else None
        init_scope = self.scopes.get(init.key) if isinstance(init, Function) else None
        if init_scope is None or init_scope.enclosing_class() is None or not init_scope.params:
            return None
        names = [p.name.value for p in init_scope.params[1:] if not p.star]
        given: dict[str, str] = {}
        for i, a in enumerate(node.args):
            name = a.keyword.value if a.keyword is not None else (names[i] if i < len(names) else None)
            text = self.static_str(a.value, where) if name is not None else None
            if text is not None:
                given[name] = text
        attrs: dict[str, str] = {}
        for attr, bindings in init_scope.enclosing_class().self_attrs.items():
            for b in bindings:
                rhs = b[1] if b[0] == "expr" and len(b) > 2 and b[2] is init_scope else None
                if isinstance(rhs, cst.Name) and rhs.value in given:
                    attrs.setdefault(attr, given[rhs.value])
        return (cls_value.key, attrs) if attrs else None  # type: ignore[union-attr]

    def stored_text(self, call: cst.Call, scope: Scope) -> Text | None:
        """The text of the prompt files a call fetching stored prompts by name picks (``templates.stored_prompts``),
        joined in the order named; None when it names none the tree holds."""
        stored = templates.stored_prompts(self, call, scope)
        if not stored:
            return None
        parts: list[PromptPart] = []
        for i, (_key, text) in enumerate(stored):
            if i:
                parts.append(PromptPart("\n\n"))
            parts.extend(text.parts)
        return Text(tuple(parts), "template-file", stored[0][1].template_file)

    def _module_named_by_argument(self, key: str, call: cst.Call, scope: Scope) -> Value:
        """The top package a call of a lazy-import helper names: a function of the tree that hands one of its own
        parameters, unchanged, to the import machinery (``importlib.import_module(name)``,
        ``importlib.util.find_spec(name)``, ``__import__(name)``) returns that module (or a proxy standing for it), as
        ``import pkg`` would bind it. None when the function is no such helper or the argument is not a static name."""
        fn = self.scopes.get(key)
        if fn is None or fn.kind != "function":
            return None
        if "imports_param" not in fn.derived:
            fn.derived["imports_param"] = self._imported_parameter(fn)
        param = fn.derived["imports_param"]
        if param is None:
            return None
        name, index, whole = param
        for i, a in enumerate(call.args):
            if a.star:
                return None
            if (a.keyword is not None and a.keyword.value == name) or (a.keyword is None and i == index):
                named = self.static_str(a.value, scope) or ""
                if whole and all(part.isidentifier() for part in named.split(".")):
                    # ``importlib.import_module("pkg.sub")`` hands back the submodule named, not its top package
                    return self.resolve_qname(named)
                top = named.split(".")[0]
                return self.resolve_qname(top) if top.isidentifier() else None
        return None

    def _imported_parameter(self, fn: Scope) -> tuple[str, int, bool] | None:
        """``(name, position, whole)`` of the parameter ``fn`` hands unchanged to the import machinery, else None;
        ``whole``: handed to ``import_module``, which returns the module named itself (``__import__`` returns the top
        package, ``find_spec`` only checks it is there)."""
        names = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        for info in fn.calls:
            call = info.node
            head = dotted(call.func) or ""
            if head.rsplit(".", 1)[-1] not in _IMPORT_BY_NAME or not call.args or call.args[0].keyword is not None:
                continue
            arg = call.args[0].value
            if not isinstance(arg, cst.Name) or arg.value not in names:
                continue
            if head != "__import__" and not isinstance(self.value(call.func, fn), Ref):
                continue  # a method of the tree's own that happens to share the name
            if any(b[0] != "param" for b in fn.bindings.get(arg.value, ())):
                continue  # the parameter rebound (``name = f"pkg.{name}"``) before the import
            return arg.value, names.index(arg.value), head.rsplit(".", 1)[-1] == "import_module"
        return None

    def _returned_argument(self, key: str, call: cst.Call, scope: Scope) -> Value:
        """What a call hands a function that returns that parameter, as it is or wrapped by a decorator from outside
        the tree (``def with_retry(fn, cfg): return Retrying(...).wraps(fn)``): the function or client passed."""
        fn = self.scopes.get(key)
        if fn is None or fn.kind != "function" or len(fn.returns) != 1:
            return None
        names = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        ret = fn.returns[0]
        method: cst.Call | None = None  # ``return model.with_config(tags=tags)``: a method of the object handed in
        if (
            isinstance(ret, cst.Call)
            and isinstance(ret.func, cst.Attribute)
            and isinstance(ret.func.value, cst.Name)
            and ret.func.value.value in names
        ):
            method, ret = ret, ret.func.value
        elif isinstance(ret, cst.Call) and not isinstance(self.value(ret.func, fn), Function | Class):
            positional = [a for a in ret.args if a.keyword is None and not a.star]
            ret = positional[0].value if len(positional) == 1 and len(ret.args) == 1 else ret
        if not isinstance(ret, cst.Name) or ret.value not in names:
            return None
        if any(b[0] != "param" for b in fn.bindings.get(ret.value, ())):
            return None  # the parameter rebound before it is returned
        index = names.index(ret.value)
        for i, a in enumerate(call.args):
            if a.star:
                return None
            if (a.keyword is not None and a.keyword.value == ret.value) or (a.keyword is None and i == index):
                v = self.value(a.value, scope)
                if method is not None:
                    # the client handed in, configured by the method (a factory path of its kind: ``with_config``,
                    # ``bind``, ``with_structured_output``): the configured client; anything else is not followed
                    if not isinstance(v, Client):
                        return None
                    attr = method.func.attr.value  # type: ignore[attr-defined]
                    return self.client_call(self.attribute(v, attr), method, list(method.args), fn)  # type: ignore[arg-type]
                return v if isinstance(v, Function | Client | Partial) else None
        return None

    def implementations_return(self, key: str) -> Value:
        """What a call of the base method ``key`` returns when the base itself returns nothing known (``raise
        NotImplementedError``, or ``return await agent.build()`` on a local bound to one of several subclasses, which
        is a call of this same method): the merged returns of the overrides it reaches, e.g. the executors each agent
        class builds; a chain among different objects keeps no prompt of its own (which one runs is picked at run
        time). None when no override returns an object the evaluator follows."""
        impls = self.overrides(key)
        if not impls or len(impls) > 12:
            return None
        values = [v for v in (self.returns_of(i) for i in impls) if isinstance(v, Instance | Client)]
        if not values:
            return None
        merged = self.merge(values)
        if isinstance(merged, Client) and len(set(values)) > 1:
            return replace(merged, prompt_key=None)  # one of several built objects: no one prompt of its own known
        return merged

    def returns_of(self, key: str) -> Value:
        fn = self.scopes.get(key)
        if fn is None:
            return None
        values = [self.value(r, fn) for r in fn.returns]
        if not fn.returns and fn.yields and _CONTEXT_MANAGERS & {dotted(d) for d in fn.decorators}:
            # @asynccontextmanager def session(): async with ClientSession() as s: yield s
            values = [v for v in (self.value(y, fn) for y in fn.yields) if isinstance(v, Client)]
        interesting = [v for v in values if isinstance(v, _INTERESTING)]
        functions = list(dict.fromkeys(v.key for v in interesting if isinstance(v, Function)))
        if functions:
            # ``fallback = default or app.HANDLER`` typed by a callable Protocol (``class Handler(Protocol): def
            # __call__(...)``) beside the functions the factory builds: the Protocol only types a function value, so
            # what a call of the result reaches is those functions, not the stub ``__call__`` it declares
            interesting = [v for v in interesting if not (isinstance(v, Instance) and self.callable_protocol(v.cls))]
        if 1 < len(functions) <= 20:
            # a factory handing back one of several functions of the tree (a placeholder when nothing is configured,
            # a cached handler, the closure it builds): a call of what it returns is a call of whichever one it
            # picked, as over a dispatch table (``any_entry``)
            for fkey in functions:
                others = (*self.table_alternatives.get(fkey, ()), *(k for k in functions if k != fkey))
                self.table_alternatives[fkey] = tuple(dict.fromkeys(others))
        if interesting:  # a factory returning one of several providers: their common base
            declared = self.declared_base(fn, values, interesting)
            return self.merge([*interesting, declared] if declared is not None else interesting)
        for v in values:  # create_client() returning the ``litellm`` module / ``litellm.completion``
            if isinstance(v, Ref) and (v.qname in clients.MODULE_CLIENTS or self.module_client(v.qname)):
                return self.module_as_client(v.qname)
        # ``def _load_base(): return importlib.import_module("pkg.llms").OpenAI``: the outside class it hands back
        refs = {v.qname.rpartition(".")[2][:1].isupper() for v in values if isinstance(v, Ref)}
        # values compared, not hashed: a returned literal's value may be a dict
        if refs == {True} and all(v == values[0] for v in values) and len(values) == len(fn.returns):
            return values[0]
        found = next((v for v in values if isinstance(v, Const | Text) and not _is_none(v)), None)
        returns = getattr(fn.node, "returns", None)  # a factory annotated with the base type it builds
        # (``-> Optional[Agent]`` returning None when nothing fits: the annotation still names what it returns)
        if found is None and isinstance(returns, cst.Annotation) and fn.parent is not None:
            typed = self.instance_of(returns.annotation, fn.parent)
            if isinstance(typed, Instance | Client):
                return typed
        return found if found is not None else next((v for v in values if isinstance(v, Const | Text)), None)

    def subclass_classmethod_returns(self, key: str, call: cst.Call, scope: Scope) -> Value:
        """``Politeness.build_system_prompt(...)``: a classmethod a base class defines (``cls.template.format(...)``),
        called on a subclass of the tree that sets the class attributes it reads: what it returns with ``cls`` that
        subclass. None for any other call (the plain reading stands)."""
        fn = self.scopes.get(key)
        if fn is None or fn.kind != "function" or not isinstance(call.func, cst.Attribute):
            return None
        owner = fn.enclosing_class()
        if owner is None or "classmethod" not in {dotted(d) for d in fn.decorators}:
            return None
        receiver = self.value(call.func.value, scope)
        if not isinstance(receiver, Class) or receiver.key == owner.key or not self.derives(receiver.key, owner.key):
            return None
        found = self.receiving(receiver.key, lambda: self.returns_of(key))
        return found if isinstance(found, Text | Const) else None

    def declared_base(self, fn: Scope, values: list[Value], interesting: list[Value]) -> Instance | None:
        """A factory annotated ``-> Optional["Base"]`` whose returns the evaluator only partly knows (``return
        Stub(cfg)`` known, ``return cls(cfg)`` with ``cls`` picked from a table not): an instance of the annotated
        class of the tree when every known instance derives from it, so a call on the result reaches every
        implementation and not only the one return that happened to resolve. None otherwise."""
        if not any(v is None for v in values):
            return None
        returns = getattr(fn.node, "returns", None)
        if not isinstance(returns, cst.Annotation) or fn.parent is None:
            return None
        typed = self.instance_of(returns.annotation, fn.parent)
        if not isinstance(typed, Instance):
            return None
        known = [v for v in interesting if isinstance(v, Instance)]
        if not known or len(known) != len(interesting):
            return None
        if not all(typed.cls in self.lineage(v.cls) for v in known):
            return None
        return typed

    def client_call(self, client: Client, call: cst.Call, args: list[cst.Arg], scope: Scope) -> Value:
        client = self.fitting(client)
        path = tuple(p for p in client.path if p not in clients.TRANSPARENT_SEGMENTS)
        key = ".".join(path)
        if client.kind == "hf-model" and key == "" and self.decoding_loop(scope):
            return Answer(frozenset({id(call)}))  # one forward step of a hand-rolled generation loop
        if key in clients.REQUEST_PATHS.get(client.kind, {}):
            if client.kind in ("http", "http-client") and id(call) not in self.llm_endpoints:
                req_args, req_scope = self.request_object_args(args, scope) if key == "urlopen" else (args, scope)
                if not (self.is_llm_url(req_args, req_scope) or self.is_llm_body(req_args, req_scope)):
                    return None
                url = self.url_expr(req_args, req_scope)
                if url is not None and clients.non_text_url(self.text(url, req_scope).static()):
                    return None  # ``base + "/images/generations"`` with a prompt in the body: an image, not text
            return Answer(frozenset({id(call)}))
        new_kind = clients.FACTORY_PATHS.get((client.kind, key))
        if new_kind == "boto3-client":
            return self.boto3_client(call, scope)
        if new_kind is None:
            return None
        schema, tools = client.schema, client.tools
        if key == "with_structured_output" and call.args:
            schema = self.source(call.args[0].value, scope)
        if key == "bind_tools" and call.args:
            tools = tuple(tool_names(self, call.args[0].value, scope))
        model = client.model
        if new_kind != client.kind:
            model = self.static_str(arg(call, "model", 0), scope) or model
        return Client(
            client.family, new_kind, (), model, client.is_async, client.options, schema, tools, client.prompt_key
        )

    def ref_call(self, qname: str, call: cst.Call, scope: Scope) -> Value:
        built = self.construct(qname, call, scope)
        if built is not None:
            return built
        if qname in _CASTS and len(call.args) == 2 and not any(a.star for a in call.args):
            held = self.value(call.args[1].value, scope)  # cast(AsyncInstructor, self.client): the client held
            if isinstance(held, Client):
                return held
            # ``cast(BaseLanguageModel, llm)`` on a parameter declared as a union of wrapper types: the type named
            declared = self.instance_of(call.args[0].value, scope)
            return declared if declared is not None else held
        if qname in _COPIES and call.args and not call.args[0].star:  # model_copy = deepcopy(self.model)
            copied = self.value(call.args[0].value, scope)
            return copied if isinstance(copied, Instance | Client) else None
        if qname == "importlib.import_module" and call.args:  # import_module("pkg.providers"): that module
            return self.imported_module(call, scope)
        if qname in clients.BOTO3_CLIENT:
            return self.boto3_client(call, scope)
        if qname in clients.PARTIAL and call.args:
            return Partial(self.value(call.args[0].value, scope), tuple(call.args))
        if qname in clients.OPENAI_SHAPED:
            return Client(clients.OPENAI_SHAPED[qname], "openai")
        if qname in clients.DECORATORS:
            for a in call.args:
                v = self.value(a.value, scope)
                if isinstance(v, Function | Client | Partial):
                    return v
            return Decorator()
        if qname in DATA_LOADERS and call.args:
            return self.load_data(call.args[0].value, scope)
        if clients.langchain_prompt(qname):
            self.keep.append(call)
            self.prompt_ctors[id(call)] = (call, scope)
            return Client("langchain", "prompt", prompt_key=id(call))
        if qname in clients.TEMPLATE_FILE_CHAINS:  # ``llm_generation_chain("query.prompt", engine=...)``
            family, _, model_kw = clients.TEMPLATE_FILE_CHAINS[qname]
            self.keep.append(call)
            self.prompt_ctors[id(call)] = (call, scope)
            model = self.static_str(arg(call, model_kw), scope)
            return Client(family, "chain", (), model, prompt_key=id(call))
        if clients.langchain_chain_builder(qname):
            values = [self.value(a.value, scope) for a in call.args if a.star != "**"]
            for a in call.args:  # ``create_agent(**kwargs)`` over ``kwargs = {"model": ChatOpenAI(...), ...}``
                if a.star == "**":
                    values += self._dict_literal_values(a.value, scope)
            # ``LLMChain(llm=chat, prompt=template)``: the template handed beside the model is the chain's prompt
            prompt = next((v for v in values if isinstance(v, Client) and v.kind == "prompt"), None)
            # an agent builder, or an executor handed an agent (``AgentExecutor(agent=create_react_agent(...))``)
            agent = clients.langchain_agent_loop(qname) or any(isinstance(v, Client) and v.agent for v in values)
            for v in values:
                if isinstance(v, Instance) and (base := self.sdk_base(v.cls)) is not None:
                    v = base  # ``LLMChain(llm=self.model)`` over the tree's subclass of a chat model
                if isinstance(v, Client) and v.kind in ("chat-model", "chain"):
                    key = prompt.prompt_key if prompt is not None else v.prompt_key
                    return Client(
                        "langchain", "chain", (), v.model, v.is_async, v.options, v.schema, v.tools, key, agent=agent
                    )
            return None
        module_client = self.module_client(qname)
        if module_client is not None:
            return self.client_call(module_client, call, list(call.args), scope)
        if qname in clients.HTTP_FUNCTIONS:
            req_args, req_scope = self.request_object_args(list(call.args), scope)
            if id(call) in self.llm_endpoints or self.is_llm_url(req_args, req_scope):
                return Answer(frozenset({id(call)}))
            if self.is_llm_body(req_args, req_scope):
                return Answer(frozenset({id(call)}))
        return None

    def imported_module(self, call: cst.Call, scope: Scope) -> Value:
        """``importlib.import_module(name, package)``: the tree's module a static name gives (relative names against
        ``package``); a name computed at run time under a static package prefix (``f".{kind}"`` with a package,
        ``f"app.providers.{kind}"``) is one of the modules directly under that package (``ModuleFamily``)."""
        package_expr = arg(call, "package", 1)
        package = None
        if isinstance(package_expr, cst.Name) and package_expr.value == "__package__":
            mod = scope.module
            package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
        elif package_expr is not None:
            package = self.static_str(package_expr, scope)
        named = self.value(call.args[0].value, scope)
        if isinstance(named, Const) and isinstance(named.value, str):
            full = _absolute_module(named.value, package)
            return self.resolve_qname(full) if full else None
        if not isinstance(named, Text):
            return None
        head = ""
        for i, part in enumerate(named.parts):
            if part.hole:
                if any(not p.hole and "." in p.text for p in named.parts[i:]):
                    return None  # a computed name in the middle of the path: no single package holds the pick
                break
            head += part.text
        if not head.endswith("."):
            return None
        prefix = _absolute_module(head[:-1] if head.strip(".") else head, package)
        if not prefix or not any(k.startswith(prefix + ".") for k in self.project.known):
            return None
        return ModuleFamily(prefix)

    def family_member(self, family: ModuleFamily, name: str) -> Value:
        """``getattr(module, "send")`` on a module picked at run time among a package's modules: the functions (or
        classes) of that name the package's modules define. A function is the first one, the others recorded in
        ``family_alternatives`` so a call of it reaches each; classes are their nearest common base."""
        depth = family.prefix.count(".") + 1
        found: list[Value] = []
        for key in sorted(self.project.known)[:5000]:
            if not key.startswith(family.prefix + ".") or key.count(".") != depth:
                continue
            value = self.resolve_qname(f"{key}.{name}")
            if isinstance(value, Function | Class) and value not in found:
                found.append(value)
            if len(found) >= 20:
                break
        functions = [v.key for v in found if isinstance(v, Function)]
        if functions:
            for key in functions:
                self.family_alternatives[key] = tuple(k for k in functions if k != key)
            return Function(functions[0])
        classes = [v.key for v in found if isinstance(v, Class)]
        common = self.common_base(classes) if len(classes) > 1 else (classes[0] if classes else None)
        return Class(common) if common is not None else None

    def module_getattr(self, call: cst.Call, scope: Scope) -> Value:
        """``getattr(transformers, name)``: a member of an outside module looked up by name. A static name is that
        member; a computed one in ``transformers`` (``config.architectures[0]``) is the model class the checkpoint
        names, taken as a generative model class (only its ``generate`` calls become requests)."""
        base = self.value(call.args[0].value, scope)
        name = self.static_str(call.args[1].value, scope)
        if isinstance(base, ModuleFamily):
            return self.family_member(base, name) if name else None
        if isinstance(base, Module):  # a module of the tree: the member, or any class it holds (picked by name)
            return self.resolve_qname(f"{base.name}.{name}") if name else self.any_class_of(base.name)
        if isinstance(base, Client):  # ``getattr(client.responses, "create", None)``: the member, as spelled out
            return kept_member(base, name) if name else computed_request_member(base)
        if isinstance(base, Instance):  # getattr(model, method_name): a method named by the caller
            for picked in [name] if name else self.passed_strings(call.args[1].value, scope):
                member = self.attribute(base, picked)
                if isinstance(member, Function) or (name and isinstance(member, Client)):
                    return member  # ``getattr(self, "stream_chat")`` in a mixin of a framework model: its API
            return None
        if not isinstance(base, Ref):
            return None
        if name:
            return Ref(f"{base.qname}.{name}")
        if base.qname == "transformers":
            return Ref("transformers.AutoModelForCausalLM")
        return None

    def any_class_of(self, module: str) -> Value:
        """``getattr(strategies, config.name)``: the class a name picks among those a module of the tree defines or
        imports, as their nearest common base (a call on it reaches every implementation); None when they share
        none."""
        mod = self.project.module(module)
        if mod is None:
            return None
        keys = []
        for name in list(mod.scope.bindings)[:200]:
            if name == "*" or name.startswith("_"):
                continue
            value = self.resolve_qname(f"{module}.{name}")
            if isinstance(value, Class):
                keys.append(value.key)
        common = self.common_base(keys) if keys else None
        return Class(common) if common is not None else None

    def module_as_client(self, qname: str) -> Client | None:
        """A client module (``litellm``) or a member of one (``litellm.completion``) as a client value."""
        kind = clients.MODULE_CLIENTS.get(qname)
        if kind is not None:
            return Client(kind.family, kind.kind, (), is_async=kind.is_async)
        return self.module_client(qname)

    def _dict_literal_values(self, expr: cst.BaseExpression, scope: Scope) -> list[Value]:
        """The values of a dict literal a name is bound to in its function (``kwargs = {"model": llm, ...}`` unpacked
        as ``**kwargs``): one dict literal binding, its first entries."""
        if not isinstance(expr, cst.Name):
            return []
        bound = [b for b in self.bindings_of(expr.value, scope) or () if b[0] == "expr"]
        if len(bound) != 1 or not isinstance(bound[0][1], cst.Dict):
            return []
        at = bound[0][2] if len(bound[0]) > 2 else scope
        return [self.value(el.value, at) for el in bound[0][1].elements[:16] if isinstance(el, cst.DictElement)]

    def served_graph_calls(self) -> frozenset[int]:
        """The ids of the calls whose value LangGraph's server runs: what a ``langgraph.json`` of the tree names under
        ``graphs`` (``"./agent.py:graph"``, ``"pkg.agents:make_agent"``) is a module-level name bound to a call (one
        hop through another name: ``graph = agent``) or a graph factory, whose returned call is served, following a
        factory that returns a call of another function of the tree (a lazy-import shim) to that one's returns."""
        cached = self.__dict__.get("_served_graph_calls")
        if cached is not None:
            return cached
        found: set[int] = set()
        try:
            self._collect_served_graph_calls(found)
        except (OSError, ValueError, RecursionError):
            pass
        out = frozenset(found)
        self.__dict__["_served_graph_calls"] = out
        return out

    def _collect_served_graph_calls(self, found: set[int]) -> None:
        import json

        root = self.project.root
        specs: list[tuple[Path, str]] = []
        for found_path in sorted(root.rglob("langgraph.json"))[:16]:
            path = templates.within_root(root, found_path)  # a link out of the tree is not read
            if path is None or "node_modules" in path.parts or not path.is_file():
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, UnicodeDecodeError):
                continue
            graphs = data.get("graphs") if isinstance(data, dict) else None
            for spec in graphs.values() if isinstance(graphs, dict) else ():
                spec = spec.get("path") if isinstance(spec, dict) else spec
                if isinstance(spec, str):
                    specs.append((path, spec))
        todo: list[Scope] = []
        for path, spec in specs:
            target, _, name = spec.rpartition(":")
            mod = self._served_module(root, path, target) if target and name.isidentifier() else None
            if mod is None:
                continue
            bindings = list(mod.scope.bindings.get(name, ()))
            for _ in range(2):  # ``graph = agent`` then ``agent = create_agent(...)``
                nxt: list[Binding] = []
                for b in bindings[:4]:
                    if b[0] == "def" and isinstance(b[1], Scope):
                        todo.append(b[1])
                    elif b[0] == "expr" and isinstance(b[1], cst.Call):
                        found.add(id(b[1]))
                    elif b[0] == "expr" and isinstance(b[1], cst.Name):
                        nxt += mod.scope.bindings.get(b[1].value, ())
                bindings = nxt
        seen: set[str] = set()
        while todo and len(seen) < 64:
            fn = todo.pop()
            if fn.key in seen:
                continue
            seen.add(fn.key)
            for r in fn.returns:
                if not isinstance(r, cst.Call):
                    continue
                found.add(id(r))
                callee = self.value(r.func, fn)
                inner = self.scopes.get(callee.key) if isinstance(callee, Function) else None
                if inner is not None:
                    todo.append(inner)

    def _served_module(self, root: Path, config: Path, target: str) -> ModuleIndex | None:
        """The tree's module a ``langgraph.json`` graph names: a file path relative to the config's folder, or a
        dotted module name (as importable from the config's folder: the tree's module whose name ends with it)."""
        if target.endswith(".py") or "/" in target:
            try:
                rel = (config.parent / target).resolve().relative_to(root.resolve())
            except ValueError:
                return None
            parts = list(rel.with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            names = [".".join(parts)]
        else:
            names = sorted((k for k in self.project.known if k == target or k.endswith("." + target)), key=len)
        for name in names[:4]:
            mod = self.project.module(name)
            if mod is not None:
                return mod
        return None

    def module_client(self, qname: str) -> Client | None:
        parts = qname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            kind = clients.MODULE_CLIENTS.get(".".join(parts[:i]))
            if kind is not None:
                return Client(kind.family, kind.kind, tuple(parts[i:]), is_async=kind.is_async)
        return None

    def construct(self, qname: str, call: cst.Call | None, scope: Scope) -> Client | None:
        """A client built by calling ``qname`` (a known constructor), else None."""
        kind = clients.CONSTRUCTORS.get(qname)
        if kind is None:
            lc = clients.langchain_kind(qname)
            li = clients.llamaindex_kind(qname)
            if lc is not None:
                kind = clients.ClientKind("langchain", lc)
            elif li is not None:
                kind = clients.ClientKind("llamaindex", li)
            elif clients.HF_GENERATIVE_MODEL.match(qname) or (
                qname in clients.HF_REMOTE_CODE_MODEL and call is not None and _remote_code(call, self, scope)
            ):
                kind = clients.ClientKind("hf", "hf-model")
            elif qname in clients.HF_PIPELINE:
                task = self.static_str(arg(call, "task", 0), scope) if call is not None else None
                if task not in clients.HF_TEXT_TASKS:
                    return None
                kind = clients.ClientKind("hf", "hf-pipeline")
            else:
                return None
        if call is None:
            return Client(kind.family, kind.kind, is_async=kind.is_async)
        model = None
        for name in ("model", "model_name", "model_id", "model_path", "repo_id", "model_or_path"):
            model = self.static_str(arg(call, name), scope)
            if model:
                break
        if model is None and kind.kind in ("gemini-model", "vllm", "hf-model", "llamacpp", "chat-model"):
            model = self.static_str(arg(call, "", 0), scope)
        options = tuple(
            (a.keyword.value, self.option_value(a.value, scope))
            for a in call.args
            if a.keyword is not None and a.keyword.value in OPTION_NAMES
        )
        prompt_key = None
        if kind.kind in clients.DECLARED_PROMPT_KINDS:  # ``dspy.Predict(Sig)``: the Signature is its calls' prompt
            self.keep.append(call)
            prompt_key = id(call)
        return Client(kind.family, kind.kind, (), model, kind.is_async, options, prompt_key=prompt_key)

    def load_data(self, expr: cst.BaseExpression, scope: Scope) -> Value:
        """``yaml.safe_load(open("prompts.yaml"))`` / ``json.load(f)``: the file's data, strings as template text."""
        target = expr
        if isinstance(expr, cst.Name):
            bindings = self.bindings_of(expr.value, scope) or []
            target = next((b[1] for b in bindings if b[0] == "expr"), expr)
        reads = isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute)
        if reads and target.func.attr.value in ("read", "read_text"):  # type: ignore[union-attr]
            target = target.func.value  # type: ignore[union-attr]
        path = self.file_of(target, scope) or templates.path_of(self, target, scope)
        if path is None:
            return None
        text = templates.read_file_text(path)  # (a FIFO would block a plain read; a huge file is no prompt table)
        if text is None:
            return None
        try:
            data = templates.parse_data(text)
        except Exception:  # not a document slmc reads (not YAML, nested too deep)
            return None
        wrapped = templates.wrap_data(data, self.relpath(path), str_keys=False)
        return Const(wrapped) if wrapped is not None or data is None else None

    def boto3_client(self, call: cst.Call, scope: Scope) -> Client | None:
        expr = arg(call, "service_name", 0)
        service = self.static_str(expr, scope)
        services = [service] if service is not None else self.local_arguments(expr, scope)
        if not any("bedrock" in s and "agent" not in s for s in services):
            return None
        return Client("bedrock", "bedrock")

    def local_arguments(self, expr: cst.BaseExpression | None, scope: Scope) -> list[str]:
        """Static strings the module's own calls pass for a parameter of the enclosing function
        (``self._init_client("bedrock-runtime")`` for ``def _init_client(self, service_name)``)."""
        fn = scope.enclosing_function()
        if not isinstance(expr, cst.Name) or fn is None:
            return []
        names = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        bindings = self.bindings_of(expr.value, scope) or []
        if expr.value not in names or not any(b[0] == "param" and b[2] is fn for b in bindings):
            return []
        index = names.index(expr.value)
        out: list[str] = []
        for other in fn.module.scopes:
            for info in other.calls:
                called = called_name(info.node.func)
                if called != fn.name:
                    continue
                v = self.static_str(arg(info.node, expr.value, index), info.scope)
                if v is not None:
                    out.append(v)
        return out[:20]

    def request_object_args(self, args: list[cst.Arg], scope: Scope) -> tuple[list[cst.Arg], Scope]:
        """``urlopen(req)`` with ``req = urllib.request.Request(url, data=..., method="POST")``: the Request's
        arguments (where the URL and body are), else the call's own."""
        positional = [a.value for a in args if a.keyword is None and not a.star]
        target, target_scope = (positional[0], scope) if positional else (None, scope)
        if isinstance(target, cst.Name):
            found = [b for b in self.bindings_of(target.value, scope) or () if b[0] == "expr"]
            if len(found) == 1:
                target, target_scope = found[0][1], found[0][2]
        if isinstance(target, cst.Call):
            callee = self.value(target.func, target_scope)
            if isinstance(callee, Ref) and callee.qname in clients.HTTP_REQUEST_OBJECTS:
                out = list(target.args)
                given = [a for a in out if a.keyword is None and not a.star]
                if len(given) > 1 and arg(target, "data") is None:  # Request(url, payload)
                    out.append(cst.Arg(value=given[1].value, keyword=cst.Name("data")))
                return out, target_scope
        return args, scope

    def splat_entry(self, args: list[cst.Arg], keys: tuple[str, ...], scope: Scope) -> cst.BaseExpression | None:
        """``session.request(**request_kwargs)`` with ``request_kwargs = {"url": ..., "data": ...}`` built once in the
        function: the expression given for the first of ``keys``."""
        for a in args:
            if a.star != "**":
                continue
            target = a.value
            if isinstance(target, cst.Name):
                exprs = [b[1] for b in self.bindings_of(target.value, scope) or () if b[0] == "expr"]
                target = exprs[0] if len(exprs) == 1 else None
            if not isinstance(target, cst.Dict):
                continue
            for key in keys:
                for el in target.elements:
                    if isinstance(el, cst.DictElement) and self.static_str(el.key, scope) == key:
                        return el.value
        return None

    def url_expr(self, args: list[cst.Arg], scope: Scope) -> cst.BaseExpression | None:
        url = next((a.value for a in args if a.keyword is not None and a.keyword.value == "url"), None)
        if url is None:
            url = self.splat_entry(args, ("url",), scope)
        if url is None:
            positional = [a.value for a in args if a.keyword is None]
            if not positional:
                return None
            url = positional[1] if len(positional) > 1 and self.is_verb(positional[0], scope) else positional[0]
        return url

    def is_verb(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """The HTTP method in ``request(method, url, ...)``: a static verb, or a name that says it is one
        (``method``, ``http_method``, ``method.lower()``) when the verb arrives from the callers."""
        if self.static_str(expr, scope) in _VERBS:
            return True
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and not expr.args:
            expr = expr.func.value  # method.lower()
        name = expr.value if isinstance(expr, cst.Name) else expr.attr.value if isinstance(expr, cst.Attribute) else ""
        return name.lower().endswith(("method", "verb"))

    def is_llm_url(self, args: list[cst.Arg], scope: Scope) -> bool:
        url = self.url_expr(args, scope)
        if url is None:
            return False
        text = self.text(url, scope).static()
        if clients.llm_url(text) or self.served_url(text):
            return True
        built = self.url_builder_call(url, scope)
        if built is None:
            return False
        call, where = built
        return any(
            not a.star
            and clients.llm_url(self.text(a.value, where).static())
            and not clients.non_text_url(self.text(a.value, where).static())
            for a in call.args
        )

    def url_builder_call(self, url: cst.CSTNode, scope: Scope) -> tuple[cst.Call, Scope] | None:
        """The call of a URL helper of the tree that builds ``url`` (``api_url(base, "v1/chat/completions")``), given
        as it is, or bound once to the local name or to the ``self`` attribute (set in the class's methods) the
        request reads: its route arguments say where the request goes, whatever the helper does to join them."""
        bound: list[tuple] = []
        if isinstance(url, cst.Name):
            bound = [b for b in self.bindings_of(url.value, scope) or () if b[0] == "expr"]
        elif isinstance(url, cst.Attribute) and isinstance(url.value, cst.Name):
            fn = scope.enclosing_function()
            cls = fn.enclosing_class() if fn is not None else None
            if cls is None or not fn.params or fn.params[0].name.value != url.value.value:
                return None
            bound = [b for b in cls.self_attrs.get(url.attr.value) or () if b[0] == "expr"]
        elif isinstance(url, cst.Call):
            bound = [("expr", url, scope)]
        if len(bound) != 1 or len(bound[0]) < 3 or not isinstance(bound[0][1], cst.Call):
            return None
        call, where = bound[0][1], bound[0][2]
        if not isinstance(self.value(call.func, where), Function):
            return None
        return call, where

    def served_url(self, text: str) -> bool:
        """Whether the static text of a URL names a route of the tree's own app that reaches a model (its path, after
        the host, is one of ``served_paths``): a request to the served agent."""
        if not self.served_paths:
            return False
        path = text.split("?", 1)[0].split("#", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path.rstrip("/") in self.served_paths

    def url_params(self, args: list[cst.Arg], scope: Scope) -> set[str]:
        """Parameters of the enclosing function the URL of an HTTP call is built from (``f"{base}{api_path}"``):
        the endpoint arrives from the callers, which decide whether the call reaches a model."""
        url = self.url_expr(args, scope)
        fn = scope.enclosing_function()
        if url is None or fn is None:
            return set()
        params = {p.name.value for p in fn.params}
        found: set[str] = set()
        todo: list[tuple[cst.CSTNode, int]] = [(url, 0)]
        while todo:
            node, depth = todo.pop()
            if isinstance(node, cst.Name):
                if node.value in params:
                    found.add(node.value)
                elif depth < 3:
                    for b in fn.bindings.get(node.value, ()):
                        if b[0] == "expr":
                            todo.append((b[1], depth + 1))
                        elif b[0] == "unpack" and isinstance(b[1], cst.Call):
                            todo += [(e, depth + 1) for e in self.unpacked_from(b[1], b[3], scope)]
                continue
            if isinstance(node, cst.Attribute):  # self.config.api_base: not a parameter's value
                continue
            todo += [(c, depth) for c in node.children]
        return found

    def unpacked_from(self, call: cst.Call, index: int, scope: Scope) -> list[cst.BaseExpression]:
        """``url, headers = self._prepare(path, params)``: the arguments of the call that element ``index`` of what
        the called function returns is built from (``return f"{self.base}{path}", {...}`` -> the ``path`` given)."""
        callee = self.value(call.func, scope)
        fn = self.scopes.get(callee.key) if isinstance(callee, Function) else None
        if fn is None or not fn.returns:
            return []
        names = [p.name.value for p in fn.params]
        if fn.enclosing_class() is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        wanted: set[str] = set()
        for r in fn.returns:
            if isinstance(r, cst.Tuple) and index < len(r.elements):
                wanted |= self.url_params([cst.Arg(value=r.elements[index].value, keyword=cst.Name("url"))], fn)
        out: list[cst.BaseExpression] = []
        positional = 0
        for a in call.args:
            if a.star:
                continue
            if a.keyword is not None:
                name = a.keyword.value
            else:
                name = names[positional] if positional < len(names) else ""
                positional += 1
            if name in wanted:
                out.append(a.value)
        return out

    def body_expr(self, args: list[cst.Arg], scope: Scope) -> cst.BaseExpression | None:
        """The body an HTTP call sends (``json=`` / ``data=`` / ``body=``, or the third positional after a verb)."""
        body = next(
            (a.value for a in args if a.keyword is not None and a.keyword.value in ("json", "data", "body")), None
        )
        if body is None:
            body = self.splat_entry(args, ("json", "data", "body"), scope)
        if body is None:
            positional = [a.value for a in args if a.keyword is None]
            if len(positional) > 2 and self.is_verb(positional[0], scope):
                body = positional[2]
        return body

    def body_param(self, args: list[cst.Arg], scope: Scope) -> str | None:
        """The parameter of the enclosing function an HTTP call sends as its body (``requests.post(url, json=data)``
        in ``def send(data)``, the name rebound only to what is made of it, ``data = convert(data)``): the callers'
        payloads decide whether the call reaches a model."""
        body = self.body_expr(args, scope)
        fn = scope.enclosing_function()
        for _ in range(3):  # json.dumps(data).encode()
            if isinstance(body, cst.Call) and isinstance(body.func, cst.Attribute) and body.func.attr.value == "encode":
                body = body.func.value
            if isinstance(body, cst.Call) and dotted(body.func) in JSON_DUMPS and body.args:
                body = body.args[0].value
        if not isinstance(body, cst.Name) or fn is None or body.value not in {p.name.value for p in fn.params}:
            return None
        name = body.value
        for b in fn.bindings.get(name, ()):
            if b[0] == "param":
                continue
            if b[0] != "expr" or not any(isinstance(n, cst.Name) and n.value == name for n in _subnodes(b[1])):
                return None
        return name

    def is_llm_body(self, args: list[cst.Arg], scope: Scope) -> bool:
        """A request body shaped like a model request (``messages``/``prompt`` next to ``model``), whatever the URL
        (endpoints that arrive as parameters or from a config)."""
        body = self.body_expr(args, scope)
        if body is None:
            return False
        for _ in range(4):  # payload = json.dumps({...}).encode("utf-8")
            if isinstance(body, cst.Call) and isinstance(body.func, cst.Attribute) and body.func.attr.value == "encode":
                body = body.func.value
            if isinstance(body, cst.Call) and dotted(body.func) in JSON_DUMPS and body.args:
                body = body.args[0].value
            if isinstance(body, cst.Name):
                found = self.bindings_of(body.value, scope)
                unpacked = [b for b in found or () if b[0] == "unpack" and len(b) > 3 and isinstance(b[1], cst.Call)]
                if unpacked and len(found or ()) == 1:  # ``headers, body = self._build(...)``: what it returns there
                    returned = self.returned_element(unpacked[0][1], unpacked[0][3], scope)
                    if returned is None:
                        break
                    body, scope = returned
                    continue
                # an empty ``body = {}`` set before the branches that fill it holds no request of its own
                exprs = [b[1] for b in found or () if b[0] == "expr" and not _empty_dict(b[1])]
                if len(exprs) > 1:  # ``body = {...chat...}`` / ``else: body = {...completion...}``: every branch
                    return len(exprs) <= 4 and all(self.llm_body_value(e, scope) for e in exprs)
                if not exprs:
                    break
                body = exprs[0]
            else:
                break
        return self.llm_body_value(body, scope)

    def llm_body_value(self, body: cst.BaseExpression, scope: Scope) -> bool:
        """A dict display or a ``dict(model=..., prompt=..., **params)`` call shaped like a model request."""
        if isinstance(body, cst.Dict):
            return self._llm_payload(body, scope)
        if isinstance(body, cst.Call) and dotted(body.func) == "dict" and all(a.keyword or a.star for a in body.args):
            return _request_keys({a.keyword.value for a in body.args if a.keyword is not None})
        return False

    def decoding_loop(self, scope: Scope) -> bool:
        """Whether the function calling a generative model object directly (its forward pass) runs its own token
        loop: it prepares each step's inputs the way ``generate`` does (``prepare_inputs_for_generation``)."""
        fn = scope if scope.kind == "function" else scope.enclosing_function()
        return fn is not None and clients.HF_DECODING_STEP in self.source(fn.node, fn)

    def returned_element(self, call: cst.Call, index: int, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
        """Element ``index`` of the tuple the function called by ``call`` returns, with that function's scope, when
        every tuple it returns agrees on that element's name (``return headers, body`` on each path)."""
        callee = self.value(call.func, scope)
        fn = self.scopes.get(callee.key) if isinstance(callee, Function) else None
        if fn is None or not fn.returns:
            return None
        elements = [
            r.elements[index].value
            for r in fn.returns
            if isinstance(r, cst.Tuple) and index < len(r.elements) and not _literal(r.elements[index].value)
        ]  # an early ``return "", ""`` bail-out sends nothing
        if not elements:
            return None
        if len({self.source(e, fn) for e in elements}) != 1:
            return None
        return elements[0], fn

    def _llm_payload(self, body: cst.Dict, scope: Scope, depth: int = 0) -> bool:
        """A dict shaped like a model request, or wrapping one (``{"input_data": {"input_string": ...,
        "parameters": ...}}`` of a managed endpoint)."""
        keys = set()
        for el in body.elements:
            if isinstance(el, cst.DictElement):
                k = self.static_str(el.key, scope)
                if k is not None:
                    keys.add(k)
        if _request_keys(keys):
            return True
        if depth:
            return False
        nested = [d for el in body.elements if isinstance(el, cst.DictElement) for d in [_dict_inside(el.value)] if d]
        if any(self._llm_payload(d, scope, 1) for d in nested):
            return True
        # an envelope: the conversation serialised in one field, the generation parameters in another
        # (``{"instance": json.dumps({"messages": msgs}), "params": {...}}``)
        return bool(keys & {"params", "parameters"}) and any(
            self.static_str(el.key, scope) in _PROMPT_KEYS
            for d in nested
            for el in d.elements
            if isinstance(el, cst.DictElement)
        )

    # ---- text ----------------------------------------------------------------------------------------------------
    def settings_get(self, call: cst.Call, scope: Scope) -> Text | None:
        """``get_settings().get(table, {}).get("system", "")``: the entry of a TOML settings table read through
        ``get`` twice, the table named by a literal or by a parameter's literal default (``prompt="review_prompt"``).
        None where the object read is one the code builds (a dict, a known instance) or a name is not static."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "get" and call.args):
            return None
        inner = func.value
        if not (
            isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value == "get"
        ):
            return None
        if not inner.args or inner.args[0].keyword is not None or call.args[0].keyword is not None:
            return None
        holder = self.value(inner.func.value, scope)
        if isinstance(holder, Const | Text | Instance | Class | Function):
            return None
        entry = self.static_str(call.args[0].value, scope)
        table_expr = inner.args[0].value
        table = self.static_str(table_expr, scope)
        if table is None and isinstance(table_expr, cst.Name):
            table = _param_default(scope, table_expr.value)
        if not table or not entry:
            return None
        return templates.settings_entry(self, table, entry)

    def static_str(self, expr: cst.BaseExpression | None, scope: Scope) -> str | None:
        if expr is None:
            return None
        v = self.value(expr, scope)
        return v.value if isinstance(v, Const) and isinstance(v.value, str) else None

    def source(self, expr: cst.CSTNode, scope: Scope) -> str:
        return scope.module.code(expr)

    def option_value(self, expr: cst.BaseExpression, scope: Scope) -> Any:
        """A literal (constants followed) as a plain JSON-like value, else the expression's source text."""
        plain = self.plain_value(self.value(expr, scope))
        return self.source(expr, scope) if plain is _MISSING else plain

    def plain_value(self, v: Value, depth: int = 0) -> Any:
        if depth > 20 or not isinstance(v, Const):
            return _MISSING
        if isinstance(v.value, dict):
            out = {}
            for k, item in v.value.items():
                inner = self.plain_value(item.get(self) if isinstance(item, _Lazy) else _const(item), depth + 1)
                if inner is _MISSING:
                    return _MISSING
                out[k] = inner
            return out
        if isinstance(v.value, tuple):
            items = [self.plain_value(_const(i), depth + 1) for i in v.value]
            return _MISSING if any(i is _MISSING for i in items) else items
        return v.value

    def as_text_value(self, v: Value) -> Text | None:
        if isinstance(v, Text):
            return v
        if isinstance(v, Const) and isinstance(v.value, str):
            return Text((PromptPart(v.value),), "constant")
        return None

    def hole(self, expr: cst.CSTNode, scope: Scope) -> Text:
        return Text((PromptPart(self.source(expr, scope), hole=True),), "dynamic")

    def text(self, expr: cst.CSTNode, scope: Scope) -> Text:
        """Template text of a string expression: literal parts and holes (never None)."""
        try:
            out = self._text(expr, scope)
        except RecursionError:
            out = None
        return out if out is not None else self.hole(expr, scope)

    def _text(self, expr: cst.CSTNode, scope: Scope) -> Text | None:
        if isinstance(expr, cst.SimpleString):
            v = expr.evaluated_value
            return Text((PromptPart(v),), "literal") if isinstance(v, str) else None
        if isinstance(expr, cst.ConcatenatedString):
            left, right = self.text(expr.left, scope), self.text(expr.right, scope)
            origin = "f-string" if "f-string" in (left.origin, right.origin) else "literal"
            return concat([left, right], origin)
        if isinstance(expr, cst.FormattedString):
            return self.fstring(expr, scope)
        if isinstance(expr, cst.Name | cst.Attribute | cst.Subscript):
            v = self.value(expr, scope)
            if isinstance(v, Const) and isinstance(v.value, str):
                return Text((PromptPart(v.value),), "constant")
            if isinstance(v, Text):
                return v if v.origin in ("template-file",) else Text(v.parts, v.origin)
            if isinstance(v, Instance) and isinstance(expr, cst.Name):
                # ``prompt = TextPrompt("...")`` (then ``prompt = prompt.format(...)``): a str-like prompt object
                bindings = self.bindings_of(expr.value, scope) or []
                rewritten = self.rewritten_text(bindings)
                if rewritten is not None:
                    return rewritten
                built = self.built_text(expr, scope)
                if built is not None:
                    return built
                made = self.made_text(bindings)
                if made is not None:
                    return made
            if isinstance(v, Instance) and isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
                # ``self.prompt = TextPrompt("...").format(goal=goal)`` set once in ``__init__``, read in a method
                fn = scope.enclosing_function()
                cls = fn.enclosing_class() if fn is not None else None
                if cls is not None and fn.params and fn.params[0].name.value == expr.value.value:
                    made = self.made_text(cls.self_attrs.get(expr.attr.value) or [])
                    if made is not None:
                        return made
            if isinstance(v, Client) and v.kind == "prompt" and v.prompt_key is not None:
                return self.template_ctor_text(v.prompt_key)
            if v is None and isinstance(expr, cst.Name):
                typed = self.typed_at_console(expr, scope)
                if typed is not None:
                    return typed
            return templates.config_text(v)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return concat([self.text(expr.left, scope), self.text(expr.right, scope)], "concat")
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
            return self.percent(expr, scope)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            # ``"=" * 60`` / ``(f"..." "---") * 2``: the text repeated; read once (a rule line, a doubled banner)
            for text_side, count in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(count, cst.Integer) and isinstance(
                    text_side, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
                ):
                    return self.text(text_side, scope)
        if self._callers_side and (given := _param_side(expr, scope)) is not None:
            return self._text(given, scope)  # the caller's text, its fallback left out (as_callers_prompt)
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
            # ``prompt or DEFAULT_PROMPT``: the caller's override when given, else the default the code writes
            for side in (expr.left, expr.right):
                t = self._text(side, scope)
                if t is not None and t.static().strip():
                    return t
            return None
        if isinstance(expr, cst.IfExp):
            # ``(JSON_PROMPT if json_mode else PLAIN_PROMPT).format(...)``: one of the templates the code writes (the
            # first with text); both ask the same task, worded for the two answer forms
            for side in (expr.body, expr.orelse):
                t = self._text(side, scope)
                if t is not None and t.static().strip():
                    return t
            return None
        if isinstance(expr, cst.Call):
            return self.text_call(expr, scope)
        if isinstance(expr, cst.Await):
            held = expr.expression
            if (
                isinstance(held, cst.Call)
                and isinstance(held.func, cst.Attribute)
                and held.func.attr.value in ("render", "render_async")
            ):  # ``content=await template.render(kernel, args)``: an async renderer fills its template as a sync one
                return self.render(held.func.value, held, scope)
            return None
        return None

    def typed_at_console(self, name: cst.Name, scope: Scope) -> Text | None:
        """A local assigned only what a person types at the console (``user_input = input("> ")``): a hole that
        keeps the reading call's source, so the prompt shows the text comes from a person, not from the program."""
        bindings = self.bindings_of(name.value, scope) or []
        if not bindings or any(b[0] != "expr" or not isinstance(b[1], cst.Call) for b in bindings):
            return None
        if not all(console_read(b[1], self, b[2]) for b in bindings):
            return None
        return self.hole(bindings[0][1], bindings[0][2])

    def template_ctor_text(self, key: int) -> Text | None:
        """The text of a one-template prompt object (``PromptTemplate.from_template("...{x}...")`` kept in a module
        constant, later ``.format(x=...)``-ed like a string): its template argument, where the constructor was met.
        None for a message-list template (``from_messages``), whose text is no one string."""
        got = self.prompt_ctors.get(key)
        if got is None:
            return None
        call, owner = got
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "from_messages":
            return None
        if arg(call, "messages") is not None or arg(call, "message_templates") is not None:
            return None  # ``ChatPromptTemplate(messages=[...])``: a message list too
        template = arg(call, "template", 0)
        given = self.ctor_given.get(key, {})
        if isinstance(template, cst.Name) and template.value in given:
            return self._text(*given[template.value])  # built from what one construction passed (construction_member)
        return self._text(template, owner) if template is not None else None

    def fstring(self, expr: cst.FormattedString, scope: Scope) -> Text:
        parts: list[PromptPart] = []
        quote = expr.quote
        raw = "r" in expr.prefix.lower()
        for p in expr.parts:
            if isinstance(p, cst.FormattedStringText):
                parts.append(PromptPart(_unescape(p.value, quote, raw)))
            elif isinstance(p, cst.FormattedStringExpression):
                v = self.value(p.expression, scope)
                if isinstance(v, Const) and isinstance(v.value, str) and p.format_spec is None and p.conversion is None:
                    parts.append(PromptPart(v.value))
                elif (
                    isinstance(v, Text)
                    and isinstance(p.expression, cst.Name)
                    and v.origin in ("f-string", "literal", "constant", "format", "concat")
                    and p.format_spec is None
                    and p.conversion is None
                ):  # ``head = f"Plan the task: {task}"`` then ``f"{history}\n{head}"``: the local's own text, spliced
                    parts.extend(v.parts)
                else:
                    parts.append(PromptPart(self.source(p.expression, scope), hole=True))
        return Text(tuple(parts), "f-string")

    def percent(self, expr: cst.BinaryOperation, scope: Scope) -> Text | None:
        template = self.text(expr.left, scope)
        if not template.is_static():
            return None
        right = expr.right
        values = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        parts: list[PromptPart] = []
        text, i, pos = template.static(), 0, 0
        import re

        for m in re.finditer(r"%(\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrfixXeEgGc%]", text):
            parts.append(PromptPart(text[pos : m.start()]))
            if m.group(0) == "%%":
                parts.append(PromptPart("%"))
            elif m.group(1):
                parts.append(PromptPart(m.group(1)[1:-1], hole=True))
            else:
                src = self.source(values[i], scope) if i < len(values) else "?"
                parts.append(PromptPart(src, hole=True))
                i += 1
            pos = m.end()
        parts.append(PromptPart(text[pos:]))
        return Text(tuple(p for p in parts if p.text or p.hole), "format")

    def text_call(self, call: cst.Call, scope: Scope) -> Text | None:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "format":
                return self.format_call(call, self.text(func.value, scope), scope)
            if method == "join" and call.args:
                sep = self.text(func.value, scope)
                items = call.args[0].value
                if isinstance(items, cst.List | cst.Tuple) and sep.is_static():
                    texts: list[Text] = []
                    for i, el in enumerate(items.elements):
                        if i:
                            texts.append(sep)
                        texts.append(
                            self.text(el.value, scope) if isinstance(el, cst.Element) else self.hole(el, scope)
                        )
                    return concat(texts, "concat")
                return None
            if method in ("strip", "lstrip", "rstrip") and not call.args:
                inner = self.text(func.value, scope)
                return _map_static(inner, getattr(str, method))
            if method == "replace":
                inner = self.text(func.value, scope)
                return self.replace_text(inner, call, scope) if any(not p.hole for p in inner.parts) else None
            if method in ("read", "read_text"):
                return self.read_file(func.value, scope)
            if method == "render":
                return self.render(func.value, call, scope)
            if method in ("substitute", "safe_substitute"):
                filled = self.substitute(func.value, scope)
                if filled is not None:
                    return filled
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            named = self.data_ref_template(func.value, scope)
            if named is not None:
                return named  # ``T(".prompts:plan.system").r(scenario=s)``: the template the reference names, filled
        callee = self.value(func, scope)
        if isinstance(callee, Class) and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
            inner = self._text(call.args[0].value, scope)  # ``TextPrompt(text)``: a project class wrapping one text
            if inner is not None and any(not p.hole and p.text.strip() for p in inner.parts):
                return inner
        if isinstance(callee, Ref) and callee.qname in ("textwrap.dedent", "inspect.cleandoc") and call.args:
            inner = self.text(call.args[0].value, scope)
            fn = textwrap.dedent if callee.qname == "textwrap.dedent" else _cleandoc
            return _map_static(inner, fn, whole=True)
        if isinstance(callee, Function) and call.args and self.fills_first_param(callee.key):
            # ``replace_slot(TEMPLATE, {"input": text})``: a helper filling slots of the text it is handed and
            # returning it: the template, its slots read as holes where it is sent
            first = call.args[0]
            if first.keyword is None and not first.star:
                return self.text(first.value, scope)
        if isinstance(callee, Function) and call.args and (filled := self.fills_param_template(callee.key)):
            # ``render_with_token_limit(template, limit, question=q)`` returning ``template.render(**kwargs)``: the
            # template the caller hands in, filled (its slots holes), as ``template.render(question=q)`` in place
            given = self._bound_arg(callee.key, call, filled[0])
            if given is not None:
                if filled[1] == "render":
                    return self.render(given, call, scope)
                return self.substitute(given, scope)
        if isinstance(callee, Function) and isinstance(func, cst.Attribute) and self.returns_self(callee.key):
            # a conversation builder's fluent method: ``Convo(agent).template("plan", ...)`` adds the template file it
            # names; any other (``.require_schema(Model)`` after it) keeps the prompt built so far
            return self.step_text(callee.key, call, scope) or self._text(func.value, scope)
        v = self.value(call, scope)
        if v is None and callee is None and isinstance(func, cst.Attribute):
            v = self.duck_method_text(func, scope)
        if isinstance(v, Const) and isinstance(v.value, str):
            return Text((PromptPart(v.value),), "constant")
        if isinstance(v, Text):
            return v
        if v is None:
            return self.assembled_template(func, callee, call, scope)
        return None

    def assembled_template(self, func: cst.BaseExpression, callee: Value, call: cst.Call, scope: Scope) -> Text | None:
        """``provider.assemble_prompt(template_str=ASK, params=p)``: a method of the tree whose every definition takes a
        parameter named as a template (``template``, ``template_str``, ``prompt_template``) and that the call hands a
        text, where what the method builds from it cannot be read (a message list split out of the template in a
        loop): that template, its slots as holes, is the text of what it returns. The methods are the callee and its
        implementations, or every method of the tree of that name for a receiver of unknown type; at least one reads
        the parameter in its body and returns something."""
        if isinstance(callee, Function):
            keys = [callee.key, *self.implementations(callee.key)]
        elif callee is None and isinstance(func, cst.Attribute):
            keys = list(self._methods_by_name.get(func.attr.value, ()))
        else:
            return None
        fns = [f for k in keys if (f := self.scopes.get(k)) is not None and f.kind == "function"]
        if not fns or not isinstance(func, cst.Attribute) or any(f.enclosing_class() is None for f in fns):
            return None  # a module helper formatting the text it is handed (``frame(LOOK, goal, seen)``) is left unread
        names: set[str] = set()
        for fn in fns:
            params = [p.name.value for p in fn.params if not p.star]
            found = [n for n in params if _template_param(n)]
            if len(found) != 1:
                return None
            names.add(found[0])
        if len(names) != 1:
            return None
        (name,) = names
        if not any(fn.returns and _reads_name(fn, name) for fn in fns):
            return None
        given = self._bound_arg(fns[0].key, call, name)
        if given is None:
            return None
        text = self.text(given, scope)
        if not any(not p.hole and p.text.strip() for p in text.parts):
            return None
        parts: list[PromptPart] = []
        for p in text.parts:
            parts.extend((p,) if p.hole else templates.slot_parts(p.text, formatted=True))
        return Text(tuple(parts), text.origin, text.template_file)

    def duck_method_text(self, func: cst.Attribute, scope: Scope) -> Value:
        """``task.value_prompt_wrap(x, y)`` on an object of unknown type (a parameter the caller fills from a factory):
        when the tree's classes define one method of that name and no other, the text it returns (a prompt builder
        filling its module's template)."""
        key = self.method_by_name(func.attr.value)
        if key is None or len(self._methods_by_name.get(func.attr.value, ())) != 1:
            return None
        if self.value(func.value, scope) is not None:
            return None  # a receiver of a known kind that does not define it: not this method
        found = self.returns_of(key)
        return found if isinstance(found, Text | Const) else None

    def format_call(self, call: cst.Call, template: Text, scope: Scope) -> Text | None:
        kwargs = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if not template.is_static():
            # formatted in two steps (``p = T.format(goal=g)`` ... ``p.format(tasks=t)``): the slots left in the
            # literal parts are filled by name; the holes of the first step stay holes
            if positional or any(a.star for a in call.args) or not any(not p.hole for p in template.parts):
                return None
            out: list[PromptPart] = []
            for p in template.parts:
                if p.hole:
                    out.append(p)
                    continue
                done = self.format_call(call, Text((p,), "format"), scope)
                if done is None:
                    return None
                out.extend(done.parts)
            return Text(tuple(out), "template-file" if template.template_file else "format", template.template_file)
        parts: list[PromptPart] = []
        auto = 0
        try:
            parsed = list(string.Formatter().parse(template.static()))
        except ValueError:
            return None
        for literal, fieldname, _spec, _conv in parsed:
            if literal:
                parts.append(PromptPart(literal))
            if fieldname is None:
                continue
            base = fieldname.split(".", 1)[0].split("[", 1)[0]
            expr = None
            if base == "":
                expr = positional[auto] if auto < len(positional) else None
                auto += 1
            elif base.isdigit():
                expr = positional[int(base)] if int(base) < len(positional) else None
            else:
                expr = kwargs.get(base)
            if expr is None:
                parts.append(PromptPart(fieldname, hole=True))
                continue
            v = self.value(expr, scope)
            if isinstance(v, Const) and isinstance(v.value, str) and base == fieldname:
                parts.append(PromptPart(v.value))
            else:
                parts.append(PromptPart(self.source(expr, scope), hole=True))
        if template.template_file:
            return Text(tuple(parts), "template-file", template.template_file)
        return Text(tuple(parts), "format")

    def file_of(self, expr: cst.CSTNode, scope: Scope) -> Path | None:
        """The static path a ``open(p)`` / ``Path(p)`` / ``p`` expression names, if the file exists."""
        if isinstance(expr, cst.Call):
            callee = self.value(expr.func, scope)
            name = callee.qname if isinstance(callee, Ref) else dotted(expr.func)
            if name in ("open", "io.open", "pathlib.Path", "Path", "codecs.open") and expr.args:
                return self.file_of(expr.args[0].value, scope)
            return None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            right = self.static_str(expr.right, scope)
            left = self.static_str(expr.left, scope)
            if right is None:
                return None
            return self._existing(f"{left}/{right}" if left else right, scope)
        text = self.static_str(expr, scope) if isinstance(expr, cst.BaseExpression) else None
        return self._existing(text, scope) if text else None

    def _existing(self, rel: str, scope: Scope) -> Path | None:
        """The small regular file ``rel`` names next to the module or under the root; text that cannot be a file name
        (an inline document handed to a loader: newlines, a NUL, a name past the system's limit) names none."""
        if "\n" in rel or "\x00" in rel or len(rel) > 1024:
            return None
        here = (self.project.root / scope.module.path).parent
        for base in (here, self.project.root):
            # inside the analysed tree only: an absolute name or ``../`` climbing out (a symlink too) reads nothing
            p = templates.within_tree(self, base / rel)
            try:
                if p is not None and p.is_file() and p.stat().st_size < 1_000_000:  # regular files only
                    return p
            except OSError:
                continue
        return None

    def relpath(self, p: Path) -> str:
        try:
            return p.relative_to(self.project.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    def read_file(self, expr: cst.CSTNode, scope: Scope) -> Text | None:
        target = expr
        if isinstance(expr, cst.Name):  # with open("p.txt") as f: f.read()
            bindings = self.bindings_of(expr.value, scope) or []
            target = next((b[1] for b in bindings if b[0] == "expr"), expr)
        path = self.file_of(target, scope) or templates.path_of(self, target, scope)
        if path is None:
            return None
        content = templates.read_file_text(path)
        if content is None:
            return None
        return Text((PromptPart(content),), "template-file", self.relpath(path))

    def data_ref_template(self, call: cst.Call, scope: Scope) -> Text | None:
        """``T(".prompts:plan.system")``: a project class or function handed one literal reference to a text in a
        data file of the tree (``file:key.path``, ``templates.data_ref_text``): that text, slots as holes."""
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        first = call.args[0].value
        if not isinstance(first, cst.SimpleString | cst.ConcatenatedString):
            return None
        ref = self.static_str(first, scope)
        if ref is None or ":" not in ref or not isinstance(self.value(call.func, scope), Class | Function):
            return None
        return templates.data_ref_text(self, ref, scope.module.path)

    def render(self, template_expr: cst.BaseExpression, call: cst.Call, scope: Scope) -> Text | None:
        """``Template(text).render(...)`` / ``env.get_template("x.j2").render(...)``: jinja ``{{ x }}`` become holes."""
        tpl = self.template_source(template_expr, scope)
        if tpl is None:
            return None
        import re

        parts: list[PromptPart] = []
        text = tpl.static()
        pos = 0
        for m in re.finditer(r"\{\{\s*(.*?)\s*\}\}", text):
            parts.append(PromptPart(text[pos : m.start()]))
            parts.append(PromptPart(m.group(1), hole=True))
            pos = m.end()
        parts.append(PromptPart(text[pos:]))
        return Text(tuple(p for p in parts if p.text or p.hole), tpl.origin, tpl.template_file)

    def substitute(self, template_expr: cst.BaseExpression, scope: Scope) -> Text | None:
        """``Template(TEXT).safe_substitute(...)`` (``string.Template``): its ``$x`` / ``${x}`` slots become holes."""
        tpl = self.template_source(template_expr, scope)
        if tpl is None:
            return None
        parts = tuple(q for p in tpl.parts for q in ((p,) if p.hole else templates.slot_parts(p.text, formatted=True)))
        return Text(parts, tpl.origin, tpl.template_file)

    def template_source(self, expr: cst.BaseExpression, scope: Scope) -> Text | None:
        if isinstance(expr, cst.Name):
            bindings = self.bindings_of(expr.value, scope) or []
            first = next((b for b in bindings if b[0] == "expr"), None)
            last = self._last_binding_above(expr, [b for b in bindings if b[0] == "expr"], scope)
            first = last or first  # ``template = Tpl(PLAN)`` rebinding the local for a second send: the one in force
            return self.template_source(first[1], first[2]) if first else None
        if not isinstance(expr, cst.Call) or not expr.args:
            return None
        callee = self.value(expr.func, scope)
        name = callee.qname if isinstance(callee, Ref) else ""
        method = expr.func.attr.value if isinstance(expr.func, cst.Attribute) else ""
        if name.endswith("Template") or name.endswith("from_string") or (method == "from_string" and not name):
            # ``Environment(loader=BaseLoader()).from_string(TEXT)``: the environment object need not resolve
            t = self.text(expr.args[0].value, scope)
            return t if t.is_static() else None
        if isinstance(callee, Class) and callee.key.endswith("Template"):
            held = self.configured_template(expr, scope)
            if held is not None:
                return held
        if method == "get_template":
            file_name = self.static_str(expr.args[0].value, scope)
            if not file_name:
                return None
            try:  # the name is a pattern to rglob: an absolute or empty one raises
                found = sorted(self.project.root.rglob(file_name))
            except (ValueError, OSError, NotImplementedError):
                return None
            for p in found:
                inside = templates.within_tree(self, p)  # (a link out of the tree reads nothing)
                text = templates.read_file_text(inside, errors="replace") if inside is not None else None
                if text is not None:
                    return Text((PromptPart(text),), "template-file", self.relpath(p))
        return None

    def _last_binding_above(self, use: cst.Name, bindings: list[Binding], scope: Scope) -> Binding | None:
        """Of a local bound more than once in ``scope``, the binding last written above ``use`` (None when there is
        one binding only, or none of them can be placed)."""
        at = scope.module.pos(use)
        if at is None or len(bindings) < 2:
            return None
        placed = []
        for b in bindings:
            pos = scope.module.pos(b[1]) if len(b) > 2 and b[2] is scope else None
            if pos is not None and pos.start.line < at.start.line:
                placed.append((pos.start.line, b))
        return max(placed, key=lambda p: p[0])[1] if placed else None

    def configured_template(self, expr: cst.Call, scope: Scope) -> Text | None:
        """A template class of the tree built from its text given by keyword (``PromptTemplate(template=TEXT)``) or
        inside the configuration object it is handed (``KernelPromptTemplate(prompt_template_config=
        PromptTemplateConfig(template=self.plan_prompt))``): that text, when it is static."""
        for a in expr.args[:6]:
            held = a.value
            if a.keyword is None and not isinstance(held, cst.Call):
                continue
            if a.keyword is not None and a.keyword.value == "template":
                t = self.text(held, scope)
                return t if t.is_static() else None
            if isinstance(held, cst.Call):
                inner = next((b for b in held.args if b.keyword is not None and b.keyword.value == "template"), None)
                if inner is not None:
                    t = self.text(inner.value, scope)
                    return t if t.is_static() else None
        return None


def _field_calls(bindings: list[Binding]) -> Iterable[tuple[Binding, str]]:
    """The bindings of a declared field made by a field call (dataclasses ``field``, pydantic ``Field``, attrs
    ``attr.ib`` / ``attrib``), with the call's name."""
    for b in bindings:
        if b[0] == "expr" and isinstance(b[1], cst.Call):
            name = (dotted(b[1].func) or "").rsplit(".", 1)[-1]
            if name in ("field", "Field", "ib", "attrib"):
                yield b, name


def _walk_assigns(node: cst.CSTNode, depth: int = 0) -> list[cst.Assign]:
    """Assignments in a function body (nested blocks included, nested functions and classes not)."""
    out: list[cst.Assign] = []
    if depth > 30:
        return out
    for child in node.children:
        if isinstance(child, cst.Assign):
            out.append(child)
        elif not isinstance(child, cst.FunctionDef | cst.ClassDef | cst.BaseExpression):
            out += _walk_assigns(child, depth + 1)
    return out


def _setattr_loop(init: Scope) -> tuple[Scope, str, str, cst.BaseExpression] | None:
    """``for key, value in <param>.items(): setattr(self, key, <written>)`` in the ``__init__`` ``init``."""
    params = [p.name.value for p in init.params]
    if len(params) < 2:
        return None
    for node in _walk(init.node):
        if not (isinstance(node, cst.For) and isinstance(node.target, cst.Tuple) and len(node.target.elements) == 2):
            continue
        key, value = (el.value for el in node.target.elements)
        it = node.iter
        if not (
            isinstance(key, cst.Name)
            and isinstance(value, cst.Name)
            and isinstance(it, cst.Call)
            and not it.args
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "items"
            and isinstance(it.func.value, cst.Name)
            and it.func.value.value in params[1:]
        ):
            continue
        for inner in _walk(node.body):
            if (
                isinstance(inner, cst.Call)
                and isinstance(inner.func, cst.Name)
                and inner.func.value == "setattr"
                and len(inner.args) == 3
                and isinstance(inner.args[0].value, cst.Name)
                and inner.args[0].value.value == params[0]
                and isinstance(inner.args[1].value, cst.Name)
                and inner.args[1].value.value == key.value
            ):
                return init, it.func.value.value, value.value, inner.args[2].value
    return None


def _walk(node: cst.CSTNode, depth: int = 0) -> Iterable[cst.CSTNode]:
    """``node`` and every node below it (nested functions included), depth-capped."""
    yield node
    if depth < 40:
        for child in node.children:
            yield from _walk(child, depth + 1)


# Decorators that wrap or describe a function rather than register it somewhere under its name.
_WRAPPING_DECORATORS = frozenset(
    {
        *("property", "cached_property", "staticmethod", "classmethod", "abstractmethod", "overload", "override"),
        *("final", "cache", "lru_cache", "wraps", "contextmanager", "asynccontextmanager", "retry", "on_exception"),
        *("on_predicate", "dataclass", "total_ordering", "singledispatch", "deprecated", "jit", "njit", "fixture"),
        "parametrize",
    }
)


def _registered_def(scope: Scope) -> bool:
    """A module-level function with a decorator that may register it under its name (``@reg.register_function()``,
    ``@app.skill``): not a wrapping one (``@retry``, ``@lru_cache``, ``@property``)."""
    if scope.kind != "function" or scope.parent is None or scope.parent.kind != "module":
        return False
    for d in scope.decorators:
        head = d.func if isinstance(d, cst.Call) else d
        name = (dotted(head) or "").rsplit(".", 1)[-1]
        if name and name not in _WRAPPING_DECORATORS:
            return True
    return False


_BUILTIN_NAMES = frozenset(dir(__import__("builtins"))) | {"__file__", "__name__", "__builtins__", "__spec__"}
# LLM SDK modules a function runner may inject as globals (``imports=["litellm"]`` declared beside the function)
_SDK_ROOTS = (
    frozenset(name.split(".", 1)[0] for name, kind in clients.MODULE_CLIENTS.items() if kind.family not in ("http",))
    - clients.SHARED_NAME_ROOTS
)


def _is_accessor(scope: Scope) -> bool:
    """A property's setter or deleter (``@name.setter``), which shares the getter's name."""
    return any((dotted(d) or "").endswith((".setter", ".deleter")) for d in scope.decorators)


# Method names that objects of libraries (containers, files, sockets, loggers, threads, HTTP sessions, ...) have too:
# a call of one on an object of unknown type is not taken for the tree's method of that name.
_COMMON_METHOD_NAMES = frozenset(
    """
    append extend insert remove pop clear copy get set setdefault update items keys values add discard sort
    index count format join split strip replace lower upper startswith endswith encode decode read write
    readline readlines close open flush seek send recv put get_nowait put_nowait start stop wait notify acquire
    release submit result cancel done debug info warning error exception critical log json raise_for_status
    dict model_dump to_dict parse load loads dump dumps exists mkdir execute fetchall fetchone commit rollback
    query filter first all delete save render match search sub group apply map reset register emit connect
    disconnect bind run __call__
    """.split()  # noqa: SIM905 (a word list reads better than 95 quoted names)
)


class _Lazy:
    """A dict value evaluated on demand (dict literals keep their values unevaluated)."""

    def __init__(self, expr: cst.BaseExpression, scope: Scope) -> None:
        self.expr, self.scope = expr, scope

    def get(self, ev: Evaluator) -> Value:
        return ev.value(self.expr, self.scope)


DATA_LOADERS = frozenset({"yaml.safe_load", "yaml.load", "yaml.full_load", "json.load", "tomllib.load"})


# LlamaIndex provider packages (``llama_index.llms.<provider>``) whose model classes keep an SDK client of their own
# in ``_client`` (sync) and ``_aclient`` (async): the constructors of those clients
# The SDK client a legacy LangChain provider model class (``langchain.llms.anthropic._AnthropicCommon``,
# ``langchain.chat_models.openai.ChatOpenAI``, their ``langchain_community`` moves) keeps in its ``client`` field
_LANGCHAIN_PROVIDER = lazy(r"^langchain(?:_community)?\.(?:llms|chat_models)\.\w+\.\w+$")
_LANGCHAIN_HELD = {
    "anthropic": "anthropic.Client",
    "openai": "openai.ChatCompletion",
    "azure_openai": "openai.ChatCompletion",
}
_LLAMAINDEX_HELD = {
    "openai": ("openai.OpenAI", "openai.AsyncOpenAI"),
    "openai_like": ("openai.OpenAI", "openai.AsyncOpenAI"),
    "azure_openai": ("openai.AzureOpenAI", "openai.AsyncAzureOpenAI"),
    "anthropic": ("anthropic.Anthropic", "anthropic.AsyncAnthropic"),
}


def _names_no_base(scope: Scope) -> bool:
    """A class scope naming no base but ``object`` (one that may implement a Protocol structurally)."""
    return scope.kind == "class" and all(dotted(b) == "object" for b in scope.bases)


def _names_protocol(base: cst.BaseExpression) -> bool:
    """A class base naming ``typing.Protocol`` (``Protocol``, ``typing.Protocol``, ``Protocol[T]``)."""
    expr = base.value if isinstance(base, cst.Subscript) else base
    return (dotted(expr) or "").rpartition(".")[2] == "Protocol"


def _method_params(bindings: list[Any]) -> cst.Parameters | None:
    """The parameters of the last ``def`` among a class body name's bindings."""
    for b in reversed(bindings):
        if b[0] == "def":
            params = getattr(b[1].node, "params", None)
            return params if isinstance(params, cst.Parameters) else None
    return None


def _takes_declared_params(impl: list[Any], declared: list[Any]) -> bool | None:
    """Whether a class's method (its bindings ``impl``) accepts every named parameter the Protocol's method
    (``declared``) declares: ``run(self, messages, **opts)`` meets ``def run(self, messages)`` but
    ``run(self, text)`` does not, so a class whose ``run`` embeds a text does not implement a chat Protocol that only
    shares the method name. A generic ``run(self, **kwargs)`` (a pipeline component taking any input) names none of
    them: it may be handed anything, so it types as no particular Protocol that declares named parameters. Nor does
    a Protocol method declaring only a catch-all ``run(self, *args, **kwargs)`` (what every component of a pipeline
    framework offers) make each class defining ``run`` one of its implementations: it declares no shape to meet
    (None: neither met nor unmet; a Protocol of such methods only is met by no class). An unreadable signature counts
    as taking."""
    have, want = _method_params(impl), _method_params(declared)
    if have is None or want is None:
        return True
    named = {p.name.value for p in (*have.posonly_params, *have.params, *have.kwonly_params)}
    wanted = [*want.posonly_params, *want.params][1:] + list(want.kwonly_params)
    if not wanted and (isinstance(want.star_arg, cst.Param) or isinstance(want.star_kwarg, cst.Param)):
        return None
    return all(p.name.value in named for p in wanted)


def _defines(bindings: list[Any]) -> bool:
    """Whether a name's bindings in a class body include a ``def``."""
    return any(b[0] == "def" for b in bindings)


def _is_super(node: cst.CSTNode) -> bool:
    """``super()`` (no arguments)."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


# pydantic (v1 and v2) decorators of methods that receive the model's field values as a mapping and may fill them
_VALIDATORS = frozenset({"root_validator", "model_validator", "validator", "field_validator", "pre_init"})


def _absolute_module(name: str, package: str | None) -> str | None:
    """``import_module``'s reading of a module name: ``.x`` relative to ``package`` (each further dot one package
    up), an absolute name as it is; None for a relative name with no package."""
    if not name.startswith("."):
        return name
    if not package:
        return None
    dots = len(name) - len(name.lstrip("."))
    base = package.split(".")
    if dots > 1:
        base = base[: -(dots - 1)]
    rest = name[dots:]
    return ".".join([*base, rest] if rest else base) or None


def _is_none(v: Value) -> bool:
    return isinstance(v, Const) and v.value is None


def _const(item: Any) -> Value:
    if isinstance(item, Text):
        return item
    if isinstance(item, str | int | float | bool) or item is None:
        return Const(item)
    if isinstance(item, list | tuple):
        return Const(tuple(item))
    if isinstance(item, dict):
        return Const(item)
    return None


_VERBS = {"POST", "post", "GET", "get", "PUT", "put"}
# serialising a request body to JSON text: the stdlib and its drop-in replacements (the content is unchanged)
JSON_DUMPS = frozenset({"json.dumps", "dumps", "ujson.dumps", "orjson.dumps", "simplejson.dumps", "rapidjson.dumps"})
JSON_LOADS = frozenset({"json.loads", "ujson.loads", "orjson.loads", "simplejson.loads", "rapidjson.loads"})
_ANY_KEY = "<any key>"  # the one key of a table built by a dict comprehension
_PROMPT_KEYS = frozenset({"messages", "prompt", "inputs", "input_string"})


def _remote_code(call: cst.Call, ev: Evaluator, scope: Scope) -> bool:
    """``trust_remote_code=True`` given: the checkpoint's own model class, which brings its ``chat`` API."""
    flag = arg(call, "trust_remote_code")
    v = ev.value(flag, scope) if flag is not None else None
    return isinstance(v, Const) and v.value is True


def _subnodes(node: cst.CSTNode, limit: int = 200) -> list[cst.CSTNode]:
    """The nodes under ``node`` (itself included), breadth first, at most ``limit``."""
    out: list[cst.CSTNode] = [node]
    i = 0
    while i < len(out) and len(out) < limit:
        out += list(out[i].children)
        i += 1
    return out


def _request_keys(keys: set[str]) -> bool:
    """Keys of a model request: the prompt next to the model or a generation parameter."""
    if keys & _PROMPT_KEYS and keys & {"model", "max_tokens", "max_new_tokens", "temperature", "stream", "parameters"}:
        return True
    # a chat API taking the user's turn as one ``message`` (Cohere's v1 ``/chat``, with its ``chat_history``)
    return "message" in keys and "model" in keys


def _empty_dict(expr: cst.CSTNode) -> bool:
    return isinstance(expr, cst.Dict) and not expr.elements


def _literal(expr: cst.BaseExpression) -> bool:
    """A plain string or ``None``: a placeholder, not a value built for the request."""
    return isinstance(expr, cst.SimpleString) or (isinstance(expr, cst.Name) and expr.value == "None")


def _dict_inside(expr: cst.BaseExpression) -> cst.Dict | None:
    """A dict literal, also serialised in place (``json.dumps({...})``)."""
    if isinstance(expr, cst.Call) and dotted(expr.func) in JSON_DUMPS and expr.args:
        expr = expr.args[0].value
    return expr if isinstance(expr, cst.Dict) else None


OPTION_NAMES = frozenset(
    {
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "max_output_tokens",
        "max_new_tokens",
        "top_p",
        "top_k",
        "stop",
        "stop_sequences",
        "seed",
        "n",
        "response_format",
        "text_format",
        "response_model",
        "json_schema",
        "format",
        "tool_choice",
        "tools",
        "functions",
        "function_call",
        "parallel_tool_calls",
        "reasoning_effort",
        "frequency_penalty",
        "presence_penalty",
        "logprobs",
        "stream",
        "timeout",
        "num_predict",
    }
)


def _line_of(node: Any) -> int | None:
    """The first line of a node the converter placed (names it made up have none)."""
    pos = getattr(node, "_pos", None)  # slmc's own syntax nodes (slmc.frontend.syntax), not a third-party object
    return pos[0] if pos else None


# Reading a line a person types at the console: the builtin ``input``, and the prompt helpers of the common CLI
# libraries (``typer.prompt``, ``click.prompt``, rich's ``Prompt.ask``).
_CONSOLE_READERS = frozenset({("typer", "prompt"), ("click", "prompt"), ("Prompt", "ask")})


def console_read(call: cst.Call, ev: Evaluator, scope: Scope) -> bool:
    """Whether ``call`` reads a line a person types at the console (``input(...)`` not rebound in the module)."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value == "input" and ev.bindings_of("input", scope) is None
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return (func.value.value, func.attr.value) in _CONSOLE_READERS
    return False


def called_name(func: cst.BaseExpression) -> str:
    """The last name a call spells for its function: ``f`` of ``f(...)``, ``m`` of ``x.m(...)``; "" otherwise."""
    if isinstance(func, cst.Name):
        return func.value
    return func.attr.value if isinstance(func, cst.Attribute) else ""


def _call_fits(fn: Scope, call: cst.Call) -> bool:
    """Whether ``call``, made on a bound method (no ``self`` passed), can bind to the parameters of the method ``fn``:
    no keyword it does not name (unless it takes ``**kwargs``), no more positional arguments than it takes (unless
    ``*args``), every parameter without a default given. A call spreading ``*args``/``**kwargs`` fits anything."""
    params = getattr(fn.node, "params", None)
    if not isinstance(params, cst.Parameters) or any(a.star for a in call.args):
        return True
    plain = [*params.posonly_params, *params.params]
    if plain and not any(dotted(d) == "staticmethod" for d in fn.decorators):
        plain = plain[1:]
    named = {p.name.value for p in (*plain, *params.kwonly_params)}
    positional = sum(1 for a in call.args if a.keyword is None)
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    if positional > len(plain) and not isinstance(params.star_arg, cst.Param):
        return False
    if not isinstance(params.star_kwarg, cst.Param) and not keywords <= named:
        return False
    given = {p.name.value for p in plain[:positional]} | keywords
    return all(p.default is not None or p.name.value in given for p in (*plain, *params.kwonly_params))


def _param_owner(name: cst.Name, scope: Scope) -> Scope | None:
    """The function whose parameter ``name`` is: the enclosing function, or for a closure that does not bind the
    name itself, the nearest enclosing function that takes it as a parameter."""
    fn = scope if scope.kind == "function" else scope.enclosing_function()
    while fn is not None:
        if any(p.name.value == name.value for p in fn.params):
            return fn
        if name.value in fn.bindings or fn.parent is None or fn.parent.kind != "function":
            return None
        fn = fn.parent
    return None


def _star_before(call: cst.Call, index: int) -> bool:
    """A ``*args`` among the positional arguments at or before ``index`` (it may fill that position)."""
    seen = 0
    for a in call.args:
        if a.keyword is not None or a.star == "**":
            continue
        if a.star:
            return True
        if seen >= index:
            return False
        seen += 1
    return False


def _generic_class_subscript(qname: str, expr: cst.Subscript) -> bool:
    """``Name[T, ...]`` on a library name spelled as a class (``CamelCase``, not a ``CONSTANT``) with type arguments
    only (names, dotted names, nested subscripts, ``None``): a generic class parameterised, not a lookup in a table."""
    last = qname.rsplit(".", 1)[-1]
    if not (last[:1].isupper() and not last.isupper()):
        return False
    for element in expr.slice:
        index = element.slice
        if not isinstance(index, cst.Index) or not isinstance(index.value, cst.Name | cst.Attribute | cst.Subscript):
            return False
    return True


def arg(call: cst.Call | None, name: str, position: int | None = None) -> cst.BaseExpression | None:
    """The expression passed as keyword ``name`` or at ``position`` (positional arguments only)."""
    if call is None:
        return None
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    if position is not None:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if position < len(positional):
            return positional[position]
    return None


def _ran_param(call: cst.Call, names: list[str]) -> str | None:
    """The parameter a runner call runs (``asyncio.to_thread(func, ...)``, ``loop.run_in_executor(None,
    partial(func, *args, **kwargs))``, ``pool.submit(func, ...)``, ``Thread(target=func)``): it is called there."""
    run = run_target(call)
    handed = run[0] if run is not None else None
    if handed is None and (dotted(call.func) or "").rsplit(".", 1)[-1] in ("Thread", "Process"):
        handed = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "target"), None)
    if (
        isinstance(handed, cst.Call)
        and (dotted(handed.func) or "").rsplit(".", 1)[-1] == "partial"
        and handed.args
        and handed.args[0].keyword is None
        and not handed.args[0].star
    ):
        handed = handed.args[0].value
    return handed.value if isinstance(handed, cst.Name) and handed.value in names else None


def run_target(call: cst.Call) -> tuple[cst.BaseExpression, list[cst.Arg]] | None:
    """The function a runner call is handed (``asyncio.to_thread(fn, *a)``, ``loop.run_in_executor(None, fn, *a)``,
    ``pool.submit(fn, *a)``) and the arguments it is called with; None for any other call."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    index = clients.RUNS_ARGUMENT_BY_NAME.get(name or "")
    args = list(call.args)
    if index is None or len(args) <= index or any(a.star or a.keyword is not None for a in args[: index + 1]):
        return None
    return args[index].value, args[index + 1 :]


def tool_names(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[str]:
    """Names of tools in a ``tools=[...]`` / ``bind_tools([...])`` argument (dict schemas or functions)."""
    if isinstance(expr, cst.Name):
        bindings = ev.bindings_of(expr.value, scope) or []
        first = next((b for b in bindings if b[0] == "expr"), None)
        if first is None:
            return []
        expr, scope = first[1], first[2]
    if not isinstance(expr, cst.List | cst.Tuple):
        return []
    names: list[str] = []
    for el in expr.elements:
        if not isinstance(el, cst.Element):
            continue
        v = el.value
        if isinstance(v, cst.Dict):
            name = _dict_tool_name(ev, v, scope)
            if name:
                names.append(name)
        elif isinstance(v, cst.Name | cst.Attribute):
            bindings = ev.bindings_of(v.value, scope) if isinstance(v, cst.Name) else None
            first = next((b for b in bindings or () if b[0] == "expr"), None)
            if first is not None and isinstance(first[1], cst.Dict):
                name = _dict_tool_name(ev, first[1], first[2])
                if name:
                    names.append(name)
                continue
            names.append(v.attr.value if isinstance(v, cst.Attribute) else v.value)
    return names


def _dict_tool_name(ev: Evaluator, d: cst.Dict, scope: Scope) -> str | None:
    for el in d.elements:
        if not isinstance(el, cst.DictElement):
            continue
        key = ev.static_str(el.key, scope)
        if key == "name":
            return ev.static_str(el.value, scope)
        if key in ("function", "toolSpec") and isinstance(el.value, cst.Dict):
            return _dict_tool_name(ev, el.value, scope)
    return None


def _appended(expr: cst.BinaryOperation) -> tuple[cst.BaseExpression, list[cst.BaseExpression]]:
    """``a + b + c`` (parsed ``(a + b) + c``): the leftmost operand and the operands appended to it, in order."""
    tails: list[cst.BaseExpression] = []
    head: cst.BaseExpression = expr
    while isinstance(head, cst.BinaryOperation) and isinstance(head.operator, cst.Add):
        tails.append(head.right)
        head = head.left
    return head, tails[::-1]


def concat(texts: list[Text | None], origin: str) -> Text:
    parts: list[PromptPart] = []
    files = [t.template_file for t in texts if t is not None and t.template_file]
    origins = {t.origin for t in texts if t is not None}
    for t in texts:
        if t is None:
            continue
        for p in t.parts:
            if parts and not p.hole and not parts[-1].hole:
                parts[-1] = PromptPart(parts[-1].text + p.text)
            else:
                parts.append(p)
    if "template-file" in origins:
        origin = "template-file"
    elif origin == "concat" and origins <= {"literal", "constant"} and len(origins) == 1:
        origin = origins.pop()
    return Text(tuple(parts), origin, files[0] if files else None)


_SENTINEL = "\x00"


def _map_static(text: Text, fn: Callable[[str], str], whole: bool = False) -> Text:
    """Apply a string function to the static parts of a template, holes kept in place."""
    joined = "".join(_SENTINEL if p.hole else p.text for p in text.parts)
    holes = [p for p in text.parts if p.hole]
    mapped = fn(joined)
    pieces = mapped.split(_SENTINEL)
    parts: list[PromptPart] = []
    for i, piece in enumerate(pieces):
        if piece:
            parts.append(PromptPart(piece))
        if i < len(holes):
            parts.append(holes[i])
    return Text(tuple(parts), text.origin, text.template_file)


def _cleandoc(s: str) -> str:
    import inspect

    return inspect.cleandoc(s)


def _unescape(raw_text: str, quote: str, raw: bool) -> str:
    text = raw_text.replace("{{", "{").replace("}}", "}")
    if raw or "\\" not in text:
        return text
    try:
        return ast.literal_eval('"""' + text.replace('"', '\\"') + '"""')
    except (ValueError, SyntaxError):
        return text


def _param_side(expr: cst.CSTNode, scope: Scope) -> cst.CSTNode | None:
    """The side a caller gives of a parameter defaulted in place: ``system or DEFAULT`` and ``DEFAULT if system is
    None else system`` (``system if system is not None else DEFAULT``, ``system if system else DEFAULT``, ``DEFAULT if
    not system else system``), where ``system`` is a parameter of the function around ``expr``. None for any other
    expression (``JSON_PROMPT if json_mode else PLAIN_PROMPT`` picks between two texts the code writes)."""
    fn = scope.enclosing_function()
    if fn is None:
        return None
    params = {p.name.value for p in fn.params}

    def param(node: cst.CSTNode) -> str | None:
        return node.value if isinstance(node, cst.Name) and node.value in params else None

    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        return expr.left if param(expr.left) else None
    if not isinstance(expr, cst.IfExp):
        return None
    test, tested = expr.test, None
    given_in_body = True
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        op, right = test.comparisons[0].operator, test.comparisons[0].comparator
        if isinstance(right, cst.Name) and right.value == "None" and isinstance(op, cst.Is | cst.IsNot):
            tested, given_in_body = param(test.left), isinstance(op, cst.IsNot)
    elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        tested, given_in_body = param(test.expression), False
    else:
        tested = param(test)
    given = expr.body if given_in_body else expr.orelse
    return given if tested is not None and param(given) == tested else None


def _param_default(scope: Scope, name: str) -> str | None:
    """The literal string default of parameter ``name`` of the function ``scope`` is in (``prompt="review_prompt"``)."""
    fn = scope.enclosing_function()
    if fn is None:
        return None
    for p in fn.params:
        if p.name.value == name and isinstance(p.default, cst.SimpleString):
            value = p.default.evaluated_value
            return value if isinstance(value, str) else None
    return None


def _none_literal(expr: cst.BaseExpression) -> bool:
    """``None`` written as a default: no value of its own, so what the callers pass is the parameter's value."""
    return isinstance(expr, cst.Name) and expr.value == "None"


def _is_name(node: Any, name: str) -> bool:
    """Whether ``node`` is the bare name ``name``."""
    return isinstance(node, cst.Name) and node.value == name


def _module_dict_scope(bindings) -> Scope | None:
    """The module scope in which one of ``bindings`` assigns a dict literal (a module-level table), or None."""
    return next(
        (
            b[2]
            for b in bindings
            if b[0] == "expr"
            and len(b) > 2
            and isinstance(b[2], Scope)
            and b[2].kind == "module"
            and isinstance(b[1], cst.Dict)
        ),
        None,
    )


def _bound_here(expr: cst.BaseExpression, scope: Scope) -> bool:
    """Whether ``expr`` is a ``partial(...)`` written right there or a local name bound only to one in ``scope``
    itself (so the partial's arguments read in the scope of the call handing it on)."""
    if isinstance(expr, cst.Call):
        return True
    if not isinstance(expr, cst.Name):
        return False
    bindings = scope.bindings.get(expr.value, ())
    return bool(bindings) and all(
        b[0] == "expr" and len(b) > 2 and b[2] is scope and isinstance(b[1], cst.Call) for b in bindings
    )


def _dotted_prefixes(names: Iterable[str]) -> set[str]:
    """Every proper dotted prefix of the names (``a`` and ``a.b`` for ``a.b.c``)."""
    heads: set[str] = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            heads.add(".".join(parts[:i]))
    return heads


def _declared_only(bindings: list[Binding]) -> bool:
    """A class-level name that only declares an attribute: ``client: Any`` with no value, or ``client = None``."""
    return bool(bindings) and all(
        b[0] == "annot" or (b[0] == "expr" and len(b) > 1 and isinstance(b[1], cst.Name) and b[1].value == "None")
        for b in bindings
    )


def _template_param(name: str) -> bool:
    """A parameter named as the template a function fills (``template``, ``template_str``, ``prompt_template``)."""
    words = name.lower().strip("_").split("_")
    return "template" in words and not ({"path", "file", "name", "dir", "id", "key"} & set(words))


def _reads_name(fn: Scope, name: str) -> bool:
    """Whether the body of ``fn`` uses the name ``name`` (its parameter handed on or read)."""
    body = getattr(fn.node, "body", None)
    todo: list[cst.CSTNode] = [body] if body is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Name) and node.value == name:
            return True
        todo.extend(node.children)
    return False


def _arg_name(arg: cst.Arg) -> str | None:
    """The plain name a positional argument passes (``f(obj, key)``), else None."""
    if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.Name):
        return None
    return arg.value.value


def _worded(value: Value) -> bool:
    """Whether a text value holds three words or more of static text (a prompt), not a bare name, path or URL."""
    static = value.static() if isinstance(value, Text) else value.value if isinstance(value, Const) else ""
    return isinstance(static, str) and len(static.split()) >= 3
