"""Where the answer of an LLM call goes: parsed as JSON/pydantic, checked against a label set, cast, matched by a
regex, returned, printed, appended, fed into another LLM call, or dropped.

Works per function: names assigned from a call's result (or from anything derived from it) carry the call's taint;
uses of tainted expressions are matched against consumer patterns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass

from slmc.frontend import syntax as cst
from slmc.frontend.index import Scope, dotted
from slmc.frontend.resolve import Evaluator
from slmc.frontend.sites import Site
from slmc.frontend.values import Class, Const
from slmc.guard import Guard
from slmc.ir.nodes import Loc


@dataclass(frozen=True)
class Consumer:
    kind: str  # json.loads | pydantic | label-set | regex | marker-split | int | float | bool | return | llm-input | print | append | unused
    loc: Loc
    labels: tuple[str, ...] = ()
    flows_to: str | None = None  # llm-input: the site the answer feeds


# fields of a model answer that hold tool-call data rather than the answer text (the called tool's JSON arguments, the
# list of tool calls, a tool's output a server streams back beside the text)
_TOOL_FIELDS = frozenset({"arguments", "tool_calls", "tool_output"})
_JSON = {"json.loads", "json.load", "orjson.loads", "ujson.loads", "json_repair.loads", "loads"}
_PYDANTIC = {"model_validate_json", "parse_raw", "model_validate", "parse_obj", "validate_json", "validate_python"}
# ``bool(answer)`` only tests that there is an answer at all (``bool("no")`` is True): no parse of what it says
_CASTS = {"int", "float"}
_REGEX = {"search", "match", "fullmatch", "findall", "finditer"}
_APPEND = {"append", "extend", "add", "put", "put_nowait"}
# Kind fields of streamed events / chat messages (``{"type": "code", "role": "assistant", ...}``)
_EVENT_FIELDS = frozenset({"type", "role", "format", "recipient", "event", "object", "finish_reason"})
_SPLIT = {"split", "rsplit", "partition", "rpartition"}
# The state of the job a request started (``run.status in ["queued", "in_progress"]`` while an Assistants run is
# polled, ``response.stop_reason``): the code waits on it, it is not what the model wrote
_STATE_ATTRS = frozenset({"status", "stop_reason"})


# base classes of an enumeration: building one from a text looks the text up among its members
_ENUM_BASES = frozenset({"Enum", "StrEnum"})


# the longest literal an answer compared for equality with counts as a label (a word, a short phrase)
_MATCHED_WORD_CHARS = 40


# string methods that normalise a text before it is compared (``verdict.strip().lower() == "yes"``)
_NORMALISERS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title"})


def _plain_text(expr: cst.BaseExpression) -> bool:
    """``expr`` is a name, maybe normalised by string methods (``answer.strip().lower()``): a whole text, not a part of
    a structure (an item, a field)."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _NORMALISERS:
        expr = expr.func.value
    return isinstance(expr, cst.Name)


def _kind_field(name: str) -> bool:
    """A field naming what kind of event or message a piece is (``type``, ``role``, ``message_type``)."""
    return name in _EVENT_FIELDS or name.endswith("_type")


def _state_field(name: str) -> bool:
    """A field holding the state of the job or stream an answer comes from (``status``, ``stream_state``,
    ``run_status``), not what the model wrote."""
    return name in _STATE_ATTRS or name.endswith(("_state", "_status"))


_MARKER = re.compile(r"[A-Za-z]{3}")
# A collection named for what was met before (``seen``, ``visited_set``, ``previous_answers``, ``cache``): ``answer in
# seen`` asks whether this answer came up already (a dedupe), not whether it is one of a closed set of labels.
_RECORD_OF_PAST = re.compile(
    r"(?:^|_)(?:seen|visited|history|cache[ds]?|previous|prev|past|tried|attempted|already|used|done|duplicates?)(?:_|$)",
    re.IGNORECASE,
)


