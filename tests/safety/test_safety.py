"""slmc.safety: slugs, joins that refuse escapes, and deletion of slmc-owned folders only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slmc.safety import (
    UnsafeInputError,
    UnsafePathError,
    check_slug,
    is_owned,
    is_slug,
    mark_owned,
    remove_owned,
    resolve_within,
    safe_join,
    to_slug,
)

HOSTILE = ["..", ".", "", "a/b", "a\nb", "$(touch X)", "`id`", "a;b", "x y", "é", "-rf", "a.b", "../../etc"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_not_slugs(name):
    assert not is_slug(name)
    with pytest.raises(UnsafeInputError):
        check_slug(name, "task")


@given(st.text(max_size=200))
def test_to_slug_always_gives_a_slug(text):
    s = to_slug(text)
    assert is_slug(s)
    assert len(s) <= 64


def test_to_slug_keeps_slugs_and_separates_lookalikes():
    assert to_slug("classify") == "classify"
    assert to_slug("a.b") != to_slug("a/b")
    assert to_slug("..") != to_slug(".")


def test_safe_join_refuses_escapes(tmp_path):
    assert safe_join(tmp_path, "a", "b.txt") == tmp_path / "a" / "b.txt"
    for bad in ["..", "../x", "/etc/passwd", "a/../../x", "", "a\x00b"]:
        with pytest.raises(UnsafePathError):
            safe_join(tmp_path, bad)
    (tmp_path / "out").symlink_to("/")
    with pytest.raises(UnsafePathError):
        safe_join(tmp_path, "out", "etc")


def test_resolve_within(tmp_path):
    assert resolve_within(tmp_path, "models/x") == (tmp_path / "models" / "x").resolve()
    with pytest.raises(UnsafePathError):
        resolve_within(tmp_path, "/tmp/evil")
    with pytest.raises(UnsafePathError):
        resolve_within(tmp_path, "../evil")
    assert resolve_within(tmp_path, "/tmp/evil", allow_outside=True) == Path(os.path.realpath("/tmp/evil"))


def test_remove_owned_only_removes_marked_folders(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "agent.py").write_text("x = 1\n")
    with pytest.raises(UnsafePathError):
        remove_owned(user)
    assert (user / "agent.py").exists()
    ours = tmp_path / "ours"
    mark_owned(ours, ["a.txt"])
    (ours / "a.txt").write_text("x")
    assert is_owned(ours)
    remove_owned(ours)
    assert not ours.exists()
    remove_owned(ours)  # missing is fine
    link = tmp_path / "link"
    link.symlink_to(ours.parent / "user")
    with pytest.raises(UnsafePathError):
        remove_owned(link)
