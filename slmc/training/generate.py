"""Greedy, batched generation with a confidence per answer (mean token log-prob of the generated tokens)."""

from __future__ import annotations

import json
from typing import Any

from slmc.training.classifier import Prediction
from slmc.training.datasets import prompt_messages
from slmc.training.models import cpu_threads_for


def render_prompt(tokenizer: Any, row: dict[str, Any]) -> str:
    tools = row.get("tools") or None
    if isinstance(tools, str):
        tools = json.loads(tools) if tools else None
    return tokenizer.apply_chat_template(prompt_messages(row), tools=tools, add_generation_prompt=True, tokenize=False)


def generate(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    *,
    max_new_tokens: int = 64,
    batch_size: int = 16,
    progress: bool = False,
) -> list[Prediction]:
    """Answer every row's prompt greedily; rows are batched by length and returned in input order."""
    from tqdm.auto import tqdm

    if not rows:
        return []
    tokenizer.padding_side = "left"
    prompts = [render_prompt(tokenizer, r) for r in rows]
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    eos_ids = model.generation_config.eos_token_id
    eos_set = set(
        eos_ids if isinstance(eos_ids, list) else [eos_ids if eos_ids is not None else tokenizer.eos_token_id]
    )
    results: list[Prediction | None] = [None] * len(rows)
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    model.eval()
    with cpu_threads_for(model, next(model.parameters()).device.type):
        for batch in tqdm(batches, desc="generate", disable=not progress, leave=False):
            answers = _generate_batch(model, tokenizer, [prompts[i] for i in batch], max_new_tokens, eos_set)
            for index, answer in zip(batch, answers, strict=True):
                results[index] = answer
    return [r for r in results if r is not None]


def _generate_batch(
    model: Any, tokenizer: Any, prompts: list[str], max_new_tokens: int, eos_set: set[int]
) -> list[Prediction]:
    import torch

    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(eos_set)
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    with torch.inference_mode():
        out = model.generate(
            **enc,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            num_beams=1,
            output_scores=True,
            return_dict_in_generate=True,
            pad_token_id=pad_id,
            eos_token_id=sorted(eos_set),
        )
    generated = out.sequences[:, enc["input_ids"].shape[1] :]
    logprobs = torch.stack(out.scores, dim=1).float().log_softmax(dim=-1)
    token_lp = logprobs.gather(-1, generated[:, : logprobs.shape[1]].unsqueeze(-1)).squeeze(-1)
    answers = []
    for row, tokens in enumerate(generated.tolist()):
        length = len(tokens)
        for pos, tok in enumerate(tokens):
            if tok in eos_set:
                length = pos + 1  # the end-of-turn token counts: stopping is the model's choice too
                break
        confidence = float(token_lp[row, :length].mean()) if length else float("-inf")
        answers.append(Prediction(tokenizer.decode(tokens[:length], skip_special_tokens=True).strip(), confidence))
    return answers
