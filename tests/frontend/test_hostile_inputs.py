"""Hostile source trees: each one is analysed (frontend, triage, lint rules) to the end, with no traceback, no internal
error and no hang; what cannot be read is a clean skip (a diagnostic, or nothing read), and the agent's good file is
still reported. The slow ones run in a child process with a time limit, so a hang fails the test instead of the run.

Cases that hung or crawled before their fix (each test says which): a YAML "billion laughs" prompt table or agents
config (walked alias by alias: a billion items), a data file of 200,000 nested brackets (PyYAML's scanner is
quadratic in the nesting), a prompt of megabytes pasted into a string literal (triage's regular expressions over all of
it: a minute per site), an implicit concatenation of 100,000 string literals (a line count from the start of the
literal per piece), a recursive YAML alias (``a: &a [*a]``) read as a prompt table (unbounded recursion)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.frontend import analyze_paths
from slmc.lint.checker import check_graph
from slmc.passes.triage import multi_task_wrappers, triage_site

REPO = Path(__file__).resolve().parents[2]
HEAD = "from openai import OpenAI\nclient = OpenAI()\n"
ASK = "def ask(q):\n    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
GOOD = HEAD + ASK


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return root


def _loads_data(expr: str) -> str:
    """An agent whose system prompt is ``expr`` (reading a file), with its good request beside it."""
    return (
        HEAD + "import json\nimport yaml\n\n\ndef reply(q):\n"
        f"    system = {expr}\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'system', 'content': system}, "
        "{'role': 'user', 'content': q}])\n"
    )


def _analyse(root: Path) -> tuple[list, list]:
    """Frontend, triage of every site and the lint rules, in this process: (sites, diagnostics)."""
    graph, diags = analyze_paths([root], root=root)
    graph.verify()
    multi = multi_task_wrappers(graph)
    for site in graph.sites():
        graph.update(site.id, triage=triage_site(graph, site, multi))
    diags = [*diags, *check_graph(graph)]
    return list(graph.sites()), diags


_CHILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.frontend.test_hostile_inputs import _analyse
sites, diags = _analyse(Path(sys.argv[1]))
print(json.dumps({"sites": sorted(s.id for s in sites), "internal": [d.message for d in diags if "internal error" in d.message],
                  "codes": sorted({d.code for d in diags})}))
"""


