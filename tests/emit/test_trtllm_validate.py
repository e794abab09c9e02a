"""Static validation of TensorRT-LLM artefacts: a good config passes, each broken one is caught with a clear message."""

from __future__ import annotations

import copy
import json
import shlex
from pathlib import Path

import pytest
import yaml

from slmc.codegen.bundle import write_bundle
from slmc.errors import SlmcError
from slmc.targets.base import AdapterSpec
from slmc.targets.tensorrt_llm.validate import (
    adapter_from_dir,
    command_lines,
    trtllm_modules,
    validate_build_argv,
    validate_llm_api_options,
    validate_trtllm_dir,
)

from .graphs import ATTN, support_workspace, write_adapter

GOOD = {
    "lora_config": {
        "lora_dir": ["adapters/intent", "adapters/order-id"],
        "max_lora_rank": 16,
        "max_loras": 2,
        "max_cpu_loras": 2,
        "lora_target_modules": ["attn_q", "attn_k", "attn_v", "attn_dense"],
        "trtllm_modules_to_hf_modules": {
            "attn_q": "q_proj",
            "attn_k": "k_proj",
            "attn_v": "v_proj",
            "attn_dense": "o_proj",
        },
    }
}


def adapter(name: str, r: int, modules: tuple[str, ...]) -> AdapterSpec:
    return AdapterSpec(name, f"task:{name}", f"adapters/{name}", None, 1, r, 2 * r, modules, "lora")


ADAPTERS = [adapter("intent", 16, ATTN), adapter("order-id", 8, ("q_proj", "v_proj"))]


def broken(**changes: object) -> dict:
    doc = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            del doc["lora_config"][key]
        else:
            doc["lora_config"][key] = value
    return doc


def messages(problems: list) -> str:
    return "\n".join(map(str, problems))


def test_good_config_passes() -> None:
    assert validate_llm_api_options(GOOD, ADAPTERS) == []


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (broken(max_lora_rank=8), "lora_config.max_lora_rank: 8 < r=16 of adapter 'intent'"),
        (broken(max_lora_rank="16"), "lora_config.max_lora_rank: must be an integer, got str '16'"),
        (broken(max_lora_rank=True), "must be an integer, got bool"),
        (broken(lora_dir="adapters/intent"), "lora_config.lora_dir: must be a list"),
        (broken(max_loras=None), "max_loras is missing"),
        (broken(max_loras=0), "lora_config.max_loras: must be ≥ 1, got 0"),
        (broken(max_cpu_loras=1), "max_cpu_loras: 1 < max_loras 2"),
        (broken(lora_target_modules=["attn_q", "attn_v"]), "adapter 'intent' trains ['k_proj', 'o_proj']"),
        (broken(lora_target_modules=["attn_q", "q_proj"]), "unknown TensorRT-LLM module 'q_proj'"),
        (broken(max_lora_ranks=16), "lora_config.max_lora_ranks: unknown key"),
        (
            broken(trtllm_modules_to_hf_modules={"mlp_gate": "up_proj"}),
            "trtllm_modules_to_hf_modules.mlp_gate: maps a module that is not in lora_target_modules",
        ),
        ({"lora_config": ["adapters/intent"]}, "lora_config: must be a mapping"),
        ({}, "lora_config is missing but adapters must be served"),
        ([1, 2], "top level must be a mapping"),
    ],
)
def test_broken_configs_are_caught(doc: object, expected: str) -> None:
    problems = validate_llm_api_options(doc, ADAPTERS)
    assert problems, "a broken config passed"
    assert expected in messages(problems)


