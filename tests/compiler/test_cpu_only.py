"""``--cpu-only`` is a constraint on the plan, not a base model: it must not turn every task into a scratch decoder.

It used to set ``base_model="scratch:tiny"``, which select-slm applies as an override to every task, so a closed-label
task planned for a MiniLM classifier head (and a tool site for the tool-call head) trained a from-scratch decoder
instead whenever the user asked for CPU. Generative tasks still get plan-finetune's CPU stand-in when their SLM
cannot be loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.compiler import cli
from slmc.compiler.commands import compile as compile_cmd

AGENT = Path(__file__).resolve().parents[2] / "examples" / "support_agent" / "agent.py"


class _Stop(Exception):
    pass


@pytest.mark.parametrize("extra", [[], ["--base-model", "scratch:small"]])
def test_cpu_only_keeps_the_base_model_the_user_gave(monkeypatch, tmp_path: Path, extra: list[str]):
    seen = []

    def fake_compile(opts, log=None, report=None):
        seen.append(opts.settings)
        raise _Stop

    monkeypatch.setattr(compile_cmd, "compile_agent", fake_compile)
    traces = tmp_path / "t.jsonl"
    traces.write_text("", encoding="utf-8")
    cli.main(
        ["compile", str(AGENT), "--traces", str(traces), "--out", str(tmp_path / "o"), "--cpu-only", *extra]
    )  # stops at the stand-in
    (settings,) = seen
    assert settings.cpu_only is True
    assert settings.base_model == (extra[1] if extra else None)
