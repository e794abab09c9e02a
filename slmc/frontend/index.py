"""Per-file pass: index one parsed module's scopes, bindings, calls and returns.

The tree is ``slmc.frontend.syntax``'s (the stdlib parser, in libcst's node shapes, with libcst's positions).
Independent of every other file (so it can run in parallel or be cached): scopes, parents and import names are
tracked by this one visitor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from slmc.frontend import syntax as cst
from slmc.frontend.syntax import CodeRange

# Binding kinds: ("expr", expr, scope) | ("aug", expr, scope) | ("import", qname) | ("def", Scope) | ("class", Scope)
#                ("param", Param, scope) | ("unpack", expr, scope, index) | ("for", iterable, scope)
#                | ("entry", container, scope) (``v`` of ``for k, v in X.items()``) | ("unknown",)
Binding = tuple[Any, ...]


@dataclass(eq=False)
class Scope:
    kind: str  # module | class | function
    name: str
    qualname: str  # within the module ("Agent.ask"); "" for the module
    parent: Scope | None
    node: cst.CSTNode
    module: ModuleIndex
    line: int = 0
    is_async: bool = False
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    annotations: dict[str, cst.BaseExpression] = field(default_factory=dict)
    globals_: set[str] = field(default_factory=set)
    params: list[cst.Param] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    calls: list[CallInfo] = field(default_factory=list)
    decorators: list[cst.BaseExpression] = field(default_factory=list)
    bases: list[cst.BaseExpression] = field(default_factory=list)  # classes
    self_attrs: dict[str, list[Binding]] = field(default_factory=dict)  # classes: self.x = ... in methods
    obj_attrs: dict[str, list[Binding]] = field(default_factory=dict)  # module: ``g.x = ...`` of a global ``g``
    yields: list[cst.BaseExpression] = field(default_factory=list)  # functions: the values of ``yield x``
    # functions (and modules): ``messages[-1]["content"] = text`` / ``messages[0] = msg``: (target, value) by the name
    # written into
    item_writes: dict[str, list[tuple[cst.BaseExpression, cst.BaseExpression]]] = field(default_factory=dict)
    # classes: what methods put into a container held in ``self.x`` (``self.x[key] = v`` / ``self.x.append(v)``)
    self_items: dict[str, list[Binding]] = field(default_factory=dict)
    # functions: ``parts.head = [...]`` on a local object (not the method's own ``self``), by ``"parts.head"``
    local_attrs: dict[str, list[Binding]] = field(default_factory=dict)
    docstring: str | None = None
    # facts read from this scope's own (immutable) tree, kept by the functions that compute them (name -> value)
    derived: dict[str, Any] = field(default_factory=dict, repr=False)
    _key: tuple[str, str] | None = field(default=None, repr=False)  # (module name it was made with, the key)

    @property
    def key(self) -> str:
        """Unique key of the scope in the analysed tree: ``module:qualname`` (lambdas get ``@line``); kept until the
        module is renamed (the project names a module after indexing it)."""
        made = self._key
        if made is not None and made[0] is self.module.name:
            return made[1]
        suffix = f"@{self.line}" if self.name == "<lambda>" else ""
        key = f"{self.module.name}:{self.qualname}{suffix}"
        self._key = (self.module.name, key)
        return key

    @property
    def function_name(self) -> str:
        """Qualified name of the innermost enclosing def (the id's function), ``<module>`` at module level.

        Lambdas (like comprehensions) belong to their enclosing def, as in trace capture's caller frames."""
        scope: Scope | None = self
        while scope is not None and (scope.kind == "class" or scope.name == "<lambda>"):
            scope = scope.parent
        return scope.qualname if scope is not None and scope.kind == "function" else "<module>"

    def enclosing_function(self) -> Scope | None:
        scope: Scope | None = self
        while scope is not None and scope.kind == "class":
            scope = scope.parent
        return scope if scope is not None and scope.kind == "function" else None

    def enclosing_class(self) -> Scope | None:
        """The class a method belongs to (the direct parent scope), if any."""
        return self.parent if self.parent is not None and self.parent.kind == "class" else None

    def bind(self, name: str, binding: Binding) -> None:
        target = self.module.scope if name in self.globals_ else self
        target.bindings.setdefault(name, []).append(binding)


# The per-user state object of a UI framework (Streamlit's ``st.session_state``): an app keeps its agents and clients
# there between reruns, by attribute or by string key.
SESSION_STORES = frozenset({"session_state"})


def session_slot(node: cst.BaseExpression) -> str | None:
    """``session_state.<key>`` for an attribute or a constant string key of a session store (``st.session_state.agent``,
    ``st.session_state["agent"]``), else None."""
    if isinstance(node, cst.Attribute):
        holder, key = node.value, node.attr.value
    elif isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        index = node.slice[0].slice.value
        if not isinstance(index, cst.SimpleString) or not isinstance(index.evaluated_value, str):
            return None
        holder, key = node.value, index.evaluated_value
    else:
        return None
    name = dotted(holder)
    if name is None or name.rsplit(".", 1)[-1] not in SESSION_STORES:
        return None
    return f"{name.rsplit('.', 1)[-1]}.{key}"


@dataclass(eq=False)
class CallInfo:
    node: cst.Call
    scope: Scope
    awaited: bool
    statement: cst.CSTNode | None  # the innermost enclosing statement


@dataclass(eq=False)
class ModuleIndex:
    name: str  # dotted module name
    path: str  # relative path, "/" separators
    is_package: bool
    source: str
    tree: cst.Module
    positions: Any  # Mapping[CSTNode, CodeRange]
    scope: Scope = None  # type: ignore[assignment]
    scopes: list[Scope] = field(default_factory=list)
    parents: dict[int, cst.CSTNode] = field(default_factory=dict)  # id(child) -> parent, for calls/names we keep
    unreachable: list[cst.CSTNode] = field(default_factory=list)  # statements after a return / raise in their block

    def pos(self, node: cst.CSTNode) -> CodeRange | None:
        return self.positions.get(node)

    def code(self, node: cst.CSTNode) -> str:
        return self.tree.code_for_node(node).strip()


@lru_cache(maxsize=4096)
def is_test_path(path: str) -> bool:
    """A test file of the tree (``tests/...``, ``test_x.py``, ``x_test.py``, ``conftest.py``); asked for the same
    few paths hundreds of thousands of times, so remembered."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def module_name_for(relpath: str) -> tuple[str, bool]:
    """``pkg/sub/mod.py`` -> (``pkg.sub.mod``, False); ``pkg/__init__.py`` -> (``pkg``, True)."""
    parts = relpath[:-3].split("/") if relpath.endswith(".py") else relpath.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(p for p in parts if p) or "__main__", is_package


def dotted(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def start_line(scope: Scope, node: cst.CSTNode) -> int:
    """The first line of ``node`` in the module of ``scope`` (0 where the node has no position)."""
    pos = scope.module.pos(node)
    return pos.start.line if pos is not None else 0


def suite_statements(node: cst.CSTNode | None) -> tuple[cst.CSTNode, ...]:
    """The statements of a def's or class's body (an indented block or a one-line suite); none for a lambda, whose
    ``body`` is an expression (an ``a if c else b`` there has a ``body`` of its own that is no statement list)."""
    body = getattr(node, "body", None)
    return tuple(body.body) if isinstance(body, cst.BaseSuite) else ()


def own_nodes(fn: Scope, cap: int = 5000) -> Iterator[cst.CSTNode]:
    """The nodes of the function ``fn``'s own body, last statement first (nested defs, classes and lambdas left out;
    at most ``cap`` visited)."""
    todo: list[cst.CSTNode] = list(suite_statements(fn.node))
    seen = 0
    while todo and seen < cap:
        node = todo.pop()
        seen += 1
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        todo.extend(node.children)
        yield node


def _guarded_class(block: cst.CSTNode, stmt: cst.CSTNode, value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The class ``value`` is known to be after a guard statement before ``stmt`` in ``block``:
    ``if not isinstance(value, Cls): raise ...`` (one class, a body that ends by raising)."""
    name = dotted(value)
    if name is None:
        return None
    for prev in block.body:  # type: ignore[attr-defined]
        if prev is stmt:
            return None
        if not isinstance(prev, cst.If) or prev.orelse is not None:
            continue
        test = prev.test
        if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
            continue
        call = test.expression
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value == "isinstance"
            and len(call.args) == 2
            and dotted(call.args[0].value) == name
            and isinstance(call.args[1].value, cst.Name | cst.Attribute)
        ):
            continue
        last = prev.body.body[-1] if isinstance(prev.body, cst.IndentedBlock) and prev.body.body else prev.body
        small = last.body if isinstance(last, cst.SimpleStatementLine) else ()
        if any(isinstance(x, cst.Raise) for x in small):
            return call.args[1].value
    return None


