"""Fail before the expensive part (issue 11, item 6).

A site offered more tools than a contract lists (``MAX_TOOLS``) gets a per-call tool contract the manifest schema and
the runtime accept; a plan the manifest schema rejects fails before the train pass runs; a failure after training
keeps every trained stage cached and has shown the warnings (W503) by then.

Training is replaced by stand-ins (``Train.run`` / ``Evaluate.run`` monkeypatched) that write a model folder and a
passing evaluation, so the whole pipeline (frontend, ingest, every pass, gate, bundle) runs in seconds.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from slmc.analysis.contracts import MAX_TOOLS, infer_contract
from slmc.codegen import bundle as bundle_mod
from slmc.codegen.manifest import MANIFEST_NAME, load_manifest
from slmc.compiler.cli import main
from slmc.compiler.driver import CompileOptions, compile_agent
from slmc.compiler.passmanager import ANALYZE_PIPELINE, DEFAULT_PIPELINE, PassContext
from slmc.errors import SlmcError
from slmc.ir.nodes import EvalResult, LLMCall, Loc, Tool
from slmc.ir.unit import CompileUnit
from slmc.passes.evaluate import Evaluate
from slmc.passes.train import Train
from slmc.runtime.contracts import Contract as RuntimeContract
from slmc.runtime.types import Answer
from slmc.traces.record import TraceRecord

N_TOOLS = MAX_TOOLS + 5
SITE = "llm:act@agent.py:9"
AGENT = '''"""A concierge that picks one of many tools."""

from openai import OpenAI

client = OpenAI()


def act(request: str, tools: list) -> list:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Call the right service."}, {"role": "user", "content": request}],
        tools=tools,
    )
    return resp.choices[0].message.tool_calls
'''
# one task for the one site (tf-idf, no model download); the rest of the pipeline as compile runs it
CLUSTER = "cluster-tasks{embedder=tfidf,distance-threshold=5}"
PIPELINE = DEFAULT_PIPELINE.replace("cluster-tasks", CLUSTER)
PLAN_PIPELINE = f"{ANALYZE_PIPELINE},plan-finetune".replace("cluster-tasks", CLUSTER)


def _tool(i: int) -> dict[str, Any]:
    params = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    return {
        "type": "function",
        "function": {"name": f"tool_{i:02d}", "description": f"service {i}", "parameters": params},
    }


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """agent.py with one tool-calling site, and 90 traces of it choosing among N_TOOLS tools."""
    folder = tmp_path_factory.mktemp("many-tools")
    (folder / "agent.py").write_text(AGENT, encoding="utf-8")
    rng = random.Random(3)
    tools = [_tool(i) for i in range(N_TOOLS)]
    lines = []
    for n in range(90):
        i, city = n % N_TOOLS, rng.choice(["Oslo", "Lima", "Paris", "Kyoto", "Cairo", "Quito", "Perth", "Accra"])
        record = {
            "id": f"call-{n}",
            "provider": "openai",
            "model": "gpt-4o",
            "site_id": SITE,
            "source": "slmc",
            "meta": {"api": "openai.chat"},
            "finish_reason": "tool_calls",
            "messages": [
                {"role": "system", "content": "Call the right service."},
                {"role": "user", "content": f"Use service {i} for {city} please"},
            ],
            "tool_calls": [{"name": f"tool_{i:02d}", "arguments": {"city": city}}],
            "tools": tools,
        }
        lines.append(json.dumps(record))
    (folder / "traces.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "agent.py", folder / "traces.jsonl"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Train and Evaluate replaced by fast stand-ins; returns the passes that ran, in order."""
    ran: list[str] = []

    def train(self: Train, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        ran.append("train")
        graph = unit.graph
        for task in graph.tasks():
            if task.finetune is None or task.slm is None:
                continue
            folder = Path(ctx.out_dir) / "models" / task.name
            folder.mkdir(parents=True, exist_ok=True)
            stem = {"tool-head": "tool_head", "span-head": "span_head"}.get(task.finetune.method)
            if stem:  # an encoder head: the files of its kind (the bundle checks them)
                (folder / f"{stem}.json").write_text("{}", encoding="utf-8")
                (folder / f"{stem}.safetensors").write_bytes(b"")
            else:
                (folder / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}', encoding="utf-8")
                (folder / "model.safetensors").write_bytes(b"")
            rel = folder.relative_to(ctx.out_dir).as_posix()
            graph.update(task.id, eval=EvalResult(metric="tool-call", agreement=0.0, lower_bound=0.0, n=0, adapter=rel))
        return unit

    def evaluate(self: Evaluate, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        ran.append("evaluate")
        graph = unit.graph
        for task in graph.tasks():
            if task.eval is not None:
                graph.update(
                    task.id,
                    eval=EvalResult(
                        metric="tool-call", agreement=0.99, lower_bound=0.98, n=200, fallback_rate=0.01,
                        adapter=task.eval.adapter,
                    ),
                )  # fmt: skip
        return unit

    monkeypatch.setattr(Train, "run", train)
    monkeypatch.setattr(Evaluate, "run", evaluate)
    return ran


def _options(agent: tuple[Path, Path], out: Path, emit: str = "bundle") -> CompileOptions:
    pipeline = PIPELINE if emit == "bundle" else PLAN_PIPELINE
    return CompileOptions(
        sources=[agent[0]], traces=[agent[1]], out=out, emit=emit, pipeline=pipeline, progress=False, target="hf"
    )


def test_a_site_offered_more_than_max_tools_gets_a_per_call_contract_that_bundles(agent, calls, tmp_path) -> None:
    records = [TraceRecord(tool_calls=[{"name": f"fn_{i}", "arguments": {}}]) for i in range(N_TOOLS)]
    contract = infer_contract(records)
    assert contract.kind == "tool-call" and contract.tools_per_call and contract.tools == ()
    assert contract.to_dict()["tools_per_call"] is True

    # a site with static tools and no answered call: the static tools; with none known either: per call
    site = LLMCall("llm:f@a.py:1", loc=Loc("a.py", 1), tools=("get_weather",))
    weather = Tool("tool:get_weather", name="get_weather", parameters={"type": "object", "required": ["city"]})
    static = infer_contract([], [site], {"get_weather": weather})
    assert static.tools == ({"name": "get_weather", "parameters": weather.parameters},) and not static.tools_per_call
    assert infer_contract([], [site], {}).tools_per_call

    out = tmp_path / "bundle"
    result = compile_agent(_options(agent, out), log=lambda m: None)
    assert calls == ["train", "evaluate"]
    assert result.bundle == out and (out / MANIFEST_NAME).is_file()
    manifest = load_manifest(out / MANIFEST_NAME)  # schema + files: raises on any problem
    site = manifest["sites"][SITE]
    assert site["decision"] == "offload"
    assert site["contract"]["kind"] == "tool-call" and site["contract"]["tools_per_call"] is True
    assert "tools" not in site["contract"]

    # the runtime checks a call against the tools offered in its own request
    check = RuntimeContract(site["contract"]).check
    offered = [_tool(3), _tool(4)]
    assert check(Answer(tool_calls=[{"name": "tool_03", "arguments": '{"city": "Oslo"}'}]), offered).ok
    wrong = check(Answer(tool_calls=[{"name": "tool_07", "arguments": '{"city": "Oslo"}'}]), offered)
    assert not wrong.ok and "tool_07" in wrong.error
    assert "required" in check(Answer(tool_calls=[{"name": "tool_03", "arguments": "{}"}]), offered).error
    assert not check(Answer(tool_calls=[{"name": "tool_03", "arguments": "{}"}]), []).ok  # none offered


def test_a_plan_the_manifest_schema_rejects_fails_before_the_train_pass(agent, calls, tmp_path, monkeypatch) -> None:
    build_manifest = bundle_mod.build_manifest

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:  # a tool-call contract that lists no tools
        doc = build_manifest(*args, **kwargs)
        for site in doc["sites"].values():
            (site.get("contract") or {}).pop("tools_per_call", None)
        return doc

    monkeypatch.setattr(bundle_mod, "build_manifest", broken)
    out = tmp_path / "bundle"
    log: list[str] = []
    with pytest.raises(SlmcError) as err:
        compile_agent(_options(agent, out), log=log.append)
    assert calls == []  # train never ran
    message = str(err.value)
    assert "before training" in message and "nothing was trained" in message
    assert f'$.sites["{SITE}"].contract' in message and "tools" in message
    assert not out.exists()
    cache = tmp_path / ".bundle.slmc-cache"
    assert any(p.name.startswith("plan-finetune-") and (p / "done").is_file() for p in cache.iterdir())

    # --emit plan, the fast path, fails on the same check
    with pytest.raises(SlmcError, match="nothing was trained"):
        compile_agent(_options(agent, tmp_path / "plan", emit="plan"), log=log.append)


def test_a_failure_writing_the_bundle_keeps_trained_stages_and_shows_the_warnings(
    agent, calls, tmp_path, monkeypatch, capsys
) -> None:
    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_mod, "_write_all", disk_full)
    out = tmp_path / "bundle"
    argv = ["compile", str(agent[0]), "--traces", str(agent[1]), "--out", str(out), "--no-progress", "--quiet"]
    # one held-out split (no k-fold): plan-finetune warns that its held-out calls are too few (W506)
    argv += ["--pipeline", PIPELINE.replace("plan-finetune", "plan-finetune{folds=1}")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert re.search(r"W50\d task:act: ", err)  # plan-finetune's warning, shown before the failure
    assert calls == ["train", "evaluate"] and not out.exists()
    cache = tmp_path / ".bundle.slmc-cache"
    done = {p.name.rsplit("-", 1)[0] for p in cache.iterdir() if (p / "done").is_file()}
    assert {"plan-finetune", "train", "evaluate", "gate"} <= done
    assert any((cache / "work" / "models" / "act").iterdir())  # the trained model is still there

    monkeypatch.undo()  # the disk has room again (and training would be real: it must not run)
    monkeypatch.setattr(Train, "run", lambda *a: pytest.fail("train ran again"))
    monkeypatch.setattr(Evaluate, "run", lambda *a: pytest.fail("evaluate ran again"))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert re.search(r"W50\d task:act: ", err)  # replayed from the cached stages
    doc = yaml.safe_load((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert doc["sites"][SITE]["decision"] == "offload"


@pytest.mark.parametrize("target", ["vllm", "tensorrt-llm", "llamacpp", "hf"])
def test_preflight_takes_untrained_adapters_from_the_fine_tune_plan(target: str, tmp_path: Path) -> None:
    """Before training no adapter is on disk: the check takes rank and modules from the plan, and still refuses a
    plan the target cannot serve (vLLM: a rank above its largest)."""
    from tests.emit.graphs import support_graph

    graph = support_graph()
    for node in [*graph.tasks(), *graph.sites()]:
        graph.update(node.id, decision=None, decision_reasons=())
    for task in graph.tasks():
        graph.update(task.id, eval=None)
    options = {"build_dir": str(tmp_path), "agent_name": "support_agent"}
    with pytest.raises(SlmcError, match="not found on disk"):  # what the bundle writer says after training
        bundle_mod.check_plan(bundle_mod.planned_graph(graph), options, target)
    plan = bundle_mod.preflight(graph, options, target)
    adapters = {a.name: a for a in plan.adapters()}
    assert adapters["intent"].planned and adapters["intent"].rank == 16 and adapters["order-id"].rank == 8
    assert {r.site_id: str(r.decision) for r in plan.sites}["llm:classify@agent.py:16"] == "offload"

    intent = graph.node("task:intent")
    graph.update(intent.id, finetune=dataclasses.replace(intent.finetune, lora_r=1024))
    if target == "vllm":
        with pytest.raises(SlmcError, match=r"nothing was trained.*\n.*r=1024 exceeds the largest servable rank"):
            bundle_mod.preflight(graph, options, target)


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        ({"kind": "tool-call", "tools_per_call": True}, None),
        ({"kind": "tool-call", "tools": [{"name": "route"}]}, None),
        ({"kind": "tool-call"}, "'tools' is a required property"),
        ({"kind": "tool-call", "tools_per_call": False}, "'tools' is a required property"),
        ({"kind": "tool-call", "tools_per_call": "yes"}, "tools_per_call: 'yes' is not of type 'boolean'"),
    ],
)
def test_manifest_schema_takes_a_per_call_tool_set(contract: dict[str, Any], expected: str | None) -> None:
    from slmc.codegen.manifest import manifest_errors

    doc = {
        "version": 1,
        "agent": {"name": "concierge", "source": "agent.py"},
        "endpoints": {},
        "sites": {SITE: {"decision": "keep", "contract": contract}},
    }
    errors = manifest_errors(doc)
    if expected is None:
        assert errors == []
    else:
        assert any(e.startswith(f'$.sites["{SITE}"].contract') and expected in e for e in errors), errors
