"""The tool-call head on a tiny encoder built from a config (no hub, no pretrained weights): it trains on a synthetic
tool set whose tools differ per call, round-trips save / load with identical predictions, and survives hostile
schemas."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from slmc.errors import SlmcError
from slmc.training.tool_schema import label_argument, read_tools

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from slmc.training.tool_head import ToolCallHead, example_from_row, train_tool_head  # noqa: E402

CITIES = ["paris", "berlin", "tokyo", "lima", "oslo", "cairo"]
NAMES = ["ana", "bob", "carl", "dora", "eve"]
TOOLS = {
    "get_weather": {
        "name": "get_weather",
        "description": "current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "the city"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "temperature unit"},
            },
            "required": ["city"],
        },
    },
    "set_alarm": {
        "name": "set_alarm",
        "description": "set an alarm clock at an hour",
        "parameters": {
            "type": "object",
            "properties": {
                "hour": {"type": "integer", "description": "hour of the day"},
                "loud": {"type": "boolean", "description": "ring loudly"},
            },
            "required": ["hour"],
        },
    },
    "call_friend": {
        "type": "function",
        "function": {
            "name": "call_friend",
            "description": "phone a friend by name",
            "parameters": {
                "type": "object",
                "properties": {"who": {"type": "string", "description": "name of the friend"}},
                "required": ["who"],
            },
        },
    },
}


def _request(rng: random.Random) -> tuple[str, str | None, dict]:
    kind = rng.choice(["get_weather", "set_alarm", "call_friend", None])
    if kind == "get_weather":
        city, unit = rng.choice(CITIES), rng.choice(["celsius", "fahrenheit", None])
        text = f"what is the weather in {city}" + (f" in {unit}" if unit else "")
        return text, kind, {"city": city, **({"unit": unit} if unit else {})}
    if kind == "set_alarm":
        hour, loud = rng.randint(1, 12), rng.choice([True, False, None])
        text = f"wake me at {hour}" + ({True: " loudly", False: " quietly", None: ""}[loud])
        return text, kind, {"hour": hour, **({"loud": loud} if loud is not None else {})}
    if kind == "call_friend":
        who = rng.choice(NAMES)
        return f"please phone {who} now", kind, {"who": who}
    return rng.choice(["tell me a joke", "how are you today", "thanks a lot"]), None, {}


def _rows(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        text, name, args = _request(rng)
        offered = rng.sample(sorted(TOOLS), 2)  # tool sets differ per call ...
        if name is not None and name not in offered:
            offered[rng.randrange(2)] = name  # ... and always hold the teacher's tool
        answer: dict = {"role": "assistant", "content": "sure"}
        if name is not None:
            answer = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": {"name": name, "arguments": json.dumps(args)}}],
            }
        rows.append(
            {
                "messages": [{"role": "system", "content": "you help"}, {"role": "user", "content": text}, answer],
                "tools": [TOOLS[t] for t in offered],
                "_expect": (name, args),
            }
        )
    return rows


def _tiny_encoder(folder: Path) -> Path:
    """A 2-layer BERT with a word-level vocabulary of the synthetic texts, built from a config."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    texts = json.dumps(list(TOOLS.values())) + " ".join(CITIES + NAMES) + " ".join(str(h) for h in range(1, 13))
    texts += "what is the weather in wake me at loudly quietly please phone now tell a joke how are you today thanks "
    texts += "lot no tool: none of the offered functions fits; answer the request directly in text any = ( ) ."
    words = set(re.findall(r"[a-z]+|\d+|[^\sa-z\d]", texts.lower()))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(w for w in words if w)]
    folder.mkdir(parents=True)
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    assert tokenizer.convert_tokens_to_ids(["paris", "[SEP]"]) == [vocab.index("paris"), 3]
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=96,
        max_position_embeddings=128,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    base = tmp_path_factory.mktemp("toolhead")
    encoder = _tiny_encoder(base / "tiny")
    rows = _rows(120, seed=1)
    info = train_tool_head(
        rows,
        base / "head",
        encoder_path=encoder,
        epochs=8,
        lr=2e-3,
        head_lr=5e-3,
        batch_calls=8,
        max_len=64,
        choice="cross",
    )
    assert info.examples == 120 and info.no_tool
    return base / "head", _rows(60, seed=2)


