"""`slmc lint` starts cold without the heavy libraries: linting a project with LLM calls (parsed, indexed, triaged)
imports no libcst, networkx, torch or numpy, whether run as ``python -m slmc`` or by importing the lint modules. (The
agent graph keeps its own adjacency dicts; ``AgentGraph.to_networkx()`` imports networkx when a caller wants it.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("libcst", "networkx", "torch", "numpy", "transformers", "sklearn")

AGENT = """from openai import OpenAI

client = OpenAI()


def classify(ticket: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Classify into one of: billing, shipping. Ticket: {ticket}"}],
    )
    return resp.choices[0].message.content


def ask(prompt: str) -> str:
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])


def reply(ticket: str) -> str:
    return ask(f"Write a friendly reply to: {ticket}")
"""

REPORT = "import json, sys\nprint('MODULES', json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, check=False, timeout=120)


def _modules(stdout: str) -> set[str]:
    line = next(x for x in reversed(stdout.splitlines()) if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def test_lint_run_imports_no_heavy_library(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(AGENT)
    script = (
        "import runpy, sys\n"
        "sys.argv = ['slmc', 'lint', '.', '--output-format', 'concise', '--exit-zero']\n"
        "try:\n"
        "    runpy.run_module('slmc', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n" + REPORT
    )
    done = _run([sys.executable, "-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "agent.py:" in done.stdout  # the frontend really parsed and analysed the agent
    loaded = _modules(done.stdout)
    assert "slmc" in loaded and not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_lint_modules_import_no_heavy_library(tmp_path: Path) -> None:
    script = (
        "import slmc.compiler.cli, slmc.compiler.commands.lint, slmc.lint, slmc.lint.api, slmc.frontend\n"
        "import slmc.frontend.project, slmc.passes.triage, slmc.ir.graph\n" + REPORT
    )
    done = _run([sys.executable, "-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = _modules(done.stdout)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
