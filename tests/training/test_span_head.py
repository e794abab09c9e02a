"""The extractive JSON head (``slmc.training.span_head``) on a tiny encoder built from config (no hub)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from slmc.errors import SlmcError
from slmc.training.span_head import (
    ABSENT,
    SPAN_CONFIG,
    SPAN_WEIGHTS,
    SpanHead,
    SpanSchemaError,
    common_template,
    infer_schema,
    strip_template,
    train_span_head,
)

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CITIES = ["paris", "berlin", "rome", "oslo", "lima", "cairo", "quito", "perth"]
DAYS = ["today", "tomorrow", "monday", "friday"]
PROMPT = "Extract the forecast fields as JSON.\nMessage: {m}\nJSON:"


def tokenizer_for(texts: list[str]) -> Any:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
    pre = pre_tokenizers.BertPreTokenizer()
    for text in texts:
        for word, _ in pre.pre_tokenize_str(text.lower()):
            vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]", unk_token="[UNK]",
        mask_token="[MASK]",
    )  # fmt: skip


def weather(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """city: always a span; day: a span, absent in a third of the answers; metric: a closed set (booleans)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        city, day, unit = rng.choice(CITIES), rng.choice([*DAYS, None]), rng.choice(["celsius", "fahrenheit"])
        message = f"weather in {city}" + (f" {day}" if day else "") + f" in {unit} please"
        answer = {"city": city, **({"day": day} if day else {}), "metric": unit == "celsius"}
        out.append((PROMPT.format(m=message), json.dumps(answer)))
    return out


def config_for(tokenizer: Any) -> dict[str, Any]:
    return {
        "vocab_size": len(tokenizer),
        "hidden_size": 32,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 160,
        "pad_token_id": 0,
    }


@pytest.fixture(scope="module")
def trained() -> tuple[SpanHead, Any, list[tuple[str, str]]]:
    pairs = weather(160)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    head, report = SpanHead.fit(
        pairs[:120], tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=12, lr=3e-3, head_lr=1e-2,
        batch_size=16, threads=1,
    )  # fmt: skip
    return head, report, pairs[120:]


def test_a_tiny_encoder_learns_spans_absent_keys_and_closed_keys(trained):
    head, report, test = trained
    assert report.used == 120 and report.skipped == {}
    assert report.steps == report.planned_steps == 12 * 7  # 108 rows after the calibration slice, batches of 16
    assert report.capped(None) is None and report.capped(600.0) is None  # the plan ran: no cap to report
    assert [(s.name, s.kind) for s in head.specs] == [("city", "span"), ("day", "span"), ("metric", "closed")]
    assert head.specs[2].classes == ["false", "true"]  # JSON-encoded values; never absent in the teacher's answers
    preds = head.predict([t for t, _ in test])
    right = sum(p.value == json.loads(a) for p, (_, a) in zip(preds, test, strict=True))
    assert right >= 0.9 * len(test)
    for pred in preds:
        assert list(pred.value) == [k for k in ("city", "day", "metric") if k in pred.value]  # schema order
        assert json.loads(pred.text) == pred.value and 0.0 <= pred.confidence <= 1.0
    assert any("day" not in p.value for p in preds)  # absent when the message names no day
    assert all(isinstance(p.value.get("metric"), bool) for p in preds)  # closed keys give the teacher's JSON type


def test_a_time_budget_is_a_safety_cap_on_cpu_seconds_that_stops_the_plan_and_never_reshapes_it(monkeypatch):
    import itertools
    import time

    pairs = weather(60)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    ticks = itertools.count()
    walls = itertools.count()
    monkeypatch.setattr(time, "process_time", lambda: 0.5 * next(ticks))  # CPU seconds: half a second a look
    monkeypatch.setattr(time, "perf_counter", lambda: 1000.0 * next(walls))  # a wall clock racing (a loaded machine)
    _, report = SpanHead.fit(
        pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=40, batch_size=8, max_seconds=10.0,
        threads=1,
    )  # fmt: skip
    assert report.planned_steps == 40 * 7  # 54 rows after the calibration slice
    # the cap reads this process's CPU seconds (about 20 looks fit in 10 s), not the wall clock, and stops training
    assert 10 <= report.steps <= 21 and report.stopped
    # fewer steps than planned because of the clock: the compile reports the line (``heads.HeadTrained.capped``)
    assert report.capped(10.0) == f"time budget of 10s fired: {report.steps} of 280 planned steps trained"
    # without the cap the plan runs in full: the same rows give the same steps on an idle or a loaded machine
    _, free = SpanHead.fit(
        pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=2, batch_size=8, threads=1
    )  # fmt: skip
    assert free.steps == free.planned_steps == 14 and not free.stopped


def test_save_and_load_round_trip_gives_identical_predictions(trained, tmp_path):
    head, _, test = trained
    head.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [SPAN_CONFIG, SPAN_WEIGHTS, "span_tokenizer.json"]
    again = SpanHead.load(tmp_path)
    texts = [t for t, _ in test] + ["", "weather in atlantis"]
    assert again.predict(texts) == head.predict(texts)  # same JSON and bit-identical confidence