def _paired_container(target: cst.BaseExpression, it: cst.BaseExpression) -> cst.BaseExpression | None:
    """The container whose entries the second of two loop names takes: ``X`` in ``for k, v in X.items()`` and in
    ``for i, v in enumerate(X)``; None for any other loop."""
    if not (
        isinstance(target, cst.Tuple)
        and len(target.elements) == 2
        and all(isinstance(el, cst.Element) and isinstance(el.value, cst.Name) for el in target.elements)
        and isinstance(it, cst.Call)
    ):
        return None
    if isinstance(it.func, cst.Attribute) and it.func.attr.value == "items" and not it.args:
        return it.func.value
    if isinstance(it.func, cst.Name) and it.func.value == "enumerate" and it.args and not it.args[0].star:
        return it.args[0].value
    return None


def _item_root(target: cst.BaseExpression) -> str | None:
    """``messages[-1]["content"]`` / ``messages[-1].content`` / ``messages[0]``: the plain name an assignment writes
    an item (or an item's field) into, else None."""
    node, subscripted = target, False
    for _ in range(6):
        if isinstance(node, cst.Subscript):
            node, subscripted = node.value, True
        elif isinstance(node, cst.Attribute) and subscripted is False and isinstance(node.value, cst.Subscript):
            node = node.value
        else:
            break
    return node.value if subscripted and isinstance(node, cst.Name) else None