def test_module_map_follows_lora_helper() -> None:
    modules, unknown = trtllm_modules(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    assert modules == ["attn_q", "attn_k", "attn_v", "attn_dense", "mlp_h_to_4h", "mlp_4h_to_h", "mlp_gate"]
    assert unknown == []
    # lora_helper's default map has no attn_qkv entry: a fused qkv_proj maps to nothing (TensorRT-LLM 1.2.1)
    assert trtllm_modules(["model.layers.0.self_attn.qkv_proj", "c_attn"]) == (
        [],
        ["model.layers.0.self_attn.qkv_proj", "c_attn"],
    )
    assert trtllm_modules(["gate_up_proj"]) == (["mlp_gate_up"], [])


def test_adapter_dir_layout(tmp_path: Path) -> None:
    good, problems = adapter_from_dir(write_adapter(tmp_path / "good", 16, ATTN))
    assert problems == [] and good is not None and good.rank == 16 and set(good.target_modules) == set(ATTN)

    (tmp_path / "empty").mkdir()
    assert "adapter_config.json is missing" in messages(adapter_from_dir(tmp_path / "empty")[1])

    no_weights = write_adapter(tmp_path / "nw", 8, ("q_proj",))
    (no_weights / "adapter_model.safetensors").unlink()
    assert "no adapter weights" in messages(adapter_from_dir(no_weights)[1])

    pattern = write_adapter(tmp_path / "pat", 8, ("q_proj",))
    cfg = json.loads((pattern / "adapter_config.json").read_text())
    cfg.update(target_modules="all-linear", modules_to_save=["lm_head"], r="8")
    (pattern / "adapter_config.json").write_text(json.dumps(cfg))
    text = messages(adapter_from_dir(pattern)[1])
    assert "'all-linear' is a pattern" in text and "modules_to_save" in text and "r: must be a positive integer" in text


GOOD_BUILD = shlex.split(
    "trtllm-build --checkpoint_dir build/ckpt --output_dir build/engine --max_batch_size 8 --max_input_len 1024 "
    "--max_seq_len 2048 --max_num_tokens 4096 --lora_plugin auto --lora_dir adapters/intent --lora_ckpt_source hf "
    "--max_lora_rank 16 --lora_target_modules attn_q attn_k attn_v attn_dense"
)


def test_good_build_command_passes() -> None:
    assert validate_build_argv(GOOD_BUILD, ADAPTERS) == []


def _replace(argv: list[str], flag: str, *values: str) -> list[str]:
    i = argv.index(flag)
    j = i + 1
    while j < len(argv) and not argv[j].startswith("--"):
        j += 1
    return argv[:i] + ([flag, *values] if values else []) + argv[j:]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (_replace(GOOD_BUILD, "--max_input_len", "4096"), "--max_input_len 4096 > --max_seq_len 2048"),
        (_replace(GOOD_BUILD, "--lora_plugin"), "--lora_dir given without --lora_plugin"),
        (_replace(GOOD_BUILD, "--lora_ckpt_source", "peft"), "--lora_ckpt_source must be hf or nemo, got 'peft'"),
        (_replace(GOOD_BUILD, "--max_lora_rank", "8"), "--max_lora_rank 8 < r=16 of adapter 'intent'"),
        (_replace(GOOD_BUILD, "--lora_target_modules", "attn_q", "q_proj"), "invalid choices ['q_proj']"),
        (_replace(GOOD_BUILD, "--checkpoint_dir"), "--checkpoint_dir is required"),
        (_replace(GOOD_BUILD, "--max_num_tokens", "512"), "--max_num_tokens 512 < --max_input_len 1024"),
        ([*GOOD_BUILD, "--lora_rank", "8"], "unknown flag '--lora_rank'"),
        (["trtllm-serve", "x"], "not a trtllm-build command"),
    ],
)
def test_broken_build_commands_are_caught(argv: list[str], expected: str) -> None:
    assert expected in messages(validate_build_argv(argv, ADAPTERS))


@pytest.mark.parametrize("engine", [False, True])
def test_emitted_bundle_validates_and_edits_are_caught(tmp_path: Path, engine: bool) -> None:
    graph, options = support_workspace(tmp_path)
    bundle = tmp_path / "bundle"
    write_bundle(graph, {**options, "target_options": {"engine": engine}}, bundle, "tensorrt-llm")
    assert validate_trtllm_dir(bundle) == []
    if engine:
        script = bundle / "trtllm" / "build_engine.sh"
        text = script.read_text()
        assert [a[0] for a in command_lines(text) if a and a[0] == "trtllm-build"] == ["trtllm-build"]
        script.write_text(text.replace("--max_lora_rank 16", "--max_lora_rank 8").replace("nvidia-smi", "true"))
        found = messages(validate_trtllm_dir(bundle))
        assert "--max_lora_rank 8 < r=16 of adapter 'intent'" in found
        assert "does not check for a GPU" in found
    else:
        path = bundle / "trtllm" / "extra_llm_api_options.yaml"
        doc = yaml.safe_load(path.read_text())
        doc["lora_config"]["lora_target_modules"] = ["attn_q", "attn_v"]
        path.write_text(yaml.safe_dump(doc))
        (bundle / "adapters" / "order-id" / "adapter_model.safetensors").unlink()
        found = messages(validate_trtllm_dir(bundle))
        assert "adapter 'intent' trains ['k_proj', 'o_proj']" in found
        assert "order-id: no adapter weights" in found


def test_compile_refuses_an_unservable_plan_before_writing(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    write_adapter(Path(str(options["build_dir"])) / "adapters" / "intent", 16, ("c_attn", "q_proj"))
    with pytest.raises(SlmcError) as err:
        write_bundle(graph, options, tmp_path / "bundle", "tensorrt-llm")
    assert "['c_attn'] have no TensorRT-LLM counterpart" in str(err.value)
    assert not (tmp_path / "bundle").exists()
