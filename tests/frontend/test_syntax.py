"""The analysis tree (``slmc.frontend.syntax``, from the stdlib parser) reads as libcst's would: on every fixture
and on tricky snippets, the nodes the frontend reads come in the same order with the same fields, positions and
source text (``code_for_node``) as libcst's tree with its ``PositionProvider``."""

from __future__ import annotations

from pathlib import Path

import libcst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from slmc.frontend import syntax

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted({*ROOT.glob("frontend/fixtures/**/*.py"), *ROOT.glob("lint/fixtures/**/*.py")})

# nodes whose position the frontend reads (site, scope and consumer locations)
POSITIONED = {"Call", "FunctionDef", "ClassDef", "Lambda", "If", "Attribute", "Comparison", "Return", "Yield", "Expr"}
# nodes whose source text it reads (holes, option values, literal_eval, function bodies)
CODED = POSITIONED | {"SimpleString", "FormattedString", "ConcatenatedString", "Dict", "List", "Tuple", "Name"}
KINDS = CODED | set(
    [
        "Arg",
        "FormattedStringText",
        "FormattedStringExpression",
        "Integer",
        "Float",
        "IndentedBlock",
        "SimpleStatementLine",
        "SimpleStatementSuite",
        "Assign",
        "AnnAssign",
        "AugAssign",
        "Import",
        "ImportFrom",
        "Global",
        "Param",
        "Element",
        "StarredElement",
        "DictElement",
        "Subscript",
        "Index",
        "BinaryOperation",
        "BooleanOperation",
        "Await",
        "IfExp",
        "NamedExpr",
        "WithItem",
        "For",
        "While",
        "Else",
        "Decorator",
        "ListComp",
        "UnaryOperation",
        "Set",
    ]
)

SNIPPETS = {
    "strings": 'x = ("a"  # c\n     "b" f"{y!r:>{w}}" r"\\q")\nz = f"{a=} {{b}} {c:{d}.{e}}" \'\'\'m\nn\'\'\'\n',
    "fstring_nested": "p = f\"{', '.join(f'{k}={v!r}' for k, v in d.items())} done\"\n",
    "parens": "f((x))\ng(a, (b), c=(d))\nclass A((B)): pass\nh(x for x in y)\nk = ((1, 2))\nif (z): pass\n",
    "suites": "if a: return_ = 1; b = 2\nelif c:\n    pass\nelse:\n    if d: e()\nfor i in j: k(i)\n",
    "defs": "# lead\n\n@dec\n@dec2(1)\nasync def f(a, /, b=1, *c, d: int = 2, **e) -> str:\n"
    '    """Doc.\n\n    more"""\n    return (yield from g())  # tail\n    # footer\n',
    "unicode": "s = 'é' ; t = client.create(prompt='ü' + x)\n",
    "multiline": "def f():\n    r = client.chat(\n        messages=[\n            {'role': 'user', 'content': p},\n"
    "        ],\n    )\n    return r\n",
    "lambda_star": "g = lambda *a, **k: call(*a, x=1, *b, **k)\nfirst, *rest = items\nv[1:2, ::3]\nw[(1, 2)]\n",
    "imports": "import a.b.c as d, e\nfrom ..x.y import (z as q, r)\nfrom . import *\n",
}


def _describe(node, pos, code) -> tuple:
    kind = type(node).__name__
    where = pos.get(node)
    place = (where.start.line, where.start.column, where.end.line, where.end.column) if where else None
    extra: tuple = ()
    if kind in ("Name", "SimpleString", "Integer", "Float", "FormattedStringText"):
        extra = (node.value,)
    elif kind == "Arg":
        extra = (node.keyword.value if node.keyword else None, node.star)
    elif kind == "FormattedString":
        extra = (node.prefix, node.quote, len(node.parts))
    elif kind == "FormattedStringExpression":
        extra = (node.conversion, node.format_spec is None)
    elif kind == "Param":
        extra = (node.name.value, node.star if isinstance(node.star, str) else "", node.default is None)
    elif kind in ("FunctionDef", "ClassDef"):
        extra = (node.get_docstring(),)
    elif kind in ("BinaryOperation", "BooleanOperation", "UnaryOperation", "AugAssign"):
        extra = (type(node.operator).__name__,)
    elif kind == "ImportFrom":
        extra = (len(node.relative), isinstance(node.names, libcst.ImportStar | syntax.ImportStar))
    text = code(node).strip() if kind in CODED and where is not None else None
    return kind, place if kind in POSITIONED else None, extra, text


