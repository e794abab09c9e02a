"""The GPU paths of training and evaluation, run where torch sees a GPU (skipped elsewhere, as on CI).

What only a GPU exercises: the generative trainer in bf16 mixed precision, the encoder classifier and the heads on a
CUDA device, LoRA on a local base model, and models trained on the GPU that must still load and answer the same on
a CPU (a bundle is often trained on one machine and served on another). ``SLMC_GPU_TEST_DEVICE=cpu`` runs the same
checks on the CPU, to check the checks themselves on a machine without a GPU."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir.unit import CompileUnit

from .conftest import make_graph, mood_records, mood_task, weather_records, weather_task

torch = pytest.importorskip("torch")
DEVICE = os.environ.get("SLMC_GPU_TEST_DEVICE", "cuda")
pytestmark = pytest.mark.skipif(
    DEVICE.startswith("cuda") and not torch.cuda.is_available(), reason="needs a GPU (torch sees none)"
)


def _answers(build, task: str) -> list[str]:
    """The saved evaluation's predictions, in test-row order."""
    return [json.loads(x)["prediction"] for x in (build / "eval" / f"{task}.jsonl").read_text().splitlines()]


def _run(build, records, spec: str, settings: Settings, tasks) -> CompileUnit:
    ctx = PassContext(out_dir=build, settings=settings)
    return PassManager.from_spec(spec, settings).run(ctx, CompileUnit(make_graph(tasks), records))


@pytest.fixture(scope="module")
def on_device(tmp_path_factory):
    build = tmp_path_factory.mktemp("gpu-build")
    settings = Settings(gate_target=0.9, embedder="tfidf")
    spec = f"plan-finetune{{epochs=12,holdout=curation}},train{{device={DEVICE}}},evaluate{{device={DEVICE}}},gate"
    unit = _run(build, weather_records() + mood_records(), spec, settings, [weather_task(), mood_task()])
    return build, unit, settings


def test_the_scratch_model_and_the_head_learn_on_the_device(on_device):
    _, unit, _ = on_device
    weather, mood = unit.graph.node("task:weather"), unit.graph.node("task:mood")
    assert weather.eval.n == 50 and weather.eval.agreement >= 0.9
    assert mood.eval.agreement == 1.0


def test_what_was_trained_on_the_device_answers_the_same_on_the_cpu(on_device, tmp_path):
    build, unit, settings = on_device
    on_gpu = _answers(build, "weather")
    # evaluate the saved models again, on the CPU, from the same build folder
    ctx = PassContext(out_dir=build, settings=settings)
    again = PassManager.from_spec("evaluate{device=cpu}", settings).run(ctx, unit)
    on_cpu = _answers(build, "weather")
    assert len(on_gpu) == len(on_cpu) == 50
    same = sum(a == b for a, b in zip(on_gpu, on_cpu, strict=True)) / len(on_gpu)
    assert same >= 0.96  # bf16 on the GPU vs float32 on the CPU may flip a near tie, no more
    assert abs(again.graph.node("task:weather").eval.agreement - unit.graph.node("task:weather").eval.agreement) <= 0.04


def test_lora_on_a_local_base_trains_on_the_device_and_loads_on_the_cpu(tmp_path):
    from slmc.training.datasets import build_task_dataset, corpus_texts
    from slmc.training.scratch import build_scratch

    rows = build_task_dataset(weather_records(), "task:weather").rows["train"]
    base = build_scratch("scratch:tiny", corpus_texts(rows), tmp_path / "base")
    build = tmp_path / "build"
    settings = Settings(gate_target=0.9, embedder="tfidf")
    task = weather_task(source=str(base), method="lora")
    task = dataclasses.replace(task, slm=dataclasses.replace(task.slm, params_b=0.5))  # planned as a 0.5B base
    spec = f"plan-finetune{{epochs=2,holdout=curation}},train{{device={DEVICE}}},evaluate{{device={DEVICE}}}"
    unit = _run(build, weather_records(), spec, settings, [task])
    node = unit.graph.node("task:weather")
    assert node.finetune.method == "lora"  # no bitsandbytes here: LoRA, not QLoRA
    adapter = build / node.eval.adapter
    saved = {p.name for p in adapter.iterdir()}
    assert "adapter_config.json" in saved and "adapter_model.safetensors" in saved  # a standard PEFT folder
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in saved)  # safetensors only, no pickle
    on_device_answers = _answers(build, "weather")
    ctx = PassContext(out_dir=build, settings=settings)
    PassManager.from_spec("evaluate{device=cpu}", settings).run(ctx, unit)
    on_cpu = _answers(build, "weather")
    assert len(on_cpu) == len(on_device_answers) == node.eval.n
