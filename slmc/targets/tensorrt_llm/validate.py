"""Static checks of TensorRT-LLM artefacts (no GPU, no ``tensorrt_llm`` import: CI cannot install it on 3.11).

Checks the ``extra_llm_api_options.yaml`` keys and types, ``max_lora_rank`` ≥ every adapter ``r``, adapter target
modules ⊆ the HF modules mapped from ``lora_target_modules``, the peft adapter directory layout, and for the legacy
engine recipe the ``trtllm-build`` flags (``--lora_plugin`` with ``--lora_dir``, ``max_input_len`` ≤ ``max_seq_len``,
...). Every finding is a ``Problem`` naming the file and key.
"""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from slmc.targets.base import AdapterSpec, Problem, shell_syntax_errors

# tensorrt_llm/lora_helper.py default map (TRT-LLM module -> HF module).
TRTLLM_TO_HF: dict[str, str] = {
    "attn_q": "q_proj",
    "attn_k": "k_proj",
    "attn_v": "v_proj",
    "attn_qkv": "qkv_proj",
    "attn_dense": "o_proj",
    "mlp_h_to_4h": "gate_proj",
    "mlp_4h_to_h": "down_proj",
    "mlp_gate": "up_proj",
    "mlp_gate_up": "gate_up_proj",
}
HF_TO_TRTLLM: dict[str, str] = {hf: trt for trt, hf in TRTLLM_TO_HF.items()}
# LoraManager.LORA_MODULE_IDS: the trtllm-build --lora_target_modules choices.
LORA_MODULE_IDS: dict[str, int] = {
    "attn_qkv": 0,
    "attn_q": 1,
    "attn_k": 2,
    "attn_v": 3,
    "attn_dense": 4,
    "mlp_h_to_4h": 5,
    "mlp_4h_to_h": 6,
    "mlp_gate": 7,
    "cross_attn_qkv": 8,
    "cross_attn_q": 9,
    "cross_attn_k": 10,
    "cross_attn_v": 11,
    "cross_attn_dense": 12,
    "moe_h_to_4h": 13,
    "moe_4h_to_h": 14,
    "moe_gate": 15,
    "moe_router": 16,
}
KNOWN_MODULES = set(LORA_MODULE_IDS) | set(TRTLLM_TO_HF)
LORA_CONFIG_KEYS: dict[str, Any] = {
    "lora_dir": list,
    "max_lora_rank": int,
    "max_loras": int,
    "max_cpu_loras": int,
    "lora_target_modules": list,
    "trtllm_modules_to_hf_modules": dict,
    "lora_ckpt_source": str,
}
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def trtllm_modules(hf_modules: Iterable[str]) -> tuple[list[str], list[str]]:
    """(TRT-LLM module names in LORA_MODULE_IDS order, HF names with no TRT-LLM counterpart)."""
    mapped, unknown = set(), []
    for m in hf_modules:
        name = m.rsplit(".", 1)[-1]
        if name in HF_TO_TRTLLM:
            mapped.add(HF_TO_TRTLLM[name])
        else:
            unknown.append(m)
    order = list(LORA_MODULE_IDS) + [m for m in TRTLLM_TO_HF if m not in LORA_MODULE_IDS]
    return sorted(mapped, key=order.index), unknown


def _type_name(tp: Any) -> str:
    return {list: "a list", int: "an integer", dict: "a mapping", str: "a string"}[tp]


