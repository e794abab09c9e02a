"""Static checks of TensorRT-LLM artefacts (no GPU, no ``tensorrt_llm`` import: CI cannot install it on 3.11).

Checks the ``extra_llm_api_options.yaml`` keys and types, ``max_lora_rank`` ≥ every adapter ``r``, adapter target
modules ⊆ the HF modules mapped from ``lora_target_modules``, the peft adapter directory layout, and for the legacy
engine recipe the ``trtllm-build`` flags (``--lora_plugin`` with ``--lora_dir``, ``max_input_len`` ≤ ``max_seq_len``,
...). Every finding is a ``Problem`` naming the file and key.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from slmc.targets.base import AdapterSpec, Problem, shell_syntax_errors
from slmc.targets.upstream import (
    LLM_API_KEYS,
    LORA_CONFIG_KEYS,
    LORA_MODULE_IDS,
    TRTLLM_BACKENDS,
    TRTLLM_ENGINE_MAX_VERSION,
    TRTLLM_SERVE_FLAGS,
    TRTLLM_TABLES_VERSION,
    TRTLLM_TO_HF,
)

HF_TO_TRTLLM: dict[str, str] = {hf: trt for trt, hf in TRTLLM_TO_HF.items()}
KNOWN_MODULES = set(LORA_MODULE_IDS) | set(TRTLLM_TO_HF)
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
    return {list: "a list", int: "an integer", dict: "a mapping", str: "a string", bool: "true or false"}[tp]


def validate_llm_api_options(
    data: Any, adapters: Iterable[AdapterSpec] = (), where: str = "extra_llm_api_options.yaml", backend: str = "pytorch"
) -> list[Problem]:
    """Check an ``LlmArgs`` YAML document (for ``trtllm-serve --backend <backend>``): its fields, and its
    ``lora_config`` against the adapters it must serve. The TensorRT backend serves LoRA only with ``enable_lora``."""
    if not isinstance(data, dict):
        return [Problem(where, "top level must be a mapping of LlmArgs fields")]
    backend = "tensorrt" if backend == "trt" else backend
    known = LLM_API_KEYS.get(backend, LLM_API_KEYS["pytorch"])
    unknown = [
        Problem(
            f"{where}: {key}",
            f"not an LlmArgs field slmc writes for the {backend} backend (pinned TensorRT-LLM {TRTLLM_TABLES_VERSION})",
        )
        for key in data
        if key not in known
    ]
    lora = data.get("lora_config")
    adapters = list(adapters)
    if unknown:
        return unknown
    if backend == "tensorrt" and (lora is not None or adapters) and data.get("enable_lora") is not True:
        return [Problem(f"{where}: enable_lora", "the TensorRT backend serves no adapter without enable_lora: true")]
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
        elif not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
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


_ANSI_C = re.compile(r"\$'((?:[^'\\]|\\.)*)'")
_ANSI_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _ansi_c_word(match: re.Match[str]) -> str:
    """A bash ``$'...'`` word (as ``slmc.targets.base.sh`` writes one) as a POSIX single-quoted word shlex reads."""

    def unescape(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "xuU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return {"n": "\n", "t": "\t", "r": "\r"}.get(code, code)

    return shlex.quote(_ANSI_ESCAPE.sub(unescape, match.group(1)))


def split_line(line: str) -> list[str]:
    """One shell line's words (bash ``$'...'`` quoting understood); raises ``ValueError`` when it does not parse."""
    return shlex.split(_ANSI_C.sub(_ansi_c_word, line), comments=True)


def command_lines(script: str) -> list[list[str]]:
    """Shell commands of a script (continuations joined, comments dropped), split into words."""
    joined = script.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            out.append(split_line(line))
        except ValueError:
            continue
    return out


def _find_command(script: str, program: str) -> list[str] | None:
    for argv in command_lines(script):
        for i, word in enumerate(argv):
            if word == program or word.endswith("/" + program):
                return argv[i:]
    return None


def serve_commands(script: str) -> list[list[str]]:
    """Every ``trtllm-serve`` command line of a script (one per endpoint)."""
    out = []
    for argv in command_lines(script):
        for i, word in enumerate(argv):
            if word == "trtllm-serve" or word.endswith("/trtllm-serve"):
                out.append(argv[i:])
                break
    return out