def _nodes(source: str) -> tuple[list[tuple], list[tuple]]:
    theirs, ours = [], []
    tree = libcst.parse_module(source)
    positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)

    class Theirs(libcst.CSTVisitor):
        def on_visit(self, node: libcst.CSTNode) -> bool:
            if type(node).__name__ in KINDS:
                theirs.append(_describe(node, positions, tree.code_for_node))
            return True

    mine = syntax.parse_module(source)

    class Ours(syntax.CSTVisitor):
        def on_visit(self, node: syntax.CSTNode) -> bool:
            if type(node).__name__ in KINDS:
                ours.append(_describe(node, syntax.positions(mine), mine.code_for_node))
            return True

    tree.visit(Theirs())
    mine.visit(Ours())
    # names the conversion makes up (imported, parameter and keyword names) have no position: their text suffices
    for i, (a, b) in enumerate(zip(theirs, ours, strict=False)):
        if a[0] == b[0] and a[0] in ("Name", "Attribute") and b[1] is None and b[3] is None and a[2] == b[2]:
            theirs[i] = b
    return theirs, ours


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_reads_as_libcst(path: Path) -> None:
    theirs, ours = _nodes(path.read_text(encoding="utf-8"))
    assert ours == theirs


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_reads_as_libcst(name: str) -> None:
    theirs, ours = _nodes(SNIPPETS[name])
    assert ours == theirs


def test_syntax_error_and_byte_order_mark() -> None:
    with pytest.raises(syntax.ParserSyntaxError) as info:
        syntax.parse_module("def f(:\n    pass\n")
    assert info.value.raw_line == 1 and info.value.message
    tree = syntax.parse_module("\ufeffx = call()\n")
    call = tree.body[0].body[0].value
    assert isinstance(call, syntax.Call) and syntax.positions(tree)[call].start == (1, 4)


def test_constructed_nodes_take_libcst_positional_fields() -> None:
    name = syntax.parse_expression("tools")
    wrapped = syntax.List([syntax.Element(name)])
    assert wrapped.elements[0].value is name and wrapped.children == [wrapped.elements[0]]
    assert syntax.Module([]).code_for_node(name) == "tools"


def test_every_node_class_sets_its_fields() -> None:
    """Node classes get a generated ``__init__`` on first use: defaults, positional order and keywords as before."""

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    classes = set(subclasses(syntax.CSTNode))
    assert len(classes) > 100
    for cls in classes:
        blank = cls()
        assert [getattr(blank, f) for f in cls._fields] == [syntax._DEFAULTS.get(f) for f in cls._fields], cls
        values = list(range(len(cls._fields)))
        assert [getattr(cls(*values), f) for f in cls._fields] == values, cls
        assert [getattr(cls(**dict(zip(cls._fields, values, strict=True))), f) for f in cls._fields] == values, cls
        assert cls(*values, "extra", unknown=1)._pos is None  # extra arguments are ignored, as before


def test_pep695_type_parameter_syntax_reads_on_an_older_python() -> None:
    """``type Alias = ...`` and ``def f[T]`` / ``class C[T]`` (Python 3.12) read as the same code without the
    type-parameter syntax, every later column in place; a real syntax error still raises."""
    source = (
        "type Sig = tuple[str, int]\n"
        "type Pair[T] = tuple[T, T]\n"
        "def first[T](xs: list[T]) -> T:\n"
        "    return xs[0]\n"
        "class Box[T: (int, str)](object):\n"
        "    pass\n"
        "type = 3\n"
        "y = call(type)\n"
    )
    tree = syntax.parse_module(source)
    pos = syntax.positions(tree)
    alias = tree.body[0].body[0]
    assert isinstance(alias, syntax.Assign) and alias.targets[0].target.value == "Sig"
    assert pos[alias.value].start == (1, 11)  # the value keeps its column
    assert tree.body[2].name.value == "first" and tree.body[3].name.value == "Box"
    call = tree.body[5].body[0].value
    assert isinstance(call, syntax.Call) and pos[call].start == (8, 4)
    with pytest.raises(syntax.ParserSyntaxError):
        syntax.parse_module("type Sig = tuple[str, int]\ndef f(:\n    pass\n")
