"""Output formats on real diagnostics from a hand-built graph and a real source file."""

from __future__ import annotations

import json
from pathlib import Path

from slmc.compiler.render import PathStyle, render, render_statistics, sarif_document
from slmc.ir import AgentGraph
from slmc.lint.checker import check_graph

from .builders import add_site

LINES = [
    "def classify(text):",
    "    return client.chat.completions.create(messages=m, temperature=0)",
    "",
]


def diagnostics():
    g = AgentGraph()
    add_site(g, "classify", 2, path="pkg/agent.py", system="Classify: one of a, b, c.", model="gpt-4o", options={})
    return check_graph(g)


def test_concise_and_full(tmp_path: Path) -> None:
    diags = diagnostics()
    text = render(diags, "concise", root=tmp_path, cwd=tmp_path)
    first = text.splitlines()[0]
    assert first.startswith("pkg/agent.py:2:5: SLM101 Narrow LLM call")
    assert text.splitlines()[-1] == "Found 3 findings."
    full = render(diags, "full", root=tmp_path, cwd=tmp_path, lines_of=lambda p: LINES, suppressed=2)
    block = full.split("\n\n")[0].splitlines()
    assert block[0].startswith("SLM101 Narrow LLM call")
    assert block[1] == "  --> pkg/agent.py:2:5"
    assert block[2:6] == [
        "  |",
        "1 | def classify(text):",
        "2 |     return client.chat.completions.create(messages=m, temperature=0)",
        "  |     " + "^" * 35,
    ]
    assert block[-1].startswith("help: Record its traffic")
    assert full.endswith("Found 3 findings. (2 suppressed by `noqa` comments)")
    assert render([], "concise", root=tmp_path) == "All checks passed!"


def test_paths_outside_the_working_directory_are_absolute(tmp_path: Path) -> None:
    style = PathStyle(tmp_path / "proj", cwd=tmp_path / "elsewhere")
    assert style.display("a.py") == str((tmp_path / "proj" / "a.py").resolve())
    assert PathStyle(tmp_path, cwd=tmp_path).display("a/b.py") == "a/b.py"


def test_json(tmp_path: Path) -> None:
    data = json.loads(render(diagnostics(), "json", root=tmp_path))
    assert [d["code"] for d in data] == ["SLM101", "SLM203", "SLM301"]
    first = data[0]
    assert first["filename"] == str((tmp_path / "pkg/agent.py").resolve())
    assert first["location"] == {"row": 2, "column": 5} and first["name"] == "offloadable-call"
    assert first["severity"] == "info" and first["fix"]["message"] and first["site"] == "llm:classify@pkg/agent.py:2"
    assert first["data"]["verdict"] == "narrow"


def test_sarif_structure(tmp_path: Path) -> None:
    doc = json.loads(render(diagnostics(), "sarif", root=tmp_path))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "slmc" and {"SLM101", "SLM303", "E001"} <= {r["id"] for r in rules}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"} and result["message"]["text"]
        (loc,) = result["locations"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("file://")
        assert loc["physicalLocation"]["region"]["startLine"] == 2
    assert [r["level"] for r in run["results"]] == ["note", "warning", "warning"]
    assert sarif_document([], PathStyle(tmp_path))["runs"][0]["results"] == []


def test_github(tmp_path: Path) -> None:
    lines = render(diagnostics(), "github", root=tmp_path, cwd=tmp_path).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("::notice title=slmc (SLM101),file=pkg/agent.py,line=2,col=5,endLine=2,endColumn=40::")
    assert "%0A  help: " in lines[0] and "\n" not in lines[0]
    assert lines[1].startswith("::warning title=slmc (SLM203)")


def test_statistics() -> None:
    diags = diagnostics() + diagnostics()[:1]
    assert render_statistics(diags).splitlines() == [
        "2\tSLM101\toffloadable-call\tinfo",
        "1\tSLM203\tunbounded-output\twarning",
        "1\tSLM301\tunpinned-model\twarning",
    ]
