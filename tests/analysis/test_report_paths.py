"""`slmc analyze` reports hold no absolute path of the machine they were built on (issue 11, item 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

from slmc.compiler.cli import main

from . import conftest as fx
from .test_analyze import FIXTURE, SITES


def test_analyze_reports_hold_no_absolute_path(tmp_path: Path) -> None:
    agent = tmp_path / "agent"
    agent.mkdir()
    shutil.copy(FIXTURE, agent / FIXTURE.name)
    traces = tmp_path / "traces.jsonl"
    with traces.open("w", encoding="utf-8") as f:
        for r in fx.make_records(n=40):
            r.site_id, r.split = SITES[r.site_id], None
            f.write(r.to_json() + "\n")
        f.write('{"messages": 5}\n')  # a bad record: its diagnostic names the trace file
    out = tmp_path / "out"
    args = [str(agent / FIXTURE.name), "--traces", str(traces), "--out", str(out), "--embedder", "tfidf", "--quiet"]
    assert main(["analyze", *args]) == 0
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"analysis.json", "report.md", "report.html"}
    assert [p.name for p in files if str(tmp_path).encode() in p.read_bytes()] == []
    assert "shop_agent.py" in (out / "analysis.json").read_text(encoding="utf-8")
