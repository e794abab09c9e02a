"""A list of strings written as one phrase ("kiwis and plums") is read by the string ranker like a string, its span
split into items: before, only the fine-tuned encoder's span pointer read such a list (a few CPU steps under load:
BFCL multiple's string lists fell back or took one word). No model: a stub encoder gives every cosine 0."""

from __future__ import annotations

import random

import pytest

from slmc.training import tool_head as th
from slmc.training.tool_schema import STATUSES, read_tools

pytest.importorskip("sklearn")
torch = pytest.importorskip("torch")

FRUIT = ["apples", "pears", "kiwis", "plums", "figs", "dates", "limes", "melons", "grapes", "mangos"]
SHOPS = ["Home", "Office", "Cabin", "Garage"]


class _Chooser:
    """The bi-encoder's surface the value rankers read: zero vectors (every cosine 0), one tool always chosen."""

    def __init__(self) -> None:
        self.memo: dict = {}

    def vectors(self, texts):
        return torch.zeros((len(texts), 4))

    def span_vectors(self, request, spans):
        return torch.zeros((len(spans), 4))

    def choose(self, request, tools):
        return 0, 1.0


class _Enc:
    """No fine-tuned encoder: uniform status logits (the value models decide)."""

    def seq(self, text, request, places=None):
        return len(places or ())

    def forward(self, seqs):
        n = len(seqs)
        return None, torch.zeros((n, len(STATUSES))), [None] * n, [None] * n, [None] * n


def _tool(list_name: str) -> dict:
    props = {
        list_name: {"type": "array", "items": {"type": "string"}, "description": "the things to add"},
        "basket": {"type": "string", "description": "the basket's name"},
    }
    fn = {"name": "add_to_basket", "parameters": {"type": "object", "properties": props, "required": list(props)}}
    return {"type": "function", "function": fn}


def _row(rng: random.Random) -> tuple[dict, list[str], str]:
    items = rng.sample(FRUIT, rng.choice([2, 2, 3]))
    basket = rng.choice(SHOPS)
    list_name = rng.choice(["items", "goods", "products", "things"])
    phrase = " and ".join(items) if len(items) == 2 else f"{items[0]}, {items[1]} and {items[2]}"
    request = rng.choice([f"fill the {basket} basket with {phrase}", f"add {phrase} to basket {basket} now"])
    args = {list_name: items, "basket": basket}
    call = {"type": "function", "function": {"name": "add_to_basket", "arguments": __import__("json").dumps(args)}}
    row = {
        "messages": [{"role": "user", "content": request}, {"role": "assistant", "tool_calls": [call]}],
        "tools": [_tool(list_name)],
    }
    return row, items, basket


def test_a_list_of_strings_is_read_by_the_string_ranker_and_split_into_its_items(monkeypatch) -> None:
    monkeypatch.setattr(th, "_span_candidates", lambda *a, **k: [])  # the untrained pointer finds no span
    rng = random.Random(0)
    chooser = _Chooser()
    examples = [th.example_from_row(_row(rng)[0]) for _ in range(60)]
    assert all(ex is not None for ex in examples)
    rankers = th.fit_value_rankers(examples, 0, chooser)
    assert rankers["span"] is not None
    head = th.ToolCallHead.__new__(th.ToolCallHead)
    head._rankers, head._chooser, head._calibration, head._enc, head.no_tool = rankers, chooser, None, _Enc(), False
    right = 0
    held = random.Random(1)
    for _ in range(20):
        row, items, basket = _row(held)
        (tool,) = read_tools(row["tools"])
        request = row["messages"][0]["content"]
        decisions = {d.name: d for d in head.decide_arguments(request, tool)}
        listed = decisions[tool.params[0].name]
        assert listed.reason is None, listed.reason  # before: "no span for argument ..." (the call fell back)
        ok = listed.value == items and decisions["basket"].value == basket
        right += ok
    assert right >= 18
