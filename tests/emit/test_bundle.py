"""Bundle writing: atomic replacement (crash mid-write keeps the old bundle), plan building across endpoints."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from slmc.codegen import bundle as bundle_module
from slmc.codegen.bundle import write_bundle
from slmc.errors import SlmcError
from slmc.ir.nodes import Decision, EvalResult, LLMCall, Loc, SiteKind, SLMChoice, Task
from slmc.passes.plan_serving import lower_serving_plan

from .graphs import ATTN, support_workspace, write_adapter, write_head

REPO = Path(__file__).resolve().parents[2]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_crash_mid_write_leaves_old_bundle_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph, options = support_workspace(tmp_path)
    out = tmp_path / "bundle"
    write_bundle(graph, options, out, "vllm")
    before = _snapshot(out)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_module, "_write_readme", crash)  # after manifest, adapters, scripts and agent
    with pytest.raises(OSError, match="No space left"):
        write_bundle(graph, options, out, "tensorrt-llm")
    assert _snapshot(out) == before  # still the complete vllm bundle
    assert _leftovers(tmp_path, "bundle") == []

    monkeypatch.undo()
    write_bundle(graph, options, out, "tensorrt-llm")
    assert (out / "trtllm" / "serve.sh").is_file() and not (out / "vllm").exists()


def test_killed_compile_never_leaves_a_partial_bundle(tmp_path: Path) -> None:
    """SIGKILL in the middle of writing (no cleanup runs): the old bundle stays; the next compile tidies up."""
    graph, options = support_workspace(tmp_path)
    out = tmp_path / "bundle"
    write_bundle(graph, options, out, "vllm")
    before = _snapshot(out)
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from emit.graphs import support_workspace
        from slmc.codegen import bundle
        from pathlib import Path

        tmp = Path({str(tmp_path / "child")!r})
        graph, options = support_workspace(tmp)
        real = bundle._write_deployment
        def die(*args, **kwargs):
            real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        bundle._write_deployment = die
        bundle.write_bundle(graph, options, Path({str(out)!r}), "llamacpp")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _snapshot(out) == before
    assert len(_leftovers(tmp_path, "bundle")) == 1  # the dead compile's temp folder, hidden beside the bundle

    write_bundle(graph, options, out, "llamacpp")
    assert (out / "llamacpp" / "serve.sh").is_file()
    assert _leftovers(tmp_path, "bundle") == []


def test_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "todo.txt").write_text("keep me")
    with pytest.raises(SlmcError, match="not an slmc bundle"):
        write_bundle(graph, options, precious, "vllm")
    assert (precious / "todo.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(SlmcError, match="not a folder"):
        write_bundle(graph, options, tmp_path / "file", "vllm")


def test_unknown_target_is_a_user_error(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    with pytest.raises(SlmcError, match="unknown target 'tgi'") as err:
        write_bundle(graph, options, tmp_path / "b", "tgi")
    assert "vllm" in (err.value.hint or "")


def _add_task(graph, tid: str, site: str, line: int, method: str, source: str, adapter: str) -> None:
    graph.add(
        LLMCall(
            id=site,
            site=SiteKind.REQUEST,
            loc=Loc("agent.py", line),
            function=site.split("@")[0][4:],
            client="anthropic",
            api="messages.create",
            decision=Decision.OFFLOAD,
        )
    )
    graph.add(
        Task(
            id=tid,
            name=tid[5:],
            sites=(site,),
            calls=90,
            slm=SLMChoice(model="SmolLM2-360M-Instruct", source=source, params_b=0.36, method=method),
            eval=EvalResult(metric="label", agreement=0.97, lower_bound=0.955, n=150, adapter=adapter),
            decision=Decision.OFFLOAD,
        )
    )


def test_plan_groups_bases_rounds_ranks_and_falls_back_to_hf(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    build = Path(str(options["build_dir"]))
    base = build / "models" / "smol"
    base.mkdir(parents=True)
    (base / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    write_adapter(build / "adapters" / "sentiment", 24, ATTN, base="smol")
    write_head(build / "adapters" / "topic")  # an slmc head: the bundle self-check refuses an empty head folder
    _add_task(graph, "task:sentiment", "llm:sentiment@agent.py:60", 60, "lora", "models/smol", "adapters/sentiment")
    _add_task(
        graph, "task:topic", "llm:topic@agent.py:70", 70, "classifier-head", "classifier:minilm", "adapters/topic"
    )

    plan = lower_serving_plan(graph, options, "vllm")
    assert [(ep.name, ep.target, ep.base_model, [a.name for a in ep.adapters]) for ep in plan.endpoints] == [
        ("base-0", "hf", "classifier:minilm", ["topic"]),
        ("base-1", "vllm", "Qwen/Qwen2.5-0.5B-Instruct", ["intent", "order-id"]),
        ("base-2", "vllm", "models/base-2", ["sentiment"]),
    ]
    assert plan.endpoint("base-2").family == "llama"
    assert any(
        n.startswith("task:topic: classifier-head is not servable by vllm; served in-process by the hf target")
        for n in plan.notes
    )

    out = tmp_path / "bundle"
    result = write_bundle(graph, options, out, "vllm")
    serve = (out / "vllm" / "serve.sh").read_text()
    assert "--max-lora-rank 32" in serve  # r=24 rounded up to an allowed vLLM rank
    assert (out / "models" / "base-2" / "config.json").is_file()  # local base copied into the bundle
    manifest = yaml.safe_load((out / "slmc-manifest.yaml").read_text())
    assert manifest["endpoints"]["base-0"] == {"target": "hf", "base_model": "classifier:minilm"}
    assert manifest["sites"]["llm:topic@agent.py:70"]["adapter"]["kind"] == "classifier-head"
    assert manifest["sites"]["llm:sentiment@agent.py:60"]["api"] == "anthropic.messages"
    compose = yaml.safe_load((out / "docker-compose.yaml").read_text())
    assert sorted(compose["services"]) == ["base-1", "base-2"]  # the in-process endpoint needs no container
    assert compose["services"]["base-2"]["ports"] == ["127.0.0.1:8002:8002"]  # published on loopback only
    assert "./models:/bundle/models:ro" in compose["services"]["base-2"]["volumes"]
    gpu = compose["services"]["base-1"]["deploy"]["resources"]["reservations"]["devices"]
    assert gpu == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    deployments = list(yaml.safe_load_all((out / "k8s" / "deployment.yaml").read_text()))
    container = deployments[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"] == {"nvidia.com/gpu": 1}
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert [d["metadata"]["name"] for d in deployments] == ["slmc-support-agent-base-1", "slmc-support-agent-base-2"]
    services = list(yaml.safe_load_all((out / "k8s" / "service.yaml").read_text()))
    assert [s["spec"]["ports"][0]["port"] for s in services] == [8001, 8002]
    assert {c.site_id for c in result.changes if c.action == "not-found"} == {
        "llm:sentiment@agent.py:60",
        "llm:topic@agent.py:70",
    }  # these two sites exist only in the graph, not in the agent source


def test_sites_the_router_cannot_serve_are_kept(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    site = graph.node("llm:classify@agent.py:16")
    graph.replace(dataclasses.replace(site, client="bedrock", api="invoke_model"))
    plan = lower_serving_plan(graph, options, "vllm")
    route = next(r for r in plan.sites if r.site_id == site.id)
    assert route.decision == Decision.KEEP and route.endpoint is None
    assert any("cannot serve bedrock invoke_model" in n for n in plan.notes)
    # the intent adapter is still planned (its task was accepted) but nothing routes to it
    result = write_bundle(graph, options, tmp_path / "b", "vllm")
    assert [c.site_id for c in result.changes] == ["llm:ask_llm@agent.py:11", "llm:extract@agent.py:25"]


def test_missing_adapter_and_oversized_rank_are_refused(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    build = Path(str(options["build_dir"]))
    write_adapter(build / "adapters" / "intent", 1024, ATTN)
    with pytest.raises(SlmcError, match="exceeds the largest servable rank 512"):
        write_bundle(graph, options, tmp_path / "b", "vllm")
    for f in (build / "adapters" / "intent").iterdir():
        f.unlink()
    (build / "adapters" / "intent").rmdir()
    with pytest.raises(SlmcError, match="adapter of task:intent not found on disk"):
        write_bundle(graph, options, tmp_path / "b", "llamacpp")
    assert not (tmp_path / "b").exists()


def test_llamacpp_rejects_embedding_adapters(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    write_adapter(Path(str(options["build_dir"])) / "adapters" / "intent", 16, (*ATTN, "embed_tokens"))
    with pytest.raises(SlmcError, match=r"convert_lora_to_gguf\.py rejects them"):
        write_bundle(graph, options, tmp_path / "b", "llamacpp")


def test_generated_scripts_are_valid_bash(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    scripts = []
    for target, extra in (("vllm", {}), ("tensorrt-llm", {}), ("tensorrt-llm", {"engine": True}), ("llamacpp", {})):
        out = tmp_path / f"{target}-{bool(extra)}"
        write_bundle(graph, {**options, "target_options": extra}, out, target)
        scripts += sorted(out.rglob("*.sh"))
    assert len(scripts) == 6
    for script in scripts:
        proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{script}: {proc.stderr}"
    # an unknown endpoint is refused by the script itself, before any server starts
    proc = subprocess.run(["bash", str(scripts[-1]), "base-9"], capture_output=True, text=True, env={**os.environ})
    assert proc.returncode == 2 and "unknown endpoint: base-9" in proc.stderr


def test_no_pickle_is_copied_into_a_bundle(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    topic = Path(str(options["build_dir"])) / "adapters" / "topic"
    topic.mkdir(parents=True)
    (topic / "head.json").write_text("{}")
    (topic / "head.safetensors").write_bytes(b"weights")
    (topic / "classifier.joblib").write_bytes(b"\x80\x04N.")  # an old pickled head left in the build
    _add_task(
        graph, "task:topic", "llm:topic@agent.py:70", 70, "classifier-head", "classifier:minilm", "adapters/topic"
    )
    out = tmp_path / "bundle"
    write_bundle(graph, options, out, "vllm")
    copied = out / "adapters" / "topic"
    assert sorted(p.name for p in copied.iterdir()) == ["head.json", "head.safetensors"]
    assert not [p for p in out.rglob("*") if p.suffix in (".joblib", ".pkl", ".pickle")]