def _agree(pred, expect) -> bool:
    name, args = expect
    if name is None:
        return pred.call is None and pred.fallback is None
    return pred.call is not None and pred.call["name"] == name and json.loads(pred.call["arguments"]) == args


def test_trains_on_tool_sets_that_differ_per_call_and_round_trips(trained, tmp_path: Path) -> None:
    folder, test_rows = trained
    assert (folder / "encoder" / "model.safetensors").is_file() and (folder / "tool_head.safetensors").is_file()
    assert not list(folder.rglob("*.bin")) and not list(folder.rglob("*.pkl"))
    head = ToolCallHead(folder)
    preds = head.predict(test_rows)
    choice = sum((p.call["name"] if p.call else None) == r["_expect"][0] for p, r in zip(preds, test_rows, strict=True))
    full = sum(_agree(p, r["_expect"]) for p, r in zip(preds, test_rows, strict=True))
    assert choice / len(test_rows) >= 0.9, choice
    assert full / len(test_rows) >= 0.75, full
    for p in preds:
        assert 0.0 <= p.confidence <= 1.0
        if p.call is not None:
            assert set(p.call) == {"name", "arguments"} and isinstance(json.loads(p.call["arguments"]), dict)
    # the tool must come from the request's own tools: the same request offered other tools never picks a missing one
    row = test_rows[0]
    only = [TOOLS["call_friend"]]
    pred = head.predict_one("what is the weather in paris", only)
    assert pred.call is None or pred.call["name"] == "call_friend"
    # a second load gives identical predictions and confidences
    again = ToolCallHead(folder).predict(test_rows)
    assert [(p.call, p.confidence, p.fallback) for p in again] == [(p.call, p.confidence, p.fallback) for p in preds]
    assert row["_expect"] is not None


def test_hostile_schemas_never_crash(trained) -> None:
    folder, _ = trained
    head = ToolCallHead(folder)
    huge = {"type": "string", "enum": [f"v{i}" for i in range(10_000)]}
    hostile = [
        None,
        "get_weather",
        {"name": 7},
        {"function": "x"},
        {"name": "no_params"},
        {"name": "bad_params", "parameters": "everything"},
        {"name": "bad_props", "parameters": {"properties": ["a", "b"], "required": "a"}},
        {
            "name": "weird",
            "description": {"not": "text"},
            "parameters": {
                "properties": {
                    "untyped": {},
                    "nested": {"type": "object", "properties": {"deep": {"type": "string"}}},
                    "huge": huge,
                    "mixed_enum": {"enum": [1, [2], {"a": 3}, None]},
                    "nan_enum": {"type": "number", "enum": [float("nan"), 1.0]},
                    "listy": {"type": "array", "items": {"type": "object"}},
                    "typelist": {"type": ["string", "null"], "description": 5},
                    "": {"type": "string"},
                },
                "required": ["nested", 3, None],
            },
        },
    ]
    tools = read_tools(hostile)
    assert [t.name for t in tools] == ["no_params", "bad_params", "bad_props", "weird"]
    kinds = {p.name: p.kind for p in tools[-1].params}
    assert kinds == {k: "other" for k in ("untyped", "nested", "huge", "mixed_enum", "nan_enum", "listy", "typelist")}
    for request in ["wake me at 7", "", "x" * 5000, "\u2028\x00 emoji 🎉"]:
        for offered in (hostile, hostile[-1:], [], "not a list", None, [huge]):
            pred = head.predict_one(request, offered)
            assert 0.0 <= pred.confidence <= 1.0
            if pred.call is not None:
                assert pred.call["name"] in {"no_params", "bad_params", "bad_props", "weird"}
                json.loads(pred.call["arguments"])
    # a required nested object can never be filled: the call falls back rather than invent it
    pred = head.predict_one("wake me at 7", hostile[-1:])
    assert pred.call is None


