"""Scratch base models: a Llama-style model built from config with a tokenizer trained on the task's own text.

``scratch:tiny`` (~2-3M parameters), ``scratch:small`` (~10-20M), ``scratch:base`` (~50-100M, for a GPU). The model
is saved as a normal Hugging Face directory (``config.json``, ``model.safetensors``, ``tokenizer.json`` with a chat
template), so training, saving and loading take exactly the path a hub model takes (``load_base(path)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from slmc.errors import SlmcError

SCRATCH_PREFIX = "scratch:"

# ChatML-style template: the prompt alone is always a prefix of prompt + completion (trl's completion mask relies on
# it). Tools are rendered once, as JSON, before the conversation.
CHAT_TEMPLATE = (
    "{% if tools %}<|im_start|>tools\n{{ tools | tojson }}<|im_end|>\n{% endif %}"
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% elif message.get('tool_calls') %}{{ message['tool_calls'] | tojson }}{% endif %}"
    "<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL_TOKENS = ("<|pad|>", "<|im_start|>", "<|im_end|>", "<|unk|>")


@dataclass(frozen=True)
class ScratchSize:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # upper bound; a small corpus yields fewer merges


SIZES: dict[str, ScratchSize] = {
    "tiny": ScratchSize(hidden=256, layers=2, heads=4, intermediate=688, vocab=4096),
    "small": ScratchSize(hidden=384, layers=6, heads=6, intermediate=1024, vocab=8192),
    "base": ScratchSize(hidden=640, layers=10, heads=10, intermediate=1728, vocab=16384),
}


def is_scratch(source: str) -> bool:
    return source.startswith(SCRATCH_PREFIX)


def scratch_size(source: str) -> ScratchSize:
    """``scratch:tiny`` -> its size; an unknown size is a user error."""
    name = source[len(SCRATCH_PREFIX) :] if is_scratch(source) else source
    size = SIZES.get(name)
    if size is None:
        raise SlmcError(
            f"unknown scratch model size {name!r}",
            hint=f"use one of: {', '.join(SCRATCH_PREFIX + s for s in SIZES)}",
        )
    return size


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    """A byte-level BPE tokenizer trained on ``texts`` (any character is representable), with the chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<|pad|>",
        eos_token="<|im_end|>",
        bos_token="<|im_start|>",
        unk_token="<|unk|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast


def build_scratch(source: str, texts: Iterable[str], out_dir: Path, *, seed: int = 0) -> Path:
    """Build (or reuse) the scratch base for ``source`` in ``out_dir``: tokenizer from ``texts``, random init from seed.

    Deterministic: the same texts and seed give the same directory. Returns ``out_dir``.
    """
    size = scratch_size(source)
    marker = out_dir / "slmc-scratch.json"
    if marker.exists() and (out_dir / "config.json").exists():
        return out_dir
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = train_tokenizer(texts, size.vocab)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=size.hidden,
        intermediate_size=size.intermediate,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.heads,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    params = sum(p.numel() for p in model.parameters())
    marker.write_text(json.dumps({"source": source, "params": params, "vocab": len(tokenizer), "seed": seed}) + "\n")
    return out_dir


def scratch_params(model_dir: Path) -> int | None:
    """Parameter count recorded when the scratch base was built (None when ``model_dir`` is not a scratch base)."""
    marker = model_dir / "slmc-scratch.json"
    if not marker.exists():
        return None
    return int(json.loads(marker.read_text())["params"])
