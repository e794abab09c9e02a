"""Training presets from the dataset size, the token lengths and the base model.

* method: ``classifier-head`` as chosen; ``full`` for scratch and tiny (< 50M) bases (LoRA on a random base learns
  nothing); ``qlora`` when a GPU and bitsandbytes are present and the base has >= 1B parameters (smaller bases fit
  in bf16); else ``lora``.
* epochs: enough passes for ~3000 example-updates on scratch bases (3..20); 1..5 by size for pretrained bases.
* learning rate: 1e-3 / 5e-4 for scratch, 2e-5 for full fine-tuning of a pretrained base, 2e-4 for (Q)LoRA.
* LoRA rank from {8, 16, 32, 64} (vLLM's allowed ranks) growing with the data; alpha = 2r; target modules per family.
* max_length: the longest row, rounded up to 32 (capped at 4096); batch size shrinks as rows get longer, x4 on GPU.
"""

from __future__ import annotations

import math

from slmc.ir.nodes import HEAD_METHODS, FinetunePlan, SLMChoice
from slmc.training.datasets import LengthStats
from slmc.training.models import target_modules_for
from slmc.training.scratch import is_scratch

LORA_RANKS = (8, 16, 32, 64)
TINY_PARAMS_B = 0.05
QLORA_MIN_PARAMS_B = 1.0
MAX_LENGTH_CAP = 4096


# Encoder heads fine-tuned with their encoder: (epochs for < 1000 rows, epochs beyond, learning rate, batch, length).
HEAD_PRESETS = {
    "encoder-classifier": (6.0, 1.0, 5e-5, 32, 64),  # epochs: LABEL_UPDATES examples, within these bounds
    "span-head": (3.0, 5.0, 3e-4, 16, 128),  # beyond: SPAN_UPDATES examples, at least 2 epochs
    "tool-head": (3.0, 3.0, 2e-4, 8, 128),
}
# The encoder-classifier trains for about this many example-updates (few rows per label learn from more passes: 3
# epochs of 2000 rows, 6 of 1000 or fewer, one of 6000 or more); a time budget shortens the schedule to what fits.
# Learning rate and length measured on Banking77 (bench/label_confidence.py's rows: 2000 training, 600 test; no time
# budget; this training loop run from a scratch script): 5e-5 x 3 epochs agreed on 90.3 % of all test calls, 95.7 % of
# the 90 % it was surest of (97 % accepted needs 15.7 % fallback), 77 CPU s of training; 1.5e-4 x 3 epochs 90.7 / 94.6 %
# (15.2 %); 1e-4 x 6 epochs 90.8 / 95.6 % (17.2 %) for 149 CPU s: within the noise of 600 rows (one row is 0.17 %), so
# the cheaper schedule stays. Rows matter more (the frozen head on the same test rows, 1000 / 2000 / 4000 / 8000
# training rows: 84.0 / 88.0 / 90.3 / 91.8 % all, 97 % accepted needs 45.5 / 19.3 / 15.3 / 13.8 % fallback): every
# curated row trains.
LABEL_UPDATES = 6000
# The span head on 1000 rows or more trains for about this many example-updates (5 epochs of 1000 rows): on SNIPS
# GetWeather (935 rows after its calibration slice) 2 epochs agreed on 88.1 % of 194 test answers, 5 epochs 92.8 %
# (97 % accepted needs 18 % fallback instead of 46 %); a time budget shortens the schedule to what fits. Twice as many
# (10 epochs of its 1041 rows, bench/span_errors.py, 194 test calls): every layer 91.2 % all (89.2 % at 5000) but the
# confidence ranks worse (AUROC .794 against .871; 97 % accepted needs 41 % fallback, not 23 %), ~2x the CPU; the top
# three layers only, 87.1 %: not worth it.
SPAN_UPDATES = 5000


def choose_method(slm: SLMChoice, *, gpu: bool, bitsandbytes: bool) -> str:
    if slm.method in HEAD_METHODS:
        return slm.method
    if is_scratch(slm.source) or slm.params_b < TINY_PARAMS_B or slm.method == "full":
        return "full"
    if gpu and bitsandbytes and slm.params_b >= QLORA_MIN_PARAMS_B:
        return "qlora"
    return "lora"


