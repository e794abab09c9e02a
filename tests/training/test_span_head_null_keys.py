"""Extractive JSON whose teacher writes ``null`` for a key it has no value for (the README's extract_fields shape), a
value written in other case or spacing than the input, and a key the teacher lists when it occurs twice."""

from __future__ import annotations

import json
import random

import pytest

from slmc.answers import answers_agree
from slmc.training.span_head import SpanHead, bio_decode, find_span, infer_schema
from tests.training.test_span_head import config_for, tokenizer_for

torch = pytest.importorskip("torch")

PRODUCTS = ["aerobook 14", "streamstick", "homehub mini", "thermomug"]
OPENERS = ["hi,", "hello team,", "", "dear support,"]
ORDERS = [f"ab-{n}" for n in range(31000, 31012)]
URGENCY = {"asap": "high", "no rush": "low", "thanks": "medium"}


def tickets(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """order_id / product: spans of the ticket or null (never left out); urgency: a closed set never in the text."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        order = rng.choice([None, *ORDERS])
        product = rng.choice([None, *PRODUCTS])
        tone = rng.choice(list(URGENCY))
        words = [rng.choice(OPENERS), f"my {product} broke" if product else "my parcel is late"]
        words += [f"order {order}" if order else "", tone]
        answer = {"order_id": order, "product": product, "urgency": URGENCY[tone]}
        out.append((" ".join(w for w in words if w), json.dumps(answer)))
    return out


def test_null_valued_keys_are_span_keys_that_answer_null():
    specs = {s.name: s for s in infer_schema(tickets(200))}
    assert (specs["order_id"].kind, specs["order_id"].missing) == ("span", "null")
    assert (specs["product"].kind, specs["product"].missing) == ("span", "null")
    assert specs["urgency"].kind == "closed" and specs["urgency"].classes == ['"high"', '"low"', '"medium"']
    # left out rather than null: the key stays absent
    omitted = [(t, json.dumps({k: v for k, v in json.loads(a).items() if v is not None})) for t, a in tickets(200)]
    assert {s.name: s.missing for s in infer_schema(omitted)}["order_id"] == ""


def test_values_are_found_up_to_case_and_spacing_and_listed_keys_are_spans():
    assert find_span("Weather in New  York today", "new york") == (11, 20)
    assert find_span("Weather in New York", "york new") is None
    assert find_span("abc", " abc") is None  # a value with edge spaces is no span
    pairs = [
        (f"play {a} and {b}", json.dumps({"artist": [a.upper(), b] if i % 3 == 0 else a.upper()}))
        for i, (a, b) in enumerate(zip(PRODUCTS * 5, reversed(PRODUCTS * 5), strict=True))
    ]
    spec = infer_schema(pairs)[0]
    assert (spec.kind, spec.many) == ("span", True)


def test_a_key_listed_once_by_accident_is_answered_as_one_span():
    pairs = [
        (f"play {a} and {b}", json.dumps({"artist": a}))
        for a, b in zip(PRODUCTS * 50, (PRODUCTS[1:] + PRODUCTS[:1]) * 50, strict=True)
    ]
    once = [*pairs, ("play streamstick and thermomug", json.dumps({"artist": ["streamstick", "thermomug"]}))]
    assert infer_schema(once)[0].many is False  # one list in 201 answers: a slip, not the teacher's habit
    twice = [*once, ("play thermomug and streamstick", json.dumps({"artist": ["thermomug", "streamstick"]}))]
    assert infer_schema(twice)[0].many is False  # 2 of 202 < 2 %
    habit = twice + [("play homehub mini and thermomug", json.dumps({"artist": ["homehub mini", "thermomug"]}))] * 3
    assert infer_schema(habit)[0].many is True


def test_a_tiny_encoder_learns_null_keys_and_its_answers_agree_with_the_teacher(tmp_path):
    pairs = tickets(160)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    head, report = SpanHead.fit(
        pairs[:120], tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=20, lr=3e-3, head_lr=1e-2,
        batch_size=16, threads=1,
    )  # fmt: skip
    assert report.used == 120 and report.skipped == {}
    head.save(tmp_path)
    again = SpanHead.load(tmp_path)
    assert [s.missing for s in again.specs] == ["null", "null", ""]
    preds = again.predict([t for t, _ in pairs[120:]])
    assert all(list(p.value) == ["order_id", "product", "urgency"] for p in preds)  # null keys written, in order
    right = sum(answers_agree("json", p.text, a) for p, (_, a) in zip(preds, pairs[120:], strict=True))
    assert right >= 0.9 * len(preds)


def test_bio_decoding_never_starts_a_span_with_an_inside_tag():
    # tags: 0 = O, 1 = B-a, 2 = I-a, 3 = B-b, 4 = I-b; argmax alone would read I-b after B-a
    probs = [[0.1, 0.8, 0.05, 0.03, 0.02], [0.1, 0.05, 0.35, 0.05, 0.45], [0.9, 0.02, 0.04, 0.02, 0.02]]
    assert bio_decode(probs, 2) == [1, 2, 0]


def _one_hot_ish(tags: list[int], n_tags: int, sure: float = 0.9) -> list[list[float]]:
    rest = (1 - sure) / (n_tags - 1)
    return [[sure if t == k else rest for k in range(n_tags)] for t in tags]


def test_a_one_span_key_tagged_twice_reads_the_most_probable_single_span():
    from slmc.training.span_head import KeySpec

    body = "add just dance by aftercluv to my list"
    words = body.split()
    offsets, at = [], 0
    for w in words:
        at = body.index(w, at)
        offsets.append((at, at + len(w)))
        at += len(w)
    head = SpanHead(None, None, [KeySpec("playlist", "span"), KeySpec("owner", "span")], ("", ""), {})
    # tags: O=0, B-playlist=1, I-playlist=2, B-owner=3, I-owner=4; "by" decoded O but nearly I-playlist
    tags = [0, 1, 2, 0, 1, 0, 3, 0]
    probs = _one_hot_ish(tags, 5)
    probs[3] = [0.55, 0.0, 0.45, 0.0, 0.0]  # "by": O 0.55, I-playlist 0.45
    probs[4] = [0.03, 0.5, 0.45, 0.01, 0.01]  # "aftercluv": B 0.5, I 0.45
    decoded = list(tags)
    spans = head._spans(body, offsets, probs, decoded)
    assert [v for v, _ in spans["playlist"]] == ["just dance by aftercluv"]  # one span covering both
    assert spans["playlist"][0][1] == pytest.approx(0.45)  # its confidence: the least sure token ("by" as I)
    assert decoded[1:5] == [1, 2, 2, 2] and [v for v, _ in spans["owner"]] == ["my"]
    # "by" surely O: the likelier of the two spans alone, the other one read as O
    probs[3] = [0.999, 0.0, 0.001, 0.0, 0.0]
    probs[4] = [0.4, 0.6, 0.0, 0.0, 0.0]
    decoded = list(tags)
    assert [v for v, _ in head._spans(body, offsets, probs, decoded)["playlist"]] == ["just dance"]
    assert decoded[4] == 0
    # another key's span between them: never covered; a listed key keeps both
    between = [0, 1, 2, 3, 1, 0, 0, 0]  # owner "by" between the two playlist spans
    decoded = list(between)
    spans = head._spans(body, offsets, _one_hot_ish(between, 5), decoded)
    assert [v for v, _ in spans["playlist"]] in (["just dance"], ["aftercluv"])
    assert decoded[3] == 3  # the other key's tag between them is left as it was
    listed = SpanHead(None, None, [KeySpec("playlist", "span", many=True), KeySpec("owner", "span")], ("", ""), {})
    assert [v for v, _ in listed._spans(body, offsets, _one_hot_ish(tags, 5), list(tags))["playlist"]] == [
        "just dance",
        "aftercluv",
    ]
