"""Bad input never raises: syntax errors (E001), undecodable bytes (E002), oversized files (E003), empty files."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.frontend import analyze_paths, analyze_source
from slmc.frontend import project as frontend_project

GOOD = "from openai import OpenAI\nclient = OpenAI()\n\ndef ask(q):\n    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _site_ids(graph) -> set[str]:
    return {s.id for s in graph.sites()}


def test_syntax_error_is_e001_with_line_and_other_files_still_analysed(tmp_path: Path) -> None:
    _write(tmp_path, "good.py", GOOD)
    _write(tmp_path, "broken_llm.py", "import openai\n\ndef f(:\n    pass\n")
    _write(tmp_path, "broken_plain.py", "x = 1\nif x\n    y = 2\n")
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    graph.verify()
    by_path = {d.path: d for d in diags}
    assert set(by_path) == {"broken_llm.py", "broken_plain.py"}
    assert all(d.code == "E001" and d.severity == "error" for d in diags)
    assert by_path["broken_llm.py"].line == 3
    assert by_path["broken_plain.py"].line == 2
    assert _site_ids(graph) == {"llm:ask@good.py:5"}  # `ask` has no caller: not a wrapper (CALLSITES.md)


def test_analyze_source_reports_syntax_error_without_raising() -> None:
    graph, diags = analyze_source("from openai import OpenAI\nclient.chat.completions.create(\n", "x.py")
    assert [d.code for d in diags] == ["E001"]
    assert diags[0].path == "x.py"
    assert len(graph) == 0


def test_non_utf8_is_e002_and_coding_cookie_is_honoured(tmp_path: Path) -> None:
    _write(tmp_path, "binary.py", b"import openai\nx = '\xff\xfe\xfa'\n")
    latin = "# -*- coding: latin-1 -*-\nfrom openai import OpenAI\nc = OpenAI()\nr = c.chat.completions.create(model='m', messages=[{'role': 'user', 'content': 'caf\xe9'}])\n"
    _write(tmp_path, "latin.py", latin.encode("latin-1"))
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    assert [(d.path, d.code, d.line) for d in diags] == [("binary.py", "E002", 2)]
    prompt = graph.prompt_of("llm:<module>@latin.py:4")
    assert prompt is not None and prompt.messages[0].static_text() == "café"


def test_empty_files_and_folders(tmp_path: Path) -> None:
    _write(tmp_path, "empty.py", "")
    _write(tmp_path, "__init__.py", "")
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    graph.verify()
    assert diags == [] and len(graph) == 0
    graph, diags = analyze_source("", "e.py")
    assert diags == [] and len(graph) == 0


def test_fifty_thousand_line_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An oversized LLM file is analysed within the time budget or skipped with E003; the others are analysed."""
    body = "".join(f"value_{i} = {i}\n" for i in range(50_000))
    _write(tmp_path, "huge_plain.py", body)  # not LLM-ish: only a syntax check
    _write(tmp_path, "huge_llm.py", "from openai import OpenAI\nclient = OpenAI()\n" + body)
    _write(tmp_path, "good.py", GOOD)
    # analysing this tree takes about 0.6 s on an idle core, most of it parse + index of the 50,003 lines: a budget
    # of 0.5 s sometimes held (no E003, the suite failed once); 0.02 s always fires
    monkeypatch.setattr(frontend_project, "LARGE_FILE_SECONDS", 0.02)
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    graph.verify()
    assert [(d.path, d.code) for d in diags] == [("huge_llm.py", "E003")], [d.message for d in diags]
    assert "50003 lines" in diags[0].message
    assert _site_ids(graph) == {"llm:ask@good.py:5"}  # `ask` has no caller: not a wrapper (CALLSITES.md)


def test_deeply_nested_expression_does_not_crash() -> None:
    code = "from openai import OpenAI\nx = " + "(" * 400 + "1" + ")" * 400 + "\n"
    graph, diags = analyze_source(code, "deep.py")
    graph.verify()
    assert all(d.code in ("E001", "E003") for d in diags)


