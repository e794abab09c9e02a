"""The whole-program analysis' faster ways to read the same facts give what the plain ways give.

drop_dead's name search finds import statements from the lines holding ``import`` (``_import_spans``) instead of
trying the regex at every offset, keeps them per module across its searches, and uses the slow ``\\b`` regex only in
texts where a non-word name (``<lambda>``) occurs; ``_repeated_branches`` reads the spans the converter found while
it built the tree (``Module.repeated_branches``) instead of parsing the module again; ``_self_fed`` / ``_self_assigned`` are read once per function (``Scope.derived``)."""

from __future__ import annotations

import ast
import random
import re
import textwrap

from slmc.frontend import syntax as cst
from slmc.frontend.index import index_module
from slmc.frontend.project import (
    _IMPORT_STMT,
    _import_spans,
    _references,
    _self_assigned,
    _self_assigned_no_memo,
    _self_fed,
    _self_fed_no_memo,
    _self_of,
)

TRICKY = [
    "",
    "import os",
    "import os\nimport sys\n",
    "x = 1\n  import a.b as c  # important\n",
    'from pkg.sub import (\n    one,\n    two,\n)\nprint("import this")\n',
    "from pkg import (a,\n b\nimport c\n",  # a parenthesis left open: the regex's other branch
    "def important(): pass\nreimport = 2\nfrom x import y; import z\n",
    "text = 'import'\n\timport  json\r\nfrom . import mod\r\n",
    "from a import b import c\nimport import\n",
    "# import nothing\n    from    .   import   x\nimportlib.import_module('m')\n",
]


def _finditer_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _IMPORT_STMT.finditer(text)]


def test_import_spans_equal_the_regex_scan() -> None:
    for text in TRICKY:
        assert _import_spans(text) == _finditer_spans(text), text
    rng = random.Random(13)
    pieces = ["import", "from", " ", "\t", "\n", "(", ")", "a", ".", "x.y", "#", "é", "\r\n"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert _import_spans(text) == _finditer_spans(text), repr(text)


def _references_by_regex(texts: dict[str, str], names: set[str], inits: set[str]) -> dict[str, list[tuple[str, int]]]:
    """The plain way: one ``\\b(?:names)\\b`` regex over every text, imports found by the regex scan."""
    out: dict[str, list[tuple[str, int]]] = {}
    loose = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b")
    for mod_name, text in texts.items():
        skip = [] if mod_name in inits else _finditer_spans(text)
        for m in loose.finditer(text):
            start = m.start()
            if any(a <= start < b for a, b in skip) or re.search(r"\bdef[ \t]+$", text[max(0, start - 12) : start]):
                continue
            out.setdefault(m.group(), []).append((mod_name, text.count("\n", 0, start) + 1))
    return out


def test_references_with_a_lambda_name_equal_the_regex_search() -> None:
    texts = {
        "a": "from b import helper\n\ndef helper(x):\n    return run(x)\n\nrun = lambda y: y\n",
        "b": "import a\nx<lambda>y = 1\nprint(helper, run)  # helper\n",
        "c": "def run():\n    pass\nvalue = run() + helper()\n",
        "pkg": "from .a import run\n",
    }
    for names in ({"run", "helper"}, {"run", "helper", "<lambda>"}, {"<lambda>"}):
        for inits in (set(), {"pkg"}):
            spans: dict[str, list[tuple[int, int]]] = {}
            got = _references(texts, names, inits, spans)
            assert got == _references_by_regex(texts, names, inits), (names, inits)
            assert _references(texts, names, inits, spans) == got  # the kept import spans give the same answer


def _repeats_by_reparse(source: str) -> set[tuple[int, int]]:
    """The spans found the plain way: parse again, and walk every ``if`` of the tree as the head of its chain."""
    out: set[tuple[int, int]] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.If):
            continue
        seen: set[str] = set()
        branch: ast.If | None = node
        while branch is not None:
            if all(isinstance(n, cst._PLAIN_TEST) for n in ast.walk(branch.test)):
                test = ast.dump(branch.test)
                if test in seen and branch.body:
                    out.add((branch.body[0].lineno, branch.body[-1].end_lineno or branch.body[-1].lineno))
                seen.add(test)
            nxt = branch.orelse
            branch = nxt[0] if len(nxt) == 1 and isinstance(nxt[0], ast.If) else None
    return out


def test_repeated_branches_found_while_converting() -> None:
    source = textwrap.dedent(
        """
        if a == 1:
            x = [y for y in z if y]
        elif a == 2:
            f = lambda: (b if c else d)
        elif a == 1:
            dead = True
        else:
            class K:
                def m(self, kind):
                    if kind == "x":
                        return 1
                    else:
                        if kind == "x":
                            return 2
                    if ask() == 1:
                        pass
                    elif ask() == 1:
                        live = True
            match v:
                case 1:
                    if w.flag:
                        pass
                    elif not w.flag:
                        pass
                    elif w.flag:
                        dead = 2
                        dead = 3
        """
    )
    found = cst.parse_module(source).repeated_branches
    assert set(found) == _repeats_by_reparse(source) == {(7, 7), (15, 15), (27, 28)}
    assert cst.parse_module("if a:\n    pass\n").repeated_branches == []


def test_self_state_reads_are_kept_per_function_and_equal_a_fresh_read() -> None:
    source = textwrap.dedent(
        """
        class Chat:
            def ask(self, text):
                self.task = text
                self.history.append({"role": "user", "content": text})
                self.history += [text]
                return self.send()
        """
    )
    mod = index_module("chat.py", source, cst.parse_module(source))
    fn = next(s for s in mod.scopes if s.name == "ask")
    fed, assigned = _self_fed(fn), _self_assigned(fn)
    assert set(fed) == {"history"} and len(fed["history"]) == 2
    assert set(assigned) == {"task", "history"}  # ``+=`` assigns too
    assert _self_fed(fn) is fed and _self_assigned(fn) is assigned  # read once
    assert fed == _self_fed_no_memo(fn) and assigned == _self_assigned_no_memo(fn)


def test_scope_keys_follow_a_renamed_module_and_string_values_are_kept() -> None:
    source = textwrap.dedent(
        """
        class Bot:
            def reply(self, text):
                def inner():
                    return self.llm(text)
                return inner()
        label = "a\\tb" "c"
        """
    )
    mod = index_module("bots/bot.py", source, cst.parse_module(source))
    inner = next(s for s in mod.scopes if s.name == "inner")
    before = inner.key
    assert inner.key is before  # kept
    mod.name = "pkg.bots.bot"  # the project names a module after indexing it
    assert inner.key == "pkg.bots.bot:Bot.reply.<locals>.inner" and inner.key != before
    # the method around a closure, read once per scope: its class and its first parameter
    held = _self_of(inner)
    assert held is not None and (held[0].key, held[1]) == ("pkg.bots.bot:Bot", "self") and "self_of" in inner.derived
    assert _self_of(mod.scope) is None
    label = cst.parse_module(source).body[-1].body[0].value
    assert label.evaluated_value == "a\tbc" and label.evaluated_value == ast.literal_eval('"a\\tb" "c"')