def test_labels_and_unusable_rows() -> None:
    tool = read_tools([TOOLS["set_alarm"]])[0]
    hour = tool.param("hour")
    assert label_argument("wake me at 1,200 or 7", hour, True, 7).span == (20, 21)
    assert label_argument("wake me at 1,200", hour, True, 1200).span == (11, 16)
    assert label_argument("wake me at seven", hour, True, 7).span == (11, 16)  # a number word
    assert label_argument("wake me at noon", hour, True, 12).status == "other"  # not a span: fallback when present
    assert label_argument("x", hour, False, None).status == "absent"
    parallel = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": "{}"}}] * 2},
        ],
        "tools": [TOOLS["set_alarm"]],
    }
    unknown = {
        "messages": [
            {"role": "user", "content": "wake me at 7"},
            {"role": "assistant", "tool_calls": [{"function": {"name": "set_alarm", "arguments": '{"minute": 3}'}}]},
        ],
        "tools": [TOOLS["set_alarm"]],
    }
    for row in (parallel, unknown, {"messages": "x"}, None, {"messages": [{"role": "user", "content": "a"}]}):
        assert example_from_row(row) is None


def test_too_few_calls_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SlmcError, match="at least two usable teacher calls"):
        train_tool_head([{"messages": []}], tmp_path / "h", encoder_path=tmp_path / "none")


def test_broken_saved_head_is_refused(trained, tmp_path: Path) -> None:
    folder, _ = trained
    with pytest.raises(SlmcError, match="holds no tool-call head"):
        ToolCallHead(tmp_path)
    (tmp_path / "tool_head.json").write_text('{"format": "slmc-tool-head", "version": 1}')
    (tmp_path / "tool_head.safetensors").write_bytes((folder / "tool_head.safetensors").read_bytes())
    with pytest.raises(SlmcError, match="broken tool-call head"):
        ToolCallHead(tmp_path)
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    config = json.loads((copy / "tool_head.json").read_text())
    values = {"number", "enum", "span", "presence", "options", "items", "boolean", "edges"}
    assert set(config["values"]) == values
    from slmc.training.tool_values import ITEM_FEATURES, NUMBER_FEATURES

    good = json.dumps(config)
    config["values"]["number"] = {"features": list(NUMBER_FEATURES), "coef": ["1"] * len(NUMBER_FEATURES)}  # strings
    (copy / "tool_head.json").write_text(json.dumps(config))
    with pytest.raises(SlmcError, match="values must hold"):
        ToolCallHead(copy)
    config = json.loads(good)
    config["values"]["items"] = {"features": list(ITEM_FEATURES)[1:], "coef": [1.0] * (len(ITEM_FEATURES) - 1)}
    (copy / "tool_head.json").write_text(json.dumps(config))
    with pytest.raises(SlmcError, match="values must hold"):  # another slmc's features
        ToolCallHead(copy)


