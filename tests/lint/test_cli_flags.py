"""`slmc lint` flags after ruff's: noqa forms and unused-noqa (SLM901), stdin, -q/-s/-v, colour, --output-file,
--extend-ignore, --exclude/--extend-exclude, --fail-on and --debug after the subcommand. Each runs the real CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.compiler.cli import main
from slmc.testing.terminal import run_on_tty

pytestmark = pytest.mark.usefixtures("frontend")

REPO = Path(__file__).resolve().parents[2]

# One narrow call, pinned, capped, temperature 0: only SLM101 (info).
INFO_ONLY = """from openai import OpenAI

client = OpenAI()


def is_spam(text: str) -> bool:
    resp = client.chat.completions.create(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": f"Answer yes or no: is this spam?\\n{text}"}],
        temperature=0,
        max_tokens=3,
    )
    return resp.choices[0].message.content.strip().lower() == "yes"
"""
# The same call without max_tokens: SLM101 (info) + SLM203 (warning), both reported at line 7.
WARNING = INFO_ONLY.replace("        max_tokens=3,\n", "")
CALL = "    resp = client.chat.completions.create("


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "info.py").write_text(INFO_ONLY)
    (tmp_path / "warn.py").write_text(WARNING)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("SLMC_OUTPUT_FORMAT", raising=False)
    return tmp_path


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def codes(out: str) -> list[tuple[int, str]]:
    """(line, code) of concise output lines."""
    found = []
    for line in out.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and parts[1].isdigit():
            found.append((int(parts[1]), parts[3].split()[0]))
    return found


def with_comment(source: str, comment: str) -> str:
    return source.replace(CALL, f"{CALL}  {comment}")


# ---- noqa ---------------------------------------------------------------------------------------------------------
def test_ruff_noqa_form_suppresses_like_slmc_noqa(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "a.py").write_text(with_comment(WARNING, "# noqa: SLM203, E501"))
    code, out, _ = lint(capsys, "a.py", "--output-format", "concise")
    assert codes(out) == [(7, "SLM101")] and "(1 suppressed by `noqa` comments)" in out and code == 0
    (project / "b.py").write_text(with_comment(WARNING, "# noqa"))  # blanket, as ruff and flake8 read it
    code, out, _ = lint(capsys, "b.py", "--output-format", "concise")
    assert codes(out) == [] and code == 0 and "(2 suppressed" in out
    (project / "c.py").write_text(with_comment(WARNING, "# noqa: E501"))  # another tool's code: not ours
    _, out, _ = lint(capsys, "c.py", "--output-format", "concise")
    assert codes(out) == [(7, "SLM101"), (7, "SLM203")]
    (project / "d.py").write_text(with_comment(WARNING, "# noqa:SLM203,SLM101"))
    assert codes(lint(capsys, "d.py", "--output-format", "concise")[1]) == []
    (project / "e.py").write_text(with_comment(WARNING, "# slmc: noqa: SLM2"))  # slmc form keeps prefixes
    assert codes(lint(capsys, "e.py", "--output-format", "concise")[1]) == [(7, "SLM101")]


def test_noqa_inside_a_string_is_text_not_a_directive(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = WARNING.replace(
        'f"Answer yes or no: is this spam?\\n{text}"',
        'f"Answer yes or no (# noqa, # slmc: noqa): is this spam?\\n{text}"',
    )
    assert "(# noqa, # slmc: noqa)" in source.splitlines()[8]  # inside the call's lines, but in a string
    (project / "s.py").write_text(source)
    _, out, _ = lint(capsys, "s.py", "--output-format", "concise")
    assert codes(out) == [(7, "SLM101"), (7, "SLM203")]


def test_unused_noqa_in_a_file_without_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # no slmc finding in these files: a directive naming one of slmc's input-error codes in ruff's form is still
    # stale, one naming only other tools' codes (or a code inside a string) belongs to them
    (project / "other.py").write_text('a = 1  # noqa: E501\nb = 2  # noqa: E002\nc = "# noqa: E003"\n')
    (project / "plain.py").write_text("import os  # noqa: F401, E501\nd = 4  # NOQA\n")
    _, out, _ = lint(capsys, "other.py", "plain.py", "--output-format", "concise")
    assert codes(out) == [(2, "SLM901")]
    assert "other.py:2:" in out and "(unused: `E002`)" in out


def test_unused_noqa_is_reported_as_slm901(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = with_comment(INFO_ONLY, "# slmc: noqa: SLM101, SLM203, SLM999") + (
        "\n\nx = 1  # slmc: noqa\ny = 2  # noqa\nz = 3  # noqa: F401, SLM302\nw = 4  # noqa: SLM302, SLM901\n"
    )
    (project / "u.py").write_text(source)
    code, out, _ = lint(capsys, "u.py", "--output-format", "concise")
    lines = {line.split(": ", 1)[1] for line in out.splitlines() if "SLM901" in line}
    assert lines == {
        "SLM901 Unused `# slmc: noqa` directive (unused: `SLM203`; unknown: `SLM999`)",
        "SLM901 Unused `# slmc: noqa` directive (suppresses nothing: no slmc finding is reported on this line)",
        "SLM901 Unused `# noqa` directive (unused: `SLM302`)",
    }  # line 17's bare directive belongs to other linters; line 19 names SLM901 itself
    assert [line for line, c in codes(out) if c == "SLM901"] == [7, 16, 18]
    assert code == 1  # SLM901 is a warning
    assert codes(lint(capsys, "u.py", "--output-format", "concise", "--ignore", "SLM901")[1]) == []
    # a code of a rule switched off is not stale
    _, out, _ = lint(capsys, "u.py", "--output-format", "concise", "--ignore", "SLM203,SLM302")
    assert "unused: `SLM203`" not in out and "unknown: `SLM999`" in out and "(unused: `SLM302`)" not in out
    data = json.loads(lint(capsys, "u.py", "--output-format", "json")[1])
    first = next(d for d in data if d["code"] == "SLM901")
    assert first["name"] == "unused-noqa" and first["severity"] == "warning" and first["location"]["column"] == 45
    assert main(["rule", "SLM901"]) == 0
    doc = capsys.readouterr().out
    assert doc.startswith("# unused-noqa (SLM901)") and "never reported" in doc
    assert main(["rule", "unused-noqa"]) == 0


# ---- stdin --------------------------------------------------------------------------------------------------------
def test_stdin_dash_and_stdin_filename(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))

    feed(WARNING)
    code, out, _ = lint(capsys, "-", "--output-format", "concise")
    assert code == 1 and codes(out) == [(7, "SLM101"), (7, "SLM203")] and out.startswith("-:7:")
    feed(WARNING)
    code, out, _ = lint(capsys, "--stdin-filename", "pkg/agent.py", "--output-format", "concise")  # implies `-`
    assert out.startswith("pkg/agent.py:7:12: SLM101") and code == 1
    feed(WARNING)  # the full format quotes the source read from stdin
    _, out, _ = lint(capsys, "-", "--stdin-filename", "pkg/agent.py")
    assert "  --> pkg/agent.py:7:12" in out and "7 |     resp = client.chat.completions.create(" in out
    (project / "pyproject.toml").write_text('[tool.slmc.lint]\nper-file-ignores = { "pkg/*" = ["SLM203"] }\n')
    feed(WARNING)  # per-file-ignores follow the stdin file name
    assert codes(lint(capsys, "-", "--stdin-filename", "pkg/agent.py", "--output-format", "concise")[1]) == [
        (7, "SLM101")
    ]
    feed("def f(:\n")
    code, out, _ = lint(capsys, "-", "--output-format", "concise")
    assert code == 1 and "-:1:" in out and " E001 " in out
    feed(WARNING)
    code, _, err = lint(capsys, "-", "info.py")
    assert code == 2 and "cannot be combined" in err


def test_stdin_through_a_real_pipe(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "slmc", "lint", "-", "--output-format", "concise", "-q"],
        input=WARNING.encode(),
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=project,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.decode().splitlines()
    assert [line.split(" ", 2)[:2] for line in lines] == [["-:7:12:", "SLM101"], ["-:7:12:", "SLM203"]]
    assert lines[1].endswith("Narrow LLM call sets no output limit (max_tokens)")


# ---- verbosity, colour, output file -------------------------------------------------------------------------------
def test_quiet_silent_verbose(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys, "warn.py", "--output-format", "concise", "-q")
    assert code == 1 and len(out.splitlines()) == 2 and "Found" not in out and err == ""
    assert (
        lint(capsys, "warn.py", "-q")[1]
        .rstrip()
        .endswith("help: Set `max_tokens` to the longest answer the task needs")
    )
    assert lint(capsys, "info.py", "-q", "--ignore", "SLM1") == (0, "", "")  # clean and quiet: nothing at all
    assert lint(capsys, "warn.py", "-qq") == (1, "", "")
    assert lint(capsys, "warn.py", "--silent") == (1, "", "")
    assert lint(capsys, "warn.py", "-s", "--output-format", "json") == (1, "", "")
    code, out, err = lint(capsys, "warn.py", "--output-format", "concise", "-v")
    assert code == 1 and out.endswith("Found 2 findings.\n")
    assert err.startswith("slmc lint: config none (defaults); root ") and "1 file(s) checked in " in err
    assert "2 finding(s), 0 suppressed by noqa; fail-on warning: exit 1" in err


def test_color_flag_and_no_color(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    _, out, _ = lint(capsys, "warn.py", "--color", "always")
    assert "\x1b[1;36mSLM101\x1b[0m" in out and "\x1b[1;33mSLM203\x1b[0m" in out and "\x1b[34m-->\x1b[0m" in out
    _, out, _ = lint(capsys, "warn.py", "--color", "always", "--output-format", "concise")
    assert out.startswith("\x1b[1mwarn.py\x1b[0m\x1b[36m:\x1b[0m7")
    assert "\x1b[" not in lint(capsys, "warn.py", "--color", "never")[1]
    assert "\x1b[" not in lint(capsys, "warn.py")[1]  # auto, not a terminal
    assert "\x1b[" not in lint(capsys, "warn.py", "--color", "always", "--output-format", "json")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in lint(capsys, "warn.py")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in lint(capsys, "warn.py")[1]  # NO_COLOR wins over FORCE_COLOR in auto
    assert "\x1b[" in lint(capsys, "warn.py", "--color", "always")[1]  # the flag wins over NO_COLOR


def _on_a_tty(project: Path, env: dict[str, str]) -> bytes:
    """`slmc lint warn.py` with stdout on a pseudo-terminal (as a user's shell), its output."""
    env = {**{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}, **env}
    cmd = [sys.executable, "-m", "slmc", "lint", "warn.py", "--output-format", "concise"]
    return run_on_tty(cmd, project, env, stderr_too=False, timeout=60)[1]


def test_color_on_a_real_terminal_unless_no_color(project: Path) -> None:
    env = {"PYTHONPATH": str(REPO), "TERM": "xterm"}
    assert b"\x1b[1;33mSLM203\x1b[0m" in _on_a_tty(project, env)
    plain = _on_a_tty(project, {**env, "NO_COLOR": "1"})
    assert b"SLM203" in plain and b"\x1b[" not in plain


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "warn.py", "--output-format", "json", "--output-file", "reports/lint.json")
    assert code == 1 and out == ""
    data = json.loads((project / "reports/lint.json").read_text())
    assert [d["code"] for d in data] == ["SLM101", "SLM203"]
    code, out, _ = lint(capsys, "warn.py", "-o", "lint.txt", "--color", "auto")
    text = (project / "lint.txt").read_text()
    assert out == "" and "\x1b[" not in text and text.endswith("Found 2 findings.\n")
    assert lint(capsys, "warn.py", "-o", "lint.txt", "--statistics")[0] == 1
    assert (project / "lint.txt").read_text().splitlines() == [
        "1\tSLM101\toffloadable-call\tinfo",
        "1\tSLM203\tunbounded-output\twarning",
    ]
    (project / "taken").write_text("")
    code, _, err = lint(capsys, "warn.py", "-o", "taken/x.txt")
    assert code == 2 and "cannot write --output-file" in err


