"""The result cache of `slmc lint`: an unchanged tree gives the last run's findings without analysing it again, and
any change to what the run read (a linted file, a template beside it, the config, the command, slmc itself) makes it
analyse again."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import slmc
import slmc.frontend
from slmc.compiler.cli import main
from slmc.lint import cache as lint_cache
from slmc.lint import lint_paths

SORTER = """from openai import OpenAI

llm = OpenAI()


def route(note: str) -> str:
    out = llm.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Answer with one word, spam or ham: {note}"}],
    )
    return out.choices[0].message.content
"""


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole-tree analyses `lint_paths` runs (a cache hit runs none); these small trees are cached."""
    monkeypatch.setattr(lint_cache, "MIN_CACHED_BYTES", 0)
    calls: list[int] = []
    real = slmc.frontend.analyze_paths

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(slmc.frontend, "analyze_paths", counting)
    return calls


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.slmc.lint]\nignore = []\n")
    (root / "sorter.py").write_text(SORTER)
    (root / "notes.py").write_text("def shout(x: str) -> str:\n    return x.upper()\n")
    return root


def _codes(report) -> list[tuple[str, int, str]]:
    return [(d.path, d.line, d.code) for d in report.diagnostics]


def test_unchanged_tree_is_not_analysed_again(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    cache = tmp_path / "cache"
    first = lint_paths([tree], cache=cache)
    assert analyses == [1] and first.diagnostics, "the sorter's call is reported"
    again = lint_paths([tree], cache=cache)
    assert analyses == [1], "the second run came from the cache"
    assert again.diagnostics == first.diagnostics
    assert [d.data for d in again.diagnostics] == [d.data for d in first.diagnostics]
    assert again.suppressed == first.suppressed and again.files == first.files
    assert again.graph is None and first.graph is not None
    paths = {d.path for d in first.diagnostics}
    assert {p: again.sources[p] for p in paths} == {p: first.sources[p] for p in paths}


def test_no_cache_by_default_in_the_api(tree: Path, analyses: list[int]) -> None:
    lint_paths([tree])
    lint_paths([tree])
    assert analyses == [1, 1]


def test_changed_python_file_is_analysed_again(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    cache = tmp_path / "cache"
    before = lint_paths([tree], cache=cache)
    (tree / "sorter.py").write_text(SORTER.replace("spam or ham", "spam or ham   ") + "\n# edited\n")
    after = lint_paths([tree], cache=cache)
    assert analyses == [1, 1]
    assert after.diagnostics and after.graph is not None
    (tree / "sorter.py").write_text("def route(note):\n    return note\n")  # the call is gone: so is the finding
    gone = lint_paths([tree], cache=cache)
    assert analyses == [1, 1, 1]
    assert not [d for d in gone.diagnostics if d.path == "sorter.py"]
    assert before.diagnostics != gone.diagnostics


def test_new_and_removed_files_are_analysed_again(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    cache = tmp_path / "cache"
    lint_paths([tree], cache=cache)
    (tree / "second.py").write_text(SORTER)
    added = lint_paths([tree], cache=cache)
    assert analyses == [1, 1]
    assert any(d.path == "second.py" for d in added.diagnostics)
    (tree / "second.py").unlink()
    removed = lint_paths([tree], cache=cache)
    assert analyses == [1, 1, 1]
    assert not any(d.path == "second.py" for d in removed.diagnostics)


def test_changed_data_file_is_analysed_again(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    """The analysis reads prompt templates and data files too: a change there is a change of the run."""
    cache = tmp_path / "cache"
    (tree / "prompt.txt").write_text("Answer with one word.")
    lint_paths([tree], cache=cache)
    lint_paths([tree], cache=cache)
    assert analyses == [1]
    (tree / "prompt.txt").write_text("Answer with one word, please, and nothing more.")
    lint_paths([tree], cache=cache)
    assert analyses == [1, 1]


def test_config_change_is_analysed_again(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    cache = tmp_path / "cache"
    first = lint_paths([tree], cache=cache)
    code = first.diagnostics[0].code
    (tree / "pyproject.toml").write_text(f'[tool.slmc.lint]\nignore = ["{code}"]\n')
    second = lint_paths([tree], cache=cache)
    assert analyses == [1, 1]
    assert code not in {d.code for d in second.diagnostics}
    third = lint_paths([tree], cache=cache, ignore=[first.diagnostics[-1].code])  # the command line is part of it
    assert analyses == [1, 1, 1]
    assert first.diagnostics[-1].code not in {d.code for d in third.diagnostics}


def test_slmc_version_change_is_analysed_again(
    tree: Path, tmp_path: Path, analyses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    lint_paths([tree], cache=cache)
    monkeypatch.setattr(slmc, "__version__", slmc.__version__ + ".post1")
    lint_paths([tree], cache=cache)
    assert analyses == [1, 1]
    lint_paths([tree], cache=cache)
    assert analyses == [1, 1]


def test_damaged_or_foreign_entries_are_misses(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    cache = tmp_path / "cache"
    first = lint_paths([tree], cache=cache)
    (entry,) = list(cache.glob("*.json"))
    for damage in ("", "{not json", '{"format": 1}', '{"format": 1, "key": 3, "diagnostics": [1]}', "[]"):
        entry.write_text(damage)
        report = lint_paths([tree], cache=cache)
        assert report.diagnostics == first.diagnostics
    assert len(analyses) == 6
    entry.unlink()
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    entry.symlink_to(target)  # an entry that is a link is never followed
    assert lint_paths([tree], cache=cache).diagnostics == first.diagnostics
    assert len(analyses) == 7


def test_entry_names_never_come_from_the_tree(tmp_path: Path, analyses: list[int]) -> None:
    root = tmp_path / "odd"
    (root / "..x" / "a b").mkdir(parents=True)
    (root / "..x" / "a b" / "we ird;$(x).py").write_text(SORTER)
    cache = tmp_path / "cache"
    lint_paths([root], cache=cache)
    names = [p.name for p in cache.iterdir()]
    assert names and all(re.fullmatch(r"[0-9a-f]{40}\.json", n) for n in names)


def test_cli_uses_the_cache_unless_told_not_to(
    tree: Path, tmp_path: Path, analyses: list[int], capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    cache = tmp_path / "cli-cache"
    args = ["lint", str(tree), "--output-format", "concise", "--exit-zero", "--cache-dir", str(cache)]
    assert main(args) == 0
    cold = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == cold and analyses == [1]
    assert main([*args, "--no-cache"]) == 0
    assert capsys.readouterr().out == cold and analyses == [1, 1]
    monkeypatch.setenv("SLMC_NO_CACHE", "1")
    assert main(args) == 0
    assert capsys.readouterr().out == cold and analyses == [1, 1, 1]
    assert os.listdir(cache)


def test_installed_environments_are_not_walked(tree: Path, tmp_path: Path, analyses: list[int]) -> None:
    """A virtual environment or node_modules inside the project is not its input: changes there keep the entry,
    while the same change in a project folder does not."""
    cache = tmp_path / "cache"
    venv = tree / "env"
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tree / "node_modules").mkdir()
    (tree / "docs").mkdir()
    lint_paths([tree], cache=cache, extend_exclude=["env"])
    (venv / "lib" / "installed.txt").write_text("a package file")
    (tree / "node_modules" / "index.js").write_text("module.exports = 1;\n")
    lint_paths([tree], cache=cache, extend_exclude=["env"])
    assert analyses == [1]
    (tree / "docs" / "prompt.md").write_text("a prompt")
    lint_paths([tree], cache=cache, extend_exclude=["env"])
    assert analyses == [1, 1]


def test_small_runs_are_not_cached(tree: Path, tmp_path: Path, analyses: list[int], monkeypatch) -> None:
    """A run over a little Python is about as fast as taking its key: nothing is stored, nothing walked."""
    monkeypatch.setattr(lint_cache, "MIN_CACHED_BYTES", 100_000)
    walked: list[Path] = []
    monkeypatch.setattr(lint_cache, "_tree_fingerprint", lambda root, linted, digest: walked.append(root) or True)
    cache = tmp_path / "cache"
    first = lint_paths([tree], cache=cache)
    second = lint_paths([tree], cache=cache)
    assert analyses == [1, 1] and not walked and not cache.exists()
    assert first.diagnostics == second.diagnostics


def test_pruning_deletes_only_what_slmc_wrote(tree: Path, tmp_path: Path, analyses: list[int], monkeypatch) -> None:
    """A `--cache-dir` pointed at a folder holding the user's own JSON files: pruning old entries never touches them."""
    monkeypatch.setattr(lint_cache, "MAX_ENTRIES", 1)
    cache = tmp_path / "mine"
    cache.mkdir()
    own = [cache / "settings.json", cache / ("a" * 40 + ".JSON"), cache / ("b" * 39 + ".json")]
    for i, path in enumerate(own):
        path.write_text("{}")
        os.utime(path, ns=(i, i))  # older than any entry slmc writes
    stale = cache / ("c" * 40 + ".json")  # an old entry of slmc's own: past MAX_ENTRIES, so pruned
    stale.write_text("{}")
    os.utime(stale, ns=(0, 0))
    lint_paths([tree], cache=cache)
    assert analyses == [1]
    assert all(p.exists() for p in own)
    assert not stale.exists()
    assert len([p for p in cache.iterdir() if re.fullmatch(r"[0-9a-f]{40}\.json", p.name)]) == 1