def test_hf_runtime_serves_the_tool_head(trained, tmp_path: Path) -> None:
    """A manifest site with ``adapter.kind: tool-head`` answers tool calls from the head in the hf backend; a request
    the head answers without a tool goes to the LLM."""
    import shutil

    import slmc.runtime as runtime
    from tests.runtime.servers import SITE, write_manifest

    folder, _ = trained
    shutil.copytree(folder, tmp_path / "adapters" / "tools")
    path = write_manifest(
        tmp_path,
        None,
        target="hf",
        adapter={"name": "tools", "path": "adapters/tools", "int_id": 0, "kind": "tool-head"},
        contract={"kind": "tool-call", "tools_per_call": True},
        threshold=0.0,
    )
    llm_calls = []

    def llm(**kwargs):
        llm_calls.append(kwargs)
        return {"choices": [{"message": {"role": "assistant", "content": "llm"}, "finish_reason": "stop"}]}

    runtime.configure(path, warm=True)
    try:
        tools = [{"type": "function", "function": TOOLS["get_weather"]}, TOOLS["call_friend"]]
        messages = [{"role": "user", "content": "what is the weather in lima"}]
        resp = runtime.call(SITE, "openai.chat", llm, model="m", messages=messages, tools=tools)
        call = resp.choices[0].message.tool_calls[0]
        assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "lima"}
        assert runtime.stats()["served_by_slm"] == 1 and not llm_calls
        joke = [{"role": "user", "content": "tell me a joke"}]
        runtime.call(SITE, "openai.chat", llm, model="m", messages=joke, tools=tools)
        assert len(llm_calls) == 1  # the head would answer without a tool: the LLM answers
    finally:
        runtime.reset()


def test_frozen_layers_cached_give_the_full_forward(tmp_path: Path) -> None:
    """Training with frozen bottom layers runs the top layers from cached states: the same numbers as the full model."""
    from slmc.training.tool_head import _build_heads, _Encoder, _load_encoder

    tokenizer, encoder = _load_encoder(_tiny_encoder(tmp_path / "tiny"))
    encoder.eval()
    enc = _Encoder(tokenizer, encoder, _build_heads(encoder.config.hidden_size), 64)
    seqs = [enc.seq("get_weather: current weather of a city", "what is the weather in paris"), enc.seq("x", "hi")]
    with torch.no_grad():
        full = enc.forward(seqs)
        top = enc.forward_top(seqs, 1)
    *outputs, hidden = full
    *outputs_top, hidden_top = top
    for a, b in zip(outputs, outputs_top, strict=True):
        assert torch.allclose(a.float(), b.float(), atol=1e-4)
    for i, s in enumerate(seqs):  # the hidden states of the real tokens (padding differs and is never read)
        assert torch.allclose(hidden[i, : len(s.ids)], hidden_top[i, : len(s.ids)], atol=1e-4)


def test_bi_encoder_choice_round_trips(tmp_path: Path) -> None:
    """The default tool choice (the pretrained encoder's sentence embeddings, saved unchanged beside the fine-tuned
    one, with the no-tool logistic) saves, loads and predicts the same."""
    rows = _rows(40, seed=3)
    train_tool_head(rows, tmp_path / "head", encoder_path=_tiny_encoder(tmp_path / "tiny"), epochs=1, max_len=64)
    config = json.loads((tmp_path / "head" / "tool_head.json").read_text())
    assert config["choice"]["method"] == "bi" and len(config["choice"]["no_tool"]["coef"]) == 2
    assert (tmp_path / "head" / "choice" / "model.safetensors").is_file()
    first = [(p.call, p.confidence, p.fallback) for p in ToolCallHead(tmp_path / "head").predict(rows)]
    assert first == [(p.call, p.confidence, p.fallback) for p in ToolCallHead(tmp_path / "head").predict(rows)]
    assert all(0.0 <= c <= 1.0 for _, c, _ in first)
    config["choice"]["no_tool"]["coef"] = [float("nan"), 1.0]
    (tmp_path / "head" / "tool_head.json").write_text(json.dumps(config))
    with pytest.raises(SlmcError, match="finite coefficients"):
        ToolCallHead(tmp_path / "head")


