from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from slmc.compiler.cli import COMMANDS, main
from slmc.lint.rules import ALL_RULES

GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).resolve().parents[2]


def test_rule_doc_golden(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "SLM101"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "rule_SLM101.txt").read_text()
    assert main(["rule", "offloadable-call"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "rule_SLM101.txt").read_text()


def test_rule_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in ALL_RULES]
    assert lines[0].split()[:3] == ["SLM101", "offloadable-call", "info"]
    assert main(["rule", "--list", "--output-format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[3]["code"] == "SLM201" and data[3]["severity"] == "error"


def test_unknown_rule_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "SLM1O1"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'SLM1O1'" in err and "did you mean SLM101?" in err
    assert main(["rule"]) == 2


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "slmc-lint"]
    assert {"id", "name", "entry", "language"} <= hook.keys()
    assert hook["entry"] == "slmc lint" and hook["language"] == "python" and hook["types"] == ["python"]
    assert hook["entry"].split()[1] in COMMANDS
