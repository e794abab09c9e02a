"""The span head's value memory: a value the teacher always filed under one key is read under that key."""

from __future__ import annotations

import json

import pytest

from slmc.training.span_head import SPAN_CONFIG, KeySpec, SpanHead, value_memory

# tags: 0 = O, 1 / 2 = B / I of "town", 3 / 4 = B / I of "region"
SPECS = [KeySpec("town", "span"), KeySpec("region", "span")]
BODY = "rain in new hampshire"
OFFSETS = [(0, 0), (0, 4), (5, 7), (8, 11), (12, 21), (0, 0)]  # [CLS] rain in new hampshire [SEP]


def head(memory: dict[str, str]) -> SpanHead:
    out = SpanHead(None, None, SPECS, ("", ""), {})
    out.memory = memory
    return out


def probs_town() -> list[list[float]]:
    """The tagger reads "new hampshire" as a town, unsure of the key (B-town .55, B-region .40)."""
    o = [1.0, 0.0, 0.0, 0.0, 0.0]
    return [o, o, o, [0.05, 0.55, 0.0, 0.40, 0.0], [0.02, 0.0, 0.58, 0.0, 0.40], o]


def test_the_memory_keeps_values_filed_under_one_key_up_to_case_and_spacing():
    answers = [
        {"town": "Concord", "region": "New  Hampshire"},
        {"region": "new hampshire"},
        {"town": "Salem", "region": ["Oregon", "Salem"]},  # Salem under two keys: left out
        {"town": None, "region": ""},
    ]
    assert value_memory(answers, ["town", "region"]) == {
        "concord": "town",
        "new hampshire": "region",
        "oregon": "region",
    }


def test_a_remembered_value_is_read_under_its_key_with_the_span_probability_as_confidence():
    tags = [None, 0, 0, 1, 2, None]
    sure = head({"new hampshire": "region"})._recall(BODY, OFFSETS, probs_town(), tags)
    assert tags == [None, 0, 0, 3, 4, None]  # now a region span
    assert sure == {3: pytest.approx(0.95), 4: pytest.approx(0.98)}  # B of any key, I of any key


def test_without_the_value_in_memory_the_tagger_decides():
    tags = [None, 0, 0, 1, 2, None]
    assert head({"concord": "town"})._recall(BODY, OFFSETS, probs_town(), tags) == {}
    assert tags == [None, 0, 0, 1, 2, None]


def test_a_remembered_key_that_already_has_its_one_span_is_not_given_a_second():
    body = "rain in new hampshire ohio"
    offsets = [*OFFSETS[:-1], (22, 26), (0, 0)]
    o = [1.0, 0.0, 0.0, 0.0, 0.0]
    probs = [*probs_town()[:-1], [0.1, 0.0, 0.0, 0.9, 0.0], o]
    tags = [None, 0, 0, 1, 2, 3, None]  # town "new hampshire", region "ohio"
    sure = head({"new hampshire": "region"})._recall(body, offsets, probs, tags)
    assert tags == [None, 0, 0, 1, 2, 3, None] and sure == {}


def test_a_version_1_head_loads_without_a_memory(tmp_path):
    from tests.training.test_span_head import config_for, tokenizer_for, weather

    pairs = weather(60)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    trained, _ = SpanHead.fit(pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=1, threads=1)
    assert trained.memory["paris"] == "city"  # learned from the trained rows
    trained.save(tmp_path)
    config = json.loads((tmp_path / SPAN_CONFIG).read_text())
    assert config["version"] == 2 and config["memory"] == trained.memory
    assert SpanHead.load(tmp_path).memory == trained.memory
    old = {k: v for k, v in config.items() if k != "memory"} | {"version": 1}
    (tmp_path / SPAN_CONFIG).write_text(json.dumps(old))
    assert SpanHead.load(tmp_path).memory == {}
