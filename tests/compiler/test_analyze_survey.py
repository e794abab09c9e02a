"""`slmc analyze PATH` without traces: the static case-study table (sites by kind and family, verdict shares, reasons)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from slmc.compiler.cli import main

AGENT = """
from openai import OpenAI
from prompts_lib import load_prompt

client = OpenAI()


def ask(prompt: str) -> str:
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    return r.choices[0].message.content


def route(ticket: str) -> str:
    return ask(f"Classify the ticket into one of: billing, outage, other. Answer with only the label.\\n{ticket}")


def essay(topic: str) -> str:
    return ask(f"Write a long, detailed blog article about {topic}.")


def triage_template(text: str) -> str:
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "system", "content": load_prompt("grader")}, {"role": "user", "content": text}]
    )
"""

LOADER = """
import os

FOLDER = os.path.join(os.path.dirname(__file__), "prompts")


def load_prompt(name):
    with open(os.path.join(FOLDER, name + ".prompt")) as fh:
        return fh.read()
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "demo_agent"
    (root / "prompts").mkdir(parents=True)
    (root / "agent.py").write_text(textwrap.dedent(AGENT), encoding="utf-8")
    (root / "prompts_lib.py").write_text(textwrap.dedent(LOADER), encoding="utf-8")
    (root / "prompts" / "grader.prompt").write_text(
        "Rate how well {{ answer }} fits the question on a scale from 1 to 5. Reply with the number only.\n",
        encoding="utf-8",
    )
    return root


def test_table_without_traces(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "demo_agent: static survey (no traces)" in out
    family = next(line for line in out.splitlines() if line.startswith("openai"))
    request, wrapper, wrapper_call, task, total = map(int, family.split()[1:])
    assert (request, wrapper_call, task) == (2, 2, 0) and wrapper >= 1 and total == request + wrapper + wrapper_call
    shares = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert shares["narrow"].split()[1:3] == ["2", "50.0%"]  # the router and the template-file grader
    assert shares["open-ended"].split()[1:3] == ["1", "25.0%"]
    assert 'prompt says "classify"' in shares["narrow"] and "writes a document" in shares["open-ended"]


def test_json_survey(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(repo), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["calls"] == 4 and data["verdicts"] == {"narrow": 2, "open-ended": 1, "unclear": 1}
    assert data["sites"]["openai"]["request"] == 2 and data["sites"]["openai"]["wrapper-call"] == 2


def test_missing_path_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
