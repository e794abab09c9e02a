"""A light syntax tree shaped like libcst's, built from the standard ``ast`` parser (what ``slmc lint`` analyses).

The frontend reads code through libcst's node names and fields (``Call.args[i].keyword``, ``SimpleString.value``,
``IndentedBlock``, ``CSTVisitor``...). Parsing with libcst and resolving its positions costs several times the
stdlib parser, and importing libcst alone costs about a third of a second, which ``slmc lint`` pays on every start.
This module gives the same node names and fields (those the frontend reads: no whitespace, no comments) over a tree
converted from ``ast.parse``, with each node's position (1-based line, 0-based column in characters, as libcst's
``PositionProvider`` reports it: parentheses around an expression are not part of it) and ``Module.code_for_node``.
libcst stays for rewriting source (``slmc.codegen``); only the analysis reads this tree.

String literals keep their source form: ``SimpleString.value`` is the token as written (prefix and quotes),
implicit concatenation is a right-nested ``ConcatenatedString``, an f-string's text parts are raw (``{{`` and
escapes as written), as in libcst.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = ["CSTNode", "CSTVisitor", "ParserSyntaxError", "parse_expression", "parse_module", "positions"]


class CodePosition(NamedTuple):
    line: int
    column: int


class CodeRange(NamedTuple):
    start: CodePosition
    end: CodePosition


class ParserSyntaxError(SyntaxError):
    """The source does not parse (Python's own message and position)."""

    @property
    def raw_line(self) -> int:
        return self.lineno or 1

    @property
    def raw_column(self) -> int:
        return max((self.offset or 1) - 1, 0)

    @property
    def message(self) -> str:
        return self.msg


# ---- nodes -----------------------------------------------------------------------------------------------------------
class CSTNode:
    """A node: its fields (``_fields``, libcst's order: the first ones may be given positionally) and position."""

    __slots__ = ("_pos",)
    _fields: tuple[str, ...] = ()
    _kids: tuple[str, ...] = ()  # the fields that hold nodes (or sequences of nodes), in source order

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pos = None
        fields = self._fields
        for name, value in zip(fields, args, strict=False):
            object.__setattr__(self, name, value)
        for name in fields[len(args) :]:
            object.__setattr__(self, name, kwargs.get(name, _DEFAULTS.get(name)))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            cls.__init__ = _first_init  # type: ignore[method-assign]
        if "children" not in cls.__dict__:
            cls.children = _FIRST_CHILDREN  # type: ignore[assignment]

    @property
    def children(self) -> list[CSTNode]:
        out: list[CSTNode] = []
        for name in self._kids:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, CSTNode):
                out.append(value)
            else:
                out.extend(v for v in value if isinstance(v, CSTNode))
        return out

    def visit(self, visitor: CSTVisitor) -> CSTNode:
        if visitor.on_visit(self):
            for child in self.children:
                child.visit(visitor)
        visitor.on_leave(self)
        return self

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({inner})"


def _first_init(self: CSTNode, *args: Any, **kwargs: Any) -> None:
    """A node class's first construction: give the class an ``__init__`` of its own fields (what ``CSTNode.__init__``
    does, without looping over the field names: a parse builds about a hundred nodes per line of code)."""
    cls = type(self)
    if cls.__dict__.get("__init__") is _first_init:
        cls.__init__ = _fields_init(cls)  # type: ignore[method-assign]
    cls.__init__(self, *args, **kwargs)  # type: ignore[misc]


def _first_children(self: CSTNode) -> list[CSTNode]:
    """A node class's first ``children``: give the class a getter of its own child fields (``_children_of``)."""
    cls = type(self)
    getter = _children_of(cls._kids)
    if cls.__dict__.get("children") is _FIRST_CHILDREN:
        cls.children = property(getter)  # type: ignore[assignment]
    return getter(self)


_FIRST_CHILDREN = property(_first_children)


def _children_of(kids: tuple[str, ...]) -> Any:
    """A node class's ``children``: what ``CSTNode.children`` gives, written out for its own child fields (walks of
    the tree ask every node for its children)."""
    assert all(name.isidentifier() and not name.startswith("_") for name in kids), kids  # our own names only
    body = "".join(
        f"\n    value = self.{name}"
        "\n    if value is not None:"
        "\n        if isinstance(value, CSTNode):"
        "\n            out.append(value)"
        "\n        else:"
        "\n            out.extend([v for v in value if isinstance(v, CSTNode)])"
        for name in kids
    )
    namespace: dict[str, Any] = {}
    exec(f"def children(self):\n    out = []{body}\n    return out", {"CSTNode": CSTNode}, namespace)
    return namespace["children"]


def _fields_init(cls: type[CSTNode]) -> Any:
    fields = cls._fields
    assert all(name.isidentifier() and not name.startswith("_") for name in fields), fields  # our own names only
    defaults = {f"_d_{name}": _DEFAULTS.get(name) for name in fields}
    params = "".join(f", {name}=_d_{name}" for name in fields)
    body = "".join(f"\n    self.{name} = {name}" for name in fields)
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self{params}, *_extra, **_unknown):\n    self._pos = None{body}", defaults, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__name__}.__init__"
    return init


_DEFAULTS: dict[str, Any] = {
    "args": (),
    "elements": (),
    "parts": (),
    "decorators": (),
    "bases": (),
    "keywords": (),
    "targets": (),
    "names": (),
    "relative": (),
    "handlers": (),
    "items": (),
    "ifs": (),
    "comparisons": (),
    "slice": (),
    "posonly_params": (),
    "params": (),
    "kwonly_params": (),
    "star": "",
    "body": (),
}


def _node(name: str, base: type, fields: str = "", kids: str | None = None) -> Any:
    names = tuple(fields.split())
    return type(
        name,
        (base,),
        {"__slots__": names, "_fields": names, "_kids": tuple((kids if kids is not None else fields).split())},
    )


class BaseExpression(CSTNode):
    __slots__ = ()


class BaseStatement(CSTNode):
    __slots__ = ()


class BaseSmallStatement(CSTNode):
    __slots__ = ()


class BaseSuite(CSTNode):
    __slots__ = ()


class BaseOp(CSTNode):
    __slots__ = ()


class BaseString(BaseExpression):
    __slots__ = ()


class BaseCompoundStatement(BaseStatement):
    __slots__ = ()


