"""plan-serving: the gated graph lowered to a serving plan in the compile unit, which codegen and the targets read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from slmc.codegen.bundle import write_bundle
from slmc.compiler import passmanager as pm
from slmc.compiler.settings import Settings
from slmc.errors import SlmcError
from slmc.ir.unit import CompileUnit, print_unit, unit_from_json, unit_to_json
from slmc.passes.plan_serving import PlanServing, lower_serving_plan

from .graphs import support_workspace
from .test_golden import GOLDEN, _compare


def _lowered(tmp_path: Path, target: str = "vllm") -> tuple[CompileUnit, dict, pm.PassContext]:
    graph, options = support_workspace(tmp_path)
    root = Path(str(options["root"])).rename(tmp_path / "support_agent")  # the agent is named after its folder
    options = {**options, "root": str(root)}
    ctx = pm.PassContext(
        root=root, entry=root / "agent.py", out_dir=Path(str(options["build_dir"])), settings=Settings(target=target)
    )
    passes = pm.parse_pipeline("plan-serving", ctx.settings)
    unit = pm.PassManager(passes).run(ctx, CompileUnit(graph))
    return unit, options, ctx


def test_the_pass_writes_the_plan_the_lowering_makes_and_the_bundle_is_the_golden_one(tmp_path: Path) -> None:
    unit, options, _ctx = _lowered(tmp_path)
    plan = unit.reports.serving
    assert plan is not None and "serving-plan" in unit.graph.meta.facts
    assert plan == lower_serving_plan(unit.graph, options, "vllm")
    assert (plan.agent_name, plan.agent_source, plan.target) == ("support_agent", "agent.py", "vllm")
    # codegen writes the bundle of that plan: the same files as the golden bundle, byte for byte
    write_bundle(unit.graph, options, tmp_path / "bundle", "vllm", plan=plan)
    _compare(tmp_path / "bundle", GOLDEN / "vllm")


def test_codegen_reads_the_units_plan_instead_of_lowering_the_graph_again(tmp_path: Path) -> None:
    unit, options, _ctx = _lowered(tmp_path)
    assert unit.reports.serving is not None
    plan = dataclasses.replace(unit.reports.serving, agent_name="from-the-unit", notes=("read, not recomputed",))
    write_bundle(unit.graph, options, tmp_path / "bundle", "vllm", plan=plan)
    manifest = yaml.safe_load((tmp_path / "bundle" / "slmc-manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["agent"]["name"] == "from-the-unit" and manifest["notes"] == ["read, not recomputed"]
    with pytest.raises(SlmcError, match="serving plan was made for vllm, not llamacpp"):
        write_bundle(unit.graph, options, tmp_path / "other", "llamacpp", plan=plan)


def test_the_plan_round_trips_with_build_paths_relative_and_prints_one_line(tmp_path: Path) -> None:
    unit, options, ctx = _lowered(tmp_path)
    build = Path(str(options["build_dir"]))
    data = unit_to_json(unit, with_traces=False, base=build)
    text = json.dumps(data)
    assert str(build) not in text and '"build": "adapters/intent"' in text  # no absolute build path in the cache
    again = unit_from_json(json.loads(text), base=build)
    assert again.reports.serving == unit.reports.serving
    moved = tmp_path / "moved"
    assert {a.source for a in unit_from_json(data, base=moved).reports.serving.adapters()} == {
        moved.resolve() / "adapters" / "intent",
        moved.resolve() / "adapters" / "order-id",
    }
    assert "reports serving\nreport serving vllm: 1 endpoints, 2 adapters, 2 of 3 sites routed\n" in print_unit(unit)
    # the stage cache keys the pass's stage with the agent's name: another entry is another plan
    other = dataclasses.replace(ctx, entry=ctx.root)
    assert PlanServing().context_key(ctx) != PlanServing().context_key(other)


def test_plan_serving_needs_the_gate_and_follows_the_target_setting() -> None:
    with pytest.raises(SlmcError, match="plan-serving requires gated: add gate before it"):
        pm.validate_pipeline(pm.parse_pipeline("triage,plan-serving"))
    (p,) = pm.parse_pipeline("plan-serving{target=vllm}", Settings.layered({"target": "llamacpp"}))
    assert p.target == "llamacpp"  # the command line wins over the pipeline string
    assert pm.DEFAULT_PIPELINE.endswith(",gate,plan-serving")