def find_consumers(
    ev: Evaluator, sites: list[Site], ids: dict[int, str], guard: Guard | None = None
) -> dict[str, list[Consumer]]:
    """The consumers of each site's answer, by node id; with ``guard``, each scope is one unit of it (a bug of ours on
    one function costs that function's consumers)."""
    by_scope: dict[int, tuple[Scope, list[Site]]] = {}
    for s in sites:
        scope = s.info.scope
        by_scope.setdefault(id(scope), (scope, []))[1].append(s)
    out: dict[str, list[Consumer]] = defaultdict(list)
    for scope, _ in by_scope.values():
        walker = _Walker(ev, scope, ids)
        with guard.unit("consumers", scope) if guard is not None else nullcontext() as unit:
            _taint_from_bindings(walker, scope)
            walker.collect = True
            _body(scope).visit(walker)
        if unit is not None and unit.failed:
            continue  # what was found before the failure is left out
        for nid, consumer in walker.found:
            if consumer not in out[nid]:
                out[nid].append(consumer)
    return dict(out)


def _taint_from_bindings(walker: _Walker, scope: Scope) -> None:
    """Names assigned (in this scope) from an answer, or from a name that carries one: a small fixpoint."""
    own = [
        (name, b[1])
        for name, bindings in scope.bindings.items()
        for b in bindings
        if b[0] in ("expr", "aug", "for") and b[2] is scope
    ]
    for whole in (False, True):
        taint = walker.taint_all if whole else walker.taint
        for _ in range(len(own) + 1):
            changed = False
            for name, expr in own:
                sites = walker.mentions(expr, whole)
                if sites - taint.get(name, set()):
                    taint[name] |= sites
                    changed = True
            if not changed:
                break


def _body(scope: Scope) -> cst.CSTNode:
    node = scope.node
    if isinstance(node, cst.FunctionDef):
        return node.body
    if isinstance(node, cst.Lambda):
        return node.body
    return node