class _PeakedEncoder:
    """Stands in for the fine-tuned encoder: every argument's status says "value" and its span logits peak on the
    request's words given per parameter, with their logits (the pattern of an under-trained head: one number for all)."""

    def __init__(self, request: str, peaks: dict[str, list[tuple[str, float]]]) -> None:
        from slmc.training.tool_head import _Seq

        self.words = [(m.start(), m.end()) for m in re.finditer(r"\S+", request)]
        self.request, self.peaks, self._seq = request, peaks, _Seq
        self.order: list[str] = []

    def seq(self, text: str, request: str, places=None):
        self.order.append(text.split(" . ", 1)[1].split(" ", 1)[0])  # "tool . param (type): ..." -> param
        n = len(self.words)
        return self._seq(list(range(n)), [1] * n, list(self.words), [1] * n)

    def forward(self, seqs):
        from slmc.training.tool_schema import STATUSES

        names, self.order = self.order[-len(seqs) :], []
        n = len(self.words)
        status = torch.full((len(seqs), len(STATUSES)), -5.0)
        status[:, STATUSES.index("value")] = 5.0
        span = torch.full((len(seqs), n, 2), -10.0)
        texts = [self.request[a:b] for a, b in self.words]
        for row, name in enumerate(names):
            for word, logit in self.peaks[name]:
                span[row, texts.index(word), :] = logit
        return None, status, span, torch.ones((len(seqs), n), dtype=torch.bool), None


def test_arguments_take_distinct_spans_that_parse_as_their_kind():
    """An argument's span is the likeliest one that gives a value of its type and that no surer argument of the call
    took: before, every argument of an under-trained head read the same number ("10" for temp, volume and gas) and
    an integer whose top span was a word fell back."""
    request = "heat capacity of air at 298 K in 10 m3 over three days"
    props = {
        "temp": {"type": "integer", "description": "Temperature in Kelvin."},
        "volume": {"type": "integer", "description": "Volume in m^3."},
        "gas": {"type": "string", "description": "The gas."},
    }
    tools = [{"type": "function", "function": {"name": "calc", "parameters": {"type": "object", "properties": props}}}]
    (tool,) = read_tools(tools)
    head = ToolCallHead.__new__(ToolCallHead)
    peaks = {
        "volume": [("10", 10.0), ("298", 8.0), ("air", 6.0)],
        "temp": [("days", 8.0), ("10", 6.0), ("298", 4.0)],
        "gas": [("10", 7.0), ("298", 5.0), ("air", 3.0)],
    }
    head._enc = _PeakedEncoder(request, peaks)
    head._chooser = None
    head._rankers = dict.fromkeys(("number", "enum", "span", "presence"))  # the encoder's spans alone
    args, confidence, reason = head._arguments(tool, request, 1.0)
    assert reason is None and 0.0 < confidence <= 1.0
    assert args == {"temp": 298, "volume": 10, "gas": "air"}
    assert list(args) == ["temp", "volume", "gas"]  # the tool's parameter order


class _DoubtfulEncoder(_PeakedEncoder):
    """The peaked stand-in whose status head leans to "other" (the value cannot be written) for every argument."""

    def forward(self, seqs):
        from slmc.training.tool_schema import STATUSES

        choice, status, span, segment, hidden = super().forward(seqs)
        status[:, STATUSES.index("other")] = 6.0
        return choice, status, span, segment, hidden


def test_an_unsure_other_lowers_the_confidence_but_a_fillable_argument_is_still_filled():
    """An under-trained status head that says "other" for fillable arguments (BFCL simple in five folds: half the calls
    fell back so) no longer makes the call fall back: the argument is read, the call's confidence carries the doubt;
    a required parameter of no fillable kind (an object) still falls back."""
    request = "heat capacity of air at 298 K"
    props = {"temp": {"type": "integer", "description": "Temperature in Kelvin."}}
    tools = [{"type": "function", "function": {"name": "calc", "parameters": {"type": "object", "properties": props}}}]
    (tool,) = read_tools(tools)
    head = ToolCallHead.__new__(ToolCallHead)
    head._chooser = None
    head._rankers = dict.fromkeys(("number", "enum", "span", "presence"))
    head._enc = _PeakedEncoder(request, {"temp": [("298", 8.0)]})
    _, sure, _ = head._arguments(tool, request, 1.0)
    head._enc = _DoubtfulEncoder(request, {"temp": [("298", 8.0)]})
    args, doubtful, reason = head._arguments(tool, request, 1.0)
    assert reason is None and args == {"temp": 298}
    assert 0.0 < doubtful < 0.5 < sure
    props = {"filter": {"type": "object", "description": "Fields to match."}}
    schema = {"type": "object", "properties": props, "required": ["filter"]}
    (tool,) = read_tools([{"type": "function", "function": {"name": "find", "parameters": schema}}])
    head._enc = _DoubtfulEncoder(request, {"filter": []})
    args, confidence, reason = head._arguments(tool, request, 1.0)
    assert reason is not None and "filter" in reason and confidence == 0.0


