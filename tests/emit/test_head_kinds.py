"""Encoder heads chosen by the plan (span head, tool-call head, end-to-end encoder classifier) travel into the
bundle's plan and manifest as their adapter kinds, served in-process by the hf target on every main target."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.codegen.manifest import build_manifest
from slmc.ir.nodes import Decision, EvalResult, LLMCall, Loc, SiteKind, SLMChoice, Task
from slmc.passes.plan_serving import lower_serving_plan

from .graphs import support_workspace

HEADS = {"extract": "span-head", "tools": "tool-head", "intent2": "encoder-classifier"}


@pytest.mark.parametrize("target", ["vllm", "hf", "llamacpp"])
def test_head_methods_become_adapter_kinds_served_in_process(tmp_path: Path, target: str) -> None:
    graph, options = support_workspace(tmp_path)
    for line, (name, method) in enumerate(HEADS.items(), start=80):
        site = f"llm:{name}@agent.py:{line}"
        graph.add(LLMCall(id=site, site=SiteKind.REQUEST, loc=Loc("agent.py", line), function=name,
                          client="openai", api="chat.completions.create", decision=Decision.OFFLOAD))  # fmt: skip
        slm = SLMChoice(f"{method}:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, method)
        result = EvalResult(metric="json-exact", agreement=0.99, lower_bound=0.97, n=300, adapter=f"models/{name}")
        graph.add(Task(id=f"task:{name}", name=name, sites=(site,), calls=90, slm=slm, eval=result,
                       decision=Decision.OFFLOAD))  # fmt: skip
    plan = lower_serving_plan(graph, options, target)
    served = {a.task: (ep.target, a.method) for ep in plan.endpoints for a in ep.adapters}
    assert {t: served[f"task:{t}"] for t in HEADS} == {t: ("hf", m) for t, m in HEADS.items()}
    if target != "hf":
        assert any(n.startswith("task:extract: span-head is not servable by") for n in plan.notes)
    sites = build_manifest(plan)["sites"]
    kinds = {name: sites[f"llm:{name}@agent.py:{line}"]["adapter"]["kind"] for line, name in enumerate(HEADS, 80)}
    assert kinds == {"extract": "span-head", "tools": "tool-head", "intent2": "classifier-head"}