def test_an_alarm_inside_the_tree_builder_is_a_skipped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CPython 3.11 reports an exception raised while ``ast.parse`` builds its tree (the large-file alarm firing during
    a garbage collection) as SystemError "AST constructor recursion depth mismatch": that is a file too large to
    analyse in time (E003), not a syntax error (E001) — the full suite saw E001 here."""
    import ast

    def interrupted(*args, **kwargs):
        try:
            raise TimeoutError
        except TimeoutError:
            raise SystemError("AST constructor recursion depth mismatch (before=147, after=168)") from None

    _write(tmp_path, "agent.py", "from openai import OpenAI\nclient = OpenAI()\n")
    monkeypatch.setattr(ast, "parse", interrupted)
    _, diags = analyze_paths([tmp_path], root=tmp_path)
    assert [(d.path, d.code) for d in diags] == [("agent.py", "E003")], [d.message for d in diags]


def test_inline_yaml_text_handed_to_a_data_loader_is_no_file_name(tmp_path: Path) -> None:
    """``yaml.safe_load(TEXT)`` on an inline document longer than a file name: no OSError, the site still reported."""
    lines = "\n".join(
        f"    key_{i}: a value that makes this inline document longer than any file name" for i in range(8)
    )
    source = (
        "import yaml\nfrom openai import OpenAI\nclient = OpenAI()\n"
        f'DOC = """\nroles:\n  writer:\n    goal: write\n{lines}\n"""\n\n'
        "def ask():\n"
        "    cfg = yaml.safe_load(DOC)\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': cfg['roles']['writer']['goal']}])\n"
    )
    _write(tmp_path, "inline_doc.py", source)
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    graph.verify()
    assert not [d for d in diags if "internal error" in d.message]
    assert any(s.id.startswith("llm:ask@inline_doc.py:") for s in graph.sites())


def test_factory_returning_a_class_or_a_dict_literal_does_not_crash(tmp_path: Path) -> None:
    """A module-level factory handing back an outside class on one path and a dict literal on another: its return
    values are compared, never hashed (a dict inside a value is unhashable); the request beside it is still found."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    _write(
        pkg,
        "factory.py",
        "import importlib\n\n\ndef pick_backend(kind):\n"
        "    if kind == 'remote':\n"
        "        return importlib.import_module('outside.backends').RemoteBackend\n"
        "    return {'kind': kind, 'local': True}\n",
    )
    _write(
        pkg,
        "app.py",
        "from openai import OpenAI\n\nfrom pkg.factory import pick_backend\n\nclient = OpenAI()\n\n\n"
        "def reply(text):\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n\n\n"
        "def setup(kind):\n"
        "    backend = pick_backend(kind)\n"
        "    return backend(client=client)\n",
    )
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    graph.verify()
    assert not [d for d in diags if "internal error" in d.message]
    assert any(s.id.startswith("llm:reply@pkg/app.py:") for s in graph.sites())


def test_an_error_reading_what_a_module_function_returns_is_reported_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of ours while asking what a module-level function returns: an internal-error diagnostic naming that
    function's file and line, and the analysis goes on to report the request."""
    from slmc.frontend import resolve

    real = resolve.Evaluator.returns_of

    def broken(self, key, *args, **kwargs):  # type: ignore[no-untyped-def]
        if key.endswith(":make_settings"):
            raise ValueError("boom")
        return real(self, key, *args, **kwargs)

    monkeypatch.setattr(resolve.Evaluator, "returns_of", broken)
    _write(tmp_path, "settings.py", "import os\n\n\ndef make_settings():\n    return {'model': os.environ['MODEL']}\n")
    _write(
        tmp_path,
        "app.py",
        "from openai import OpenAI\n\nfrom settings import make_settings\n\nclient = OpenAI()\n\n\n"
        "def configure():\n"
        "    return make_settings()\n\n\n"
        "def reply(text):\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n",
    )
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    internal = [d for d in diags if "internal error" in d.message]
    assert ("settings.py", 4) in {(d.path, d.line) for d in internal}  # the function itself, besides its call sites
    assert any(s.id.startswith("llm:reply@app.py:") for s in graph.sites())


def test_a_prompt_file_named_outside_the_analysed_tree_is_not_read(tmp_path: Path) -> None:
    """``open("../x.txt").read()`` or an absolute path as a prompt: slmc reads files only inside the tree it analyses,
    so text beside it never enters the IR or a report; the same read of a file inside the tree is the prompt."""
    (tmp_path / "beside.txt").write_text("OUTSIDE-SECRET-TEXT: summarise the ticket below.", encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "inside.txt").write_text("Classify the ticket into one of: billing, bug, other.", encoding="utf-8")
    _write(
        project,
        "agent.py",
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
        "def outside(ticket):\n"
        "    rules = open('../beside.txt').read()\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': rules + ticket}])\n\n\n"
        "def absolute(ticket):\n"
        f"    rules = open({str(tmp_path / 'beside.txt')!r}).read()\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': rules + ticket}])\n\n\n"
        "def inside(ticket):\n"
        "    rules = open('inside.txt').read()\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': rules + ticket}])\n",
    )
    graph, _ = analyze_paths([project], root=project)
    texts = {}
    for s in graph.sites():
        prompt = graph.prompt_of(s.id)
        texts[s.id.split("@")[0]] = " ".join(m.template() for m in prompt.messages) if prompt is not None else ""
    assert set(texts) == {"llm:outside", "llm:absolute", "llm:inside"}
    assert "Classify the ticket" in texts["llm:inside"]
    assert not any("OUTSIDE-SECRET" in t for t in texts.values())
