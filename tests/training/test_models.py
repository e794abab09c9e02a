"""Scratch bases, the one loading path (load_base) for local dirs and hub ids, LoRA adapters, presets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from slmc.errors import SlmcError
from slmc.ir.nodes import SLMChoice
from slmc.training.datasets import LengthStats, build_task_dataset, corpus_texts
from slmc.training.generate import generate
from slmc.training.models import load_base, load_trained, model_family, target_modules_for
from slmc.training.presets import choose_method, lora_rank, make_plan
from slmc.training.scratch import build_scratch, scratch_params, scratch_size


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    from .conftest import weather_records

    rows = build_task_dataset(weather_records(), "task:weather").rows["train"]
    return build_scratch("scratch:tiny", corpus_texts(rows), tmp_path_factory.mktemp("base") / "tiny")


def test_scratch_base_is_a_normal_hf_directory(base):
    assert (base / "config.json").exists() and (base / "model.safetensors").exists()
    assert (base / "tokenizer.json").exists()
    assert 1_000_000 < scratch_params(base) < 3_500_000
    assert json.loads((base / "config.json").read_text())["model_type"] == "llama"


def test_load_base_round_trip_gives_the_same_model(base, tmp_path):
    model, tokenizer = load_base(str(base), device="cpu")
    prompt = [{"role": "user", "content": "Will it rain in Paris monday?"}]
    text = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False)
    full = tokenizer.apply_chat_template([*prompt, {"role": "assistant", "content": "{}"}], tokenize=False)
    assert full.startswith(text)  # the prompt alone is a prefix: completion-only loss lines up
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    model.save_pretrained(tmp_path / "copy")
    tokenizer.save_pretrained(tmp_path / "copy")
    again, tok_again = load_base(str(tmp_path / "copy"), device="cpu")
    with torch.no_grad():
        assert torch.equal(model(**ids).logits, again(**ids).logits)
    assert tok_again(text)["input_ids"] == tokenizer(text)["input_ids"]


def test_scratch_build_is_deterministic(base, tmp_path):
    from .conftest import weather_records

    rows = build_task_dataset(weather_records(), "task:weather").rows["train"]
    other = build_scratch("scratch:tiny", corpus_texts(rows), tmp_path / "again")
    assert (other / "tokenizer.json").read_text() == (base / "tokenizer.json").read_text()
    a, _ = load_base(str(base), device="cpu")
    b, _ = load_base(str(other), device="cpu")
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_unknown_sources_are_user_errors(tmp_path):
    with pytest.raises(SlmcError, match="cannot load base model"):
        load_base(str(tmp_path / "nowhere"), device="cpu")
    with pytest.raises(SlmcError, match="unknown scratch model size"):
        scratch_size("scratch:huge")


def test_lora_adapter_is_a_standard_peft_directory(base, tmp_path):
    from peft import LoraConfig, get_peft_model

    model, tokenizer = load_base(str(base), device="cpu")
    config = LoraConfig(r=8, lora_alpha=16, target_modules=list(target_modules_for(str(base))), task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    with torch.no_grad():  # make the adapter do something
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.05)
    out = tmp_path / "adapter"
    peft_model.save_pretrained(out)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "adapter_config.json", "adapter_model.safetensors"]
    saved = json.loads((out / "adapter_config.json").read_text())
    assert saved["r"] == 8 and saved["peft_type"] == "LORA" and not saved.get("modules_to_save")
    (out / "slmc-train.json").write_text(json.dumps({"base": str(base), "method": "lora"}))
    loaded, loaded_tok = load_trained(out, device="cpu")
    rows = [
        {
            "messages": [
                {"role": "user", "content": "Will it rain in Oslo friday?"},
                {"role": "assistant", "content": "{}"},
            ]
        }
    ]
    first = generate(peft_model, tokenizer, rows, max_new_tokens=5)
    second = generate(loaded, loaded_tok, rows, max_new_tokens=5)
    assert first == second and first[0].confidence <= 0


def test_target_modules_per_family(tmp_path):
    assert target_modules_for("microsoft/Phi-3-mini-4k-instruct") == ("qkv_proj", "o_proj", "gate_up_proj", "down_proj")
    assert "gate_proj" in target_modules_for("HuggingFaceTB/SmolLM2-360M-Instruct")
    assert model_family("Qwen/Qwen2.5-0.5B-Instruct") == "qwen2"
    (tmp_path / "config.json").write_text('{"model_type": "phi3"}')
    assert target_modules_for(str(tmp_path))[0] == "qkv_proj"


def test_presets_follow_data_and_model():
    hub = SLMChoice(model="q", source="Qwen/Qwen2.5-1.5B-Instruct", params_b=1.5, method="lora")
    assert choose_method(hub, gpu=False, bitsandbytes=False) == "lora"
    assert choose_method(hub, gpu=True, bitsandbytes=True) == "qlora"
    scratch = SLMChoice(model="s", source="scratch:tiny", params_b=0.002, method="lora")
    assert choose_method(scratch, gpu=True, bitsandbytes=True) == "full"
    assert [lora_rank(n) for n in (100, 1000, 5000, 50000)] == [8, 16, 32, 64]
    stats = LengthStats(n=3000, p50=40, p95=90, max=300, completion_max=12)
    plan = make_plan(hub, dataset="d", validation="v", test="t", stats=stats)
    assert plan.max_length == 320 and plan.batch_size == 8 and plan.epochs == 2.0
    assert plan.lora_r == 32 and plan.lora_alpha == 64 and "q_proj" in plan.target_modules
    tiny = make_plan(scratch, dataset="d", validation="v", test="t", stats=LengthStats(200, 20, 30, 40, 10))
    assert tiny.method == "full" and tiny.lora_r == 0 and tiny.learning_rate == 1e-3 and tiny.epochs == 15


@pytest.mark.parametrize(
    ("rows", "gpu", "batch"), [(150, False, 16), (150, True, 16), (600, True, 37), (5000, True, 64)]
)
def test_a_gpu_batch_grows_only_while_an_epoch_keeps_enough_steps(rows, gpu, batch):
    from slmc.training.presets import GPU_MIN_STEPS_PER_EPOCH, batch_size_for

    size = batch_size_for(128, "full", gpu, rows)
    assert size == batch
    assert not gpu or rows // size >= min(GPU_MIN_STEPS_PER_EPOCH, rows // 16)
