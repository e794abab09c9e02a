"""The compile unit, the frozen pass context with its settings, the one precedence rule and the manager's loop."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.compiler import passmanager as pm
from slmc.compiler.config import OPTION_TYPES
from slmc.compiler.settings import Settings
from slmc.compiler.stages import StageCache
from slmc.errors import Diagnostic, SlmcError
from slmc.ir import AgentGraph, LLMCall, Loc
from slmc.ir.unit import CompileUnit, EvaluationReport, PlanReport, Reports, dumps_unit, loads_unit, print_unit
from slmc.traces.record import TraceRecord

ROOT = Path(__file__).resolve().parents[2]


def _unit() -> CompileUnit:
    g = AgentGraph()
    g.add(LLMCall(id="llm:f@a.py:3", loc=Loc("a.py", 3), model="gpt-4o"))
    records = [
        TraceRecord(id="r1", site_id="llm:f@a.py:3", task="task:x", split="train", output="a"),
        TraceRecord(id="r2", site_id="llm:f@a.py:3", task="task:x", split="test", output="b"),
        TraceRecord(id="r3", output="c", error="boom"),
    ]
    reports = Reports(scrub={"total": 2}, clustering={"embedder": "tfidf"}, records_in=4)
    reports.count_dropped("ingest", {"malformed": 1, "invalid": 0})
    return CompileUnit(g, records, reports)


def test_unit_round_trips_as_one_json_object_and_through_the_stage_cache(tmp_path: Path) -> None:
    unit = _unit()
    again = loads_unit(dumps_unit(unit))
    assert again.reports == unit.reports and again.reports.dropped == {"ingest": {"malformed": 1}}
    assert [r.to_dict() for r in again.traces] == [r.to_dict() for r in unit.traces]
    assert print_unit(again) == print_unit(unit)
    cache = StageCache(tmp_path / "c")
    cache.save("curate", "k", unit)
    assert sorted(p.name for p in (tmp_path / "c" / "curate-k").iterdir() if p.name != ".slmc-owned") == [
        "done",
        "traces.jsonl",
        "unit.json",
    ]
    loaded = cache.load("curate", "k")
    assert print_unit(loaded) == print_unit(unit) and loaded.reports == unit.reports
    with pytest.raises(ValueError, match="not a compile unit"):
        loads_unit(json.dumps({"format": "other"}))


def test_unit_text_form_is_the_graph_then_trace_counts_and_reports() -> None:
    text = print_unit(_unit())
    graph_text = text.split("traces ", 1)[0]
    assert graph_text.startswith("slmc.ir v") and "llm llm:f@a.py:3" in graph_text
    assert text.splitlines()[-4:] == [
        "traces 3 records, 2 linked, 1 errors",
        "traces split test=1 train=1",
        "traces task task:x=2",
        "reports scrub clustering records_in dropped",
    ]
    assert "boom" not in text and '"a"' not in text  # counts only, never record content
    assert print_unit(CompileUnit(AgentGraph())) == print_unit(CompileUnit()) == "slmc.ir v1\n"


def test_plan_and_evaluation_reports_are_typed_round_trip_and_print_a_line_each(tmp_path: Path) -> None:
    unit = _unit()
    unit.reports.plan = PlanReport(datasets={"task:x": "datasets/x"}, skipped={"task:y": "W501"})
    unit.reports.evaluations["task:x"] = EvaluationReport(test={"agreement": 0.9}, ground_truth_rows=3)
    again = loads_unit(dumps_unit(unit))
    assert isinstance(again.reports.plan, PlanReport) and again.reports.plan == unit.reports.plan
    assert isinstance(again.reports.evaluations["task:x"], EvaluationReport)
    cache = StageCache(tmp_path / "c")
    cache.save("evaluate", "k", unit)
    assert cache.load("evaluate", "k").reports == unit.reports
    assert print_unit(unit).splitlines()[-3:] == [
        "reports scrub clustering plan evaluations records_in dropped",
        "report plan 1 tasks planned, 1 not planned",
        "report evaluations task:x",
    ]


def test_pass_context_is_frozen_and_has_no_bags() -> None:
    ctx = pm.PassContext()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.root = Path("/")  # type: ignore[misc]
    names = {f.name for f in dataclasses.fields(pm.PassContext)}
    assert not names & {"artifacts", "services", "options", "traces"}
    assert isinstance(ctx.settings, Settings)


def test_every_registry_entry_loads_and_carries_its_name() -> None:
    for name in pm.REGISTRY:
        cls = pm.pass_class(name)
        assert cls.name == name and issubclass(cls, pm.Pass)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        for f in dataclasses.fields(cls):  # an option that mirrors a setting names a real one
            setting = f.metadata.get("setting")
            assert setting is None or setting in Settings.names(), (name, f.name)
    for spec in pm.EMIT_PIPELINES.values():
        pm.validate_pipeline(pm.parse_pipeline(spec))


def test_every_tool_slmc_option_is_a_setting() -> None:
    assert set(OPTION_TYPES) <= set(Settings.names())
    from slmc.training.gate import DEFAULT_MAX_FALLBACK, DEFAULT_TARGET

    assert (Settings().gate_target, Settings().max_fallback) == (DEFAULT_TARGET, DEFAULT_MAX_FALLBACK)


@pytest.mark.parametrize(
    ("spec", "cli", "config", "expected"),
    [
        # command line > pipeline option > [tool.slmc] > default, for every pass option that mirrors a setting
        ("gate{target=0.8}", {"gate_target": 0.9}, {"gate_target": 0.7}, 0.9),
        ("gate{target=0.8}", {}, {"gate_target": 0.7}, 0.8),
        ("gate", {}, {"gate_target": 0.7}, 0.7),
        ("gate", {}, {}, 0.95),
    ],
)
def test_one_precedence_rule_for_the_gate_target(spec, cli, config, expected) -> None:
    settings = Settings.layered(cli, config)
    (gate,) = pm.parse_pipeline(spec, settings)
    (evaluate,) = pm.parse_pipeline(spec.replace("gate", "evaluate"), settings)
    assert gate.target == evaluate.target == expected


def test_the_same_rule_for_device_budget_and_embedder() -> None:
    """Before: train let the global budget win over its option, evaluate let its device option win over the command
    line, cluster-tasks let its embedder win unless it was auto. Now all three follow the one rule."""
    cli = Settings.layered({"train_budget": 5.0, "device": "cpu", "embedder": "tfidf"})
    train, evaluate, cluster = pm.parse_pipeline(
        "train{max-seconds=9,device=cuda},evaluate{device=cuda},cluster-tasks{embedder=minilm}", cli
    )
    assert (train.max_seconds, train.device, evaluate.device, cluster.embedder) == (5.0, "cpu", "cpu", "tfidf")
    config = Settings.layered({}, {"train_budget": 5.0, "device": "cpu", "embedder": "tfidf"})
    train, evaluate, cluster = pm.parse_pipeline(
        "train{max-seconds=9,device=cuda},evaluate{device=cuda},cluster-tasks{embedder=auto}", config
    )
    assert (train.max_seconds, train.device, evaluate.device, cluster.embedder) == (9.0, "cuda", "cuda", "auto")
    train, cluster = pm.parse_pipeline("train,cluster-tasks", config)
    assert (train.max_seconds, train.device, cluster.embedder) == (5.0, "cpu", "tfidf")


def test_settings_refuse_what_is_not_a_setting_or_out_of_range() -> None:
    with pytest.raises(SlmcError, match="unknown setting 'colour'"):
        Settings.layered({"colour": "red"})
    with pytest.raises(SlmcError, match=r"gate-target 1.5 is not in \(0, 1\]"):
        Settings.layered({}, {"gate_target": 1.5})


@dataclasses.dataclass(frozen=True)
class _Feeds(pm.Pass):
    name = "feeds"

    def prefetch(self, ctx):
        return _Prefetch()

    def run(self, ctx, unit):
        assert isinstance(ctx.prefetched, _Prefetch) and ctx.prefetched.fed == [r.id for r in unit.traces]
        ctx.prefetched.close()
        ctx.report(Diagnostic("a.py", 1, 0, "W999", "seen"))
        return unit


class _Prefetch:
    def __init__(self) -> None:
        self.fed: list[str] = []
        self.closed = False

    def feed(self, record) -> None:
        self.fed.append(record.id)

    def close(self) -> None:
        self.closed = True


@dataclasses.dataclass(frozen=True)
class _Plain(pm.Pass):
    name = "plain"

    def run(self, ctx, unit):
        assert ctx.prefetched is None  # only the pass that started the work gets it
        return unit


def test_manager_feeds_the_prefetch_hook_hands_it_to_its_pass_and_calls_back() -> None:
    records = [TraceRecord(id=f"r{i}") for i in range(3)]
    manager = pm.PassManager(
        [_Plain(), _Feeds()],
        available=pm.FRONTEND_FACTS,
        before_pass=lambda i, p, u: events.append(f"before {i} {p.name}"),
        after_pass=lambda i, p, u: events.append(f"after {i} {p.name} {len(u.reports.diagnostics)}"),
    )
    events: list[str] = []
    ctx = pm.PassContext()
    feed = manager.prefetch(ctx)
    for r in records:
        feed(r)
    unit = manager.run(ctx, CompileUnit(AgentGraph(), records))
    assert events == ["before 0 plain", "after 0 plain 0", "before 1 feeds", "after 1 feeds 1"]
    assert unit.reports.diagnostics[0]["code"] == "W999"
    # resumed past the pass: its prefetched work is closed, never leaked
    manager = pm.PassManager([_Feeds(), _Plain()])
    feed = manager.prefetch(ctx)
    started = manager._prefetched[0]
    manager.run(ctx, CompileUnit(AgentGraph(), []), start=1)
    manager.close()
    assert started.closed


def test_the_driver_names_no_pass_and_keeps_no_target_list() -> None:
    source = (ROOT / "slmc" / "compiler" / "driver.py").read_text(encoding="utf-8")
    named = [name for name in pm.REGISTRY if re.search(rf"[\"']{re.escape(name)}[\"'{{,]", source)]
    assert named == []
    assert "TARGETS = " not in source and "services" not in source
    found = subprocess.run(
        ["grep", "-rnE", r"ctx\.(artifacts|services|options)\b", str(ROOT / "slmc")], capture_output=True, text=True
    )
    assert found.stdout == ""


def _project(tmp_path: Path, table: str) -> tuple[Path, Path]:
    from tests.analysis.test_price_overrides import _project as shop_project

    return shop_project(tmp_path, table, table="tool.slmc")


def test_compile_honours_tool_slmc_and_the_command_line_wins(tmp_path: Path, capsys) -> None:
    """Before: compile read only [tool.slmc.prices]; max-params and embedder in [tool.slmc] were ignored."""
    from slmc.compiler.cli import main

    agent, traces = _project(tmp_path, 'max-params = "0.01B"\nembedder = "tfidf"')
    args = ["compile", str(agent), "--traces", str(traces), "--emit", "ir", "--no-progress", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 2
    assert "no catalog SLM meets the constraints (max_params=0.01B" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "b"), "--max-params", "3B"]) == 0
    ir = json.loads((tmp_path / "b" / "ir.json").read_text(encoding="utf-8"))
    params = [n["slm"]["params_b"] for n in ir["nodes"] if n["id"].startswith("task:") and n.get("slm")]
    assert params and max(params) <= 3
    assert "\ntraces 184 records, 184 linked" in (tmp_path / "b" / "ir.txt").read_text(
        encoding="utf-8"
    )  # the unit's text form


@pytest.mark.parametrize("command", ["compile", "analyze", "train", "eval", "trace"])
def test_every_command_gives_the_config_did_you_mean(command: str, tmp_path: Path, capsys, monkeypatch) -> None:
    agent, traces = _project(tmp_path, 'gate-targte = 0.9\ntarget = "vlm"')
    monkeypatch.chdir(tmp_path)
    from slmc.compiler.cli import main

    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    argv = {
        "compile": ["compile", str(agent), "--traces", str(traces), "--out", str(tmp_path / "o")],
        "analyze": ["analyze", str(agent), "--traces", str(traces), "--out", str(tmp_path / "o")],
        "train": ["train", str(plan)],
        "eval": ["eval", str(plan)],
        "trace": ["trace", "--", sys.executable, "-c", "print('agent ran')"],
    }[command]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "unknown key 'gate-targte' in [tool.slmc]" in captured.err and "did you mean 'gate-target'?" in captured.err
    assert "pyproject.toml" in captured.err and "agent ran" not in captured.out
    (tmp_path / "pyproject.toml").write_text('[tool.slmc]\ntarget = "vlm"\n')
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "unknown target 'vlm'" in err and "did you mean 'vllm'?" in err