def test_a_small_closed_integer_range_is_chosen_as_an_enum():
    """A priority 1-3 is seldom written in the request ("Urgency: high" -> 1): read as a span it can never be filled;
    the schema's closed range makes it a choice among its values. A wide range stays a number read from the text."""
    route = {
        "name": "route_ticket",
        "parameters": {
            "type": "object",
            "properties": {
                "priority": {"type": "integer", "minimum": 1, "maximum": 3},
                "count": {"type": "integer", "minimum": 0, "maximum": 1000},
                "queue": {"type": "string", "enum": ["it", "accounts"]},
            },
        },
    }
    (tool,) = read_tools([route])
    priority, count = tool.param("priority"), tool.param("count")
    assert (priority.kind, priority.enum) == ("enum", (1, 2, 3)) and count.kind == "integer"
    label = label_argument("Intent: account\nUrgency: high", priority, True, 1)
    assert (label.status, label.enum_index) == ("value", 0)
    assert label_argument("Urgency: high", priority, True, 7).status == "other"  # outside its range: fallback


def test_enum_options_are_read_in_the_parameter_s_own_pass(tmp_path: Path) -> None:
    """An enum parameter is one sequence (its name, description and options, paired with the request) whose option
    tokens are scored: before, each option was a sequence of its own (route_ticket: 9 encoder passes per call, now 2),
    which made most of the tool head's training time."""
    from slmc.training.tool_head import _batch_items, _build_heads, _Encoder, _load_encoder

    tokenizer, encoder = _load_encoder(_tiny_encoder(tmp_path / "tiny"))
    enc = _Encoder(tokenizer, encoder, _build_heads(encoder.config.hidden_size), 64)
    row = _rows(1, seed=0)[0]
    row["tools"] = [TOOLS["get_weather"]]
    row["messages"][1]["content"] = "what is the weather in oslo in fahrenheit"
    row["messages"][-1] = {
        "role": "assistant",
        "tool_calls": [{"function": {"name": "get_weather", "arguments": '{"city": "oslo", "unit": "fahrenheit"}'}}],
    }
    ex = example_from_row(row)
    items = _batch_items(enc, ex, no_tool=False, cross=False)
    assert [what for what, _ in items] == ["param", "param"]  # one sequence per parameter, none per option
    seq, _, _, option = items[1][1]
    assert option == 1 and len(seq.options) == 2 and all(seq.options)
    text = tokenizer.decode([seq.ids[i] for i in seq.options[1]])
    assert text == "fahrenheit"
    _, _, _, _, hidden = enc.forward([seq])
    assert enc.option_scores(hidden[0], seq).shape == (2,)


def test_training_stops_early_on_held_out_calls_and_keeps_the_best_weights(tmp_path: Path, monkeypatch) -> None:
    """With enough calls some are held out of training; their loss, looked at twice an epoch, stops training when it
    no longer improves (the planned epochs are a ceiling, not a cost) and the best look's weights are kept."""
    import slmc.training.tool_head as tool_head

    monkeypatch.setattr(tool_head, "DEV_MIN_CALLS", 50)
    rows = _rows(120, seed=1)
    encoder = _tiny_encoder(tmp_path / "tiny")
    info = train_tool_head(
        rows, tmp_path / "head", encoder_path=encoder, epochs=40, lr=2e-3, head_lr=5e-3, max_len=64, choice="cross"
    )
    assert info.held_out == 12 and info.held_out_loss is not None
    assert info.steps < 40 * 14  # 108 training calls, 14 batches an epoch: stopped well before 40 epochs
    head = ToolCallHead(tmp_path / "head")
    test = _rows(60, seed=2)
    assert sum(_agree(p, r["_expect"]) for p, r in zip(head.predict(test), test, strict=True)) >= 45


