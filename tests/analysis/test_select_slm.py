from __future__ import annotations

import pytest

from slmc.analysis.catalog import find_model, load_catalog, parse_params
from slmc.analysis.prices import gpu_for, llm_price, slm_cost_per_1m
from slmc.analysis.savings import task_cost
from slmc.compiler.passmanager import PassContext
from slmc.compiler.settings import Settings
from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Contract, OffloadScore, Task, Verdict
from slmc.ir.unit import CompileUnit
from slmc.passes.cluster_tasks import ClusterTasks
from slmc.passes.infer_contracts import InferContracts
from slmc.passes.score_offload import ScoreOffload
from slmc.passes.select_slm import SelectSLM

from .conftest import check_golden, graph_text

LABEL = Contract("label", labels=("ham", "spam", "unsure"), strictness=1.0)
TOOLS = Contract("tool-call", tools=({"name": "get_weather", "parameters": {"type": "object"}},), strictness=0.8)
OPEN_TOOLS = Contract("tool-call", strictness=0.6)
TEXT = Contract("text", max_length=300, strictness=0.15)


def _graph(*tasks: tuple[str, Contract, int]) -> AgentGraph:
    graph = AgentGraph()
    for name, contract, out_tokens in tasks:
        offload = OffloadScore(0.9, Verdict.NARROW, (), 100, 100 * 200, 100 * out_tokens)
        graph.add(
            Task(
                f"task:{name}",
                name=name,
                calls=100,
                examples=("is this a prize for me",),
                contract=contract,
                offload=offload,
            )
        )
    return graph


def _select(graph: AgentGraph, **options) -> dict[str, Task]:
    ctx = PassContext(settings=Settings(**options))
    graph = SelectSLM().run(ctx, CompileUnit(graph)).graph
    return {t.name: t for t in graph.tasks()}


def test_catalog_has_the_listed_models_with_complete_entries():
    catalog = load_catalog()
    names = {m.name for m in catalog}
    for required in (
        "Qwen2.5-0.5B-Instruct",
        "Qwen3-1.7B",
        "Llama-3.2-3B-Instruct",
        "SmolLM2-135M-Instruct",
        "Phi-4-mini-instruct",
        "gemma-3-1b-it",
        "Hymba-1.5B-Instruct",
        "xLAM-2-8b-fc-r",
        "DeepSeek-R1-Distill-Qwen-7B",
    ):
        assert required in names
    assert len(catalog) >= 12
    for m in catalog:
        assert m.lora_targets and m.serving and m.arch.endswith(("ForCausalLM", "ForConditionalGeneration"))
        assert m.memory_gb("int4") < m.memory_gb("int8") < m.memory_gb("bf16")
    assert find_model("qwen/qwen2.5-0.5b-instruct").name == "Qwen2.5-0.5B-Instruct"
    assert parse_params("500M") == 0.5 and parse_params("3b") == 3.0
    with pytest.raises(SlmcError):
        parse_params("big")


def test_default_picks_smallest_adequate_and_classifier_for_labels():
    tasks = _select(_graph(("spam", LABEL, 2), ("weather", TOOLS, 20), ("reply", TEXT, 200)))
    spam = tasks["spam"].slm
    assert spam.model == "classifier:minilm" and spam.method == "classifier-head"
    assert spam.alternatives[0].startswith("SmolLM2-135M-Instruct")  # the decoder it beat
    assert any("forward pass" in r for r in spam.reasons)
    weather = tasks["weather"].slm
    assert weather.model == "Qwen2.5-0.5B-Instruct" and "tool-calling" in find_model(weather.model).tags
    assert tasks["reply"].slm.model == "Qwen2.5-1.5B-Instruct"  # 1.5B class: permissive, served everywhere


def test_classifier_not_preferred_for_long_inputs():
    graph = _graph(("spam", LABEL, 2))
    graph.update("task:spam", examples=("word " * 400,))
    slm = _select(graph)["spam"].slm
    assert slm.method == "lora" and slm.alternatives[0].startswith("classifier:minilm")
    assert any("exceed its window" in r for r in slm.reasons)


def test_max_params_and_missing_capability():
    slm = _select(_graph(("weather", TOOLS, 20)), max_params="0.4B")["weather"].slm
    assert slm.params_b <= 0.4 and slm.model == "SmolLM2-360M-Instruct"
    assert any("no allowed model is tagged tool-calling" in r for r in slm.reasons)


