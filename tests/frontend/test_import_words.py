"""The frontend's later rounds pick a file when its import lines mention an exporting module. They compare each file's
import words (read once) with the module names; ``export_pattern`` is the regex that states the rule. Both must pick
the same files, on real import forms and on generated text full of near misses."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slmc.frontend.project import _import_words, export_pattern

NAMES = ["llm", "client", "agents", "core", "é_mod"]

CASES = [
    ("from pkg.llm import ask\n", {"llm"}, True),
    ("from pkg.llmx import ask\n", {"llm"}, False),
    ("from .llm import ask\n", {"llm"}, True),
    ("    from pkg import (\n        other,\n        llm,\n    )\n", {"llm"}, True),
    ("from pkg import (other) ; llm\n", {"llm"}, True),  # the rest of the line counts too
    ("from pkg import (\n    other,\n) ; llm\n", {"llm"}, False),
    ("from pkg import (other)\nllm = 1\n", {"llm"}, False),
    ("import os, pkg.llm as l\n", {"llm"}, True),
    ("importllm\nimport_llm = 1\n", {"llm"}, False),
    ("x = 1  # from llm import a\n", {"llm"}, False),
    ('"""\nfrom llm import a\n"""\n', {"llm"}, True),  # text, as the regex reads it
    ("from\tllm\n", {"llm"}, True),
    ("from llm\n", {"client"}, False),
    ("from é_mod import a\n", {"é_mod"}, True),
]


def _regex_picks(text: str, names: set[str]) -> bool:
    return export_pattern(names).search(text) is not None


def _words_pick(text: str, names: set[str]) -> bool:
    return not names.isdisjoint(_import_words(text))


def test_known_import_forms() -> None:
    for text, names, expected in CASES:
        assert _regex_picks(text, names) is expected, text
        assert _words_pick(text, names) is expected, text


TOKENS = st.sampled_from(
    ["from", "import", " ", "  ", "\t", "\n", "\r\n", ".", ",", "(", ")", "#", "=", "as", "x", "_", "1", *NAMES]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=40).map("".join), st.sets(st.sampled_from(NAMES), min_size=1))
def test_words_pick_what_the_regex_picks(text: str, names: set[str]) -> None:
    assert _words_pick(text, names) == _regex_picks(text, names)
