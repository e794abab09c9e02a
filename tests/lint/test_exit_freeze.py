"""``slmc lint`` run as the program moves what the analysis left out of the collector's sight before the process ends
(``gc.freeze``: the interpreter's last collection would walk all of it); called in-process (``main([...])``, tests,
embedding) it leaves the collector as it was. Either way the findings and exit code are the same."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.compiler.cli import main

REPO = Path(__file__).resolve().parents[2]

AGENT = """from openai import OpenAI

client = OpenAI()


def classify(ticket: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Classify into one of: billing, shipping. Ticket: {ticket}"}],
    )
    return resp.choices[0].message.content
"""

# runs the CLI as the console script does (no argv given), then reports whether objects were frozen
PROGRAM = (
    "import gc, sys\n"
    "from slmc.compiler.cli import main\n"
    "sys.argv = ['slmc', *sys.argv[1:]]\n"
    "code = main()\n"
    "print('FROZEN', gc.get_freeze_count() > 0, 'CODE', code)\n"
)


def _program(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_program_run_freezes_in_process_run_does_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "agent.py").write_text(AGENT)
    out = _program(["lint", "agent.py", "--output-format", "concise", "--exit-zero"], tmp_path)
    assert "FROZEN True CODE 0" in out
    program_findings = sorted(line for line in out.splitlines() if line.startswith("agent.py:"))
    assert program_findings  # the classifier call is reported

    before = gc.get_freeze_count()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["lint", "agent.py", "--output-format", "concise", "--exit-zero"])
    finally:
        os.chdir(cwd)
    assert code == 0
    assert gc.get_freeze_count() == before  # the caller's collector is untouched
    in_process = sorted(line for line in capsys.readouterr().out.splitlines() if line.startswith("agent.py:"))
    assert in_process == program_findings
