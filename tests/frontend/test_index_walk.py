"""The indexer's own walk (``_Indexer.walk``) records what the generic visitor path (``tree.visit(indexer)``: one
``on_visit`` / ``on_leave`` call per node) records: the same scopes in the same order, with the same bindings, calls
(and their statements and parents), returns, yields and parameters, on every fixture and on dead-code snippets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slmc.frontend import syntax
from slmc.frontend.index import ModuleIndex, Scope, _Indexer, module_name_for

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted({*ROOT.glob("frontend/fixtures/**/*.py"), *ROOT.glob("lint/fixtures/**/*.py")})

SNIPPETS = {
    "dead_after_return": "def f(c):\n    return c.create(x=1)\n    c.create(y=2)\n\ndef g():\n    raise ValueError\n    h()\n",
    "constant_if": "if False:\n    a()\nelse:\n    b()\nif True:\n    c()\nelse:\n    d()\nwhile False:\n    e()\n",
    "nested": (
        "class A:\n    def m(self, llm):\n        self.x = llm\n        g = lambda p: self.x(p)\n"
        "        def inner(q):\n            nonlocal g\n            yield g(q)\n        return [inner(i) for i in (1, 2)]\n"
    ),
    "globals": "import os as o\nfrom . import m\nX = 1\ndef f():\n    global X\n    X = o.getenv('K')\n    m.call(X)\n",
}


def _index(relpath: str, source: str, generic: bool) -> ModuleIndex:
    tree = syntax.parse_module(source)
    name, is_package = module_name_for(relpath)
    index = ModuleIndex(name, relpath, is_package, source, tree, syntax.positions(tree))
    index.scope = Scope("module", "<module>", "", None, tree, index, line=1)
    index.scopes.append(index.scope)
    indexer = _Indexer(index)
    if generic:
        tree.visit(indexer)
    else:
        indexer.walk(tree)
    assert not indexer.stack and not indexer.statements
    return index


def _node(value: Any) -> Any:
    """A recorded value in a comparable form (the two indexes share no tree: nodes by type, position and value)."""
    if isinstance(value, syntax.CSTNode):
        text = getattr(value, "value", None)
        return (type(value).__name__, value._pos[:4] if value._pos else None, text if isinstance(text, str) else None)
    if isinstance(value, Scope):
        return ("scope", value.key)
    if isinstance(value, ModuleIndex):
        return ("module", value.name)
    if isinstance(value, list | tuple):
        return [_node(v) for v in value]
    return value


def _summary(index: ModuleIndex) -> list[Any]:
    out = []
    for scope in index.scopes:
        out.append(
            [
                scope.key,
                scope.kind,
                scope.line,
                scope.is_async,
                scope.parent.key if scope.parent else None,
                {k: _node(v) for k, v in scope.bindings.items()},
                {k: _node(v) for k, v in scope.self_attrs.items()},
                {k: _node(v) for k, v in scope.obj_attrs.items()},
                {k: _node(v) for k, v in scope.annotations.items()},
                sorted(scope.globals_),
                _node(scope.params),
                _node(scope.returns),
                _node(scope.yields),
                _node(scope.decorators),
                _node(scope.bases),
                scope.docstring,
                [
                    (_node(c.node), c.awaited, _node(c.statement), _node(index.parents.get(id(c.node))))
                    for c in scope.calls
                ],
            ]
        )
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_walk_indexes_fixture_as_the_visitor_does(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    try:
        generic = _index(path.name, source, generic=True)
    except syntax.ParserSyntaxError:
        pytest.skip("fixture of a syntax error")
    walked = _index(path.name, source, generic=False)
    assert _summary(walked) == _summary(generic)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_walk_indexes_snippet_as_the_visitor_does(name: str) -> None:
    generic = _index("snippet.py", SNIPPETS[name], generic=True)
    walked = _index("snippet.py", SNIPPETS[name], generic=False)
    assert _summary(walked) == _summary(generic)
    assert sum(len(s.calls) for s in walked.scopes) > 0


def test_dead_code_stays_out_of_the_walk() -> None:
    walked = _index("snippet.py", SNIPPETS["dead_after_return"], generic=False)
    called = sorted(c.node.func.value for s in walked.scopes for c in s.calls if isinstance(c.node.func, syntax.Name))
    assert "h" not in called  # after ``raise``: dead
    attrs = [
        c.node.func.attr.value for s in walked.scopes for c in s.calls if isinstance(c.node.func, syntax.Attribute)
    ]
    assert attrs == ["create"]  # only the call before ``return``
    constant = _index("snippet.py", SNIPPETS["constant_if"], generic=False)
    names = sorted(c.node.func.value for s in constant.scopes for c in s.calls)
    assert names == ["b", "c"]  # ``if False`` body, ``else`` of ``if True`` and ``while False`` are dead