def _analyse_in_child(root: Path, timeout: float = 90) -> dict:
    """``_analyse`` in a child process that must finish within ``timeout`` seconds (a hang fails the test)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(REPO)], capture_output=True, text=True, env=env, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _clean(sites: list, diags: list) -> None:
    assert not [d.message for d in diags if "internal error" in d.message]
    assert any(s.id.startswith("llm:ask@good.py:") for s in sites), [s.id for s in sites]


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_hostile_data_files_are_skipped_without_a_hang(tmp_path: Path) -> None:
    """One tree, one child process: every hostile data file read as a prompt table or an agents config."""
    files = {
        "bomb.py": _loads_data("yaml.safe_load(open('bomb.yaml'))['system']"),
        "bomb.yaml": LAUGHS + "system: hi\n",
        "alias.py": _loads_data("yaml.safe_load(open('alias.yaml'))['system']"),
        "alias.yaml": "a: &a [*a]\nsystem: &s {x: *s}\n",
        "config/agents.yaml": LAUGHS
        + "agent:\n  role: *i\n  goal: *i\n  system_prompt: *i\n  model: gpt\n"
        + "  instructions: You are a careful assistant who reads the tickets one by one\n",
        "deep.py": _loads_data("yaml.safe_load(open('deep.yaml'))['system']"),
        "deep.yaml": "[" * 200_000 + "]" * 200_000,
        "deepj.py": _loads_data("json.load(open('deep.json'))['system']"),
        "deep.json": "[" * 200_000 + "]" * 200_000,
    }
    root = _write(tmp_path / "proj", {"good.py": GOOD, **files})
    out = _analyse_in_child(root, timeout=120)
    assert not out["internal"]
    found = {s.split("@")[1].split(":")[0] for s in out["sites"]}
    assert {"good.py", "bomb.py", "alias.py", "deep.py", "deepj.py"} <= found, out


def test_a_prompt_of_megabytes_in_a_string_literal_is_triaged_in_time(tmp_path: Path) -> None:
    """1.9 MB of prompt text (under the 2 MB file limit): triage reads its first ``TRIAGE_TEXT_CHARS`` (it took over
    a minute per site before)."""
    big = (
        HEAD
        + "BIG = '"
        + "Read the record and answer. " * 68_000
        + "'\n\n\ndef reply(q):\n"
        + ("    return client.chat.completions.create(model='m', messages=[{'role': 'system', 'content': BIG + q}])\n")
    )
    root = _write(tmp_path / "proj", {"good.py": GOOD, "big.py": big})
    out = _analyse_in_child(root, timeout=60)
    assert not out["internal"] and any(s.startswith("llm:reply@big.py:") for s in out["sites"]), out


def test_many_implicitly_concatenated_strings_parse_in_time(tmp_path: Path) -> None:
    """100,000 string literals in one implicit concatenation, one per line: each piece's line was counted from the
    start of the literal (quadratic: minutes); now counted as the pieces go. The positions stay right."""
    lines = "\n".join(f"    'part {i} '" for i in range(100_000))
    root = _write(tmp_path / "proj", {"good.py": GOOD, "long.py": HEAD + "P = (\n" + lines + "\n)\n\n\n" + ASK})
    out = _analyse_in_child(root, timeout=90)
    assert not out["internal"] and "llm:ask@good.py:4" in out["sites"]
    # (the literal nests 100,000 deep: the file itself is skipped as too deeply nested, E003, not left hanging)
    assert any(s.startswith("llm:ask@long.py") for s in out["sites"]) or "E003" in out["codes"]


def test_string_pieces_keep_their_lines() -> None:
    """Each piece of a concatenation spread over lines (and a triple-quoted piece spanning lines) has its own line."""
    from slmc.frontend import syntax

    source = "x = (\n    'a'\n    '''b\nc'''\n    f'{y}'\n)\n"
    module = syntax.parse_module(source)
    node = module.body[0].body[0].value
    lines = []
    while isinstance(node, syntax.ConcatenatedString):
        lines.append(node.left._pos[0])
        node = node.right
    lines.append(node._pos[0])
    assert lines == [2, 3, 5]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"bom.py": b"\xef\xbb\xbf" + GOOD.encode(), "nul.py": GOOD.encode() + b"\x00x = 1\n"}, id="bom-and-nul"
        ),
        pytest.param({"utf16.py": b"\xff\xfe" + GOOD.encode("utf-16-le"), "latin.py": b"x = '\xe9'\n"}, id="not-utf8"),
        pytest.param({"deep.py": HEAD + "x = " + "(" * 20_000 + "1" + ")" * 20_000 + "\n"}, id="deep-parens"),
        pytest.param({"deep.py": HEAD + "x = " + "[" * 5_000 + "]" * 5_000 + "\n"}, id="deep-lists"),
        pytest.param(
            {
                "plus.py": HEAD
                + "def f(q):\n    p = "
                + " + ".join(["q"] + ["'x'"] * 20_000)
                + "\n    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': p}])\n"
            },
            id="long-plus-chain",
        ),
        pytest.param({"attr.py": HEAD + "y = client" + ".chat" * 20_000 + "\n"}, id="long-attribute-chain"),
        pytest.param({"calls.py": HEAD + "y = client" + ".x()" * 5_000 + "\n"}, id="long-call-chain"),
        pytest.param({"nest.py": HEAD + ASK + "y = " + "ask(" * 3_000 + "'q'" + ")" * 3_000 + "\n"}, id="nested-calls"),
        pytest.param(
            {
                "cyc.py": HEAD
                + "class A(B):\n    def run(self, q):\n        return self.ask(q)\n\n\nclass B(A):\n    def ask(self, q):\n        return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n\n    def go(self):\n        return self.run('x')\n\n\nB().go()\nA().run('y')\n"
            },
            id="inheritance-cycle",
        ),
        pytest.param(
            {
                "a.py": "from b import B\n"
                + HEAD
                + "class A(B):\n    def ask(self, q):\n        return client.chat.completions.create(model='m', messages=q)\n",
                "b.py": "from a import A\n\n\nclass B(A):\n    def go(self):\n        return self.ask('hi')\n",
            },
            id="inheritance-cycle-across-modules",
        ),
        pytest.param(
            {
                "self.py": HEAD
                + "x = x.y\na = b\nb = a\nc = c\nclient = client\nd = d()\n\n\nclass K:\n    def __init__(self):\n        self.c = self.c\n        self.m = self.m.chat\n\n    def go(self, q):\n        return self.m.completions.create(model='m', messages=q)\n\n\ndef f(q):\n    p = p + q\n    return a.chat.completions.create(model='m', messages=[{'role': 'user', 'content': p}])\n"
            },
            id="self-referential-assignments",
        ),
        pytest.param(
            {
                "rec.py": HEAD
                + "def f(q):\n    if q:\n        return f(q[1:])\n    return client.chat.completions.create(model='m', messages=q)\n\n\ndef ping(q):\n    return pong(q)\n\n\ndef pong(q):\n    return ping(q) or f(q)\n\n\nprint(ping('x'))\n"
            },
            id="recursive-wrappers",
        ),
        pytest.param(
            {
                "a.py": "from b import *\n" + HEAD,
                "b.py": "from a import *\nx = ask('hi')\n",
                "pkg/__init__.py": "from .pkg import *\nfrom . import *\n",
                "pkg/pkg.py": "from pkg import *\n",
            },
            id="star-import-cycle",
        ),
        pytest.param(
            {"m.py": "import m\nfrom m import f as f\nimport m as n\n\n\ndef f(q):\n    return n.m.m.f(q)\n"},
            id="module-importing-itself",
        ),
        pytest.param(
            {"a b.py": GOOD, "ünï.py": GOOD, "x-y.py": GOOD, "d.e/f.py": GOOD, "-.py": GOOD}, id="odd-file-names"
        ),
        pytest.param({"new\nline.py": GOOD}, id="newline-in-file-name"),
        pytest.param(
            {
                "fs.py": HEAD
                + "def f(q, n):\n    p = f\"{f'{q!r:>{n}}'} {q=} {f'{n:{n}.{n}}'}\"\n    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': p}])\n"
            },
            id="nested-f-strings",
        ),
        pytest.param(
            {
                "m.py": HEAD
                + "def f(q):\n    match q:\n        case {'a': [x, *rest]} if (y := x):\n            p = y\n        case str() as p:\n            pass\n        case _:\n            p = ''\n    if (r := client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': p}])):\n        return r\n"
            },
            id="match-and-walrus",
        ),
        pytest.param(
            {
                "g.py": HEAD
                + "type X[T] = list[T]\n\n\ndef f[T](q: T) -> T:\n    return client.chat.completions.create(model='m', messages=q)\n"
            },
            id="pep695-generics",
        ),
        pytest.param(
            {
                "e.py": HEAD
                + "exec('def f(q): return client.chat.completions.create(model=1, messages=q)')\nf = eval('f')\ng = eval\nh = g('client.chat.completions.create')\n\n\ndef go(q):\n    return h(model='m', messages=q)\n\n\nglobals()['client'] = 3\n"
            },
            id="exec-and-eval",
        ),
        pytest.param(
            {
                "w.py": HEAD
                + "class M(type):\n    def __call__(cls, *a):\n        return client.chat.completions.create(model='m', messages=a)\n\n\nclass K(metaclass=M):\n    pass\n\n\nK('x')\n\n\nclass G:\n    def __getattr__(self, n):\n        return getattr(self, n)\n\n    __call__ = __getattr__\n\n\nG().chat.completions.create(model='m', messages=[])\n\n\ndef deco(f):\n    return deco(f)\n\n\n@deco\n@deco\ndef h(q):\n    return client.chat.completions.create(model='m', messages=q)\n"
            },
            id="metaclass-getattr-decorator-loops",
        ),
        pytest.param(
            {
                "d.py": HEAD
                + "from functools import partial\nd = {}\nd['k'] = d\nd['c'] = client\nl = []\nl.append(l)\nf = partial(client.chat.completions.create, model='m')\nf = partial(f, temperature=0)\ng = partial(g)\n\n\ndef h(q):\n    return d['c'].chat.completions.create(model='m', messages=[{'role': 'user', 'content': d['k']['k']['k']}])\n"
            },
            id="self-holding-containers-and-partials",
        ),
        pytest.param(
            {
                "r.py": HEAD
                + "from elsewhere import Outside\n\n\ndef make():\n    if 1:\n        return Outside()\n    return {'a': [1, {'b': 2}]}\n\n\ndef get():\n    return [make(), {1: 2}, {3, 4}]\n\n\ndef h(q):\n    return make().chat.completions.create(model='m', messages=q)\n"
            },
            id="returned-dict-literals",
        ),
        pytest.param(
            {
                "t.py": _loads_data("open('" + "x" * 5000 + ".txt').read()"),
                "n.py": _loads_data("open('a\\x00b.txt').read()"),
            },
            id="file-names-past-the-limit-or-with-nul",
        ),
        pytest.param(
            {
                "t.py": _loads_data("open('/dev/zero').read()"),
                "u.py": _loads_data("open('../../../../etc/passwd').read()"),
            },
            id="file-names-outside-the-tree",
        ),
        pytest.param(
            {
                "t.py": _loads_data(
                    "(__import__('pathlib').Path(__file__).parent" + " / '.'" * 3000 + " / 'p.txt').read_text()"
                ),
                "p.txt": "hello",
            },
            id="long-path-expression",
        ),
    ],
)
def test_hostile_source_is_a_clean_skip(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    root = _write(tmp_path / "proj", {"good.py": GOOD, **files})
    sites, diags = _analyse(root)
    _clean(sites, diags)


def _special_template(folder: Path, kind: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "system.yaml"
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "huge":
        target.write_bytes(b"system: " + b"word " * 600_000 + b"\n")
    elif kind == "binary":
        target.write_bytes(bytes(range(256)) * 400)
    elif kind == "link-out":
        os.symlink("/etc/hostname", target)
    elif kind == "link-loop":
        os.symlink("system.yaml", target)


_TEMPLATE_KINDS = ("directory", "fifo", "huge", "binary", "link-out", "link-loop")
_TEMPLATE_READS = (
    "open('prompts/{kind}/system.yaml').read()",
    "yaml.safe_load(open('prompts/{kind}/system.yaml'))['system']",
    "yaml.safe_load(__import__('pathlib').Path('prompts/{kind}/system.yaml').read_text())['system']",
)


def test_template_paths_that_are_no_regular_small_file_are_skipped(tmp_path: Path) -> None:
    """A prompt file that is a folder, a FIFO (a read would block), a file past the read limit, binary bytes, a link
    out of the tree or a link loop, read three ways: nothing read, no hang, every request still reported."""
    files: dict[str, str | bytes] = {"good.py": GOOD}
    for kind in _TEMPLATE_KINDS:
        for i, read in enumerate(_TEMPLATE_READS):
            files[f"agent_{kind.replace('-', '_')}_{i}.py"] = _loads_data(read.format(kind=kind))
    root = _write(tmp_path / "proj", files)
    for kind in _TEMPLATE_KINDS:
        _special_template(root / "prompts" / kind, kind)
    out = _analyse_in_child(root, timeout=90)
    assert not out["internal"]
    found = {s.split("@")[1].split(":")[0] for s in out["sites"]}
    assert set(files) <= found, sorted(set(files) - found)


def test_symlink_loops_and_links_out_of_the_tree_are_skipped(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside", {"secret.py": GOOD})
    root = _write(tmp_path / "proj", {"good.py": GOOD})
    os.symlink("loop_b.py", root / "loop_a.py")
    os.symlink("loop_a.py", root / "loop_b.py")
    os.symlink("..", root / "up")
    os.symlink(outside / "secret.py", root / "out.py")
    os.symlink(outside, root / "outdir")
    sites, diags = _analyse(root)
    _clean(sites, diags)
    assert {s.loc.path for s in sites} == {"good.py"}


def test_template_names_that_are_no_relative_pattern_read_nothing(tmp_path: Path) -> None:
    """``env.get_template('/etc/hostname')`` / ``get_template('')``: the name is looked up as a pattern under the
    tree, which raised NotImplementedError / ValueError (an internal error on the call); now nothing is read."""
    agent = (
        HEAD
        + "from jinja2 import Environment, FileSystemLoader\n\nenv = Environment(loader=FileSystemLoader('.'))\n\n\n"
        "def f(q):\n    t = env.get_template('/etc/hostname').render() + env.get_template('').render()\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'system', 'content': t}, "
        "{'role': 'user', 'content': q}])\n"
    )
    root = _write(tmp_path / "proj", {"good.py": GOOD, "j.py": agent})
    sites, diags = _analyse(root)
    _clean(sites, diags)
    assert any(s.loc.path == "j.py" for s in sites)