def validate_llm_api_options(
    data: Any, adapters: Iterable[AdapterSpec] = (), where: str = "extra_llm_api_options.yaml"
) -> list[Problem]:
    """Check an ``LlmArgs`` YAML document's ``lora_config`` against the adapters it must serve."""
    if not isinstance(data, dict):
        return [Problem(where, "top level must be a mapping of LlmArgs fields")]
    lora = data.get("lora_config")
    adapters = list(adapters)
    if lora is None:
        if adapters:
            return [Problem(where, "lora_config is missing but adapters must be served", hint="add lora_config")]
        return []
    if not isinstance(lora, dict):
        return [Problem(f"{where}: lora_config", "must be a mapping")]
    problems: list[Problem] = []
    for key, value in lora.items():
        at = f"{where}: lora_config.{key}"
        expected = LORA_CONFIG_KEYS.get(key)
        if expected is None:
            problems.append(Problem(at, "unknown key", hint=f"LoraConfig keys: {', '.join(LORA_CONFIG_KEYS)}"))
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(Problem(at, f"must be {_type_name(expected)}, got {type(value).__name__} {value!r}"))
    if problems:
        return problems
    for key in ("max_lora_rank", "max_loras", "max_cpu_loras"):
        if key not in lora:
            problems.append(Problem(f"{where}: lora_config", f"{key} is missing"))
        elif lora[key] < 1:
            problems.append(Problem(f"{where}: lora_config.{key}", f"must be ≥ 1, got {lora[key]}"))
    if problems:
        return problems
    if lora["max_cpu_loras"] < lora["max_loras"]:
        problems.append(
            Problem(
                f"{where}: lora_config.max_cpu_loras",
                f"{lora['max_cpu_loras']} < max_loras {lora['max_loras']} (the CPU cache must hold every GPU adapter)",
            )
        )
    for d in lora.get("lora_dir", []):
        if not isinstance(d, str):
            problems.append(Problem(f"{where}: lora_config.lora_dir", f"entries must be paths, got {d!r}"))
    modules = lora.get("lora_target_modules", [])
    for m in modules:
        if m not in KNOWN_MODULES:
            problems.append(
                Problem(
                    f"{where}: lora_config.lora_target_modules",
                    f"unknown TensorRT-LLM module {m!r}",
                    hint=f"use {', '.join(TRTLLM_TO_HF)}",
                )
            )
    mapping = {**TRTLLM_TO_HF, **lora.get("trtllm_modules_to_hf_modules", {})}
    for trt in lora.get("trtllm_modules_to_hf_modules", {}):
        if trt not in modules:
            problems.append(
                Problem(
                    f"{where}: lora_config.trtllm_modules_to_hf_modules.{trt}",
                    "maps a module that is not in lora_target_modules",
                )
            )
    served_hf = {mapping[m] for m in modules if m in mapping}
    for a in adapters:
        if a.rank > lora["max_lora_rank"]:
            problems.append(
                Problem(
                    f"{where}: lora_config.max_lora_rank",
                    f"{lora['max_lora_rank']} < r={a.rank} of adapter {a.name!r}",
                    hint="raise max_lora_rank to the largest adapter rank",
                )
            )
        missing = sorted(set(a.target_modules) - served_hf)
        if missing:
            problems.append(
                Problem(
                    f"{where}: lora_config.lora_target_modules",
                    f"adapter {a.name!r} trains {missing}, which no listed module maps to",
                    hint=f"add {', '.join(HF_TO_TRTLLM.get(m, '?' + m) for m in missing)}",
                )
            )
    if len(adapters) > lora["max_cpu_loras"]:
        problems.append(
            Problem(
                f"{where}: lora_config.max_cpu_loras",
                f"{lora['max_cpu_loras']} < {len(adapters)} adapters served",
            )
        )
    return problems