def _is_const_false(test: cst.BaseExpression) -> bool | None:
    """True/False when an ``if`` test is a literal constant, else None."""
    if isinstance(test, cst.Name) and test.value in ("True", "False"):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.value != "0"
    return None


_TERMINAL = (cst.Return, cst.Raise, cst.Continue, cst.Break)
# builtin data types an ``isinstance`` test may narrow a name to: no class of the tree, so no narrowing to keep
_PLAIN_DATA_TYPES = frozenset({"str", "bytes", "int", "float", "bool", "dict", "list", "tuple", "set"})


class _Indexer(cst.CSTVisitor):
    def __init__(self, index: ModuleIndex) -> None:
        super().__init__()
        self.index = index
        self.scope = index.scope
        self.stack: list[cst.CSTNode] = []
        self.dead: set[int] = set()
        self.statements: list[cst.CSTNode] = []

    # ---- generic: parent stack and dead code ---------------------------------------------------------------------
    def walk(self, node: cst.CSTNode) -> None:
        """``node.visit(self)``, in one function: the tree's hundred nodes per line each cost a call of ``on_visit``,
        ``on_leave`` and ``children`` on the generic path. The same order, stacks and dead-code rule; leaves
        (``_LEAVES``) are not entered."""
        kind = type(node)
        try:
            visit, leave, statement = _HOOKS[kind]
        except KeyError:
            visit, leave, statement = _HOOKS[kind] = (
                getattr(_Indexer, "visit_" + kind.__name__, None),
                getattr(_Indexer, "leave_" + kind.__name__, None),
                issubclass(kind, _STATEMENTS),
            )
            if visit is None and leave is None and not statement and not kind._kids:
                _LEAVES.add(kind)
        self.stack.append(node)
        if statement:
            self.statements.append(node)
        live = id(node) not in self.dead
        if live and (visit is None or visit(self, node) is not False):
            for name in kind._kids:
                value = getattr(node, name)
                if value is None:
                    continue
                if isinstance(value, cst.CSTNode):
                    if type(value) not in _LEAVES:
                        self.walk(value)
                else:
                    for item in value:
                        if isinstance(item, cst.CSTNode) and type(item) not in _LEAVES:
                            self.walk(item)
        if live and leave is not None:
            leave(self, node)
        self.stack.pop()
        if self.statements and self.statements[-1] is node:
            self.statements.pop()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        if isinstance(node, cst.BaseStatement | cst.BaseSmallStatement):
            self.statements.append(node)
        if id(node) in self.dead:
            return False
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if id(original_node) not in self.dead:  # dead nodes were never visited (no scope pushed)
            super().on_leave(original_node)
        self.stack.pop()
        if self.statements and self.statements[-1] is original_node:
            self.statements.pop()

    def _mark_dead_after_terminal(self, body: Any) -> None:
        for i, stmt in enumerate(body):
            if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, _TERMINAL) for s in stmt.body):
                for later in body[i + 1 :]:
                    self.dead.add(id(later))
                    self.index.unreachable.append(later)
                return

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._mark_dead_after_terminal(node.body)

    def visit_If(self, node: cst.If) -> bool:
        const = _is_const_false(node.test)
        if const is None:
            return True
        if const:
            self.walk(node.test)
            self.walk(node.body)
        elif node.orelse is not None:
            self.walk(node.orelse)
        return False

    def visit_While(self, node: cst.While) -> bool:
        return _is_const_false(node.test) is not False

    # ---- scopes --------------------------------------------------------------------------------------------------
    def _push(self, kind: str, name: str, node: cst.CSTNode, is_async: bool = False) -> Scope:
        parent = self.scope
        if parent.kind == "module":
            qual = name
        elif parent.kind == "class":
            qual = f"{parent.qualname}.{name}"
        else:
            qual = f"{parent.qualname}.<locals>.{name}"
        pos = self.index.pos(node)
        scope = Scope(kind, name, qual, parent, node, self.index, line=pos.start.line if pos else 0, is_async=is_async)
        self.index.scopes.append(scope)
        self.scope = scope
        return scope

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        scope = self._push("function", node.name.value, node, is_async=node.asynchronous is not None)
        outer.bind(node.name.value, ("def", scope))
        scope.decorators = [d.decorator for d in node.decorators]
        params = node.params
        scope.params = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                scope.params.append(extra)
        for p in scope.params:
            scope.bind(p.name.value, ("param", p, scope))
        scope.docstring = node.get_docstring()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = self._push("function", "<lambda>", node)
        params = node.params
        scope.params = [*params.posonly_params, *params.params, *params.kwonly_params]
        for p in scope.params:
            scope.bind(p.name.value, ("param", p, scope))
        scope.returns.append(node.body)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope
        scope = self._push("class", node.name.value, node)
        outer.bind(node.name.value, ("class", scope))
        scope.bases = [a.value for a in node.bases]
        scope.decorators = [d.decorator for d in node.decorators]
        scope.docstring = node.get_docstring()

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.globals_.update(n.name.value for n in node.names)

    # ---- bindings ------------------------------------------------------------------------------------------------
    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None, kind: str = "expr") -> None:
        if isinstance(target, cst.Name) and kind == "expr" and self._import_fallback(target.value):
            return  # ``except ImportError: BaseChatModel = Mock``: a stand-in; the import above is what the code means
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, (kind, value, self.scope) if value is not None else ("unknown",))
        elif (slot := session_slot(target)) is not None:
            # ``st.session_state.agent = build_agent()`` / ``st.session_state["agent"] = ...``: an app's session store
            binding: Binding = (kind, value, self.scope) if value is not None else ("unknown",)
            self.index.scope.obj_attrs.setdefault(slot, []).append(binding)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            self._bind_self_attr(target, value, kind)
        elif isinstance(target, cst.Tuple | cst.List):
            values = value.elements if isinstance(value, cst.Tuple | cst.List) else None
            for i, el in enumerate(target.elements):
                inner = values[i].value if values is not None and i < len(values) else None
                if inner is None and value is not None and kind == "expr" and isinstance(el.value, cst.Name):
                    # ``url, headers = self._prepare(path)``: element i of what the call returns
                    self.scope.bind(el.value.value, ("unpack", value, self.scope, i))
                    continue
                if (
                    inner is None
                    and isinstance(value, cst.Call)
                    and kind == "expr"
                    and isinstance(el.value, cst.Attribute)
                    and isinstance(el.value.value, cst.Name)
                ):
                    # ``self._send, self._send_async = make_senders(cfg)``: element i of what the call returns
                    self._bind_self_attr(el.value, value, "unpack", i)
                    continue
                self._bind_target(el.value, inner, kind)

    def _import_fallback(self, name: str) -> bool:
        """Whether ``name`` is being assigned in an ``except ImportError`` (``ModuleNotFoundError``) handler of a
        ``try`` whose body imports that very name: the stand-in an optional dependency gets when it is missing."""
        for i in range(len(self.stack) - 1, 0, -1):
            node = self.stack[i]
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                return False
            if not isinstance(node, cst.ExceptHandler):
                continue
            parent = self.stack[i - 1]
            if not isinstance(parent, cst.Try) or not _catches_import_error(node):
                return False
            return name in _imported_names(parent.body)
        return False

    def _bind_self_attr(
        self, target: cst.Attribute, value: cst.BaseExpression | None, kind: str, index: int | None = None
    ) -> None:
        func = self.scope.enclosing_function()
        cls = func.enclosing_class() if func is not None else None
        binding: Binding = (kind, value, self.scope) if value is not None else ("unknown",)
        if index is not None and value is not None:
            binding = (kind, value, self.scope, index)
        name = target.value.value  # type: ignore[union-attr]
        if func is not None and (name in func.globals_ or not _is_local(func, name)):
            # ``_state.session = make_session()`` on a module-level object (``threading.local()``), set in a function
            self.index.scope.obj_attrs.setdefault(f"{name}.{target.attr.value}", []).append(binding)
        elif func is not None and not (func.params and name == func.params[0].name.value and cls is not None):
            # ``parts = Parts()`` then ``parts.head = [...]``: what the function puts into an object it builds
            func.local_attrs.setdefault(f"{name}.{target.attr.value}", []).append(binding)
        if func is None or cls is None:
            return
        if target.value.value == cls.name:  # type: ignore[union-attr]
            # ``Service.client = Anthropic()`` in a method: the class attribute (``client = None``) is set
            cls.bindings.setdefault(target.attr.value, []).append(binding)
            return
        if not func.params or target.value.value != func.params[0].name.value:  # type: ignore[union-attr]
            return
        cls.self_attrs.setdefault(target.attr.value, []).append(binding)

    def visit_Assign(self, node: cst.Assign) -> None:
        narrowed = self._isinstance_narrowed(node.value)
        if isinstance(narrowed, cst.Name) and narrowed.value in _PLAIN_DATA_TYPES:
            # ``if isinstance(task, str): prompt = task``: a builtin data type names no class of the tree to resolve
            # calls on; the value assigned (the parameter itself) is what the local holds and hands on
            narrowed = None
        for t in node.targets:
            if narrowed is not None:  # ``if isinstance(model, Manager): self.backend = model``: a Manager
                self._bind_target(t.target, narrowed, "annot")
            else:
                self._bind_target(t.target, node.value)
            if isinstance(t.target, cst.Subscript):
                self._bind_self_item(t.target.value, node.value)
            root = _item_root(t.target)
            if root is not None and self.scope.kind in ("function", "module"):
                # (module level: ``PROMPTS["answer"] = """..."""`` filling a table declared empty above)
                self.scope.item_writes.setdefault(root, []).append((t.target, node.value))

    def _isinstance_narrowed(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """The class a plain name is narrowed to where it is assigned: inside the body of an enclosing
        ``if isinstance(name, Cls):`` of the same function (one class, not a tuple), or after a guard
        ``if not isinstance(name, Cls): raise ...`` earlier in an enclosing block of the function (the name may
        be an attribute path there: ``self.config.model``)."""
        if not isinstance(value, cst.Name | cst.Attribute):
            return None
        for i in range(len(self.stack) - 1, 0, -1):
            node = self.stack[i - 1]
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                return None
            if isinstance(node, cst.IndentedBlock):
                guarded = _guarded_class(node, self.stack[i], value)
                if guarded is not None:
                    return guarded
            if not isinstance(value, cst.Name) or not isinstance(node, cst.If) or self.stack[i] is not node.body:
                continue
            test = node.test
            if (
                isinstance(test, cst.Call)
                and isinstance(test.func, cst.Name)
                and test.func.value == "isinstance"
                and len(test.args) == 2
                and isinstance(test.args[0].value, cst.Name)
                and test.args[0].value.value == value.value
                and isinstance(test.args[1].value, cst.Name | cst.Attribute)
            ):
                return test.args[1].value
        return None

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.annotations[node.target.value] = node.annotation.annotation
        elif isinstance(node.target, cst.Attribute) and isinstance(node.target.value, cst.Name):
            # self.service: Base = injector.get(svc): the declared type stands in for a value we cannot see
            self._bind_self_attr(node.target, node.annotation.annotation, "annot")
        if node.value is not None:
            self._bind_target(node.target, node.value)
        elif isinstance(node.target, cst.Name):
            self.scope.bind(node.target.value, ("annot", node.annotation.annotation, self.scope))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign):
            self._bind_target(node.target, node.value, "aug")

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node.item)

    def visit_For(self, node: cst.For) -> None:
        container = _paired_container(node.target, node.iter)
        if container is not None and isinstance(node.target, cst.Tuple):
            # ``for name, agent in self.agents.items()`` / ``for i, agent in enumerate(agents)``: the second name is
            # an entry of the container (the evaluator types it from what the container holds)
            self._bind_target(node.target.elements[0].value, None, "for")
            self.scope.bind(node.target.elements[1].value.value, ("entry", container, self.scope))  # type: ignore[union-attr]
            return
        self._bind_target(node.target, node.iter, "for")  # a loop variable: an entry of what the loop walks

    def visit_CompFor(self, node: cst.CompFor) -> None:
        # ``[agent.step(x) for agent in agents[1:]]``: the comprehension's variable (kept in its enclosing def's
        # scope, as the comprehension's calls are) is an entry of what it walks, as a loop variable is
        if isinstance(node.target, cst.Name):
            self._bind_target(node.target, node.iter, "for")

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, ("import", full, self.index))
            else:
                head = full.split(".", 1)[0]
                self.scope.bind(head, ("import", head, self.index))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        base = dotted(node.module) if node.module is not None else ""
        if node.relative:
            parts = self.index.name.split(".")
            if not self.index.is_package:
                parts = parts[:-1]
            up = len(node.relative) - 1
            parts = parts[: len(parts) - up] if up else parts
            base = ".".join([*parts, base] if base else parts)
        if isinstance(node.names, cst.ImportStar):
            self.index.scope.bindings.setdefault("*", []).append(("import", base, self.index))
            return
        for alias in node.names:
            name = dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname is not None else name  # type: ignore[union-attr]
            self.scope.bind(local, ("import", f"{base}.{name}" if base else name, self.index))

    # ---- uses ----------------------------------------------------------------------------------------------------
    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self.scope.yields.append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        parent = self.stack[-2] if len(self.stack) > 1 else None
        self.index.parents[id(node)] = parent  # type: ignore[assignment]
        stmt = self.statements[-1] if self.statements else None
        self.scope.calls.append(CallInfo(node, self.scope, isinstance(parent, cst.Await), stmt))
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "add") and len(node.args) == 1:
            self._bind_self_item(func.value, node.args[0].value)  # ``self.agents.append(agent)``

    def _bind_self_item(self, container: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``self.x[key] = value`` / ``self.x.append(value)`` in a method: ``value`` is an entry of ``self.x``."""
        func = self.scope.enclosing_function()
        cls = func.enclosing_class() if func is not None else None
        if (
            func is None
            or cls is None
            or not func.params
            or not isinstance(container, cst.Attribute)
            or not isinstance(container.value, cst.Name)
            or container.value.value != func.params[0].name.value
        ):
            return
        cls.self_items.setdefault(container.attr.value, []).append(("expr", value, self.scope))


# node type -> (the indexer's visit_ and leave_ functions, or None; whether it is a statement), found once per type
_HOOKS: dict[type, tuple[Any, Any, bool]] = {}
_STATEMENTS = (cst.BaseStatement, cst.BaseSmallStatement)
# node types the walk need not enter: no hook, not a statement, no children (a name, a constant, an operator); their
# push and pop on the stacks are seen by no hook
_LEAVES: set[type] = set()


def _is_local(func: Scope, name: str) -> bool:
    """Whether ``name`` is a parameter or a name the function (or one enclosing it) binds before or where it is used:
    anything else read in a function is a module global."""
    scope: Scope | None = func
    while scope is not None and scope.kind != "module":
        if name in scope.bindings:
            return True
        scope = scope.parent
    return False


def index_module(relpath: str, source: str, tree: cst.Module) -> ModuleIndex:
    """Index a parsed module (positions resolved once, on the shared tree)."""
    name, is_package = module_name_for(relpath)
    positions = cst.positions(tree)
    index = ModuleIndex(name, relpath, is_package, source, tree, positions)
    index.scope = Scope("module", "<module>", "", None, tree, index, line=1)
    index.scopes.append(index.scope)
    _Indexer(index).walk(tree)
    return index


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def _catches_import_error(handler: cst.ExceptHandler) -> bool:
    """``except ImportError:`` / ``except (ImportError, AttributeError):`` / ``except ModuleNotFoundError as e:``."""
    kind = handler.type
    names = [el.value for el in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return any((dotted(n) or "").rsplit(".", 1)[-1] in _IMPORT_ERRORS for n in names if n is not None)


def _imported_names(block: cst.BaseSuite) -> set[str]:
    """The names the import statements directly in ``block`` bind."""
    out: set[str] = set()
    for stmt in getattr(block, "body", ()):
        for small in getattr(stmt, "body", ()) if isinstance(stmt, cst.SimpleStatementLine) else ():
            if not isinstance(small, cst.Import | cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    out.add(alias.asname.name.value)
                elif isinstance(alias.name, cst.Name | cst.Attribute):
                    out.add((dotted(alias.name) or "").split(".")[0])
    return out