def lora_rank(train_rows: int) -> int:
    if train_rows < 500:
        return LORA_RANKS[0]
    if train_rows < 2000:
        return LORA_RANKS[1]
    if train_rows < 10000:
        return LORA_RANKS[2]
    return LORA_RANKS[3]


def epochs_for(train_rows: int, scratch: bool) -> float:
    if train_rows <= 0:
        return 1.0
    if scratch:
        return float(min(20, max(3, math.ceil(3000 / train_rows))))
    if train_rows < 300:
        return 5.0
    if train_rows < 1000:
        return 3.0
    if train_rows < 5000:
        return 2.0
    return 1.0


def learning_rate_for(method: str, source: str, params_b: float) -> float:
    if method == "full" and is_scratch(source):
        return 1e-3 if source.endswith("tiny") else 5e-4
    if method == "full":
        return 1e-3 if params_b < TINY_PARAMS_B else 2e-5
    return 2e-4


GPU_MIN_STEPS_PER_EPOCH = 16  # a GPU batch grows only while an epoch keeps at least this many optimizer steps


def batch_size_for(max_length: int, method: str, gpu: bool = False, train_rows: int = 0) -> int:
    """Rows per step: smaller as rows get longer; up to 4x on a GPU, where per-step overhead dominates small models,
    but never so large that a small task gets few optimizer steps (150 rows in batches of 64 at the CPU's learning
    rate left a scratch model that learned nothing on an H200, where batches of 16 learn the task)."""
    if method == "classifier-head":
        return 64
    if max_length <= 256:
        size = 16
    elif max_length <= 1024:
        size = 8
    else:
        size = 4
    if not gpu:
        return size
    if train_rows <= 0:
        return size * 4
    return max(size, min(size * 4, train_rows // GPU_MIN_STEPS_PER_EPOCH))


def max_length_for(stats: LengthStats) -> int:
    longest = max(stats.max, 32)
    return min(MAX_LENGTH_CAP, 32 * math.ceil(longest / 32))


def make_plan(
    slm: SLMChoice,
    *,
    dataset: str,
    validation: str,
    test: str,
    stats: LengthStats,
    seed: int = 0,
    gpu: bool = False,
    bitsandbytes: bool = False,
    epochs: float | None = None,
) -> FinetunePlan:
    """A ``FinetunePlan`` for one task (paths relative to the build folder)."""
    method = choose_method(slm, gpu=gpu, bitsandbytes=bitsandbytes)
    if method in HEAD_PRESETS:
        few, many, lr, batch, length = HEAD_PRESETS[method]
        planned = few if stats.n < 1000 else many
        if method == "encoder-classifier":
            planned = min(few, max(many, round(LABEL_UPDATES / max(1, stats.n), 1)))
        elif method == "span-head" and stats.n >= 1000:
            planned = min(many, max(2.0, round(SPAN_UPDATES / stats.n, 1)))
        return FinetunePlan(
            dataset=dataset,
            validation=validation,
            test=test,
            method=method,
            lora_r=0,
            lora_alpha=0,
            epochs=epochs if epochs else planned,
            learning_rate=lr,
            batch_size=batch * (2 if gpu else 1),
            max_length=length,
            seed=seed,
            train_rows=stats.n,
        )
    max_length = max_length_for(stats)
    lora = method in ("lora", "qlora")
    rank = lora_rank(stats.n)
    return FinetunePlan(
        dataset=dataset,
        validation=validation,
        test=test,
        method=method,
        lora_r=rank if lora else 0,
        lora_alpha=2 * rank if lora else 0,
        target_modules=target_modules_for(slm.source) if lora else (),
        epochs=epochs if epochs else epochs_for(stats.n, is_scratch(slm.source)),
        learning_rate=learning_rate_for(method, slm.source, slm.params_b),
        batch_size=batch_size_for(max_length, method, gpu, stats.n),
        max_length=max_length,
        seed=seed,
        train_rows=stats.n,
    )
