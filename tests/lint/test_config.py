"""[tool.slmc] / [tool.slmc.lint] loading: discovery by walking up, every key, clear errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.compiler.config import DEFAULT_EXCLUDE, find_config, load_config, path_matches, resolve_codes
from slmc.errors import SlmcError

GOOD = """
[project]
name = "agent"

[tool.slmc]
target = "vllm"
gate-target = 0.97

[tool.slmc.lint]
select = ["SLM1", "secret-in-prompt"]
extend-select = ["SLM203"]
ignore = ["SLM102"]
per-file-ignores = { "tests/*" = ["SLM"], "legacy.py" = ["SLM101"] }
extend-exclude = ["generated"]
"""


def write(folder: Path, text: str, name: str = "pyproject.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_found_by_walking_up_and_parsed(tmp_path: Path) -> None:
    pyproject = write(tmp_path, GOOD)
    inner = tmp_path / "src" / "agent"
    inner.mkdir(parents=True)
    (inner / "a.py").write_text("x = 1\n")
    write(tmp_path / "src", "[project]\nname = 'inner, no slmc table'\n")  # skipped: no [tool.slmc]
    assert find_config(inner / "a.py") == pyproject.resolve()
    config = load_config([inner / "a.py"])
    assert config.path == pyproject.resolve() and config.root == tmp_path.resolve()
    assert config.options == {"target": "vllm", "gate_target": 0.97}
    lint = config.lint
    assert lint.enabled_codes() == {"SLM101", "SLM103", "SLM201", "SLM203"}
    assert lint.ignored_for("tests/unit/test_x.py") >= {"SLM101", "SLM201"}
    assert lint.ignored_for("pkg/legacy.py") == {"SLM101"} and lint.ignored_for("pkg/new.py") == set()
    assert lint.is_excluded("generated/x.py") and lint.is_excluded("a/.venv/lib.py", walk_root=".")
    assert not lint.is_excluded("agent/x.py") and not lint.is_excluded("agent/x.py", walk_root="agent")
    # a folder asked for explicitly is linted even inside an excluded one; folders below it are still excluded
    assert not lint.is_excluded(".venv/lib/pkg/mod.py", walk_root=".venv/lib/pkg")
    assert lint.is_excluded(".venv/lib/pkg/build/mod.py", walk_root=".venv/lib/pkg")


def test_defaults_without_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("")
    monkeypatch.chdir(tmp_path)
    config = load_config([Path("a.py")])
    assert config.path is None and config.root == tmp_path.resolve()
    assert "SLM101" in config.lint.enabled_codes() and "E001" in config.lint.enabled_codes()
    assert config.lint.exclude == DEFAULT_EXCLUDE


def test_explicit_slmc_toml_holds_the_table_at_top_level(tmp_path: Path) -> None:
    path = write(tmp_path, '[lint]\nignore = ["SLM3"]\n', "slmc.toml")
    config = load_config([tmp_path], path)
    assert "SLM301" not in config.lint.enabled_codes() and "SLM101" in config.lint.enabled_codes()


@pytest.mark.parametrize(
    ("text", "message", "line", "hint"),
    [
        (
            '[tool.slmc.lint]\nselct = ["SLM1"]\n',
            "unknown key 'selct' in [tool.slmc.lint]",
            2,
            "did you mean 'select'?",
        ),
        ('[tool.slmc]\ntargett = "hf"\n', "unknown key 'targett' in [tool.slmc]", 2, "did you mean 'target'?"),
        ('[tool.slmc.lint]\n\nignore = ["SLM1O1"]\n', "unknown rule code or name 'SLM1O1'", 3, "did you mean SLM101?"),
        ('[tool.slmc.lint]\nselect = "SLM1X"\n', "unknown rule code or name 'SLM1X'", 2, None),
        ("[tool.slmc.lint]\nselect = [1]\n", "select must be a list of strings", 2, None),
        ('[tool.slmc.lint]\nper-file-ignores = { "t/*" = ["NOPE"] }\n', "unknown rule code or name 'NOPE'", None, None),
        ("[tool.slmc]\ncpu-only = 1\n", "cpu-only must be bool, not int", 2, None),
        ("[tool.slmc\n", "invalid TOML", None, None),
    ],
)
def test_errors_name_the_file_and_line(
    tmp_path: Path, text: str, message: str, line: int | None, hint: str | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SlmcError) as info:
        load_config([tmp_path], path)
    err = info.value
    assert message in err.message and err.path == str(path.resolve())
    if line is not None:
        assert err.line == line
        assert str(err).startswith(f"{path.resolve()}:{line}: ")
    if hint:
        assert hint in (err.hint or "")


def test_missing_explicit_config(tmp_path: Path) -> None:
    with pytest.raises(SlmcError, match="not found"):
        load_config([tmp_path], tmp_path / "nope.toml")


def test_selectors() -> None:
    assert resolve_codes(["SLM2"]) == {"SLM201", "SLM202", "SLM203"}
    assert resolve_codes(["unpinned-model", "e00"]) == {"SLM301", "E001", "E002", "E003"}
    assert len(resolve_codes(["ALL"])) == 13
    with pytest.raises(SlmcError, match="unknown rule"):
        resolve_codes(["XYZ"])


def test_path_matching() -> None:
    assert path_matches("tests/a/b.py", "tests/*")
    assert path_matches("pkg/legacy.py", "legacy.py")
    assert path_matches("pkg/gen/x.py", "pkg/gen")
    assert path_matches("a/build/x.py", "build", components=True)
    assert not path_matches("a/build/x.py", "build")
    assert not path_matches("src/app.py", "tests/*")
