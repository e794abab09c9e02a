"""`slmc trace -- python agent.py` end to end, and `slmc traces ingest|stats|show`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from llm_server import LLMServer

from slmc.compiler.cli import main
from slmc.ir.nodes import site_id
from slmc.traces.ingest import read_traces

ROOT = Path(__file__).resolve().parents[2]

AGENT = """
import os, subprocess, sys
import openai

client = openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="test", max_retries=0)


def classify(text):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
    ).choices[0].message.content


print(classify(sys.argv[1]))
subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "tools", "child.py")], check=True)
sys.exit(3)
"""

CHILD = """
import os
import openai

openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="test").chat.completions.create(model="m", messages=[{"role": "user", "content": "from child"}])
"""


def test_slmc_trace_runs_the_agent_unchanged_and_records_subprocesses(tmp_path):
    pytest.importorskip("openai")
    (tmp_path / "agent.py").write_text(AGENT)
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "child.py").write_text(CHILD)
    out = tmp_path / "out" / "traces.jsonl"
    with LLMServer() as server:
        env = {"LLM_URL": server.url + "/v1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        cmd = [
            sys.executable,
            "-m",
            "slmc.compiler.cli",
            "trace",
            "--out",
            str(out),
            "--",
            sys.executable,
            "agent.py",
            "hello",
        ]
        proc = subprocess.run(
            cmd, cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 3, proc.stderr  # the agent's exit code
    assert proc.stdout.strip() == "echo: hello"
    assert "recorded 2 LLM calls" in proc.stderr
    records, problems = read_traces([out])
    assert problems == []
    by_site = {r.site_id: r for r in records}
    assert set(by_site) == {site_id("classify", "agent.py", 9), site_id("<module>", "tools/child.py", 5)}
    assert by_site[site_id("classify", "agent.py", 9)].output == "echo: hello"
    assert (tmp_path / "agent.py").read_text() == AGENT  # the agent's code is not changed


def test_slmc_trace_without_a_command_is_a_clear_error(capsys):
    assert main(["trace", "--out", "x.jsonl"]) == 2
    assert "no command to run" in capsys.readouterr().err


def _mixed_inputs(tmp_path: Path) -> list[Path]:
    openai_log = tmp_path / "openai.jsonl"
    openai_log.write_text(
        json.dumps(
            {
                "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "refund please"}]},
                "response": {
                    "id": "c1",
                    "model": "gpt-4o-mini",
                    "choices": [{"message": {"content": "billing"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 1},
                },
            }
        )
        + "\n{not json\n"
    )
    langfuse = tmp_path / "langfuse.json"
    gen = {
        "id": "o1",
        "traceId": "t1",
        "type": "GENERATION",
        "name": "classify_intent",
        "model": "gpt-4o-mini",
        "input": "hi",
        "output": "hello",
        "usageDetails": {"input": 3, "output": 2},
    }
    langfuse.write_text(json.dumps([gen, {**gen, "id": "o2", "type": "SPAN"}]))
    return [openai_log, langfuse]


def test_traces_ingest_stats_and_show(tmp_path, capsys):
    inputs = _mixed_inputs(tmp_path)
    out = tmp_path / "all.jsonl"
    assert main(["traces", "ingest", *map(str, inputs), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"{inputs[0]}:2:1: E101 malformed JSON" in captured.err
    assert "1  openai" in captured.out and "1  langfuse" in captured.out and "1  skipped: langfuse span" in captured.out
    assert "wrote 2 records" in captured.out
    records, problems = read_traces([out])
    assert problems == [] and {r.source for r in records} == {"openai", "langfuse"}

    assert main(["traces", "stats", str(out), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["records"] == 2 and stats["input_tokens"] == 8 and stats["output_tokens"] == 3
    assert stats["models"] == {"gpt-4o-mini": 2} and stats["workloads"] == {"classify_intent": 1, "-": 1}

    assert main(["traces", "show", str(out), "--site", "classify_intent"]) == 0
    shown = capsys.readouterr().out
    assert "o1" in shown and "hello" in shown and "c1" not in shown


def test_traces_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["traces", "stats", str(tmp_path / "nope.jsonl")]) == 2
    assert "trace file not found" in capsys.readouterr().err