def test_hostile_inputs_never_crash(trained):
    head, _, _ = trained
    long_text = PROMPT.format(m="weather in " + "paris " * 400)
    texts = ["", " ", "\x00\u202e\ufeff", "天気 東京 🙂 " * 3, PROMPT.format(m=""), long_text, "x" * 20000]
    preds = head.predict(texts)
    assert len(preds) == len(texts)
    for pred in preds:
        assert isinstance(pred.value, dict) and json.loads(pred.text) == pred.value
        for key, value in pred.value.items():
            if key != "metric":
                assert isinstance(value, str) and value  # spans are non-empty text of the input
    assert preds[texts.index(long_text)].confidence == 0.0  # beyond the encoder's window: never guessed at
    assert head.predict([]) == []


def test_records_that_cannot_be_learned_are_counted_and_skipped():
    pairs = weather(40, seed=1)
    bad = [
        (PROMPT.format(m="weather in oslo"), "not json"),
        (PROMPT.format(m="weather in oslo"), json.dumps(["oslo"])),
        (PROMPT.format(m="weather in oslo"), json.dumps({"city": "Bergen", "metric": True})),  # not in the input
        (PROMPT.format(m="weather in oslo"), json.dumps({"city": "oslo", "metric": "maybe"})),  # outside its set
        (PROMPT.format(m="weather in oslo"), json.dumps({"city": "oslo", "metric": True, "extra": 1})),
        (PROMPT.format(m="weather in oslofjord"), json.dumps({"city": "oslo", "metric": True})),  # inside a token
    ]
    tokenizer = tokenizer_for([t for t, _ in pairs + bad])
    schema = {"properties": {"city": {}, "day": {}, "metric": {}}}
    _, report = SpanHead.fit(
        pairs + bad, tokenizer=tokenizer, encoder_config=config_for(tokenizer), schema=schema, epochs=1, threads=1
    )
    assert report.rows == 46 and report.used == 40
    assert sum(report.skipped.values()) == 6
    assert report.skipped["answer is not a JSON object"] == 2
    assert report.skipped["answer has a key outside the schema"] == 1
    assert report.skipped["span boundaries fall inside a token"] == 1
    assert set(report.skipped) >= {"value of city is not in the input", "value of metric is outside its closed set"}


def test_kinds_come_from_the_traces():
    text = "book a table for {n} at {place}"
    pairs = []
    for i in range(30):
        place = ["luigi", "noma", "sushi bar"][i % 3]
        answer: dict[str, Any] = {"place": place, "size": ["small", "large"][i % 2]}
        if i % 4:
            answer["vegan"] = bool(i % 3)
        pairs.append((text.format(n=i, place=place), json.dumps(answer)))
    specs = {s.name: s for s in infer_schema(pairs)}
    assert specs["place"].kind == "span"
    assert specs["size"].kind == "closed" and specs["size"].classes == ['"large"', '"small"']
    assert specs["vegan"].kind == "closed" and specs["vegan"].classes == ["false", "true", ABSENT]
    # an order from the contract's schema wins; keys it lacks never appear
    ordered = infer_schema(pairs, {"properties": {"size": {}, "place": {}}})
    assert [s.name for s in ordered] == ["size", "place"]
    free = [(f"say hi to {i}", json.dumps({"reply": f"Hello number {i}, nice to meet you"})) for i in range(20)]
    with pytest.raises(SpanSchemaError, match="reply"):
        infer_schema(free)  # free text: neither a span nor a closed set -> the generative path
    with pytest.raises(SpanSchemaError):
        infer_schema([("x", "not json"), ("y", "[1]")])


def test_the_constant_prompt_is_stripped_at_word_boundaries():
    texts = [PROMPT.format(m=m) for m in ("weather in oslo", "wind in lima today", "whatever")]
    prefix, suffix = common_template(texts)
    assert prefix == "Extract the forecast fields as JSON.\nMessage: " and suffix == "\nJSON:"
    assert strip_template(texts[1], prefix, suffix) == ("wind in lima today", len(prefix))
    assert strip_template("something else", prefix, suffix) == ("something else", 0)  # not the template: whole text
    assert common_template(["the same", "the same"]) == ("", "")
    # a common first word of every message stays in the varying part (the cut is at whitespace)
    prefix, _ = common_template(["Message: weather in oslo", "Message: weather at noon"])
    assert prefix == "Message: weather "