def test_heads_only_training_runs_its_epochs_past_the_budget(tmp_path: Path) -> None:
    """With no encoder layer trained a step is the linear heads on cached states: the frozen pass may spend the whole
    budget (2 loaded cores: BFCL simple stopped after 0.03 epochs, 42 % of its parameters called unfillable), the
    planned epochs still run. With a layer trained the budget stops training."""
    rows = _rows(40, seed=3)
    encoder = _tiny_encoder(tmp_path / "tiny")
    heads_only = train_tool_head(
        rows,
        tmp_path / "a",
        encoder_path=encoder,
        epochs=2,
        max_len=64,
        choice="cross",
        train_layers=0,
        time_budget=0.0,
    )
    assert heads_only.epochs == pytest.approx(2.0, abs=0.2)
    assert not heads_only.capped and heads_only.steps == heads_only.planned_steps  # the plan ran: nothing to report
    one_layer = train_tool_head(
        rows,
        tmp_path / "b",
        encoder_path=encoder,
        epochs=2,
        max_len=64,
        choice="cross",
        train_layers=1,
        time_budget=0.0,
    )
    assert one_layer.steps == 1
    assert one_layer.capped and one_layer.planned_steps > 1  # the cap fired: the compile reports it (heads._tool_cap)


def test_date_arguments_are_rewritten_in_the_format_their_description_names():
    """A span the head points into a date is written as the date in the parameter's format (its year read where the
    request gives it); the string ranker chooses a date parameter's value among the request's dates only."""
    from slmc.training.tool_head import _string_candidates
    from slmc.training.tool_values import span_candidates

    request = "move it from Oct 2nd to Oct 9th, 2019 for ana"
    fmt = "in the format of 'YYYY-MM-DD'"
    props = {
        "start": {"type": "string", "description": f"First day, {fmt}."},
        "end": {"type": "string", "description": f"Last day, {fmt}."},
        "who": {"type": "string", "description": "Who moves."},
    }
    tools = [{"type": "function", "function": {"name": "move", "parameters": {"type": "object", "properties": props}}}]
    (tool,) = read_tools(tools)
    head = ToolCallHead.__new__(ToolCallHead)
    head._enc = _PeakedEncoder(request, {"start": [("2nd", 8.0)], "end": [("9th,", 8.0)], "who": [("ana", 8.0)]})
    head._chooser = None
    head._rankers = dict.fromkeys(("number", "enum", "span", "presence"))
    args, confidence, reason = head._arguments(tool, request, 1.0)
    assert reason is None and confidence > 0.0
    assert args == {"start": "2019-10-02", "end": "2019-10-09", "who": "ana"}
    general = span_candidates(request)
    dates = _string_candidates(request, tool.param("start"), general)
    assert [request[a:b] for a, b in dates] == ["Oct 2nd", "Oct 9th, 2019"]
    assert _string_candidates(request, tool.param("who"), general) == general
    assert _string_candidates("move it for ana", tool.param("start"), general) == general  # no date written