def adapter_from_dir(path: Path, name: str | None = None) -> tuple[AdapterSpec | None, list[Problem]]:
    """Read a peft LoRA directory into an ``AdapterSpec`` and check its layout."""
    where = str(path)
    if not path.is_dir():
        return None, [Problem(where, "adapter directory does not exist")]
    cfg_path = path / "adapter_config.json"
    if not cfg_path.is_file():
        return None, [
            Problem(where, "adapter_config.json is missing", hint="save the adapter with peft save_pretrained")
        ]
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return None, [Problem(str(cfg_path), f"not valid JSON: {exc}")]
    problems: list[Problem] = []
    if not any((path / w).is_file() for w in ADAPTER_WEIGHTS):
        problems.append(Problem(where, f"no adapter weights ({' or '.join(ADAPTER_WEIGHTS)})"))
    if cfg.get("peft_type", "LORA") != "LORA":
        problems.append(Problem(str(cfg_path), f"peft_type is {cfg.get('peft_type')!r}, TensorRT-LLM serves LORA"))
    r = cfg.get("r")
    if not isinstance(r, int) or isinstance(r, bool) or r < 1:
        problems.append(Problem(f"{cfg_path}: r", f"must be a positive integer, got {r!r}"))
        r = 0
    modules = cfg.get("target_modules")
    if isinstance(modules, str):
        problems.append(
            Problem(
                f"{cfg_path}: target_modules",
                f"{modules!r} is a pattern; TensorRT-LLM needs explicit module names",
                hint="train with target_modules as a list",
            )
        )
        modules = []
    if cfg.get("modules_to_save"):
        problems.append(Problem(f"{cfg_path}: modules_to_save", "full saved modules cannot be served as LoRA"))
    spec = AdapterSpec(
        name=name or path.name,
        task="",
        path=str(path),
        source=path,
        int_id=0,
        rank=r,
        alpha=int(cfg.get("lora_alpha") or 0),
        target_modules=tuple(modules or ()),
        method="lora",
    )
    return spec, problems


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="trtllm-build", add_help=False, allow_abbrev=False)
    p.add_argument("--checkpoint_dir")
    p.add_argument("--output_dir")
    for flag in ("--gemm_plugin", "--gpt_attention_plugin", "--lora_plugin", "--remove_input_padding"):
        p.add_argument(flag)
    for flag in ("--paged_kv_cache", "--context_fmha", "--lora_ckpt_source", "--kv_cache_type"):
        p.add_argument(flag)
    for flag in ("--max_batch_size", "--max_input_len", "--max_seq_len", "--max_num_tokens", "--max_beam_width"):
        p.add_argument(flag, type=int)
    p.add_argument("--max_lora_rank", type=int)
    p.add_argument("--lora_dir", nargs="+")
    p.add_argument("--lora_target_modules", nargs="+")
    p.add_argument("--workers", type=int)
    return p


def validate_build_argv(
    argv: list[str], adapters: Iterable[AdapterSpec] = (), where: str = "trtllm-build"
) -> list[Problem]:
    """Check a ``trtllm-build`` command line (argv[0] == "trtllm-build")."""
    if not argv or argv[0] != "trtllm-build":
        return [Problem(where, "not a trtllm-build command")]
    parser = _build_parser()
    try:
        ns, unknown = parser.parse_known_args(argv[1:])
    except (SystemExit, argparse.ArgumentError) as exc:  # argparse exits on a bad value
        return [Problem(where, f"cannot parse the flags: {exc}")]
    problems = [Problem(where, f"unknown flag {u!r}") for u in unknown if u.startswith("--")]
    for required in ("checkpoint_dir", "output_dir"):
        if not getattr(ns, required):
            problems.append(Problem(where, f"--{required} is required"))
    if ns.max_input_len and ns.max_seq_len and ns.max_input_len > ns.max_seq_len:
        problems.append(Problem(where, f"--max_input_len {ns.max_input_len} > --max_seq_len {ns.max_seq_len}"))
    for flag in ("max_batch_size", "max_input_len", "max_seq_len", "max_num_tokens"):
        value = getattr(ns, flag)
        if value is not None and value < 1:
            problems.append(Problem(where, f"--{flag} must be ≥ 1, got {value}"))
    if ns.max_num_tokens and ns.max_input_len and ns.max_num_tokens < ns.max_input_len:
        problems.append(
            Problem(
                where,
                f"--max_num_tokens {ns.max_num_tokens} < --max_input_len {ns.max_input_len} (one prompt must fit)",
            )
        )
    adapters = list(adapters)
    if ns.lora_dir or adapters:
        if not ns.lora_plugin or ns.lora_plugin == "disable":
            problems.append(Problem(where, "--lora_dir given without --lora_plugin", hint="add --lora_plugin auto"))
        if not ns.lora_dir:
            problems.append(Problem(where, "LoRA engines need at least one --lora_dir at build time"))
        if ns.lora_ckpt_source not in ("hf", "nemo"):
            problems.append(Problem(where, f"--lora_ckpt_source must be hf or nemo, got {ns.lora_ckpt_source!r}"))
        modules = ns.lora_target_modules or []
        bad = [m for m in modules if m not in LORA_MODULE_IDS]
        if bad:
            problems.append(Problem(where, f"--lora_target_modules has invalid choices {bad}"))
        if not modules:
            problems.append(Problem(where, "--lora_target_modules is missing"))
        served_hf = {TRTLLM_TO_HF[m] for m in modules if m in TRTLLM_TO_HF}
        rank = ns.max_lora_rank if ns.max_lora_rank is not None else 64  # trtllm-build's default
        for a in adapters:
            if a.rank > rank:
                problems.append(Problem(where, f"--max_lora_rank {rank} < r={a.rank} of adapter {a.name!r}"))
            missing = sorted(set(a.target_modules) - served_hf)
            if missing:
                problems.append(Problem(where, f"adapter {a.name!r} trains {missing} outside --lora_target_modules"))
    return problems