# expressions
Name = _node("Name", BaseExpression, "value", "")
Attribute = _node("Attribute", BaseExpression, "value attr")
Call = _node("Call", BaseExpression, "func args")
Arg = _node("Arg", CSTNode, "value keyword star", "keyword value")
Await = _node("Await", BaseExpression, "expression")
Integer = _node("Integer", BaseExpression, "value", "")
Float = _node("Float", BaseExpression, "value", "")
Imaginary = _node("Imaginary", BaseExpression, "value", "")
Ellipsis = _node("Ellipsis", BaseExpression)
ConcatenatedString = _node("ConcatenatedString", BaseString, "left right")
FormattedString = _node("FormattedString", BaseString, "parts start end", "parts")
FormattedStringText = _node("FormattedStringText", CSTNode, "value", "")
FormattedStringExpression = _node(
    "FormattedStringExpression", CSTNode, "expression conversion format_spec equal", "expression format_spec"
)
Tuple = _node("Tuple", BaseExpression, "elements")
List = _node("List", BaseExpression, "elements")
Set = _node("Set", BaseExpression, "elements")
Element = _node("Element", CSTNode, "value")
StarredElement = _node("StarredElement", CSTNode, "value")
Dict = _node("Dict", BaseExpression, "elements")
DictElement = _node("DictElement", CSTNode, "key value")
StarredDictElement = _node("StarredDictElement", CSTNode, "value")
Subscript = _node("Subscript", BaseExpression, "value slice")
SubscriptElement = _node("SubscriptElement", CSTNode, "slice")
Index = _node("Index", CSTNode, "value star", "value")
Slice = _node("Slice", CSTNode, "lower upper step")
BinaryOperation = _node("BinaryOperation", BaseExpression, "left operator right")
BooleanOperation = _node("BooleanOperation", BaseExpression, "left operator right")
UnaryOperation = _node("UnaryOperation", BaseExpression, "operator expression")
Comparison = _node("Comparison", BaseExpression, "left comparisons")
ComparisonTarget = _node("ComparisonTarget", CSTNode, "operator comparator")
IfExp = _node("IfExp", BaseExpression, "test body orelse", "body test orelse")
Lambda = _node("Lambda", BaseExpression, "params body")
NamedExpr = _node("NamedExpr", BaseExpression, "target value")
Yield = _node("Yield", BaseExpression, "value")
From = _node("From", CSTNode, "item")
ListComp = _node("ListComp", BaseExpression, "elt for_in")
SetComp = _node("SetComp", BaseExpression, "elt for_in")
GeneratorExp = _node("GeneratorExp", BaseExpression, "elt for_in")
DictComp = _node("DictComp", BaseExpression, "key value for_in")
CompFor = _node("CompFor", CSTNode, "target iter ifs inner_for_in asynchronous", "target iter ifs inner_for_in")
CompIf = _node("CompIf", CSTNode, "test")
Starred = _node("StarredElement", CSTNode, "value")  # a starred expression outside a literal (an assignment target)
# parameters
Parameters = _node(
    "Parameters",
    CSTNode,
    "params star_arg kwonly_params star_kwarg posonly_params",
    "posonly_params params star_arg kwonly_params star_kwarg",
)
Param = _node("Param", CSTNode, "name annotation default star", "name annotation default")
ParamStar = _node("ParamStar", CSTNode)
Annotation = _node("Annotation", CSTNode, "annotation")
Decorator = _node("Decorator", CSTNode, "decorator")
Asynchronous = _node("Asynchronous", CSTNode)
AsName = _node("AsName", CSTNode, "name")
# statements
SimpleStatementLine = _node("SimpleStatementLine", BaseStatement, "body")
SimpleStatementSuite = _node("SimpleStatementSuite", BaseSuite, "body")
IndentedBlock = _node("IndentedBlock", BaseSuite, "body")
Expr = _node("Expr", BaseSmallStatement, "value")
Assign = _node("Assign", BaseSmallStatement, "targets value")
AssignTarget = _node("AssignTarget", CSTNode, "target")
AnnAssign = _node("AnnAssign", BaseSmallStatement, "target annotation value")
AugAssign = _node("AugAssign", BaseSmallStatement, "target operator value")
Return = _node("Return", BaseSmallStatement, "value")
Raise = _node("Raise", BaseSmallStatement, "exc cause")
Assert = _node("Assert", BaseSmallStatement, "test msg")
Del = _node("Del", BaseSmallStatement, "target")
Pass = _node("Pass", BaseSmallStatement)
Break = _node("Break", BaseSmallStatement)
Continue = _node("Continue", BaseSmallStatement)
Global = _node("Global", BaseSmallStatement, "names")
Nonlocal = _node("Nonlocal", BaseSmallStatement, "names")
NameItem = _node("NameItem", CSTNode, "name")
Import = _node("Import", BaseSmallStatement, "names")
ImportFrom = _node("ImportFrom", BaseSmallStatement, "module names relative", "module names")
ImportAlias = _node("ImportAlias", CSTNode, "name asname")
ImportStar = _node("ImportStar", CSTNode)
Dot = _node("Dot", CSTNode)
FunctionDef = _node(
    "FunctionDef",
    BaseCompoundStatement,
    "name params body decorators returns asynchronous",
    "decorators name params returns body",
)
ClassDef = _node(
    "ClassDef", BaseCompoundStatement, "name body bases keywords decorators", "decorators name bases keywords body"
)
If = _node("If", BaseCompoundStatement, "test body orelse")
Else = _node("Else", CSTNode, "body")
For = _node("For", BaseCompoundStatement, "target iter body orelse asynchronous", "target iter body orelse")
While = _node("While", BaseCompoundStatement, "test body orelse")
With = _node("With", BaseCompoundStatement, "items body asynchronous", "items body")
WithItem = _node("WithItem", CSTNode, "item asname")
Try = _node("Try", BaseCompoundStatement, "body handlers orelse finalbody")
TryStar = _node("TryStar", BaseCompoundStatement, "body handlers orelse finalbody")
ExceptHandler = _node("ExceptHandler", CSTNode, "body type name", "type name body")
ExceptStarHandler = _node("ExceptStarHandler", CSTNode, "body type name", "type name body")
Finally = _node("Finally", CSTNode, "body")
Match = _node("Match", BaseCompoundStatement, "subject cases")
MatchCase = _node("MatchCase", CSTNode, "pattern guard body")
Other = _node("Other", CSTNode, "kids")  # syntax the analysis does not read (match patterns...): children only


def _get_docstring(self: Any, clean: bool = True) -> str | None:
    expr: Any = self.body
    while isinstance(expr, BaseSuite | SimpleStatementLine):
        if not expr.body:
            return None
        expr = expr.body[0]
    if not isinstance(expr, Expr) or not isinstance(expr.value, SimpleString | ConcatenatedString):
        return None
    value = expr.value.evaluated_value
    if not isinstance(value, str):
        return None
    return inspect.cleandoc(value) if clean else value


FunctionDef.get_docstring = _get_docstring
ClassDef.get_docstring = _get_docstring


class SimpleString(BaseString):
    __slots__ = ("value",)
    _fields = ("value",)

    @property
    def prefix(self) -> str:
        return self.value[: len(self.value) - len(self.value.lstrip("rRbBuUfF"))]

    @property
    def quote(self) -> str:
        rest = self.value[len(self.prefix) :]
        return rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]

    @property
    def evaluated_value(self) -> str | bytes:
        text = self.value
        value = _LITERALS.get(text)
        if value is None:
            if len(_LITERALS) > 200_000:
                _LITERALS.clear()
            value = _LITERALS[text] = ast.literal_eval(text)
        return value


