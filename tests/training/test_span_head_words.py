"""The span head never starts or ends a span inside a word when no teacher span did (``bio_decode``'s ``joined``),
on a tiny encoder built from config with a sub-word tokenizer (no hub)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from slmc.training.span_head import SpanHead, _joined, bio_decode, cuts_a_word, joined_words, tagged

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

PROMPT = "Extract the forecast fields as JSON.\nMessage: {m}\nJSON:"
# places split into sub-word pieces by the tokenizer below: "keen ##land" is one word of two tokens
PLACES = ["keenland", "oslo", "paris", "lima", "keen", "land"]
WORDS = ["weather", "in", "for", "today", "please", "extract", "the", "forecast", "fields", "as", "json", "message"]


def wordpiece() -> Any:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
    for word in [*WORDS, "oslo", "paris", "lima", "keen", "land", "##land", ".", ":", "\n"]:
        vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]", unk_token="[UNK]",
        mask_token="[MASK]",
    )  # fmt: skip


def config_for(tokenizer: Any) -> dict[str, Any]:
    return {
        "vocab_size": len(tokenizer),
        "hidden_size": 32,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
        "pad_token_id": 0,
    }


def weather(n: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        city = rng.choice(PLACES)
        message = f"weather in {city}" + (" today" if rng.random() < 0.5 else "") + " please"
        out.append((PROMPT.format(m=message), json.dumps({"city": city})))
    return out


def test_a_word_split_into_pieces_is_never_cut_by_the_decoder():
    o, b, i = 0, 1, 2  # one key: O, B-city, I-city
    # "in keen ##land": the tagger likes a span on "keen" alone (O on "##land")
    probs = [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.6, 0.1, 0.3]]
    assert bio_decode(probs, 1) == [o, b, o]  # free: the span ends inside the word
    joined = [False, False, True]
    assert bio_decode(probs, 1, joined=joined) == [o, b, i]  # the whole word, or nothing of it
    # a span cannot start on a word's second piece either
    probs = [[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.1, 0.8, 0.1]]
    assert bio_decode(probs, 1) == [o, o, b]
    assert bio_decode(probs, 1, joined=joined) == [o, o, o]
    assert bio_decode(probs, 1, [True, True, False], joined) == [o, o, None]  # inactive positions stay None
    assert joined_words([None, 0, 1, 1, None]) == [False, False, False, True, False]
    assert cuts_a_word([-100, 0, 1, 0, -100], [False, False, False, True, False])  # ends inside the word
    assert cuts_a_word([-100, 0, 0, 1, -100], [False, False, False, True, False])  # starts inside it
    assert not cuts_a_word([-100, 0, 1, 2, -100], [False, False, False, True, False])
    assert tagged([None, o, b, i, None]) == [(0, 2, 4)]


def test_the_head_learns_from_its_traces_whether_spans_may_cut_words(tmp_path):
    tokenizer = wordpiece()
    assert tokenizer("in keenland").word_ids() == [None, 0, 1, 1, None]
    pairs = weather(80)
    args = {"tokenizer": tokenizer, "encoder_config": config_for(tokenizer), "epochs": 2, "threads": 1}
    head, report = SpanHead.fit(pairs, **args)
    assert report.used == 80 and head.meta["whole_words"] is True  # every teacher span is whole words
    head.save(tmp_path / "words")
    again = SpanHead.load(tmp_path / "words")
    assert again.meta["whole_words"] is True
    texts = [t for t, _ in pairs[:20]] + [PROMPT.format(m="weather in keenland please")]
    assert again.predict(texts) == head.predict(texts)
    for pred, text in zip(head.predict(texts), texts, strict=True):
        city = pred.value.get("city")
        # a decoded span is whole words of the input: never "keen" or "land" out of "keenland"
        assert city is None or f" {city.lower()} " in f" {text.lower().replace(chr(10), ' ')} "
    # a teacher that files a piece of a word ("keen" out of "keenland") lets the head cut words too
    cutting = [*pairs, (PROMPT.format(m="weather in keenland please"), json.dumps({"city": "keen"}))]
    head, report = SpanHead.fit(cutting, **args)
    assert report.used == 81 and head.meta["whole_words"] is False
    # an older head (no such key in its config) decodes as before
    head.save(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "span_head.json").read_text())
    config.pop("whole_words")
    (tmp_path / "old" / "span_head.json").write_text(json.dumps(config))
    assert SpanHead.load(tmp_path / "old").meta["whole_words"] is False


def test_a_tokenizer_without_word_ids_leaves_words_free():
    class Slow(dict):  # a slow tokenizer's output: no word ids
        def word_ids(self, row: int = 0) -> list[Any]:
            raise ValueError("word_ids() is not available when using non-fast tokenizers")

    assert _joined(Slow()) is None
    assert _joined(wordpiece()("in keenland")) == [False, False, False, True, False]