# ---- selection ----------------------------------------------------------------------------------------------------
def test_extend_ignore(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = lint(capsys, "warn.py", "--output-format", "concise", "--extend-ignore", "SLM203")
    assert codes(out) == [(7, "SLM101")]
    _, out, _ = lint(capsys, "warn.py", "--output-format", "concise", "--extend-ignore", "SLM1", "--ignore", "SLM2")
    assert codes(out) == []
    code, _, err = lint(capsys, "warn.py", "--extend-ignore", "SLM77")
    assert code == 2 and "unknown rule code or name 'SLM77'" in err


def test_exclude_and_extend_exclude(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "gen").mkdir()
    (project / "gen" / "client.py").write_text(WARNING)
    (project / "build").mkdir()
    (project / "build" / "agent.py").write_text(WARNING)  # excluded by default

    def files(*args: str) -> list[str]:
        out = lint(capsys, ".", "--output-format", "concise", *args)[1]
        return sorted({line.split(":")[0] for line in out.splitlines()[:-1]})

    assert files() == ["gen/client.py", "info.py", "warn.py"]
    assert files("--extend-exclude", "gen") == ["info.py", "warn.py"]
    assert files("--extend-exclude", "gen,warn.py") == ["info.py"]
    assert files("--exclude", "gen") == ["build/agent.py", "info.py", "warn.py"]  # replaces the defaults
    assert files("--exclude", "gen", "--exclude", "build,info.py") == ["warn.py"]
    # a file named directly (as pre-commit does) is still excluded
    assert lint(capsys, "gen/client.py", "--extend-exclude", "gen/*", "--output-format", "concise")[1] == (
        "All checks passed!\n"
    )


# ---- exit status --------------------------------------------------------------------------------------------------
def test_fail_on_threshold(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "info.py", "--output-format", "concise")
    assert (
        code == 0
        and "SLM101" in out
        and out.endswith("Found 1 finding. None is at or above --fail-on warning: exit 0.\n")
    )
    assert lint(capsys, "info.py", "--fail-on", "info")[0] == 1
    assert lint(capsys, "warn.py")[0] == 1
    assert lint(capsys, "warn.py", "--fail-on", "error")[0] == 0
    assert lint(capsys, "warn.py", "--fail-on", "info", "--exit-zero")[0] == 0
    (project / "broken.py").write_text("def f(:\n")
    assert lint(capsys, "broken.py", "--fail-on", "error")[0] == 1  # input errors are errors
    (project / "pyproject.toml").write_text('[tool.slmc.lint]\nfail-on = "info"\n')
    assert lint(capsys, "info.py")[0] == 1
    assert lint(capsys, "info.py", "--fail-on", "warning")[0] == 0  # the flag wins over the config
    (project / "pyproject.toml").write_text('[tool.slmc.lint]\nfail-on = "never"\n')
    code, _, err = lint(capsys, "info.py")
    assert code == 2 and "pyproject.toml:2: [tool.slmc.lint] fail-on must be one of info, warning, error" in err
    with pytest.raises(SystemExit) as info:
        main(["lint", "info.py", "--fail-on", "never"])
    assert info.value.code == 2


def test_debug_after_the_subcommand(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from slmc.compiler.cli import _take_debug

    assert lint(capsys, "info.py", "--debug")[0] == 0
    assert main(["--debug", "lint", "info.py"]) == 0
    assert _take_debug(["lint", "x.py", "--debug"]) == (["lint", "x.py"], True)
    assert _take_debug(["trace", "--debug", "--", "python", "a.py", "--debug"]) == (
        ["trace", "--", "python", "a.py", "--debug"],
        True,
    )
    assert _take_debug(["trace", "python", "a.py", "--debug"]) == (["trace", "python", "a.py", "--debug"], False)
    assert _take_debug(["traces", "stats", "t.jsonl", "--debug"]) == (["traces", "stats", "t.jsonl"], True)


def test_every_flag_is_in_the_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # help text wraps: compare words
    for flag in (
        "--stdin-filename",
        "`-` reads the source from stdin",
        "--output-format",
        "-o PATH, --output-file PATH",
        "--color {auto,always,never}",
        "NO_COLOR",
        "-q, --quiet",
        "-s, --silent",
        "-v, --verbose",
        "--select",
        "--extend-select",
        "--ignore",
        "--extend-ignore",
        "--exclude",
        "--extend-exclude",
        "--fail-on {info,warning,error}",
        "--exit-zero",
        "--statistics",
        "--config",
        "--debug",
        "`# noqa: SLM203`",  # suppression comments, both forms, and the rule that reports unused ones
        "`# slmc: noqa: SLM2`",
        "SLM901",
    ):
        assert flag in text, flag