_LITERALS: dict[str, str | bytes] = {}  # a string token's source -> its value (the same token is read many times)


def _concat_value(self: Any) -> str | bytes | None:
    left, right = self.left.evaluated_value, self.right.evaluated_value
    if left is None or right is None or type(left) is not type(right):
        return None
    return left + right


ConcatenatedString.evaluated_value = property(_concat_value)
FormattedString.evaluated_value = property(lambda self: None)
FormattedString.prefix = property(lambda self: self.start.rstrip("'\""))
FormattedString.quote = property(lambda self: self.end)

# operators
_OPS = {}
for _name in [
    "Add",
    "Subtract",
    "Multiply",
    "Divide",
    "FloorDivide",
    "Modulo",
    "Power",
    "LeftShift",
    "RightShift",
    "BitOr",
    "BitAnd",
    "BitXor",
    "MatrixMultiply",
    "And",
    "Or",
    "Minus",
    "Plus",
    "Not",
    "BitInvert",
    "Equal",
    "NotEqual",
    "LessThan",
    "LessThanEqual",
    "GreaterThan",
    "GreaterThanEqual",
    "In",
    "NotIn",
    "Is",
    "IsNot",
    "AddAssign",
    "SubtractAssign",
    "MultiplyAssign",
    "DivideAssign",
    "FloorDivideAssign",
    "ModuloAssign",
    "PowerAssign",
    "LeftShiftAssign",
    "RightShiftAssign",
    "BitOrAssign",
    "BitAndAssign",
    "BitXorAssign",
    "MatrixMultiplyAssign",
    "AssignEqual",
]:
    globals()[_name] = _OPS[_name] = _node(_name, BaseOp)

_BINOP = {
    ast.Add: "Add", ast.Sub: "Subtract", ast.Mult: "Multiply", ast.Div: "Divide", ast.FloorDiv: "FloorDivide",
    ast.Mod: "Modulo", ast.Pow: "Power", ast.LShift: "LeftShift", ast.RShift: "RightShift", ast.BitOr: "BitOr",
    ast.BitAnd: "BitAnd", ast.BitXor: "BitXor", ast.MatMult: "MatrixMultiply",
}  # fmt: skip
_UNARY = {ast.USub: "Minus", ast.UAdd: "Plus", ast.Not: "Not", ast.Invert: "BitInvert"}
_CMP = {
    ast.Eq: "Equal", ast.NotEq: "NotEqual", ast.Lt: "LessThan", ast.LtE: "LessThanEqual", ast.Gt: "GreaterThan",
    ast.GtE: "GreaterThanEqual", ast.In: "In", ast.NotIn: "NotIn", ast.Is: "Is", ast.IsNot: "IsNot",
}  # fmt: skip


# ---- visitor ---------------------------------------------------------------------------------------------------------
class CSTVisitor:
    """``visit_<Node>`` (return False to skip the children) and ``leave_<Node>``, as libcst's visitor (methods of the
    visitor's class, looked up once per node type)."""

    _visits: dict[type, Any] = {}
    _leaves: dict[type, Any] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._visits, cls._leaves = {}, {}  # node type -> the class's visit_ / leave_ function (None: none)

    def on_visit(self, node: CSTNode) -> bool:
        kind = type(node)
        try:
            func = self._visits[kind]
        except KeyError:
            func = self._visits[kind] = getattr(type(self), "visit_" + kind.__name__, None)
        return func is None or func(self, node) is not False

    def on_leave(self, original_node: CSTNode) -> None:
        kind = type(original_node)
        try:
            func = self._leaves[kind]
        except KeyError:
            func = self._leaves[kind] = getattr(type(self), "leave_" + kind.__name__, None)
        if func is not None:
            func(self, original_node)


# ---- positions and code ----------------------------------------------------------------------------------------------
_NEWLINE = re.compile(r"\r\n|\r|\n")


class _Source:
    """What ``code_for_node`` needs of the text a tree came from (shared by its nodes' positions)."""

    __slots__ = ("indents", "lines", "parent_parens", "string_lines")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.indents: dict[int, str] = {}  # line -> indentation of the innermost block statement that spans it
        self.string_lines: set[int] = set()  # lines that start inside a string token
        self.parent_parens: set[int] = set()  # ids of nodes whose nearest enclosing parentheses are their parent's

    def before(self, line: int, col: int) -> tuple[int, int, str]:
        """The last character before (line, col) that is not space, a line break or a comment: (line, col, char)."""
        while line >= 1:
            text = self.lines[line - 1][:col].rstrip(" \t\f\\")
            if text:
                return line, len(text) - 1, text[-1]
            line -= 1
            if line >= 1:
                prev = self.lines[line - 1]
                hash_at = prev.find("#")
                if hash_at >= 0 and prev.count('"', 0, hash_at) % 2 == 0 and prev.count("'", 0, hash_at) % 2 == 0:
                    prev = prev[:hash_at]
                col = len(prev)
        return 0, 0, ""

    def after(self, line: int, col: int) -> tuple[int, int, str]:
        """The first character at or after (line, col) that is not space, a line break or a comment."""
        while line <= len(self.lines):
            text = self.lines[line - 1]
            rest = text[col:].lstrip(" \t\f\\")
            if rest and rest[0] != "#":
                return line, len(text) - len(rest), rest[0]
            line, col = line + 1, 0
        return 0, 0, ""

    def code(self, node: CSTNode) -> str:
        line, col, end_line, end_col = node._pos[:4]  # type: ignore[index]
        lines = self.lines
        block = self.indents.get(line, "")
        if isinstance(node, BaseExpression):  # parentheses around an expression are part of it, as in libcst
            pairs = []
            a, b = (line, col), (end_line, end_col)
            while True:
                la, ca, cha = self.before(*a)
                lb, cb, chb = self.after(*b)
                if cha != "(" or chb != ")":
                    break
                pairs.append(((la, ca), (lb, cb + 1)))
                a, b = (la, ca), (lb, cb + 1)
            if id(node) in self.parent_parens:
                if pairs:
                    pairs.pop()
                elif lines[line - 1][col : col + 1] == "(":  # a generator given alone: the call's parentheses
                    col, end_col = col + 1, end_col - 1
            if pairs:
                (line, col), (end_line, end_col) = pairs[-1]
        elif isinstance(node, BaseCompoundStatement):
            if isinstance(node, FunctionDef | ClassDef) and node.decorators and node.decorators[0]._pos is not None:
                first = node.decorators[0]._pos
                line, col = first[0], max(lines[first[0] - 1].rfind("@", 0, first[1] + 1), 0)
            indent = lines[line - 1][:col]
            first_line = line
            while line > 1 and line - 1 not in self.string_lines:
                above = lines[line - 2]
                if above.strip() and not (above.startswith(indent) and above[len(indent) :].startswith("#")):
                    break
                line -= 1  # comment lines above the definition belong to it, as libcst's leading lines
            if line == 1 and not indent:  # comments that open the file are the module's header
                line = first_line
            while line < first_line and not lines[line - 1].strip():
                line += 1
            col = len(indent) if line != first_line else col
            if isinstance(node, If) and lines[line - 1].startswith("elif", col):
                col += 2  # an ``elif`` prints alone as the ``if`` it is
            end_col = len(lines[end_line - 1].rstrip())  # with the last line's comment
            while (
                end_line < len(lines)
                and lines[end_line].startswith(indent + " ")
                and end_line + 1 not in (self.string_lines)
            ):
                below = lines[end_line].strip()
                if not below.startswith("#"):
                    break
                end_line += 1  # comment lines indented under the body end it, as libcst's block footer
                end_col = len(lines[end_line - 1].rstrip())
        if line == end_line:
            return lines[line - 1][col:end_col]
        # as libcst prints a node alone: continuation lines lose the indentation of the block the node is in (not
        # the lines inside a string token, which are text)
        indent = block
        out = [lines[line - 1][col:]]
        for number in range(line + 1, end_line + 1):
            text = lines[number - 1] if number < end_line else lines[number - 1][:end_col]
            if indent and number not in self.string_lines and text.startswith(indent):
                text = text[len(indent) :]
            out.append(text)
        return "\n".join(out)


