"""`--licence` has one meaning on every command that picks SLMs (analyze, compile), `--license` is the same option,
and `[tool.slmc] licence` and the select-slm pass read it the same way: any, permissive, or catalog licence ids."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import pytest

from slmc.analysis.catalog import find_model
from slmc.compiler.cli import main
from slmc.compiler.config import load_config
from slmc.compiler.settings import Settings
from slmc.errors import SlmcError

from .test_select_slm import TEXT, _graph, _select

COMMANDS = ("analyze", "compile")


def parse(command: str, *argv: str) -> argparse.Namespace:
    module = importlib.import_module(f"slmc.compiler.commands.{command}")
    parser = argparse.ArgumentParser(prog=f"slmc {command}")
    module.add_arguments(parser)
    return parser.parse_args(["agent.py", "--traces", "t.jsonl", *argv])


@pytest.mark.parametrize("command", COMMANDS)
def test_licence_and_license_mean_the_same_on_every_command(command: str, capsys) -> None:
    assert parse(command).licence is None  # not given: [tool.slmc] licence, else the default, any
    assert Settings.layered({"licence": parse(command).licence}).licence == "any"
    for flag in ("--licence", "--license"):
        assert parse(command, flag, "permissive").licence == "permissive"
        assert parse(command, flag, "Permissive").licence == "permissive"
        assert parse(command, flag, "mit, apache-2.0").licence == "MIT,Apache-2.0"
        assert parse(command, flag, "NVIDIA-Open-Model-License").licence == "NVIDIA-Open-Model-License"
    with pytest.raises(SystemExit) as info:
        parse(command, "--license", "GPL-3.0")
    err = capsys.readouterr().err
    assert info.value.code == 2 and "unknown licence 'GPL-3.0'" in err and "Apache-2.0" in err and "MIT" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_licence_fails_before_any_work(command: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # neither the agent nor the traces exist: the option is checked first
    with pytest.raises(SystemExit) as info:
        main([command, "agent.py", "--traces", "t.jsonl", "--license", "permissive,MIT"])
    assert info.value.code == 2 and "unknown licence 'permissive'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--debug", command, "--help"])
    assert "--licence LICENCE, --license LICENCE" in capsys.readouterr().out.replace("\n", " ").replace("  ", " ")


def test_select_slm_reads_the_same_values() -> None:
    reply = _graph(("reply", TEXT, 200))
    slm = _select(reply, licence="MIT")["reply"].slm
    assert find_model(slm.model).licence == "MIT"
    slm = _select(_graph(("reply", TEXT, 200)), licence=["mit", "Apache-2.0"])["reply"].slm  # a TOML list
    assert find_model(slm.model).licence in ("MIT", "Apache-2.0")
    assert "constraints: licence=MIT,Apache-2.0" in slm.reasons
    with pytest.raises(SlmcError, match="unknown licence"):
        _select(_graph(("reply", TEXT, 200)), licence="GPL")
    from slmc.analysis.catalog import parse_licence

    assert parse_licence(None) == "any" and parse_licence(["Permissive"]) == "permissive"


def test_config_licence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.slmc]\nlicence = ["mit", "apache-2.0"]\n')
    assert load_config([tmp_path]).options["licence"] == "MIT,Apache-2.0"
    (tmp_path / "pyproject.toml").write_text('[tool.slmc]\nlicence = "GPL"\n')
    with pytest.raises(SlmcError, match="licence: unknown licence 'GPL'") as info:
        load_config([tmp_path])
    assert info.value.line == 2