def test_options_arguments_take_the_options_the_request_names():
    """An array of an enum's values is filled with each option the options model takes, in the order the request
    names them; the call's confidence carries every option's decision; without an options model it falls back."""
    from slmc.training.tool_values import fit_options, options_features

    props = {
        "where": {"type": "string", "description": "The city."},
        "extras": {"type": "array", "items": {"type": "string", "enum": ["Patio", "Wi-Fi", "Parking"]}},
    }
    schema = {"type": "object", "properties": props, "required": ["where", "extras"]}
    (tool,) = read_tools([{"type": "function", "function": {"name": "find_cafe", "parameters": schema}}])
    extras = tool.param("extras")
    rows = []
    for text, picks in [("a patio", {0}), ("parking and wi-fi", {1, 2}), ("parking", {2}), ("wi-fi, patio", {0, 1})]:
        rows += [(f, j in picks) for j, f in enumerate(options_features(text, extras))]
    request = "a cafe in lima with parking and a patio"
    head = ToolCallHead.__new__(ToolCallHead)
    head._enc = _PeakedEncoder(request, {"where": [("lima", 8.0)], "extras": []})
    head._chooser = None
    head._rankers = {**dict.fromkeys(("number", "enum", "span", "presence")), "options": fit_options(rows)}
    args, confidence, reason = head._arguments(tool, request, 1.0)
    assert reason is None and args == {"where": "lima", "extras": ["Parking", "Patio"]}
    assert 0.0 < confidence < 1.0
    head._rankers["options"] = None
    _, confidence, reason = head._arguments(tool, request, 1.0)
    assert confidence == 0.0 and "extras" in reason


def test_a_list_of_numbers_takes_the_items_the_items_model_picks_among_numbers_left():
    """A list of numbers is read item by item among the numbers no scalar argument took ("from x=1 to x=3" is
    [1, 3], not one span), in the request's order, the call's confidence carrying every number's decision."""
    from slmc.training.tool_values import fit_items, item_features, number_candidates

    props = {
        "n": {"type": "integer", "description": "Number of steps."},
        "bounds": {"type": "array", "items": {"type": "number"}, "description": "Lower and upper bound."},
    }
    schema = {"type": "object", "properties": props, "required": ["n", "bounds"]}
    (tool,) = read_tools([{"type": "function", "function": {"name": "integrate", "parameters": schema}}])
    bounds = tool.param("bounds")
    rows = []
    for text, items in [("bound 1 to 3 in 9 steps", {"1", "3"}), ("in 4 steps, bounds 2.5 and 6", {"2.5", "6"})]:
        cands = number_candidates(text, "number")
        feats = item_features(text, bounds, cands)
        rows += [(f, text[a:b] in items) for (a, b, _), f in zip(cands, feats, strict=True)]
    request = "use 50 steps with bounds 0.5 to 2"
    head = ToolCallHead.__new__(ToolCallHead)
    head._enc = _PeakedEncoder(request, {"n": [("50", 8.0)], "bounds": []})
    head._chooser = None
    head._rankers = {**dict.fromkeys(("number", "enum", "span", "presence")), "items": fit_items(rows)}
    args, confidence, reason = head._arguments(tool, request, 1.0)
    assert reason is None and args == {"n": 50, "bounds": [0.5, 2]}
    assert 0.0 < confidence < 1.0


def test_the_budget_counts_this_process_s_cpu_seconds_not_the_wall_clock(tmp_path: Path, monkeypatch) -> None:
    """Other processes holding the cores make the wall clock run while this training does not: the budget is read on
    this process's CPU seconds, so the same budget buys the same training under load (the wall clock, jumping 1000 s
    a reading here, stopped it after one step)."""
    import itertools

    import slmc.training.tool_head as tool_head

    rows = _rows(40, seed=3)
    encoder = _tiny_encoder(tmp_path / "tiny")
    wall = itertools.count(0.0, 1000.0)
    monkeypatch.setattr(tool_head.time, "perf_counter", lambda: next(wall))
    info = train_tool_head(
        rows, tmp_path / "a", encoder_path=encoder, epochs=1, max_len=64, choice="cross", time_budget=600.0
    )
    assert not info.capped and info.steps == info.planned_steps > 1
    assert tool_head.budget_clock("cuda") is tool_head.time.perf_counter  # an accelerator's budget stays wall time