def _module_code_for_node(self: Any, node: CSTNode) -> str:
    pos = node._pos
    if pos is None:  # names the conversion made up (parameter, keyword and imported names): their text
        if isinstance(node, Name):
            return node.value
        if isinstance(node, Attribute):
            return f"{_module_code_for_node(self, node.value)}.{node.attr.value}"
        raise ValueError(f"{type(node).__name__} has no position")
    return pos[4].code(node)


class Module(CSTNode):
    """The parsed module: its statements, and its source lines for ``code_for_node``."""

    __slots__ = ("_source", "body", "repeated_branches")
    _fields = ("body",)
    _kids = ("body",)
    code_for_node = _module_code_for_node


def positions(tree: Any) -> _Positions:
    """node -> CodeRange (libcst's ``PositionProvider`` mapping) for the nodes of a parsed tree."""
    return _Positions()


class _Positions:
    def get(self, node: CSTNode, default: Any = None) -> CodeRange | None:
        pos = node._pos
        if pos is None:
            return default
        return CodeRange(CodePosition(pos[0], pos[1]), CodePosition(pos[2], pos[3]))

    def __getitem__(self, node: CSTNode) -> CodeRange:
        out = self.get(node)
        if out is None:
            raise KeyError(node)
        return out


# ---- repeated branch tests ----------------------------------------------------------------------------------------------
_PLAIN_TEST = (
    ast.Name, ast.Attribute, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Subscript, ast.Tuple,
    ast.Load, ast.cmpop, ast.boolop, ast.unaryop,
)  # fmt: skip


def plain_test(test: ast.expr) -> bool:
    """A branch test that calls nothing: asked twice in a row, it gives the same answer."""
    return all(isinstance(n, _PLAIN_TEST) for n in ast.walk(test))


def repeated_branches(node: ast.If) -> list[tuple[int, int]]:
    """Line spans of the bodies of the branches of the ``if``/``elif`` chain starting at ``node`` whose test (one
    that calls nothing) repeats the test of an earlier branch of the chain: the earlier branch takes every case, so
    the later body never runs. Found while the module is converted (``Module.repeated_branches``: every ``if`` as the
    head of its chain), so the frontend need not parse the module again to find them."""
    out: list[tuple[int, int]] = []
    seen: set[str] = set()
    branch: ast.If | None = node
    while branch is not None:
        if plain_test(branch.test):
            test = ast.dump(branch.test)
            if test in seen and branch.body:
                out.append((branch.body[0].lineno, branch.body[-1].end_lineno or branch.body[-1].lineno))
            seen.add(test)
        nxt = branch.orelse
        branch = nxt[0] if len(nxt) == 1 and isinstance(nxt[0], ast.If) else None
    return out


# ---- conversion --------------------------------------------------------------------------------------------------------
_QUOTES = ('"""', "'''", '"', "'")