class _Walker(cst.CSTVisitor):
    def __init__(self, ev: Evaluator, scope: Scope, ids: dict[int, str]) -> None:
        super().__init__()
        self.ev, self.scope, self.ids = ev, scope, ids
        self.taint: dict[str, set[str]] = defaultdict(set)
        self.taint_all: dict[str, set[str]] = defaultdict(set)  # the same, through calls mixing in other data
        self.collect = False
        self.found: list[tuple[str, Consumer]] = []
        self.memo: dict[int, set[str]] = {}
        self.memo_all: dict[int, set[str]] = {}  # the same, through calls mixing in other data (``whole``)

    # nested scopes have their own walk
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return node is self.scope.node

    # ---- taint ---------------------------------------------------------------------------------------------------
    def mentions(self, node: cst.CSTNode | None, whole: bool = False) -> set[str]:
        """Sites whose answer an expression carries (through tainted names or nested site calls); ``whole``: also
        through a call mixing the answer with other data (what a prompt built from it holds, ``_mixes``)."""
        if node is None:
            return set()
        memo = self.memo_all if whole else self.memo
        if self.collect and id(node) in memo:  # taint is final while collecting
            return memo[id(node)]
        found: set[str] = set()
        if isinstance(node, cst.Attribute) and (_kind_field(node.attr.value) or _state_field(node.attr.value)):
            # ``last = piece.stream_state``: the kind or state of the piece, not its text, goes on from here
            if self.collect:
                memo[id(node)] = found
            return found
        if isinstance(node, cst.Name):
            found |= (self.taint_all if whole else self.taint).get(node.value, set())
        elif isinstance(node, cst.Call) and id(node) in self.ids:
            found.add(self.ids[id(node)])
        elif isinstance(node, cst.Call) and not whole and self._mixes(node):
            if self.collect:
                memo[id(node)] = found
            return found
        if not isinstance(node, cst.Lambda | cst.FunctionDef):
            for child in node.children:
                found |= self.mentions(child, whole)
        if self.collect:
            memo[id(node)] = found
        return found

    def _mixes(self, call: cst.Call) -> bool:
        """``run_tests(code, tests)`` / ``checker.evaluate(entry, code, cases)``: a call handed the answer beside other
        data of the program (a variable that carries no answer and is no constant text) computes a new value from
        both (running generated code against its tests): what it returns is no form of the answer, so no consumer
        of that result (``int(passed)``) says what the answer looks like. A parse of the answer with constant options
        (``re.search(PATTERN, text)``, ``json.loads(text, strict=False)``) or a method of the answer keeps it."""
        tainted = False
        other = False
        for a in call.args:
            if a.star:
                return False
            got = self.mentions(a.value)
            if got:
                tainted = True
            elif isinstance(a.value, cst.Name | cst.Attribute | cst.Subscript) and not self._constant(a.value):
                other = True
        return tainted and other

    def _constant(self, expr: cst.BaseExpression) -> bool:
        """A constant of the program (text, a number, a module-level value), not data computed at run time."""
        if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
            return True
        try:
            return isinstance(self.ev.value(expr, self.scope), Const)
        except RecursionError:
            return False

    def _taint_target(self, target: cst.CSTNode, sites: set[str], whole: bool = False) -> None:
        if not sites:
            return
        taint = self.taint_all if whole else self.taint
        if isinstance(target, cst.Name):
            taint[target.value] |= sites
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self._taint_target(el.value, sites, whole)
        elif isinstance(target, cst.Attribute | cst.Subscript):
            base = target.value
            while isinstance(base, cst.Attribute | cst.Subscript):
                base = base.value
            if isinstance(base, cst.Name) and base.value != "self":
                taint[base.value] |= sites

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:  # obj.field = answer / data["k"] = answer taint obj / data
            if isinstance(t.target, cst.Attribute | cst.Subscript):
                self._taint_target(t.target, self.mentions(node.value))
                self._taint_target(t.target, self.mentions(node.value, True), True)

    # ---- consumers -----------------------------------------------------------------------------------------------
    def _add(self, sites: set[str], kind: str, node: cst.CSTNode, labels: tuple[str, ...] = (), to: str | None = None):
        if not self.collect or not sites:
            return
        pos = self.scope.module.pos(node)
        loc = Loc(self.scope.module.path, pos.start.line if pos else 1, (pos.start.column + 1) if pos else 1)
        for nid in sorted(sites):
            self.found.append((nid, Consumer(kind, loc, labels, to)))

    def visit_Call(self, node: cst.Call) -> None:
        if not self.collect:
            return
        args = set().union(*(self.mentions(a.value) for a in node.args)) if node.args else set()
        name = dotted(node.func) or ""
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if id(node) in self.ids:
            me = self.ids[id(node)]
            # a prompt built from the answer with other data still feeds it to this call
            fed = set().union(*(self.mentions(a.value, True) for a in node.args)) if node.args else set()
            self._add(fed - {me}, "llm-input", node, to=me)
            return
        if name in _JSON or method == "loads":
            if not (node.args and self._tool_arguments(node.args[0].value)):
                self._add(args, "json.loads", node)
        elif method in _PYDANTIC:
            self._add(args, "pydantic", node)
        elif name in _CASTS:
            self._add(args, name, node)
        elif (labels := self._enum_members(node)) is not None:
            # ``TaskStatus(ret["task_status"])``: the answer looked up among the members of an enumeration of the tree
            self._add(args, "label-set", node, labels)
        elif method in _REGEX:
            self._add(args, "regex", node)
        elif method in _SPLIT and isinstance(node.func, cst.Attribute) and self._is_marker(node):
            self._add(self.mentions(node.func.value), "marker-split", node)
        elif name == "print":
            self._add(args, "print", node)
        elif method in _APPEND:
            self._add(args, "append", node)

    def _enum_members(self, node: cst.Call) -> tuple[str, ...] | None:
        """The string values of the members of the tree's ``Enum`` class a call with one positional argument builds
        (``Status(answer)`` looks the answer up among them: a closed label set); None for any other call."""
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        value = self.ev.value(node.func, self.scope)
        cls = self.ev.scopes.get(value.key) if isinstance(value, Class) else None
        bases = getattr(cls.node, "bases", ()) if cls is not None else ()
        if not any((dotted(b.value) or "").rsplit(".", 1)[-1] in _ENUM_BASES for b in bases):
            return None
        labels: list[str] = []
        for stmt in getattr(getattr(cls.node, "body", None), "body", ()):
            for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.SimpleString):
                    text = small.value.evaluated_value
                    if isinstance(text, str):
                        labels.append(text)
        return tuple(labels)

    def _tool_arguments(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """``tool_call["function"]["arguments"]`` / ``call.function.arguments`` / ``fc.get("arguments")`` (or a
        local assigned one): the JSON arguments of a tool the model called, not the form of its answer text. The same
        for anything read through the answer's tool calls (``delta.tool_calls[0].tool_output``, a server's stream
        carrying each tool's result beside the text) or a field holding a tool's output: the tool's data."""
        node: cst.CSTNode = expr
        while True:
            if isinstance(node, cst.Attribute):
                if node.attr.value in _TOOL_FIELDS:
                    return True
                node = node.value
            elif isinstance(node, cst.Subscript):
                index = node.slice[0].slice if len(node.slice) == 1 else None
                if isinstance(index, cst.Index) and self.ev.static_str(index.value, self.scope) in _TOOL_FIELDS:
                    return True
                node = node.value
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
                if node.args and self.ev.static_str(node.args[0].value, self.scope) in _TOOL_FIELDS:
                    return True
                node = node.func.value
            else:
                break
        if isinstance(node, cst.Name) and node is expr and depth < 2:
            bound = self.scope.bindings.get(node.value) or []
            exprs = [b[1] for b in bound if b[0] == "expr" and b[2] is self.scope]
            return bool(exprs) and len(exprs) == len(bound) and all(self._tool_arguments(e, depth + 1) for e in exprs)
        return False

    def _is_marker(self, node: cst.Call) -> bool:
        """``answer.split("FINAL ANSWER:")``: cut at a fixed marker with words in it (not a newline, a comma or a
        code fence), so the answer's form is fixed around it."""
        first = node.args[0] if node.args and node.args[0].keyword is None and not node.args[0].star else None
        marker = self.ev.static_str(first.value, self.scope) if first is not None else None
        return marker is not None and _MARKER.search(marker) is not None and "`" not in marker

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self.collect and node.attr.value in ("parsed", "output_parsed"):
            self._add(self.mentions(node.value), "pydantic", node)

    def _event_field(self, expr: cst.BaseExpression) -> bool:
        """``chunk["type"]`` / ``event.get("role")`` / ``chunk.message_type``: the kind field of a streamed event or
        message the answer comes in, by which code dispatches the pieces (``chunk["type"] in ["code", "console"]``),
        not the answer's text."""
        key: cst.BaseExpression | None = None
        if isinstance(expr, cst.Attribute):
            return _kind_field(expr.attr.value) or _state_field(expr.attr.value)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key = expr.slice[0].slice.value
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
            and expr.args
            and expr.args[0].keyword is None
        ):
            key = expr.args[0].value
        name = self.ev.static_str(key, self.scope) if key is not None else None
        return name is not None and _kind_field(name)

    def _record_of_past(self, expr: cst.BaseExpression) -> bool:
        """Whether a collection is named for what was met before (``seen``, ``self.visited``, ``state["tried"]``)."""
        name: str | None = None
        if isinstance(expr, cst.Name):
            name = expr.value
        elif isinstance(expr, cst.Attribute):
            name = expr.attr.value
        elif isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            name = self.ev.static_str(expr.slice[0].slice.value, self.scope)
        return name is not None and bool(_RECORD_OF_PAST.search(name))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self.collect or self._event_field(node.left):
            return
        left = self.mentions(node.left)
        for target in node.comparisons:
            if isinstance(target.operator, cst.Equal | cst.NotEqual):
                # ``if verdict.strip().lower() != "yes"``: the answer matched against a fixed word (either side)
                sides = ((node.left, target.comparator), (target.comparator, node.left))
                for said, word in sides:
                    # the answer's text itself, maybe normalised (not a field of what it was parsed into:
                    # ``edits[name] != "__DEL__"`` tests one entry of a structure for a marker)
                    answer = self.mentions(said) if _plain_text(said) else set()
                    text = self.ev.static_str(word, self.scope) if answer else None
                    if text is not None and text.strip() and len(text) <= _MATCHED_WORD_CHARS and "\n" not in text:
                        self._add(answer, "label-set", node)  # (one word is no label set to serve: no labels)
                continue
            if isinstance(target.operator, cst.In | cst.NotIn) and left:
                if self._record_of_past(target.comparator):
                    continue  # ``if answer in seen``: a dedupe of earlier answers, not a label set
                value = self.ev.value(target.comparator, self.scope)
                labels: tuple[str, ...] = ()
                if isinstance(value, Const) and isinstance(value.value, tuple | frozenset | set | dict):
                    labels = tuple(str(v) for v in value.value if isinstance(v, str))
                self._add(left, "label-set", node, labels)

    def visit_Return(self, node: cst.Return) -> None:
        self._add(self.mentions(node.value), "return", node)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self._add(self.mentions(node.value), "return", node)

    def visit_Expr(self, node: cst.Expr) -> None:
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if isinstance(value, cst.Call) and id(value) in self.ids:
            self._add({self.ids[id(value)]}, "unused", node)
