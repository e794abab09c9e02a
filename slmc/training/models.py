"""Loading base models and trained SLMs through one path, whatever their source.

``load_base(source)`` takes a hub id (``Qwen/Qwen2.5-0.5B-Instruct``, from the local cache when offline) or a local
Hugging Face directory (a scratch base is one). ``load_trained(model_dir)`` loads what the trainer wrote: a peft
adapter directory on top of its base, or a fully fine-tuned model directory.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.hub import NO_HUB_KERNELS, hub_kwargs

# LoRA target modules per model family (``config.model_type``); never embeddings or lm_head for served adapters.
LLAMA_STYLE = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
TARGET_MODULES: dict[str, tuple[str, ...]] = {
    "llama": LLAMA_STYLE,
    "qwen2": LLAMA_STYLE,
    "qwen3": LLAMA_STYLE,
    "mistral": LLAMA_STYLE,
    "gemma": LLAMA_STYLE,
    "gemma2": LLAMA_STYLE,
    "phi3": ("qkv_proj", "o_proj", "gate_up_proj", "down_proj"),
}
# Family guessed from a hub id / catalog name when the config cannot be read (SmolLM2 is a Llama).
NAME_FAMILIES = (("phi-3", "phi3"), ("phi3", "phi3"), ("qwen", "qwen2"), ("smollm", "llama"), ("llama", "llama"))

TRAIN_INFO = "slmc-train.json"  # written next to every trained model / adapter / classifier


def model_family(source: str) -> str:
    """``config.model_type`` of a local model directory, else a guess from the name (``llama`` when unknown)."""
    config = Path(source) / "config.json"
    if config.exists():
        return str(json.loads(config.read_text()).get("model_type", "llama"))
    lowered = source.lower()
    return next((family for key, family in NAME_FAMILIES if key in lowered), "llama")


def target_modules_for(source: str) -> tuple[str, ...]:
    return TARGET_MODULES.get(model_family(source), LLAMA_STYLE)


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def bitsandbytes_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("bitsandbytes") is not None


def resolve_device(device: str | None) -> str:
    """``auto`` / None -> ``cuda`` when a GPU is present, else ``cpu``; an explicit ``cuda`` without a GPU is an error."""
    if device in (None, "auto"):
        return "cuda" if cuda_available() else "cpu"
    if device.startswith("cuda") and not cuda_available():
        raise SlmcError("--device cuda asked for, but torch sees no GPU", hint="use --device cpu")
    return device


def load_tokenizer(source: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source, **hub_kwargs(source))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base(source: str, *, device: str | None = None, dtype: str = "auto", quantize_4bit: bool = False):
    """Load ``(model, tokenizer)`` from a hub id or a local directory; the one loading path for every base."""
    import torch
    from transformers import AutoModelForCausalLM

    device = resolve_device(device)
    kwargs: dict[str, Any] = {}
    if dtype == "auto":
        torch_dtype = torch.bfloat16 if device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    else:
        torch_dtype = getattr(torch, dtype)
    kwargs["dtype"] = torch_dtype
    if quantize_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=torch_dtype,
            bnb_4bit_use_double_quant=True,
        )
        kwargs["device_map"] = {"": 0}
    try:
        tokenizer = load_tokenizer(source)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs, **hub_kwargs(source), **NO_HUB_KERNELS)
    except OSError as exc:
        raise SlmcError(
            f"cannot load base model {source!r}: {str(exc).splitlines()[0]}",
            hint="give a local model directory, download the hub id into the HF cache first, or use scratch:tiny",
        ) from None
    if not quantize_4bit:
        model = model.to(device)
    return model, tokenizer


def read_train_info(model_dir: Path) -> dict[str, Any]:
    path = model_dir / TRAIN_INFO
    if not path.exists():
        raise SlmcError(f"{model_dir} holds no trained model (no {TRAIN_INFO})", hint="run `slmc train` first")
    return json.loads(path.read_text())


def portable_base(model_dir: Path, base: str) -> str:
    """How ``model_dir`` refers to its base: relative when the base is a local directory (the build folder moves)."""
    if not Path(base).is_dir():
        return base
    import os

    return os.path.relpath(Path(base).resolve(), model_dir.resolve())


def resolve_base(model_dir: Path, base: str) -> str:
    local = model_dir / base
    return str(local.resolve()) if local.is_dir() else base


def load_trained(model_dir: Path, *, device: str | None = None):
    """Load ``(model, tokenizer)`` written by the trainer: a peft adapter on its base, or a full model directory."""
    info = read_train_info(model_dir)
    if (model_dir / "adapter_config.json").exists():
        from peft import PeftModel

        base, tokenizer = load_base(resolve_base(model_dir, info["base"]), device=device)
        model = PeftModel.from_pretrained(base, str(model_dir))
        return model.eval(), tokenizer
    model, tokenizer = load_base(str(model_dir), device=device)
    return model.eval(), tokenizer


SMALL_MODEL_PARAMS = 30_000_000


@contextmanager
def cpu_threads_for(model: Any, device: str):
    """One intra-op thread for small models on the CPU: their matrices are too small to gain from threads, and
    spinning worker threads slow every op down badly when other processes share the cores. Restored afterwards."""
    import torch

    params = sum(p.numel() for p in model.parameters())
    if device.startswith("cuda") or params > SMALL_MODEL_PARAMS:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