def test_licence_permissive():
    graph = _graph(("anytool", OPEN_TOOLS, 30))
    assert _select(graph, max_params="1.3B")["anytool"].slm.model == "Llama-3.2-1B-Instruct"
    slm = _select(graph, max_params="1.3B", licence="permissive")["anytool"].slm
    assert slm.model == "Qwen3-0.6B" and find_model(slm.model).permissive
    assert any("took the largest" in r for r in slm.reasons)


def test_gpu_memory_picks_precision_and_qlora():
    slm = _select(_graph(("reply", TEXT, 200)), gpu_memory=4)["reply"].slm
    assert slm.model == "Qwen2.5-1.5B-Instruct" and slm.method == "qlora"
    assert any("serves in int8" in r for r in slm.reasons)
    roomy = _select(_graph(("reply", TEXT, 200)), gpu_memory=24)["reply"].slm
    assert roomy.method == "lora" and any("serves in bf16" in r for r in roomy.reasons)
    assert gpu_for(24) == "L4" and gpu_for(None, cpu_only=True) == "cpu"


def test_cpu_only_and_target():
    slm = _select(_graph(("reply", TEXT, 200)), cpu_only=True)["reply"].slm
    assert slm.params_b <= 1.8 and any("CPU" in r for r in slm.reasons)
    with pytest.raises(SlmcError, match="cpu-only"):
        _select(_graph(("reply", TEXT, 200)), cpu_only=True, target="vllm")
    tasks = _select(_graph(("reply", TEXT, 200), ("spam", LABEL, 2)), target="tensorrt-llm", max_params="1.6B")
    for t in tasks.values():
        if t.slm.method != "classifier-head":
            assert "tensorrt-llm" in find_model(t.slm.model).serving
    assert any("ruled out" in r for r in tasks["reply"].slm.reasons)
    # the only models under that licence are not served by tensorrt-llm
    with pytest.raises(SlmcError, match="no catalog SLM"):
        _select(_graph(("reply", TEXT, 200)), target="tensorrt-llm", licence="NVIDIA-Open-Model-License")


def test_base_model_override():
    tasks = _select(_graph(("spam", LABEL, 2), ("reply", TEXT, 200)), base_model="scratch:tiny")
    for t in tasks.values():
        assert t.slm.model == "scratch:tiny" and t.slm.method == "full" and 0 < t.slm.params_b < 0.01
        assert "override" in t.slm.reasons[0]


def test_savings_model_formula():
    price = llm_price("gpt-4o")
    kept = task_cost(
        "t", 1000, 1000 * 500, 1000 * 20, price, offloaded=False, params_b=None, gpu="L4", contract_kind="label"
    )
    assert kept.llm_per_1k == pytest.approx(1000 * (500 * 2.5 + 20 * 10) / 1e6)
    assert kept.after_per_1k == kept.llm_per_1k
    off = task_cost(
        "t", 1000, 1000 * 500, 1000 * 20, price, offloaded=True, params_b=0.5, gpu="L4", contract_kind="label"
    )
    slm = (20 + 0.1 * 500) * slm_cost_per_1m(0.5, "L4") / 1e6
    assert off.after_per_1k == pytest.approx(1000 * (slm + 0.05 * (500 * 2.5 + 20 * 10) / 1e6))
    assert 0.9 < off.saved_share < 0.96


def test_select_slm_golden_and_savings(agent):
    unit, ctx = agent
    for p in (ClusterTasks(embedder="tfidf"), InferContracts(), ScoreOffload(min_calls=20), SelectSLM()):
        unit = p.run(ctx, unit)
    graph = unit.graph
    graph.verify()
    check_golden("select_slm.ir.txt", graph_text(graph))
    savings = unit.reports.savings
    assert savings["llm_price_model"] == "gpt-4o" and savings["gpu"] == "L4"
    assert 0 < savings["usd_per_1k_calls_after"] < savings["usd_per_1k_calls_before"]
    kept = [t for t in savings["tasks"] if not t["offloaded"]]
    assert len(kept) == 1 and kept[0]["after_per_1k"] == kept[0]["llm_per_1k"]
