"""`slmc lint` and `slmc ir` end to end: output formats, exit codes, config, and no heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.compiler.cli import main
from slmc.ir import loads

from .conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("frontend")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project: one agent with findings, one clean module; cwd is its root."""
    (tmp_path / "agent.py").write_text((FIXTURES / "reliability.py").read_text())
    (tmp_path / "clean.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint(capsys, "clean.py")[0] == 0
    code, out, _ = lint(capsys, ".")
    assert code == 1 and "agent.py:" in out and "clean.py" not in out
    assert lint(capsys, ".", "--exit-zero")[0] == 0
    code, _, err = lint(capsys, ".", "--select", "SLM8")
    assert code == 2 and "unknown rule code or name 'SLM8'" in err
    assert lint(capsys, "missing.py")[0] == 2
    with pytest.raises(SystemExit) as info:
        main(["lint", "--output-format", "xml"])
    assert info.value.code == 2


def test_full_and_concise(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = lint(capsys, "agent.py")
    assert "  --> agent.py:" in out and "\nhelp: " in out and " | " in out and out.rstrip().endswith("findings.")
    _, out, _ = lint(capsys, "agent.py", "--output-format", "concise")
    lines = out.strip().splitlines()
    assert all(line.startswith("agent.py:") for line in lines[:-1])
    assert lines[-1] == f"Found {len(lines) - 1} findings."


def test_json_sarif_github(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = lint(capsys, ".", "--output-format", "json")
    data = json.loads(out)
    assert data and {d["filename"] for d in data} == {str(project.resolve() / "agent.py")}
    assert {"code", "name", "message", "severity", "location", "end_location", "fix"} <= data[0].keys()
    _, out, _ = lint(capsys, ".", "--output-format", "sarif")
    doc = json.loads(out)
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert len(results) == len(data)
    assert all(r["ruleId"] and r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results)
    _, out, _ = lint(capsys, ".", "--output-format", "github")
    assert all(line.startswith(("::notice ", "::warning ", "::error ")) for line in out.strip().splitlines())


def test_select_ignore_statistics(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = lint(capsys, ".", "--statistics", "--select", "SLM3")
    codes = {line.split("\t")[1] for line in out.strip().splitlines()}
    assert codes and all(c.startswith("SLM3") for c in codes)
    _, out, _ = lint(capsys, ".", "--output-format", "json", "--ignore", "SLM1,SLM3")
    assert {d["code"] for d in json.loads(out)} == {"SLM203"}


def test_config_in_pyproject(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.slmc.lint]\nselect = ["SLM301"]\nper-file-ignores = {"clean.py" = ["ALL"]}\n'
    )
    _, out, _ = lint(capsys, ".", "--output-format", "json")
    assert {d["code"] for d in json.loads(out)} == {"SLM301"}
    (project / "pyproject.toml").write_text('[tool.slmc.lint]\nselect = ["SLM301"]\nexclude = ["agent.py"]\n')
    assert lint(capsys, ".")[0] == 0
    (project / "pyproject.toml").write_text("[tool.slmc.lint]\nselekt = []\n")
    code, _, err = lint(capsys, ".")
    assert code == 2 and f"{project.resolve() / 'pyproject.toml'}:2: unknown key 'selekt'" in err
    other = project / "other.toml"
    other.write_text('[lint]\nselect = ["SLM203"]\n')
    _, out, _ = lint(capsys, ".", "--config", str(other), "--output-format", "json")
    assert {d["code"] for d in json.loads(out)} == {"SLM203"}


def test_syntax_error_is_a_finding_and_others_still_lint(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.py").write_text("def f(:\n")
    code, out, _ = lint(capsys, ".", "--output-format", "concise")
    assert code == 1 and "broken.py:1:" in out and " E001 " in out and "agent.py:" in out


def test_lint_never_imports_heavy_ml_libraries(project: Path) -> None:
    script = (
        "import sys\n"
        "from slmc.compiler.cli import main\n"
        "code = main(['lint', '.', '--output-format', 'json'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'torch', 'transformers', 'sklearn', 'numpy'})\n"
        "print('HEAVY', heavy, code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY [] 1"


def test_ir_text_json_and_pipeline(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ir", "agent.py"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("slmc.ir v1\n") and "llm llm:sentiment@agent.py:" in text and "triage =" not in text
    assert main(["ir", "agent.py", "--pipeline", "triage"]) == 0
    text = capsys.readouterr().out
    assert "facts sites triage" in text and '"verdict": "narrow"' in text
    assert main(["ir", "agent.py", "--json", "--pipeline", "triage"]) == 0
    graph = loads(capsys.readouterr().out)
    assert all(s.triage is not None for s in graph.sites())
    assert main(["ir", "agent.py", "--pipeline", "triage", "--print-ir-after-all"]) == 0
    text = capsys.readouterr().out
    assert "// ----- IR after frontend -----" in text and "// ----- IR after triage -----" in text
    assert main(["ir", "agent.py", "--pipeline", "nope"]) == 2
    assert "unknown pass 'nope'" in capsys.readouterr().err
