"""The frontend's text filters read a whole tree, so they use fast forms of rules stated as regexes; each fast form
must decide exactly what its regex decides, on real forms and on generated text full of near misses:

* the pre-filter (``clients.prefilter`` = ``clients.PREFILTER.search``),
* later rounds pick a file when its import lines mention an exporting module: the file's import words (read once)
  against the module names = ``export_pattern(names).search``,
* ``_references`` finds names as whole words (= the ``\\b(names)\\b`` regex),
* ``_split_strings`` splits an implicitly concatenated literal (= a character-by-character scan)."""

from __future__ import annotations

import bisect
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slmc.frontend import clients
from slmc.frontend.project import _IMPORT_STMT, _import_words, _references, export_pattern
from slmc.frontend.syntax import _QUOTES, _split_strings

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["llm", "client", "agents", "core", "é_mod"]

IMPORT_CASES = [
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


def _words_pick(text: str, names: set[str]) -> bool:
    return not names.isdisjoint(_import_words(text))


def test_known_import_forms() -> None:
    for text, names, expected in IMPORT_CASES:
        assert (export_pattern(names).search(text) is not None) is expected, text
        assert _words_pick(text, names) is expected, text


IMPORT_TOKENS = st.sampled_from(
    ["from", "import", " ", "  ", "\t", "\n", "\r\n", ".", ",", "(", ")", "#", "=", "as", "x", "_", "1", *NAMES]
)


@SETTINGS
@given(st.lists(IMPORT_TOKENS, max_size=40).map("".join), st.sets(st.sampled_from(NAMES), min_size=1))
def test_import_words_pick_what_the_regex_picks(text: str, names: set[str]) -> None:
    assert _words_pick(text, names) == (export_pattern(names).search(text) is not None)


# ---- pre-filter ---------------------------------------------------------------------------------------------------
def test_prefilter_known_texts() -> None:
    assert clients.prefilter("from openai import OpenAI\n")
    assert clients.prefilter('URL = "http://host/v1/messages"\n')
    assert clients.prefilter("import replicate\n")
    assert not clients.prefilter("replicated = 1\n")  # a whole word only
    assert not clients.prefilter("import os\n\nprint('hello')\n")
    assert clients.prefilter("from zai import ZaiClient\n") and not clients.prefilter("bazai = 1\n")


PREFILTER_TOKENS = st.sampled_from(
    [*clients.PREFILTER_TEXTS, *clients.PREFILTER_WORDS, "x", "_", " ", "\n", ".", "/", "é", "1", "open", "ai"]
)


@SETTINGS
@given(st.lists(PREFILTER_TOKENS, max_size=12).map("".join))
def test_prefilter_is_the_regex(text: str) -> None:
    assert clients.prefilter(text) == (clients.PREFILTER.search(text) is not None)


# ---- references -----------------------------------------------------------------------------------------------------
def _references_by_regex(texts: dict[str, str], names: set[str], inits: set[str]) -> dict:
    loose = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names))) + r")\b")
    out: dict[str, list[tuple[str, int]]] = {}
    for mod_name, text in texts.items():
        skip = [] if mod_name in inits else [(m.start(), m.end()) for m in _IMPORT_STMT.finditer(text)]
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        for m in loose.finditer(text):
            if any(a <= m.start() < b for a, b in skip) or re.search(
                r"\bdef[ \t]+$", text[max(0, m.start() - 12) : m.start()]
            ):
                continue
            out.setdefault(m.group(1), []).append((mod_name, bisect.bisect_right(starts, m.start())))
    return out


REF_TOKENS = st.sampled_from(
    [
        *("ask", "ask_llm", "_ask", "run", "def ", "import ", "from m ", " ", "\n", ".", "(", "é", "·", "ask·x"),
        *("1", "²", "askask", "sss", "ss"),  # a digit the regex reads as \\w; names inside longer runs of themselves
    ]
)


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(["a", "b", "pkg.__init__"]), st.lists(REF_TOKENS, max_size=30).map("".join)),
    st.sets(st.sampled_from(["ask", "ask_llm", "run", "éask", "ask·x", "ss"]), min_size=1),  # "·" is not \\w: the regex
)
def test_references_are_the_regex_occurrences(texts: dict[str, str], names: set[str]) -> None:
    inits = {"pkg.__init__"}
    assert _references(texts, names, inits) == _references_by_regex(texts, names, inits)


# ---- string literals ------------------------------------------------------------------------------------------------
def _split_by_scan(text: str) -> list[str]:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\f\r\n\\()":
            i += 1
            continue
        if text[i] == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        start = i
        while i < n and text[i] in "rRbBuUfF":
            i += 1
        quote = next((q for q in _QUOTES if text.startswith(q, i)), None)
        if quote is None:
            return [text]
        i += len(quote)
        while i < n and not text.startswith(quote, i):
            i += 2 if text[i] == "\\" else 1
        i += len(quote)
        out.append(text[start:i])
    return out


def test_split_known_literals() -> None:
    assert _split_strings("'a' \"b\"") == ["'a'", '"b"']
    assert _split_strings("(\n    f'x {y}'  # note\n    r'\\d'\n)") == ["f'x {y}'", "r'\\d'"]
    assert _split_strings("'it\\'s' '''multi\n''' ") == ["'it\\'s'", "'''multi\n'''"]


@SETTINGS
@given(st.lists(st.sampled_from(["'", '"', "'''", '"""', "\\", "a", " ", "\n", "#", "(", ")", "f", "r"]), max_size=30))
def test_split_is_the_character_scan(parts: list[str]) -> None:
    text = "".join(parts)
    assert _split_strings(text) == _split_by_scan(text)


def test_split_one_token_fast_path() -> None:
    """One token without escapes is returned whole; a quote closing early (``'a' 'b'``, an unterminated tail after
    an empty triple-quoted string) sends the text to the scan, which splits it."""
    for text in ["'a'", '""', '""""""', "rb'x y'", "f'''a ' '' b'''", '"""a "" b"""', "'a' 'b'", '"""""""', "'a'  # c"]:
        assert _split_strings(text) == _split_by_scan(text), text
    assert _split_strings("'a' 'b'") == ["'a'", "'b'"]
    assert _split_strings('"""""""') == ['""""""', '"']
