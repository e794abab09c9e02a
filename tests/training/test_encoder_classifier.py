"""The end-to-end label head (``slmc.training.encoder_classifier``): batches of similar length, the learning-rate
schedule fitted to a time budget, the fine-tuned encoder answering in input order, and a small task trained."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from slmc.training.embed import minilm_available
from slmc.training.encoder_classifier import StepBudget, length_batches, lr_factor

needs_minilm = pytest.mark.skipif(not minilm_available(), reason="the bundled MiniLM encoder is not installed")


def test_lr_factor_warms_up_then_decays_linearly_to_zero_at_the_schedules_end():
    factors = [lr_factor(step, 20, 4) for step in range(20)]
    assert factors[:4] == [0.25, 0.5, 0.75, 1.0]
    assert all(a >= b for a, b in itertools.pairwise(factors[3:]))  # never rises after the warmup
    assert factors[-1] == pytest.approx(1 / 16) and lr_factor(20, 20, 4) == 0.0
    # a schedule shortened to 6 steps by a time budget, its warmup planned for 10: it still peaks and decays to zero
    short = [lr_factor(step, 6, 10) for step in range(6)]
    assert short[:3] == [pytest.approx(1 / 3), pytest.approx(2 / 3), 1.0] and short[-1] == pytest.approx(1 / 3)
    assert lr_factor(6, 6, 10) == 0.0


def test_length_batches_cover_every_row_once_per_epoch_with_little_padding():
    rng = random.Random(0)
    lengths = [rng.randrange(5, 90) for _ in range(1000)]
    batches = length_batches(lengths, 32, random.Random(1))
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert all(len(b) <= 32 for b in batches)

    def padded(bs: list[list[int]]) -> int:
        return sum(len(b) * max(lengths[i] for i in b) for b in bs)

    ids = list(range(1000))
    random.Random(1).shuffle(ids)
    shuffled = [ids[i : i + 32] for i in range(0, 1000, 32)]
    assert padded(batches) < 0.6 * padded(shuffled)  # far fewer padded tokens than random batches
    assert length_batches(lengths, 32, random.Random(1)) == batches  # seeded
    first = [b[0] for b in batches[:5]]
    assert first != sorted(first, key=lambda i: lengths[i]) or len(set(first)) < 5  # batches come in random order


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_step_budget_never_reshapes_the_schedule_and_only_stops_when_the_time_is_up():
    clock, lines = _Clock(), []
    budget = StepBudget(60.0, 10.0, 1000, lines.append, clock=clock)
    total = 1000
    for step in range(1, 50):
        clock.now += 1.0  # one second a step: a wall-fitted schedule would have ended near step 50
        total = budget.after(step, total)
    assert total == 1000 and not budget.stopped and not lines  # the plan's schedule, whatever the speed
    clock.now = 70.5  # 60.5 s since the start: the cap fires
    assert budget.after(60, total) == 1000 and budget.stopped
    assert lines == ["time budget of 60s: stopping at step 60/1000"]
    budget.after(61, total)
    assert len(lines) == 1  # said once
    # the head now depends on how fast the machine was: the line a compile reports
    assert budget.note(60) == "time budget of 60s fired: 60 of 1000 planned steps trained"


def test_step_budget_that_does_not_fire_leaves_nothing_to_report():
    clock = _Clock()
    budget = StepBudget(100.0, 0.0, 20, clock=clock)
    for step in range(1, 21):
        clock.now += 1.0
        assert budget.after(step, 20) == 20
    assert not budget.stopped and budget.note(20) is None


def test_the_step_budget_reads_cpu_seconds_by_default():
    import time

    budget = StepBudget(1.0, time.process_time(), 10)
    assert budget.clock is time.process_time  # other processes on the cores slow training, they do not shorten it


@needs_minilm
def test_the_fine_tuned_encoder_embeds_in_input_order_whatever_the_lengths(tmp_path):
    import numpy as np

    from slmc.training.encoder_classifier import ENCODER_DIR, EncoderEmbedder
    from slmc.training.span_head import minilm_dir
    from slmc.training.tool_head import _load_encoder

    tokenizer, encoder = _load_encoder(minilm_dir())
    encoder.save_pretrained(str(tmp_path / ENCODER_DIR), safe_serialization=True)
    tokenizer.save_pretrained(str(tmp_path / ENCODER_DIR))
    embedder = EncoderEmbedder(tmp_path, {"name": "encoder", "path": ENCODER_DIR, "max_length": 64})
    texts = ["a much longer message about a card that never arrived in the post", "hi", "refund please", "x " * 40]
    together = embedder.encode(texts, batch_size=3)  # sorted by length inside, padded per batch
    alone = np.concatenate([embedder.encode([t]) for t in texts])  # one row per batch: no padding at all
    assert together.shape == (4, 384)
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


def _row(text: str, label: str) -> dict:
    return {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": label}]}


@needs_minilm
@pytest.mark.parametrize("init", ["centroids", "logistic"])
def test_a_small_label_task_trains_end_to_end_and_answers_from_the_saved_files(tmp_path, init):
    import torch

    from slmc.training.classifier import ClassifierHead
    from slmc.training.encoder_classifier import train_encoder_classifier

    words = {
        "refund": ["I want my money back", "please refund my order", "return the cash to me"],
        "card": ["my card was stolen", "I lost my debit card", "send me a new card"],
        "out_of_scope": ["what is the capital of France", "tell me a joke", "how tall is mount everest"],
    }
    rows = [_row(text, label) for label, texts in words.items() for text in texts] * 4
    threads = torch.get_num_threads()
    lines: list[str] = []
    seconds = train_encoder_classifier(rows, tmp_path, epochs=2, batch_size=8, init=init, threads=1, log=lines.append)
    assert seconds > 0 and torch.get_num_threads() == threads  # the caller's thread count is restored
    assert any("examples/s" in line for line in lines)
    config = json.loads((tmp_path / "head.json").read_text())
    assert config["classes"] == ["card", "out_of_scope", "refund"] and config["link"] == "softmax"
    head = ClassifierHead(tmp_path)
    answers = head.predict([_row(t, "") for t in ("refund my order please", "my card got stolen", "tell me a joke")])
    assert [a.text for a in answers] == ["refund", "card", "out_of_scope"]
    assert all(0.0 <= a.confidence <= 1.0 for a in answers)
    # the word vectors stay the pretrained ones (frozen); the transformer layers were fine-tuned
    from transformers import AutoModel

    from slmc.training.encoder_classifier import ENCODER_DIR
    from slmc.training.span_head import minilm_dir

    tuned = AutoModel.from_pretrained(str(tmp_path / ENCODER_DIR), local_files_only=True, use_safetensors=True)
    base = AutoModel.from_pretrained(str(minilm_dir()), local_files_only=True, use_safetensors=True)
    assert torch.equal(tuned.get_input_embeddings().weight, base.get_input_embeddings().weight)
    assert not torch.equal(tuned.encoder.layer[0].output.dense.weight, base.encoder.layer[0].output.dense.weight)


def test_every_layer_is_trained_when_the_plan_is_short_enough_and_the_top_layers_when_not():
    from slmc.training.encoder_classifier import FULL_LAYER_UPDATES, all_layers_fit

    # the plan decides, never a clock: the same rows give the same layers on an idle or a loaded machine
    assert all_layers_fit(6000) and all_layers_fit(FULL_LAYER_UPDATES)
    assert not all_layers_fit(FULL_LAYER_UPDATES + 1)


@needs_minilm
@pytest.mark.parametrize(("when", "epochs"), [("always", 2), ("short", 1e4)])
def test_the_top_layers_alone_are_fine_tuned_when_asked_or_when_the_plan_is_too_long(tmp_path, when, epochs):
    import torch
    from transformers import AutoModel

    from slmc.training.encoder_classifier import ENCODER_DIR, TRAIN_LAYERS, train_encoder_classifier
    from slmc.training.span_head import minilm_dir

    rows = [_row(t, lab) for lab, t in (("a", "refund my order"), ("b", "my card was stolen"))] * 6
    lines: list[str] = []
    train_encoder_classifier(
        rows, tmp_path, epochs=epochs, batch_size=4, threads=1, ensemble=0.0, layers_when=when, log=lines.append,
        max_seconds=0.01 if when == "short" else 0.0,  # the long plan is stopped by its cap after a step
    )  # fmt: skip
    assert any("the top 3 of 6 layers fine-tuned" in line for line in lines)
    tuned = AutoModel.from_pretrained(str(tmp_path / ENCODER_DIR), local_files_only=True, use_safetensors=True)
    base = AutoModel.from_pretrained(str(minilm_dir()), local_files_only=True, use_safetensors=True)
    frozen = len(base.encoder.layer) - TRAIN_LAYERS
    for i, (mine, theirs) in enumerate(zip(tuned.encoder.layer, base.encoder.layer, strict=True)):
        assert torch.equal(mine.output.dense.weight, theirs.output.dense.weight) == (i < frozen), i
    assert torch.equal(tuned.embeddings.position_embeddings.weight, base.embeddings.position_embeddings.weight)
    with pytest.raises(ValueError, match="layers_when"):
        train_encoder_classifier(rows, tmp_path, layers_when="sometimes")


@pytest.mark.parametrize(("rows", "epochs"), [(300, 6.0), (1000, 6.0), (2000, 3.0), (4000, 1.5), (20000, 1.0)])
def test_the_label_head_plans_about_a_fixed_number_of_example_updates(rows, epochs):
    from slmc.ir.nodes import SLMChoice
    from slmc.training.datasets import LengthStats
    from slmc.training.presets import make_plan

    slm = SLMChoice("encoder-classifier:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, "encoder-classifier")
    plan = make_plan(slm, dataset="d", validation="v", test="t", stats=LengthStats(rows, 12, 30, 60, 3))
    assert plan.method == "encoder-classifier" and plan.epochs == epochs and plan.max_length == 64
    assert (
        make_plan(slm, dataset="d", validation="v", test="t", stats=LengthStats(rows, 12, 30, 60, 3), epochs=2).epochs
        == 2
    )


def test_the_frozen_start_is_fitted_on_a_sample_holding_every_class():
    from slmc.training.encoder_classifier import init_sample

    targets = [0] * 5000 + [1] * 3 + [2]  # a rare class and a single-row one
    sample = init_sample(targets, 200, seed=0)
    assert len(sample) == 200 and len(set(sample)) == 200 and {targets[i] for i in sample} == {0, 1, 2}
    assert init_sample(targets, 200, seed=0) == sample and init_sample(targets[:50], 200, seed=0) == list(range(50))


@pytest.mark.parametrize("init", ["logistic", "centroids"])
@pytest.mark.parametrize("classes", [2, 3])
def test_the_start_weights_classify_separable_embeddings(init, classes):
    import numpy as np

    from slmc.training.encoder_classifier import start_weights

    rng = np.random.default_rng(0)
    centres = np.eye(8)[:classes] * 3
    y = np.repeat(np.arange(classes), 30)
    features = centres[y] + rng.normal(scale=0.3, size=(len(y), 8))
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    weight, bias = start_weights(features, y, classes, init=init)
    assert weight.shape == (classes, 8) and bias.shape == (classes,)
    assert ((features @ weight.T + bias).argmax(1) == y).all()
    with pytest.raises(ValueError, match="unknown start"):
        start_weights(features, y, classes, init="zeros")


@needs_minilm
def test_the_fine_tuned_head_answers_averaged_with_the_frozen_head_it_started_from(tmp_path):
    import shutil

    import numpy as np
    from safetensors.numpy import load_file

    from slmc.errors import SlmcError
    from slmc.training.classifier import ClassifierHead, _probabilities
    from slmc.training.embed import Embedder
    from slmc.training.encoder_classifier import FROZEN_WEIGHTS, train_encoder_classifier

    words = {
        "refund": ["I want my money back", "please refund my order", "return the cash to me"],
        "card": ["my card was stolen", "I lost my debit card", "send me a new card"],
        "other": ["what is the capital of France", "tell me a joke", "how tall is mount everest"],
    }
    rows = [_row(text, label) for label, texts in words.items() for text in texts] * 3
    train_encoder_classifier(rows, tmp_path / "both", epochs=1, batch_size=8, threads=1)
    config = json.loads((tmp_path / "both" / "head.json").read_text())
    assert config["ensemble"]["share"] == 0.25 and (tmp_path / "both" / FROZEN_WEIGHTS).is_file()
    texts = ["refund my order please", "my card got stolen", "tell me a joke", "is it raining"]
    both = ClassifierHead(tmp_path / "both").predict_proba(texts)
    # the same files without the ensemble: the fine-tuned head alone
    shutil.copytree(tmp_path / "both", tmp_path / "alone")
    (tmp_path / "alone" / "head.json").write_text(json.dumps({k: v for k, v in config.items() if k != "ensemble"}))
    alone = ClassifierHead(tmp_path / "alone").predict_proba(texts)
    frozen = load_file(str(tmp_path / "both" / FROZEN_WEIGHTS))
    features = Embedder("minilm").encode(texts)  # the sentence embedding the frozen head was fitted on
    pretrained = _probabilities(features, frozen["weight"], frozen["bias"], "softmax")
    np.testing.assert_allclose(both, 0.75 * alone + 0.25 * pretrained, atol=1e-5)
    assert not np.allclose(alone, pretrained, atol=1e-3)  # two different heads were averaged
    assert [config["classes"][i] for i in both.argmax(1)[:3]] == ["refund", "card", "other"]
    # a share outside (0, 1) or missing weights: a broken head, never a silent single answer
    for broken in ({"share": 1.5}, {"weights": "missing.safetensors"}):
        (tmp_path / "alone" / "head.json").write_text(
            json.dumps({**config, "ensemble": {**config["ensemble"], **broken}})
        )
        with pytest.raises(SlmcError, match="broken classifier head"):
            ClassifierHead(tmp_path / "alone")
    # ensemble=0: the fine-tuned head alone, no frozen weights left from an earlier training
    train_encoder_classifier(rows, tmp_path / "both", epochs=1, batch_size=8, threads=1, ensemble=0.0)
    assert "ensemble" not in json.loads((tmp_path / "both" / "head.json").read_text())
    assert not (tmp_path / "both" / FROZEN_WEIGHTS).exists()


@pytest.mark.parametrize(("rows", "epochs"), [(300, 3.0), (999, 3.0), (1000, 5.0), (1600, 3.1), (5000, 2.0)])
def test_the_span_head_plans_about_a_fixed_number_of_example_updates_on_large_sets(rows, epochs):
    from slmc.ir.nodes import SLMChoice
    from slmc.training.datasets import LengthStats
    from slmc.training.presets import make_plan

    slm = SLMChoice("span-head:minilm", "sentence-transformers/all-MiniLM-L6-v2", 0.0227, "span-head")
    plan = make_plan(slm, dataset="d", validation="v", test="t", stats=LengthStats(rows, 12, 30, 60, 3))
    assert plan.method == "span-head" and plan.epochs == epochs


@needs_minilm
def test_the_frozen_layers_and_the_trained_ones_together_give_the_encoders_own_output():
    import torch

    from slmc.training.encoder_classifier import _pad, lower, upper
    from slmc.training.span_head import minilm_dir
    from slmc.training.tool_head import _load_encoder

    tokenizer, encoder = _load_encoder(minilm_dir())
    encoder.eval()
    encoded = tokenizer(["hi", "my card never arrived in the post", "refund please"])["input_ids"]
    ids, mask = _pad(encoded, [0, 1, 2], int(tokenizer.pad_token_id or 0))  # padded rows too
    with torch.no_grad():
        whole = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        for frozen in (0, 3, 6):
            split = upper(encoder, lower(encoder, ids, mask, frozen), mask, frozen)
            keep = mask.bool()
            torch.testing.assert_close(split[keep], whole[keep], atol=1e-5, rtol=1e-5)


@needs_minilm
def test_every_layer_is_fine_tuned_when_train_layers_is_none(tmp_path):
    import torch
    from transformers import AutoModel

    from slmc.training.encoder_classifier import ENCODER_DIR, train_encoder_classifier
    from slmc.training.span_head import minilm_dir

    rows = [_row(t, lab) for lab, t in (("a", "refund my order"), ("b", "my card was stolen"))] * 6
    train_encoder_classifier(rows, tmp_path, epochs=2, batch_size=4, threads=1, train_layers=None, ensemble=0.0)
    tuned = AutoModel.from_pretrained(str(tmp_path / ENCODER_DIR), local_files_only=True, use_safetensors=True)
    base = AutoModel.from_pretrained(str(minilm_dir()), local_files_only=True, use_safetensors=True)
    assert not torch.equal(tuned.encoder.layer[0].output.dense.weight, base.encoder.layer[0].output.dense.weight)


def test_the_calibration_slice_holds_out_a_share_of_each_label_and_leaves_every_label_two_rows():
    from slmc.training.encoder_classifier import calibration_slice

    labels = ["a"] * 50 + ["b"] * 20 + ["c"] * 3 + ["d"] * 2
    held = calibration_slice(labels, 0.1, seed=0)
    assert held == sorted(held) and len(set(held)) == len(held)
    per = {x: sum(labels[i] == x for i in held) for x in "abcd"}
    assert per == {"a": 5, "b": 2, "c": 0, "d": 0}  # c and d: too few rows to spare any
    assert calibration_slice(labels, 0.1, seed=0) == held  # deterministic
    assert calibration_slice(labels, 0.1, seed=1) != held
    assert calibration_slice(labels, 0.0, seed=0) == []


@needs_minilm
def test_a_large_enough_label_task_answers_its_calibration_slice_for_the_threshold(tmp_path, monkeypatch):
    """Rows held out of training are answered by the saved head into heldout.json (evaluation calibrates the threshold
    on them with the validation split); below CALIBRATION_MIN_ROWS every row trains and none is written."""
    from slmc.training import encoder_classifier as ec
    from slmc.training.classifier import read_heldout

    words = {
        "refund": ["I want my money back", "please refund my order", "return the cash to me", "refund it now"],
        "card": ["my card was stolen", "I lost my debit card", "send me a new card", "my card does not work"],
        "out_of_scope": ["what is the capital of France", "tell me a joke", "how tall is mount everest", "hi there"],
    }
    rows = [_row(f"{text} {i}", label) for label, texts in words.items() for text in texts for i in range(5)]
    small = tmp_path / "small"
    ec.train_encoder_classifier(rows, small, epochs=1, batch_size=8, threads=1)
    assert read_heldout(small) == ([], [])  # 60 rows < CALIBRATION_MIN_ROWS: every row trains
    monkeypatch.setattr(ec, "CALIBRATION_MIN_ROWS", 40)
    lines: list[str] = []
    ec.train_encoder_classifier(rows, tmp_path / "big", epochs=1, batch_size=8, threads=1, log=lines.append)
    answers, references = read_heldout(tmp_path / "big")
    assert len(answers) == len(references) == 6  # 10 % of each label's 20 rows
    assert sorted(set(references)) == sorted(words)
    assert all(a.text in words and 0.0 <= a.confidence <= 1.0 for a in answers)
    assert any("calibration slice: 6" in line for line in lines)
    config = json.loads((tmp_path / "big" / "head.json").read_text())
    assert config["classes"] == sorted(words)  # every label still trained
