"""Label head with the sentence encoder fine-tuned end to end (method ``encoder-classifier``).

Chosen by ``plan-finetune`` for a closed-label task whose frozen-embedding head (``slmc.training.classifier``) cannot
pass in its pilot. The model is the classifier head's arithmetic with a trainable encoder: the bundled
all-MiniLM-L6-v2, mean-pooled and L2-normalised (as the sentence embedding is), then a linear layer and a softmax.
The linear layer starts from the frozen head fitted on (at most ``INIT_ROWS`` of) the same rows (logistic regression),
so training starts where the frozen head ends; the teacher's out-of-scope label, when it uses one, is a class like any
other.

Throughput on the CPU: the rows are tokenised once and trained in batches of similar length (``length_batches``: a
random batch of short messages pads to its longest one, ~3x the tokens). The steps, the layers trained and the learning
rate's schedule come from the rows and the plan alone; a time budget is a safety cap that stops training (``StepBudget``,
on this process's CPU seconds), so a busy machine makes training slower, not different.

Saved in the classifier head's format, so evaluation, the bundle and the runtime read it as a ``classifier-head``:
``head.json`` (embedder ``{"name": "encoder", "path": "encoder"}``) + ``head.safetensors`` + ``encoder/`` (the
fine-tuned transformer as ``model.safetensors`` + ``config.json`` and its tokenizer's JSON files), and the frozen start
as ``frozen.safetensors``: the answers average the fine-tuned head's probabilities with the frozen head's on the
bundled encoder (``ensemble`` in ``head.json``; a short fine-tuning on loaded cores can end below its own start).
Never a pickle.

The confidence is the probability margin (top-1 minus top-2). Measured on Banking77 against the alternatives
(``bench/label_confidence.py``'s rows and confidences, 600 test rows, lr 5e-5 x 3 epochs): agreement on the 90 % each
confidence ranks highest was 95.7 % for the margin, 95.2 % for the max probability, 95.6-95.7 % after temperature
scaling fitted on the validation rows, 95.4 % averaged with the frozen head, 94.8 / 93.5 / 95.2 % with a disagreement
with the frozen head / a 10-nearest-neighbour vote / the class centroids of the fine-tuned embeddings ranked below every
agreement.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.safety import safe_join
from slmc.training.datasets import reference_answer, user_text

ENCODER_DIR = "encoder"
MAX_LENGTH = 128
INIT_ROWS = 2000  # rows the frozen start is fitted on at most
CENTROID_SCALE = 20.0  # logits of a centroid start: cosine similarity x this
FROZEN_WEIGHTS = "frozen.safetensors"  # the frozen head the fine-tuned one is averaged with (``ensemble``)
FROZEN_SHARE = 0.25  # its share of the answered probabilities (2603 Banking77 test rows, share 0 / 0.25 / 0.5: fine-
# tuning finished, 90.9 / 90.8 / 90.7 % agree, 97 % accepted needs 17.4 / 16.2 / 18.2 % fallback; cut short by loaded
# cores, 89.5 / 89.6 / 90.1 %, 23.4 / 22.3 / 20.0 %)
PRETRAINED = ""  # an encoder spec's path for the bundled all-MiniLM-L6-v2 itself (not fine-tuned)
TRAIN_LAYERS = 3  # top transformer layers fine-tuned when the plan is too long for every layer; the ones below
# (and the embeddings) stay pretrained and run once per row, in the pass that fits the frozen start, so a step costs
# about half (Banking77, 2400 rows, 187 steps, no budget: every layer 164 CPU s of steps, 87.7 % of 300 test calls; top
# three 76 CPU s, 86.7 %)
# example-updates a plan trains through every layer at most (Banking77 on the CPU: 0.027 CPU s per example trained, so
# ~220 CPU s); a longer plan trains the top ``TRAIN_LAYERS`` only, about half the cost per example
FULL_LAYER_UPDATES = 8000
LAYERS_WHEN = ("short", "always")  # top layers only when the plan is too long for every layer / always
# A calibration slice of the training rows no step trains on, answered after training (``heldout.json``): evaluation
# calibrates the fallback threshold on it together with the validation split, as the span head's. Banking77 (seed 0,
# 300 validation / 300 test calls drawn from one pool, no text shared with training): the head agreed on 95.0 % of the
# validation calls and 87.7 % of the test calls (same nearest-neighbour overlap with training: no leak, a lucky draw),
# so the threshold set on validation alone accepted 97.2 % there and 90.5 % on test at 5 % fallback.
CALIBRATION_SHARE = 0.1
CALIBRATION_MIN_ROWS = 1000  # fewer training rows: every one trains (a small task loses more by the slice)


def mean_pool(hidden: Any, mask: Any) -> Any:
    """Mean of the token vectors under ``mask``, L2-normalised (the sentence embedding of all-MiniLM-L6-v2)."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def init_sample(targets: list[int], limit: int, seed: int) -> list[int]:
    """At most ``limit`` row indices (all when there are fewer), every class among them: the rows the frozen start is
    fitted on (embedding every row of a large set would spend the budget before training starts)."""
    if len(targets) <= limit:
        return list(range(len(targets)))
    ids = list(range(len(targets)))
    random.Random(seed).shuffle(ids)
    first: dict[int, int] = {}
    for i in ids:
        first.setdefault(targets[i], i)
    chosen = set(first.values())
    for i in ids:
        if len(chosen) >= limit:
            break
        chosen.add(i)
    return sorted(chosen)