def command_lines(script: str) -> list[list[str]]:
    """Shell commands of a script (continuations joined, comments dropped), split with shlex."""
    joined = script.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            out.append(shlex.split(line, comments=True))
        except ValueError:
            continue
    return out


def _find_command(script: str, program: str) -> list[str] | None:
    for argv in command_lines(script):
        for i, word in enumerate(argv):
            if word == program or word.endswith("/" + program):
                return argv[i:]
    return None


def validate_trtllm_dir(bundle: Path) -> list[Problem]:
    """Check the ``trtllm/`` files of a bundle: every options YAML, serve.sh, and build_engine.sh when present."""
    folder = bundle / "trtllm"
    if not folder.is_dir():
        return [Problem(str(folder), "no trtllm/ folder in the bundle")]
    problems: list[Problem] = []
    yamls = sorted(folder.glob("extra_llm_api_options*.yaml"))
    engine = folder / "build_engine.sh"
    if not yamls and not engine.is_file():
        problems.append(Problem(str(folder), "neither extra_llm_api_options.yaml nor build_engine.sh"))
    for path in yamls:
        rel = str(path.relative_to(bundle))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(Problem(rel, f"not valid YAML: {exc}"))
            continue
        adapters: list[AdapterSpec] = []
        lora = data.get("lora_config") if isinstance(data, dict) else None
        for d in (lora or {}).get("lora_dir", []) if isinstance(lora, dict) else []:
            if not isinstance(d, str):
                continue
            spec, found = adapter_from_dir(bundle / d)
            problems.extend(found)
            if spec is not None:
                adapters.append(spec)
        problems.extend(validate_llm_api_options(data, adapters, where=rel))
    serve = folder / "serve.sh"
    if not serve.is_file():
        problems.append(Problem(str(serve.relative_to(bundle)), "missing"))
    else:
        text = serve.read_text(encoding="utf-8")
        argv = _find_command(text, "trtllm-serve")
        if argv is None:
            problems.append(Problem("trtllm/serve.sh", "runs no trtllm-serve command"))
        elif not engine.is_file():
            if "--config" not in argv and "--extra_llm_api_options" not in argv:
                problems.append(Problem("trtllm/serve.sh", "trtllm-serve without --config"))
            else:
                flag = "--config" if "--config" in argv else "--extra_llm_api_options"
                cfg = argv[argv.index(flag) + 1] if argv.index(flag) + 1 < len(argv) else ""
                if not cfg.startswith("$") and not (bundle / cfg).is_file():
                    problems.append(Problem("trtllm/serve.sh", f"--config {cfg} does not exist in the bundle"))
    if engine.is_file():
        script = engine.read_text(encoding="utf-8")
        if "nvidia-smi" not in script:
            problems.append(Problem("trtllm/build_engine.sh", "does not check for a GPU (nvidia-smi) first"))
        if "tensorrt_llm" not in script or "1.2.1" not in script:
            problems.append(Problem("trtllm/build_engine.sh", "does not check the installed tensorrt_llm version"))
        builds = [argv for argv in command_lines(script) if argv and argv[0] == "trtllm-build"]
        if not builds:
            problems.append(Problem("trtllm/build_engine.sh", "runs no trtllm-build command"))
        for argv in builds:
            adapters = []
            ns, _ = _build_parser().parse_known_args(argv[1:])
            for d in ns.lora_dir or []:
                spec, found = adapter_from_dir(bundle / d)
                problems.extend(found)
                if spec is not None:
                    adapters.append(spec)
            problems.extend(validate_build_argv(argv, adapters, where="trtllm/build_engine.sh"))
        if not _find_command(script, "convert_checkpoint.py"):
            problems.append(Problem("trtllm/build_engine.sh", "runs no convert_checkpoint.py"))
    for path, message in shell_syntax_errors(folder):
        problems.append(Problem(str(path.relative_to(bundle)), message))
    return problems
