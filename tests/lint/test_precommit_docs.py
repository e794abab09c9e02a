"""The published pre-commit hook and the README's instructions: the hook runs `slmc lint` on Python files, and every
`rev:` they give exists (a tag of this repository) or is a commit-sha pin, which always does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REV = re.compile(r"^\s*#?\s*rev:\s*(?P<rev>\S+)", re.MULTILINE)
SHA_PIN = "<40-character commit sha>"


def _tags() -> set[str]:
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "tag"], capture_output=True, text=True, timeout=30)
    except OSError:
        return set()
    return set(done.stdout.split()) if done.returncode == 0 else set()


def test_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "slmc-lint" and hook["entry"] == "slmc lint" and hook["language"] == "python"
    assert hook["types"] == ["python"]


def test_every_rev_given_exists_or_is_a_commit_pin() -> None:
    tags = _tags()
    texts = {name: (ROOT / name).read_text() for name in (".pre-commit-hooks.yaml", "README.md")}
    for name, text in texts.items():
        revs = [m.group("rev") for m in REV.finditer(text)]
        assert revs, f"{name} gives no rev:"
        for rev in revs:
            is_pin = rev == "<40-character" or re.fullmatch(r"[0-9a-f]{40}", rev)
            assert is_pin or rev in tags, f"{name}: rev {rev!r} is neither a commit sha nor an existing tag"
        assert SHA_PIN in text and "git ls-remote" in text  # how to get the sha to pin
