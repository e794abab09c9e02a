"""`slmc lint` / `slmc ir` on broken and hostile file trees: never hang, never abort, one diagnostic per bad path
(named by the path the user sees), and the good files are still analysed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.compiler.cli import main

from .conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("frontend")

REPO = Path(__file__).resolve().parents[2]
FORMATS = ("full", "concise", "json", "sarif", "github")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One agent with findings (agent.py) and a clean module; cwd is the project."""
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "agent.py").write_text((FIXTURES / "reliability.py").read_text())
    (root / "pkg" / "clean.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    monkeypatch.chdir(root)
    return root


def add_loops(root: Path) -> None:
    os.symlink("b.py", root / "a.py")  # a.py -> b.py -> a.py
    os.symlink("a.py", root / "b.py")
    os.symlink("..", root / "pkg" / "up")  # a folder link to its own parent


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], str]:
    code = main(["lint", "--output-format", "json", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def by_path(diags: list[dict], root: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in diags:
        out.setdefault(os.path.relpath(d["filename"], root), []).append(d["code"])
    return out


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess with a timeout: a regression that blocks fails the test instead of hanging the suite."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "slmc", *args], cwd=root, capture_output=True, text=True, env=env, timeout=20
    )


def test_symlink_loops_are_one_diagnostic_each_and_the_rest_is_linted(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_loops(project)
    code, diags, err = lint_json(capsys, ".")
    assert "internal error" not in err
    found = by_path(diags, project)
    assert found.pop("a.py") == ["E003"] and found.pop("b.py") == ["E003"] and found.pop("pkg/up") == ["E003"]
    assert set(found) == {"agent.py"} and {"SLM101", "SLM301"} <= set(found["agent.py"])
    assert code == 1
    messages = {os.path.relpath(d["filename"], project): d["message"] for d in diags if d["code"] == "E003"}
    assert "symlink loop" in messages["a.py"] and "symlink loop" in messages["pkg/up"]
    # a loop given directly on the command line is the same diagnostic, not a crash
    code, diags, err = lint_json(capsys, "a.py", "agent.py")
    assert code == 1 and "internal error" not in err
    assert by_path(diags, project)["a.py"] == ["E003"] and "agent.py" in by_path(diags, project)


def test_fifo_named_like_a_module_does_not_hang(project: Path) -> None:
    os.mkfifo(project / "x.py")
    done = run_cli(project, "lint", "--output-format", "concise", ".")
    assert done.returncode == 1, done.stderr
    assert "x.py:1:1: E003 a FIFO, not a regular file; skipped" in done.stdout
    assert "agent.py:" in done.stdout and "internal error" not in done.stderr
    done = run_cli(project, "lint", "--output-format", "concise", "x.py")  # given directly
    assert done.returncode == 1 and "x.py:1:1: E003" in done.stdout


def test_dangling_symlink_is_reported_under_its_own_name(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink("missing_target.py", project / "dangling.py")
    _, diags, _ = lint_json(capsys, ".")
    found = by_path(diags, project)
    assert found["dangling.py"] == ["E003"] and "missing_target.py" not in found
    message = next(d["message"] for d in diags if d["filename"].endswith("dangling.py"))
    assert "dangling symlink" in message and "'missing_target.py'" in message
    code, diags, err = lint_json(capsys, "dangling.py")  # given directly: a diagnostic, not "no such file"
    assert code == 1 and by_path(diags, project) == {"dangling.py": ["E003"]}, err


def test_bad_coding_cookie_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "unknown.py").write_bytes(b"# -*- coding: nonexistent -*-\nx = 1\n")
    (tmp_path / "ascii.py").write_bytes(b"#!/usr/bin/python\n# coding: ascii\ny = '\xc3\xa9'\n")  # UTF-8 bytes
    (tmp_path / "notext.py").write_bytes(b"# coding: rot13\nx = 1\n")  # a codec, but not a text encoding
    (tmp_path / "latin.py").write_bytes("# coding: latin-1\nx = 'caf\xe9'\n".encode("latin-1"))  # fine
    code, diags, _ = lint_json(capsys, str(tmp_path))
    found = {os.path.basename(d["filename"]): (d["code"], d["location"]["row"], d["message"]) for d in diags}
    assert set(found) == {"unknown.py", "ascii.py", "notext.py"} and code == 1
    assert found["unknown.py"][:2] == ("E002", 1) and "nonexistent" in found["unknown.py"][2]
    assert found["ascii.py"][:2] == ("E002", 3) and "ascii" in found["ascii.py"][2]
    assert found["notext.py"][0] == "E002"


def test_file_link_out_of_the_project_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("token = sk-proj-abcdefghijklmnopqrstuvwxyz0123 (\n")  # would be a syntax error with a snippet
    root = tmp_path / "proj"
    root.mkdir()
    (root / "agent.py").write_text((FIXTURES / "reliability.py").read_text())
    os.symlink(outside, root / "leak.py")
    os.symlink("agent.py", root / "alias.py")  # a link inside the project is followed, named by itself
    code = main(["lint", "--output-format", "full", str(root)])
    out = capsys.readouterr().out
    assert code == 1 and "sk-proj" not in out and "symlink points outside the project" in out
    _, diags, _ = lint_json(capsys, str(root))
    found = by_path(diags, root)
    assert found["leak.py"] == ["E003"] and sorted(found["alias.py"]) == sorted(found["agent.py"])


def test_permission_denied_is_a_diagnostic(project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root (chmod 000 denies nothing): the read is made to fail as it would for another user."""
    from slmc.frontend import project as frontend_project

    real = frontend_project.read_source

    def denied(path: Path) -> bytes:
        if Path(path).name == "agent.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(frontend_project, "read_source", denied)
    (project / "agent2.py").write_text((FIXTURES / "reliability.py").read_text())
    code, diags, err = lint_json(capsys, ".")
    found = by_path(diags, project)
    assert found["agent.py"] == ["E003"] and "SLM101" in found["agent2.py"] and code == 1, err
    assert "Permission denied" in next(d["message"] for d in diags if d["filename"].endswith("/agent.py"))


def test_unlistable_folder_is_a_diagnostic(project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be listed (EACCES for another user; simulated, tests run as root) is reported."""
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path).name == "pkg":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, diags, err = lint_json(capsys, ".")
    found = by_path(diags, project)
    assert found["pkg"] == ["E003"] and "SLM101" in found["agent.py"] and code == 1, err
    assert "Permission denied" in next(d["message"] for d in diags if d["filename"].endswith("/pkg"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_output_format_renders_file_problems(project: Path, fmt: str) -> None:
    add_loops(project)
    os.mkfifo(project / "x.py")
    os.symlink("gone.py", project / "dangling.py")
    (project / "cookie.py").write_bytes(b"# -*- coding: nonexistent -*-\nx = 1\n")
    done = run_cli(project, "lint", "--output-format", fmt, ".")
    assert done.returncode == 1 and "internal error" not in done.stderr, done.stderr
    out = done.stdout
    bad = {"a.py": "E003", "b.py": "E003", "pkg/up": "E003", "x.py": "E003", "dangling.py": "E003", "cookie.py": "E002"}
    if fmt == "json":
        assert {
            os.path.relpath(d["filename"], project): d["code"] for d in json.loads(out) if d["code"][0] == "E"
        } == bad
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["ruleId"] for r in results}
        assert {u.rsplit("/proj/", 1)[1]: c for u, c in uris.items() if c[0] == "E"} == bad
    else:
        for path, code in bad.items():
            line = f"{path}:1:1: {code}" if fmt != "full" else f"  --> {path}:1:1"
            assert line in out, (path, out)
        assert "gone.py" not in out.replace("'gone.py'", "")  # named by the link, the target only quoted


def test_ir_on_a_hostile_tree_reports_and_goes_on(project: Path) -> None:
    add_loops(project)
    os.mkfifo(project / "x.py")
    os.symlink("gone.py", project / "dangling.py")
    (project / "cookie.py").write_bytes(b"# -*- coding: nonexistent -*-\nx = 1\n")
    done = run_cli(project, "ir", ".")
    assert done.returncode == 1 and "internal error" not in done.stderr, done.stderr
    problems = sorted(line.split(": ", 1)[0] for line in done.stderr.splitlines())
    assert problems == [
        "a.py:1:1",
        "b.py:1:1",
        "cookie.py:1:1",
        "dangling.py:1:1",
        "pkg/up:1:1",
        "x.py:1:1",
    ], done.stderr
    assert "llm llm:sentiment@agent.py:" in done.stdout