def start_weights(features: Any, y: Any, classes: int, *, init: str = "logistic", seed: int = 0) -> tuple[Any, Any]:
    """The linear layer's starting weight [classes, dim] and bias from frozen sentence embeddings ``features`` with class
    indices ``y`` (each class present): ``logistic``, the frozen head (multinomial logistic regression, as
    ``slmc.training.classifier`` fits it); ``centroids``, the class means of the normalised embeddings, scaled (a
    cosine nearest-centroid classifier: no fit at all)."""
    import numpy as np

    if init == "logistic":
        from sklearn.linear_model import LogisticRegression

        fitted = LogisticRegression(C=10.0, max_iter=2000, random_state=seed).fit(features, y)
        if classes == 2:  # scikit-learn keeps one row for two classes: p(second) = sigmoid(w.x + b)
            return (
                np.concatenate([np.zeros_like(fitted.coef_), fitted.coef_]),
                np.concatenate([[0.0], fitted.intercept_]),
            )
        order = [list(fitted.classes_).index(c) for c in range(classes)]
        return fitted.coef_[order], fitted.intercept_[order]
    if init != "centroids":
        raise ValueError(f"unknown start {init!r}: logistic or centroids")
    centroids = np.stack([features[y == c].mean(0) for c in range(classes)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True).clip(1e-9)
    return CENTROID_SCALE * centroids, np.zeros(classes)


def lr_factor(step: int, total: int, warmup: int) -> float:
    """The learning rate's share at ``step`` (0-based) of ``total``: a linear warmup over ``warmup`` steps (at most half
    of ``total``: a schedule a time budget shortened below its warmup still decays), then a linear decay that reaches
    zero at ``total``."""
    warmup = min(warmup, max(1, total // 2))
    if step < warmup:
        return (step + 1) / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


class StepBudget:
    """A safety cap on training, never part of the plan: the planned steps run (the learning rate's schedule is the
    plan's, whatever the machine's speed) unless ``seconds`` on ``clock`` counted from ``start`` are spent first; then
    training stops (``stopped``) and ``note`` says so. On the CPU the clock is this process's CPU seconds
    (``tool_head.budget_clock``), so the same rows and plan give the same head however many other processes share the
    cores (a wall-clock budget that fitted the schedule to the time left trained SNIPS GetWeather's span head 66 of
    290 planned steps at load 8 on 2 cores: 80.4 % agreement instead of 89 %)."""

    def __init__(
        self,
        seconds: float,
        start: float,
        planned: int,
        log: Callable[[str], None] = lambda msg: None,
        clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.seconds, self.start, self.planned = seconds, start, planned
        self.log, self.clock = log, clock
        self.stopped = False

    def after(self, step: int, total: int) -> int:
        """The schedule's end after ``step`` steps done: always ``total`` (``stopped`` set when the time is up)."""
        if not self.stopped and self.clock() - self.start > self.seconds:
            self.stopped = True
            self.log(f"time budget of {self.seconds:g}s: stopping at step {step}/{total}")
        return total

    def note(self, steps: int) -> str | None:
        """What the budget did to a training that took ``steps`` steps (None: it ran every planned step)."""
        return cap_note(self.seconds, steps, self.planned)


class ThreadWatch:
    """Keeps torch's intra-op threads at what ``choose`` says now while a head trains on the CPU (``heads.
    head_threads``: two on idle cores, one when other work oversubscribes them). The count chosen when training
    starts goes stale when other processes start later: two threads on oversubscribed cores wait on each other at
    every small op, and the safety cap (this process's CPU seconds) fires long before the plan ends (SNIPS
    GetWeather's span head, started at load ~1 which rose to 13 while it trained: 84 of 290 planned steps in 300 CPU
    s, against all 290 in 109 CPU s when one thread was chosen at load 19). Called after each step, it asks again
    every ``every`` steps; ``choose`` None: never (an accelerator, or threads the caller fixed)."""

    def __init__(self, choose: Callable[[], int] | None, every: int = 4) -> None:
        self.choose, self.every = choose, max(1, every)
        self.changes: list[tuple[int, int]] = []  # (step, threads) each time the count changed

    def __call__(self, step: int) -> None:
        if self.choose is None or step % self.every:
            return
        import torch

        wanted = max(1, int(self.choose()))
        if wanted != torch.get_num_threads():
            torch.set_num_threads(wanted)
            self.changes.append((step, wanted))


def cap_note(seconds: float | None, steps: int, planned: int) -> str | None:
    """The line a compile reports when a time budget (a safety cap) ended training before its planned steps: the
    model then depends on how fast the machine was, not only on the plan (None when every planned step ran)."""
    if not seconds or steps >= planned:
        return None
    return f"time budget of {seconds:g}s fired: {steps} of {planned} planned steps trained"


def length_batches(lengths: list[int], batch_size: int, rng: random.Random, pool: int = 16) -> list[list[int]]:
    """One epoch of batches of rows of similar length (little padding): the rows shuffled, each pool of ``pool``
    batches sorted by length and cut into batches, the batches shuffled."""
    ids = list(range(len(lengths)))
    rng.shuffle(ids)
    batches = []
    step = max(1, batch_size) * max(1, pool)
    for i in range(0, len(ids), step):
        chunk = sorted(ids[i : i + step], key=lambda j: lengths[j])
        batches.extend(chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _pad(encoded: list[list[int]], batch: list[int], pad_id: int) -> tuple[Any, Any]:
    """Token ids and attention mask of ``batch``'s rows, padded to the batch's longest row."""
    import torch

    width = max(len(encoded[i]) for i in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, i in enumerate(batch):
        ids[row, : len(encoded[i])] = torch.tensor(encoded[i], dtype=torch.long)
        mask[row, : len(encoded[i])] = 1
    return ids, mask


def all_layers_fit(examples: int) -> bool:
    """Whether a plan of ``examples`` example-updates trains every layer (``FULL_LAYER_UPDATES``): decided by the plan,
    never by a clock, so the head does not depend on how busy the machine was."""
    return examples <= FULL_LAYER_UPDATES


def _stack(states: list[Any], batch: list[int]) -> tuple[Any, Any]:
    """Cached per-row token states of ``batch`` ([length, dim] each) padded to the longest, with the attention mask."""
    import torch

    width = max(states[i].shape[0] for i in batch)
    out = states[batch[0]].new_zeros((len(batch), width, states[batch[0]].shape[-1]))
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, i in enumerate(batch):
        out[row, : states[i].shape[0]] = states[i]
        mask[row, : states[i].shape[0]] = 1
    return out, mask


def _layer_mask(encoder: Any, states: Any, mask: Any) -> Any:
    """The attention mask the encoder's layers take (the public builder the encoder itself uses; None when nothing
    is padded)."""
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=encoder.config, inputs_embeds=states, attention_mask=mask)


def _run_layers(encoder: Any, states: Any, mask: Any, first: int, last: int | None) -> Any:
    ext = _layer_mask(encoder, states, mask)
    for layer in encoder.encoder.layer[first:last]:
        states = layer(states, attention_mask=ext)
        if isinstance(states, tuple):
            states = states[0]
    return states


def lower(encoder: Any, ids: Any, mask: Any, frozen: int) -> Any:
    """The token states after the embeddings and the bottom ``frozen`` layers."""
    return _run_layers(encoder, encoder.embeddings(input_ids=ids), mask, 0, frozen)


def upper(encoder: Any, states: Any, mask: Any, frozen: int) -> Any:
    """The last hidden state from ``lower``'s states through the layers above the bottom ``frozen``."""
    return _run_layers(encoder, states, mask, frozen, None)


def lower_rows(
    encoder: Any, encoded: list[list[int]], rows: list[int], pad_id: int, device: str, frozen: int
) -> Iterator[tuple[list[int], Any, Any]]:
    """``lower`` over ``rows`` of ``encoded`` in batches of 64, no gradient: (the batch, its padded states, the
    mask); each row's own states are ``states[k, : len(encoded[row])]``."""
    import torch

    for i in range(0, len(rows), 64):
        batch = rows[i : i + 64]
        ids, mask = _pad(encoded, batch, pad_id)
        ids, mask = ids.to(device), mask.to(device)
        with torch.no_grad():
            yield batch, lower(encoder, ids, mask, frozen), mask


def train_encoder_classifier(
    rows: list[dict[str, Any]],
    model_dir: Path,
    *,
    seed: int = 0,
    epochs: float = 3.0,
    lr: float = 5e-5,
    head_lr: float = 2e-3,
    batch_size: int = 32,
    max_length: int = MAX_LENGTH,
    max_seconds: float = 0.0,
    device: str = "cpu",
    log: Callable[[str], None] = lambda msg: None,
    init: str = "logistic",
    label_smoothing: float = 0.0,
    bucket: bool = True,
    threads: int = 0,
    freeze_embeddings: bool = True,
    ensemble: float = FROZEN_SHARE,
    on_cap: Callable[[str], None] | None = None,
    train_layers: int | None = TRAIN_LAYERS,
    layers_when: str = "short",
    retune: Callable[[], int] | None = None,
    calibrate: float = CALIBRATION_SHARE,
) -> float:
    """Fine-tune the encoder and its label head on the teacher's labels and save them into ``model_dir``; returns the
    training seconds (the frozen head that starts it included). ``freeze_embeddings``: the word vectors keep their
    pretrained values (as the span head's do): the largest matrix gets no dense gradient and AdamW update, about a
    fifth less CPU per step, and words the training rows lack keep the meaning the frozen start was fitted on.
    ``ensemble``: the share the frozen head (the logistic start, on the pretrained sentence embedding) keeps in the
    answered probabilities (0: the fine-tuned head alone): a fine-tuning the time budget cut short on loaded cores can
    end below its own start (Banking77: 89.5 % against a frozen head's 90.4 %); the average is not far below the better
    of the two, whichever it is on the day (``FROZEN_SHARE``). ``on_cap``: called with ``cap_note``'s line when the
    ``max_seconds`` budget (a safety cap: CPU seconds of this process on the CPU, wall seconds elsewhere) ended training
    before its planned steps. ``train_layers``: the top transformer layers fine-tuned when every layer is not (None:
    every layer always); the layers below them and the embeddings keep their pretrained weights, and their output for
    each row is computed once (with the frozen start's features) and read by every step. ``layers_when``: ``short``,
    only when the plan's example-updates are too many for every layer (``all_layers_fit``); ``always``. ``retune``:
    the thread count to train with now (``ThreadWatch``; on the CPU only), asked again every few steps. ``calibrate``:
    the share of each label's rows held out as the calibration slice when there are ``CALIBRATION_MIN_ROWS`` rows or
    more (``calibration_slice``; answered into ``heldout.json`` after training)."""
    if layers_when not in LAYERS_WHEN:
        raise ValueError(f"layers_when {layers_when!r}: one of {LAYERS_WHEN}")
    import torch

    labels = [reference_answer(r).strip() for r in rows]
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise SlmcError(
            f"an encoder classifier needs at least two labels in the training data, found {classes}",
            hint="record more varied traffic of this task",
        )
    held = calibration_slice(labels, calibrate, seed) if len(rows) >= CALIBRATION_MIN_ROWS else []
    if held:
        kept = sorted(set(range(len(rows))) - set(held))
        held_rows, rows, labels = [rows[i] for i in held], [rows[i] for i in kept], [labels[i] for i in kept]
        classes = sorted(set(labels))
    texts = [user_text(r) for r in rows]
    start = time.perf_counter()
    cpu0 = time.process_time()
    before_threads = torch.get_num_threads()
    if threads > 0 and device == "cpu":
        torch.set_num_threads(threads)
    try:
        seconds = _fine_tune(
            texts, labels, classes, model_dir, seed=seed, epochs=epochs, lr=lr, head_lr=head_lr,
            batch_size=batch_size, max_length=max_length, max_seconds=max_seconds, device=device, log=log, init=init,
            label_smoothing=label_smoothing, bucket=bucket, start=start, cpu0=cpu0,
            freeze_embeddings=freeze_embeddings, ensemble=ensemble, on_cap=on_cap, train_layers=train_layers,
            layers_when=layers_when, retune=retune if device == "cpu" else None,
        )  # fmt: skip
    finally:
        torch.set_num_threads(before_threads)
    if held:  # answered by the saved head, as evaluation answers: what the threshold is calibrated on
        from slmc.training.classifier import ClassifierHead, write_heldout

        answers = ClassifierHead(model_dir, device=device).predict(held_rows)
        write_heldout(model_dir, answers, [reference_answer(r).strip() for r in held_rows])
        log(f"calibration slice: {len(held_rows)} training rows held out and answered")
    return seconds


def calibration_slice(labels: list[str], share: float, seed: int) -> list[int]:
    """Row indices held out from training for threshold calibration: about ``share`` of each label's rows (shuffled
    by ``seed``), never a label's last two rows, so every label still trains."""
    if share <= 0:
        return []
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    held: list[int] = []
    for label in sorted(by_label):
        ids = by_label[label]
        rng.shuffle(ids)
        held.extend(ids[: min(round(share * len(ids)), max(0, len(ids) - 2))])
    return sorted(held)


def _fine_tune(
    texts: list[str],
    labels: list[str],
    classes: list[str],
    model_dir: Path,
    *,
    seed: int,
    epochs: float,
    lr: float,
    head_lr: float,
    batch_size: int,
    max_length: int,
    max_seconds: float,
    device: str,
    log: Callable[[str], None],
    init: str,
    label_smoothing: float,
    bucket: bool,
    start: float,
    cpu0: float,
    freeze_embeddings: bool,
    ensemble: float,
    on_cap: Callable[[str], None] | None = None,
    train_layers: int | None = None,
    layers_when: str = "short",
    retune: Callable[[], int] | None = None,
) -> float:
    import torch

    from slmc.training.classifier import HEAD_CONFIG, HEAD_FORMAT, HEAD_WEIGHTS
    from slmc.training.span_head import minilm_dir
    from slmc.training.tool_head import _load_encoder, budget_clock

    clock = budget_clock(device)  # the safety cap's clock: CPU seconds on the CPU
    clock0 = cpu0 if device == "cpu" else start
    torch.manual_seed(seed)
    tokenizer, encoder = _load_encoder(minilm_dir())
    encoder.to(device)
    index = {c: i for i, c in enumerate(classes)}
    targets = torch.tensor([index[x] for x in labels])
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    lengths = [len(e) for e in encoded]
    pad_id = int(tokenizer.pad_token_id or 0)

    layers = encoder.encoder.layer
    shallow = max(0, len(layers) - train_layers) if train_layers is not None else 0  # bottom layers frozen if short
    frozen = 0  # bottom layers frozen in this training (``shallow`` or none)
    low: list[Any] = [None] * len(texts)  # each row's states below the trained layers (``frozen`` > 0)

    def embed(batch: list[int], grad: bool) -> Any:
        if frozen:
            states, mask = _stack(low, batch)
            states, mask = states.to(device), mask.to(device)
            with torch.set_grad_enabled(grad):
                return mean_pool(upper(encoder, states, mask, frozen), mask)
        ids, mask = _pad(encoded, batch, pad_id)
        ids, mask = ids.to(device), mask.to(device)
        with torch.set_grad_enabled(grad):
            out = encoder(input_ids=ids, attention_mask=mask)
            return mean_pool(out.last_hidden_state, mask)

    def keep_lower(rows: list[int], pooled: list[Any] | None) -> None:
        """``low`` for ``rows`` (the states below the ``shallow`` bottom layers); with ``pooled``, also each row's
        sentence embedding through every layer, appended in ``rows`` order."""
        for batch, states, mask in lower_rows(encoder, encoded, rows, pad_id, device, shallow):
            for row, j in enumerate(batch):
                low[j] = states[row, : lengths[j]].detach().clone()
            if pooled is not None:
                with torch.no_grad():
                    pooled.append(mean_pool(upper(encoder, states, mask, shallow), mask))

    # the frozen head on (a sample of) the same rows: the linear layer's starting point; with ``shallow`` layers the
    # same pass keeps the sample's states below the trained layers
    encoder.eval()
    sample = init_sample(targets.tolist(), INIT_ROWS, seed)
    by_length = sorted(sample, key=lambda i: lengths[i])
    steps_per_epoch = math.ceil(len(texts) / batch_size)
    planned = max(1, int(steps_per_epoch * epochs))
    if shallow:
        pooled: list[Any] = []
        keep_lower(by_length, pooled)
        frozen_x = torch.cat(pooled).cpu().numpy()
        if layers_when == "always" or not all_layers_fit(planned * batch_size):
            frozen = shallow
            chosen = set(sample)
            keep_lower(sorted((i for i in range(len(texts)) if i not in chosen), key=lambda i: lengths[i]), None)
            log(f"the top {len(layers) - frozen} of {len(layers)} layers fine-tuned (a plan too long for every layer)")
        else:
            low = [None] * len(texts)
    else:
        frozen_x = torch.cat([embed(by_length[i : i + 64], False) for i in range(0, len(by_length), 64)]).cpu().numpy()
    w0, b0 = start_weights(frozen_x, targets[by_length].numpy(), len(classes), init=init, seed=seed)
    init_seconds = time.perf_counter() - start
    init_cpu = time.process_time() - cpu0
    head = torch.nn.Linear(w0.shape[1], len(classes)).to(device)
    with torch.no_grad():
        head.weight.copy_(torch.as_tensor(w0, dtype=head.weight.dtype))
        head.bias.copy_(torch.as_tensor(b0, dtype=head.bias.dtype))

    rng = random.Random(seed)
    ids = list(range(len(texts)))
    total = planned
    if freeze_embeddings:  # the word vectors stay pretrained: no dense gradient and update of the largest matrix
        encoder.get_input_embeddings().weight.requires_grad_(False)
    if frozen:  # the embeddings and the layers below the trained ones stay pretrained (their states are cached)
        encoder.embeddings.requires_grad_(False)
        for layer in layers[:frozen]:
            layer.requires_grad_(False)
    body = [p for p in encoder.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(
        [{"params": body, "lr": lr}, {"params": list(head.parameters()), "lr": head_lr}], weight_decay=0.01
    )
    bases = [lr, head_lr]
    warmup = max(1, total // 10)
    encoder.train()
    step, batches = 0, []
    seen = 0
    t_train = time.perf_counter()
    budget = StepBudget(max_seconds, clock0, planned, log, clock) if max_seconds else None
    watch = ThreadWatch(retune)
    while step < total:
        if not batches:
            if bucket:
                batches = length_batches(lengths, batch_size, rng)
            else:
                rng.shuffle(ids)
                batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        batch = batches.pop(0)
        logits = head(embed(batch, True))
        loss = torch.nn.functional.cross_entropy(logits, targets[batch].to(device), label_smoothing=label_smoothing)
        factor = lr_factor(step, total, warmup)
        for group, base in zip(optim.param_groups, bases, strict=True):
            group["lr"] = base * factor
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(body + list(head.parameters()), 1.0)
        optim.step()
        step += 1
        seen += len(batch)
        watch(step)
        if budget is not None:
            total = budget.after(step, total)
            if budget.stopped:
                break
    capped = budget.note(step) if budget is not None else None
    if capped and on_cap is not None:
        on_cap(capped)
    rate = seen / max(1e-9, time.perf_counter() - t_train)
    log(
        f"init {init_seconds:.1f}s cpu {init_cpu:.1f}s; {step}/{total} steps, {seen} examples, {rate:.0f} examples/s"
        f" cpu {time.process_time() - cpu0 - init_cpu:.1f}s"
    )
    encoder.eval()
    encoder.requires_grad_(True)
    seconds = time.perf_counter() - start
    member = (w0, b0, ensemble) if ensemble > 0 and init == "logistic" else None
    save(model_dir, tokenizer, encoder, head, classes, HEAD_CONFIG, HEAD_FORMAT, HEAD_WEIGHTS, max_length, member)
    return seconds


def save(
    model_dir: Path,
    tokenizer: Any,
    encoder: Any,
    head: Any,
    classes: list[str],
    config_name: str,
    head_format: str,
    weights_name: str,
    max_length: int,
    frozen: tuple[Any, Any, float] | None = None,
) -> None:
    """The classifier head's files (a two-class head as its logistic row) with the fine-tuned encoder beside them;
    ``frozen`` (weight, bias, share): the frozen head on the pretrained sentence embedding the answers are averaged
    with, as ``frozen.safetensors`` and the config's ``ensemble``."""
    import numpy as np
    from safetensors.numpy import save_file

    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    folder = safe_join(model_dir, ENCODER_DIR)
    encoder.save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))

    def rows(weight: Any, bias: Any) -> tuple[Any, Any]:
        weight, bias = np.asarray(weight, dtype=np.float32), np.asarray(bias, dtype=np.float32)
        if len(classes) == 2:  # softmax over two logits is the sigmoid of their difference
            return weight[1:] - weight[:1], bias[1:] - bias[:1]
        return weight, bias

    weight, bias = rows(head.weight.detach().cpu().numpy(), head.bias.detach().cpu().numpy())
    link = "logistic" if len(classes) == 2 else "softmax"
    save_file({"weight": weight.copy(), "bias": bias.copy()}, str(safe_join(model_dir, weights_name)))
    safe_join(model_dir, FROZEN_WEIGHTS).unlink(missing_ok=True)
    config = {
        "format": head_format,
        "version": 1,
        "classes": classes,
        "link": link,
        "dim": int(weight.shape[1]),
        "embedder": {"name": "encoder", "path": ENCODER_DIR, "max_length": int(max_length)},
        "confidence": "margin",
        "trained": "encoder fine-tuned end to end",
    }
    if frozen is not None:
        w, b = rows(frozen[0], frozen[1])
        save_file({"weight": w.copy(), "bias": b.copy()}, str(safe_join(model_dir, FROZEN_WEIGHTS)))
        config["ensemble"] = {  # the features the frozen head was fitted on: the bundled encoder as it was
            "embedder": {"name": "encoder", "path": PRETRAINED, "max_length": int(max_length)},
            "weights": FROZEN_WEIGHTS,
            "share": float(frozen[2]),
        }
    safe_join(model_dir, config_name).write_text(
        json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


class EncoderEmbedder:
    """The fine-tuned encoder of an ``encoder-classifier`` head as an embedder (``encode(texts)`` -> normalised rows);
    with the spec's path ``PRETRAINED``, the bundled encoder itself (the frozen member of an ensemble)."""

    name = "encoder"

    def __init__(self, folder: Path, spec: dict[str, Any], device: str | None = None) -> None:
        from slmc.training.tool_head import _load_encoder

        path = spec.get("path")
        max_length = spec.get("max_length", MAX_LENGTH)
        if path not in (ENCODER_DIR, PRETRAINED) or not isinstance(max_length, int) or not 8 <= max_length <= 512:
            raise SlmcError(f"{folder}: the head's encoder spec {spec!r} is not slmc's", hint="re-run `slmc compile`")
        if path == PRETRAINED:  # the bundled encoder, as the frozen head of an ensemble was fitted on it
            from slmc.training.span_head import minilm_dir

            self.tokenizer, self.model = _load_encoder(minilm_dir())
        else:
            self.tokenizer, self.model = _load_encoder(safe_join(folder, ENCODER_DIR))
        self.device = device or "cpu"
        self.model.to(self.device).eval()
        self.max_length = max_length

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        import numpy as np
        import torch

        from slmc.training.models import cpu_threads_for

        if not texts:
            return np.zeros((0, int(self.model.config.hidden_size)), dtype=np.float32)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))  # batches of similar length: little padding
        pad_id = int(self.tokenizer.pad_token_id or 0)
        out = np.zeros((len(texts), int(self.model.config.hidden_size)), dtype=np.float32)
        with cpu_threads_for(self.model, self.device), torch.no_grad():
            for i in range(0, len(texts), batch_size):
                batch = order[i : i + batch_size]
                ids, mask = _pad(encoded, batch, pad_id)
                ids, mask = ids.to(self.device), mask.to(self.device)
                hidden = self.model(input_ids=ids, attention_mask=mask)
                out[batch] = mean_pool(hidden.last_hidden_state, mask).cpu().numpy()
        return out