def test_a_broken_or_foreign_folder_is_a_clear_error(trained, tmp_path):
    head, _, _ = trained
    with pytest.raises(SlmcError, match="holds no span head"):
        SpanHead.load(tmp_path)
    head.save(tmp_path)
    config = json.loads((tmp_path / SPAN_CONFIG).read_text())
    (tmp_path / SPAN_CONFIG).write_text(json.dumps({**config, "format": "other"}))
    with pytest.raises(SlmcError, match="not an slmc span head"):
        SpanHead.load(tmp_path)
    (tmp_path / SPAN_CONFIG).write_text(json.dumps({**config, "encoder": {**config["encoder"], "hidden_size": 64}}))
    with pytest.raises(SlmcError, match="broken span head"):
        SpanHead.load(tmp_path)  # weights of another shape
    (tmp_path / SPAN_CONFIG).write_text(json.dumps(config))
    (tmp_path / SPAN_WEIGHTS).write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(SlmcError, match="broken span head"):
        SpanHead.load(tmp_path)
    outside = tmp_path.parent / "elsewhere.safetensors"
    outside.write_bytes(b"x")
    (tmp_path / SPAN_WEIGHTS).unlink()
    (tmp_path / SPAN_WEIGHTS).symlink_to(outside)
    with pytest.raises(SlmcError, match="broken span head"):
        SpanHead.load(Path(tmp_path))


def test_train_span_head_reads_trace_rows_and_records_what_it_skipped(tmp_path):
    pairs = weather(30, seed=2)
    rows = [
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": t},
                {"role": "assistant", "content": a},
            ]
        }
        for t, a in [*pairs, (PROMPT.format(m="weather in oslo"), "I cannot help")]
    ]
    tokenizer = tokenizer_for([t for t, _ in pairs])
    report = train_span_head(
        rows, tmp_path / "head", tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=1, threads=1
    )
    assert (report.rows, report.used) == (31, 30)
    info = json.loads((tmp_path / "head" / "slmc-train.json").read_text())
    assert info["method"] == "span-head" and info["skipped"] == {"answer is not a JSON object": 1}
    assert info["keys"] == {"city": "span", "day": "span", "metric": "closed"}
    assert SpanHead.load(tmp_path / "head").template == common_template([t for t, _ in pairs])


def test_with_train_layers_the_bottom_layers_stay_as_they_were_and_the_tagger_still_learns():
    pairs = weather(160, seed=3)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    config = {**config_for(tokenizer), "num_hidden_layers": 2}
    untouched = SpanHead.fit(
        pairs[:40],
        tokenizer=tokenizer,
        encoder_config=config,
        epochs=1,
        batch_size=16,
        threads=1,
        train_layers=2,
        layers_when="always",
    )[0]  # both layers trained: its bottom layer differs from the random start below
    head, report = SpanHead.fit(
        pairs[:120], tokenizer=tokenizer, encoder_config=config, epochs=12, lr=3e-3, head_lr=1e-2, batch_size=16,
        threads=1, train_layers=1, layers_when="always",
    )  # fmt: skip
    torch.manual_seed(0)  # fit seeds the random encoder with ``seed`` (0): ``fresh`` is the start it trained from
    fresh = transformers.BertModel(transformers.BertConfig(**config), add_pooling_layer=False)
    encoder = head.model.encoder
    bottom, top = encoder.encoder.layer[0], encoder.encoder.layer[1]
    assert torch.equal(bottom.output.dense.weight, fresh.encoder.layer[0].output.dense.weight)
    assert torch.equal(encoder.embeddings.position_embeddings.weight, fresh.embeddings.position_embeddings.weight)
    assert not torch.equal(top.output.dense.weight, fresh.encoder.layer[1].output.dense.weight)
    assert not torch.equal(
        untouched.model.encoder.encoder.layer[0].output.dense.weight, fresh.encoder.layer[0].output.dense.weight
    )
    assert report.steps == report.planned_steps
    preds = head.predict([t for t, _ in pairs[120:]])
    right = sum(p.value == json.loads(a) for p, (_, a) in zip(preds, pairs[120:], strict=True))
    assert right >= 0.9 * len(pairs[120:])


@pytest.mark.parametrize(("epochs", "budget", "bottom_trained"), [(1000, 1e-3, False), (1, 1e-3, True), (1, 0, True)])
def test_the_top_layers_alone_are_trained_only_when_the_plan_is_too_long_for_every_layer(
    epochs, budget, bottom_trained
):
    """The plan's size decides, never the time budget: a tight cap stops a short plan early but leaves it training
    every layer, so the same rows give the same kind of head on an idle or a loaded machine."""
    pairs = weather(60, seed=4)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    config = {**config_for(tokenizer), "num_hidden_layers": 2}
    head, report = SpanHead.fit(
        pairs, tokenizer=tokenizer, encoder_config=config, epochs=epochs, batch_size=16, threads=1, train_layers=1,
        max_seconds=budget or None,
    )  # fmt: skip
    assert report.stopped == bool(budget) and report.steps >= 1
    torch.manual_seed(0)
    fresh = transformers.BertModel(transformers.BertConfig(**config), add_pooling_layer=False)
    bottom = head.model.encoder.encoder.layer[0].output.dense.weight
    assert torch.equal(bottom, fresh.encoder.layer[0].output.dense.weight) != bottom_trained