class _Converter:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.source = _Source(lines)
        self.indents = self.source.indents
        self.string_lines = self.source.string_lines
        self.parent_parens = self.source.parent_parens
        self.encoded: dict[int, bytes] = {}
        self.ascii = all(line.isascii() for line in lines)  # then a column is the parser's byte offset
        self.repeated: list[tuple[int, int]] = []  # line spans of ``elif`` bodies repeating an earlier test (s_If)

    # positions
    def col(self, line: int, offset: int) -> int:
        if self.ascii:
            return offset
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return offset
        data = self.encoded.get(line)
        if data is None:
            data = self.encoded[line] = text.encode("utf-8", "surrogatepass")
        return len(data[:offset].decode("utf-8", "replace"))

    def at(self, out: CSTNode, node: Any) -> CSTNode:
        line = node.lineno
        end = node.end_lineno or line
        if self.ascii:  # character columns are the parser's byte offsets
            out._pos = (line, node.col_offset, end, node.end_col_offset or 0, self.source)
        else:
            out._pos = (
                line,
                self.col(line, node.col_offset),
                end,
                self.col(end, node.end_col_offset or 0),
                self.source,
            )
        return out

    def segment(self, node: Any) -> str:
        line, col, end, end_col = node.lineno, self.col(node.lineno, node.col_offset), node.end_lineno, 0
        end_col = self.col(end, node.end_col_offset)
        if line == end:
            return self.lines[line - 1][col:end_col]
        return "\n".join([self.lines[line - 1][col:], *self.lines[line : end - 1], self.lines[end - 1][:end_col]])

    def first_on_line(self, node: Any) -> bool:
        return not self.lines[node.lineno - 1][: self.col(node.lineno, node.col_offset)].strip()

    # statements
    def module(self, tree: ast.Module) -> Any:
        out = Module(self.block(tree.body))
        out._source = self.source
        out.repeated_branches = self.repeated
        out._pos = (1, 0, len(self.lines) + 1, 0, self.source)
        return out

    def block(self, body: Sequence[ast.stmt]) -> list[CSTNode]:
        out: list[CSTNode] = []
        line: Any = None
        for stmt in body:
            converted = self.stmt(stmt)
            if isinstance(converted, BaseSmallStatement):
                if line is not None and line._pos[2] == stmt.lineno and not self.first_on_line(stmt):
                    line.body.append(converted)
                    line._pos = (*line._pos[:2], *converted._pos[2:])
                    continue
                line = SimpleStatementLine([converted])
                line._pos = converted._pos
                out.append(line)
            else:
                line = None
                out.append(converted)
        return out

    def suite(self, body: Sequence[ast.stmt]) -> CSTNode:
        if body and not self.first_on_line(body[0]):
            out = SimpleStatementSuite([self.stmt(s) for s in body])
        else:
            out = IndentedBlock(self.block(body))
        if body:
            first, last = body[0], body[-1]
            line, end = first.lineno, last.end_lineno or last.lineno
            out._pos = (
                line,
                self.col(line, first.col_offset),
                end,
                self.col(end, last.end_col_offset or 0),
                self.source,
            )
        return out

    def orelse(self, body: Sequence[ast.stmt]) -> CSTNode | None:
        if not body:
            return None
        first = body[0]
        if len(body) == 1 and isinstance(first, ast.If):
            line = self.lines[first.lineno - 1]
            if line[self.col(first.lineno, first.col_offset) :].startswith("elif"):
                return self.stmt(first)
        return Else(self.suite(body))

    def stmt(self, node: ast.stmt) -> CSTNode:
        end = node.end_lineno or node.lineno
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        if end > start:
            text = self.lines[node.lineno - 1]
            indent = text[: len(text) - len(text.lstrip(" \t\f"))]
            for number in range(start, end + 1):
                self.indents[number] = indent
        method = _handler(_STMT_METHODS, "s_", type(node))
        out = method(self, node) if method is not None else Other([self.any(c) for c in ast.iter_child_nodes(node)])
        return self.at(out, node)

    def s_FunctionDef(self, node: Any, is_async: bool = False) -> CSTNode:
        return FunctionDef(
            self.name(node.name),
            self.parameters(node.args),
            self.suite(node.body),
            [self.decorator(d) for d in node.decorator_list],
            Annotation(self.expr(node.returns)) if node.returns is not None else None,
            Asynchronous() if is_async else None,
        )

    def s_AsyncFunctionDef(self, node: Any) -> CSTNode:
        return self.s_FunctionDef(node, True)

    def decorator(self, node: ast.expr) -> CSTNode:
        return self.at(Decorator(self.expr(node)), node)

    def s_ClassDef(self, node: ast.ClassDef) -> CSTNode:
        bases = [self.arg_of(b) for b in node.bases]
        keywords = [self.keyword(k) for k in node.keywords]
        if len(bases) == 1 and not keywords and not bases[0].star:
            self.parent_parens.add(id(bases[0].value))
        return ClassDef(
            self.name(node.name),
            self.suite(node.body),
            bases,
            keywords,
            [self.decorator(d) for d in node.decorator_list],
        )

    def s_Return(self, node: ast.Return) -> CSTNode:
        return Return(self.expr(node.value))

    def s_Delete(self, node: ast.Delete) -> CSTNode:
        return Del(
            self.expr(node.targets[0])
            if len(node.targets) == 1
            else Tuple([Element(self.expr(t)) for t in node.targets])
        )

    def s_Assign(self, node: ast.Assign) -> CSTNode:
        return Assign([AssignTarget(self.expr(t)) for t in node.targets], self.expr(node.value))

    def s_AugAssign(self, node: ast.AugAssign) -> CSTNode:
        op = _OPS[_BINOP[type(node.op)] + "Assign"]()
        return AugAssign(self.expr(node.target), op, self.expr(node.value))

    def s_AnnAssign(self, node: ast.AnnAssign) -> CSTNode:
        return AnnAssign(self.expr(node.target), Annotation(self.expr(node.annotation)), self.expr(node.value))

    def s_For(self, node: Any, is_async: bool = False) -> CSTNode:
        return For(
            self.expr(node.target),
            self.expr(node.iter),
            self.suite(node.body),
            Else(self.suite(node.orelse)) if node.orelse else None,
            Asynchronous() if is_async else None,
        )

    def s_AsyncFor(self, node: Any) -> CSTNode:
        return self.s_For(node, True)

    def s_While(self, node: ast.While) -> CSTNode:
        return While(
            self.expr(node.test), self.suite(node.body), Else(self.suite(node.orelse)) if node.orelse else None
        )

    def s_If(self, node: ast.If) -> CSTNode:
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            self.repeated += repeated_branches(node)
        return If(self.expr(node.test), self.suite(node.body), self.orelse(node.orelse))

    def s_With(self, node: Any, is_async: bool = False) -> CSTNode:
        items = []
        for item in node.items:
            asname = AsName(self.expr(item.optional_vars)) if item.optional_vars is not None else None
            items.append(WithItem(self.expr(item.context_expr), asname))
        return With(items, self.suite(node.body), Asynchronous() if is_async else None)

    def s_AsyncWith(self, node: Any) -> CSTNode:
        return self.s_With(node, True)

    def s_Raise(self, node: ast.Raise) -> CSTNode:
        return Raise(self.expr(node.exc), self.expr(node.cause))

    def s_Try(self, node: Any, kind: Any = Try, handler: Any = ExceptHandler) -> CSTNode:
        handlers = []
        for h in node.handlers:
            name = AsName(self.name(h.name)) if h.name else None
            handlers.append(self.at(handler(self.suite(h.body), self.expr(h.type), name), h))
        return kind(
            self.suite(node.body),
            handlers,
            Else(self.suite(node.orelse)) if node.orelse else None,
            Finally(self.suite(node.finalbody)) if node.finalbody else None,
        )

    def s_TryStar(self, node: Any) -> CSTNode:
        return self.s_Try(node, TryStar, ExceptStarHandler)

    def s_Assert(self, node: ast.Assert) -> CSTNode:
        return Assert(self.expr(node.test), self.expr(node.msg))

    def s_Import(self, node: ast.Import) -> CSTNode:
        return Import([self.alias(a) for a in node.names])

    def s_ImportFrom(self, node: ast.ImportFrom) -> CSTNode:
        names: Any
        if len(node.names) == 1 and node.names[0].name == "*":
            names = ImportStar()
        else:
            names = [self.alias(a) for a in node.names]
        module = self.dotted_name(node.module) if node.module else None
        return ImportFrom(module, names, [Dot() for _ in range(node.level or 0)])

    def alias(self, node: ast.alias) -> CSTNode:
        return ImportAlias(self.dotted_name(node.name), AsName(self.name(node.asname)) if node.asname else None)

    def dotted_name(self, text: str) -> CSTNode:
        parts = text.split(".")
        out: CSTNode = self.name(parts[0])
        for part in parts[1:]:
            out = Attribute(out, self.name(part))
        return out

    def s_Global(self, node: ast.Global) -> CSTNode:
        return Global([NameItem(self.name(n)) for n in node.names])

    def s_Nonlocal(self, node: ast.Nonlocal) -> CSTNode:
        return Nonlocal([NameItem(self.name(n)) for n in node.names])

    def s_Expr(self, node: ast.Expr) -> CSTNode:
        return Expr(self.expr(node.value))

    def s_Pass(self, node: ast.Pass) -> CSTNode:
        return Pass()

    def s_Break(self, node: ast.Break) -> CSTNode:
        return Break()

    def s_Continue(self, node: ast.Continue) -> CSTNode:
        return Continue()

    def s_Match(self, node: Any) -> CSTNode:
        cases = []
        for case in node.cases:
            cases.append(MatchCase(Other([self.any(case.pattern)]), self.expr(case.guard), self.suite(case.body)))
        return Match(self.expr(node.subject), cases)

    def any(self, node: Any) -> CSTNode:
        if isinstance(node, ast.expr):
            return self.expr(node)
        if isinstance(node, ast.stmt):
            return self.stmt(node)
        out = Other([self.any(c) for c in ast.iter_child_nodes(node)])
        if hasattr(node, "lineno"):
            self.at(out, node)
        return out

    # expressions
    def name(self, value: str) -> CSTNode:
        return Name(value)

    def expr(self, node: Any) -> Any:
        if node is None:
            return None
        method = _handler(_EXPR_METHODS, "e_", type(node))
        out = Other([self.any(c) for c in ast.iter_child_nodes(node)]) if method is None else method(self, node)
        if out._pos is None:
            self.at(out, node)
        return out

    def e_Name(self, node: ast.Name) -> CSTNode:
        return Name(node.id)

    def e_Attribute(self, node: ast.Attribute) -> CSTNode:
        out = Attribute(self.expr(node.value), Name(node.attr))
        end = node.end_lineno or node.lineno
        end_col = self.col(end, node.end_col_offset or 0)
        out.attr._pos = (end, end_col - len(node.attr), end, end_col, self.source)
        return out

    def e_Call(self, node: ast.Call) -> CSTNode:
        args = [self.arg_of(a) for a in node.args]
        keywords = [self.keyword(k) for k in node.keywords]
        if keywords and args and any(isinstance(a, ast.Starred) for a in node.args):
            order = sorted(
                zip([*node.args, *node.keywords], [*args, *keywords], strict=True),
                key=lambda p: (p[0].lineno, p[0].col_offset),
            )
            merged = [a for _, a in order]
        else:
            merged = args + keywords
        if len(merged) == 1 and not merged[0].star and merged[0].keyword is None:
            self.parent_parens.add(id(merged[0].value))  # f((x)): the outer parentheses are the call's
        return Call(self.expr(node.func), merged)

    def arg_of(self, node: ast.expr) -> CSTNode:
        if isinstance(node, ast.Starred):
            return self.at(Arg(self.expr(node.value), None, "*"), node)
        return self.at(Arg(self.expr(node), None, ""), node)

    def keyword(self, node: ast.keyword) -> CSTNode:
        if node.arg is None:
            return self.at(Arg(self.expr(node.value), None, "**"), node)
        return self.at(Arg(self.expr(node.value), self.name(node.arg), ""), node)

    def e_Await(self, node: ast.Await) -> CSTNode:
        return Await(self.expr(node.value))

    def e_Constant(self, node: ast.Constant) -> CSTNode:
        value = node.value
        if isinstance(value, str | bytes):
            return self.string(node)
        if value is None or value is True or value is False:
            return Name(str(value))
        if value is ...:
            return Ellipsis()
        text = self.segment(node)
        if isinstance(value, complex):
            return Imaginary(text)
        if isinstance(value, float):
            return Float(text)
        return Integer(text)

    def e_JoinedStr(self, node: ast.JoinedStr) -> CSTNode:
        return self.string(node)

    def literal_near(self, node: Any) -> tuple[str, tuple] | None:
        """The source (and position) of a string literal spelling ``node.value`` on the lines around ``node``'s
        (wrong) position."""
        first = max(node.lineno - 1, 0)
        region = "\n".join(self.lines[first : node.end_lineno + 20])
        tries = 0
        i = 0
        while i < len(region) and tries < 400:
            ch = region[i]
            if ch not in "'\"":
                i += 1
                continue
            quote = region[i : i + 3] if region[i : i + 3] in ('"""', "'''") else ch
            end = region.find(quote, i + len(quote))
            while end != -1 and tries < 400:
                tries += 1
                candidate = region[i : end + len(quote)]
                try:
                    if ast.literal_eval(candidate) == node.value:
                        at, stop = i, i + len(candidate)
                        line, end_line = first + 1 + region.count("\n", 0, at), first + 1 + region.count("\n", 0, stop)
                        col, end_col = at - region.rfind("\n", 0, at) - 1, stop - region.rfind("\n", 0, stop) - 1
                        return candidate, (line, col, end_line, end_col, self.source)
                except (SyntaxError, ValueError, MemoryError, RecursionError):
                    pass
                end = region.find(quote, end + 1)
            i += len(quote)
        return None

    def string(self, node: Any) -> CSTNode:
        text = self.segment(node)
        if isinstance(node, ast.Constant) and not _spells_string(text):
            # a string inside a multi-line f-string's replacement field: Python < 3.12 gives it the position of other
            # text (``{'''...''' if x else ''}``), so its source is looked up near there (else rebuilt from its value)
            found = self.literal_near(node)
            out = SimpleString(found[0] if found else repr(node.value))
            out._pos = found[1] if found else None
            return out
        pieces = _split_strings(text)
        if node.end_lineno != node.lineno:
            offset = counted = newlines = 0  # newlines of text[:counted], counted as the pieces go (not again each)
            for piece in pieces:  # lines that start inside a (triple-quoted or continued) string token
                start = text.find(piece, offset)
                offset = start + len(piece)
                newlines, counted = newlines + text.count("\n", counted, start), start
                first = node.lineno + newlines
                self.string_lines.update(range(first + 1, first + piece.count("\n") + 1))
        slots: list[Any] = [v for v in getattr(node, "values", ()) if isinstance(v, ast.FormattedValue)]
        converted: list[CSTNode] = []
        line0, col0 = node.lineno, self.col(node.lineno, node.col_offset)
        offset = counted = newlines = 0
        for piece in pieces:
            start = text.find(piece, offset)
            offset = start + len(piece)
            newlines, counted = newlines + text.count("\n", counted, start), start
            first_line = line0 + newlines
            first_col = start - text.rfind("\n", 0, start) - 1 if first_line != line0 else col0 + start
            last_line = first_line + piece.count("\n")
            last_col = len(piece) - piece.rfind("\n") - 1 if last_line != first_line else first_col + len(piece)
            piece_pos = (first_line, first_col, last_line, last_col, self.source)
            body = piece.lstrip("rRbBuUfF")
            prefix = piece[: len(piece) - len(body)]
            if "f" not in prefix.lower():
                converted.append(SimpleString(piece))
                converted[-1]._pos = piece_pos
                continue
            quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
            parts = self.fstring_parts(body[len(quote) : len(body) - len(quote)], slots)
            converted.append(FormattedString(parts, prefix + quote, quote))
            converted[-1]._pos = piece_pos
        if not converted:
            return SimpleString(text)
        out = converted[-1]
        if len(converted) == 1:
            out._pos = None  # the node's own position (parentheses outside it)
        for left in reversed(converted[:-1]):
            out = ConcatenatedString(left, out)
            out._pos = (*left._pos[:2], *out.right._pos[2:])
        return out

    def fstring_parts(self, raw: str, slots: list[Any]) -> list[CSTNode]:
        """The parts of an f-string's body (or of a format spec): raw text, and the expressions of ``slots`` (the
        parsed ``FormattedValue`` nodes, in order)."""
        parts: list[CSTNode] = []
        for kind, text, conversion, spec in _fstring_parts(raw):
            if kind == "text":
                parts.append(FormattedStringText(text))
                continue
            value = slots.pop(0) if slots else None
            expr = self.expr(value.value) if value is not None else Name(text.strip())
            spec_parts = None
            if spec is not None:
                inner = getattr(value, "format_spec", None)
                inner_slots = [v for v in getattr(inner, "values", ()) if isinstance(v, ast.FormattedValue)]
                spec_parts = self.fstring_parts(spec, inner_slots)
            parts.append(FormattedStringExpression(expr, conversion, spec_parts, None))
        return parts

    def elements(self, items: Sequence[ast.expr]) -> list[CSTNode]:
        out = []
        for item in items:
            if isinstance(item, ast.Starred):
                out.append(self.at(StarredElement(self.expr(item.value)), item))
            else:
                out.append(Element(self.expr(item)))
        return out

    def e_Tuple(self, node: ast.Tuple) -> CSTNode:
        return Tuple(self.elements(node.elts))

    def e_List(self, node: ast.List) -> CSTNode:
        return List(self.elements(node.elts))

    def e_Set(self, node: ast.Set) -> CSTNode:
        return Set(self.elements(node.elts))

    def e_Dict(self, node: ast.Dict) -> CSTNode:
        out = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                out.append(StarredDictElement(self.expr(value)))
            else:
                out.append(DictElement(self.expr(key), self.expr(value)))
        return Dict(out)

    def e_Subscript(self, node: ast.Subscript) -> CSTNode:
        index = node.slice
        if isinstance(index, ast.Tuple) and index.elts and not self.segment(index).startswith("("):
            items = index.elts
        else:
            items = [index]
        out = []
        for item in items:
            if isinstance(item, ast.Slice):
                inner: CSTNode = self.at(
                    Slice(self.expr(item.lower), self.expr(item.upper), self.expr(item.step)), item
                )
            elif isinstance(item, ast.Starred):
                inner = Index(self.expr(item.value), "*")
            else:
                inner = Index(self.expr(item), None)
            out.append(SubscriptElement(inner))
        return Subscript(self.expr(node.value), out)

    def e_Starred(self, node: ast.Starred) -> CSTNode:
        return Starred(self.expr(node.value))

    def e_BinOp(self, node: ast.BinOp) -> CSTNode:
        return BinaryOperation(self.expr(node.left), _OPS[_BINOP[type(node.op)]](), self.expr(node.right))

    def e_BoolOp(self, node: ast.BoolOp) -> CSTNode:
        op = "And" if isinstance(node.op, ast.And) else "Or"
        out = self.expr(node.values[0])
        for value in node.values[1:]:
            right = self.expr(value)
            out = BooleanOperation(out, _OPS[op](), right)
            out._pos = (*out.left._pos[:2], *right._pos[2:])
        return out

    def e_UnaryOp(self, node: ast.UnaryOp) -> CSTNode:
        return UnaryOperation(_OPS[_UNARY[type(node.op)]](), self.expr(node.operand))

    def e_Compare(self, node: ast.Compare) -> CSTNode:
        targets = [
            ComparisonTarget(_OPS[_CMP[type(op)]](), self.expr(c))
            for op, c in zip(node.ops, node.comparators, strict=True)
        ]
        return Comparison(self.expr(node.left), targets)

    def e_IfExp(self, node: ast.IfExp) -> CSTNode:
        return IfExp(self.expr(node.test), self.expr(node.body), self.expr(node.orelse))

    def e_Lambda(self, node: ast.Lambda) -> CSTNode:
        return Lambda(self.parameters(node.args), self.expr(node.body))

    def e_NamedExpr(self, node: ast.NamedExpr) -> CSTNode:
        return NamedExpr(self.expr(node.target), self.expr(node.value))

    def e_Yield(self, node: ast.Yield) -> CSTNode:
        return Yield(self.expr(node.value))

    def e_YieldFrom(self, node: ast.YieldFrom) -> CSTNode:
        return Yield(From(self.expr(node.value)))

    def comprehension(self, generators: Sequence[ast.comprehension]) -> CSTNode:
        out = None
        for gen in reversed(generators):
            ifs = [CompIf(self.expr(t)) for t in gen.ifs]
            out = CompFor(
                self.expr(gen.target), self.expr(gen.iter), ifs, out, Asynchronous() if gen.is_async else None
            )
        return out  # type: ignore[return-value]

    def e_ListComp(self, node: ast.ListComp) -> CSTNode:
        return ListComp(self.expr(node.elt), self.comprehension(node.generators))

    def e_SetComp(self, node: ast.SetComp) -> CSTNode:
        return SetComp(self.expr(node.elt), self.comprehension(node.generators))

    def e_GeneratorExp(self, node: ast.GeneratorExp) -> CSTNode:
        return GeneratorExp(self.expr(node.elt), self.comprehension(node.generators))

    def e_DictComp(self, node: ast.DictComp) -> CSTNode:
        return DictComp(self.expr(node.key), self.expr(node.value), self.comprehension(node.generators))

    def e_Slice(self, node: ast.Slice) -> CSTNode:
        return Slice(self.expr(node.lower), self.expr(node.upper), self.expr(node.step))

    # parameters
    def param(self, node: ast.arg, default: ast.expr | None, star: str = "") -> CSTNode:
        annotation = Annotation(self.expr(node.annotation)) if node.annotation is not None else None
        out = Param(self.name(node.arg), annotation, self.expr(default), star)
        col = self.col(node.lineno, node.col_offset)  # libcst's Param spans its name
        out._pos = (node.lineno, col, node.lineno, col + len(node.arg), self.source)
        return out

    def parameters(self, args: ast.arguments) -> CSTNode:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        params = [self.param(a, d) for a, d in zip(positional, defaults, strict=True)]
        posonly, params = params[: len(args.posonlyargs)], params[len(args.posonlyargs) :]
        kwonly = [self.param(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
        star_arg: CSTNode | None = None
        if args.vararg is not None:
            star_arg = self.param(args.vararg, None, "*")
        elif kwonly:
            star_arg = ParamStar()
        star_kwarg = self.param(args.kwarg, None, "**") if args.kwarg is not None else None
        return Parameters(params, star_arg, kwonly, star_kwarg, posonly)


# ---- strings ------------------------------------------------------------------------------------------------------------
def _split_strings(text: str) -> list[str]:
    """The string tokens of an (implicitly concatenated) string literal's source, comments and breaks between them
    left out."""
    if "\\" not in text:  # the common case first: one token without escapes, its quote next found at its end
        body = text.lstrip("rRbBuUfF")
        if body[:1] in ("'", '"'):
            quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
            if body.find(quote, len(quote)) == len(body) - len(quote):
                return [text]
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\f\r\n\\()":
            i += 1
            continue
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        start = i
        while i < n and text[i] in "rRbBuUfF":
            i += 1
        quote = next((q for q in _QUOTES if text.startswith(q, i)), None)
        if quote is None:  # not a string: give up on splitting
            return [text]
        i += len(quote)
        while i < n:  # to the closing quote, a backslash escaping the character after it
            close = text.find(quote, i)
            escape = text.find("\\", i, n if close < 0 else close)
            if escape < 0:
                i = n if close < 0 else close
                break
            i = escape + 2
        i += len(quote)
        out.append(text[start:i])
    return out


def _spells_string(text: str) -> bool:
    """Whether the source ``text`` has the shape of a string literal (or implicitly joined literals): a quote after
    the prefix letters, and a quote at the end (a cheap check; the value is read only when needed)."""
    body = text.lstrip("rRbBuUfF")
    return len(body) >= 2 and body[0] in "'\"" and text[-1] in "'\""


def _fstring_parts(body: str) -> list[tuple[str, str, str | None, str | None]]:
    """("text", raw, None, None) and ("expr", source, conversion, format spec) parts of an f-string's body."""
    out: list[tuple[str, str, str | None, str | None]] = []
    i, n, text_start = 0, len(body), 0
    while i < n:
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "{}" and body.startswith(ch * 2, i):
            i += 2
            continue
        if ch != "{":
            i += 1
            continue
        if i > text_start:
            out.append(("text", body[text_start:i], None, None))
        i += 1
        start, depth, quote = i, 0, ""
        conversion: str | None = None
        spec: str | None = None
        expr_end = -1
        while i < n:
            c = body[i]
            if quote:
                if c == "\\":
                    i += 1
                elif body.startswith(quote, i):
                    i += len(quote) - 1
                    quote = ""
            elif c in "'\"":
                quote = body[i : i + 3] if body[i : i + 3] in ('"""', "'''") else c
                i += len(quote) - 1
            elif c in "([{":
                depth += 1
            elif c in ")]}" and depth:
                depth -= 1
            elif depth == 0 and c == "}":
                break
            elif depth == 0 and c == "!" and not body.startswith("!=", i):
                expr_end = i
                conversion = body[i + 1 : i + 2]
                i += 2
                if i < n and body[i] == ":":
                    spec_start = i + 1
                    i = _spec_end(body, spec_start)
                    spec = body[spec_start:i]
                break
            elif depth == 0 and c == ":":
                expr_end = i
                spec_start = i + 1
                i = _spec_end(body, spec_start)
                spec = body[spec_start:i]
                break
            i += 1
        expr = body[start : (expr_end if expr_end >= 0 else i)]
        if expr.rstrip().endswith("=") and not expr.rstrip().endswith(("==", "!=", "<=", ">=")):
            expr = expr.rstrip()[:-1]
        out.append(("expr", expr, conversion, spec))
        i += 1
        text_start = i
    if text_start < n:
        out.append(("text", body[text_start:], None, None))
    return out


def _spec_end(body: str, i: int) -> int:
    depth = 0
    while i < len(body):
        c = body[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return i


# ast node type -> the converter's method for it (None: none), found once per type
_STMT_METHODS: dict[type, Any] = {}
_EXPR_METHODS: dict[type, Any] = {}


def _handler(methods: dict[type, Any], prefix: str, kind: type) -> Any:
    try:
        return methods[kind]
    except KeyError:
        method = methods[kind] = getattr(_Converter, prefix + kind.__name__, None)
        return method


# ---- entry points ---------------------------------------------------------------------------------------------------------
def _parse(source: str, mode: str) -> ast.AST:
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ParserSyntaxError(exc.msg, (exc.filename, exc.lineno, exc.offset, exc.text)) from None
    except SystemError as exc:
        # CPython 3.11 turns an exception raised while it builds the tree (the large-file alarm's TimeoutError when
        # a garbage collection runs its handler, a RecursionError) into "AST constructor recursion depth mismatch":
        # give the caller the error it handles (a file too large or too deeply nested), not a parse failure
        if isinstance(exc.__context__, (TimeoutError, RecursionError, MemoryError)):
            raise exc.__context__ from None
        if "recursion depth" in str(exc):
            raise RecursionError(str(exc)) from exc
        raise


def parse_module(source: str) -> Any:
    """The module's tree (raises ``ParserSyntaxError``). Code written for a newer Python than the analysing one
    (PEP 695's ``type Alias = ...`` statement and ``def f[T](...)`` / ``class C[T]:`` type parameters, Python 3.12)
    is read as the same code without the type-parameter syntax, at the same lines and columns."""
    source = source.removeprefix("\ufeff")  # a byte-order mark decoded as text: not code
    try:
        tree = _parse(source, "exec")
    except ParserSyntaxError as exc:
        older = without_type_params(source)
        if older is None:
            raise
        try:
            tree = _parse(older, "exec")
        except ParserSyntaxError:
            raise exc from None  # the error of the code as written
        source = older
    return _Converter(_NEWLINE.split(source)).module(tree)  # type: ignore[arg-type]


# ``type Alias[T] = value`` at the start of a statement (``type`` is a soft keyword: ``type = 3`` and ``type(x)`` are
# not this), and the type parameters of ``def name[T](``, ``class Name[T](`` / ``class Name[T]:``
_TYPE_ALIAS = re.compile(
    r"^(?P<ind>[ \t]*)type(?P<ws>[ \t]+)(?P<name>[A-Za-z_]\w*)(?P<tp>\[[^=]*\])?(?P<sp>[ \t]*)=(?!=)"
)
_TYPE_PARAMS = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_]\w*(?=\[)")


def without_type_params(source: str) -> str | None:
    """The source with PEP 695 syntax rewritten to code an older parser reads, every line keeping its length and
    every column after the alias name its place: ``type Alias[T] = value`` becomes ``Alias = value`` (padded before
    the ``=``), the bracketed type parameters of a ``def`` or ``class`` become blanks. None when there is none."""
    lines = source.split("\n")
    changed = False
    for i, line in enumerate(lines):
        m = _TYPE_ALIAS.match(line)
        if m is not None:
            pad = " " * (len("type") + len(m["ws"]) + len(m["tp"] or ""))
            lines[i] = m["ind"] + m["name"] + pad + m["sp"] + "=" + line[m.end() :]
            changed = True
            continue
        m = _TYPE_PARAMS.match(line)
        if m is None:
            continue
        depth, end = 0, None
        for j in range(m.end(), len(line)):
            depth += {"[": 1, "]": -1}.get(line[j], 0)
            if depth == 0:
                end = j
                break
        if end is not None:
            lines[i] = line[: m.end()] + " " * (end + 1 - m.end()) + line[end + 1 :]
            changed = True
    return "\n".join(lines) if changed else None


def parse_expression(source: str) -> Any:
    """One expression's tree; its nodes carry their own source for ``Module.code_for_node``."""
    tree = _parse(source, "eval")
    lines = _NEWLINE.split(source)
    return _Converter(lines).expr(tree.body)  # type: ignore[attr-defined]
