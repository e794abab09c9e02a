"""The frontend's file loading (compile, analyze, ir) on broken and hostile trees: symlink loops, dangling links,
FIFOs and bad coding cookies are one diagnostic each, named by the path the user sees; nothing raises or blocks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from slmc.compiler.driver import CompileOptions, _check_inputs
from slmc.frontend import analyze_paths

REPO = Path(__file__).resolve().parents[2]
GOOD = (
    "from openai import OpenAI\nclient = OpenAI()\n\n"
    "def ask(q):\n    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
)


def _tree(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "good.py").write_text(GOOD)
    os.symlink("b.py", root / "a.py")
    os.symlink("a.py", root / "b.py")
    os.symlink("..", root / "pkg" / "up")
    os.symlink("gone.py", root / "dangling.py")
    os.symlink("good.py", root / "alias.py")  # inside the project: followed, named alias.py
    (root / "cookie.py").write_bytes(b"# -*- coding: nonexistent -*-\nx = 1\n")
    return root


def test_analyze_paths_reports_each_bad_path_once_and_analyses_the_rest(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    graph, diags = analyze_paths([root], root=root)
    graph.verify()
    assert [(d.path, d.code) for d in diags] == [
        ("a.py", "E003"),
        ("b.py", "E003"),
        ("cookie.py", "E002"),
        ("dangling.py", "E003"),
        ("pkg/up", "E003"),
    ]
    assert {s.loc.path for s in graph.sites()} == {"good.py", "alias.py"}
    assert "nonexistent" in next(d.message for d in diags if d.path == "cookie.py")


def test_frontend_does_not_block_on_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    os.mkfifo(tmp_path / "x.py")
    script = (
        "import sys\nfrom pathlib import Path\nfrom slmc.frontend import analyze_paths\n"
        "graph, diags = analyze_paths([Path(sys.argv[1])], root=Path(sys.argv[1]))\n"
        "print([(d.path, d.code) for d in diags], sorted({s.loc.path for s in graph.sites()}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env, timeout=20
    )
    assert done.stdout.strip() == "[('x.py', 'E003')] ['good.py']", done.stderr


def test_compile_inputs_name_bad_files_instead_of_crashing(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    os.mkfifo(root / "x.py")
    found_root, files = _check_inputs(CompileOptions(sources=[root], traces=[], out=tmp_path / "out", emit="ir"))
    assert found_root == root.resolve()
    problems = {f.relpath for f in files if f.problem}
    assert problems == {"a.py", "b.py", "dangling.py", "pkg/up", "x.py"}
    assert {f.relpath for f in files if not f.problem} == {"good.py", "alias.py", "cookie.py"}