def check_serve_argv(argv: list[str], where: str = "trtllm-serve") -> tuple[dict[str, str], list[Problem]]:
    """The flags of a ``trtllm-serve MODEL [flags]`` command (flag -> value) and its problems: flags outside the
    pinned table, a flag without its value, an unknown backend."""
    problems: list[Problem] = []
    flags: dict[str, str] = {}
    if len(argv) < 2 or argv[1].startswith("-"):
        problems.append(Problem(where, "trtllm-serve without a MODEL argument"))
    i = 2
    while i < len(argv):
        word = argv[i]
        takes = TRTLLM_SERVE_FLAGS.get(word)
        if takes is None:
            problems.append(
                Problem(
                    where,
                    f"{word!r} is not a trtllm-serve {TRTLLM_TABLES_VERSION} flag slmc knows",
                    hint="the LoRA docs of the pinned release pass the LlmArgs YAML with --extra_llm_api_options",
                )
            )
            i += 1
            continue
        if takes:
            if i + 1 >= len(argv) or argv[i + 1].startswith("--"):
                problems.append(Problem(where, f"{word} needs a value"))
                i += 1
                continue
            flags[word] = argv[i + 1]
            i += 2
        else:
            flags[word] = ""
            i += 1
    backend = flags.get("--backend", "pytorch")
    if backend not in TRTLLM_BACKENDS:
        problems.append(Problem(where, f"--backend {backend!r} is not one of {', '.join(TRTLLM_BACKENDS)}"))
    return flags, problems


def validate_trtllm_dir(bundle: Path) -> list[Problem]:
    """Check the ``trtllm/`` files of a bundle: serve.sh (every trtllm-serve line against the pinned flags, and the
    LlmArgs YAML it names, checked for its backend), build_engine.sh when present, and every options YAML."""
    folder = bundle / "trtllm"
    if not folder.is_dir():
        return [Problem(str(folder), "no trtllm/ folder in the bundle")]
    problems: list[Problem] = []
    yamls = sorted(folder.glob("extra_llm_api_options*.yaml"))
    engine = folder / "build_engine.sh"
    backend_of: dict[str, str] = {}  # options YAML -> the backend of the trtllm-serve that reads it
    serve = folder / "serve.sh"
    if not serve.is_file():
        problems.append(Problem(str(serve.relative_to(bundle)), "missing"))
    else:
        commands = serve_commands(serve.read_text(encoding="utf-8"))
        if not commands:
            problems.append(Problem("trtllm/serve.sh", "runs no trtllm-serve command"))
        for argv in commands:
            flags, found = check_serve_argv(argv, "trtllm/serve.sh")
            problems.extend(found)
            backend = flags.get("--backend", "pytorch")
            if engine.is_file() and backend not in ("tensorrt", "trt"):
                problems.append(
                    Problem("trtllm/serve.sh", f"serves the built engine {argv[1]} with --backend {backend}")
                )
            cfg = flags.get("--extra_llm_api_options")
            if cfg is None:
                continue
            if cfg.startswith("$") or not (bundle / cfg).is_file():
                problems.append(
                    Problem("trtllm/serve.sh", f"--extra_llm_api_options {cfg} does not exist in the bundle")
                )
            else:
                backend_of[str((bundle / cfg).relative_to(bundle))] = backend
    for path in yamls:
        rel = str(path.relative_to(bundle))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(Problem(rel, f"not valid YAML: {exc}"))
            continue
        if rel not in backend_of:
            problems.append(Problem(rel, "no trtllm-serve in trtllm/serve.sh reads it (--extra_llm_api_options)"))
        adapters: list[AdapterSpec] = []
        lora = data.get("lora_config") if isinstance(data, dict) else None
        for d in (lora or {}).get("lora_dir", []) if isinstance(lora, dict) else []:
            if not isinstance(d, str):
                continue
            spec, found = adapter_from_dir(bundle / d)
            problems.extend(found)
            if spec is not None:
                adapters.append(spec)
        problems.extend(validate_llm_api_options(data, adapters, where=rel, backend=backend_of.get(rel, "pytorch")))
    if engine.is_file():
        script = engine.read_text(encoding="utf-8")
        if "nvidia-smi" not in script:
            problems.append(Problem("trtllm/build_engine.sh", "does not check for a GPU (nvidia-smi) first"))
        if "tensorrt_llm" not in script or TRTLLM_ENGINE_MAX_VERSION not in script:
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
