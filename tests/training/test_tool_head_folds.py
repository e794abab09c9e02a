"""A tool task too small for a held-out split that could clear the gate is cross-validated: every call is answered by
a tool-call head trained on the other folds, and the gate's n is every call (BFCL multiple: 200 calls, 30 held out
before, skipped by the reachability check W506)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir.nodes import Contract, SLMChoice, Task
from slmc.ir.unit import CompileUnit

from .conftest import make_graph
from .test_replacement_heads import _tool_records
from .test_tool_head import _tiny_encoder


def test_a_small_tool_task_is_cross_validated_over_every_call(tmp_path: Path, monkeypatch) -> None:
    import slmc.training.tool_head as tool_head

    encoder = _tiny_encoder(tmp_path / "tiny")
    monkeypatch.setattr(tool_head, "default_encoder_path", lambda: encoder)
    tools = Task(
        id="task:tools",
        name="tools",
        sites=("llm:tools@agent.py:40",),
        calls=60,
        contract=Contract(kind="tool-call", tools_per_call=True),
        slm=SLMChoice("tool-head:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, "tool-head"),
    )
    settings = Settings(gate_target=0.95, embedder="tfidf", device="cpu")
    lines: list[str] = []
    ctx = PassContext(out_dir=tmp_path / "build", settings=settings, log=lines.append)
    spec = "plan-finetune{epochs=1},train{device=cpu},evaluate{device=cpu},gate"
    unit = PassManager.from_spec(spec, settings).run(ctx, CompileUnit(make_graph([tools]), _tool_records(60)))
    task = unit.graph.node("task:tools")
    assert task.finetune.folds == 5
    assert not [d for d in ctx.diagnostics if d.code == "W506"]  # trained, not skipped
    assert any("5-fold cross-validation judges all 60 calls" in line for line in lines)
    assert task.eval.n == 60  # the gate's n: every call, each answered out of fold
    crossval = json.loads((tmp_path / "build" / task.eval.adapter / "crossval.json").read_text())
    assert crossval["folds"] == 5 and len(crossval["predictions"]) == 60 and len(crossval["tools"]) == 60
    rows = [json.loads(x) for x in (tmp_path / "build" / "eval" / "tools.jsonl").read_text().splitlines()]
    assert len(rows) == 60 and {r["fold"] for r in rows} == {0, 1, 2, 3, 4}
    assert (tmp_path / "build" / task.eval.adapter / "tool_head.json").is_file()  # the served head: every call


def test_the_folds_and_the_served_head_share_one_frozen_pass(tmp_path: Path, monkeypatch) -> None:
    """Each argument pair runs through the frozen layers once for all 5 folds + the served head (it ran once per
    training: on BFCL simple that pass took a fold's whole budget share, leaving each fold one training step)."""
    import slmc.training.tool_head as tool_head
    from slmc.ir.nodes import FinetunePlan
    from slmc.training.heads import train_head

    from .test_tool_head import _rows

    encoder = _tiny_encoder(tmp_path / "tiny")
    monkeypatch.setattr(tool_head, "default_encoder_path", lambda: encoder)
    lowered: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    original = tool_head._Encoder.lower

    def counting(self, seqs, frozen):
        todo = {id(s): s for s in seqs if s.low is None}.values()  # one pair may stand in two calls' batches
        lowered.extend((tuple(s.ids), tuple(s.types)) for s in todo)
        return original(self, seqs, frozen)

    monkeypatch.setattr(tool_head._Encoder, "lower", counting)
    rows = [r for r in _rows(40, seed=3) if r["_expect"][0] is not None]
    plan = FinetunePlan("d", "v", "t", method="tool-head", epochs=1, batch_size=8, max_length=64, learning_rate=1e-3)
    folds = [i % 5 for i in range(len(rows))]
    lines: list[str] = []
    train_head(plan, rows, tmp_path / "head", folds=folds, log=lines.append, max_seconds=60)
    assert lowered, "the frozen layers ran"
    assert len(lowered) == len(set(lowered)), f"{len(lowered) - len(set(lowered))} pairs went through them again"
    assert any("frozen layers run once" in line for line in lines)
    crossval = json.loads((tmp_path / "head" / "crossval.json").read_text())
    assert len(crossval["predictions"]) == len(rows)


if __name__ == "__main__":
    pytest.main([__file__])
